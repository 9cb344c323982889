"""Problems in the dashboards users wrote, as definition errors at the Python line that wrote the panel.

The Grafana target's verify step checks every built dashboard against Grafana's schemas and parses
every Prometheus query (obskit/verify/grafana_schema/); for a dashboard a user wrote (a
:class:`~obskit.model.dashboards.Dashboard` wrapping grafanalib, grafana-foundation-sdk or a dict) what
it finds is the user's mistake, not obskit's. :func:`check` runs the same checks on those files at
render time (so ``obskit build`` and ``obskit check`` refuse them with exit 2), parses the LogQL of
Loki panels too (when node and the grammar are installed), and reports each problem with the
dashboard's and the panel's title, at the line of the dashboard's module that holds the panel's query
(or its title; else the ``Dashboard(...)`` line).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from obskit.errors import Diagnostic
from obskit.location import Location

_PANEL = re.compile(r"^panels/(\d+)(?:/panels/(\d+))?")


@lru_cache(maxsize=256)
def _lines(path: str) -> Tuple[str, ...]:
    try:
        return tuple(Path(path).read_text().splitlines())
    except (OSError, UnicodeDecodeError):
        return ()


def _find(file: str, texts: Iterable[str]) -> Optional[int]:
    """The first line of ``file`` holding one of ``texts`` (tried in order), as a 1-based number."""
    lines = _lines(file)
    for text in texts:
        if not text or len(text) < 3:
            continue
        for i, line in enumerate(lines):
            if text in line or json.dumps(text)[1:-1] in line:
                return i + 1
    return None


def _panel_at(doc: dict, path: str) -> Optional[dict]:
    m = _PANEL.match(path)
    if not m:
        return None
    try:
        panel = doc["panels"][int(m.group(1))]
        if m.group(2) is not None:
            panel = panel["panels"][int(m.group(2))]
    except (KeyError, IndexError, TypeError):
        return None
    return panel if isinstance(panel, dict) else None


def _target_expr(panel: dict, path: str) -> str:
    m = re.search(r"/targets/(\d+)", path)
    if not m:
        return ""
    try:
        target = panel["targets"][int(m.group(1))]
    except (KeyError, IndexError, TypeError):
        return ""
    return target.get("expr", "") if isinstance(target, dict) and isinstance(target.get("expr"), str) else ""


def _where(dashboard, panel: Optional[dict], expr: str) -> Location:
    loc = dashboard.location
    if panel is None:
        return loc
    title = panel.get("title") if isinstance(panel.get("title"), str) else ""
    probes = [expr, expr.strip().splitlines()[0] if expr.strip() else "", f'"{title}"', f"'{title}'"]
    line = _find(loc.file, probes)
    return Location(loc.file, line) if line else loc


def _diag(dashboard, doc: dict, problem: str) -> Diagnostic:
    # problem: "panels/3 ('Title')/targets/0/expr: message", "panels/3/targets/0/expr: message", "dashboard/...: ..."
    path, _, message = problem.partition(": ")
    path = re.sub(r" \('(?:[^'\\]|\\.)*'\)", "", path)
    panel = _panel_at(doc, path)
    expr = _target_expr(panel, path) if panel is not None else ""
    title = panel.get("title") if panel is not None else None
    what = f"dashboard {dashboard.title!r}" + (f" panel {title!r}" if isinstance(title, str) and title else
                                               (" panel " + path.split("/targets")[0] if panel is not None else ""))
    inner = path.split("/", 2)[-1] if panel is not None and path.count("/") >= 2 else path
    if path.endswith("/expr") and expr:
        shown = "" if expr in message else f" (query: {expr})"
        return Diagnostic("dashboard-query", f"the query of {inner.rsplit('/', 1)[0]} does not parse: {message}{shown}",
                          what, _where(dashboard, panel, expr),
                          hint="fix the panel's query; Grafana variables ($var, [$__rate_interval]) are allowed")
    return Diagnostic("dashboard-schema", f"{inner}: {message}", what, _where(dashboard, panel, expr),
                      hint="Grafana's dashboard JSON schema refuses this value")


def _uid(doc: dict) -> Optional[str]:
    if "apiVersion" in doc:                              # schema v2 resource
        meta = doc.get("metadata")
        return meta.get("name") if isinstance(meta, dict) else None
    return doc.get("uid")


def _loki_queries(doc: dict) -> List[Tuple[str, dict, str]]:
    """(path, panel, expr) of every Loki query of a classic dashboard's panels."""
    from obskit.verify.grafana_schema import _panels
    out = []
    for where, p in _panels(doc):
        ds = p.get("datasource")
        panel_type = ds.get("type") if isinstance(ds, dict) else None
        for k, t in enumerate(p.get("targets") or []):
            if not isinstance(t, dict) or not isinstance(t.get("expr"), str):
                continue
            tds = t.get("datasource")
            if (tds.get("type") if isinstance(tds, dict) else panel_type) == "loki":
                out.append((f"{where}/targets/{k}/expr", p, t["expr"]))
    return out


def check(project, files: Dict[str, bytes], schema_version: Optional[int] = None, schema: Optional[str] = None,
          api: Optional[str] = None) -> List[Diagnostic]:
    """Definition errors for the user-written dashboards among ``files`` (the Grafana target's output)."""
    from obskit.model.dashboards import Dashboard
    from obskit.verify.grafana_schema import SchemasMissing, validate_files

    authored = {d.effective_uid: d for d in project.of(Dashboard)}
    if not authored:
        return []
    mine = {}
    for path, data in files.items():
        if path.startswith("grafana/dashboards/") and path.endswith(".json"):
            doc = json.loads(data)
            d = authored.get(_uid(doc) if isinstance(doc, dict) else None)
            if d is not None:
                mine[path] = (d, doc)
    if not mine:
        return []
    out: List[Diagnostic] = []
    try:
        problems = validate_files({p: files[p] for p in mine}, schema_version, schema, api)
    except SchemasMissing:
        problems = []               # the verify step says so (ToolError)
    for line in problems:
        path, _, problem = line.partition(": ")
        d, doc = mine[path]
        out.append(_diag(d, doc, problem))
    out += _logql(mine)
    root = str(project.root)
    return [d if d.location is None else _relocated(d, d.location.relative_to(root)) for d in out]


def _relocated(d: Diagnostic, location: Location) -> Diagnostic:
    from dataclasses import replace
    return replace(d, location=location)


def _logql(mine) -> List[Diagnostic]:
    from obskit.errors import ToolError
    from obskit.verify import logql
    queries = [(d, doc, path, panel, expr) for d, doc in mine.values() if "apiVersion" not in doc
               for path, panel, expr in _loki_queries(doc)]
    if not queries or not logql.available():
        return []
    try:
        results = logql.check([q[-1] for q in queries])
    except ToolError:
        return []
    out = []
    for (d, doc, path, panel, expr), res in zip(queries, results):
        if not res.ok:
            title = panel.get("title") if isinstance(panel.get("title"), str) else path
            out.append(Diagnostic("dashboard-query", f"the LogQL query of {path.split('/', 2)[-1].rsplit('/', 1)[0]} "
                                                     f"does not parse: {res.describe()} (query: {expr})",
                                  f"dashboard {d.title!r} panel {title!r}", _where(d, panel, expr),
                                  hint="fix the panel's LogQL query"))
    return out
