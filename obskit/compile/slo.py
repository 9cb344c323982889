"""SLO → recording and alerting rules, as a chain of small steps: windows, metadata, alerts."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from obskit.compile import conventions as conv
from obskit.compile import slo_annotations
from obskit.compile.ir import AlertingRule, Labels, RecordingRule, RuleGroup
from obskit.compile.sli import queries
from obskit.compile.windows import derived_ratio, errors_in_window, events_in_window, window_rules
from obskit.duration import Duration
from obskit.model.policy import Tier
from obskit.model.slo import SLO
from obskit.policy import quiet
from obskit.project import Settings, alert_namespace
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
    evaluation_interval: int = 60          # seconds (Settings.evaluation_interval): the budget group's is slower

    def groups(self) -> Tuple[RuleGroup, ...]:
        """The rule groups, none above :data:`~obskit.compile.conventions.MAX_RULES_PER_GROUP` rules.

        ``<slo>-sli``: the pre-aggregated base rates, then each fast tier's alert, then the absent alert:
        only what an alert reads runs at the project's interval. A fast tier's alert computes its windows
        inline from the base rates (:func:`inline_windows`, :func:`window_ratio`): at the same instant, on
        the same base-rate samples and with the same thresholds as an alert reading windows recorded just
        before it, so it fires exactly when that alert would, at 4 queries per SLO and evaluation instead
        of 8 (2 base rates, the page alert, the absent alert). A window it cannot derive from the base
        rates (one up to the base window, the raw shape) is recorded in this group before the alert that
        reads it. Within a group rules run in order; groups run concurrently, so a rule reading a series
        recorded in another group sees it up to one interval late; that happens only when the chain needs
        more than one group (``-sli-2``, ...: over 20 rules) and for the slow group.

        ``<slo>-slow``, evaluated every :data:`~obskit.compile.conventions.SLO_SLOW_INTERVAL`: the
        windows and alert of each slow tier (shortest short window at least
        :data:`~obskit.compile.conventions.SLOW_TIER_SHORT_WINDOW`, e.g. the ticket tier: its decisions
        take hours, a 4m step is at most 1/15 of its shortest window; it reads the windows recorded just
        before it), then the fast tiers' windows (``slo:sli_error:ratio_rate5m`` ..., for dashboards and
        ``obskit status`` only), the period window (the costliest rule: ``sum_over_time`` over a month of
        recorded samples) and the objective, budget, current and period burn rate figures, which only
        dashboards read (at most 4m old on a dashboard). When the evaluation interval is not faster than
        that, there is no slow interval: every alert reads the recorded windows (computing them inline too
        would evaluate them twice), which are in the ``-sli`` chain before it.
        """
        cached = self.__dict__.get("_groups")
        if cached is None:
            cached = _plan_groups(self)
            self.__dict__["_groups"] = cached     # frozen dataclass: cache beside the fields
        return cached

    def alert_for(self, tier: str) -> AlertingRule:
        return dict(self.tier_alerts)[tier]

    def windows_for(self, tier: str) -> Tuple[RecordingRule, ...]:
        """The window rules a tier's alert reads, with the rules those read, in evaluation order (for an
        alert computing its windows inline, the base rates only)."""
        needed = _Reads(self.window_rules).closure([self.alert_for(tier)])
        return tuple(r for r in self.window_rules if r.record in needed)

    def reads(self, rule) -> frozenset:
        """The records of this SLO's window rules that ``rule``'s expression selects directly: a window
        an alert does not read it computes inline (:func:`window_ratio`)."""
        return frozenset(_Reads(self.window_rules).read_by(rule.expr))


# metric names written with a selector (a match starts only where a name can start: 40 % faster)
_SELECTED = re.compile(r"(?<![A-Za-z0-9_:])([A-Za-z_:][A-Za-z0-9_:]*)\{")


class _Reads:
    """Which of an SLO's window rules each expression reads, worked out once per SLO."""

    def __init__(self, rules: Sequence):
        self.names = {r.record for r in rules}
        self._read: dict = {}          # expression → what it reads (an alert is asked about several times)
        self.direct = {r.record: self.read_by(r.expr) for r in rules}

    def read_by(self, expr: str) -> set:
        """The records ``expr`` selects (generated selectors always carry matchers), in one scan."""
        found = self._read.get(expr)
        if found is None:
            found = self._read[expr] = self.names.intersection(_SELECTED.findall(expr))
        return found

    def closure(self, readers: Sequence) -> set:
        """Records that ``readers`` read, directly or through one another."""
        needed: set = set()
        frontier = [n for r in readers for n in self.read_by(r.expr)]
        while frontier:
            name = frontier.pop()
            if name not in needed:
                needed.add(name)
                frontier.extend(self.direct[name] - needed)
        return needed


def pack(units: Sequence[Sequence], limit: int = conv.MAX_RULES_PER_GROUP) -> List[List]:
    """Deterministic first-fit in order: a unit (rules that belong together, readers after what they
    read) goes whole into the current chunk if it fits, else opens a new chunk; only a unit larger than
    ``limit`` is cut."""
    chunks: List[List] = [[]]
    for unit in units:
        if not unit:
            continue
        if len(chunks[-1]) + len(unit) > limit and len(unit) <= limit:
            chunks.append([])
        for rule in unit:
            if len(chunks[-1]) >= limit:
                chunks.append([])
            chunks[-1].append(rule)
    return [c for c in chunks if c]


def slow_interval(evaluation_interval: int) -> Optional[Duration]:
    """The slow group's interval, or None when the project's evaluation interval is not faster."""
    return conv.SLO_SLOW_INTERVAL if conv.SLO_SLOW_INTERVAL.seconds > evaluation_interval else None


def slow_tiers(slo: SLO, evaluation_interval: int) -> frozenset:
    """The tiers whose alert runs in the slow group (shortest short window at least
    :data:`~obskit.compile.conventions.SLOW_TIER_SHORT_WINDOW`); none when there is no slow group."""
    if slow_interval(evaluation_interval) is None:
        return frozenset()
    return frozenset(t.name for t in slo.alerting.tiers
                     if t.windows and min(w.short.seconds for w in t.windows) >= conv.SLOW_TIER_SHORT_WINDOW.seconds)


def inline_windows(slo: SLO, tier: Tier, evaluation_interval: int) -> bool:
    """Whether the tier's alert computes its windows inline from the base rates: a fast tier when a
    slow group exists, which records the windows for dashboards only. Without a slow group every rule
    runs at the project's interval and reading the recorded windows is cheaper; a slow tier reads the
    windows recorded just before it in its own group."""
    return slow_interval(evaluation_interval) is not None and tier.name not in slow_tiers(slo, evaluation_interval)


def _plan_groups(c: "CompiledSLO") -> Tuple[RuleGroup, ...]:
    s = c.slo
    interval = slow_interval(c.evaluation_interval)
    slow_tiers_ = slow_tiers(s, c.evaluation_interval)
    # only alerts run at the project's interval; every figure the dashboards read (the current burn
    # rate too) is in the slow group: one rule and one series fewer per SLO and evaluation
    tail = [c.absent_alert] if c.absent_alert else []
    graph = _Reads(c.window_rules)
    fast = graph.closure([a for n, a in c.tier_alerts if n not in slow_tiers_] + tail)
    placed: set = set()

    def take(names) -> list:
        out = [r for r in c.window_rules if r.record in names and r.record not in placed]
        placed.update(r.record for r in out)
        return out

    # the base rates (window rules other window rules read) first, then the fast tiers, each with
    # the windows it reads, so that no fast alert reads a window from the slow group
    units = [take({r.record for r in c.window_rules if r.record in fast
                   and any(r.record in d for d in graph.direct.values())})]
    for name, alert in c.tier_alerts:
        if name not in slow_tiers_:
            units.append(take(graph.closure([alert])) + [alert])
    units.append(take(graph.closure(tail)) + tail)
    units.append(take(fast))                                   # nothing left in practice
    slow_units = [take(graph.closure([alert])) + [alert]
                  for name, alert in c.tier_alerts if name in slow_tiers_]
    rest = [r for r in c.window_rules if r.record not in placed]
    rest += list(c.metadata_rules)

    out = [RuleGroup(conv.slo_group(s.service, s.name, conv.slo_group_part(conv.SLO_GROUP_ALERTING, i)), tuple(g))
           for i, g in enumerate(pack(units))]
    out += [RuleGroup(conv.slo_group(s.service, s.name, conv.slo_group_part(conv.SLO_GROUP_SLOW, i)), tuple(g),
                      interval=interval)
            for i, g in enumerate(pack(slow_units + [rest]))]
    return tuple(out)


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


def window_ratio(slo: SLO, window: Duration, sel: str, settings: Settings, inline: bool) -> str:
    """What an alert compares with its threshold for one window: the recorded
    ``slo:sli_error:ratio_rate<w>`` on ``sel``, or (``inline``, for a window derived from the base
    rates) the same ratio computed in the alert's own expression, from the same base-rate samples at
    the same instant (obskit/compile/windows.py derived_ratio: above a positive threshold exactly when
    the recorded window is)."""
    derived = derived_ratio(slo, window, sel, scrape_interval=settings.scrape_interval,
                            evaluation_interval=settings.evaluation_interval) if inline else None
    if derived is None:
        return f"{conv.error_ratio_record(window)}{sel}"
    num, den = derived
    return f"{num} / ({den} > 0)"


def tier_alert(slo: SLO, tier: Tier, labels: Labels, settings: Optional[Settings] = None,
               inline: bool = False) -> AlertingRule:
    """A tier's burn-rate alert; ``inline``: it computes its windows from the base rates itself
    (:func:`inline_windows`), reading no recorded window."""
    settings = settings or Settings()
    sel = _series_selector(labels)
    budget = fmt_number(slo.error_budget)
    conditions, phrases = [], []

    def ratio(window: Duration, selector: str) -> str:
        return window_ratio(slo, window, selector, settings, inline)

    for w in tier.windows:
        factor = fmt_number(w.factor_for(slo.period))
        threshold = f"({factor} * {budget})"
        parts = [f"{ratio(w.short, sel)} > {threshold}", f"{ratio(w.long, sel)} > {threshold}"]
        guard = quiet.guard_for(slo)    # obskit/policy/quiet.py: errors (default) or min_events
        if guard is not None:
            count = (events_in_window if guard.kind == "events" else errors_in_window)(
                slo, w.long, labels, scrape_interval=settings.scrape_interval,
                evaluation_interval=settings.evaluation_interval)
            parts.append(f"on({', '.join(slo.sli.by)}) ({count} >= {fmt_number(guard.threshold)})")
        conditions.append("(\n  " + "\n  and\n  ".join(parts) + "\n)")
        lasts = _human(slo.period.seconds / w.factor_for(slo.period))
        phrases.append(f"{factor}x over {w.long} and {w.short} (the {slo.period} budget would last {lasts})")
    return AlertingRule(
        alert=slo.alert_name or conv.burn_alert_name(slo.service, slo.name),
        expr="\nor\n".join(conditions),
        labels=tuple(sorted(((conv.LABEL_SEVERITY, tier.severity), (conv.LABEL_TIER, tier.name))
                            + routing_labels(slo, settings) + tier.labels)),
        annotations=_replaced(slo_annotations.tier_annotations(slo, tier, labels, phrases, settings, ratio),
                              tier.annotations),
    )


def _replaced(generated: Labels, given: Labels) -> Labels:
    """obskit's annotations with those the tier gives put in their place (or added)."""
    mine = dict(given)
    return tuple(sorted([(k, v) for k, v in generated if k not in mine] + list(given)))


def routing_labels(slo: SLO, settings: Optional[Settings]) -> Labels:
    """``namespace="<ns>"`` when the AlertmanagerConfig's namespace matcher needs it (docs/kubernetes.md);
    not for an SLO whose series keep a ``namespace`` label (``by``): one rule label would merge them."""
    if settings is None or not settings.kubernetes.namespace_label or "namespace" in slo.sli.by:
        return ()
    namespace = alert_namespace(settings)
    return (("namespace", namespace),) if namespace else ()


def absent_alert(slo: SLO, settings: Optional[Settings] = None) -> Optional[AlertingRule]:
    policy = slo.alerting
    presence = queries(slo.sli).presence()
    if policy.absent_for is None:
        return None
    if presence is None:
        expr = f"absent({conv.error_ratio_record(conv.CURRENT_WINDOW)}{_series_selector(conv.slo_labels(slo.service, slo.name))})"
    else:
        expr = f"absent({presence})"
    return AlertingRule(
        alert=conv.absent_alert_name(slo.service, slo.name), expr=expr, for_=policy.absent_for,
        labels=tuple(sorted(conv.slo_labels(slo.service, slo.name) + ((conv.LABEL_SEVERITY, policy.absent_severity),)
                            + routing_labels(slo, settings))),
        annotations=slo_annotations.absent_annotations(slo, settings),
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
        tier_alerts=tuple((t.name, tier_alert(slo, t, labels, settings,
                                              inline_windows(slo, t, settings.evaluation_interval)))
                          for t in slo.alerting.tiers),
        absent_alert=absent_alert(slo, settings),
        evaluation_interval=settings.evaluation_interval,
    )
