"""A :class:`~obskit.live.status.StatusReport` as text (for people) and as a JSON document (for CI).
Both are deterministic for one report: SLOs by service and name, series by labels, windows by length."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import List, Optional

from obskit.live.budgets import SLOStatus
from obskit.live.drift import Drift
from obskit.live.status import EXIT_BUDGET_EXHAUSTED, EXIT_DRIFT, StatusReport, alerts_by_slo


def _pct(v: Optional[float]) -> str:
    return "no data" if v is None else f"{v * 100:.1f}%"


def _burn(v: Optional[float]) -> str:
    return "-" if v is None else f"{v:.2f}x"


def _labels(labels) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in labels) + "}" if labels else ""


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slo_lines(s: SLOStatus, alerts) -> List[str]:
    head = f"SLO {s.service}/{s.name} ({s.objective:g}% over {s.period})"
    if s.location:
        head += f"  [{s.location}]"
    lines = [head]
    for series in s.series:
        state = "EXHAUSTED" if series.budget_remaining is not None and series.budget_remaining <= 0 else "ok"
        prefix = f"  {_labels(series.labels)} " if series.labels else "  "
        lines.append(f"{prefix}budget left {_pct(series.budget_remaining)} ({series.budget_source}) {state}")
        burns = "  ".join(f"{f.window} {_burn(f.burn(s.error_budget))}" for f in series.windows
                          if f.window != s.period)
        sources = sorted({f.source for f in series.windows if f.window != s.period})
        lines.append(f"    burn rate: {burns}  ({'/'.join(sources)})")
    for note in s.notes:
        lines.append(f"  note: {note}")
    for a in alerts.get((s.service, s.name), []):
        lines.append(f"  {a.state.upper()}: {a.alert} {_labels(a.labels)} since {a.active_at}")
    return lines


def focus(a: str, b: str, context: int = 30, limit: int = 100) -> "tuple[str, str]":
    """The part of two long texts where they differ, with ``context`` characters around it."""
    if len(a) <= limit and len(b) <= limit:
        return a, b
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    lo = max(0, start - context)

    def cut(text: str) -> str:
        hi = min(len(text), len(text) - end + context)
        return ("..." if lo else "") + text[lo:hi] + ("..." if hi < len(text) else "")
    return cut(a), cut(b)


def _drift_lines(d: Drift) -> List[str]:
    if not d.drifted:
        lines = [f"rules: in sync ({len(d.in_sync)} group(s) the same on the server)"]
    else:
        lines = [f"rules: DRIFT in {len(d.groups)} group(s) ({len(d.in_sync)} in sync)"]
    for g in d.groups:
        where = f"  [{g.location}]" if g.location else (f"  [server file {g.server_file}]" if g.server_file else "")
        what = {"missing": "missing on the server", "extra": "on the server only, not built",
                "changed": "changed on the server"}[g.status]
        lines.append(f"  group {g.group}: {what}{where}")
        for c in g.changes:
            lines.append(f"    {c.field}: built {c.built}, server {c.server}")
        if g.status == "changed":
            for r in g.rules:
                lines.append(f"    {r.rule}: {r.status}")
                for c in r.changes:
                    built, server = focus(c.built, c.server)
                    lines.append(f"      {c.field}: built  {built}")
                    lines.append(f"      {' ' * len(c.field)}  server {server}")
    for group, rule, error in d.failing:
        lines.append(f"  failing on the server: group {group} {rule}: {error}")
    if d.unmanaged:
        lines.append(f"  not obskit's (not compared): {len(d.unmanaged)} group(s)")
    return lines


def text(report: StatusReport) -> str:
    lines = [f"obskit status at {_iso(report.at)}"]
    by_slo = alerts_by_slo(report)
    for s in report.slos:
        lines += _slo_lines(s, by_slo)
    others = [a for a in report.alerts if not a.service]
    for a in others:
        lines.append(f"{a.state.upper()}: {a.alert} {_labels(a.labels)} since {a.active_at}")
    lines += _drift_lines(report.drift)
    for w in report.warnings:
        lines.append(f"server note: {w}")
    firing = sum(a.state == "firing" for a in report.alerts)
    code = report.exit_code()
    verdict = {0: "healthy and in sync", EXIT_DRIFT: "rules drifted",
               EXIT_BUDGET_EXHAUSTED: "budget exhausted" + (" (and rules drifted)" if report.drift.drifted else "")}
    lines.append(f"obskit status: {len(report.slos)} SLO(s), {len(report.exhausted)} budget(s) exhausted, "
                 f"{firing} alert(s) firing, {len(report.drift.groups)} group(s) drifted, {report.requests} "
                 f"request(s): {verdict[code]}")
    return "\n".join(lines)


def _slo_json(s: SLOStatus) -> dict:
    return {
        "service": s.service, "slo": s.name, "objective": s.objective, "period": str(s.period),
        "error_budget": s.error_budget, "exhausted": s.exhausted, "budget_remaining": s.budget_remaining,
        "file": s.location.file if s.location else None, "line": s.location.line if s.location else None,
        "notes": list(s.notes),
        "series": [{"labels": dict(x.labels), "budget_remaining": x.budget_remaining,
                    "budget_source": x.budget_source,
                    "windows": [{"window": str(f.window), "seconds": f.window.seconds, "error_ratio": f.error_ratio,
                                 "burn_rate": f.burn(s.error_budget), "source": f.source} for f in x.windows]}
                   for x in s.series],
    }


def _drift_json(d: Drift) -> dict:
    return {
        "in_sync": not d.drifted, "groups_in_sync": list(d.in_sync), "unmanaged_groups": list(d.unmanaged),
        "failing_rules": [{"group": g, "rule": r, "error": e} for g, r, e in d.failing],
        "groups": [{"group": g.group, "status": g.status, "built_file": g.built_file or None,
                    "server_file": g.server_file or None,
                    "file": g.location.file if g.location else None, "line": g.location.line if g.location else None,
                    "changes": [vars(c) for c in g.changes],
                    "rules": [{"rule": r.rule, "status": r.status, "changes": [vars(c) for c in r.changes]}
                              for r in g.rules]} for g in d.groups],
    }


def as_json(report: StatusReport) -> dict:
    return {
        "ok": report.exit_code() == 0, "exit_code": report.exit_code(), "time": _iso(report.at), "at": report.at,
        "budget_exhausted": bool(report.exhausted), "drift": report.drift.drifted, "requests": report.requests,
        "slos": [_slo_json(s) for s in report.slos],
        "alerts": [{"alert": a.alert, "state": a.state, "labels": dict(a.labels), "active_at": a.active_at,
                    "service": a.service or None, "slo": a.slo or None} for a in report.alerts],
        "rules": _drift_json(report.drift),
        "server_notes": list(report.warnings),
    }
