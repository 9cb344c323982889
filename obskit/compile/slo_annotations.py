"""Annotations of the alerts generated for an SLO: what a person on call needs to act.

A burn-rate alert says how fast the budget is burning now and at what error ratio (the summary),
which of its tier's window pairs are above their threshold, what the tier fires on, and links the
runbook (``SLO(runbook_url=...)``) and the SLO's generated Grafana dashboard (``dashboard_url``, when
``[grafana] url`` is set).

Prometheus templates (Go ``text/template``) with what Prometheus 2.42 and 3.x both have:

- ``$value`` is the value of the alert expression's first operand: the error ratio over the short
  window of the first window pair that fires (``short > t and long > t``, ``or`` the next pair).
- Templates have no arithmetic, so the burn rate is ``query`` of a constant expression,
  ``<$value> / <budget>`` (a scalar, which Prometheus' template ``query`` returns as one sample).
- Which windows are above their threshold is one ``query`` per pair of the windows as the alert reads
  them, restricted to the alert's SLO (and its ``by`` labels, from ``$labels``): the recorded window
  series, or for an alert computing its windows inline the same inline ratios of the base rates (the
  recorded windows of a fast tier are in the slow group, up to 4m old).

Rendered by promtool 2.42 and 3.x and by the real servers in tests/test_alert_annotations.py and
tests/test_alertmanager_e2e.py. Generated promtool tests compare only the static annotations
(:func:`obskit.verify.promtool_tests.static_annotations`): promtool compares rendered text, and the values depend on the evaluation.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence, Tuple

from obskit.compile import conventions as conv
from obskit.model.dashboard_uid import uid_from_name
from obskit.compile.ir import Labels
from obskit.model.policy import Tier
from obskit.model.slo import SLO
from obskit.project import Settings
from obskit.promql import fmt_number

#: the burn rate of ``$value`` (an error ratio), e.g. ``14.4``
_BURN = '{{{{ with printf "%v / {budget}" $value | query }}}}{{{{ . | first | value | printf "%.1f" }}}}{{{{ end }}}}'
_RATIO = "{{ $value | humanizePercentage }}"


def dashboard_url(slo: SLO, settings: Optional[Settings]) -> Optional[str]:
    """The SLO's generated dashboard (the service's SLO detail dashboard) in the project's Grafana, or
    None when ``[grafana] url`` is not set."""
    grafana = getattr(settings, "grafana", None)
    base = getattr(grafana, "url", None)
    if not base:
        return None
    return f"{base.rstrip('/')}/d/{uid_from_name(conv.slo_detail_title(slo.service))}"


def _links(slo: SLO, settings: Optional[Settings]) -> list:
    out = []
    if slo.runbook_url:
        out.append(("runbook_url", slo.runbook_url))
    url = dashboard_url(slo, settings)
    if url:
        out.append(("dashboard_url", url))
    return out


#: what an alert compares with a threshold for a window, on a selector (obskit.compile.slo.window_ratio)
Ratio = Callable[[object, str], str]


def _recorded(window, sel: str) -> str:
    return f"{conv.error_ratio_record(window)}{sel}"


def _pair_query(slo: SLO, labels: Labels, short, long, threshold: str, ratio: Ratio = _recorded) -> str:
    """``{{ if <query> }}``'s argument: the pair's condition on this alert's series."""
    sel = conv.slo_series_selector(labels)
    by = tuple(slo.sli.by)
    if by:   # the alert's own series: its by labels from $labels (printf %q quotes as PromQL reads it)
        sel = sel[:-1] + "".join(f",{name}=%[{i}]q" for i, name in enumerate(by, 1)) + "}"
    cond = f"{ratio(short, sel)} > {threshold} and {ratio(long, sel)} > {threshold}"
    if not by:
        return f"query `{cond}`"
    return f"query (printf `{cond}` " + " ".join(f"$labels.{name}" for name in by) + ")"


def windows_above(slo: SLO, tier: Tier, labels: Labels, ratio: Ratio = _recorded) -> str:
    """A template listing the tier's window pairs above their threshold now, e.g. ``1h and 5m at 14.4x``."""
    budget = fmt_number(slo.error_budget)
    out = ['{{ $sep := "" }}']
    for w in tier.windows:
        factor = fmt_number(w.factor_for(slo.period))
        query = _pair_query(slo, labels, w.short, w.long, f"({factor} * {budget})", ratio)
        out.append(f'{{{{ if {query} }}}}{{{{ $sep }}}}{w.long} and {w.short} above {factor}x'
                   '{{ $sep = ", " }}{{ end }}')
    return "".join(out)


def tier_annotations(slo: SLO, tier: Tier, labels: Labels, phrases: Sequence[str],
                     settings: Optional[Settings] = None, ratio: Ratio = _recorded) -> Tuple[Tuple[str, str], ...]:
    """summary (burn rate, error ratio), description (windows above threshold, what the tier fires
    on), runbook_url, dashboard_url; ``phrases``: the tier's windows in words; ``ratio``: each window
    as the alert reads it."""
    burn = _BURN.format(budget=fmt_number(slo.error_budget))
    annotations = [
        ("summary", f"{slo.service} {slo.name} SLO is burning its error budget at {burn}x ({_RATIO} errors)"),
        ("description", f"The {slo.name} SLO of {slo.service} ({fmt_number(slo.objective)}% over {slo.period}) "
                        f"is spending its error budget at {burn}x the rate that would spend it in {slo.period}: "
                        f"{_RATIO} of events failed over the short window. Above their threshold now: "
                        f"{windows_above(slo, tier, labels, ratio)}. The {tier.name} fires at "
                        + ", or ".join(phrases) + "."),
    ] + _links(slo, settings)
    return tuple(sorted(annotations))


def absent_annotations(slo: SLO, settings: Optional[Settings] = None) -> Tuple[Tuple[str, str], ...]:
    annotations = [
        ("summary", f"{slo.service} {slo.name} SLO has no SLI data"),
        ("description", f"No series match the SLI of the {slo.name} SLO of {slo.service} for "
                        f"{slo.alerting.absent_for}: its burn-rate alerts cannot fire."),
    ] + _links(slo, settings)
    return tuple(sorted(annotations))

