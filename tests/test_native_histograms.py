"""Native-histogram latency SLIs: the PromQL, the version gate, promtool 3.x on native-histogram
series, and end to end: an OpenTelemetry SDK exponential histogram pushed over OTLP into a real
Prometheus 3.x, whose obskit rules record the right error ratio."""
from __future__ import annotations

import dataclasses
import subprocess
import textwrap
import time
import urllib.parse

import pytest

from obskit import SLO, LatencySLI
from obskit.compile.slo import compile_slo
from obskit.compile.sli import queries
from obskit.errors import DefinitionError
from obskit.loader import load_project
from obskit.project import Settings
from obskit.render import prometheus_rules
from obskit.compile.ir import RuleFile
from obskit.verify import timing
from obskit.verify.runner import run_files
from obskit.verify.tools import parse_version

from servers import get_json, require, start_prometheus, versions

H = 'http_request_duration_seconds{job="api"}'


def native_slo(by=(), **kw) -> SLO:
    return SLO(service="api", name="latency", objective=99.0,
               sli=LatencySLI(native_histogram=H, threshold=0.3, by=by), **kw)


def v3(name: str):
    return [v for v in versions(name) if parse_version(v) >= (3,)]


# --- model and PromQL --------------------------------------------------------------------------

def test_native_queries_use_histogram_count_and_fraction():
    q = queries(native_slo(by=("cluster",)).sli)
    bad, total = q.rates("2m")
    h = 'sum by (cluster) (rate(http_request_duration_seconds{job="api"}[2m]))'
    assert total == f"histogram_count({h})"
    # bad events as a rate (count × (1 - fraction)), so long windows sum counts, not fractions
    assert f"histogram_count({h}) > 0) * (1 - histogram_fraction(-Inf, 0.3, {h}))" in bad
    assert "histogram_fraction(-Inf, 0.3," in q.error_ratio("5m")
    assert q.events("1h").startswith("histogram_count(sum by (cluster) (increase(")


def test_long_windows_are_ratios_of_summed_counts():
    c = compile_slo(native_slo())
    by_name = {r.record: r.expr for r in c.window_rules}
    assert "histogram_fraction" in by_name["slo:sli_errors:rate2m"]
    long = by_name["slo:sli_error:ratio_rate1h"]
    assert "sum_over_time(slo:sli_errors:rate2m" in long and "sum_over_time(slo:sli_total:rate2m" in long
    assert "histogram_fraction" not in long and "avg_over_time" not in long


@pytest.mark.parametrize("kw, message", [
    (dict(native_histogram=H, threshold=0.3, buckets=(0.1, 0.3)), "buckets= is for classic histograms"),
    (dict(native_histogram=H, histogram=H, threshold=0.3), "exactly one of histogram="),
    (dict(threshold=0.3), "exactly one of histogram="),
    (dict(native_histogram='http_request_duration_seconds_bucket{job="api"}', threshold=0.3), "without '_bucket'"),
    (dict(histogram=H, threshold=0.3), "buckets= is required"),
])
def test_bad_native_definitions_are_refused(kw, message):
    with pytest.raises(DefinitionError) as exc:
        LatencySLI(**kw)
    assert message in str(exc.value) and "test_native_histograms.py:" in str(exc.value)


def _project(tmp_path, version: str):
    (tmp_path / "slos").mkdir()
    (tmp_path / "obskit.toml").write_text(f'[project]\nprometheus_version = "{version}"\n')
    (tmp_path / "slos" / "api.py").write_text(textwrap.dedent(f"""\
        from obskit import SLO, LatencySLI
        latency = SLO(service="api", name="latency", objective=99.0,
                      sli=LatencySLI(native_histogram='{H}', threshold=0.3))
        """))
    return tmp_path


@pytest.mark.parametrize("version", ["2.42", "2.53"])
def test_too_old_prometheus_is_refused_with_the_version_that_added_it(tmp_path, version):
    with pytest.raises(DefinitionError) as exc:
        load_project(_project(tmp_path, version))
    text = str(exc.value)
    assert "slos/api.py:2" in text and "[too-new]" in text
    assert "needs Prometheus 3.0 or newer" in text and "2.40" in text and f"targets {version}" in text


def test_prometheus_3_target_loads(tmp_path):
    project = load_project(_project(tmp_path, "3.5"))
    assert [s.sli.native for s in project.slos] == [True]


# --- promtool 3.x on native-histogram series -----------------------------------------------------

@pytest.mark.parametrize("version", v3("promtool"))
def test_generated_timing_tests_pass_on_native_series(version):
    """obskit's own timing machinery (steady burns fire at the Workbook time ± one interval, 0.9×
    never fires, outage, recovery, quiet service, absent data) on native-histogram input series."""
    tool = require("promtool", version)
    plan = timing.plan(compile_slo(native_slo()))
    assert not plan.skipped
    results = run_files(plan.files, tool=tool)
    assert all(r.ok for r in results), "\n".join(r.describe() for r in results if not r.ok)
    notation = plan.files[0].to_dict("x.yml")["tests"][0]["input_series"][0]["values"]
    assert notation.startswith("{{schema:0 ") and "}}+{{" in notation


@pytest.mark.parametrize("shape", ["preaggregated", "raw"])
@pytest.mark.parametrize("version", v3("promtool"))
def test_recorded_error_ratio_by_hand(tmp_path, version, shape):
    """Hand-written native series, one sample a minute, 60 observations each: 4h all fast
    (0.1875 s), then 2h with 15 of 60 slow (0.75 s). The threshold 0.3 lies in an empty bucket, so the
    recorded error ratio must be exactly 0 before and 0.25 after, over the short and the long windows."""
    tool = require("promtool", version)
    c = compile_slo(native_slo(window_shape=shape))
    (tmp_path / "rules.yml").write_bytes(prometheus_rules.render(RuleFile("api", c.groups())))
    nh = "{{schema:0 sum:%s count:%s offset:-2 buckets:[%s 0 %s]}}"
    values = (nh % (0, 0, 0, 0) + "+" + nh % (11.25, 60, 60, 0) + "x240 "      # t = 0 .. 4h
              + nh % (2719.6875, 14460, 14445, 15) + "+" + nh % (19.6875, 60, 45, 15) + "x119")

    def ratio(window: str, at: str, value: int, scale: int = 1000000) -> dict:
        return {"expr": f'round(slo:sli_error:ratio_rate{window}{{obskit_service="api"}} * {scale})', "eval_time": at,
                "exp_samples": [{"labels": '{obskit_service="api", obskit_slo="latency"}', "value": value}]}

    doc = {"rule_files": ["rules.yml"], "evaluation_interval": "1m",
           "group_eval_order": [g.name for g in c.groups()],
           "tests": [{"interval": "1m", "input_series": [{"series": H, "values": values}],
                      "promql_expr_test": [ratio("5m", "3h", 0), ratio("1h", "3h50m", 0),
                                           ratio("5m", "4h30m", 250000), ratio("1h", "5h10m", 250000),
                                           
                                           # half burn, half healthy: 0.125 (± one sample at the window's
                                           # edge: 29 or 30 of 59 or 60 increments), a ratio of summed counts
                                           ratio("1h", "4h30m", 6, scale=50)]}]}
    from obskit.render.yamlfmt import dump
    (tmp_path / "t.yml").write_text(dump(doc))
    out = subprocess.run([tool.path, "test", "rules", "t.yml"], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


# --- end to end: OpenTelemetry SDK → OTLP → Prometheus 3.x → obskit's rules ------------------------

def _otlp_args(tool) -> list:
    args = ["--web.enable-otlp-receiver"]
    if tool.version_tuple < (3, 9):
        # before 3.9 the OTLP receiver answers 500 "native histograms are disabled" without the flag
        # (3.5.1, run here); from 3.9 the flag is a no-op and native histograms are always stored
        args.append("--enable-feature=native-histograms")
    return args


def _query(url: str, expr: str) -> list:
    return get_json(url + "/api/v1/query?query=" + urllib.parse.quote(expr))["data"]["result"]


@pytest.mark.parametrize("version", v3("prometheus"))
def test_otel_exponential_histogram_over_otlp_records_the_error_ratio(tmp_path, version):
    """An OpenTelemetry SDK histogram with the exponential aggregation, pushed every 0.5 s over OTLP/HTTP,
    arrives as a native histogram (job = service.name); obskit's rules evaluated every second record
    10 % slow requests (1.0 s against a 0.3 s threshold) as an error ratio of 0.1."""
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
    from opentelemetry.sdk.resources import Resource

    tool = require("prometheus", version)
    c = compile_slo(native_slo(), Settings(scrape_interval=1, evaluation_interval=1))
    # every group every second: the 5m window is recorded in the 4m slow group (#18), which a 30 s
    # test may not see run; what is tested is what the rules compute from the OTLP series
    groups = tuple(dataclasses.replace(g, interval=None) for g in c.groups())
    (tmp_path / "rules.yml").write_bytes(prometheus_rules.render(RuleFile("api", groups)))
    config = f"global: {{evaluation_interval: 1s}}\nrule_files: [{tmp_path / 'rules.yml'}]\n"
    with start_prometheus(tool, tmp_path / "prom", config, args=_otlp_args(tool)) as server:
        reader = PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=server.url + "/api/v1/otlp/v1/metrics"),
                                               export_interval_millis=500)
        provider = MeterProvider(metric_readers=[reader], resource=Resource.create({"service.name": "api"}),
                                 views=[View(instrument_name="http.request.duration",
                                             aggregation=ExponentialBucketHistogramAggregation())])
        try:
            histogram = provider.get_meter("obskit-test").create_histogram("http.request.duration", unit="s")
            ratio = total = None
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                for _ in range(9):
                    histogram.record(0.05)
                histogram.record(1.0)
                time.sleep(0.25)
                ratio = _query(server.url, 'slo:sli_error:ratio_rate5m{obskit_service="api"}')
                total = _query(server.url, 'slo:sli_total:rate2s{obskit_service="api"}')
                if ratio and total and float(total[0]["value"][1]) > 0 and float(ratio[0]["value"][1]) > 0:
                    time.sleep(2)   # a few more evaluations with traffic in every base window
                    ratio = _query(server.url, 'slo:sli_error:ratio_rate5m{obskit_service="api"}')
                    break
        finally:
            provider.shutdown()
        raw = _query(server.url, H)
        assert raw and "histogram" in raw[0], f"not stored as a native histogram: {raw}"
        assert ratio, "no error ratio recorded:\n" + server.log_tail()
        assert float(ratio[0]["value"][1]) == pytest.approx(0.1, abs=0.005)
        assert ratio[0]["metric"] == {"__name__": "slo:sli_error:ratio_rate5m", "obskit_service": "api",
                                      "obskit_slo": "latency"}


# --- the other outputs that read a LatencySLI ------------------------------------------------------

def test_red_dashboard_reads_the_native_histogram():
    from obskit.compile.dashboards.red import red
    spec = red("api", [native_slo()])
    exprs = [t.expr for row in spec.rows for p in row.panels for t in p.queries]
    assert any(e.startswith("histogram_count(sum(rate(http_request_duration_seconds{job=\"api\"}") for e in exprs)
    assert any(e.startswith("histogram_quantile(0.99, sum(rate(http_request_duration_seconds{job=\"api\"}")
               for e in exprs)


def test_python_and_openslo_export():
    from obskit.interop import openslo_export, pycode
    assert pycode.sli_code(native_slo().sli, 4) == f"LatencySLI(native_histogram='{H}', threshold=0.3)"
    text, findings = openslo_export.export([native_slo()])
    assert "1 - histogram_fraction(-Inf, 0.3, sum(rate(" in text and "native-histogram" in findings[0].message
