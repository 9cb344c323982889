"""Budgets and burn rates of the project's SLOs, read from a live Prometheus.

Each figure is read from obskit's recording rules where the server runs them *and* has run them for
the whole window (the budget-remaining series of that SLO has samples covering the window), else
computed from the raw SLI with the query the rules themselves record (:mod:`obskit.compile.sli`).
Every figure says which (``source``: ``recorded`` or ``raw``): a fresh deployment's recorded 30-day
budget would average the few hours the rules have run, so it is not used until it covers the period.

Queries: the recorded figures are read with one query per distinct window for all SLOs at once (and
one per distinct period for the coverage); a raw figure costs one query per SLO and window.
:func:`request_bound` is the most a status run can send.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

from obskit.compile import conventions as conv
from obskit.compile.sli import queries
from obskit.compile.slo import windows_needed
from obskit.duration import Duration
from obskit.live.connection import PrometheusAPI, Sample
from obskit.live.server_rules import LiveGroup
from obskit.location import Location
from obskit.model.slo import SLO

RECORDED, RAW = "recorded", "raw"
#: the recorded history must cover this share of a window to be used for it
COVERAGE = 0.95

Labels = Tuple[Tuple[str, str], ...]


@dataclass(frozen=True)
class Figure:
    """One window's error ratio and burn rate for one series of an SLO (None: no data)."""

    window: Duration
    error_ratio: Optional[float]
    source: str

    def burn(self, budget: float) -> Optional[float]:
        return None if self.error_ratio is None else self.error_ratio / budget


@dataclass(frozen=True)
class SeriesStatus:
    """One series of an SLO (one per combination of the SLI's ``by`` labels; one when it has none)."""

    labels: Labels
    budget_remaining: Optional[float]           # share of the period's budget left; < 0 overspent
    budget_source: str
    windows: Tuple[Figure, ...]


@dataclass(frozen=True)
class SLOStatus:
    service: str
    name: str
    objective: float
    period: Duration
    error_budget: float
    location: Optional[Location]
    series: Tuple[SeriesStatus, ...]
    notes: Tuple[str, ...] = ()

    @property
    def exhausted(self) -> bool:
        return any(s.budget_remaining is not None and s.budget_remaining <= 0 for s in self.series)

    @property
    def budget_remaining(self) -> Optional[float]:
        """The worst series' remaining budget."""
        values = [s.budget_remaining for s in self.series if s.budget_remaining is not None]
        return min(values) if values else None


def slo_windows(slo: SLO) -> Tuple[Duration, ...]:
    """The windows status shows: the current 5m, every tier window, and the period."""
    return windows_needed(slo)


def request_bound(slos: Sequence[SLO]) -> int:
    """The most requests a status run sends: rules and alerts, a coverage query per distinct period,
    a recorded query per distinct window (all SLOs at once), and a raw query per SLO and window."""
    periods = {s.period.seconds for s in slos}
    windows = {w.seconds for s in slos for w in slo_windows(s)}
    raw = sum(len(slo_windows(s)) for s in slos)
    return 2 + len(periods) + len(windows) + raw


def _key(labels: Dict[str, str], by: Sequence[str]) -> Labels:
    return tuple((k, labels.get(k, "")) for k in by)


def _value(v: float) -> Optional[float]:
    return None if math.isnan(v) else v


class _Recorded:
    """What the server records: the SLOs whose rules it runs, and each one's evaluation interval."""

    def __init__(self, groups: Sequence[LiveGroup]):
        self.records: Set[Tuple[str, str, str]] = set()
        self.interval: Dict[Tuple[str, str, str], float] = {}
        for g in groups:
            for r in g.rules:
                labels = dict(r.labels)
                if r.kind != "record" or r.health == "err" or conv.LABEL_SERVICE not in labels:
                    continue
                key = (labels[conv.LABEL_SERVICE], labels.get(conv.LABEL_SLO, ""), r.name)
                self.records.add(key)
                self.interval[key] = g.interval_seconds or 60.0

    def has(self, slo: SLO, record: str) -> bool:
        return (slo.service, slo.name, record) in self.records

    def runs_any(self, slo: SLO) -> bool:
        return any(k[:2] == (slo.service, slo.name) for k in self.records)


class BudgetReader:
    """Reads every SLO's figures at one time ``at`` (Unix seconds)."""

    def __init__(self, api: PrometheusAPI, groups: Sequence[LiveGroup], at: float, root: str = ""):
        self.api, self.at, self.root = api, at, root
        self.recorded = _Recorded(groups)
        self._cache: Dict[str, List[Sample]] = {}

    def _batch(self, expr: str) -> List[Sample]:
        if expr not in self._cache:
            self._cache[expr] = self.api.vector(expr, self.at)
        return self._cache[expr]

    def _mine(self, slo: SLO, samples: List[Sample]) -> Dict[Labels, float]:
        out = {}
        for s in samples:
            if s.labels.get(conv.LABEL_SERVICE) == slo.service and s.labels.get(conv.LABEL_SLO) == slo.name:
                out[_key(s.labels, slo.sli.by)] = s.value
        return out

    def _history(self, slo: SLO) -> float:
        """Seconds of recorded history of this SLO's budget series (0 when not recorded)."""
        record = conv.BUDGET_REMAINING
        if not self.recorded.has(slo, record):
            return 0.0
        p = slo.period
        counts = self._mine(slo, self._batch(f"count_over_time({record}[{p}])"))
        interval = self.recorded.interval[(slo.service, slo.name, record)]
        return min(counts.values()) * interval if counts else 0.0

    def _raw(self, slo: SLO, window: Duration) -> Dict[Labels, float]:
        expr = queries(slo.sli).error_ratio(str(window))
        return {_key(s.labels, slo.sli.by): s.value for s in self.api.vector(expr, self.at)}

    def read(self, slo: SLO) -> SLOStatus:
        history = self._history(slo)
        budget = slo.error_budget
        figures: Dict[Labels, List[Figure]] = {}
        notes = []
        for w in slo_windows(slo):
            record = conv.error_ratio_record(w)
            if self.recorded.has(slo, record) and history >= COVERAGE * w.seconds:
                values, source = self._mine(slo, self._batch(record)), RECORDED
            else:
                values, source = self._raw(slo, w), RAW
            for key, v in values.items():
                figures.setdefault(key, []).append(Figure(w, _value(v), source))
        if self.recorded.has(slo, conv.BUDGET_REMAINING) and history < COVERAGE * slo.period.seconds:
            notes.append(f"the server has recorded this SLO for {Duration(int(history))} of its {slo.period} "
                         f"period: the longer windows are computed from the raw SLI")
        elif not self.recorded.runs_any(slo):
            notes.append("the server does not run this SLO's recording rules: every figure is computed from "
                         "the raw SLI")
        elif not self.recorded.has(slo, conv.BUDGET_REMAINING):
            notes.append(f"the server does not run this SLO's {conv.BUDGET_REMAINING} rule, by which the recorded "
                         f"history is measured: every figure is computed from the raw SLI")
        series = []
        for key in sorted(figures):
            windows = tuple(figures[key])
            period = next((f for f in windows if f.window == slo.period), None)
            remaining = None if period is None or period.error_ratio is None else 1 - period.error_ratio / budget
            series.append(SeriesStatus(key, remaining, period.source if period else RAW, windows))
        if not series:
            notes.append("no data: the SLI's series have no samples at this time")
        where = getattr(slo, "location", None)
        if where is not None and self.root:
            where = where.relative_to(self.root)
        return SLOStatus(slo.service, slo.name, slo.objective, slo.period, budget, where, tuple(series), tuple(notes))
