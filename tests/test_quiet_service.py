"""The default quiet-service guard (obskit/policy/quiet.py): one failure at 6 requests an hour does not
page, a complete outage of that service does, no traffic raises nothing, busy services keep the Workbook's
timing; ``min_events`` replaces the guard or (0) switches it off. Proven with every installed promtool."""
import pytest

from obskit import SLO, AlertingPolicy, AvailabilitySLI, LatencySLI, RatioSLI, RawSLI
from obskit.compile.slo import compile_slo
from obskit.errors import DefinitionError
from obskit.policy import quiet
from obskit.verify import timing
from obskit.verify.runner import run_files
from servers import require, versions

SLI = dict(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}')


def slo(policy=None, sli=None, **kw):
    return SLO(service="api", name="availability", objective=99.9, sli=sli or RatioSLI(**SLI),
               alerting=policy or AlertingPolicy(), **kw)


def guard_parts(s):
    return [p for _, a in compile_slo(s).tier_alerts for p in a.expr.split("\n") if "on(" in p]


def test_default_guard_counts_errors_in_every_long_window():
    parts = guard_parts(slo())
    assert len(parts) == 4     # page 1h and 6h, ticket 1d and 3d
    assert all("slo:sli_errors:rate2m" in p and p.endswith(">= 1.5)") for p in parts), parts
    assert "[58m30s]" in parts[0]
    raw = guard_parts(slo(window_shape="raw"))
    assert 'rate(http_requests_total{job="api",code=~"5.."}[1h])' in raw[0] and "* 3600 >= 1.5" in raw[0]
    latency = LatencySLI(histogram='http_request_duration_seconds{job="api"}', threshold=0.5, buckets=(0.1, 0.5, 1))
    assert len(guard_parts(slo(sli=latency))) == 4


def test_min_events_replaces_the_guard_and_zero_switches_it_off():
    events = guard_parts(slo(AlertingPolicy(min_events=100)))
    assert all("slo:sli_total:rate2m" in p and p.endswith(">= 100)") for p in events), events
    assert guard_parts(slo(AlertingPolicy(min_events=0))) == []
    # samples of a gauge arrive whatever the traffic; a RawSLI has no counts: no default guard
    assert guard_parts(slo(sli=AvailabilitySLI(gauge='up{job="api"}'))) == []
    assert guard_parts(slo(sli=RawSLI(error_ratio="1 - avg_over_time(x[$window])"))) == []
    assert guard_parts(slo(AlertingPolicy(min_events=0), sli=RawSLI(error_ratio="1 - avg_over_time(x[$window])"))) == []


@pytest.mark.parametrize("bad", [-1, "100", True])
def test_min_events_must_be_a_number(bad):
    with pytest.raises(DefinitionError) as exc:
        AlertingPolicy(min_events=bad)
    d = exc.value.diagnostics[0]
    assert d.code == "bad-policy" and "min_events" in d.message and d.location.file == __file__


def test_traffic_floor_numbers():
    # from this many events per long window the ratio alone asks for 2 errors: the guard is a no-op
    assert quiet.traffic_floor(99.9, 14.4) == pytest.approx(138.9, abs=0.1)
    assert quiet.traffic_floor(99.9, 6) == pytest.approx(333.3, abs=0.1)
    assert quiet.traffic_floor(99, 14.4) == pytest.approx(13.9, abs=0.1)
    # the generated tests' busy traffic (10 requests/s) is far above every floor of the defaults
    assert quiet.traffic_floor(99.99, 1) < 10 * 3 * 86400


def test_generated_plan_proves_the_guard():
    names = [t.name for f in timing.plan(compile_slo(slo())).files for t in f.tests]
    assert "one failed request at 6 requests an hour fires no tier" in names
    assert any(n.startswith("page: a complete outage at 6 requests an hour fires once 2 requests failed") for n in names)
    assert any("quiet service (zero traffic) fires nothing" in n for n in names)
    # an explicit min_events is proven by its own test instead; no guard: no quiet-service claims
    for policy in (AlertingPolicy(min_events=100), AlertingPolicy(min_events=0)):
        names = [t.name for f in timing.plan(compile_slo(slo(policy))).files for t in f.tests]
        assert not any("6 requests an hour" in n for n in names)


def _quiet_files(compiled, expected):
    return [f for f in timing.plan(compiled, expected).files if f.name.endswith(("-page-outage", "-quiet"))]


@pytest.mark.parametrize("version", versions("promtool"))
def test_guard_holds_with_every_promtool(version):
    """One failure at 6 req/h: no page, no ticket; full outage at 6 req/h: pages (about 15 min in);
    zero traffic: nothing, records 0; busy outage and recovery unchanged."""
    tool = require("promtool", version)
    for s in (slo(), slo(window_shape="raw"),
              slo(sli=LatencySLI(histogram='http_request_duration_seconds{job="api"}', threshold=0.5,
                                 buckets=(0.1, 0.5, 1)))):
        bad = [r.describe() for r in run_files(_quiet_files(compile_slo(s), s), tool=tool) if not r.ok]
        assert not bad, "\n".join(bad)


def test_without_the_guard_one_failure_pages(promtool):
    """The same generated tests on rules without a guard (Sloth's and the Workbook's shape) fail: the
    single failure fires, and the quiet outage fires before its second failed request."""
    unguarded = compile_slo(slo(AlertingPolicy(min_events=0)))
    failed = {n for r in run_files(_quiet_files(unguarded, slo())) for n in r.failed_tests}
    assert "one failed request at 6 requests an hour fires no tier" in failed
    assert any(n.startswith("page: a complete outage at 6 requests an hour") for n in failed), failed
