"""Service level indicators: what share of events is good.

Each SLI kind describes *what* to measure with series selectors; the PromQL that measures it over a
window lives in :mod:`obskit.compile.sli`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from string import Template
from typing import Optional, Tuple

from obskit.location import Location
from obskit.model.base import Checked, Problems, locate, set_attr
from obskit.promql import PromQLError, Selector, check_syntax, is_valid_label_name


def _selector(problems: Problems, value, what: str) -> Optional[Selector]:
    if isinstance(value, Selector):
        return value
    try:
        return Selector.parse(value)
    except PromQLError as exc:
        code = "empty-selector" if not (isinstance(value, str) and value.strip()) else "promql-syntax"
        problems.add(code, f"{what}: {exc}")
        return None


def _by(problems: Problems, by) -> Tuple[str, ...]:
    if isinstance(by, str):
        by = (by,)
    if by is not None and not isinstance(by, (list, tuple, set, frozenset)):
        problems.add("bad-type", f"by must be a label name or a tuple of label names, got {type(by).__name__} {by!r}",
                     hint='e.g. by=("region",)')
        return ()
    out = []
    for name in by or ():
        if not isinstance(name, str) or not is_valid_label_name(name):
            problems.add("bad-label", f"by: {name!r} is not a valid label name")
        else:
            out.append(name)
    return tuple(out)


#: Series suffixes and what they are (a histogram's or summary's parts, a counter).
COUNTER_SUFFIXES = ("_total",)
HISTOGRAM_PARTS = ("_bucket", "_count", "_sum")
#: Well-known 0/1 or state gauges: rate() of them means nothing.
KNOWN_GAUGES = ("up", "probe_success")


def _gauge_name(metric: str) -> bool:
    return metric in KNOWN_GAUGES or metric.endswith("_info")


def _ratio_fit(p: Problems, what: str, sel: Selector) -> None:
    """A RatioSLI rates its selectors as counters of events: refuse series that are not."""
    name = sel.metric
    if name.endswith("_bucket") and not any(m.name == "le" for m in sel.matchers):
        p.add("sli-metric-mismatch",
              f"{what}: {name} without an le matcher sums every bucket of the histogram (bucket counts are "
              "cumulative, each request is counted once per bucket it fits)",
              hint=f"use {name[:-len('_bucket')]}_count for all events and {name}{{le=\"<threshold>\"}} for the "
                   f"fast ones, or LatencySLI(histogram={name[:-len('_bucket')]!r}, threshold=...)")
    elif name.endswith("_sum"):
        p.add("sli-metric-mismatch",
              f"{what}: {name} is a histogram's or summary's sum of observed values (seconds, bytes), not a "
              "count of events",
              hint=f"use {name[:-len('_sum')]}_count to count events")
    elif _gauge_name(name):
        p.add("sli-metric-mismatch",
              f"{what}: {name} is a gauge (a 0/1 or state value); a RatioSLI takes the rate() of counters",
              hint=f"use AvailabilitySLI(gauge={str(sel)!r}) for the share of time it is 1")


def _histogram_fit(p: Problems, what: str, sel: Selector) -> None:
    """A LatencySLI reads a histogram: refuse a counter's or a gauge's name."""
    name = sel.metric
    if name.endswith(COUNTER_SUFFIXES):
        p.add("sli-metric-mismatch",
              f"{what}: {name} is a counter (_total), not a histogram: a latency SLI reads the histogram's "
              "_bucket and _count series",
              hint="give the histogram's base name (e.g. 'http_request_duration_seconds'), or count slow requests "
                   "with RatioSLI(total=..., errors=...)")
    elif _gauge_name(name):
        p.add("sli-metric-mismatch", f"{what}: {name} is a gauge, not a histogram",
              hint=f"use AvailabilitySLI(gauge={str(sel)!r}) for a 0/1 gauge, or give a histogram's base name")


def _gauge_fit(p: Problems, sel: Selector) -> None:
    """An AvailabilitySLI averages a 0/1 gauge: refuse counters and histogram parts."""
    name = sel.metric
    kind = ("a counter (_total)" if name.endswith(COUNTER_SUFFIXES) else
            f"a histogram's {name[name.rindex('_'):]} series" if name.endswith(HISTOGRAM_PARTS) else "")
    if kind:
        p.add("sli-metric-mismatch",
              f"gauge: {name} is {kind}; an AvailabilitySLI averages a 0/1 gauge such as up or probe_success "
              "(a counter only grows, so its average is not a share of time)",
              hint="use RatioSLI(total=..., errors=...) for counters of events")


class SLI(Checked):
    """Base of SLI kinds."""

    location: Location
    by: Tuple[str, ...]
    kind = "sli"


@dataclass(frozen=True, kw_only=True, eq=False)
class RatioSLI(SLI):
    """A ratio of event counters: ``errors / total`` or ``1 - good / total``.

    Selectors are instant-vector selectors of counters, for example
    ``total='http_requests_total{job="api"}'`` and ``errors='http_requests_total{job="api",code=~"5.."}'``.
    """

    total: str
    errors: Optional[str] = None
    good: Optional[str] = None
    by: Tuple[str, ...] = ()
    location: Location = field(init=False, repr=False, compare=False)
    kind = "ratio"

    def __post_init__(self):
        p = Problems(f"ratio SLI", locate(self))
        set_attr(self, "total", _selector(p, self.total, "total") or self.total)
        if (self.errors is None) == (self.good is None):
            p.add("bad-sli", "give exactly one of errors= or good=")
        for name in ("errors", "good"):
            value = getattr(self, name)
            if value is not None:
                set_attr(self, name, _selector(p, value, name) or value)
        for name in ("total", "errors", "good"):
            if isinstance(getattr(self, name), Selector):
                _ratio_fit(p, name, getattr(self, name))
        set_attr(self, "by", _by(p, self.by))
        p.done()


#: Prometheus version from which obskit accepts native-histogram SLIs (see :class:`LatencySLI`).
NATIVE_HISTOGRAMS_SINCE = (3, 0)


@dataclass(frozen=True, kw_only=True, eq=False)
class LatencySLI(SLI):
    """Share of requests faster than ``threshold`` seconds, from a classic or a native histogram.

    Classic: ``histogram`` is the histogram's base name with optional matchers, e.g.
    ``'http_request_duration_seconds{job="api"}'``: good events are ``<base>_bucket{le="<threshold>"}``
    and all events ``<base>_count``. ``threshold`` must be one of ``buckets``.

    Native: ``native_histogram`` selects the native (sparse, exponential) histogram series itself,
    e.g. ``LatencySLI(native_histogram='http_request_duration_seconds{job="api"}', threshold=0.3)``.
    All events are ``histogram_count(sum(rate(h[w])))`` and good events
    ``histogram_fraction(-Inf, threshold, sum(rate(h[w]))) × histogram_count(...)``; the rules record
    those as event rates and take long-window ratios from summed counts, never from averaged fractions.
    No bucket boundary is needed, at a price: ``histogram_fraction`` interpolates inside the bucket the
    threshold falls in (exponentially within a standard exponential bucket), so the good count is exact
    only when the threshold is a bucket boundary; otherwise the error is bounded by the observations in
    that one bucket (with schema 3, a bucket spans a factor of 2^(1/8) ≈ 1.09, e.g. 0.29-0.32 s around
    0.3 s). The lower bound is -Inf, not 0, so the zero bucket (observations at or near 0) counts as
    fast in every Prometheus version.

    Native histograms need ``prometheus_version`` 3.0 or newer in obskit.toml (checked per project):
    Prometheus 2.40 added them as an experimental feature behind ``--enable-feature=native-histograms``,
    and obskit proves these rules with promtool 3.x only (Debian's promtool 2.42 rejects the
    native-histogram test-series notation). The server needs that flag to ingest them before 3.9 (3.5's
    OTLP receiver answers "native histograms are disabled" without it); they are stable from 3.8, the
    flag is a no-op from 3.9, where scraping them needs ``scrape_native_histograms: true``.
    """

    histogram: Optional[str] = None
    threshold: float
    buckets: Optional[Tuple[float, ...]] = None
    native_histogram: Optional[str] = None
    by: Tuple[str, ...] = ()
    location: Location = field(init=False, repr=False, compare=False)
    kind = "latency"

    @property
    def native(self) -> bool:
        return self.native_histogram is not None

    def __post_init__(self):
        p = Problems("latency SLI", locate(self))
        if (self.histogram is None) == (self.native_histogram is None):
            p.add("bad-sli", "give exactly one of histogram= (a classic histogram's base name) or "
                             "native_histogram= (a native histogram series)")
        attr = "native_histogram" if self.native_histogram is not None else "histogram"
        value = getattr(self, attr)
        sel = _selector(p, value, attr) if value is not None else None
        if sel is not None:
            for suffix in ("_bucket", "_count", "_sum"):
                if sel.metric.endswith(suffix):
                    p.add("bad-sli", f"{attr}: give the base name without {suffix!r}, "
                                     f"e.g. {sel.metric[:-len(suffix)]!r}")
            if any(m.name == "le" for m in sel.matchers):
                p.add("bad-sli", f"{attr}: do not match on 'le'; set threshold= instead")
            _histogram_fit(p, attr, sel)
            set_attr(self, attr, sel)
        if self.native_histogram is not None:
            if self.buckets is not None:
                p.add("bad-sli", "buckets= is for classic histograms: a native histogram needs no bucket "
                                 "boundary at the threshold (histogram_fraction interpolates)")
            buckets = ()
        elif self.buckets is None:
            p.add("bad-sli", "buckets= is required with histogram=: the classic histogram's bucket "
                             "boundaries (the threshold must be one of them)")
            buckets = ()
        else:
            try:
                buckets = tuple(sorted(float(b) for b in self.buckets))
            except (TypeError, ValueError):
                p.add("bad-sli", f"buckets must be numbers, got {self.buckets!r}")
                buckets = ()
        set_attr(self, "buckets", buckets)
        try:
            threshold = float(self.threshold)
            if not math.isfinite(threshold) or threshold <= 0:
                raise ValueError
        except (TypeError, ValueError):
            p.add("bad-threshold", f"threshold must be a positive number of seconds, got {self.threshold!r}")
        else:
            set_attr(self, "threshold", threshold)
            if buckets and threshold not in buckets:
                near = ", ".join(_fmt(b) for b in buckets)
                p.add("threshold-not-bucket",
                      f"threshold {_fmt(threshold)} is not a bucket boundary of the histogram",
                      hint=f"the buckets are {near}; pick one of them or add a bucket to the instrumentation")
        set_attr(self, "by", _by(p, self.by))
        p.done()


@dataclass(frozen=True, kw_only=True, eq=False)
class AvailabilitySLI(SLI):
    """Availability from a 0/1 gauge such as ``up`` or ``probe_success``: the share of samples at 1."""

    gauge: str
    by: Tuple[str, ...] = ()
    location: Location = field(init=False, repr=False, compare=False)
    kind = "availability"

    def __post_init__(self):
        p = Problems("availability SLI", locate(self))
        set_attr(self, "gauge", _selector(p, self.gauge, "gauge") or self.gauge)
        if isinstance(self.gauge, Selector):
            _gauge_fit(p, self.gauge)
        set_attr(self, "by", _by(p, self.by))
        p.done()


@dataclass(frozen=True, kw_only=True, eq=False)
class RawSLI(SLI):
    """Escape hatch: a PromQL query of the error ratio over ``$window``.

    Example: ``RawSLI(error_ratio='1 - avg_over_time(my:availability[$window])')``.
    """

    error_ratio: str
    by: Tuple[str, ...] = ()
    location: Location = field(init=False, repr=False, compare=False)
    kind = "raw"

    def __post_init__(self):
        p = Problems("raw SLI", locate(self))
        text = self.error_ratio
        if not isinstance(text, str) or "$window" not in text:
            p.add("bad-sli", "error_ratio must be a PromQL string using $window for the range, "
                             "e.g. 'sum(rate(errors[$window])) / sum(rate(total[$window]))'")
        else:
            try:
                check_syntax(Template(text).safe_substitute(window="5m"))
            except PromQLError as exc:
                p.add("promql-syntax", f"error_ratio: {exc}")
        set_attr(self, "by", _by(p, self.by))
        p.done()

    def query(self, window: str) -> str:
        return Template(self.error_ratio).safe_substitute(window=window)


def _fmt(value: float) -> str:
    return repr(value).rstrip("0").rstrip(".") if value != int(value) else str(int(value))
