"""The backtest's terminal table and its JSON document (stable keys, sorted, times in RFC 3339)."""
from __future__ import annotations

from datetime import datetime, timezone
from statistics import median
from typing import List, Optional

from obskit.live.backtest.run import Backtest
from obskit.live.backtest.score import AlertScore, Interval
from obskit.report.writer import human

COLUMNS = ("SLO", "policy", "alert", "fired", "per week", "firing", "detected", "median delay",
           "budget at detection", "outside incidents")


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _median(values) -> Optional[float]:
    values = [v for v in values if v is not None]
    return median(values) if values else None


def _row(slo: str, policy: str, s: AlertScore, incidents: int) -> List[str]:
    detected = [d for d in s.detections if d.delay is not None]
    delay = _median(d.delay for d in detected)
    spent = _median(d.budget_spent for d in detected)
    return [slo, policy, s.tier, str(len(s.intervals)), f"{s.per_week:.2f}", human(s.firing_seconds) if s.intervals else "0s",
            f"{len(detected)}/{incidents}" if incidents and s.tier != "absent" else "-",
            human(delay) if delay is not None else "-",
            f"{spent:.2%}" if spent is not None else "-",
            str(len(s.outside)) if incidents else "-"]


def table(bt: Backtest) -> str:
    rows = [list(COLUMNS)] + [_row(r.slo_id, r.policy, s, len(bt.incidents)) for r in bt.replayed for s in r.scores]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [f"obskit backtest: {rfc3339(bt.start)} .. {rfc3339(bt.end)} from {bt.source}, "
             f"computed as {bt.dialect.describe()}"]
    for k, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    for r in bt.replayed:
        for s in r.scores:
            if s.missed:
                lines.append(f"  missed by {r.slo_id} {s.tier} ({r.policy}): "
                             + ", ".join(f"{i.label} ({rfc3339(i.start)})" for i in s.missed))
    for note in bt.skipped:
        lines.append(f"  not replayed: {note}")
    return "\n".join(lines)


def _interval(i: Interval) -> dict:
    return {"start": rfc3339(i.start), "end": rfc3339(i.end), "group": list(i.group)}


def _score(s: AlertScore) -> dict:
    return {
        "tier": s.tier, "alert": s.alert, "evaluation_interval_seconds": s.step,
        "fired": len(s.intervals), "per_week": round(s.per_week, 4), "firing_seconds": s.firing_seconds,
        "intervals": [_interval(i) for i in s.intervals],
        "incidents": [{"label": d.incident.label, "start": rfc3339(d.incident.start), "end": rfc3339(d.incident.end),
                       "detected": d.delay is not None, "delay_seconds": d.delay,
                       "budget_spent_at_detection": None if d.budget_spent is None else round(d.budget_spent, 6)}
                      for d in s.detections],
        "missed": len(s.missed), "outside_incidents": [_interval(i) for i in s.outside],
    }


def to_dict(bt: Backtest) -> dict:
    return {
        "ok": True, "source": bt.source, "semantics": bt.dialect.describe(),
        "from": rfc3339(bt.start), "to": rfc3339(bt.end), "policies": list(bt.policies),
        "incidents": [{"label": i.label, "start": rfc3339(i.start), "end": rfc3339(i.end)} for i in bt.incidents],
        "results": [{"slo": r.slo_id, "policy": r.policy, "alerts": [_score(s) for s in r.scores]} for r in bt.replayed],
        "skipped": list(bt.skipped),
    }
