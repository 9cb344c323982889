"""The other generators' rule shapes, made by the benchmark from obskit's own SLO definitions.

Written from their documented, generated output (not their code):

- **Sloth** (github.com/slok/sloth, ``examples/_gen/getting-started.yml``): three groups per SLO at the
  global evaluation interval. ``sloth-slo-sli-recordings-<id>``: ``slo:sli_error:ratio_rate<w>`` for every
  window the alerts read, each ``sum(rate(errors[w])) / sum(rate(total[w]))`` over the raw series, and the
  period window as the mean of the 5m ratio (``sum_over_time(...[30d]) / count_over_time(...[30d])``);
  ``sloth-slo-meta-recordings-<id>``: objective, error budget, period days, current and period burn rate,
  remaining budget, ``sloth_slo_info``; ``sloth-slo-alerts-<id>``: the page and ticket alerts,
  ``(short > F*EB and long > F*EB) or (...)`` over the recorded windows. 17 rules per SLO.
- **Pyrra** (github.com/pyrra-dev/pyrra, ``slo/rules.go``'s generated groups, as its tests show them):
  ``<slo>-increase`` at 2m30s for a 28-35 d window (its "increase" rules, the ones PR #139 moved to a
  slower group for CPU): ``<metric>:increase<period>`` = ``sum by (code) (increase(total[<period>]))``
  and the ``SLOMetricAbsent`` alert; ``<slo>`` at 30s: ``<metric>:burnrate<w>`` per window, each
  ``sum(rate(errors[w])) / sum(rate(total[w]))``, and one ``ErrorBudgetBurn`` alert per window pair with
  ``for`` (2m, 15m, 1h, 3h at 28 d, scaled with the period). 13 rules per SLO.

Both take the windows and burn factors from the obskit SLO (its tiers), so the three shapes decide on
the same windows; only the way each one computes them differs.
"""
from __future__ import annotations

from typing import List, Tuple

from obskit.compile.ir import AlertingRule, RecordingRule, RuleGroup
from obskit.duration import Duration
from obskit.model.slo import SLO
from obskit.promql import fmt_number


def _pairs(slo: SLO) -> List[Tuple[str, Duration, Duration, float]]:
    """(tier name, long, short, factor) for every window pair of the SLO's tiers."""
    return [(t.name, w.long, w.short, w.factor_for(slo.period)) for t in slo.alerting.tiers for w in t.windows]


def _windows(slo: SLO) -> List[Duration]:
    return sorted({d for _, long, short, _ in _pairs(slo) for d in (long, short)})


def sloth_groups(slo: SLO) -> Tuple[RuleGroup, ...]:
    sid = f"{slo.service}-{slo.name}"
    labels = (("sloth_id", sid), ("sloth_service", slo.service), ("sloth_slo", slo.name))
    sel = "{" + ", ".join(f'{k}="{v}"' for k, v in labels) + "}"
    errors, total = str(slo.sli.errors), str(slo.sli.total)
    budget = fmt_number(slo.error_budget)
    sli = [RecordingRule(f"slo:sli_error:ratio_rate{w}",
                         f"(sum(rate({errors}[{w}])))\n/\n(sum(rate({total}[{w}])))",
                         labels + (("sloth_window", str(w)),)) for w in _windows(slo)]
    short = f"slo:sli_error:ratio_rate5m{sel}[{slo.period}]"
    sli.append(RecordingRule(f"slo:sli_error:ratio_rate{slo.period}",
                             f"sum_over_time({short})\n/ ignoring (sloth_window)\ncount_over_time({short})",
                             (("sloth_window", str(slo.period)),)))
    on = "on(sloth_id, sloth_slo, sloth_service) group_left"
    meta = [
        RecordingRule("slo:objective:ratio", f"vector({fmt_number(slo.objective / 100)})", labels),
        RecordingRule("slo:error_budget:ratio", f"vector(1-{fmt_number(slo.objective / 100)})", labels),
        RecordingRule("slo:time_period:days", f"vector({fmt_number(slo.period.days)})", labels),
        RecordingRule("slo:current_burn_rate:ratio",
                      f"slo:sli_error:ratio_rate5m{sel}\n/ {on}\nslo:error_budget:ratio{sel}", labels),
        RecordingRule("slo:period_burn_rate:ratio",
                      f"slo:sli_error:ratio_rate{slo.period}{sel}\n/ {on}\nslo:error_budget:ratio{sel}", labels),
        RecordingRule("slo:period_error_budget_remaining:ratio", f"1 - slo:period_burn_rate:ratio{sel}", labels),
        RecordingRule("sloth_slo_info", "vector(1)", labels + (("sloth_mode", "cli-gen-prom"),)),
    ]
    alerts = []
    for tier in slo.alerting.tiers:
        parts = []
        for w in tier.windows:
            th = f"({fmt_number(w.factor_for(slo.period))} * {budget})"
            parts.append(f"(\n    (slo:sli_error:ratio_rate{w.short}{sel} > {th})\n    and ignoring (sloth_window)\n"
                         f"    (slo:sli_error:ratio_rate{w.long}{sel} > {th})\n)")
        alerts.append(AlertingRule(f"{slo.service.title()}{slo.name.title()}SLO",
                                   "\nor ignoring (sloth_window)\n".join(parts),
                                   labels=(("sloth_severity", tier.name),)))
    return (RuleGroup(f"sloth-slo-sli-recordings-{sid}", tuple(sli)),
            RuleGroup(f"sloth-slo-meta-recordings-{sid}", tuple(meta)),
            RuleGroup(f"sloth-slo-alerts-{sid}", tuple(alerts)))


#: Pyrra's ``for`` per window pair at a 28-day window (scaled linearly with the period)
_PYRRA_FOR_28D = (Duration(120), Duration(900), Duration(3600), Duration(3 * 3600))


def _pyrra_increase_interval(period: Duration) -> Duration:
    """Pyrra's increase-group interval: 30s below 7 days, then 30s more per week, at most 4m."""
    weeks = period.seconds // (7 * 86400)
    return Duration(min(240, 30 * (weeks + 1)))


def pyrra_groups(slo: SLO) -> Tuple[RuleGroup, ...]:
    name = f"{slo.service}-{slo.name}"
    total, errors = slo.sli.total, slo.sli.errors
    metric = total.metric[:-len("_total")] if total.metric.endswith("_total") else total.metric
    equal = tuple((m.name, m.value) for m in total.matchers if m.op == "=")
    labels = tuple(sorted(equal + (("slo", name),)))
    grouping = sorted({m.name for m in errors.matchers} - {m.name for m in total.matchers})
    by = f" by ({', '.join(grouping)})" if grouping else ""
    increase = (RecordingRule(f"{metric}:increase{slo.period}", f"sum{by} (increase({total}[{slo.period}]))", labels),
                AlertingRule("SLOMetricAbsent", f"absent({total}) == 1", for_=Duration(120),
                             labels=tuple(sorted(labels + (("severity", "critical"),)))))
    rates = [RecordingRule(f"{metric}:burnrate{w}", f"sum(rate({errors}[{w}])) / sum(rate({total}[{w}]))", labels)
             for w in _windows(slo)]
    sel = "{" + ",".join(f'{k}="{v}"' for k, v in labels) + "}"
    alerts = []
    for i, (tier, long, short, factor) in enumerate(_pairs(slo)):
        th = f"({fmt_number(factor)} * (1-{fmt_number(slo.objective / 100)}))"
        pending = Duration(max(60, round(_PYRRA_FOR_28D[min(i, 3)].seconds * slo.period.seconds / (28 * 86400) / 60) * 60))
        alerts.append(AlertingRule(
            "ErrorBudgetBurn", f"{metric}:burnrate{short}{sel} > {th} and {metric}:burnrate{long}{sel} > {th}",
            for_=pending, labels=tuple(sorted(labels + (("long", str(long)), ("short", str(short)),
                                                         ("severity", "critical" if tier == "page" else "warning"))))))
    return (RuleGroup(f"{name}-increase", increase, interval=_pyrra_increase_interval(slo.period)),
            RuleGroup(name, tuple(rates + alerts), interval=Duration(30)))
