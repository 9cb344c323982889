"""An SLI that does not fit its metric is refused where it is written (#15 item 4); style findings are
warnings that never fail a build."""
import textwrap

import pytest

from obskit import SLO, AvailabilitySLI, LatencySLI, RatioSLI, presets
from obskit.errors import DefinitionError
from test_build_cli import cli


@pytest.mark.parametrize("make, says", [
    (lambda: LatencySLI(histogram='http_requests_total{job="api"}', threshold=0.5, buckets=(0.5,)),
     "histogram: http_requests_total is a counter (_total), not a histogram"),
    (lambda: LatencySLI(native_histogram="up", threshold=0.5), "native_histogram: up is a gauge"),
    (lambda: RatioSLI(total='http_request_duration_seconds_bucket{job="api"}',
                      good='http_request_duration_seconds_bucket{job="api",le="0.5"}'),
     "total: http_request_duration_seconds_bucket without an le matcher sums every bucket"),
    (lambda: RatioSLI(total='rpc_duration_seconds_sum', errors='rpc_errors_total'),
     "total: rpc_duration_seconds_sum is a histogram's or summary's sum of observed values"),
    (lambda: RatioSLI(total='up{job="api"}', errors='http_errors_total{job="api"}'), "total: up is a gauge"),
    (lambda: AvailabilitySLI(gauge='http_requests_total{job="api"}'), "gauge: http_requests_total is a counter"),
    (lambda: AvailabilitySLI(gauge='http_request_duration_seconds_count'), "is a histogram's _count series"),
])
def test_sli_that_does_not_fit_its_metric(make, says):
    with pytest.raises(DefinitionError) as exc:
        make()
    [d] = exc.value.diagnostics
    assert d.code == "sli-metric-mismatch" and says in d.message and d.hint, str(d)
    assert d.location.file == __file__


@pytest.mark.parametrize("make", [
    lambda: RatioSLI(total='http_request_duration_seconds_count{job="api"}',
                     good='http_request_duration_seconds_bucket{job="api",le="0.5"}'),     # latency as a ratio
    lambda: RatioSLI(total='h_bucket{le="+Inf"}', errors='e_total'),
    lambda: AvailabilitySLI(gauge='probe_success{job="blackbox"}'),
    lambda: LatencySLI(histogram='http_request_duration_seconds', threshold=0.5, buckets=(0.5,)),
    lambda: presets.nginx_ingress_availability({"ingress": "web"}),     # a counter without _total is fine
    lambda: presets.grpc_latency(0.25),
])
def test_fitting_slis_pass(make):
    make()


def test_style_is_a_warning_and_builds(tmp_path):
    proj = tmp_path / "p"
    (proj / "slos").mkdir(parents=True)
    (proj / "slos" / "api.py").write_text(textwrap.dedent('''
        from obskit import SLO, RatioSLI
        api = SLO(service="api", name="availability", objective=99.9, alert_name="api_availability_burn",
                  sli=RatioSLI(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}'))
        '''))
    for args in (("check", proj, "--no-verify"), ("build", proj, "--no-verify", "--out", tmp_path / "out")):
        r = cli(*args)
        assert r.returncode == 0, r.stderr
        assert "slos/api.py:3: warning [alert-name-style]" in r.stderr, r.stderr
    with pytest.raises(DefinitionError) as exc:
        SLO(service="api", name="availability", objective=99.9, alert_name="api burn",
            sli=RatioSLI(total='a_total', errors='b_total'))
    assert exc.value.diagnostics[0].code == "bad-name"
