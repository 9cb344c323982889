"""Alert tests as definitions, and the reference alerts' tests: every alert has a firing and a
silent test, they pass with promtool, and breaking any threshold makes them fail."""
import dataclasses
import re
from collections import defaultdict

import pytest

from obskit.compile.ir import AlertingRule
from obskit.errors import DefinitionError
from obskit.loader import load_project
from obskit.model.rules import AlertRule, RuleGroup
from obskit.verify.alert_tests import AlertTest, Firing, Silent, alert_tests, promtool_files
from obskit.verify.runner import assert_pass, run_files
from obskit.verify.series import Series


@pytest.fixture(scope="module")
def project(root=None):
    from conftest import ROOT
    return load_project(ROOT)


RULE = AlertRule(name="QueueHigh", expr="queue_depth > 100", for_="2m", severity="warning",
                 summary="Queue high", description="{{ $labels.instance }} has {{ $value }} queued")
GROUP = RuleGroup(name="queue", rules=(RULE,))
I = {"instance": "a"}


def test_firing_and_silent_pass(promtool):
    tests = [
        AlertTest(name="fires", rules=GROUP, series=(Series("queue_depth", I).hold(10, 150),),
                  expect=(Silent(alert="QueueHigh", at="1m"), Firing(alert="QueueHigh", at="5m", labels=I))),
        AlertTest(name="silent", rules=RULE, series=(Series("queue_depth", I).hold(10, 100),),
                  expect=(Silent(alert="QueueHigh", at="9m"),)),
    ]
    assert_pass([t.test_file() for t in tests])


def test_wrong_expectations_fail(promtool):
    wrong = [
        AlertTest(name="silent-expected-but-fires", rules=GROUP, series=(Series("queue_depth", I).hold(10, 150),),
                  expect=(Silent(alert="QueueHigh", at="5m"),)),
        AlertTest(name="wrong-labels", rules=GROUP, series=(Series("queue_depth", I).hold(10, 150),),
                  expect=(Firing(alert="QueueHigh", at="5m", labels={"instance": "b"}),)),
        AlertTest(name="pending-is-not-firing", rules=GROUP, series=(Series("queue_depth", I).hold(10, 150),),
                  expect=(Firing(alert="QueueHigh", at="1m", labels=I),)),
    ]
    outcomes = run_files(promtool_files(wrong))
    assert len(outcomes) == 1 and not outcomes[0].ok
    assert outcomes[0].failed_tests == {t.name for t in wrong}


def test_annotations_are_checked_when_given(promtool):
    series = (Series("queue_depth", I).hold(10, 150),)
    right = AlertTest(name="annotations", rules=GROUP, series=series, expect=(Firing(
        alert="QueueHigh", at="5m", labels=I, annotations={"summary": "Queue high", "description": "a has 150 queued"}),))
    wrong = AlertTest(name="annotations-wrong", rules=GROUP, series=series, expect=(Firing(
        alert="QueueHigh", at="5m", labels=I, annotations={"summary": "Queue high", "description": "a has 151 queued"}),))
    assert_pass([right.test_file()])
    [outcome] = run_files([wrong.test_file()])
    assert not outcome.ok and 'description="a has 150 queued"' in outcome.output


def test_without_annotations_the_rules_run_without_them():
    t = AlertTest(name="x", rules=GROUP, series=(Series("queue_depth", I).hold(3, 1),),
                  expect=(Silent(alert="QueueHigh", at="1m"),))
    [rule] = t.test_file().groups[0].rules
    assert isinstance(rule, AlertingRule) and rule.annotations == () and dict(rule.labels)["severity"] == "warning"


def test_invalid_tests_are_located_definition_errors():
    import inspect
    line = inspect.currentframe().f_lineno + 2
    with pytest.raises(DefinitionError) as exc:
        AlertTest(name="bad", rules=GROUP, series=(Series("queue_depth", I).hold(5, 1),),
                  expect=(Firing(alert="Nope", at="1m"), Silent(alert="QueueHigh", at="10m"),
                          Firing(alert="QueueHigh", at="2m", labels=I, annotations={"summary": "x"}),
                          Firing(alert="QueueHigh", at="3m"), Silent(alert="QueueHigh", at="3m")))
    messages = [d.message for d in exc.value.diagnostics]
    assert all(d.location.line == line for d in exc.value.diagnostics)
    assert any("'Nope' is not an alert of these rules" in m for m in messages)
    assert any("after the last sample (4m)" in m for m in messages)
    assert any("both firing and silent at 3m" in m for m in messages)
    assert any("annotations= on every Firing" in m for m in messages)


# --- the reference alerts --------------------------------------------------------------------------
def _reference_alerts(project):
    return [(g, r) for g in project.of(RuleGroup) if "/alerts/" in g.location.file for r in g.alerts]


def test_every_reference_alert_has_a_firing_and_a_silent_test(project):
    kinds = defaultdict(set)
    for t in project.of(AlertTest):
        for e in t.expect:
            kinds[e.alert].add(type(e).__name__)
    missing = [r.name for _, r in _reference_alerts(project) if kinds[r.name] != {"Firing", "Silent"}]
    assert missing == []


def test_reference_alert_counts(project):
    by_file = defaultdict(list)
    for g, r in _reference_alerts(project):
        by_file[g.location.file.rsplit("/", 1)[1]].append((g.name, r))
    gateway = {r.name: r for _, r in by_file["llm_gateway.py"]}
    assert sorted(gateway) == sorted(["HighErrorRate", "HighLatency", "PodDown", "HighMemoryUsage",
                                      "ProviderUnhealthy", "RateLimitExceeded"])
    assert {n: (str(r.for_), r.severity) for n, r in gateway.items()} == {
        "HighErrorRate": ("5m", "critical"), "HighLatency": ("10m", "warning"), "PodDown": ("2m", "critical"),
        "HighMemoryUsage": ("5m", "warning"), "ProviderUnhealthy": ("3m", "warning"),
        "RateLimitExceeded": ("5m", "warning")}
    simulator = by_file["llm_simulator.py"]
    assert len(simulator) >= 30 and len({g for g, _ in simulator}) == 7
    marketplace = by_file["llm_marketplace.py"]
    assert sorted(r.severity for _, r in marketplace) == ["critical"] * 4 + ["warning"] * 4


def test_reference_alert_tests_pass(project, promtool):
    outcomes, _ = alert_tests(project, None, None)
    failed = [o.describe() for o in outcomes if not o.ok]
    assert failed == []
    assert sum(len(o.test_names) for o in outcomes) >= 2 * len(_reference_alerts(project))


THRESHOLD = re.compile(r"(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")


def _mutate(files, factor):
    """Scale the trailing threshold of every alert; return the files and which tests must now fail."""
    out, must_fail = [], set()
    for f in files:
        rules = []
        for r in f.groups[0].rules:
            m = THRESHOLD.search(r.expr) if isinstance(r, AlertingRule) else None
            if m and float(m.group(2)) != 0:
                new = float(m.group(2)) * factor
                r = dataclasses.replace(r, expr=r.expr[:m.start(2)] + repr(new) + r.expr[m.end(2):])
                above = m.group(1).startswith(">")
                breaks = "fires" if (factor > 1) == above else "stays silent"
                must_fail.add(f"{r.alert} {breaks}")
            rules.append(r)
        out.append(dataclasses.replace(f, groups=(dataclasses.replace(f.groups[0], rules=tuple(rules)),)))
    # run only the tests that must now fail
    out = [dataclasses.replace(f, tests=tuple(t for t in f.tests if t.name in must_fail)) for f in out]
    return [f for f in out if f.tests], must_fail


@pytest.mark.parametrize("factor", [2.5, 0.4], ids=["threshold-raised", "threshold-lowered"])
def test_breaking_any_threshold_fails_its_test(project, promtool, factor):
    files = promtool_files(project.of(AlertTest), project)
    mutated, must_fail = _mutate(files, factor)
    assert len(must_fail) >= 35   # every alert with a non-zero threshold
    failed = set().union(*(o.failed_tests for o in run_files(mutated)))
    assert must_fail - failed == set()
