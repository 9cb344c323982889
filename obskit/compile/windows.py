"""The shape of the per-window SLI rules, behind one function.

Two shapes produce the same series, ``slo:sli_error:ratio_rate<window>`` for every window:

- ``preaggregated`` (default): per SLO, record the bad and all events per second over a short base
  window ``b`` (``slo:sli_errors:rate<b>``, ``slo:sli_total:rate<b>``, aggregated to the SLO's own
  labels), then derive every window ``w`` as a ratio of sums of those recorded rates:
  ``sum_over_time(errors[L]) / sum_over_time(total[L])`` with ``L = w - b + e/2`` (``e`` the
  evaluation interval). The samples in ``L`` are those at t, t-e, ..., t-(w-b), whose base windows
  cover exactly ``(t-w, t]``; the half interval keeps range boundaries off the evaluation grid, so
  Prometheus 2 (closed ranges) and 3 (left-open) select the same samples. A ratio of sums, not an
  average of ratios, so uneven traffic does not bias it. Long windows read a few thousand recorded
  samples of one series instead of the raw series of every target.
- ``raw``: every window from the raw series (``rate(...[w])``), the shape Sloth generates.

Bounded difference: a step change (a burn that starts at T) enters the derived window over ``b``
instead of at once, so a threshold crossing moves by at most ``b/2`` (1 minute with the default
base of 2 scrape intervals at a 1m scrape) — the timing tests hold both shapes to one evaluation
interval. Right after deployment the recorded base has no history: a long window then averages the
history there is, like the raw shape over a new series; a burn is never diluted by missing samples
(they count neither as good nor as bad), it may fire early, never late.
"""
from __future__ import annotations

from typing import Iterable, Tuple

from obskit.compile import conventions as conv
from obskit.compile.ir import Labels, RecordingRule
from obskit.compile.sli import queries
from obskit.duration import Duration
from obskit.model.base import set_attr
from obskit.model.slo import SLO

SHAPES = ("preaggregated", "raw")


def base_window(scrape_interval: int) -> Duration:
    """Two scrape intervals: the shortest range a rate() can rely on."""
    return Duration(2 * scrape_interval)


def _range(seconds: int) -> str:
    """A PromQL range, allowing seconds (``58m30s``)."""
    return str(Duration(seconds))


def _has_rates(slo: SLO, base: Duration) -> bool:
    """Whether the SLI gives base rates to pre-aggregate (``rates`` is not None), worked out once per
    SLI and base window: the guards of every tier window ask."""
    key = f"_obskit_has_rates_{base.seconds}"
    found = slo.sli.__dict__.get(key)
    if found is None:
        found = queries(slo.sli).rates(str(base)) is not None
        set_attr(slo.sli, key, found)
    return found


def events_in_window(slo: SLO, window: Duration, labels: Labels, *, scrape_interval: int = 60,
                     evaluation_interval: int = 60) -> "str | None":
    """Number of events in the window, for the minimum-traffic guard (None: the SLI has no events).

    Pre-aggregated: the recorded total rate summed over the window times the evaluation interval
    (each sample stands for one interval), so the guard reads no raw series either."""
    base = base_window(scrape_interval)
    if slo.window_shape == "raw" or window <= base or not _has_rates(slo, base):
        return queries(slo.sli).events(str(window))
    sel = conv.slo_series_selector(labels)
    span = _range(window.seconds - base.seconds + evaluation_interval // 2)
    return f"sum_over_time({conv.total_rate_record(base)}{sel}[{span}]) * {evaluation_interval}"


def errors_in_window(slo: SLO, window: Duration, labels: Labels, *, scrape_interval: int = 60,
                     evaluation_interval: int = 60) -> "str | None":
    """Number of bad events in the window, for the quiet-service guard (None: the SLI has no events).

    Pre-aggregated: the recorded bad-event rate summed over the window times the evaluation interval,
    like :func:`events_in_window`; raw: the bad-event rate over the window times its length."""
    base = base_window(scrape_interval)
    if slo.window_shape == "raw" or window <= base or not _has_rates(slo, base):
        rates = queries(slo.sli).rates(str(window))
        return None if rates is None else f"({rates[0]}) * {window.seconds}"
    sel = conv.slo_series_selector(labels)
    span = _range(window.seconds - base.seconds + evaluation_interval // 2)
    return f"sum_over_time({conv.errors_rate_record(base)}{sel}[{span}]) * {evaluation_interval}"


def derived_ratio(slo: SLO, window: Duration, sel: str, *, scrape_interval: int = 60,
                  evaluation_interval: int = 60) -> "Tuple[str, str] | None":
    """The numerator and denominator of ``slo:sli_error:ratio_rate<window>`` from the recorded base rates
    (``sum_over_time`` over ``w - b + e/2``, on the series ``sel`` selects), or None when the window is
    not derived from them (the raw shape, a window up to the base window, an SLI without rates). The
    window rule records ``(num / (den > 0)) or 0 * den``; an alert computing the window inline compares
    ``num / (den > 0) > threshold``, true exactly where the recorded ratio is above a positive threshold
    (where ``den`` is 0 the rule records 0, and the inline ratio has no sample)."""
    base = base_window(scrape_interval)
    if slo.window_shape == "raw" or window <= base or not _has_rates(slo, base):
        return None
    span = _range(window.seconds - base.seconds + evaluation_interval // 2)
    return (f"sum_over_time({conv.errors_rate_record(base)}{sel}[{span}])",
            f"sum_over_time({conv.total_rate_record(base)}{sel}[{span}])")


def window_rules(slo: SLO, windows: Iterable[Duration], labels: Labels, *, scrape_interval: int = 60,
                 evaluation_interval: int = 60) -> Tuple[RecordingRule, ...]:
    """The rules recording ``slo:sli_error:ratio_rate<w>`` for each window, in evaluation order."""
    q = queries(slo.sli)
    windows = sorted(set(windows))
    base = base_window(scrape_interval)
    rates = q.rates(str(base))
    if slo.window_shape == "raw" or rates is None:
        return tuple(RecordingRule(conv.error_ratio_record(w), q.error_ratio(str(w)), labels) for w in windows)
    sel = conv.slo_series_selector(labels)
    rules = [RecordingRule(conv.errors_rate_record(base), rates[0], labels),
             RecordingRule(conv.total_rate_record(base), rates[1], labels)]
    for w in windows:
        derived = derived_ratio(slo, w, sel, scrape_interval=scrape_interval,
                                evaluation_interval=evaluation_interval)
        if derived is None:
            rules.append(RecordingRule(conv.error_ratio_record(w), q.error_ratio(str(w)), labels))
            continue
        num, den = derived
        rules.append(RecordingRule(conv.error_ratio_record(w), f"(\n{num}\n/\n({den} > 0)\n)\nor\n0 * {den}",
                                   labels))
    return tuple(rules)
