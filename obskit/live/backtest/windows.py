"""Every window and every tier of one compiled SLO, from raw samples, as the generated rules compute them.

The compile layer says what the rules are (:class:`~obskit.compile.slo.CompiledSLO`: windows, factors,
the quiet-service guard, the absent alert, which group evaluates each alert at which interval); this
module computes what they would have recorded and which alerts would have fired:

- pre-aggregated shape (obskit/compile/windows.py): the base rates over ``b`` (two scrape intervals)
  recorded every evaluation interval ``e``, each window ``w > b`` as ``sum_over_time`` of them over
  ``w - b + e/2``; windows up to ``b`` and the raw shape straight from the raw series;
- a tier fires where any of its windows has both ratios above ``factor × budget`` and the guard
  (errors or events in the long window) holds; the absent alert where the SLI's presence selector has
  no sample within the lookback; each alert's ``for:`` then applies;
- each alert is evaluated on the grid of its rule group (the slow group's 4 m for the ticket tier), grid
  points on multiples of the interval, as ``promtool tsdb create-blocks-from rules`` places them;
- a window an alert computes inline (a fast tier's, when the slow group exists: obskit/compile/slo.py
  inline_windows) is computed at the alert's own evaluations from the base rates recorded until then;
  a recorded window it reads is computed at its own group's evaluations, and read from the latest one
  at or before the alert's (the same group's evaluation when both are in one group).

A recorded series that vanishes is gone at the next evaluation (a live server writes a staleness marker).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple

import numpy as np

from obskit.compile import conventions as conv
from obskit.compile.slo import CompiledSLO
from obskit.compile.windows import base_window
from obskit.duration import Duration
from obskit.live.backtest import vectors as vx
from obskit.live.backtest.rate import Dialect, instant, sum_over_time
from obskit.live.backtest.sli import Fetched, kind_for
from obskit.policy import quiet
from obskit.project import Settings
from obskit.promql import fmt_number


@dataclass(frozen=True)
class WindowCheck:
    """One burn window of a tier: its threshold and the values the alert compared with it."""

    long: Duration
    short: Duration
    factor: float
    threshold: float                 # factor × budget, as the rule computes it
    long_ratio: vx.Vec
    short_ratio: vx.Vec


@dataclass(frozen=True)
class AlertTrace:
    """One alert's evaluations: ``firing[key][i]`` at ``times[i]`` (ms), after ``for:``."""

    tier: str                        # "page", "ticket" or "absent"
    alert: str
    step_ms: int
    times: np.ndarray
    firing: Dict[vx.Key, np.ndarray]
    windows: Tuple[WindowCheck, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    """What the rules of one SLO would have done over the grid."""

    compiled: CompiledSLO
    times: np.ndarray                 # the base grid (ms), every evaluation interval
    step_ms: int
    errors_rate: vx.Vec               # bad and all events per second over the base window
    total_rate: vx.Vec
    current_ratio: vx.Vec             # error ratio over the current window (5 m), on the base grid
    alerts: Tuple[AlertTrace, ...]


@dataclass(frozen=True)
class Schedule:
    """When a rule group runs: every ``interval_s``, ``phase_s`` past the multiples of it (a live server
    shifts each group by a hash of its name and file; ``promtool tsdb create-blocks-from rules`` too)."""

    interval_s: int
    phase_s: float = 0.0

    def times(self, start_ms: int, end_ms: int) -> np.ndarray:
        step, phase = self.interval_s * 1000, int(round(self.phase_s * 1000)) % (self.interval_s * 1000)
        first = -(-(start_ms - phase) // step) * step + phase
        return np.arange(first, end_ms + 1, step, dtype=np.int64)


def grid(start_ms: int, end_ms: int, step_s: int) -> np.ndarray:
    """Evaluation times on multiples of ``step_s`` within [start, end]."""
    return Schedule(step_s).times(start_ms, end_ms)


def apply_for(active: np.ndarray, step_ms: int, for_ms: int) -> np.ndarray:
    """Prometheus's pending → firing: firing once active for ``for`` since the first active evaluation."""
    if for_ms <= 0:
        return active.copy()
    idx = np.arange(len(active))
    starts = np.where(active & ~np.concatenate(([False], active[:-1])), idx, -1)
    run_start = np.maximum.accumulate(starts) if len(starts) else starts
    return active & ((idx - run_start) * step_ms >= for_ms)


def resample(times: np.ndarray, values: np.ndarray, T: np.ndarray, dialect: Dialect) -> np.ndarray:
    """A series recorded at ``times`` read by an instant selector at ``T``: the latest evaluation at
    or before each time, within the lookback; NaN (the rule had no result: a staleness marker) stays NaN."""
    return instant(times, values, T, dialect)


def schedules(c: CompiledSLO, evaluation_interval: int, phases: Mapping[str, float]) -> Dict[object, Schedule]:
    """Each rule's schedule, by record name (recording rules) and by ``id`` (alerting rules)."""
    out: Dict[object, Schedule] = {}
    for g in c.groups():
        interval = g.interval.seconds if g.interval is not None else evaluation_interval
        sched = Schedule(interval, float(phases.get(g.name, 0.0)) % interval)
        for r in g.rules:
            out[getattr(r, "record", None) or id(r)] = sched
    return out


class _Replay:
    def __init__(self, c: CompiledSLO, data: Fetched, dialect: Dialect, settings: Settings,
                 phases: Mapping[str, float]):
        self.c, self.slo, self.dialect = c, c.slo, dialect
        self.kind = kind_for(c.slo.sli, data, dialect)
        self.e = settings.evaluation_interval
        self.base = base_window(settings.scrape_interval)
        self.pre = c.slo.window_shape == "preaggregated"
        self.budget = float(fmt_number(c.slo.error_budget))
        self.sched = schedules(c, self.e, phases)
        # the base rates' group (pre-aggregated), else the group of the current window
        home = conv.errors_rate_record(self.base) if self.pre else conv.error_ratio_record(conv.CURRENT_WINDOW)
        self.base_sched = self.sched.get(home, Schedule(self.e))
        self.base_times: Optional[np.ndarray] = None
        self.errors: Optional[vx.Vec] = None
        self.total: Optional[vx.Vec] = None
        self.span = (0, 0)

    def record_base(self, start_ms: int, end_ms: int) -> None:
        self.span = (start_ms, end_ms)
        self.base_times = self.base_sched.times(start_ms, end_ms)
        # recorded by the pre-aggregated rules; computed for the raw shape too, to price the budget
        self.errors, self.total = self.kind.rates(self.base_times, self.base.seconds * 1000)

    def _summed(self, vec: vx.Vec, T: np.ndarray, w: Duration) -> vx.Vec:
        span_ms = (w.seconds - self.base.seconds + self.e // 2) * 1000
        bt = self.base_times
        return {k: sum_over_time(bt, v, T, span_ms, self.dialect) for k, v in vec.items()}

    def ratio(self, w: Duration, T: np.ndarray) -> vx.Vec:
        """``slo:sli_error:ratio_rate<w>`` computed at the times T."""
        if not self.pre or w <= self.base:
            return self.kind.error_ratio(T, w.seconds * 1000)
        num, den = self._summed(self.errors, T, w), self._summed(self.total, T, w)
        return vx.or_(vx.div(num, vx.positive(den)), vx.zero_of(den))

    def ratio_seen(self, w: Duration, reader: Schedule, T: np.ndarray, reads: frozenset = None) -> vx.Vec:
        """The window's ratio as a rule of the ``reader`` schedule sees it at T: computed at T when the
        rule computes it inline (its expression, whose records are ``reads``, does not select the window
        record) or the record is in the same group, else the record's group's latest evaluation (up to
        one interval old)."""
        record = conv.error_ratio_record(w)
        home = self.sched.get(record, reader)
        if home == reader or (reads is not None and record not in reads):
            return self.ratio(w, T)
        TB = home.times(int(T[0]) - home.interval_s * 1000 if len(T) else self.span[0], int(T[-1]) if len(T) else 0)
        return {k: resample(TB, v, T, self.dialect) for k, v in self.ratio(w, TB).items()}

    def guard_count(self, kind: str, w: Duration, T: np.ndarray) -> vx.Vec:
        """The quiet-service guard's count (obskit/compile/windows.py events_in_window / errors_in_window)."""
        if not self.pre or w <= self.base:
            if kind == "events":
                return self.kind.events(T, w.seconds * 1000)
            return vx.scale(self.kind.rates(T, w.seconds * 1000)[0], w.seconds)
        return vx.scale(self._summed(self.total if kind == "events" else self.errors, T, w), self.e)

    def tier(self, name: str, start_ms: int, end_ms: int) -> AlertTrace:
        tier = next(t for t in self.slo.alerting.tiers if t.name == name)
        rule = self.c.alert_for(name)
        sched = self.sched[id(rule)]
        reads = self.c.reads(rule)
        T = sched.times(start_ms, end_ms)
        guard = quiet.guard_for(self.slo)
        conditions, checks = [], []
        for w in tier.windows:
            factor = float(fmt_number(w.factor_for(self.slo.period)))
            threshold = factor * self.budget
            short, long = self.ratio_seen(w.short, sched, T, reads), self.ratio_seen(w.long, sched, T, reads)
            parts = [vx.compare(short, threshold, ">"), vx.compare(long, threshold, ">")]
            if guard is not None:
                count = self.guard_count(guard.kind, w.long, T)
                parts.append(vx.compare(count, float(fmt_number(guard.threshold)), ">="))
            conditions.append(vx.all_of(parts))
            checks.append(WindowCheck(w.long, w.short, factor, threshold, long, short))
        return self._trace(name, rule, sched, T, vx.any_of(conditions), tuple(checks))

    def absent(self, start_ms: int, end_ms: int) -> Optional[AlertTrace]:
        rule = self.c.absent_alert
        if rule is None:
            return None
        sched = self.sched[id(rule)]
        T = sched.times(start_ms, end_ms)
        return self._trace("absent", rule, sched, T, {(): ~self.kind.present(T)})

    @staticmethod
    def _trace(name, rule, sched: Schedule, T, active, checks=()) -> AlertTrace:
        step = sched.interval_s * 1000
        for_ms = rule.for_.seconds * 1000 if rule.for_ else 0
        return AlertTrace(name, rule.alert, step, T, {k: apply_for(v, step, for_ms) for k, v in active.items()},
                          checks)


def evaluate(c: CompiledSLO, data: Fetched, start_ms: int, end_ms: int, *, dialect: Dialect,
             settings: Settings, history_ms: int, phases: Optional[Mapping[str, float]] = None) -> Evaluation:
    """Replay ``c`` over [start, end]; base rates are recorded from ``start - history_ms`` so that every
    window is full at ``start`` when the data reaches back that far. ``phases``: seconds past the
    interval's multiples at which each rule group (by name) runs (default 0)."""
    r = _Replay(c, data, dialect, settings, phases or {})
    r.record_base(start_ms - history_ms, end_ms)
    alerts: List[AlertTrace] = [r.tier(name, start_ms, end_ms) for name, _ in c.tier_alerts]
    absent = r.absent(start_ms, end_ms)
    if absent is not None:
        alerts.append(absent)
    T = r.base_sched.times(start_ms, end_ms)
    return Evaluation(c, T, r.base_sched.interval_s * 1000, _on(r.errors, r.base_times, T),
                      _on(r.total, r.base_times, T), r.ratio(conv.CURRENT_WINDOW, T), tuple(alerts))


def _on(vec: Optional[vx.Vec], have: np.ndarray, want: np.ndarray) -> Optional[vx.Vec]:
    if vec is None:
        return None
    idx = np.searchsorted(have, want)
    return {k: v[idx] for k, v in vec.items()}


def longest_window(c: CompiledSLO) -> Duration:
    """The longest window any alert reads: how much history before ``--from`` the replay needs."""
    ws = [w.long for t in c.slo.alerting.tiers for w in t.windows] + [conv.CURRENT_WINDOW]
    return max(ws)
