"""obskit test runs many test files per promtool invocation (obskit/verify/runner.py) and still reports
each file, test and expectation as a run of that file alone does: every file run, a failure in a batch
attributed to its own file, test and the file:line where the expectation was written."""
from __future__ import annotations

import inspect

import pytest
from hypothesis import given, settings, strategies as st

from obskit import SLO, AlertingPolicy, At, RatioSLI, SLOScenario, healthy, outage
from obskit.compile.slo import compile_slo
from obskit.verify import runner, timing
from obskit.verify.runner import MIN_BATCH_SHARE, batches, run_files
from servers import require

SLI = dict(total='http_requests_total{job="%s"}', errors='http_requests_total{job="%s",code=~"5.."}')


def slo(service: str, objective: float = 99.9) -> SLO:
    return SLO(service=service, name="availability", objective=objective,
               sli=RatioSLI(total=SLI["total"] % service, errors=SLI["errors"] % service),
               alerting=AlertingPolicy(min_events=100))


class Costed:
    def __init__(self, cost: int):
        self.cost = cost


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 100_000), min_size=1, max_size=300), st.integers(1, 8))
def test_batches_hold_every_file_once_longest_first_and_are_few(costs, workers):
    files = [Costed(c) for c in costs]
    out = batches(files, workers)
    flat = [i for b in out for i in b]
    assert sorted(flat) == list(range(len(files)))
    assert [max(files[i].cost, 1) for i in flat] == sorted((max(c, 1) for c in costs), reverse=True)
    # every batch but the last holds more than half the floor, so there are never many
    assert len(out) <= 2 / MIN_BATCH_SHARE + 1


def test_a_hundred_slos_take_a_few_dozen_runs():
    files = []
    for i in range(100):
        c = compile_slo(slo(f"svc-{i}", (99.9, 99.5, 99.0, 99.95)[i % 4]))
        files += timing.plan(c, full=i < 4).files
    assert len(files) == 208
    assert len(batches(files, 2)) <= 50


def reduced(service: str):
    return list(timing.plan(compile_slo(slo(service)), full=False).files)


def scenario_file(expectations):
    api = slo("api")
    sc = SLOScenario(name="a 15 minute outage", slo=api, phases=(healthy("6h"), outage("15m"), healthy("1h")),
                     expect=tuple(expectations))
    return sc.test_file(compile_slo(api))


@pytest.fixture
def counted(monkeypatch):
    """The promtool invocations run_files makes (each a list of test file names); still real runs."""
    calls = []
    real = runner.promtool.test_rules

    def test_rules(paths, **kw):
        calls.append(list(paths))
        return real(paths, **kw)

    monkeypatch.setattr(runner.promtool, "test_rules", test_rules)
    return calls


def test_passing_files_share_runs_and_each_is_reported(counted):
    require("promtool")
    files = [f for s in ("a", "b", "c", "d", "e") for f in reduced(s)]
    results = run_files(files, workers=1)
    assert [r.ok for r in results] == [True] * len(files), [r.describe() for r in results if not r.ok]
    assert [r.name for r in results] == [f.name for f in files]
    assert [r.test_names for r in results] == [tuple(t.name for t in f.tests) for f in files]
    ran = sorted(n for call in counted for n in call)
    assert ran == sorted(f"{f.name}.test.yml" for f in files)           # every file, once
    assert len(counted) < len(files)


def test_a_failure_in_a_batch_is_reported_as_when_run_alone(counted):
    require("promtool")
    good = At(time="6h10m", firing=("page", "ticket"))
    bad_line = inspect.currentframe().f_lineno + 1
    bad = At(time="6h", firing=("page",))          # healthy at 6h: nothing fires
    broken = scenario_file([good, bad])
    before = [f for s in "abcd" for f in reduced(s)]
    files = before + [broken] + [f for s in "efgh" for f in reduced(s)]
    results = run_files(files, workers=1)
    assert [r.ok for r in results] == [f is not broken for f in files]
    assert any(len(call) > 1 and f"{broken.name}.test.yml" in call for call in counted)     # it was batched
    (alone,) = run_files([broken])
    failed = results[len(before)]
    assert failed.subject == alone.subject == "api-availability"
    assert failed.failed_tests == alone.failed_tests and failed.failed_tests
    assert [(f.test, f.lines) for f in failed.failures] == [(f.test, f.lines) for f in alone.failures]
    (failure,) = failed.failures
    assert failure.origin.location.file == __file__ and failure.origin.location.line == bad_line
    assert "6h" in failure.text()
    # the batch that failed was run again one file per run: the broken file alone, once more
    assert sum(call == [f"{broken.name}.test.yml"] for call in counted) == 2


def test_a_file_promtool_cannot_load_fails_alone(tmp_path):
    require("promtool")
    import dataclasses
    from obskit.compile.ir import RuleGroup
    files = reduced("a")
    bad_group = dataclasses.replace(files[0].groups[0], name=files[0].groups[0].name)
    rules = tuple(dataclasses.replace(r, expr="sum(") if i == 0 else r for i, r in enumerate(bad_group.rules))
    unloadable = dataclasses.replace(files[0], name="unloadable", groups=(RuleGroup(bad_group.name, rules),))
    results = run_files(files + [unloadable], workers=1)
    assert [r.ok for r in results] == [True, True, False]
    assert "unloadable" in results[2].output or "parse" in results[2].output.lower()
