"""Synthetic input series in promtool's ``values`` notation.

A :class:`Series` is a label set and a list of segments; each segment is a run of samples that
promtool's notation writes compactly (``a+bxn``, ``axn``, ``_xn``, ``stale``). Counters are built
from rates, gauges from values; gaps and staleness markers are segments too.

Notation facts (promtool 2.42): ``a+bxn`` and ``axn`` expand to n+1 samples, ``_xn`` to n missing
samples, ``_`` to one, ``stale`` to one staleness marker.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Mapping, Tuple

from decimal import Decimal

from obskit.promql import quote


def fmt(value: float) -> str:
    """A sample value that promtool parses back to exactly the same float, without exponent
    notation (which would read oddly next to ``a+bxn``)."""
    value = float(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


@dataclass
class Series:
    """One input series: ``metric{labels}`` and its samples at the test interval."""

    metric: str
    labels: Mapping[str, str] = field(default_factory=dict)
    _tokens: List[str] = field(default_factory=list, repr=False)
    _last: "float | None" = field(default=None, repr=False)
    samples: int = 0

    @property
    def name(self) -> str:
        from obskit.promql import is_valid_label_name, is_valid_metric_name
        labels = [f"{k if is_valid_label_name(k) else quote(k)}={quote(v)}" for k, v in sorted(self.labels.items())]
        if not is_valid_metric_name(self.metric):
            # a UTF-8 name (Prometheus 3): quoted inside the braces, which promtool 3.5 needs (3.16 also
            # reads it bare)
            return "{" + ", ".join([quote(self.metric)] + labels) + "}"
        if not self.labels:
            return self.metric
        return self.metric + "{" + ", ".join(labels) + "}"

    # counters -------------------------------------------------------------------------------
    def count(self, steps: int, increment: float) -> "Series":
        """``steps`` samples of a counter growing by ``increment`` per sample.

        promtool expands ``a+bxn`` by repeated float addition; the next segment starts from the
        value promtool will have reached, so rounding can never look like a counter reset.
        """
        if steps <= 0:
            return self
        inc = float(fmt(increment))
        start = 0.0 if self._last is None else self._last + inc
        if steps == 1:
            self._tokens.append(fmt(start))
        elif inc == 0:
            self._tokens.append(f"{fmt(start)}x{steps - 1}")
        else:
            self._tokens.append(f"{fmt(start)}+{fmt(inc)}x{steps - 1}")
        value = start
        for _ in range(steps - 1):
            value += inc
        self._last = value
        self.samples += steps
        return self

    # gauges ---------------------------------------------------------------------------------
    def hold(self, steps: int, value: float) -> "Series":
        """``steps`` samples of the same value."""
        if steps > 0:
            self._tokens.append(f"{fmt(value)}x{steps - 1}" if steps > 1 else fmt(value))
            self._last = value
            self.samples += steps
        return self

    def values(self, values) -> "Series":
        """Samples one by one (None: a missing sample); runs of equal values are compressed."""
        run_value, run = None, 0
        end = object()
        for v in list(values) + [end]:
            if run and v == run_value and (v is None) == (run_value is None):
                run += 1
                continue
            if run:
                self.gap(run) if run_value is None else self.hold(run, run_value)
            run_value, run = v, 1
        return self

    # absence --------------------------------------------------------------------------------
    def gap(self, steps: int) -> "Series":
        """``steps`` missing samples (a counter keeps its value across the gap)."""
        if steps > 0:
            self._tokens.append("_" if steps == 1 else f"_x{steps}")
            self.samples += steps
        return self

    def stale(self) -> "Series":
        """A staleness marker: the series ends here, as when a target disappears."""
        self._tokens.append("stale")
        self.samples += 1
        return self

    def notation(self) -> str:
        return " ".join(self._tokens)

    def to_input(self) -> dict:
        return {"series": self.name, "values": self.notation()}


@dataclass
class NativeHistogramSeries(Series):
    """A native histogram (schema 0) whose observations fall in two buckets: ``good_bucket`` and
    ``bad_bucket`` (bucket index i holds (2^(i-1), 2^i]); promtool 3.x notation
    ``{{schema:0 count:c sum:s offset:o buckets:[...]}}+{{...}}xn``, one segment per call (several
    ``+`` segments in one series need promtool 3.4 or newer)."""

    good_bucket: int = -3
    bad_bucket: int = 0
    _state: Tuple[float, float] = field(default=(0.0, 0.0), repr=False)

    def _h(self, good: float, bad: float) -> str:
        lo, hi = sorted((self.good_bucket, self.bad_bucket))
        counts = [0.0] * (hi - lo + 1)
        counts[self.good_bucket - lo] += good
        counts[self.bad_bucket - lo] += bad
        total = good + bad
        mid = lambda i: 0.75 * 2.0 ** i   # noqa: E731  a value inside bucket i
        s = good * mid(self.good_bucket) + bad * mid(self.bad_bucket)
        return (f"{{{{schema:0 sum:{fmt(s)} count:{fmt(total)} offset:{lo} "
                f"buckets:[{' '.join(fmt(c) for c in counts)}]}}}}")

    def observe(self, steps: int, good: float, bad: float) -> "NativeHistogramSeries":
        """``steps`` samples growing by ``good`` fast and ``bad`` slow observations per sample."""
        if steps <= 0:
            return self
        good, bad = float(fmt(good)), float(fmt(bad))
        g0, b0 = self._state
        if self._last is not None:
            g0, b0 = g0 + good, b0 + bad
        start = self._h(g0, b0)
        self._tokens.append(start if steps == 1 else f"{start}+{self._h(good, bad)}x{steps - 1}")
        for _ in range(steps - 1):
            g0, b0 = g0 + good, b0 + bad
        self._state, self._last = (g0, b0), g0 + b0
        self.samples += steps
        return self
