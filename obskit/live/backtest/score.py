"""Scores of one replayed alert: its firing intervals, pages per week and, against incidents, detection.

- a firing interval runs from the first evaluation that fires to the last one (``end``); the alert
  resolves one evaluation later; each interval is one notification (a page, for the page tier);
- an incident is detected by an alert whose firing interval overlaps ``[start, end]``; the detection
  delay is from the incident's start to the first firing evaluation at or after it (0 when the alert was
  already firing); the budget spent at detection is the bad events from the incident's start to the
  detection over the period's error budget (error budget × the events of one SLO period at the
  traffic seen);
- an incident no interval overlaps is missed; an interval that overlaps no incident fired outside any.

The absent alert is not scored for detection (it answers "no data", not "broken"); its intervals
outside incidents are counted like the tiers'.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from obskit.live.backtest.incidents import Incident
from obskit.live.backtest.windows import AlertTrace, Evaluation

WEEK = 7 * 86400


@dataclass(frozen=True)
class Interval:
    start: float            # Unix seconds of the first firing evaluation
    end: float              # of the last one
    group: Tuple[str, ...] = ()

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Detection:
    incident: Incident
    delay: Optional[float]             # seconds; None: missed
    budget_spent: Optional[float]      # share of the period's error budget


@dataclass(frozen=True)
class AlertScore:
    tier: str
    alert: str
    step: float
    intervals: Tuple[Interval, ...]
    per_week: float
    firing_seconds: float
    detections: Tuple[Detection, ...] = ()
    outside: Tuple[Interval, ...] = ()

    @property
    def missed(self) -> Tuple[Incident, ...]:
        return tuple(d.incident for d in self.detections if d.delay is None)


def intervals(trace: AlertTrace) -> Tuple[Interval, ...]:
    """The firing runs of every group of the alert, by start."""
    out: List[Interval] = []
    times = trace.times / 1000.0
    for key in sorted(trace.firing):
        fired = trace.firing[key]
        if not fired.any():
            continue
        edges = np.diff(np.concatenate(([0], fired.astype(np.int8), [0])))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
        out.extend(Interval(float(times[a]), float(times[b]), key) for a, b in zip(starts, ends))
    return tuple(sorted(out, key=lambda i: (i.start, i.group)))


def _overlaps(i: Interval, inc: Incident) -> bool:
    return i.start <= inc.end and i.end >= inc.start


class Budget:
    """Bad and all events per base evaluation, to price the budget spent between two times."""

    def __init__(self, ev: Evaluation):
        self.t = ev.times / 1000.0
        step = ev.step_ms / 1000.0
        errors, total = ev.errors_rate or {}, ev.total_rate or {}
        self.bad = sum((np.nan_to_num(v) for v in errors.values()), np.zeros(len(self.t))) * step
        self.all = sum((np.nan_to_num(v) for v in total.values()), np.zeros(len(self.t))) * step
        self.budget = ev.compiled.slo.error_budget
        self.period = ev.compiled.slo.period.seconds
        span = (self.t[-1] - self.t[0] + step) if len(self.t) else 0.0
        self.period_events = float(self.all.sum()) * self.period / span if span else 0.0

    def spent(self, start: float, end: float) -> Optional[float]:
        if not self.period_events or not self.budget:
            return None
        inside = (self.t > start) & (self.t <= end)
        return float(self.bad[inside].sum()) / (self.budget * self.period_events)

    def remaining(self) -> np.ndarray:
        """Budget left over the rolling period (the history before ``--from`` not counted)."""
        k = max(1, int(round(self.period / (self.t[1] - self.t[0])))) if len(self.t) > 1 else 1
        bad, alls = np.cumsum(self.bad), np.cumsum(self.all)
        lag = lambda a: np.concatenate((np.zeros(min(k, len(a))), a[:-k])) if len(a) > k else np.zeros(len(a))
        b, n = bad - lag(bad), alls - lag(alls)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n > 0, 1 - (b / n) / self.budget, 1.0)


def score(trace: AlertTrace, ev: Evaluation, incidents: Sequence[Incident], span_seconds: float) -> AlertScore:
    found = intervals(trace)
    budget = Budget(ev)
    detections = []
    for inc in incidents if trace.tier != "absent" else ():
        hits = [i for i in found if _overlaps(i, inc)]
        if not hits:
            detections.append(Detection(inc, None, None))
            continue
        at = max(inc.start, min(i.start for i in hits))
        detections.append(Detection(inc, at - inc.start, budget.spent(inc.start, at)))
    outside = tuple(i for i in found if not any(_overlaps(i, inc) for inc in incidents)) if incidents else ()
    step = trace.step_ms / 1000.0
    return AlertScore(trace.tier, trace.alert, step, found,
                      len(found) / (span_seconds / WEEK) if span_seconds > 0 else 0.0,
                      sum(i.seconds + step for i in found), tuple(detections), outside)
