"""Each SLI kind's PromQL (obskit/compile/sli.py), computed from raw samples with numpy.

One small class per kind, mirroring the compile layer's ``_Queries`` classes expression by expression:
``rates`` is the pre-aggregated base (bad and all events per second), ``error_ratio`` the raw-shape
window, ``events`` the event count of the ``min_events`` guard, ``presence`` the absent alert's selector.
Native-histogram and raw (PromQL text) SLIs are not replayed: :func:`kind_for` says so.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np

from obskit.compile.sli import le_matcher
from obskit.live.backtest import vectors as vx
from obskit.live.backtest.errors import BacktestError
from obskit.live.backtest.rate import Dialect, count_over_time, instant, rate, sum_over_time
from obskit.live.backtest.samples import Series
from obskit.model.sli import AvailabilitySLI, LatencySLI, RatioSLI
from obskit.promql import Selector

Fetched = Dict[str, List[Series]]       # str(selector) -> its series


class _Kind:
    def __init__(self, sli, data: Fetched, dialect: Dialect):
        self.sli, self.data, self.dialect, self.by = sli, data, dialect, tuple(sli.by)

    def selectors(self) -> Tuple[Selector, ...]:
        raise NotImplementedError

    def _series(self, sel: Selector) -> List[Series]:
        return self.data.get(str(sel), [])

    def _rate(self, sel: Selector, T: np.ndarray, range_ms: int, *, is_rate: bool = True) -> vx.Vec:
        return vx.sum_by(self._series(sel), self.by,
                         lambda s: rate(s.t, s.v, T, range_ms, self.dialect, is_rate=is_rate))

    def presence(self) -> Selector:
        raise NotImplementedError

    def present(self, T: np.ndarray) -> np.ndarray:
        """Whether ``absent(presence)`` is empty at each time (any series seen within the lookback)."""
        out = np.zeros(len(T), dtype=bool)
        for s in self._series(self.presence()):
            out |= ~np.isnan(instant(s.t, s.v, T, self.dialect))
        return out


class RatioKind(_Kind):
    sli: RatioSLI

    def selectors(self):
        return tuple(s for s in (self.sli.total, self.sli.errors, self.sli.good) if s is not None)

    def rates(self, T, r):
        total = self._rate(self.sli.total, T, r)
        if self.sli.errors is not None:
            return vx.or_(self._rate(self.sli.errors, T, r), vx.zero_of(total)), total
        return vx.sub(total, vx.or_(self._rate(self.sli.good, T, r), vx.zero_of(total))), total

    def error_ratio(self, T, r):
        total = self._rate(self.sli.total, T, r)
        if self.sli.errors is not None:
            ratio = vx.div(vx.or_(self._rate(self.sli.errors, T, r), vx.zero_of(total)), vx.positive(total))
        else:
            good = vx.or_(self._rate(self.sli.good, T, r), vx.zero_of(total))
            ratio = vx.one_minus(vx.div(good, vx.positive(total)))
        return vx.or_(ratio, vx.zero_of(total))

    def events(self, T, r):
        return self._rate(self.sli.total, T, r, is_rate=False)

    def presence(self):
        return self.sli.total


class LatencyKind(_Kind):
    sli: LatencySLI

    def _bucket(self) -> Selector:
        h = self.sli.histogram
        return h.renamed(h.metric + "_bucket").with_matchers(le_matcher(self.sli.threshold))

    def _count(self) -> Selector:
        return self.sli.histogram.renamed(self.sli.histogram.metric + "_count")

    def selectors(self):
        return self._count(), self._bucket()

    def rates(self, T, r):
        total = self._rate(self._count(), T, r)
        return vx.sub(total, vx.or_(self._rate(self._bucket(), T, r), vx.zero_of(total))), total

    def error_ratio(self, T, r):
        total = self._rate(self._count(), T, r)
        ratio = vx.one_minus(vx.div(self._rate(self._bucket(), T, r), vx.positive(total)))
        return vx.or_(ratio, vx.zero_of(total))

    def events(self, T, r):
        return self._rate(self._count(), T, r, is_rate=False)

    def presence(self):
        return self._count()


class AvailabilityKind(_Kind):
    sli: AvailabilitySLI

    def selectors(self):
        return (self.sli.gauge,)

    def _over(self, fn, T, r) -> vx.Vec:
        return vx.sum_by(self._series(self.sli.gauge), self.by, lambda s: fn(s.t, s.v, T, r, self.dialect))

    def rates(self, T, r):
        count = self._over(count_over_time, T, r)
        return vx.sub(count, self._over(sum_over_time, T, r)), count

    def error_ratio(self, T, r):
        return vx.one_minus(vx.div(self._over(sum_over_time, T, r), self._over(count_over_time, T, r)))

    def events(self, T, r):
        return self._over(count_over_time, T, r)

    def presence(self):
        return self.sli.gauge


def kind_for(sli, data: Optional[Fetched] = None, dialect: Optional[Dialect] = None) -> _Kind:
    """The replayable kind of an SLI, or a :class:`BacktestError` saying why it is not replayed."""
    data, dialect = data or {}, dialect or Dialect()
    if isinstance(sli, LatencySLI) and sli.native:
        raise BacktestError("a native-histogram LatencySLI is not replayed (histogram_fraction over sparse "
                            "buckets is not computed locally)")
    kinds = {RatioSLI: RatioKind, LatencySLI: LatencyKind, AvailabilitySLI: AvailabilityKind}
    cls = kinds.get(type(sli))
    if cls is None:
        raise BacktestError(f"a {type(sli).__name__} is not replayed: its PromQL is free text, not a "
                            "ratio of counters obskit can compute locally")
    return cls(sli, data, dialect)
