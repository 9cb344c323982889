"""Bad definitions give located errors that name the object; good ones normalise their fields."""
import pytest

from obskit import SLO, AlertingPolicy, AvailabilitySLI, BurnWindow, LatencySLI, RatioSLI, RawSLI, Tier, presets
from obskit.errors import DefinitionError, collecting

TOTAL = 'http_requests_total{job="api"}'
ERRORS = 'http_requests_total{job="api",code=~"5.."}'


def ratio():
    return RatioSLI(total=TOTAL, errors=ERRORS)


def codes(exc):
    return [d.code for d in exc.value.diagnostics]


@pytest.mark.parametrize("objective", [0, 100, 120, -1])
def test_objective_out_of_range(objective):
    with pytest.raises(DefinitionError) as exc:
        SLO(service="api", name="availability", objective=objective, sli=ratio())
    d = exc.value.diagnostics[0]
    assert d.code == "bad-objective" and d.obj == "SLO api/availability"
    assert d.location.file == __file__ and d.location.line > 0


def test_error_points_at_the_line_of_the_definition():
    with pytest.raises(DefinitionError) as exc:
        SLO(service="api", name="x", objective=99.9, sli=ratio(), period="30x")  # THIS LINE
    d = exc.value.diagnostics[0]
    assert d.code == "bad-duration" and "30x" in d.message
    with open(__file__) as fh:
        assert "# THIS LINE" in fh.read().splitlines()[d.location.line - 1]


def test_empty_selector_and_syntax_error():
    with pytest.raises(DefinitionError) as exc:
        RatioSLI(total="", errors='http_requests_total{code=~"5.."')
    assert codes(exc) == ["empty-selector", "promql-syntax"]


def test_latency_threshold_must_be_a_bucket():
    with pytest.raises(DefinitionError) as exc:
        LatencySLI(histogram="h_seconds", threshold=0.3, buckets=(0.1, 0.25, 0.5))
    assert codes(exc) == ["threshold-not-bucket"]
    assert "0.1, 0.25, 0.5" in exc.value.diagnostics[0].hint


def test_latency_histogram_base_name():
    with pytest.raises(DefinitionError, match="without '_bucket'"):
        LatencySLI(histogram="h_seconds_bucket", threshold=0.1, buckets=(0.1,))


def test_raw_sli_needs_window_placeholder_and_valid_promql():
    with pytest.raises(DefinitionError, match=r"\$window"):
        RawSLI(error_ratio="sum(rate(x[5m]))")
    with pytest.raises(DefinitionError) as exc:
        RawSLI(error_ratio="sum(rate(x[$window])")
    assert codes(exc) == ["promql-syntax"]


def test_alert_that_can_never_fire_is_refused():
    # a 90 % SLO cannot spend 2 % of a 30-day budget in 1 h: 14.4 × 10 % > 100 % errors
    with pytest.raises(DefinitionError) as exc:
        SLO(service="api", name="x", objective=90, sli=ratio())
    assert "alert-cannot-fire" in codes(exc)


def test_collecting_reports_every_problem_of_every_object():
    with collecting() as diags:
        SLO(service="API!", name="x", objective=120, sli=ratio(), period="7q")
        RatioSLI(total="", errors=ERRORS)
    assert [d.code for d in diags] == ["bad-name", "bad-objective", "bad-duration", "empty-selector"]


def test_reserved_and_bad_labels():
    with pytest.raises(DefinitionError) as exc:
        SLO(service="api", name="x", objective=99.9, sli=ratio(),
            labels={"severity": "x", "obskit_tier": "y", "bad-name": "z"})
    assert codes(exc) == ["reserved-label", "reserved-label", "bad-label"]


def test_policy_defaults_are_the_workbook_catalog():
    slo = SLO(service="api", name="x", objective=99.9, sli=ratio())
    got = [(t.name, t.severity, str(w.long), str(w.short), w.factor_for(slo.period))
           for t in slo.alerting.tiers for w in t.windows]
    assert got == [("page", "critical", "1h", "5m", 14.4), ("page", "critical", "6h", "30m", 6.0),
                   ("ticket", "warning", "1d", "2h", 3.0), ("ticket", "warning", "3d", "6h", 1.0)]


def test_factors_scale_with_the_period():
    slo = SLO(service="api", name="x", objective=99.9, sli=ratio(), period="28d")
    assert [w.factor_for(slo.period) for t in slo.alerting.tiers for w in t.windows] == \
        [13.44, 5.6, 2.8, 0.933333]


def test_custom_policy():
    policy = AlertingPolicy(page=Tier(name="page", severity="sev1",
                                      windows=(BurnWindow(long="2h", budget_share=0.05),)),
                            ticket=None, absent_for=None, min_events=10)
    slo = SLO(service="api", name="x", objective=99.5, sli=ratio(), alerting=policy)
    (w,) = slo.alerting.page.windows
    assert str(w.short) == "10m" and w.factor_for(slo.period) == 18.0
    assert slo.alerting.tiers == (slo.alerting.page,)


def test_bad_windows():
    with pytest.raises(DefinitionError, match="shorter than long"):
        BurnWindow(long="1h", short="2h", factor=2)
    with pytest.raises(DefinitionError, match="exactly one of budget_share"):
        BurnWindow(long="1h", short="5m")
    with pytest.raises(DefinitionError, match="bad-duration"):
        BurnWindow(long="1x", factor=2)


def test_presets():
    sli = presets.otel_http_availability({"service_name": "checkout"})
    assert str(sli.total) == 'http_server_request_duration_seconds_count{service_name="checkout"}'
    assert str(sli.errors).endswith('http_response_status_code=~"5.."}')
    lat = presets.prometheus_client_http_latency(0.25, 'job="api"')
    assert lat.histogram.metric == "http_request_duration_seconds" and 0.25 in lat.buckets
    assert str(presets.grpc_availability().errors).startswith('grpc_server_handled_total{grpc_code=~"Unknown|')
    assert presets.nginx_ingress_latency(1.0).threshold == 1.0
    with pytest.raises(DefinitionError, match="not a bucket boundary"):
        presets.nginx_ingress_latency(0.2)
    assert AvailabilitySLI(gauge='probe_success{job="blackbox"}').gauge.metric == "probe_success"
