"""Alert tests as definitions: synthetic series in, "alert X firing with labels L at time T" or
"alert X silent at T" out, proven by ``promtool test rules`` (``obskit test`` runs them).

    AlertTest(
        name="error rate above 5 % pages",
        rules=gateway,                     # a RuleGroup, or one AlertRule
        series=(Series("http_requests_total", {"status": "500"}).count(30, 6),
                Series("http_requests_total", {"status": "200"}).count(30, 54)),
        expect=(Firing(alert="HighErrorRate", at="20m"), Silent(alert="PodDown", at="20m")),
    )

``Firing.labels`` are the labels the query's result carries; the rule's own labels (``severity``
and extra labels) are added. promtool compares annotations exactly, so templates must be rendered
to compare them: give ``annotations=`` on every Firing of a test to check them, otherwise the test
runs the rules without annotations (their syntax is checked by the lint and ``promtool check rules``).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from obskit.compile import conventions as conv
from obskit.compile.ir import AlertingRule, RuleGroup as IRGroup
from obskit.compile.rules import compile_group, compile_rule
from obskit.duration import Duration
from obskit.location import Location
from obskit.model.base import Definition, Problems, freeze_labels, locate, set_attr
from obskit.model.rules import AlertRule, RuleGroup
from obskit.verify.promtool_tests import AlertCheck, ExpectedAlert, PromtoolTest, PromtoolTestFile
from obskit.verify.series import Series


@dataclass(frozen=True, kw_only=True, eq=False)
class Firing:
    """At ``at`` (from the first sample), ``alert`` is firing with ``labels`` (from the query)."""

    alert: str
    at: str
    labels: Tuple[Tuple[str, str], ...] = ()
    annotations: Optional[Tuple[Tuple[str, str], ...]] = None
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"expectation {self.alert} firing at {self.at}", locate(self))
        set_attr(self, "at", p.duration(self.at, "at") or self.at)
        set_attr(self, "labels", freeze_labels(self.labels, p))
        if self.annotations is not None:
            set_attr(self, "annotations", freeze_labels(self.annotations, p, "annotations"))
        p.done()


@dataclass(frozen=True, kw_only=True, eq=False)
class Silent:
    """At ``at``, no instance of ``alert`` is firing (pending does not count)."""

    alert: str
    at: str
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"expectation {self.alert} silent at {self.at}", locate(self))
        set_attr(self, "at", p.duration(self.at, "at") or self.at)
        p.done()


@dataclass(frozen=True, kw_only=True, eq=False)
class AlertTest(Definition):
    name: str
    rules: object                      # RuleGroup or AlertRule
    series: Tuple[Series, ...]
    expect: Tuple[object, ...]
    interval: str = "1m"
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"alert test {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not self.name.strip():
            p.add("bad-test", "name must be a non-empty string")
        series = (self.series,) if isinstance(self.series, Series) else tuple(self.series or ())
        expect = (self.expect,) if isinstance(self.expect, (Firing, Silent)) else tuple(self.expect or ())
        set_attr(self, "series", series)
        set_attr(self, "expect", expect)
        interval = p.duration(self.interval, "interval")
        set_attr(self, "interval", interval or self.interval)
        if not isinstance(self.rules, (RuleGroup, AlertRule)):
            p.add("bad-test", f"rules= must be a RuleGroup or an AlertRule, got {self.rules!r}")
            p.done()
            return
        if not series or not all(isinstance(s, Series) for s in series):
            p.add("bad-test", "series= needs at least one obskit.verify.series.Series")
        if not expect or not all(isinstance(e, (Firing, Silent)) for e in expect):
            p.add("bad-test", "expect= needs Firing(...) and/or Silent(...) expectations")
            p.done()
            return
        names = {a.name for a in self._alert_rules()}
        end = None
        if interval and series and all(isinstance(s, Series) for s in series):
            end = Duration(max(max(s.samples for s in series) - 1, 0) * interval.seconds)
        seen: Dict[Tuple, str] = {}
        for e in expect:
            if e.alert not in names:
                p.add("bad-test", f"{e.alert!r} is not an alert of these rules (they have: "
                                  f"{', '.join(sorted(names)) or 'none'})")
            if end is not None and isinstance(e.at, Duration) and e.at > end:
                p.add("bad-test", f"expectation at {e.at} for {e.alert} is after the last sample ({end})")
            key = (e.alert, str(e.at))
            kind = "firing" if isinstance(e, Firing) else "silent"
            if seen.get(key, kind) != kind:
                p.add("bad-test", f"{e.alert} is expected both firing and silent at {e.at}")
            seen[key] = kind
        firings = [e for e in expect if isinstance(e, Firing)]
        with_ann = [e for e in firings if e.annotations is not None]
        if with_ann and len(with_ann) != len(firings):
            p.add("bad-test", "give annotations= on every Firing of a test or on none (promtool compares "
                              "annotations exactly once the rules carry them)")
        p.done()

    # ------------------------------------------------------------------------------------------
    def _alert_rules(self) -> Tuple[AlertRule, ...]:
        if isinstance(self.rules, RuleGroup):
            return self.rules.alerts
        return (self.rules,) if isinstance(self.rules, AlertRule) else ()

    @property
    def checks_annotations(self) -> bool:
        return any(isinstance(e, Firing) and e.annotations is not None for e in self.expect)

    def group(self, project=None) -> IRGroup:
        """The rule group under test (an AlertRule is tested within the group that lists it)."""
        source = self.rules
        if isinstance(source, AlertRule):
            owner = None
            if project is not None:
                owner = next((g for g in project.of(RuleGroup) if any(r is source for r in g.rules)), None)
            if owner is None:
                return IRGroup(name=f"test-{source.name}", rules=(compile_rule(source),))
            source = owner
        return compile_group(source)

    def test_file(self, project=None) -> PromtoolTestFile:
        group = self.group(project)
        if not self.checks_annotations:
            group = dataclasses.replace(group, rules=tuple(
                dataclasses.replace(r, annotations=()) if isinstance(r, AlertingRule) else r
                for r in group.rules))
        alerts = [r for r in group.rules if isinstance(r, AlertingRule)]
        checks = []
        by_key: Dict[Tuple[int, str], List[ExpectedAlert]] = {}
        for e in sorted(self.expect, key=lambda e: (e.at.seconds, e.alert)):
            bucket = by_key.setdefault((e.at.seconds, e.alert), [])
            if isinstance(e, Firing):
                bucket.append(_expected(e, alerts, group.labels))
        for (seconds, alert), expected in by_key.items():
            checks.append(AlertCheck(Duration(seconds), alert, tuple(sorted(expected, key=lambda a: a.labels))))
        evaluation = group.interval or Duration(project.settings.evaluation_interval if project else 60)
        test = PromtoolTest(name=self.name, interval=self.interval, series=self.series,
                            alert_checks=tuple(checks))
        return PromtoolTestFile(name=conv.alert_test_file_name(group.name, self.name),
                                subject=f"alert rules {group.name}", groups=(group,),
                                evaluation_interval=evaluation, tests=(test,))


def _expected(e: Firing, alerts: Sequence[AlertingRule], group_labels=()) -> ExpectedAlert:
    given = dict(e.labels)
    candidates = [r for r in alerts if r.alert == e.alert]
    if len(candidates) > 1 and "severity" in given:
        candidates = [r for r in candidates if dict(r.labels).get("severity") == given["severity"]] or candidates
    labels = dict(given)
    labels.update(dict(group_labels))                # Prometheus 3: group labels, overridden by the rule's
    if candidates:
        labels.update(dict(candidates[0].labels))   # rule labels override the query's, as in Prometheus
    return ExpectedAlert(tuple(sorted(labels.items())), e.annotations or ())


def promtool_files(tests: Sequence[AlertTest], project=None) -> List[PromtoolTestFile]:
    """One promtool file per rule group under test (tests of one group share its rule file; each
    stays a named test in it, so a failure names the test)."""
    merged: Dict[Tuple, PromtoolTestFile] = {}
    for t in tests:
        f = t.test_file(project)
        key = (f.groups, f.evaluation_interval.seconds)
        if key in merged:
            m = merged[key]
            merged[key] = dataclasses.replace(m, tests=m.tests + f.tests)
        else:
            merged[key] = dataclasses.replace(f, name=conv.alert_test_file_name(f.groups[0].name, f"{len(merged)}"))
    return list(merged.values())


def alert_tests(project, workers, keep, tool=None):
    """``obskit test`` provider: every AlertTest of the project through promtool (``tool``: one version)."""
    from obskit.verify.runner import run_files
    tests = project.of(AlertTest)
    if not tests:
        return [], []
    return run_files(promtool_files(tests, project), workers=workers, keep=keep, tool=tool), []


def firing_and_silent(rule: AlertRule, *, firing: Sequence[Series], silent: Sequence[Series], at: str,
                      labels: "Mapping[str, str] | Sequence[Mapping[str, str]]" = (), group: Optional[RuleGroup] = None,
                      interval: str = "1m") -> Tuple[AlertTest, AlertTest]:
    """The two tests every threshold alert deserves: ``firing`` series make ``rule`` fire at ``at``
    with ``labels`` (one mapping per firing instance), ``silent`` series keep it silent at ``at``.
    Both tests are located at the caller's line."""
    instances = [labels] if isinstance(labels, Mapping) or not labels else list(labels)
    rules = group if group is not None else rule
    fire = AlertTest(name=f"{rule.name} fires", rules=rules, series=tuple(firing), interval=interval,
                     expect=tuple(Firing(alert=rule.name, at=at, labels=dict(l or {})) for l in instances))
    calm = AlertTest(name=f"{rule.name} stays silent", rules=rules, series=tuple(silent), interval=interval,
                     expect=(Silent(alert=rule.name, at=at),))
    return fire, calm
