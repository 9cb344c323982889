"""SLO → recording and alerting rules, as a chain of small steps: windows, metadata, alerts."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from obskit.compile import conventions as conv
from obskit.compile.ir import AlertingRule, Labels, RecordingRule, RuleGroup
from obskit.compile.sli import queries
from obskit.compile.windows import events_in_window, window_rules
from obskit.duration import Duration
from obskit.model.policy import Tier
from obskit.model.slo import SLO
from obskit.project import Settings
from obskit.promql import by_clause, fmt_number


@dataclass(frozen=True)
class CompiledSLO:
    """Everything generated for one SLO, kept apart so tests can pick the rules they need."""

    slo: SLO
    series_labels: Labels                  # labels on every recorded series of this SLO
    window_rules: Tuple[RecordingRule, ...]
    metadata_rules: Tuple[RecordingRule, ...]
    tier_alerts: Tuple[Tuple[str, AlertingRule], ...]   # (tier name, alert)
    absent_alert: Optional[AlertingRule]

    def groups(self) -> Tuple[RuleGroup, ...]:
        s = self.slo
        out = [RuleGroup(conv.slo_group(s.service, s.name, "sli"), self.window_rules),
               RuleGroup(conv.slo_group(s.service, s.name, "meta"), self.metadata_rules)]
        alerts = tuple(a for _, a in self.tier_alerts) + ((self.absent_alert,) if self.absent_alert else ())
        if alerts:
            out.append(RuleGroup(conv.slo_group(s.service, s.name, "alerts"), alerts))
        return tuple(out)

    def alert_for(self, tier: str) -> AlertingRule:
        return dict(self.tier_alerts)[tier]

    def windows_for(self, tier: str) -> Tuple[RecordingRule, ...]:
        """The window rules a tier's alert reads, with the rules those read, in evaluation order."""
        needed = {r.record for r in self.window_rules if f"{r.record}{{" in self.alert_for(tier).expr}
        for r in reversed(self.window_rules):
            if r.record in needed:
                needed |= {o.record for o in self.window_rules if f"{o.record}{{" in r.expr}
        return tuple(r for r in self.window_rules if r.record in needed)


def windows_needed(slo: SLO) -> Tuple[Duration, ...]:
    ws = {conv.CURRENT_WINDOW, slo.period}
    for tier in slo.alerting.tiers:
        for w in tier.windows:
            ws.update((w.long, w.short))
    return tuple(sorted(ws))


def _series_selector(labels: Labels) -> str:
    return conv.slo_series_selector(labels)


def metadata_rules(slo: SLO, labels: Labels) -> Tuple[RecordingRule, ...]:
    sel = _series_selector(labels)
    budget = fmt_number(slo.error_budget)
    return (
        RecordingRule(conv.OBJECTIVE, f"vector({fmt_number(slo.objective / 100)})", labels),
        RecordingRule(conv.ERROR_BUDGET, f"vector({budget})", labels),
        RecordingRule(conv.PERIOD_DAYS, f"vector({fmt_number(slo.period.days)})", labels),
        RecordingRule(conv.CURRENT_BURN_RATE,
                      f"{conv.error_ratio_record(conv.CURRENT_WINDOW)}{sel} / {budget}", labels),
        RecordingRule(conv.PERIOD_BURN_RATE, f"{conv.error_ratio_record(slo.period)}{sel} / {budget}", labels),
        RecordingRule(conv.BUDGET_REMAINING, f"1 - {conv.PERIOD_BURN_RATE}{sel}", labels),
    )


def _human(seconds: float) -> str:
    return str(Duration(max(60, int(seconds // 60) * 60)))


def tier_alert(slo: SLO, tier: Tier, labels: Labels, settings: Optional[Settings] = None) -> AlertingRule:
    settings = settings or Settings()
    sel = _series_selector(labels)
    budget = fmt_number(slo.error_budget)
    q = queries(slo.sli)
    conditions, phrases = [], []
    for w in tier.windows:
        factor = fmt_number(w.factor_for(slo.period))
        threshold = f"({factor} * {budget})"
        parts = [f"{conv.error_ratio_record(w.short)}{sel} > {threshold}",
                 f"{conv.error_ratio_record(w.long)}{sel} > {threshold}"]
        if slo.alerting.min_events is not None:
            events = events_in_window(slo, w.long, labels, scrape_interval=settings.scrape_interval,
                                      evaluation_interval=settings.evaluation_interval)
            parts.append(f"on({', '.join(slo.sli.by)}) ({events} >= {fmt_number(slo.alerting.min_events)})"
                         if slo.sli.by else f"on() ({events} >= {fmt_number(slo.alerting.min_events)})")
        conditions.append("(\n  " + "\n  and\n  ".join(parts) + "\n)")
        lasts = _human(slo.period.seconds / w.factor_for(slo.period))
        phrases.append(f"{factor}x over {w.long} and {w.short} (the {slo.period} budget would last {lasts})")
    annotations = [
        ("summary", f"{slo.service} {slo.name} SLO is burning its error budget too fast"),
        ("description", f"The {slo.name} SLO of {slo.service} ({fmt_number(slo.objective)}% over "
                        f"{slo.period}) is spending its error budget at " + ", or ".join(phrases) + "."),
    ]
    if slo.runbook_url:
        annotations.append(("runbook_url", slo.runbook_url))
    return AlertingRule(
        alert=slo.alert_name or conv.burn_alert_name(slo.service, slo.name),
        expr="\nor\n".join(conditions),
        labels=tuple(sorted(((conv.LABEL_SEVERITY, tier.severity), (conv.LABEL_TIER, tier.name)))),
        annotations=tuple(sorted(annotations)),
    )


def absent_alert(slo: SLO) -> Optional[AlertingRule]:
    policy = slo.alerting
    presence = queries(slo.sli).presence()
    if policy.absent_for is None:
        return None
    if presence is None:
        expr = f"absent({conv.error_ratio_record(conv.CURRENT_WINDOW)}{_series_selector(conv.slo_labels(slo.service, slo.name))})"
    else:
        expr = f"absent({presence})"
    annotations = [
        ("summary", f"{slo.service} {slo.name} SLO has no SLI data"),
        ("description", f"No series match the SLI of the {slo.name} SLO of {slo.service} for "
                        f"{policy.absent_for}: its burn-rate alerts cannot fire."),
    ]
    if slo.runbook_url:
        annotations.append(("runbook_url", slo.runbook_url))
    return AlertingRule(
        alert=conv.absent_alert_name(slo.service, slo.name), expr=expr, for_=policy.absent_for,
        labels=tuple(sorted(conv.slo_labels(slo.service, slo.name) + ((conv.LABEL_SEVERITY, policy.absent_severity),))),
        annotations=tuple(sorted(annotations)),
    )


def compile_slo(slo: SLO, settings: Optional[Settings] = None) -> CompiledSLO:
    settings = settings or Settings()
    labels = tuple(sorted(conv.slo_labels(slo.service, slo.name) + tuple(slo.labels)))
    return CompiledSLO(
        slo=slo,
        series_labels=labels,
        window_rules=window_rules(slo, windows_needed(slo), labels, scrape_interval=settings.scrape_interval,
                                  evaluation_interval=settings.evaluation_interval),
        metadata_rules=metadata_rules(slo, labels),
        tier_alerts=tuple((t.name, tier_alert(slo, t, labels, settings)) for t in slo.alerting.tiers),
        absent_alert=absent_alert(slo),
    )
