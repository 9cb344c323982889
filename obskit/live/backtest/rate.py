"""PromQL's range functions over raw samples, vectorised over an evaluation grid.

One series' samples (``t`` in milliseconds, ``v``; NaN is a staleness marker) and a grid of evaluation
times ``T`` (milliseconds) give one value per evaluation time, NaN where PromQL returns nothing.

:func:`rate` follows Prometheus's ``extrapolatedRate`` (promql/functions.go):

- the range selects the samples in ``(T - range, T]`` (Prometheus 3: left-open) or ``[T - range, T]``
  (Prometheus 2: closed); staleness markers are dropped; fewer than two samples: no result;
- the increase is ``last - first`` plus, for every counter reset (a sample below the previous one), the
  value before the reset;
- it is extrapolated to the range boundaries when the first (last) sample is closer to them than
  1.1 × the average interval between the samples, else by half that average interval only;
- a counter is not extrapolated below zero: the extrapolated start is limited to the point where the
  counter would be 0. Prometheus 2.51 (PR #13725) applies that limit after the half-interval rule;
  before (2.42, :attr:`Dialect.zero_clamp_last` False) it applied it first;
- ``rate`` divides by the range, ``increase`` does not.

:func:`instant` is an instant-vector selector: the last sample within the lookback (5 m), none when that
sample is a staleness marker.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np

#: Prometheus's default ``--query.lookback-delta``.
LOOKBACK_MS = 300_000


@dataclass(frozen=True)
class Dialect:
    """What differs between the Prometheus versions obskit supports, for these functions."""

    left_open: bool = True          # 3.0+: ranges and the lookback exclude their start
    zero_clamp_last: bool = True    # 2.51+: the zero-point limit applies after the half-interval rule
    lookback_ms: int = LOOKBACK_MS

    @classmethod
    def for_version(cls, version: str) -> "Dialect":
        """The dialect of a Prometheus version (``"2.42.0"``, ``"3.16.0"``); unparsable: the newest."""
        parts = []
        for piece in str(version).lstrip("v").split(".")[:2]:
            digits = "".join(c for c in piece if c.isdigit())
            if not digits:
                return cls()
            parts.append(int(digits))
        major_minor = tuple(parts + [0] * (2 - len(parts)))
        return cls(left_open=major_minor >= (3, 0), zero_clamp_last=major_minor >= (2, 51))

    def describe(self) -> str:
        return ("Prometheus 3 (left-open ranges)" if self.left_open else
                "Prometheus 2 (closed ranges" + (")" if self.zero_clamp_last else ", zero clamp before 2.51)"))


def _live(t: np.ndarray, v: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The samples a range selector sees: staleness markers (NaN) dropped."""
    keep = ~np.isnan(v)
    return (t, v) if keep.all() else (t[keep], v[keep])


def window_bounds(t: np.ndarray, T: np.ndarray, range_ms: int, dialect: Dialect) -> Tuple[np.ndarray, np.ndarray]:
    """Index of the first sample in each evaluation's range and one past its last."""
    lo = np.searchsorted(t, T - range_ms, side="right" if dialect.left_open else "left")
    hi = np.searchsorted(t, T, side="right")
    return lo, hi


def rate(t: np.ndarray, v: np.ndarray, T: np.ndarray, range_ms: int, dialect: Dialect, *,
         is_rate: bool = True, is_counter: bool = True) -> np.ndarray:
    """``rate(x[range])`` (``is_rate=False``: ``increase``) at every evaluation time."""
    t, v = _live(t, v)
    out = np.full(len(T), np.nan)
    if len(t) < 2:
        return out
    lo, hi = window_bounds(t, T, range_ms, dialect)
    ok = hi - lo >= 2
    if not ok.any():
        return out
    first, last = lo[ok], hi[ok] - 1
    Tk = T[ok]
    result = v[last] - v[first]
    if is_counter:
        # the value before each reset, added in order as Prometheus adds them (resets are rare: the
        # few windows holding one are summed one by one, so the float result is Prometheus's own)
        resets = np.flatnonzero(v[1:] < v[:-1]) + 1
        if len(resets):
            count = np.searchsorted(resets, last, "right") - np.searchsorted(resets, first, "right")
            for k in np.flatnonzero(count):
                acc = result[k]
                for j in resets[np.searchsorted(resets, first[k], "right"):np.searchsorted(resets, last[k], "right")]:
                    acc += v[j - 1]
                result[k] = acc
    first_t, last_t = t[first], t[last]
    to_start = (first_t - (Tk - range_ms)).astype(np.float64) / 1000
    to_end = (Tk - last_t).astype(np.float64) / 1000
    sampled = (last_t - first_t).astype(np.float64) / 1000
    average = sampled / (last - first)
    threshold = average * 1.1
    if is_counter:
        with np.errstate(divide="ignore", invalid="ignore"):
            to_zero = np.where((result > 0) & (v[first] >= 0), sampled * (v[first] / result), np.inf)
    if dialect.zero_clamp_last:
        to_start = np.where(to_start >= threshold, average / 2, to_start)
        if is_counter:
            to_start = np.minimum(to_start, to_zero)
        to_end = np.where(to_end >= threshold, average / 2, to_end)
        factor = (sampled + to_start + to_end) / sampled
        if is_rate:
            factor = factor / (range_ms / 1000)
        out[ok] = result * factor
        return out
    if is_counter:
        to_start = np.minimum(to_start, to_zero)
    interval = sampled + np.where(to_start < threshold, to_start, average / 2)
    interval = interval + np.where(to_end < threshold, to_end, average / 2)
    factor = interval / sampled
    if is_rate:
        factor = factor / (range_ms / 1000)
    out[ok] = result * factor
    return out


def sum_over_time(t: np.ndarray, v: np.ndarray, T: np.ndarray, range_ms: int, dialect: Dialect) -> np.ndarray:
    """``sum_over_time(x[range])``: NaN where the range holds no sample."""
    t, v = _live(t, v)
    lo, hi = window_bounds(t, T, range_ms, dialect)
    csum = np.concatenate(([0.0], np.cumsum(v)))
    return np.where(hi > lo, csum[hi] - csum[lo], np.nan)


def count_over_time(t: np.ndarray, v: np.ndarray, T: np.ndarray, range_ms: int, dialect: Dialect) -> np.ndarray:
    t, v = _live(t, v)
    lo, hi = window_bounds(t, T, range_ms, dialect)
    return np.where(hi > lo, (hi - lo).astype(np.float64), np.nan)


def instant(t: np.ndarray, v: np.ndarray, T: np.ndarray, dialect: Dialect) -> np.ndarray:
    """An instant selector: the last sample within the lookback, NaN when none or a staleness marker."""
    idx = np.searchsorted(t, T, side="right") - 1
    out = np.full(len(T), np.nan)
    has = idx >= 0
    age = T[has] - t[idx[has]]
    near = age < dialect.lookback_ms if dialect.left_open else age <= dialect.lookback_ms
    picked = np.where(near, v[idx[has]], np.nan)
    out[has] = picked
    return out
