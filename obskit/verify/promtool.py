"""promtool: ``check rules`` and ``test rules``."""
from __future__ import annotations

from typing import Sequence

from obskit.verify.tools import ToolResult, run


def check_rules(paths: Sequence[str]) -> ToolResult:
    return run("promtool", ["check", "rules", *map(str, paths)])


def test_rules(paths: Sequence[str], cwd=None, timeout: float = 900) -> ToolResult:
    return run("promtool", ["test", "rules", *map(str, paths)], cwd=cwd, timeout=timeout)
