"""Jaeger v2 and the OpenTelemetry Collector, for real: ``jaeger validate`` on every Jaeger v2 config
obskit writes, and end to end: a Python service instrumented with the OpenTelemetry SDK → an
obskit-generated collector (OTLP in; tail sampling → OTLP to Jaeger; spanmetrics → OTLP to
Prometheus 3.16's OTLP receiver) → Jaeger v2 started from an obskit-generated config (memory storage,
file sampling strategies served on its remote_sampling endpoint).

Head sampling is the strategy Jaeger serves (fetched from its sampling endpoint and applied by the
SDK's ratio sampler), tail sampling the collector's status_code + probabilistic 0 policies; the test
counts what reaches Jaeger. Trace ids are fixed (evenly spread), so the head decision is exact."""
import json
import time
import urllib.parse
from pathlib import Path

import pytest
import yaml

from obskit.build import render_project
from obskit.compile import tracing as ct
from obskit.loader import load_project
from obskit.model.tracing import JaegerSampling, JaegerV2, MemoryStore, ServiceStrategy, probabilistic
from obskit.model.tracing.otel import (
    BatchProcessor, MemoryLimiter, OtelCollector, OtlpExporter, OtlpHttpExporter, OtlpReceiver, Pipeline,
    ProbabilisticPolicy, SpanMetricsConnector, StatusCodePolicy, TailSampling,
)
from obskit.render import jaeger as rj
from obskit.render import otel as ro
from obskit.targets.tracing import real_validate
from servers import ROOT, free_port, get_json, require, start_jaeger, start_otelcol, start_prometheus

GOLDEN = Path(__file__).parent / "golden" / "tracing"

#: service → (head-sampling probability served by Jaeger, traces sent)
HEAD = {"shop": (0.5, 40), "search": (1.0, 6)}


# ----------------------------------------------------------------------------------- validate
def _jaeger_configs(tmp_path):
    out = [p for p in GOLDEN.glob("*/expected/jaeger/*/config.yaml")]
    files = render_project(load_project(ROOT))
    for rel, data in files.items():
        if rel.startswith("jaeger/") and rel.endswith(".yaml"):
            dest = tmp_path / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            out.append(dest)
    return out


def test_every_jaeger_v2_config_passes_jaeger_validate(tmp_path):
    tool = require("jaeger")
    configs = _jaeger_configs(tmp_path)
    assert len(configs) >= 3
    for path in configs:
        ok, text = real_validate(tool, path)
        assert ok, f"{path}: {text}"


def _local_jaeger_doc():
    """The golden Jaeger v2 config on 127.0.0.1 free ports, memory storage, no sampling file."""
    doc = yaml.safe_load((GOLDEN / "jaeger-v2" / "expected" / "jaeger" / "shop" / "config.yaml").read_text())
    doc["extensions"]["jaeger_storage"]["backends"]["traces"] = {"memory": {"max_traces": 10}}
    del doc["extensions"]["remote_sampling"]
    doc["service"]["extensions"].remove("remote_sampling")
    doc["service"]["telemetry"]["metrics"]["readers"][0]["pull"]["exporter"]["prometheus"]["port"] = free_port()
    for k in ("http", "grpc"):
        doc["extensions"]["jaeger_query"][k]["endpoint"] = f"127.0.0.1:{free_port()}"
    doc["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] = f"127.0.0.1:{free_port()}"
    return doc


def test_jaeger_validate_refuses_an_unknown_key_and_so_does_obskit(tmp_path):
    tool = require("jaeger")
    doc = _local_jaeger_doc()
    doc["extensions"]["jaeger_query"]["bogus"] = 1
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(doc))
    assert ro.validate(doc) == ["extension 'jaeger_query': unknown key 'bogus'"]
    ok, text = real_validate(tool, tmp_path / "bad.yaml")
    assert not ok and "invalid keys: bogus" in text, text


def test_a_dangling_storage_name_passes_jaeger_validate_but_jaeger_refuses_to_start(tmp_path):
    """``jaeger validate`` only decodes the config; the storage references are resolved when the
    extensions start. obskit's validator refuses them, as the start does."""
    import subprocess
    tool = require("jaeger")
    doc = _local_jaeger_doc()
    doc["extensions"]["jaeger_query"]["storage"]["traces"] = "nope"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(doc))
    assert ro.validate(doc) == ["jaeger_query: storage.traces 'nope' is not a jaeger_storage backend"]
    assert real_validate(tool, tmp_path / "bad.yaml")[0]
    proc = subprocess.run([tool.path, "--config=bad.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "cannot find definition of storage 'nope'" in proc.stderr, proc.stderr[-2000:]


# ----------------------------------------------------------------------------------- end to end
@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    jaeger_tool = require("jaeger")
    prom_tool = require("prometheus", "3.16")
    from test_collector_real import collector_tool
    col_tool = collector_tool("otelcol")
    work = tmp_path_factory.mktemp("trace-e2e")
    p = {k: free_port() for k in ("j_otlp", "j_http", "j_grpc", "s_http", "s_grpc", "j_metrics", "c_http",
                                  "c_metrics", "prom")}

    sampling = JaegerSampling(name="e2e", default=probabilistic(1.0), services=[
        ServiceStrategy(service=s, strategy=probabilistic(rate)) for s, (rate, _) in HEAD.items()])
    jaeger = JaegerV2(name="e2e", storage=MemoryStore(max_traces=10000), sampling=sampling,
                      receivers={"otlp": OtlpReceiver(grpc=f"127.0.0.1:{p['j_otlp']}", http=None)},
                      processors={"batch": BatchProcessor(timeout="100ms")},
                      query_http=f"127.0.0.1:{p['j_http']}", query_grpc=f"127.0.0.1:{p['j_grpc']}",
                      sampling_http=f"127.0.0.1:{p['s_http']}", sampling_grpc=f"127.0.0.1:{p['s_grpc']}",
                      sampling_path=str(work / "jaeger" / "sampling_strategies.json"), sampling_reload_interval="1s",
                      telemetry_metrics_port=p["j_metrics"])
    (work / "jaeger").mkdir()
    (work / "jaeger" / "sampling_strategies.json").write_bytes(rj.render_sampling(sampling))
    jaeger_yaml = ro.render_collector(ct.jaeger_plan(jaeger))

    collector = OtelCollector(
        name="e2e",
        receivers={"otlp": OtlpReceiver(grpc=None, http=f"127.0.0.1:{p['c_http']}")},
        processors={"memory_limiter": MemoryLimiter(limit_mib=256),
                    "tail_sampling": TailSampling(decision_wait="1s", policies=[
                        StatusCodePolicy(name="errors", status_codes=["ERROR"]),
                        ProbabilisticPolicy(name="rest", sampling_percentage=0)]),
                    "batch": BatchProcessor(timeout="100ms")},
        connectors={"spanmetrics": SpanMetricsConnector(metrics_flush_interval="1s")},
        exporters={"otlp/jaeger": OtlpExporter(endpoint=f"127.0.0.1:{p['j_otlp']}", insecure=True),
                   "otlphttp/prometheus": OtlpHttpExporter(endpoint=f"http://127.0.0.1:{p['prom']}/api/v1/otlp")},
        pipelines=[
            # every span feeds the RED metrics; only what tail sampling keeps goes to Jaeger
            Pipeline(signal="traces", name="spanmetrics", receivers=["otlp"], processors=["memory_limiter", "batch"],
                     exporters=["spanmetrics"]),
            Pipeline(signal="traces", receivers=["otlp"], processors=["memory_limiter", "tail_sampling", "batch"],
                     exporters=["otlp/jaeger"]),
            Pipeline(signal="metrics", receivers=["spanmetrics"], processors=["batch"],
                     exporters=["otlphttp/prometheus"]),
        ],
        telemetry_metrics_port=p["c_metrics"])
    collector_yaml = ro.render_collector(ct.collector_plan(collector))
    for text in (jaeger_yaml, collector_yaml):
        assert ro.validate(yaml.safe_load(text)) == []

    servers = []
    try:
        servers.append(start_prometheus(prom_tool, work / "prometheus", "global:\n  scrape_interval: 1s\n",
                                        args=["--web.enable-otlp-receiver"], port=p["prom"]))
        servers.append(start_jaeger(jaeger_tool, work / "jaeger", jaeger_yaml, p["j_http"]))
        servers.append(start_otelcol(col_tool, work / "collector", collector_yaml,
                                     f"http://127.0.0.1:{p['c_metrics']}/metrics"))
        _wait_receiver(f"http://127.0.0.1:{p['c_http']}/v1/traces", servers[2])
        yield {"ports": p, "prometheus": servers[0], "jaeger": servers[1], "collector": servers[2]}
    finally:
        for s in reversed(servers):
            s.stop()


def _wait_receiver(url, server, timeout=30):
    """Receivers start last: wait until the collector's OTLP/HTTP receiver answers (405 to a GET)."""
    import urllib.error
    import urllib.request
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the collector's OTLP receiver did not answer at {url}:\n{server.log_tail()}")


class _FixedIds:
    """Trace ids i * 2**64 / n in the low 64 bits (what the ratio sampler compares), random-free."""

    def __init__(self, n):
        self.n, self.i = n, 0

    def generate_trace_id(self):
        tid = (0xABC << 64) | (self.i * (2 ** 64) // self.n)
        self.i += 1
        return tid

    def is_trace_id_random(self):
        return False

    def generate_span_id(self):
        import random
        return random.getrandbits(64) or 1


def _send(service, rate, n, port, errors_every=2):
    """n traces (root server span + one child); every ``errors_every``-th one fails. Returns the ids
    the SDK sampled, split into (errors, ok)."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
    from opentelemetry.trace import SpanKind, Status, StatusCode

    provider = TracerProvider(resource=Resource.create({"service.name": service}),
                              sampler=ParentBased(TraceIdRatioBased(rate)), id_generator=_FixedIds(n))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}/v1/traces"),
                                                   schedule_delay_millis=100))
    tracer = provider.get_tracer("e2e")
    sampled = ([], [])
    for i in range(n):
        fail = i % errors_every == 0
        with tracer.start_as_current_span("GET /item", kind=SpanKind.SERVER) as root:
            with tracer.start_as_current_span("db.query"):
                time.sleep(0.001)
            if fail:
                root.set_status(Status(StatusCode.ERROR, "boom"))
            ctx = root.get_span_context()
            if ctx.trace_flags.sampled:
                sampled[0 if fail else 1].append(format(ctx.trace_id, "032x"))
    provider.force_flush()
    provider.shutdown()
    return sampled


def _head_rate(stack, service):
    """The probability Jaeger's remote_sampling endpoint serves for ``service`` (what an SDK's Jaeger
    remote sampler would apply)."""
    url = f"http://127.0.0.1:{stack['ports']['s_http']}/sampling?service={service}"
    doc = get_json(url)
    assert doc["strategyType"] in ("PROBABILISTIC", 0), doc
    return doc["probabilisticSampling"]["samplingRate"]


def _jaeger_traces(stack, service, want, timeout=15):
    url = f"{stack['jaeger'].url}/api/traces?service={service}&limit=1000&lookback=1h"
    deadline = time.monotonic() + timeout
    data = []
    while time.monotonic() < deadline:
        try:
            data = get_json(url)["data"] or []
        except Exception:  # noqa: BLE001 - service not known yet
            data = []
        if len(data) >= want:
            time.sleep(1.5)          # nothing more may arrive: wait out one more decision
            return get_json(url)["data"] or []
        time.sleep(0.3)
    return data


def _prom(stack, query):
    url = f"{stack['prometheus'].url}/api/v1/query?query={urllib.parse.quote(query)}"
    return get_json(url)["data"]["result"]


def _wait_prom(stack, query, until=bool, timeout=20):
    """The query's result once ``until(result)`` holds (the last result after ``timeout``)."""
    deadline = time.monotonic() + timeout
    res = []
    while time.monotonic() < deadline:
        res = _prom(stack, query)
        if until(res):
            return res
        time.sleep(0.5)
    return res


def _by_status(res):
    return {r["metric"]["status_code"]: float(r["value"][1]) for r in res}


def test_head_and_tail_sampling_take_effect_and_traces_reach_jaeger(stack):
    port = stack["ports"]["c_http"]
    rate = _head_rate(stack, "shop")
    assert rate == HEAD["shop"][0]
    n = HEAD["shop"][1]
    errors, ok = _send("shop", rate, n, port)
    # head: exactly rate * n traces sampled by the SDK (fixed ids), half of them errors
    assert len(errors) + len(ok) == int(rate * n)
    assert len(errors) == len(ok) == int(rate * n) // 2
    traces = _jaeger_traces(stack, "shop", len(errors))
    found = {t["traceID"].rjust(32, "0") for t in traces}
    # tail: every sampled error trace kept, every sampled OK trace dropped (probabilistic 0)
    assert found == set(errors), (len(found), len(errors), stack["collector"].log_tail())
    for t in traces:
        assert len(t["spans"]) == 2
        assert any(tag["key"] == "error" and tag["value"] for s in t["spans"] for tag in s.get("tags", []))


def test_spanmetrics_reach_prometheus_under_the_preset_names(stack):
    from obskit.compile.dashboards.red import red
    from obskit.model import presets
    from obskit.model.slo import SLO

    port = stack["ports"]["c_http"]
    rate = _head_rate(stack, "search")
    errors, ok = _send("search", rate, HEAD["search"][1], port, errors_every=3)
    assert len(errors) == 2 and len(ok) == 4
    want = {"STATUS_CODE_ERROR": 2.0, "STATUS_CODE_UNSET": 4.0}
    calls = _wait_prom(stack, 'traces_span_metrics_calls_total{service_name="search", span_kind="SPAN_KIND_SERVER"}',
                       until=lambda r: _by_status(r) == want)
    assert _by_status(calls) == want, (calls, stack["collector"].log_tail())
    assert _wait_prom(stack, 'traces_span_metrics_duration_seconds_bucket{service_name="search", le="+Inf"}')

    # obskit's span-metrics presets and the RED dashboard built from them query these series
    avail = presets.spanmetrics_availability({"service_name": "search"})
    latency = presets.spanmetrics_latency(0.1, {"service_name": "search"})
    time.sleep(2.5)   # a second flush: rate() needs two samples
    assert float(_prom(stack, f"sum({avail.total})")[0]["value"][1]) == 6.0
    assert float(_prom(stack, f"sum({avail.errors})")[0]["value"][1]) == 2.0
    assert float(_prom(stack, f"sum({latency.histogram.renamed(latency.histogram.metric + '_count')})")[0]
                 ["value"][1]) == 6.0
    slos = [SLO(service="search", name="availability", objective=99, sli=avail),
            SLO(service="search", name="latency", objective=99, sli=latency)]
    spec = red("search", slos)
    queries = [t.expr for row in spec.rows for panel in row.panels for t in panel.queries]
    assert len(queries) == 5
    for expr in queries:
        res = _prom(stack, expr.replace("$__rate_interval", "1m"))
        assert res, expr


# ----------------------------------------------------------------------------------- build verify
def test_build_verify_fails_on_what_jaeger_refuses_and_notes_a_missing_program(tmp_path, monkeypatch):
    from obskit.targets import tracing as target
    tool = require("jaeger")
    doc = _local_jaeger_doc()
    doc["extensions"]["jaeger_query"]["bogus"] = 1
    (tmp_path / "jaeger" / "x").mkdir(parents=True)
    (tmp_path / "jaeger" / "x" / "config.yaml").write_text(yaml.safe_dump(doc))
    monkeypatch.setenv("OBSKIT_JAEGER", tool.path)
    problems, notes = target.check_with_programs(tmp_path, ["jaeger/x/config.yaml"])
    assert notes == [] and len(problems) == 1
    assert problems[0].startswith(f"jaeger/x/config.yaml: {tool.label} validate refused it")
    assert "invalid keys: bogus" in problems[0]
    monkeypatch.setenv("OBSKIT_JAEGER", str(tmp_path / "no-such-jaeger"))
    problems, notes = target.check_with_programs(tmp_path, ["jaeger/x/config.yaml"])
    assert problems == [] and len(notes) == 1 and "validator only" in notes[0] and "OBSKIT_JAEGER" in notes[0]
