"""The generated alert-timing tests pass on correct rules and catch wrong ones (real promtool)."""
import pytest

from obskit import SLO, AlertingPolicy, BurnWindow, RatioSLI, Tier
from obskit.compile.slo import compile_slo
from obskit.verify import timing
from obskit.verify.runner import run_files

SLI = dict(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}')


def slo(policy=None, **kw):
    return SLO(service="api", name="availability", objective=99.9, sli=RatioSLI(**SLI),
               alerting=policy or AlertingPolicy(), **kw)


def page_policy(long="1h", short="5m", share=0.02, factor=None, **kw):
    window = BurnWindow(long=long, short=short, factor=factor) if factor else \
        BurnWindow(long=long, short=short, budget_share=share)
    return AlertingPolicy(page=Tier(name="page", severity="critical", windows=(window,)), ticket=None, **kw)


def page_files(compiled, expected):
    return [f for f in timing.plan(compiled, expected).files if f.name.endswith("page-timing")]


def test_correct_page_rules_pass(promtool):
    right = slo(page_policy())
    results = run_files(page_files(compile_slo(right), right))
    assert [r.ok for r in results] == [True], results[0].describe()


@pytest.mark.parametrize("wrong", [
    page_policy(factor=10),          # factor 10 instead of 14.4: fires too early
    page_policy(factor=20),          # too late
    page_policy(long="2h", short="10m", share=0.04),  # same factor (14.4), wrong window
])
def test_wrong_factor_or_window_is_caught(promtool, wrong):
    right = slo(page_policy())
    results = run_files(page_files(compile_slo(slo(wrong)), right))
    assert len(results) == 1 and not results[0].ok
    assert any(n.startswith("page: a steady 28.8x burn fires after 30m") for n in results[0].failed_tests)


def test_missing_traffic_guard_is_caught(promtool):
    right = slo(page_policy(min_events=100))
    files = [f for f in timing.plan(compile_slo(slo(page_policy())), right).files if f.name.endswith("outage")]
    (result,) = run_files(files)
    assert not result.ok
    assert any("min_events" in name for name in result.failed_tests)
    # and the guard, when present, passes the same test
    (ok,) = run_files([f for f in timing.plan(compile_slo(right)).files if f.name.endswith("outage")])
    assert ok.ok, ok.describe()


def test_plan_covers_every_tier_and_the_quiet_service():
    plan = timing.plan(compile_slo(slo()))
    assert [f.name for f in plan.files] == ["api-availability-page-timing", "api-availability-ticket-timing",
                                            "api-availability-page-outage", "api-availability-quiet"]
    names = [t.name for f in plan.files for t in f.tests]
    assert any("0.9x the smallest factor" in n for n in names)
    assert any("100% outage" in n for n in names)
    assert any("after recovery" in n for n in names)
    assert any("quiet service" in n for n in names)
    assert any("missing SLI data" in n for n in names)


def test_every_test_sets_its_interval():
    # promtool 2.42 loads every sample at t=0 without a test-level interval: the trap must not happen
    for f in timing.plan(compile_slo(slo())).files:
        for t in f.to_dict("x.yml")["tests"]:
            assert t["interval"]


def test_raw_sli_is_reported_not_silently_skipped():
    from obskit import RawSLI
    raw = SLO(service="q", name="fresh", objective=99, sli=RawSLI(error_ratio="1 - avg_over_time(x[$window])"))
    plan = timing.plan(compile_slo(raw))
    assert plan.files == () and "RawSLI" in plan.skipped[0]


@pytest.mark.parametrize("case", ["good-by", "latency", "availability"])
def test_each_sli_kind_passes_its_timing_tests(promtool, root, case):
    from obskit.loader import load_project
    from obskit.compile.project import compile_project
    compiled = compile_project(load_project(root / "tests" / "golden" / "slo" / case))
    files = [f for c in compiled.slos[:1] for f in timing.plan(c).files]
    bad = [r.describe() for r in run_files(files) if not r.ok]
    assert not bad, "\n".join(bad)


def test_shared_policy_is_timed_once_but_every_slo_keeps_its_own_checks():
    a = compile_slo(slo())
    b = compile_slo(SLO(service="web", name="availability", objective=99.9, sli=RatioSLI(**SLI)))
    assert timing.policy_key(a.slo) == timing.policy_key(b.slo)
    reduced = timing.plan(b, full=False)
    names = [t.name for f in reduced.files for t in f.tests]
    assert not any("fires after" in n for n in names)
    for must in ("0.9x the smallest factor", "100% outage", "after recovery", "quiet service"):
        assert any(must in n for n in names), must
    other = SLO(service="web", name="availability", objective=99.5, sli=RatioSLI(**SLI))
    assert timing.policy_key(other) != timing.policy_key(a.slo)


def test_reduced_plan_passes_on_correct_rules(promtool):
    right = slo(AlertingPolicy(min_events=100))
    plan = timing.plan(compile_slo(right), full=False)
    assert [f.name for f in plan.files] == ["api-availability-page-outage", "api-availability-silent"]
    bad = [r.describe() for r in run_files(plan.files) if not r.ok]
    assert not bad, "\n".join(bad)


def _errors_never_counted(compiled):
    """The SLO's errors base rule replaced by one that reads no errors."""
    from dataclasses import replace
    rules = tuple(replace(r, expr=f"0 * ({r.expr})") if r.record.startswith("slo:sli_errors:") else r
                  for r in compiled.window_rules)
    return replace(compiled, window_rules=rules)


@pytest.mark.parametrize("wrong, caught_by", [
    (_errors_never_counted(compile_slo(slo())), "100% outage"),
    # thresholds of a 99.99 % objective on a 99.9 % SLO: a 0.9x burn fires the ticket tier
    (compile_slo(SLO(service="api", name="availability", objective=99.99, sli=RatioSLI(**SLI))),
     "0.9x the smallest factor"),
])
def test_reduced_plan_catches_wrong_own_rules(promtool, wrong, caught_by):
    plan = timing.plan(wrong, expected=slo(), full=False)
    failed = {n for r in run_files(plan.files) for n in r.failed_tests}
    assert any(caught_by in n for n in failed), failed


def test_files_are_costed_by_rule_evaluations():
    full = timing.plan(compile_slo(slo()))
    costs = {f.name: f.cost for f in full.files}
    # the ticket tier's 3-day histories at 5m steps cost more than the page tier's 6h ones at 1m
    assert costs["api-availability-ticket-timing"] > costs["api-availability-page-timing"] > 0
    reduced = timing.plan(compile_slo(slo()), full=False)
    assert sum(f.cost for f in reduced.files) * 10 < sum(costs.values())


# --- a timing check's burn never sits on another window's factor ---------------------------------------------
def test_clear_burn_is_twice_the_factor_unless_that_is_another_windows_factor():
    from obskit.verify.timing import clear_burn
    assert clear_burn(14.4, [14.4, 6.0], 1000) == 28.8 and clear_burn(6.0, [14.4, 6.0], 1000) == 12.0
    assert clear_burn(7.0, [14.0, 7.0], 1000) == pytest.approx(15.4)       # 2 x 7 = 14: the next multiple
    assert clear_burn(1.0, [2.0, 1.0], 1000) == pytest.approx(2.2)
    assert clear_burn(600.0, [600.0], 1000) == 1000                         # capped at 100 % errors


@pytest.mark.tools
def test_pyrra_like_factors_14_and_7_pass_their_generated_timing_tests(tmp_path):
    """Pyrra's page windows (14x over 1h, 7x over 6h): the 7x window's check burned at 2 x 7 = 14x, exactly the
    other window's factor, and failed at a float boundary (6 of 50 checks of an imported Pyrra SLO)."""
    import subprocess
    import sys
    import textwrap
    (tmp_path / "slos").mkdir()
    (tmp_path / "slos" / "pyrra_like.py").write_text(textwrap.dedent('''
        from obskit import SLO, AlertingPolicy, BurnWindow, RatioSLI, Tier
        page = Tier(name="page", severity="critical", windows=(BurnWindow(long="1h", short="5m", factor=14),
                                                               BurnWindow(long="6h", short="30m", factor=7)))
        ticket = Tier(name="ticket", severity="warning", windows=(BurnWindow(long="1d", short="2h", factor=2),
                                                                  BurnWindow(long="4d", short="6h", factor=1)))
        api = SLO(service="api", name="availability", objective=99.0,
                  sli=RatioSLI(total='http_requests_total{job="api"}',
                               errors='http_requests_total{job="api",code=~"5.."}'),
                  alerting=AlertingPolicy(page=page, ticket=ticket))
    '''))
    run = subprocess.run([sys.executable, "-m", "obskit", "test", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
