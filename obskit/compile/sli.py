"""PromQL for each SLI kind: the error ratio over a window, the event count, and what "no data" means.

One small class per SLI kind, chosen by a table (the sqlglot way) instead of a chain of ifs.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple, Type

from obskit.errors import Diagnostic
from obskit.model.sli import NATIVE_HISTOGRAMS_SINCE, SLI, AvailabilitySLI, LatencySLI, RatioSLI, RawSLI
from obskit.promql import Matcher, Selector, fmt_number, sum_by

NAN_SAFE = "{ratio} or 0 * {total}"


def _rate(sel: Selector, by, w: str) -> str:
    return sum_by(by, f"rate({sel}[{w}])")


class _Queries:
    def __init__(self, sli):
        self.sli = sli

    def error_ratio(self, window: str) -> str:
        raise NotImplementedError

    def events(self, window: str) -> Optional[str]:
        """Number of events in the window (None when the SLI kind does not count events)."""
        return None

    def presence(self) -> Optional[Selector]:
        """The selector whose absence means the SLI has no data."""
        return None

    def rates(self, window: str) -> Optional[Tuple[str, str]]:
        """(bad events, all events) per second over the window, for pre-aggregation (None: cannot)."""
        return None


class _Ratio(_Queries):
    sli: RatioSLI

    def error_ratio(self, w: str) -> str:
        s, by = self.sli, self.sli.by
        total = _rate(s.total, by, w)
        if s.errors is not None:
            # a counter of errors often does not exist until the first error: count it as zero
            ratio = f"({_rate(s.errors, by, w)} or 0 * {total})\n/\n({total} > 0)"
        else:
            ratio = f"1 - ({_rate(s.good, by, w)} or 0 * {total})\n/\n({total} > 0)"
        return f"(\n{ratio}\n)\nor\n0 * {total}"

    def events(self, w: str) -> str:
        return sum_by(self.sli.by, f"increase({self.sli.total}[{w}])")

    def presence(self) -> Selector:
        return self.sli.total

    def rates(self, w: str) -> Tuple[str, str]:
        s, by = self.sli, self.sli.by
        total = _rate(s.total, by, w)
        if s.errors is not None:
            return f"{_rate(s.errors, by, w)} or 0 * {total}", total
        return f"{total} - ({_rate(s.good, by, w)} or 0 * {total})", total


def le_matcher(threshold: float) -> Matcher:
    """Match the bucket whether its ``le`` reads "1" (Go clients, Prometheus 2) or "1.0"
    (Python clients, and every classic histogram once Prometheus 3 normalises ``le``)."""
    text = repr(float(threshold))
    if text.endswith(".0"):
        whole = text[:-2]
        return Matcher("le", "=~", f"{whole}|{whole}\\.0")
    return Matcher("le", "=", text)


class _Latency(_Queries):
    sli: LatencySLI

    def _bucket(self) -> Selector:
        return self.sli.histogram.renamed(self.sli.histogram.metric + "_bucket").with_matchers(
            le_matcher(self.sli.threshold))

    def _count(self) -> Selector:
        return self.sli.histogram.renamed(self.sli.histogram.metric + "_count")

    def error_ratio(self, w: str) -> str:
        by = self.sli.by
        total = _rate(self._count(), by, w)
        return f"(\n1 - {_rate(self._bucket(), by, w)}\n/\n({total} > 0)\n)\nor\n0 * {total}"

    def events(self, w: str) -> str:
        return sum_by(self.sli.by, f"increase({self._count()}[{w}])")

    def rates(self, w: str) -> Tuple[str, str]:
        total = _rate(self._count(), self.sli.by, w)
        return f"{total} - ({_rate(self._bucket(), self.sli.by, w)} or 0 * {total})", total

    def presence(self) -> Selector:
        return self._count()


class _NativeLatency(_Queries):
    """A native histogram: ``histogram_count`` of the summed rate for all events, and
    ``histogram_fraction(-Inf, threshold, ...)`` of it for the good share.

    ``rates`` gives event *counts* per second (count × (1 − fraction)), so the pre-aggregated shape sums
    counts over long windows: a ratio of sums, never an average of per-base-window fractions. An idle
    histogram (count 0) has fraction NaN: the ``> 0`` filter drops it and ``or 0 * total`` records 0."""

    sli: LatencySLI

    def _summed(self, fn: str, w: str) -> str:
        return sum_by(self.sli.by, f"{fn}({self.sli.native_histogram}[{w}])")

    def _fraction(self, h: str) -> str:
        return f"histogram_fraction(-Inf, {fmt_number(self.sli.threshold)}, {h})"

    def error_ratio(self, w: str) -> str:
        h = self._summed("rate", w)
        total = f"histogram_count({h})"
        return f"(\n(1 - {self._fraction(h)})\nand\n({total} > 0)\n)\nor\n0 * {total}"

    def events(self, w: str) -> str:
        return f"histogram_count({self._summed('increase', w)})"

    def rates(self, w: str) -> Tuple[str, str]:
        h = self._summed("rate", w)
        total = f"histogram_count({h})"
        return f"({total} > 0) * (1 - {self._fraction(h)}) or 0 * {total}", total

    def presence(self) -> Selector:
        return self.sli.native_histogram


class _Availability(_Queries):
    sli: AvailabilitySLI

    def error_ratio(self, w: str) -> str:
        g, by = self.sli.gauge, self.sli.by
        return (f"1 - {sum_by(by, f'sum_over_time({g}[{w}])')}\n/\n"
                f"{sum_by(by, f'count_over_time({g}[{w}])')}")

    def events(self, w: str) -> str:
        return sum_by(self.sli.by, f"count_over_time({self.sli.gauge}[{w}])")

    def rates(self, w: str) -> Tuple[str, str]:
        # samples per window stand in for events: the ratio of sums is the same
        g, by = self.sli.gauge, self.sli.by
        count = sum_by(by, f"count_over_time({g}[{w}])")
        return f"{count} - {sum_by(by, f'sum_over_time({g}[{w}])')}", count

    def presence(self) -> Selector:
        return self.sli.gauge


class _Raw(_Queries):
    sli: RawSLI

    def error_ratio(self, w: str) -> str:
        return self.sli.query(w)


_KINDS: Dict[Type[SLI], Callable[[SLI], _Queries]] = {
    RatioSLI: _Ratio,
    LatencySLI: _Latency,
    AvailabilitySLI: _Availability,
    RawSLI: _Raw,
}


def queries(sli: SLI) -> _Queries:
    if isinstance(sli, LatencySLI) and sli.native:
        return _NativeLatency(sli)
    try:
        return _KINDS[type(sli)](sli)
    except KeyError:
        raise TypeError(f"unsupported SLI kind {type(sli).__name__}") from None


def _targets_below(project, since) -> bool:
    """Whether the project's ``prometheus_version`` is older than ``since`` (a bad value: False, the
    scrape checks report it)."""
    from obskit.model.prometheus_config import versions
    try:
        return versions.parse(project.settings.prometheus_version) < since
    except ValueError:
        return False


def check_native_histograms(project) -> List[Diagnostic]:
    """A native-histogram LatencySLI needs a target Prometheus (``prometheus_version``) of
    :data:`~obskit.model.sli.NATIVE_HISTOGRAMS_SINCE` or newer (registered in ``obskit.loader.PROJECT_CHECKS``)."""
    from obskit.model.prometheus_config import versions

    if not _targets_below(project, NATIVE_HISTOGRAMS_SINCE):
        return []
    since = versions.fmt(NATIVE_HISTOGRAMS_SINCE)
    return [Diagnostic(
        "too-new",
        f"a native-histogram LatencySLI needs Prometheus {since} or newer; the project targets "
        f"{project.settings.prometheus_version} (prometheus_version in obskit.toml). Prometheus 2.40 added "
        f"native histograms as an experimental feature (--enable-feature=native-histograms); obskit proves "
        f"native-histogram rules with promtool {since}+ only (Debian's promtool 2.42 cannot load "
        f"native-histogram test series)",
        f"SLO {slo.service}/{slo.name}", slo.location,
        hint=f"raise prometheus_version to {since} (native histograms are stable from 3.8), "
             "or use histogram= with buckets= on the classic histogram")
        for slo in project.slos if isinstance(slo.sli, LatencySLI) and slo.sli.native]


#: Prometheus version from which obskit writes UTF-8 metric and label names (quoted, ``{"a.b"}``).
UTF8_NAMES_SINCE = (3, 0)


def _selectors(sli) -> List[Selector]:
    names = ("total", "errors", "good", "histogram", "native_histogram", "gauge")
    return [v for v in (getattr(sli, n, None) for n in names) if isinstance(v, Selector)]


def check_utf8_names(project) -> List[Diagnostic]:
    """An SLI whose selectors use a metric or label name outside the legacy character set (an
    OpenTelemetry name kept as sent, e.g. ``presets.otel_http_latency(..., names="utf8")``) is written in
    Prometheus 3's quoted UTF-8 syntax, which Prometheus 2 cannot parse: it needs a target
    (``prometheus_version``) of :data:`UTF8_NAMES_SINCE` or newer (registered in ``obskit.loader.PROJECT_CHECKS``)."""
    from obskit.model.prometheus_config import versions
    from obskit.promql import is_utf8_selector

    if not _targets_below(project, UTF8_NAMES_SINCE):
        return []
    since = versions.fmt(UTF8_NAMES_SINCE)
    out = []
    for slo in project.slos:
        utf8 = [s for s in _selectors(slo.sli) if is_utf8_selector(s)]
        if not utf8:
            continue
        out.append(Diagnostic(
            "too-new",
            f"the SLI selects {utf8[0]}, a UTF-8 metric or label name (Prometheus 3's quoted syntax), which "
            f"needs Prometheus {since} or newer; the project targets {project.settings.prometheus_version} "
            f"(prometheus_version in obskit.toml), whose PromQL parser rejects it",
            f"SLO {slo.service}/{slo.name}", slo.location,
            hint=f"raise prometheus_version to {since}, or query the underscore-translated names "
                 "(presets: names=\"underscore\", stored by Prometheus's OTLP receiver with "
                 "translation_strategy: UnderscoreEscapingWithSuffixes)"))
    return out
