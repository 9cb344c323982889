"""Alertmanager definition (+ the project's SLOs) → intermediate model of ``alertmanager.yml``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import FrozenSet, Optional, Tuple

from obskit.compile import conventions as conv
from obskit.duration import Duration
from obskit.location import Location
from obskit.model.alertmanager import Alertmanager, Inhibit, Matcher, Route, RouteTest
from obskit.project import Project
from obskit.promql_ast import LabelSet, output_labels, parsed

@dataclass(frozen=True)
class AMRoute:
    receiver: Optional[str]
    matchers: Tuple[Matcher, ...] = ()
    group_by: Optional[Tuple[str, ...]] = None
    continue_: bool = False
    group_wait: Optional[Duration] = None
    group_interval: Optional[Duration] = None
    repeat_interval: Optional[Duration] = None
    mute_time_intervals: Tuple[str, ...] = ()
    active_time_intervals: Tuple[str, ...] = ()
    routes: Tuple["AMRoute", ...] = ()


@dataclass(frozen=True)
class AMInhibit:
    source: Tuple[Matcher, ...]
    target: Tuple[Matcher, ...]
    equal: Tuple[str, ...]
    generated: bool = False


@dataclass(frozen=True)
class AMPeriod:
    times: Tuple[Tuple[str, str], ...] = ()
    weekdays: Tuple[str, ...] = ()
    days_of_month: Tuple[str, ...] = ()
    months: Tuple[str, ...] = ()
    years: Tuple[str, ...] = ()
    location: Optional[str] = None


@dataclass(frozen=True)
class AMTimeInterval:
    name: str
    periods: Tuple[AMPeriod, ...]


@dataclass(frozen=True)
class AMIntegration:
    kind: str                                  # e.g. "slack_configs"
    fields: Tuple[Tuple[str, object], ...]     # (Alertmanager field, Value); Secret → "<field>_file"


@dataclass(frozen=True)
class AMReceiver:
    name: str
    integrations: Tuple[AMIntegration, ...]


@dataclass(frozen=True)
class AMTemplate:
    name: str
    path: str                                  # relative to alertmanager.yml
    text: str


@dataclass(frozen=True)
class AMRouteTest:
    name: str
    labels: Tuple[Tuple[str, str], ...]
    receivers: Tuple[str, ...]
    location: Location = field(compare=False)


@dataclass(frozen=True)
class AlertmanagerIR:
    global_fields: Tuple[Tuple[str, object], ...]
    route: AMRoute
    inhibit_rules: Tuple[AMInhibit, ...]
    receivers: Tuple[AMReceiver, ...]
    time_intervals: Tuple[AMTimeInterval, ...]
    templates: Tuple[AMTemplate, ...]
    secrets_dir: str
    route_tests: Tuple[AMRouteTest, ...] = ()
    sources: Tuple[Location, ...] = field(default=(), compare=False)

    @property
    def generated_inhibit_rules(self) -> Tuple[AMInhibit, ...]:
        return tuple(r for r in self.inhibit_rules if r.generated)


def compile_route(r: Route) -> AMRoute:
    return AMRoute(
        receiver=r.receiver_name, matchers=r.matchers, group_by=r.group_by, continue_=r.continue_,
        group_wait=r.group_wait, group_interval=r.group_interval, repeat_interval=r.repeat_interval,
        mute_time_intervals=r.mute_time_intervals, active_time_intervals=r.active_time_intervals,
        routes=tuple(compile_route(c) for c in r.routes),
    )


def _inhibit(rule: Inhibit, generated: bool = False) -> AMInhibit:
    return AMInhibit(rule.source, rule.target, rule.equal, generated)


@dataclass(frozen=True)
class KnownAlert:
    """What obskit knows of the labels of one alert the project's rules send: ``values`` (labels of
    known value: ``alertname``, rule, group and SLO series labels, external labels common to every
    Prometheus), ``carried`` (labels it always has, also of unknown value) and ``possible`` (the
    labels it may have at all, from its expression: :class:`obskit.promql_ast.LabelSet`)."""

    name: str
    location: Optional[Location]
    values: Tuple[Tuple[str, str], ...]
    carried: FrozenSet[str]
    possible: object                       # LabelSet
    tier: Optional[str] = None             # an SLO's page/ticket alert
    generated: bool = False

    def may_carry(self, label: str) -> bool:
        return label in self.carried or self.possible.has(label)

    def decide(self, m: Matcher) -> Optional[bool]:
        """Whether the alert matches ``m``: True/False when obskit knows, None when the label comes
        from the series and its value is known only at run time."""
        values = dict(self.values)
        if m.name in values:
            return m.matches(values)
        if not self.may_carry(m.name):
            return m.matches({})
        return None

    def matches(self, matchers: Tuple[Matcher, ...]) -> bool:
        """True when the alert surely matches every matcher."""
        return all(self.decide(m) is True for m in matchers)


def external_labels(project: Project) -> Tuple[FrozenSet[str], Tuple[Tuple[str, str], ...]]:
    """The external labels every rule-evaluating Prometheus of the project adds to its alerts (names),
    and those of them with one value everywhere. Nothing when the project describes no Prometheus."""
    from obskit.model.prometheus_config import PrometheusConfig
    configs = [c for c in project.of(PrometheusConfig) if c.rule_files]
    if not configs:
        return frozenset(), ()
    names = frozenset.intersection(*(frozenset(k for k, _ in c.external_labels) for c in configs))
    same = tuple(sorted((k, v) for k, v in configs[0].external_labels
                        if k in names and all(dict(c.external_labels)[k] == v for c in configs)))
    return names, same


def _merged(*pairs) -> dict:
    """Label pairs merged in order (a later source wins, as rule labels override series labels)."""
    out: dict = {}
    for items in pairs:
        out.update(items)
    return out


def known_alerts(project: Project) -> Tuple[KnownAlert, ...]:
    """Every alert the project's rules send (hand-written groups and SLOs), with its labels as far as
    obskit knows them."""
    from obskit.compile.project import compiled_slo
    from obskit.compile.rules import compile_rule
    from obskit.model import rules as model

    ext_names, ext_values = external_labels(project)
    out = []
    for g in project.of(model.RuleGroup):
        for r in g.alerts:
            rule = compile_rule(r)
            values = _merged(ext_values, g.labels, rule.labels, (("alertname", rule.alert),))
            ast = parsed(rule.expr)
            possible = output_labels(ast) if ast is not None else LabelSet.anything()
            carried = frozenset(values) | ext_names
            out.append(KnownAlert(rule.alert, r.location, tuple(sorted(values.items())), carried,
                                  possible.add(carried)))
    for slo in project.slos:
        try:
            c = compiled_slo(slo, project.settings)
        except Exception:  # noqa: BLE001 - an invalid SLO was reported by its model
            continue
        alerts = [(tier, a) for tier, a in c.tier_alerts] + ([(None, c.absent_alert)] if c.absent_alert else [])
        for tier, a in alerts:
            series = dict(c.series_labels) if tier else {}
            values = _merged(ext_values, series.items(), a.labels, (("alertname", a.alert),))
            carried = frozenset(values) | ext_names
            if tier:      # the SLO's recorded series: its labels and the SLI's by labels, nothing else
                possible = LabelSet.only(carried | frozenset(slo.sli.by))
            else:         # absent(...): the selector's equality labels
                ast = parsed(a.expr)
                possible = (output_labels(ast) if ast is not None else LabelSet.anything()).add(carried)
            out.append(KnownAlert(a.alert, slo.location, tuple(sorted(values.items())), carried, possible,
                                  tier=tier, generated=True))
    return tuple(out)


def generated_inhibitions(project: Project) -> Tuple[AMInhibit, ...]:
    """A page inhibits the ticket of the same SLO, and nothing else.

    Scoped to obskit's own alerts (``obskit_tier`` is on SLO alerts only), ``equal`` on labels both
    sides carry: ``obskit_service``, ``obskit_slo``, the SLI's ``by`` labels and the scope labels
    (``cluster``, ``namespace``) the SLO alerts carry. Alertmanager counts a label missing on both sides
    as equal, so SLOs that differ in these labels get a rule each, kept apart by matchers: ``L!=""``
    for the labels of the rule, ``L=""`` for those only other rules compare."""
    keys = set()
    tiers: dict = {}
    for a in known_alerts(project):
        if a.tier in (conv.TIER_PAGE, conv.TIER_TICKET):
            tiers.setdefault((dict(a.values)[conv.LABEL_SERVICE], dict(a.values)[conv.LABEL_SLO]), []).append(a)
    slos = {(s.service, s.name): s for s in project.slos}
    for key, alerts in tiers.items():
        if {a.tier for a in alerts} != {conv.TIER_PAGE, conv.TIER_TICKET}:
            continue
        carried = frozenset.intersection(*(a.carried for a in alerts))
        keys.add(tuple(sorted(set(slos[key].sli.by) | (set(conv.INHIBIT_SCOPE_LABELS) & carried))))
    if not keys:
        return ()
    common = set.intersection(*(set(k) for k in keys))
    every = set.union(*(set(k) for k in keys))
    rules = []
    for k in sorted(keys):
        narrow = tuple([Matcher(label, "!=", "") for label in sorted(set(k) - common)]
                       + [Matcher(label, "=", "") for label in sorted(every - set(k))])
        rules.append(AMInhibit(
            source=(Matcher(conv.LABEL_TIER, "=", conv.TIER_PAGE),) + narrow,
            target=(Matcher(conv.LABEL_TIER, "=", conv.TIER_TICKET),) + narrow,
            equal=conv.INHIBIT_SLO_LABELS + k, generated=True))
    return tuple(rules)


def _key(rule: AMInhibit):
    return rule.source, rule.target, rule.equal


def compile_alertmanager(project: Project) -> Optional[AlertmanagerIR]:
    """The project's Alertmanager configuration, or None when it defines none."""
    configs = project.of(Alertmanager)
    if not configs:
        return None
    am = configs[0]
    root = str(project.root)
    user_rules = tuple(_inhibit(r) for r in am.inhibit_rules)
    generated = generated_inhibitions(project) if am.generated_inhibitions else ()
    tests = project.of(RouteTest)
    return AlertmanagerIR(
        global_fields=am.global_config.items() if am.global_config else (),
        route=compile_route(am.route),
        inhibit_rules=user_rules + tuple(g for g in generated if _key(g) not in {_key(u) for u in user_rules}),
        receivers=tuple(AMReceiver(r.name, tuple(AMIntegration(i.KIND, i.notification_items())
                                                  for i in r.integrations))
                        for r in am.receivers),
        time_intervals=tuple(AMTimeInterval(t.name, tuple(
            AMPeriod(p.times, p.weekdays, p.days_of_month, p.months, p.years, p.location) for p in t.periods))
            for t in am.time_intervals),
        templates=tuple(AMTemplate(t.name, f"{conv.ALERTMANAGER_TEMPLATES_DIR}/{t.name}.tmpl", t.text)
                        for t in am.templates),
        secrets_dir=am.secrets_dir,
        route_tests=tuple(AMRouteTest(t.name, t.labels, t.receivers, t.location.relative_to(root)) for t in tests),
        sources=tuple(sorted({am.location.relative_to(root)})),
    )
