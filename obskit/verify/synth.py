"""Series that a given SLI reads, made to follow a traffic timeline.

For selectors with regex or negative matchers, concrete label values are found that satisfy them
(and, for the "good" series, that fail the error selector), and checked with the same matching
Prometheus does (fully anchored regexes).
"""
from __future__ import annotations

import math
import re
try:  # the regex parser's modules, public names deprecated since 3.11
    from re import _constants as C, _parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from obskit.compile.sli import le_matcher
from obskit.duration import Duration
from obskit.model.sli import SLI, AvailabilitySLI, LatencySLI, RatioSLI
from obskit.promql import Matcher, Selector
from obskit.verify.series import NativeHistogramSeries, Series
from obskit.verify.timeline import Phase

_CANDIDATES = ("200", "ok", "0", "success", "x", "2xx", "500", "5xx", "error", "synthetic")


class Unsupported(Exception):
    """This SLI cannot be synthesised (e.g. a RawSLI); write scenario series by hand."""


def _shortest(pattern: str) -> Optional[str]:
    """A short string matching a regex (None if the regex uses constructs we do not handle)."""
    try:
        tree = sre_parse.parse(pattern)
    except re.error:
        return None

    def gen(items) -> Optional[str]:
        out = []
        for op, av in items:
            if op == C.LITERAL:
                out.append(chr(av))
            elif op == C.ANY:
                out.append("a")
            elif op == C.IN:
                for kind, val in av:
                    if kind == C.LITERAL:
                        out.append(chr(val))
                        break
                    if kind == C.RANGE:
                        out.append(chr(val[0]))
                        break
                    if kind == C.CATEGORY:
                        out.append("0" if val == C.CATEGORY_DIGIT else "a")
                        break
                else:
                    return None
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
                lo, _hi, sub = av
                piece = gen(sub)
                if piece is None:
                    return None
                out.append(piece * lo)
            elif op == C.SUBPATTERN:
                piece = gen(av[-1])
                if piece is None:
                    return None
                out.append(piece)
            elif op == C.BRANCH:
                piece = gen(av[1][0])
                if piece is None:
                    return None
                out.append(piece)
            elif op == C.AT:
                continue
            else:
                return None
        return "".join(out)

    return gen(tree)


def solve_label(name: str, must: Sequence[Matcher], must_not: Sequence[Matcher] = ()) -> Optional[str]:
    """A value of label ``name`` satisfying every matcher in ``must`` and failing one in ``must_not``
    (``must_not`` empty: no such condition). Returns None for "leave the label out", or raises."""
    candidates: List[Optional[str]] = []
    for m in must:
        if m.op == "=":
            candidates.append(m.value)
        elif m.op == "=~":
            candidates.append(_shortest(m.value))
    candidates += [None, *_CANDIDATES]
    for c in candidates:
        if all(m.matches(c) for m in must) and (not must_not or not all(m.matches(c) for m in must_not)):
            return c
    raise Unsupported(f"cannot find a value of label {name!r} for matchers "
                      f"{[str(m) for m in must]} excluding {[str(m) for m in must_not]}")


def series_labels(selectors: Sequence[Selector], exclude: Optional[Selector] = None,
                  by: Sequence[str] = ()) -> Dict[str, str]:
    """Labels that match every selector in ``selectors`` (and not ``exclude``)."""
    metric = selectors[0].metric
    names = sorted({m.name for s in selectors for m in s.matchers} | set(by))
    must = {n: [m for s in selectors for m in s.matchers if m.name == n] for n in names}
    labels: Dict[str, str] = {}
    for name in names:
        value = solve_label(name, must[name])
        if value is None and name in by:
            value = "synthetic"
        if value is not None:
            labels[name] = value
    if not all(s.matches(metric, labels) for s in selectors):
        raise Unsupported(f"synthesised labels {labels} do not match {[str(s) for s in selectors]}")
    if exclude is None or not exclude.matches(metric, labels):
        return labels
    for m in exclude.matchers:       # change one label so that ``exclude`` no longer matches
        try:
            value = solve_label(m.name, must.get(m.name, []), [m])
        except Unsupported:
            continue
        candidate = {k: v for k, v in labels.items() if k != m.name}
        if value is not None:
            candidate[m.name] = value
        if all(s.matches(metric, candidate) for s in selectors) and not exclude.matches(metric, candidate):
            return candidate
    raise Unsupported(f"cannot make a series that matches {selectors[0]} but not {exclude}")


def _steps(phase: Phase, interval: Duration) -> int:
    if phase.duration.seconds % interval.seconds:
        raise ValueError(f"phase of {phase.duration} is not a multiple of the interval {interval}")
    return phase.duration.seconds // interval.seconds


def _counter(series: Series, phases, interval: Duration, share) -> Series:
    """Counter following the phases; ``share(phase)`` is the fraction of requests it counts."""
    for i, phase in enumerate(phases):
        n = _steps(phase, interval)
        if i == 0:
            n += 1  # the sample at t=0
        if not phase.present:
            series.gap(n)
        else:
            series.count(n, phase.rps * interval.seconds * share(phase))
    return series


def synthesize(sli: SLI, phases: Sequence[Phase], interval: Duration, error_budget: float) -> List[Series]:
    """Input series that make ``sli`` see the given timeline, sampled every ``interval``."""
    err = lambda p: p.errors(error_budget)  # noqa: E731
    ok = lambda p: 1 - p.errors(error_budget)  # noqa: E731
    if isinstance(sli, RatioSLI):
        bad_sel = sli.errors
        good_sel = sli.good
        out = []
        if bad_sel is not None:
            if bad_sel.metric == sli.total.metric:
                out.append(_counter(Series(bad_sel.metric, series_labels([sli.total, bad_sel], by=sli.by)),
                                    phases, interval, err))
                out.append(_counter(Series(sli.total.metric, series_labels([sli.total], bad_sel, sli.by)),
                                    phases, interval, ok))
            else:
                out.append(_counter(Series(bad_sel.metric, series_labels([bad_sel], by=sli.by)),
                                    phases, interval, err))
                out.append(_counter(Series(sli.total.metric, series_labels([sli.total], by=sli.by)),
                                    phases, interval, lambda p: 1))
        else:
            if good_sel.metric == sli.total.metric:
                out.append(_counter(Series(good_sel.metric, series_labels([sli.total, good_sel], by=sli.by)),
                                    phases, interval, ok))
                out.append(_counter(Series(sli.total.metric, series_labels([sli.total], good_sel, sli.by)),
                                    phases, interval, err))
            else:
                out.append(_counter(Series(good_sel.metric, series_labels([good_sel], by=sli.by)),
                                    phases, interval, ok))
                out.append(_counter(Series(sli.total.metric, series_labels([sli.total], by=sli.by)),
                                    phases, interval, lambda p: 1))
        return out
    if isinstance(sli, LatencySLI) and sli.native:
        # one native series; fast observations in a bucket wholly below the threshold, slow ones in a
        # bucket wholly above, so histogram_fraction's interpolation plays no part in the timing
        t = math.log2(sli.threshold)
        series = NativeHistogramSeries(sli.native_histogram.metric, series_labels([sli.native_histogram], by=sli.by),
                                       good_bucket=math.floor(t), bad_bucket=math.ceil(t) + 1)
        for i, phase in enumerate(phases):
            n = _steps(phase, interval) + (1 if i == 0 else 0)
            if not phase.present:
                series.gap(n)
            else:
                per = phase.rps * interval.seconds
                series.observe(n, per * ok(phase), per * err(phase))
        return [series]
    if isinstance(sli, LatencySLI):
        base = series_labels([sli.histogram], by=sli.by)
        le = le_matcher(sli.threshold)
        le_value = le.value if le.op == "=" else le.value.split("|")[0]
        return [
            _counter(Series(sli.histogram.metric + "_bucket", {**base, "le": le_value}), phases, interval, ok),
            _counter(Series(sli.histogram.metric + "_bucket", {**base, "le": "+Inf"}), phases, interval, lambda p: 1),
            _counter(Series(sli.histogram.metric + "_count", base), phases, interval, lambda p: 1),
        ]
    if isinstance(sli, AvailabilitySLI):
        # One series whose value is the share of healthy targets: what sum_over_time/count_over_time
        # of many 0/1 targets averages to. A single 0/1 series could only express error shares in
        # steps of 1/samples-per-window, too coarse to prove burn-rate timing.
        series = Series(sli.gauge.metric, series_labels([sli.gauge], by=sli.by))
        values: List[Optional[float]] = []
        for i, phase in enumerate(phases):
            n = _steps(phase, interval) + (1 if i == 0 else 0)
            values += [1 - phase.errors(error_budget) if phase.present else None] * n
        series.values(values)
        return [series]
    raise Unsupported(f"cannot synthesise series for a {type(sli).__name__}: write the scenario's "
                      "input series by hand")


def group_labels(series: Iterable[Series], by: Sequence[str]) -> Dict[str, str]:
    """The values the ``by`` labels take in synthesised series."""
    for s in series:
        return {k: v for k, v in s.labels.items() if k in by}
    return {}
