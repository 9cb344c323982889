"""Alert tests as definitions: synthetic series in, "alert X firing with labels L at time T" or
"alert X silent at T" out, proven by ``promtool test rules`` (``obskit test`` runs them).

    AlertTest(
        name="error rate above 5 % pages",
        rules=gateway,                     # a RuleGroup, or one AlertRule
        series=(Series("http_requests_total", {"status": "500"}).count(30, 6),
                Series("http_requests_total", {"status": "200"}).count(30, 54)),
        expect=(Firing(alert="HighErrorRate", at="20m"), Silent(alert="PodDown", at="20m")),
    )

Besides ``at=``: ``Firing(alert=..., by="10m")`` (has fired by then), ``Firing(alert=...,
first_between=("5m", "10m"))`` and ``Silent(alert=..., between=("0s", "20m"))``, checked over the
``ALERTS`` series rule evaluation writes. A failure names the expectation's file:line, the alert, its
labels, expected against got (obskit/verify/failures.py).

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
from obskit.model.base import Checked, Definition, Problems, freeze_labels, is_valid, locate, set_attr
from obskit.model.rules import AlertRule, RuleGroup
from obskit.verify.promtool_tests import (AlertCheck, ExpectedAlert, Origin, PromtoolTest, PromtoolTestFile,
                                          alerts_selector, firing_between)
from obskit.verify.series import Series


def _when(p: Problems, value, what: str) -> Optional[Duration]:
    if value in (0, "0", "0s"):
        return Duration(0)
    return p.duration(value, what)


def _pair(p: Problems, value, what: str):
    if isinstance(value, str) or not isinstance(value, (tuple, list)) or len(value) != 2:
        p.add("bad-test", f"{what}= must be (start, end), e.g. (\"5m\", \"10m\"); got {value!r}")
        return value
    a, b = _when(p, value[0], f"{what} start"), _when(p, value[1], f"{what} end")
    if a is not None and b is not None and not a < b:
        p.add("bad-test", f"{what}=({a}, {b}): the start must be before the end")
    return (a or value[0], b or value[1])


@dataclass(frozen=True, kw_only=True, eq=False)
class Firing(Checked):
    """``alert`` is firing with ``labels`` (from the query; the rule's own labels are added), in one of
    three forms: ``at="5m"`` (firing at that time: promtool's own check, with ``annotations=`` if
    given), ``by="10m"`` (has fired at some evaluation up to then) or ``first_between=("5m", "10m")``
    (not firing before 5m, fired at some evaluation from 5m to 10m). Times are from the first sample;
    the range forms read the ``ALERTS`` series rule evaluation writes, the same in Prometheus 2 and 3."""

    alert: str
    at: Optional[str] = None
    labels: Tuple[Tuple[str, str], ...] = ()
    annotations: Optional[Tuple[Tuple[str, str], ...]] = None
    by: Optional[str] = None
    first_between: Optional[Tuple[str, str]] = None
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        when = self.at if self.at is not None else (f"by {self.by}" if self.by is not None else self.first_between)
        p = Problems(f"expectation {self.alert} firing at {when}", locate(self))
        forms = [n for n in ("at", "by", "first_between") if getattr(self, n) is not None]
        if len(forms) != 1:
            p.add("bad-test", "give exactly one of at=, by= or first_between=" +
                  (f" (got {', '.join(n + '=' for n in forms)})" if forms else ""),
                  hint='Firing(alert="X", at="5m"), Firing(alert="X", by="10m"), '
                       'Firing(alert="X", first_between=("5m", "10m"))')
        if self.at is not None:
            set_attr(self, "at", _when(p, self.at, "at") or self.at)
        if self.by is not None:
            set_attr(self, "by", _when(p, self.by, "by") or self.by)
        if self.first_between is not None:
            set_attr(self, "first_between", _pair(p, self.first_between, "first_between"))
        set_attr(self, "labels", freeze_labels(self.labels, p))
        if self.annotations is not None:
            set_attr(self, "annotations", freeze_labels(self.annotations, p, "annotations"))
            if self.at is None:
                p.add("bad-test", "annotations= are checked at one time: use them with at=")
        p.done()

    @property
    def last(self) -> Optional[Duration]:
        value = self.at if self.at is not None else (self.by if self.by is not None else
                                                     (self.first_between or (None, None))[1])
        return value if isinstance(value, Duration) else None

    def describe(self) -> str:
        parts = [f'alert="{self.alert}"']
        if self.at is not None:
            parts.append(f'at="{self.at}"')
        if self.by is not None:
            parts.append(f'by="{self.by}"')
        if self.first_between is not None:
            parts.append(f'first_between=("{self.first_between[0]}", "{self.first_between[1]}")')
        if self.labels:
            parts.append("labels={" + ", ".join(f'"{k}": "{v}"' for k, v in self.labels) + "}")
        return f"Firing({', '.join(parts)})"


@dataclass(frozen=True, kw_only=True, eq=False)
class Silent(Checked):
    """No instance of ``alert`` is firing (pending does not count): ``at="5m"`` at that time, or
    ``between=("0s", "20m")`` at every evaluation from the start to the end of the range."""

    alert: str
    at: Optional[str] = None
    between: Optional[Tuple[str, str]] = None
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"expectation {self.alert} silent at {self.at if self.at is not None else self.between}",
                     locate(self))
        if (self.at is None) == (self.between is None):
            p.add("bad-test", "give exactly one of at= or between=",
                  hint='Silent(alert="X", at="5m") or Silent(alert="X", between=("0s", "20m"))')
        if self.at is not None:
            set_attr(self, "at", _when(p, self.at, "at") or self.at)
        if self.between is not None:
            set_attr(self, "between", _pair(p, self.between, "between"))
        p.done()

    @property
    def last(self) -> Optional[Duration]:
        value = self.at if self.at is not None else (self.between or (None, None))[1]
        return value if isinstance(value, Duration) else None

    def describe(self) -> str:
        when = f'at="{self.at}"' if self.at is not None else f'between=("{self.between[0]}", "{self.between[1]}")'
        return f'Silent(alert="{self.alert}", {when})'


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
        if not is_valid(self.rules):               # the rules reported their own errors: no cascade
            set_attr(self, "_obskit_invalid", True)
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
                                  f"{', '.join(sorted(names)) or 'none'})", hint=_did_you_mean(e.alert, names))
            if end is not None and e.last is not None and e.last > end:
                p.add("bad-test", f"expectation {e.describe()} reads {e.last}, after the last sample ({end})"
                      if e.at is None else f"expectation at {e.at} for {e.alert} is after the last sample ({end})")
            if e.at is None:
                continue
            key = (e.alert, str(e.at))
            kind = "firing" if isinstance(e, Firing) else "silent"
            if seen.get(key, kind) != kind:
                p.add("bad-test", f"{e.alert} is expected both firing and silent at {e.at}")
            seen[key] = kind
        firings = [e for e in expect if isinstance(e, Firing) and e.at is not None]
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
        evaluation = group.interval or Duration(project.settings.evaluation_interval if project else 60)
        checks, exprs = [], []
        by_key: Dict[Tuple[int, str], List[ExpectedAlert]] = {}
        origins: Dict[Tuple[int, str], object] = {}
        at_forms = [e for e in self.expect if e.at is not None]
        for e in sorted(at_forms, key=lambda e: (e.at.seconds, e.alert)):
            bucket = by_key.setdefault((e.at.seconds, e.alert), [])
            origins.setdefault((e.at.seconds, e.alert), Origin(e.location, e.describe(), e.alert))
            if isinstance(e, Firing):
                bucket.append(_expected(e, alerts, group.labels))
        for (seconds, alert), expected in by_key.items():
            checks.append(AlertCheck(Duration(seconds), alert, tuple(sorted(expected, key=lambda a: a.labels)),
                                     origin=origins[(seconds, alert)]))
        for e in self.expect:
            if e.at is None:
                exprs.extend(_range_checks(e, alerts, group.labels, evaluation.seconds))
        test = PromtoolTest(name=self.name, interval=self.interval, series=self.series,
                            alert_checks=tuple(checks), expr_checks=tuple(exprs))
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


def _range_checks(e, alerts: Sequence[AlertingRule], group_labels, step: int) -> List:
    """The ``by=`` / ``first_between=`` / ``between=`` forms as checks over the ``ALERTS`` series (on the
    evaluation grid: an alert's state at a time is that of the last evaluation at or before it)."""
    if isinstance(e, Silent):
        a, b = e.between
        first, last = a.seconds // step * step, b.seconds // step * step
        return [firing_between(alerts_selector(e.alert), first, last, step, (),
                               Origin(e.location, e.describe(), e.alert, f"to stay silent between {a} and {b}"))]
    labels = dict(_expected(e, alerts, group_labels).labels)
    selector = alerts_selector(e.alert, sorted(labels.items()))
    labels.update(alertname=e.alert, alertstate="firing")
    shown = e.alert + ("{" + ", ".join(f'{k}="{v}"' for k, v in e.labels) + "}" if e.labels else "")
    if e.by is not None:
        return [firing_between(selector, 0, e.by.seconds // step * step, step, (labels,),
                               Origin(e.location, e.describe(), shown, f"to have fired by {e.by}"))]
    a, b = e.first_between
    first, last = -(-a.seconds // step) * step, b.seconds // step * step
    out = []
    if first > 0:
        out.append(firing_between(selector, 0, first - step, step, (),
                                  Origin(e.location, e.describe(), shown, f"not to fire before {a}")))
    out.append(firing_between(selector, first, max(first, last), step, (labels,),
                              Origin(e.location, e.describe(), shown, f"to fire between {a} and {b}")))
    return out


def _did_you_mean(name: str, names) -> str:
    import difflib
    close = difflib.get_close_matches(str(name), sorted(names), n=1)
    return f"did you mean {close[0]!r}?" if close else ""


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
