"""promtool: ``check rules`` and ``test rules``; ``tool`` picks one installed version (default: see
:func:`obskit.verify.tools.pick`)."""
from __future__ import annotations

from typing import Optional, Sequence

from obskit.verify.tools import Tool, ToolResult, run


def check_rules(paths: Sequence[str], tool: Optional[Tool] = None) -> ToolResult:
    return run("promtool", ["check", "rules", *map(str, paths)], tool=tool)


def test_rules(paths: Sequence[str], cwd=None, timeout: float = 900, tool: Optional[Tool] = None,
               env: Optional[dict] = None) -> ToolResult:
    return run("promtool", ["test", "rules", *map(str, paths)], cwd=cwd, timeout=timeout, tool=tool, env=env)
