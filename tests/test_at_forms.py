"""Expectations that say what people mean: ``At`` (SLOScenario) and ``Firing``/``Silent`` (AlertTest) range
forms over the ALERTS series, the same answer with promtool 2.42 (closed ranges) and 3.x (left-open), and
failures reported at the expectation's file:line with the alert, labels, expected and got."""
import inspect

import pytest

from obskit import SLO, AlertingPolicy, At, RatioSLI, SLOScenario, healthy, outage
from obskit.errors import DefinitionError
from obskit.model.rules import AlertRule, RuleGroup
from obskit.verify.alert_tests import AlertTest, Firing, Silent, promtool_files
from obskit.verify.runner import run_files
from obskit.verify.series import Series
from servers import require, versions

SLI = RatioSLI(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}')
API = SLO(service="api", name="availability", objective=99.9, sli=SLI)
PHASES = (healthy("6h"), outage("15m"), healthy("2h"))
# the page first fires at the evaluation of 6h2m (the outage's first failed samples are at 6h1m), in
# every version: the boundaries below sit on that evaluation, one before it and between the two


def scenario(name, *expect):
    return SLOScenario(name=name, slo=API, phases=PHASES, expect=tuple(expect))


def holding():
    return [
        At(time="6h"),
        At(between=("0s", "6h1m"), never=("page", "absent")),
        At(between=("0s", "6h"), never="ticket"),
        At(between=("6h2m", "6h3m"), first_fires="page"),      # first evaluation of the range included
        At(between=("6h1m", "6h2m"), first_fires="page"),      # last one included
        At(between=("6h1m30s", "6h2m"), first_fires="page"),  # a start between evaluations
        At(time="6h1m59s", not_firing="page"),                 # the state of the 6h1m evaluation
        At(by="6h2m", fired="page"),
        At(time="8h10m", not_firing="page"),
        At(between=("7h", "8h15m"), never="page"),
        At(time="6h10m", firing=("page", "ticket")),
    ]


def failing():
    """(expectation, what its failure must say)"""
    return [
        (At(between=("0s", "6h2m"), never="page"), "expected not to fire between 0s and 6h2m, but it fired"),
        (At(between=("6h2m30s", "6h5m"), first_fires="page"), "expected not to fire before 6h2m30s, but it fired"),
        (At(time="6h2m", not_firing="page"), "expected not firing at 6h2m, but it fired"),
        (At(by="6h1m59s", fired="page"), "expected to have fired by 6h1m59s, but it did not fire"),
        (At(between=("7h", "8h"), first_fires="ticket"), "expected not to fire before 7h, but it fired"),
        (At(time="6h10m", firing=("page",)), 'firing, not expected: {obskit_service="api", obskit_slo="availability", '
                                             'obskit_tier="ticket", severity="warning"}'),
    ]


@pytest.mark.parametrize("version", versions("promtool"))
def test_forms_give_the_same_answer_in_every_version(version):
    tool = require("promtool", version)
    wrong = failing()
    right_file = scenario("the forms hold", *holding()).test_file()
    wrong_file = scenario("the forms fail", *(a for a, _ in wrong)).test_file()
    right, bad = run_files([right_file, wrong_file], tool=tool)
    assert right.ok, right.describe()
    assert not bad.ok
    by_line = {f.origin.location.line: f for f in bad.failures}
    assert sorted(by_line) == sorted(a.location.line for a, _ in wrong), bad.describe()
    for a, says in wrong:
        f = by_line[a.location.line]
        assert f.lines[0] == a.describe() and f.origin.location.file == __file__
        assert any(says in line for line in f.lines[1:]), (says, f.lines)


RULE = AlertRule(name="QueueHigh", expr="queue_depth > 100", for_="2m", severity="warning",
                 summary="Queue high", description="queued")
GROUP = RuleGroup(name="queue", rules=(RULE,))
I = {"instance": "a"}
# queue_depth is 150 from 5m on: pending at 5m, firing from the 7m evaluation (for: 2m)
QUEUE = (Series("queue_depth", I).hold(5, 50).hold(15, 150),)


@pytest.mark.parametrize("version", versions("promtool"))
def test_alert_test_forms(version):
    tool = require("promtool", version)
    right = AlertTest(name="range forms hold", rules=GROUP, series=QUEUE, expect=(
        Silent(alert="QueueHigh", between=("0s", "6m")),          # pending is not firing
        Firing(alert="QueueHigh", first_between=("7m", "8m"), labels=I),
        Firing(alert="QueueHigh", by="7m", labels=I),
        Firing(alert="QueueHigh", at="10m", labels=I)))
    wrong = AlertTest(name="range forms fail", rules=GROUP, series=QUEUE, expect=(
        Silent(alert="QueueHigh", between=("0s", "7m")),
        Firing(alert="QueueHigh", first_between=("8m", "9m"), labels=I),
        Firing(alert="QueueHigh", by="6m", labels=I),
        Firing(alert="QueueHigh", by="12m", labels={"instance": "b"}),
        Firing(alert="QueueHigh", at="10m", labels={"instance": "b"})))
    [outcome] = run_files(promtool_files([right, wrong]), tool=tool)
    assert outcome.failed_tests == {"range forms fail"}, outcome.describe()
    text = {f.origin.location.line: "\n".join(f.lines) for f in outcome.failures}
    assert len(text) == 5, outcome.describe()
    lines = sorted(text)
    assert "QueueHigh: expected to stay silent between 0s and 7m, but it fired" in text[lines[0]]
    assert 'QueueHigh{"instance": "a"}' not in text[lines[1]]       # labels shown as labels
    assert 'QueueHigh{instance="a"}: expected not to fire before 8m, but it fired' in text[lines[1]]
    assert "expected to have fired by 6m, but it did not fire" in text[lines[2]]
    assert 'QueueHigh{instance="b"}: expected to have fired by 12m, but it did not fire' in text[lines[3]]
    assert "instance: expected 'b', got 'a'" in text[lines[4]]


def test_bad_forms_are_located_definition_errors():
    line = inspect.currentframe().f_lineno + 2
    bad = []
    for make in (lambda: At(),
                 lambda: At(time="1h", fired="page"),
                 lambda: At(by="1h"),
                 lambda: At(between="1h", never="page"),
                 lambda: At(between=("2h", "1h"), never="page"),
                 lambda: At(time="1h", firing="pager"),
                 lambda: Firing(alert="X", at="1m", by="2m"),
                 lambda: Silent(alert="X"),
                 lambda: Firing(alert="X", by="5m", annotations={"summary": "s"})):
        with pytest.raises(DefinitionError) as exc:
            make()
        bad.append(exc.value.diagnostics[0])
    assert all(d.code in ("bad-scenario", "bad-test") for d in bad), [str(d) for d in bad]
    assert {d.location.line for d in bad} == set(range(line, line + 9)), [str(d) for d in bad]
    assert "give time=" in bad[0].message and "by= goes with fired=" in bad[2].message
    assert "unknown tier 'pager'" in bad[5].message


def test_scenario_refuses_a_tier_the_slo_does_not_have():
    no_ticket = SLO(service="api", name="availability", objective=99.9, sli=SLI, alerting=AlertingPolicy(ticket=None))
    with pytest.raises(DefinitionError) as exc:
        SLOScenario(name="x", slo=no_ticket, phases=PHASES, expect=(At(by="7h", fired="ticket"),
                                                                    At(between=("6h", "6h30s"), never="page")))
    messages = [d.message for d in exc.value.diagnostics]
    assert any("the SLO has no ticket tier" in m for m in messages), messages
    assert not any("no rule evaluation" in m for m in messages), messages
    with pytest.raises(DefinitionError) as exc:
        SLOScenario(name="y", slo=API, phases=PHASES, expect=(At(between=("6h10s", "6h50s"), first_fires="page"),))
    assert "no rule evaluation between 6h10s and 6h50s (every 1m)" in exc.value.diagnostics[0].message


def test_uncovered_alerts_are_listed(tmp_path):
    from obskit.loader import load_project
    from obskit.testing import uncovered_alerts
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "queue.py").write_text('''
from obskit.model.rules import AlertRule, RuleGroup
from obskit.verify.alert_tests import AlertTest, Silent
from obskit.verify.series import Series
high = AlertRule(name="QueueHigh", expr="queue_depth > 100", severity="warning", summary="s", description="d")
stuck = AlertRule(name="QueueStuck", expr="rate(queue_done_total[5m]) == 0", severity="warning", summary="s",
                  description="d")
group = RuleGroup(name="queue", rules=(high, stuck))
calm = AlertTest(name="calm", rules=group, series=(Series("queue_depth", {}).hold(3, 1),),
                 expect=(Silent(alert="QueueHigh", at="1m"),))
''')
    notes = uncovered_alerts(load_project(tmp_path))
    assert notes == ["alert QueueHigh (alerts/queue.py:5, group queue): AlertTests only expect it silent, none shows "
                     "it firing",
                     "alert QueueStuck (alerts/queue.py:6, group queue): no AlertTest names it"]
