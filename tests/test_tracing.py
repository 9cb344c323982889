"""Jaeger: sampling strategies (model and JSON validator), Jaeger v2 configs, cross-definition checks,
and obskit's own OpenTelemetry spans (recorded with the SDK's InMemorySpanExporter)."""
import copy
import json
import textwrap

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from obskit.compile import tracing as ct
from obskit.errors import DefinitionError
from obskit.loader import load_project
from obskit.model.tracing import (
    BadgerStore, ElasticsearchStore, JaegerSampling, JaegerV2, MemoryStore, OperationStrategy, ServiceStrategy,
    Strategy, probabilistic, ratelimiting,
)
from obskit.model.tracing.otel import BatchProcessor, JaegerReceiver, MemoryLimiter, OtlpReceiver, TailSampling
from obskit.render import jaeger as rj
from obskit.render import otel as ro


def codes(exc_info):
    return sorted(d.code for d in exc_info.value.diagnostics)


# ------------------------------------------------------------------------------ sampling strategies
def test_per_operation_ratelimiting_is_an_error_with_a_hint():
    with pytest.raises(DefinitionError) as e:
        JaegerSampling(name="s", services=[ServiceStrategy(service="api", strategy=probabilistic(0.1), operations=[
            OperationStrategy(operation="GET /", strategy=ratelimiting(5))])])
    (d,) = e.value.diagnostics
    assert d.code == "ratelimiting-operation"
    assert "falls back to the service's probability" in d.message and "ratelimiting(...)" in d.hint
    assert d.location.file == __file__


def test_unknown_type_and_bad_params():
    with pytest.raises(DefinitionError) as e:
        JaegerSampling(name="s", default=Strategy(type="const", param=1), services=[
            ServiceStrategy(service="a", strategy=probabilistic(1.5)),
            ServiceStrategy(service="b", strategy=ratelimiting(2.5)),
            ServiceStrategy(service="c", strategy=ratelimiting(-1)),
            ServiceStrategy(service="c", strategy=probabilistic(float("nan"))),
        ])
    assert codes(e) == ["bad-param", "bad-param", "bad-param", "bad-param", "duplicate-service", "unknown-strategy"]
    assert any("truncates it to 2" in d.message for d in e.value.diagnostics)


@given(p=st.floats(allow_nan=False, allow_infinity=False, min_value=-10, max_value=10))
@settings(max_examples=60, deadline=None)
def test_probability_range_matches_validator(p):
    """The model and the JSON validator agree on every probability, and accept exactly [0, 1]."""
    doc = {"default_strategy": {"type": "probabilistic", "param": p}}
    json_ok = rj.validate_sampling(doc) == []
    try:
        JaegerSampling(name="s", default=probabilistic(p))
        model_ok = True
    except DefinitionError:
        model_ok = False
    assert json_ok == model_ok == (0 <= p <= 1)


@given(n=st.integers(min_value=0, max_value=10_000))
@settings(max_examples=30, deadline=None)
def test_ratelimiting_renders_integers_and_round_trips(n):
    s = JaegerSampling(name="s", default=ratelimiting(n))
    doc = json.loads(rj.render_sampling(s))
    assert doc["default_strategy"] == {"type": "ratelimiting", "param": n}
    assert rj.validate_sampling(doc) == []


def test_rendered_sampling_shape():
    s = JaegerSampling(name="s", default=probabilistic(1.0),
                       default_operations=[OperationStrategy(operation="/health", strategy=probabilistic(0))],
                       services=[ServiceStrategy(service="api", strategy=ratelimiting(50))])
    doc = json.loads(rj.render_sampling(s))
    assert doc == {"service_strategies": [{"service": "api", "type": "ratelimiting", "param": 50}],
                   "default_strategy": {"type": "probabilistic", "param": 1.0, "operation_strategies": [
                       {"operation": "/health", "type": "probabilistic", "param": 0.0}]}}
    assert rj.render_sampling(s) == rj.render_sampling(s)


GOOD_JSON = {"service_strategies": [{"service": "api", "type": "probabilistic", "param": 0.5,
                                     "operation_strategies": [{"operation": "x", "type": "probabilistic",
                                                               "param": 1}]}],
             "default_strategy": {"type": "probabilistic", "param": 0.001}}


@pytest.mark.parametrize("mutate, code", [
    (lambda d: d["service_strategies"][0]["operation_strategies"][0].update(type="ratelimiting", param=3),
     "ratelimiting-operation"),
    (lambda d: d["default_strategy"].update(type="adaptive"), "unknown-strategy"),
    (lambda d: d["service_strategies"][0].update(param=2), "bad-param"),
    (lambda d: d["service_strategies"][0].update(param="0.5"), "bad-param"),
    (lambda d: d["service_strategies"].append(copy.deepcopy(d["service_strategies"][0])), "duplicate-service"),
    (lambda d: d["service_strategies"][0].update(operation_strategy=[]), "unknown-key"),
    (lambda d: d.update(defaultStrategy={}), "unknown-key"),
    (lambda d: d["service_strategies"][0].pop("param"), "bad-strategy"),
    (lambda d: d["service_strategies"][0]["operation_strategies"].append({"type": "probabilistic", "param": 1}),
     "bad-strategy"),
])
def test_sampling_json_validator(mutate, code):
    doc = copy.deepcopy(GOOD_JSON)
    assert rj.validate_sampling(doc) == []
    mutate(doc)
    assert code in [c for c, _ in rj.validate_sampling(doc)]


# ---------------------------------------------------------------------------------------- Jaeger v2
def test_jaeger_v2_plan_and_validation():
    j = JaegerV2(name="j", storage=ElasticsearchStore(server_urls=["http://es:9200"]),
                 sampling=JaegerSampling(name="j", default=probabilistic(0.25)),
                 receivers={"otlp": OtlpReceiver(), "jaeger": JaegerReceiver(grpc=None)})
    doc = yaml.safe_load(ro.render_collector(ct.jaeger_plan(j)))
    assert ro.validate(doc) == []
    assert doc["extensions"]["remote_sampling"]["file"]["default_sampling_probability"] == 0.25
    assert doc["extensions"]["jaeger_query"]["storage"]["traces"] == ct.JAEGER_STORE
    assert doc["exporters"]["jaeger_storage_exporter"]["trace_storage"] == ct.JAEGER_STORE
    assert doc["service"]["pipelines"]["traces"]["receivers"] == ["jaeger", "otlp"]
    assert set(doc["service"]["extensions"]) == {"jaeger_storage", "jaeger_query", "remote_sampling"}


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["extensions"]["jaeger_query"]["storage"].update(traces="nope"), "not a jaeger_storage backend"),
    (lambda d: d["exporters"]["jaeger_storage_exporter"].update(trace_storage="x"), "not a jaeger_storage backend"),
    (lambda d: d["extensions"]["remote_sampling"].update(adaptive={}), "exactly one of file and adaptive"),
    (lambda d: d["service"]["extensions"].remove("jaeger_query"), "must start 'jaeger_query'"),
    (lambda d: d["extensions"]["remote_sampling"]["file"].update(default_sampling_probability=3), "[0, 1]"),
])
def test_jaeger_v2_document_checks(mutate, message):
    j = JaegerV2(name="j", sampling=JaegerSampling(name="j"))
    doc = yaml.safe_load(ro.render_collector(ct.jaeger_plan(j)))
    assert ro.validate(doc) == []
    mutate(doc)
    assert any(message in p for p in ro.validate(doc)), ro.validate(doc)


def test_jaeger_v2_model_errors():
    with pytest.raises(DefinitionError) as e:
        JaegerV2(name="j", storage=ElasticsearchStore(server_urls=["es:9200", "http://u:pw@es:9200"]),
                 sampling=JaegerSampling(name="j"), sampling_http="0.0.0.0:16686",
                 receivers={"otlp/x": BatchProcessor()},
                 processors={"batch": BatchProcessor(), "memory_limiter": MemoryLimiter(limit_mib=100)})
    assert codes(e) == ["bad-component", "bad-component", "bad-pipeline", "bad-storage", "literal-secret",
                        "port-clash"]
    with pytest.raises(DefinitionError) as e:
        JaegerV2(name="j", storage=BadgerStore(directory="rel", span_ttl="30d"),
                 processors={"tail_sampling": TailSampling(policies=[])})
    assert codes(e) == ["bad-policy", "bad-storage", "bad-storage"]
    JaegerV2(name="ok", storage=MemoryStore(max_traces=10))


def _project(tmp_path, body):
    (tmp_path / "telemetry").mkdir(parents=True, exist_ok=True)
    (tmp_path / "telemetry" / "traces.py").write_text(
        "from obskit.model.tracing import *\nfrom obskit.model.tracing.otel import *\n" + textwrap.dedent(body))
    return tmp_path


def test_two_definitions_writing_one_file_are_refused(tmp_path):
    _project(tmp_path, '''
        shared = JaegerSampling(name="a")
        j = JaegerV2(name="a", sampling=JaegerSampling(name="inline"))
        c1 = OtelCollector(name="c", receivers={"otlp": OtlpReceiver()}, exporters={"debug": DebugExporter()},
                           pipelines=[Pipeline(signal="traces", receivers=["otlp"], exporters=["debug"])])
        c2 = OtelCollector(name="c", receivers={"otlp": OtlpReceiver()}, exporters={"debug": DebugExporter()},
                           pipelines=[Pipeline(signal="logs", receivers=["otlp"], exporters=["debug"])])
    ''')
    with pytest.raises(DefinitionError) as e:
        load_project(tmp_path)
    msgs = [str(d) for d in e.value.diagnostics]
    assert len(msgs) == 2
    assert any("jaeger/a/sampling_strategies.json" in m for m in msgs)
    assert any("otel/c/collector.yaml" in m and "telemetry/traces.py:" in m for m in msgs)


def test_shared_sampling_is_written_once_per_owner(tmp_path):
    from obskit.build import render_project
    _project(tmp_path, '''
        s = JaegerSampling(name="common", default=probabilistic(0.5))
        a = JaegerV2(name="a", sampling=s)
        b = JaegerV2(name="b", sampling=s, query_http="0.0.0.0:26686", query_grpc="0.0.0.0:26685")
    ''')
    files = render_project(load_project(tmp_path))
    assert [p for p in files if p.startswith("jaeger/")] == [
        "jaeger/a/config.yaml", "jaeger/a/sampling_strategies.json",
        "jaeger/b/config.yaml", "jaeger/b/sampling_strategies.json"]


# ----------------------------------------------------------------------------- obskit's own spans
@pytest.fixture(scope="module")
def spans():
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def test_build_emits_phase_spans(tmp_path, spans):
    from obskit.build import build
    from obskit.targets import targets
    _project(tmp_path / "p", '''
        s = JaegerSampling(name="s", default=probabilistic(1.0))
        c = OtelCollector(name="c", receivers={"otlp": OtlpReceiver()}, exporters={"debug": DebugExporter()},
                          pipelines=[Pipeline(signal="traces", receivers=["otlp"], exporters=["debug"])])
    ''')
    spans.clear()
    result = build(tmp_path / "p", tmp_path / "out", verify=True)
    assert {"jaeger/s/sampling_strategies.json", "otel/c/collector.yaml"} <= set(result.files)
    got = spans.get_finished_spans()
    names = [s.name for s in got]
    root = next(s for s in got if s.name == "obskit.build")
    assert root.parent is None
    assert all(s.parent.span_id == root.context.span_id for s in got if s is not root)
    target_names = [t.name for t in targets()]
    assert names.count("obskit.load") == 1 and names.count("obskit.write") == 1
    assert [s.attributes["obskit.target"] for s in got if s.name == "obskit.render"] == target_names
    # the Grafana schema check runs alongside the tool checks, so verify spans end in any order
    assert sorted(s.attributes["obskit.target"] for s in got if s.name == "obskit.verify") == sorted(target_names)
    write = next(s for s in got if s.name == "obskit.write")
    assert write.attributes["obskit.files"] == len(result.files)
    order = [n for n in names if n != "obskit.build"]
    assert order.index("obskit.load") < order.index("obskit.render") < order.index("obskit.write") \
        < order.index("obskit.verify")


def test_failed_build_span_records_the_error(tmp_path, spans):
    from opentelemetry.trace import StatusCode

    from obskit.build import build
    _project(tmp_path / "p", 's = JaegerSampling(name="s", default=probabilistic(2))\n')
    spans.clear()
    with pytest.raises(DefinitionError):
        build(tmp_path / "p", tmp_path / "out")
    got = {s.name: s for s in spans.get_finished_spans()}
    assert set(got) == {"obskit.build", "obskit.cache.lookup", "obskit.load"}   # the lookup: no earlier build
    assert got["obskit.build"].status.status_code == StatusCode.ERROR
    assert got["obskit.cache.lookup"].status.status_code != StatusCode.ERROR
    assert got["obskit.load"].events[0].name == "exception"


def test_obskit_test_emits_one_span_per_provider(tmp_path, spans):
    from obskit.testing import PROVIDERS, run_project_tests
    (tmp_path / "p").mkdir()
    spans.clear()
    run_project_tests(tmp_path / "p")
    got = spans.get_finished_spans()
    runs = [(s.attributes["obskit.provider"], s.attributes["obskit.tool"]) for s in got if s.name == "obskit.test.provider"]
    # one span per provider and installed version of the program it runs
    from obskit.testing import PROGRAM
    from obskit.verify.tools import installed
    assert runs == [(p.__name__, t.label) for p in PROVIDERS for t in installed(PROGRAM[p])]
    assert [s.name for s in got][-1] == "obskit.test"


def test_diff_and_apply_emit_a_span(tmp_path, spans, monkeypatch):
    from obskit.cli.main import main
    (tmp_path / "p").mkdir()
    monkeypatch.setenv("GRAFANA_TOKEN", "t")
    for command in ("diff", "apply"):
        spans.clear()
        code = main([command, str(tmp_path / "p"), "--no-verify", "--grafana-url", "http://127.0.0.1:9",
                     "--retries", "0", "--timeout", "1"])
        names = [s.name for s in spans.get_finished_spans()]
        assert f"obskit.{command}" in names and names[-1] == f"obskit.{command}", (command, code, names)


def test_span_is_a_noop_without_sdk_provider():
    """With the API alone (the default for users), span() yields a non-recording span."""
    from opentelemetry import trace
    from opentelemetry.trace import NoOpTracerProvider

    from obskit import tracing
    tracer = NoOpTracerProvider().get_tracer("x")
    orig = trace.get_tracer
    trace.get_tracer = lambda *a, **k: tracer
    try:
        with tracing.span("obskit.x", target="t", count=3, items=("a", "b"), skip=None, obj=object()) as s:
            assert not s.is_recording()
    finally:
        trace.get_tracer = orig
    attrs = tracing._attributes({"target": "t", "n": 3, "xs": ("a",), "none": None, "obj": 1.5j})
    assert attrs == {"obskit.target": "t", "obskit.n": 3, "obskit.xs": ["a"], "obskit.obj": "1.5j"}


# ---------------------------------------------------------------------------------------------- Tempo
def test_tempo_retention_and_storage():
    from obskit.model.tracing.tempo import TempoConfig, TempoS3Storage
    t = TempoConfig(name="t", retention="30d", storage=TempoS3Storage(bucket="traces-bkt", endpoint="s3:9000",
                                                                      access_key="${K}", secret_key="${S}"))
    data = ro.render_tempo(t, ())
    doc = yaml.safe_load(data)
    assert doc["compactor"]["compaction"]["block_retention"] == "720h"
    assert doc["storage"]["trace"]["backend"] == "s3" and doc["storage"]["trace"]["s3"]["secret_key"] == "${S}"
    assert b"-config.expand-env=true" in data
    assert ro.validate_tempo(doc) == []


def test_tempo_model_errors():
    from obskit.model.tracing.tempo import TempoConfig, TempoS3Storage
    with pytest.raises(DefinitionError) as e:
        TempoConfig(name="t", retention="90m", otlp_grpc="0.0.0.0:3200",
                    storage=TempoS3Storage(bucket="B", endpoint="https://s3", secret_key="plain"))
    assert codes(e) == ["bad-retention", "bad-storage", "bad-storage", "bad-storage", "literal-secret", "port-clash"]


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["storage"]["trace"].update(backend="ceph"), "is not one of"),
    (lambda d: d["storage"]["trace"].pop("local"), "block is missing"),
    (lambda d: d["storage"]["trace"].pop("wal"), "wal.path is required"),
    (lambda d: d["compactor"]["compaction"].update(block_retention="30d"), "not a Go duration"),
    (lambda d: d["distributor"]["receivers"]["otlp"]["protocols"].update(thrift={}), "unknown protocol"),
    (lambda d: d["distributor"].update(receivers={}), "would receive nothing"),
    (lambda d: d.update(retention="30d"), "unknown top-level key"),
])
def test_tempo_validator(mutate, message):
    from obskit.model.tracing.tempo import TempoConfig
    doc = yaml.safe_load(ro.render_tempo(TempoConfig(name="t"), ()))
    assert ro.validate_tempo(doc) == []
    mutate(doc)
    assert any(message in p for p in ro.validate_tempo(doc)), ro.validate_tempo(doc)
