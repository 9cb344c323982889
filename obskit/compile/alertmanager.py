"""Alertmanager definition (+ the project's SLOs) → intermediate model of ``alertmanager.yml``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

from obskit.compile import conventions as conv
from obskit.duration import Duration
from obskit.location import Location
from obskit.model.alertmanager import Alertmanager, Inhibit, Matcher, Route, RouteTest
from obskit.project import Project

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


def generated_inhibitions(project: Project) -> Tuple[AMInhibit, ...]:
    """Page inhibits the ticket of the same SLO; critical inhibits the warning of the same alert and
    service."""
    rules = []
    if any({t.name for t in s.alerting.tiers} >= {conv.TIER_PAGE, conv.TIER_TICKET} for s in project.slos):
        rules.append(AMInhibit(
            source=(Matcher(conv.LABEL_TIER, "=", conv.TIER_PAGE),),
            target=(Matcher(conv.LABEL_TIER, "=", conv.TIER_TICKET),),
            equal=conv.INHIBIT_SLO_LABELS, generated=True))
    rules.append(AMInhibit(
        source=(Matcher(conv.LABEL_SEVERITY, "=", conv.SEVERITY_CRITICAL),),
        target=(Matcher(conv.LABEL_SEVERITY, "=", conv.SEVERITY_WARNING),),
        equal=conv.INHIBIT_SERVICE_LABELS, generated=True))
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
        receivers=tuple(AMReceiver(r.name, tuple(AMIntegration(i.KIND, i.items()) for i in r.integrations))
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
