"""LogQL syntax checks with Grafana's own grammar, and structural checks of Loki ruler files.

Loki cannot be installed here (no ``loki`` binary in Debian; Debian's ``loki`` package is an unrelated
genetics program), so LogQL is parsed with ``@grafana/lezer-logql``: the Lezer grammar Grafana's Loki
query editor is built on, maintained by Grafana Labs next to Loki. It runs in node; the package and
its lockfile live in ``obskit/verify/logql/`` and are installed by ``npm ci`` (``scripts/setup.sh``).
One node process parses every query of a build (JSON over stdin/stdout), so the cost is one process
start however many rules there are (measured here: ~0.2 s per node start; 2,000 queries in one
process in 0.8 s).

Lezer does not throw on bad input: it recovers and marks the damage with error nodes; a query is valid
exactly when its tree has none (``check.mjs``). The top node tells a log query from a metric query:
Loki's ruler only evaluates metric queries, so an alert or recording rule over a log query is refused.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from obskit.compile.loki import rule_name
from obskit.errors import Diagnostic, ToolError
from obskit.model.loki import LokiRules

CHECKER_DIR = Path(__file__).resolve().parent / "logql"
SCRIPT = CHECKER_DIR / "check.mjs"
GRAMMAR = CHECKER_DIR / "node_modules" / "@grafana" / "lezer-logql"
INSTALL = f"npm ci --prefix {CHECKER_DIR}  (scripts/setup.sh runs it)"


@dataclass(frozen=True)
class LogQLResult:
    query: str
    ok: bool
    kind: str = ""                                  # "MetricExpr" or "LogExpr" when ok
    errors: Tuple[Tuple[int, int, str], ...] = ()   # (from, to, context) of each error node

    @property
    def is_metric(self) -> bool:
        return self.ok and self.kind == "MetricExpr"

    def describe(self) -> str:
        if self.ok:
            return "ok"
        parts = []
        for start, end, _ in self.errors[:3]:
            near = self.query[max(0, start - 12):end + 12]
            parts.append(f"at column {start + 1} near {near!r}")
        return "LogQL syntax error " + "; ".join(parts)


def find_node() -> str:
    path = os.environ.get("OBSKIT_NODE") or shutil.which("node")
    if not path:
        raise ToolError("node is not installed: LogQL cannot be syntax-checked. Install Node.js 20+ "
                        "(apt-get install -y nodejs npm) and run " + INSTALL)
    return path


def available() -> bool:
    try:
        find_node()
    except ToolError:
        return False
    return GRAMMAR.is_dir()


def check(queries: Sequence[str], timeout: float = 120) -> List[LogQLResult]:
    """Parse every query in one node process; ToolError when node or the grammar is missing."""
    queries = list(queries)
    if not queries:
        return []
    node = find_node()
    if not GRAMMAR.is_dir():
        raise ToolError(f"the LogQL grammar @grafana/lezer-logql is not installed; run {INSTALL}")
    try:
        proc = subprocess.run([node, str(SCRIPT)], input=json.dumps(queries), capture_output=True,
                              text=True, timeout=timeout, cwd=str(CHECKER_DIR))
    except subprocess.TimeoutExpired as exc:
        raise ToolError(f"LogQL check timed out after {timeout:.0f}s") from exc
    if proc.returncode != 0:
        raise ToolError(f"LogQL checker failed (exit {proc.returncode}): {proc.stderr.strip()}")
    raw = json.loads(proc.stdout)
    if len(raw) != len(queries):
        raise ToolError(f"LogQL checker answered {len(raw)} results for {len(queries)} queries")
    return [LogQLResult(q, bool(r["ok"]), r.get("kind", ""),
                        tuple((e["from"], e["to"], e.get("text", "")) for e in r.get("errors", ())))
            for q, r in zip(queries, raw)]


# ------------------------------------------------------------------------- Prometheus rule-file structure
_GROUP_KEYS = {"name", "interval", "limit", "rules"}
_ALERT_KEYS = {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
_RECORD_KEYS = {"record", "expr", "labels"}


def check_rule_file(doc: object) -> List[str]:
    """The checks ``promtool check rules`` makes on a rule file's structure (strict keys, one of
    record/alert, names, unique group names, label and annotation names, durations), without the
    PromQL parse, which LogQL would fail. Returns problems as text; empty when the file is sound."""
    from obskit.duration import Duration, DurationError
    from obskit.promql import is_valid_label_name, is_valid_metric_name

    out: List[str] = []
    if not isinstance(doc, dict) or set(doc) != {"groups"}:
        return ["the file must be a mapping with the single key 'groups'"]
    groups = doc["groups"]
    if not isinstance(groups, list):
        return ["'groups' must be a list"]
    names = set()
    for gi, g in enumerate(groups):
        where = f"group {gi + 1}"
        if not isinstance(g, dict):
            out.append(f"{where}: must be a mapping")
            continue
        unknown = set(g) - _GROUP_KEYS
        if unknown:
            out.append(f"{where}: unknown keys {sorted(unknown)}")
        name = g.get("name")
        if not isinstance(name, str) or not name:
            out.append(f"{where}: group name must not be empty")
        elif name in names:
            out.append(f"{where}: repeated group name {name!r}")
        else:
            where = f"group {name!r}"
        names.add(name)
        if "interval" in g:
            try:
                Duration.parse(g["interval"])
            except DurationError as exc:
                out.append(f"{where}: interval: {exc}")
        rules = g.get("rules")
        if not isinstance(rules, list):
            out.append(f"{where}: 'rules' must be a list")
            continue
        for ri, r in enumerate(rules):
            out.extend(_check_rule(r, f"{where} rule {ri + 1}", is_valid_label_name, is_valid_metric_name))
    return out


def _check_rule(r: object, where: str, valid_label, valid_metric) -> List[str]:
    from obskit.duration import Duration, DurationError

    if not isinstance(r, dict):
        return [f"{where}: must be a mapping"]
    out: List[str] = []
    is_alert, is_record = "alert" in r, "record" in r
    if is_alert == is_record:
        return [f"{where}: exactly one of 'record' and 'alert' must be set"]
    unknown = set(r) - (_ALERT_KEYS if is_alert else _RECORD_KEYS)
    if unknown:
        out.append(f"{where}: unknown keys {sorted(unknown)}")
    if is_record and not (isinstance(r["record"], str) and valid_metric(r["record"])):
        out.append(f"{where}: invalid recording rule name {r['record']!r}")
    if is_alert and not (isinstance(r["alert"], str) and r["alert"]):
        out.append(f"{where}: alert name must not be empty")
    if not isinstance(r.get("expr"), str) or not r["expr"].strip():
        out.append(f"{where}: field 'expr' must be set")
    for key in ("for", "keep_firing_for"):
        if key in r:
            try:
                Duration.parse(r[key])
            except DurationError as exc:
                out.append(f"{where}: {key}: {exc}")
    for key in ("labels", "annotations"):
        value = r.get(key, {})
        if not isinstance(value, dict):
            out.append(f"{where}: {key} must be a mapping")
            continue
        for k, v in value.items():
            if not (isinstance(k, str) and valid_label(k)):
                out.append(f"{where}: invalid {key[:-1]} name {k!r}")
            if not isinstance(v, str):
                out.append(f"{where}: {key[:-1]} {k!r} must be a string")
    return out


def first_error(results: Sequence[LogQLResult]) -> Optional[LogQLResult]:
    return next((r for r in results if not r.ok), None)


def check_logql(project) -> List[Diagnostic]:
    """The loader's project check: located LogQL syntax errors in the project's Loki rules; nothing
    when node or the grammar is missing (the build's verify step then fails with a ToolError that says
    so: a definition error must not depend on a tool)."""
    rule_sets = project.of(LokiRules)
    items = [(r, g, rule, expr, alert) for r in rule_sets for g, rule, expr, alert in r.exprs()
             if isinstance(expr, str) and expr.strip()]
    if not items or not available():
        return []
    results = check([expr for *_, expr, _ in items])
    diags = []
    for (r, g, rule, expr, alert), res in zip(items, results):
        obj = f"Loki rules {r.name!r}"
        what = f"group {g.name!r} {'alert' if alert else 'record'} {rule_name(rule)!r}"
        if not res.ok:
            diags.append(Diagnostic("bad-logql", f"{what}: {res.describe()}: {expr}", obj, r.location))
        elif not res.is_metric:
            diags.append(Diagnostic("bad-logql", f"{what}: {expr!r} is a log query; the ruler evaluates metric "
                                                 "queries only", obj, r.location,
                                    hint='wrap it, e.g. sum(count_over_time({app="x"} |= "error" [5m])) > 0'))
    return diags
