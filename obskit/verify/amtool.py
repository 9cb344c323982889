"""amtool: ``check-config``, ``config routes test`` and ``template render``; and finding the
``alertmanager`` server binary (Debian installs it as ``prometheus-alertmanager``)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from obskit.errors import ToolError
from obskit.model.alertmanager.matchers import quote
from obskit.verify.tools import Tool, ToolResult, pick, run


def check_config(path, tool: Optional[Tool] = None) -> ToolResult:
    return run("amtool", ["check-config", str(path)], timeout=60, tool=tool)


def failure_reason(result: ToolResult) -> str:
    """The ``FAILED: <reason>`` part of check-config's output."""
    m = re.search(r"FAILED: (.*?)(?:\n\s*\n|\namtool: error|\Z)", result.output, re.S)
    return m.group(1).strip() if m else result.output


def label_args(labels) -> Tuple[str, ...]:
    """Labels as amtool arguments, values quoted so that commas, spaces and quotes survive."""
    items = labels.items() if hasattr(labels, "items") else labels
    return tuple(f"{name if _PLAIN_NAME.match(name) else quote(name)}={quote(value)}" for name, value in sorted(items))


#: A label name amtool takes unquoted; others (UTF-8 names, Alertmanager 0.27+) are quoted like values.
_PLAIN_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


@dataclass(frozen=True)
class RouteResult:
    labels: Tuple[Tuple[str, str], ...]
    expected: Optional[Tuple[str, ...]]
    got: Tuple[str, ...]
    ok: bool
    output: str


def routes_test(config, labels, expected: Optional[Sequence[str]] = None, tool: Optional[Tool] = None) -> RouteResult:
    """Route one label set through ``config``; with ``expected``, amtool's ``--verify.receivers``
    decides (receivers in routing-tree order, the order amtool prints)."""
    args = ["config", "routes", "test", f"--config.file={config}"]
    if expected is not None:
        args.append(f"--verify.receivers={','.join(expected)}")
    items = tuple(sorted(labels.items() if hasattr(labels, "items") else labels))
    res = run("amtool", [*args, *label_args(items)], timeout=60, tool=tool)
    lines = [line for line in res.stdout.splitlines() if line.strip() and not line.startswith("WARNING")]
    if res.returncode not in (0, 1) or not lines and "error" in res.stderr:
        raise ToolError(f"amtool config routes test failed: {res.output}")
    got = tuple(x.strip() for x in lines[-1].split(",")) if lines else ()
    return RouteResult(items, tuple(expected) if expected is not None else None, got, res.ok, res.output)


def template_render(template_glob: str, text: str, timeout: float = 60, tool: Optional[Tool] = None) -> ToolResult:
    return run("amtool", ["template", "render", f"--template.glob={template_glob}", f"--template.text={text}"],
               timeout=timeout, tool=tool)


def alertmanager_binary(version: Optional[str] = None) -> str:
    """The Alertmanager server: ``$OBSKIT_ALERTMANAGER``, ``alertmanager[-X.Y.Z]`` or Debian's
    ``prometheus-alertmanager`` (see :mod:`obskit.verify.tools`); ``version``: a version prefix."""
    return pick("alertmanager", version).path
