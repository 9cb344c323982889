"""The Alertmanager definition checked across the project and against the target Alertmanager version
(one of the loader's ``PROJECT_CHECKS``). In the compile layer because the inhibit-rule warnings read
the alerts the project's compiled rules send (:func:`obskit.compile.alertmanager.known_alerts`)."""
from __future__ import annotations

from typing import List, Tuple

from obskit.compile.alertmanager import known_alerts
from obskit.errors import Diagnostic
from obskit.model.base import had_invalid
from obskit.model.alertmanager.config import Alertmanager
from obskit.model.alertmanager.matchers import UTF8_SINCE
from obskit.model.alertmanager.route_test import RouteTest

OLDEST = (0, 25)
#: (kind, field) the AlertmanagerConfig cannot carry (the same set as obskit.render.alertmanager.CRD_MISSING_FIELDS)
_CRD_MISSING_FIELDS = {("rocketchat_configs", "message_text")}


def parse_version(text: str) -> Tuple[int, int]:
    parts = str(text).strip().lstrip("v").split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        raise ValueError(f"alertmanager_version {text!r} is not a version like '0.25'") from None


def _v(v: Tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"


def check_alertmanager(project) -> List[Diagnostic]:
    """One Alertmanager per project; nothing the target version cannot load; route tests name
    defined receivers."""
    diags: List[Diagnostic] = []
    configs = project.of(Alertmanager)
    for extra in configs[1:]:
        diags.append(Diagnostic("duplicate-alertmanager", f"a project has one Alertmanager configuration; the "
                                f"first is at {configs[0].location}", "alertmanager config", extra.location))
    tests = project.of(RouteTest)
    if tests and not configs and not had_invalid(project, Alertmanager):   # an Alertmanager with errors: its own message
        diags.append(Diagnostic("no-alertmanager", "route tests need an Alertmanager(...) definition in the project",
                                f"route test {tests[0].name!r}", tests[0].location))
    if not configs:
        return diags
    am = configs[0]
    try:
        target = parse_version(project.settings.alertmanager_version)
    except ValueError as exc:
        return diags + [Diagnostic("bad-config", str(exc), "obskit.toml")]
    if target < OLDEST:
        diags.append(Diagnostic("unsupported-version", f"alertmanager_version {_v(target)} is older than "
                                f"{_v(OLDEST)}, the oldest obskit writes for", "obskit.toml"))
    hint = f"raise alertmanager_version in obskit.toml (now {_v(target)}) if every Alertmanager you run is newer"
    for r in am.receivers:
        for what, since, loc in r.newer_than(target):
            diags.append(Diagnostic("too-new", f"{what} needs Alertmanager {_v(since)}; the target is "
                                    f"{_v(target)}", f"receiver {r.name!r}", loc, hint=hint))
    if target < UTF8_SINCE:
        for route in am.route.walk():
            for name in route.utf8_labels:
                diags.append(Diagnostic("too-new", f"label name {name!r} is a UTF-8 name, which needs Alertmanager "
                                        f"{_v(UTF8_SINCE)}; the target is {_v(target)}", "route", route.location,
                                        hint="use a name of [a-zA-Z_][a-zA-Z0-9_]* or " + hint))
        for rule in am.inhibit_rules:
            for name in rule.utf8_labels:
                diags.append(Diagnostic("too-new", f"label name {name!r} is a UTF-8 name, which needs Alertmanager "
                                        f"{_v(UTF8_SINCE)}; the target is {_v(target)}", "inhibit rule",
                                        rule.location, hint=hint))
    diags += _warnings(am)
    diags += inhibit_warnings(am, project)
    names = set(am.receiver_names)
    seen = {}
    for t in tests:
        for r in t.receivers:
            if r not in names:
                diags.append(Diagnostic("undefined-receiver", f"expects receiver {r!r}, which is not defined; "
                                        f"receivers: {', '.join(sorted(names))}", f"route test {t.name!r}", t.location))
        if t.name in seen:
            diags.append(Diagnostic("duplicate-route-test", f"name already used at {seen[t.name].location}",
                                    f"route test {t.name!r}", t.location))
        seen.setdefault(t.name, t)
    return diags


def _warnings(am: Alertmanager) -> List[Diagnostic]:
    """What loads but probably is not what was meant, or cannot be carried to the AlertmanagerConfig."""
    out: List[Diagnostic] = []
    used = {r.receiver_name for r in am.route.walk()}
    for r in am.receivers:
        if r.name not in used:
            out.append(Diagnostic("unused-receiver", "no route sends alerts to this receiver", f"receiver {r.name!r}",
                                  r.location, severity="warning"))
        for i in r.integrations:
            if i.KIND in ("jira_configs", "incidentio_configs", "mattermost_configs"):
                out.append(Diagnostic("not-in-alertmanagerconfig", f"the Prometheus Operator's AlertmanagerConfig "
                                      f"(v1alpha1) has no {i.KIND}: kubernetes/alertmanager-config.yaml will not carry it",
                                      f"receiver {r.name!r}", i.location, severity="warning"))
            for kind, name in _CRD_MISSING_FIELDS:
                if i.KIND == kind and getattr(i, name, None) is not None:
                    out.append(Diagnostic("not-in-alertmanagerconfig", f"the AlertmanagerConfig (v1alpha1) has no "
                                          f"{name} in {kind}: kubernetes/alertmanager-config.yaml leaves it out",
                                          f"receiver {r.name!r}", i.location, severity="warning"))
    for t in am.time_intervals:
        for period in t.periods:
            if period.location not in (None, "UTC"):
                out.append(Diagnostic("not-in-alertmanagerconfig", f"the AlertmanagerConfig (v1alpha1) has no time zone: "
                                      f"there, {t.name!r} is evaluated in UTC, not {period.location}",
                                      f"time interval {t.name!r}", period.loc, severity="warning"))
    return out


def _names(alerts) -> str:
    names = sorted({a.name for a in alerts})
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def inhibit_warnings(am: Alertmanager, project) -> List[Diagnostic]:
    """inhibit-equal-missing: an ``equal`` label that source or target alerts, as the project's rules
    define them, cannot carry. Alertmanager compares a missing label as the empty string: missing on
    both sides, the label does not keep the alerts apart (a critical alert in one namespace mutes the
    warning in every other); missing on one side, the rule never mutes. Only alerts whose labels decide
    the matchers are considered (alerts from elsewhere are unknown here)."""
    if not am.inhibit_rules:
        return []
    alerts = known_alerts(project)
    out: List[Diagnostic] = []
    for rule in am.inhibit_rules:
        sides = (("source", [a for a in alerts if a.matches(rule.source)]),
                 ("target", [a for a in alerts if a.matches(rule.target)]))
        for label in rule.equal:
            missing = [(side, [a for a in matched if not a.may_carry(label)]) for side, matched in sides]
            where = " and ".join(f"{side} alerts {_names(m)}" for side, m in missing if m)
            if not where:
                continue
            out.append(Diagnostic(
                "inhibit-equal-missing",
                f"equal label {label!r} is missing on {where} (as the project's rules define them): Alertmanager "
                f"counts a label missing on both sides as equal, so {label!r} does not keep those alerts apart, "
                f"and a source that has it never mutes a target that lacks it",
                "inhibit rule", rule.location, severity="warning",
                hint=f"compare on labels both sides carry (e.g. a namespace or cluster label on the rules, or the "
                     f"Prometheus external_labels), or drop {label!r} from equal"))
    return out
