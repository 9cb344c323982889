"""OpenTelemetry Collector: the model's located errors, and the document validator on valid and
broken configs (a corpus of mutations of a known-good config, and hand-written documents)."""
import copy
import textwrap

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from conftest import run_cli
from obskit.compile import tracing as ct
from obskit.errors import DefinitionError
from obskit.model.tracing.otel import (
    AlwaysSample, AndPolicy, BatchProcessor, CompositePolicy, DebugExporter, HealthCheck, LatencyPolicy,
    MemoryLimiter, OtelCollector, OtlpExporter, OtlpHttpExporter, OtlpReceiver, OttlConditionPolicy, Pipeline,
    ProbabilisticPolicy, StatusCodePolicy, StringAttributePolicy, TailSampling, ZipkinReceiver, go_duration_ok,
)
from obskit.render import otel as ro


def codes(exc_info):
    return sorted(d.code for d in exc_info.value.diagnostics)


def collector(**overrides):
    kwargs = dict(
        name="c",
        receivers={"otlp": OtlpReceiver()},
        processors={"memory_limiter": MemoryLimiter(limit_mib=512), "batch": BatchProcessor()},
        exporters={"otlp/tempo": OtlpExporter(endpoint="tempo:4317", insecure=True)},
        pipelines=[Pipeline(signal="traces", receivers=["otlp"], processors=["memory_limiter", "batch"],
                            exporters=["otlp/tempo"])],
    )
    kwargs.update(overrides)
    return OtelCollector(**kwargs)


def rendered(c):
    return yaml.safe_load(ro.render_collector(ct.collector_plan(c)))


# ------------------------------------------------------------------------------------------- model
def test_good_collector_renders_valid_document():
    doc = rendered(collector())
    assert ro.validate(doc) == []
    assert doc["receivers"]["otlp"]["protocols"] == {"grpc": {"endpoint": "0.0.0.0:4317"},
                                                     "http": {"endpoint": "0.0.0.0:4318"}}
    assert doc["service"]["pipelines"]["traces"]["processors"] == ["memory_limiter", "batch"]


def test_dangling_references_are_located_and_name_what_exists():
    with pytest.raises(DefinitionError) as e:
        collector(pipelines=[Pipeline(signal="traces", receivers=["otlp", "jaeger"], processors=["batch/x"],
                                      exporters=["otlp"])])
    assert codes(e) == ["dangling-reference"] * 3
    msgs = [d.message for d in e.value.diagnostics]
    assert any("receiver 'jaeger' is not defined (defined: otlp)" in m for m in msgs)
    assert all(d.location.file == __file__ for d in e.value.diagnostics)


@pytest.mark.parametrize("overrides, expected", [
    (dict(exporters={"otlphttp/x": OtlpExporter(endpoint="a:1")}), ["bad-id", "dangling-reference"]),
    (dict(receivers={"otlp": BatchProcessor()}), ["bad-component", "dangling-reference"]),
    (dict(receivers={"OTLP": OtlpReceiver()}), ["bad-id", "dangling-reference"]),
    (dict(pipelines=[]), ["no-pipelines"]),
    (dict(pipelines=[Pipeline(signal="profiles", receivers=["otlp"], exporters=["otlp/tempo"])]), ["bad-pipeline"]),
    (dict(pipelines=[Pipeline(signal="traces", receivers=[], exporters=["otlp/tempo"])]), ["bad-pipeline"]),
    (dict(pipelines=[Pipeline(signal="traces", receivers=["otlp"], processors=["batch", "memory_limiter"],
                              exporters=["otlp/tempo"])]), ["bad-pipeline"]),
    (dict(pipelines=[Pipeline(signal="traces", receivers=["otlp"], exporters=["otlp/tempo"]),
                     Pipeline(signal="traces", receivers=["otlp"], exporters=["otlp/tempo"])]), ["bad-pipeline"]),
    (dict(receivers={"otlp": OtlpReceiver(), "zipkin": ZipkinReceiver()},
          pipelines=[Pipeline(signal="metrics", receivers=["zipkin"], exporters=["otlp/tempo"])]), ["bad-pipeline"]),
    (dict(receivers={"otlp": OtlpReceiver(grpc="0.0.0.0:4317", http="0.0.0.0:4317")}), ["bad-endpoint", "port-clash"]),
    (dict(receivers={"otlp": OtlpReceiver(grpc=None, http=None)}), ["bad-component"]),
    (dict(receivers={"otlp": OtlpReceiver(grpc="4317")}), ["bad-endpoint"]),
    (dict(extensions={"health_check": HealthCheck(endpoint="0.0.0.0:4318")}), ["port-clash"]),
    (dict(exporters={"otlp/tempo": OtlpExporter(endpoint="tempo:4317", headers={"Authorization": "Bearer x"})}),
     ["literal-secret"]),
    (dict(exporters={"otlp/tempo": OtlpHttpExporter(endpoint="tempo:4318")}), ["bad-endpoint", "bad-id"]),
])
def test_model_errors(overrides, expected):
    with pytest.raises(DefinitionError) as e:
        collector(**overrides)
    assert codes(e) == expected


@pytest.mark.parametrize("processor, expected", [
    (MemoryLimiter(), ["bad-component"]),                                    # no limit at all
    (MemoryLimiter(limit_mib=100, limit_percentage=50), ["bad-component"]),
    (MemoryLimiter(limit_mib=100, spike_limit_mib=100), ["bad-component"]),
    (MemoryLimiter(limit_percentage=101), ["bad-component"]),
    (MemoryLimiter(limit_mib=100, check_interval="0s"), ["bad-component"]),
    (BatchProcessor(send_batch_size=100, send_batch_max_size=50), ["bad-component"]),
    (BatchProcessor(timeout="fast"), ["bad-component"]),
    (TailSampling(policies=[]), ["bad-policy"]),
    (TailSampling(policies=[AlwaysSample(name="a"), AlwaysSample(name="a")]), ["bad-policy"]),
    (TailSampling(policies=[ProbabilisticPolicy(name="p", sampling_percentage=0.5 * 300)]), ["bad-policy"]),
    (TailSampling(policies=[StatusCodePolicy(name="s", status_codes=["FAILED"])]), ["bad-policy"]),
    (TailSampling(policies=[LatencyPolicy(name="l", threshold_ms=500, upper_threshold_ms=100)]), ["bad-policy"]),
    (TailSampling(policies=[StringAttributePolicy(name="s", key="k", values=["(("], enabled_regex_matching=True)]),
     ["bad-policy"]),
    (TailSampling(policies=[OttlConditionPolicy(name="o")]), ["bad-policy"]),
    (TailSampling(policies=[AndPolicy(name="a", policies=[AndPolicy(name="b", policies=[AlwaysSample(name="c")])])]),
     ["bad-policy"]),
    (TailSampling(policies=[CompositePolicy(name="c", max_total_spans_per_second=10, policies=[
        AlwaysSample(name="x")], policy_order=["y"], rate_allocation={"x": 80, "z": 30})]),
     ["bad-policy", "bad-policy", "bad-policy"]),
    (TailSampling(decision_wait="10", policies=[AlwaysSample(name="a")]), ["bad-component"]),
])
def test_processor_errors(processor, expected):
    with pytest.raises(DefinitionError) as e:
        collector(processors={"memory_limiter": MemoryLimiter(limit_mib=512), "x": processor},
                  pipelines=[Pipeline(signal="traces", receivers=["otlp"], exporters=["otlp/tempo"])])
    got = [c for c in codes(e) if c != "bad-id"]   # "x" is not the processor's type: also reported
    assert got == expected


def test_tail_sampling_only_in_traces_pipelines():
    with pytest.raises(DefinitionError) as e:
        collector(processors={"tail_sampling": TailSampling(policies=[AlwaysSample(name="a")])},
                  pipelines=[Pipeline(signal="logs", receivers=["otlp"], processors=["tail_sampling"],
                                      exporters=["otlp/tempo"])])
    assert codes(e) == ["bad-pipeline"]
    assert "does not support logs" in e.value.diagnostics[0].message


@given(st.text(alphabet="0123456789.nsuµmh", min_size=1, max_size=8))
@settings(max_examples=200, deadline=None)
def test_go_duration_syntax(text):
    """Accepted durations are what Go's time.ParseDuration accepts (positive, with units)."""
    import re
    go_like = re.fullmatch(r"(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+", text) is not None
    nonzero = any(c in "123456789" for c in text)
    assert go_duration_ok(text) == (go_like and nonzero)


# -------------------------------------------------------------------------------- document validator
def good_document():
    c = collector(
        receivers={"otlp": OtlpReceiver(), "zipkin": ZipkinReceiver()},
        processors={"memory_limiter": MemoryLimiter(limit_percentage=80, spike_limit_percentage=20),
                    "tail_sampling": TailSampling(policies=[
                        StatusCodePolicy(name="errors"),
                        CompositePolicy(name="budget", max_total_spans_per_second=100, policies=[
                            LatencyPolicy(name="slow", threshold_ms=100),
                            AndPolicy(name="and", policies=[ProbabilisticPolicy(name="p", sampling_percentage=1)]),
                        ]),
                    ]),
                    "batch": BatchProcessor()},
        exporters={"otlp/jaeger": OtlpExporter(endpoint="jaeger:4317", insecure=True),
                   "debug": DebugExporter()},
        extensions={"health_check": HealthCheck()},
        pipelines=[Pipeline(signal="traces", receivers=["otlp", "zipkin"],
                            processors=["memory_limiter", "tail_sampling", "batch"], exporters=["otlp/jaeger"]),
                   Pipeline(signal="logs", name="raw", receivers=["otlp"], exporters=["debug"])])
    return rendered(c)


def _ts(d):
    return d["processors"]["tail_sampling"]


BROKEN = [
    (lambda d: d["service"]["pipelines"]["traces"]["exporters"].append("otlp/tempo"), "'otlp/tempo' is not defined"),
    (lambda d: d["service"]["pipelines"]["traces"]["receivers"].append("jaeger"), "'jaeger' is not defined"),
    (lambda d: d["service"]["pipelines"]["traces"]["processors"].reverse(), "memory_limiter must be the first"),
    (lambda d: d["service"]["pipelines"].update({"profiles": {"receivers": ["otlp"], "exporters": ["debug"]}}),
     "id must be traces, metrics or logs"),
    (lambda d: d["service"]["pipelines"]["traces"].update(exporters=[]), "at least one of its exporters"),
    (lambda d: d["service"]["pipelines"]["logs/raw"].update(processors=["tail_sampling"]), "does not support logs"),
    (lambda d: d["service"]["pipelines"]["traces"]["receivers"].append("otlp"), "lists a component twice"),
    (lambda d: d["service"]["extensions"].append("pprof"), "'pprof' is not defined"),
    (lambda d: d["service"].update(pipeline={}), "service: unknown key"),
    (lambda d: d.update(processor={}), "unknown top-level key"),
    (lambda d: d["receivers"]["otlp"]["protocols"].update(udp={}), "unknown protocol 'udp'"),
    (lambda d: d["receivers"]["otlp"]["protocols"]["grpc"].update(endpoint="localhost"), "must be host:port"),
    (lambda d: d["receivers"].update({"kafka": {}}), "unknown receiver type 'kafka'"),
    (lambda d: d["receivers"].update({"otlp/": {}}), "id must be"),
    (lambda d: d["exporters"]["otlp/jaeger"].pop("endpoint"), "endpoint is required"),
    (lambda d: d["exporters"]["otlp/jaeger"].update(tls={"insecure": True, "skip": 1}), "unknown tls key"),
    (lambda d: d["exporters"]["otlp/jaeger"].update(endpoints=["x:1"]), "unknown key 'endpoints'"),
    (lambda d: d["processors"]["batch"].update(timeout="5"), "not a positive Go duration"),
    (lambda d: d["processors"]["batch"].update(send_batch_size=100, send_batch_max_size=10), "send_batch_max_size"),
    (lambda d: d["processors"]["memory_limiter"].update(limit_mib=10), "exactly one of limit_mib"),
    (lambda d: d["processors"]["memory_limiter"].pop("check_interval"), "check_interval is required"),
    (lambda d: _ts(d).update(policies=[]), "policies must be a non-empty list"),
    (lambda d: _ts(d)["policies"][0].update(type="errors_only"), "unknown policy type 'errors_only'"),
    (lambda d: _ts(d)["policies"][0].pop("status_code"), "needs a 'status_code' block"),
    (lambda d: _ts(d)["policies"][0]["status_code"].update(status_codes=["FAIL"]), "OK, ERROR, UNSET"),
    (lambda d: _ts(d)["policies"][0].update(latency={"threshold_ms": 1}), "unknown keys ['latency']"),
    (lambda d: _ts(d)["policies"][1]["composite"]["policy_order"].pop(), "policy_order must list every"),
    (lambda d: _ts(d)["policies"][1]["composite"]["composite_sub_policy"].append(
        {"name": "c", "type": "composite", "composite": {}}), "not allowed here"),
    (lambda d: _ts(d)["policies"][1]["composite"]["composite_sub_policy"][1]["and"]["and_sub_policy"][0]
     ["probabilistic"].update(sampling_percentage=101), "sampling_percentage must be in [0, 100]"),
    (lambda d: _ts(d)["policies"].append(copy.deepcopy(_ts(d)["policies"][0])), "duplicate policy name"),
    (lambda d: d["connectors"].update({"spanmetrics": {}}) if "connectors" in d else
     d.update(connectors={"spanmetrics": {}}) or d["service"]["pipelines"]["traces"]["exporters"].append("spanmetrics"),
     "must be an exporter in one pipeline and a receiver in another"),
]


def test_good_document_is_clean():
    assert ro.validate(good_document()) == []


@pytest.mark.parametrize("mutate, message", BROKEN, ids=[m for _, m in BROKEN])
def test_validator_catches_broken_documents(mutate, message):
    doc = good_document()
    mutate(doc)
    problems = ro.validate(doc)
    assert any(message in p for p in problems), problems


def test_connector_between_pipelines_is_valid():
    doc = good_document()
    doc["connectors"] = {"spanmetrics": {}}
    doc["service"]["pipelines"]["traces"]["exporters"].append("spanmetrics")
    doc["service"]["pipelines"]["metrics"] = {"receivers": ["spanmetrics"], "exporters": ["otlp/jaeger"]}
    assert ro.validate(doc) == []


def test_hand_written_upstream_style_config_validates():
    doc = yaml.safe_load(textwrap.dedent("""
        receivers:
          otlp:
            protocols:
              grpc:
              http:
        processors:
          batch:
        exporters:
          otlp:
            endpoint: otelcol:4317
        extensions:
          health_check:
          pprof:
        service:
          extensions: [health_check, pprof]
          pipelines:
            traces:
              receivers: [otlp]
              processors: [batch]
              exporters: [otlp]
            metrics:
              receivers: [otlp]
              exporters: [otlp]
    """))
    assert ro.validate(doc) == []


# ----------------------------------------------------------------------------------------- the CLI
def test_cli_broken_collector_exits_2_and_keeps_previous_output(tmp_path):
    proj = tmp_path / "p"
    (proj / "telemetry").mkdir(parents=True)
    defs = proj / "telemetry" / "traces.py"
    head = "from obskit.model.tracing.otel import *\n"
    defs.write_text(head + textwrap.dedent("""
        c = OtelCollector(name="c", receivers={"otlp": OtlpReceiver()}, exporters={"debug": DebugExporter()},
                          pipelines=[Pipeline(signal="traces", receivers=["otlp"], exporters=["debug"])])
    """))
    out = tmp_path / "out"
    first = run_cli("build", str(proj), "--out", str(out), "--no-verify")
    assert first.returncode == 0, first.stderr
    before = (out / "otel" / "c" / "collector.yaml").read_bytes()
    defs.write_text(head + textwrap.dedent("""
        c = OtelCollector(name="c", receivers={"otlp": OtlpReceiver()}, exporters={"debug": DebugExporter()},
                          pipelines=[Pipeline(signal="traces", receivers=["otlp"], exporters=["otlp/tempo"])])
    """))
    second = run_cli("build", str(proj), "--out", str(out), "--no-verify")
    assert second.returncode == 2
    assert "telemetry/traces.py:3" in second.stderr and "exporter 'otlp/tempo' is not defined" in second.stderr
    assert (out / "otel" / "c" / "collector.yaml").read_bytes() == before


# ------------------------------------------------------------------------------------ property test
_RECEIVER_IDS = ["otlp", "otlp/a", "otlp/b"]
_EXPORTER_IDS = ["debug", "otlp/tempo", "otlp/jaeger"]


@given(defined_r=st.sets(st.sampled_from(_RECEIVER_IDS), min_size=1),
       defined_e=st.sets(st.sampled_from(_EXPORTER_IDS), min_size=1),
       used_r=st.lists(st.sampled_from(_RECEIVER_IDS), min_size=1, max_size=3, unique=True),
       used_e=st.lists(st.sampled_from(_EXPORTER_IDS), min_size=1, max_size=3, unique=True),
       batch=st.booleans())
@settings(max_examples=40, deadline=None)
def test_references_resolve_iff_defined(defined_r, defined_e, used_r, used_e, batch):
    """The model refuses a pipeline exactly when it names an undefined component; whatever it accepts
    renders to a document the validator finds clean, and the validator agrees on the dangling case."""
    ports = iter(range(14000, 14100, 2))
    receivers = {r: OtlpReceiver(grpc=f"0.0.0.0:{next(ports)}", http=f"0.0.0.0:{next(ports)}")
                 for r in sorted(defined_r)}
    exporters = {e: DebugExporter() if e == "debug" else OtlpExporter(endpoint=f"{e.split('/')[1]}:4317")
                 for e in sorted(defined_e)}
    dangling = (set(used_r) - defined_r) | (set(used_e) - defined_e)
    kwargs = dict(name="p", receivers=receivers, exporters=exporters,
                  processors={"batch": BatchProcessor()} if batch else {},
                  pipelines=[Pipeline(signal="traces", receivers=used_r, exporters=used_e,
                                      processors=["batch"] if batch else [])])
    if dangling:
        with pytest.raises(DefinitionError) as e:
            OtelCollector(**kwargs)
        assert codes(e) == ["dangling-reference"] * len(dangling)
        # the same mistake in a hand-written document: the validator reports each one too
        doc = rendered(OtelCollector(**{**kwargs, "pipelines": [Pipeline(
            signal="traces", receivers=[r for r in used_r if r in defined_r] or sorted(defined_r)[:1],
            exporters=[x for x in used_e if x in defined_e] or sorted(defined_e)[:1],
            processors=["batch"] if batch else [])]}))
        doc["service"]["pipelines"]["traces"]["receivers"] = list(used_r)
        doc["service"]["pipelines"]["traces"]["exporters"] = list(used_e)
        assert sum("is not defined" in p for p in ro.validate(doc)) == len(dangling)
    else:
        assert ro.validate(rendered(OtelCollector(**kwargs))) == []


# ----------------------------------------------------------------------- connectors, head sampling
def _spanmetrics_collector(**overrides):
    from obskit.model.tracing.otel import SpanMetricsConnector
    kwargs = dict(
        name="c", receivers={"otlp": OtlpReceiver()},
        processors={"batch": BatchProcessor()},
        connectors={"spanmetrics": SpanMetricsConnector(dimensions=["http.route"])},
        exporters={"otlp/tempo": OtlpExporter(endpoint="tempo:4317", insecure=True),
                   "otlphttp/prom": OtlpHttpExporter(endpoint="http://prometheus:9090/api/v1/otlp")},
        pipelines=[Pipeline(signal="traces", receivers=["otlp"], processors=["batch"],
                            exporters=["otlp/tempo", "spanmetrics"]),
                   Pipeline(signal="metrics", receivers=["spanmetrics"], exporters=["otlphttp/prom"])])
    kwargs.update(overrides)
    return OtelCollector(**kwargs)


def test_spanmetrics_connector_renders_both_sides_and_validates():
    doc = rendered(_spanmetrics_collector())
    assert ro.validate(doc) == []
    sm = doc["connectors"]["spanmetrics"]
    assert sm["namespace"] == "traces.span.metrics" and sm["histogram"]["unit"] == "s"
    assert sm["histogram"]["explicit"]["buckets"][0] == "2ms" and sm["dimensions"] == [{"name": "http.route"}]
    assert doc["service"]["pipelines"]["metrics"]["receivers"] == ["spanmetrics"]


def test_connector_used_on_one_side_or_for_the_wrong_signal_is_refused():
    with pytest.raises(DefinitionError) as e:
        _spanmetrics_collector(pipelines=[Pipeline(signal="traces", receivers=["otlp"], exporters=["spanmetrics"])])
    assert "must be an exporter of one pipeline and a receiver of another" in str(e.value)
    with pytest.raises(DefinitionError) as e:
        _spanmetrics_collector(pipelines=[
            Pipeline(signal="metrics", receivers=["otlp"], exporters=["spanmetrics"]),
            Pipeline(signal="traces", name="x", receivers=["spanmetrics"], exporters=["otlp/tempo"])])
    msgs = " ".join(d.message for d in e.value.diagnostics)
    assert "cannot be in the exporters of a metrics pipeline" in msgs
    assert "cannot be in the receivers of a traces pipeline" in msgs


def test_spanmetrics_unit_and_buckets_are_checked():
    from obskit.model.tracing.otel import SpanMetricsConnector
    with pytest.raises(DefinitionError) as e:
        _spanmetrics_collector(connectors={"spanmetrics": SpanMetricsConnector(histogram_unit="min",
                                                                               buckets=["10"])})
    assert codes(e) == ["bad-component", "bad-component"]


def test_probabilistic_sampler_processor_and_zero_tail_percentage():
    from obskit.model.tracing.otel import ProbabilisticSampler
    c = collector(processors={"probabilistic_sampler": ProbabilisticSampler(sampling_percentage=25),
                              "tail_sampling": TailSampling(policies=[
                                  StatusCodePolicy(name="e"), ProbabilisticPolicy(name="rest", sampling_percentage=0)]),
                              "batch": BatchProcessor(timeout="0s")},
                  pipelines=[Pipeline(signal="traces", receivers=["otlp"],
                                      processors=["probabilistic_sampler", "tail_sampling", "batch"],
                                      exporters=["otlp/tempo"])])
    doc = rendered(c)
    assert ro.validate(doc) == []
    assert doc["processors"]["probabilistic_sampler"] == {"sampling_percentage": 25}
    with pytest.raises(DefinitionError):
        collector(processors={"probabilistic_sampler": ProbabilisticSampler(sampling_percentage=101)}, pipelines=[
            Pipeline(signal="traces", receivers=["otlp"], processors=["probabilistic_sampler"],
                     exporters=["otlp/tempo"])])
