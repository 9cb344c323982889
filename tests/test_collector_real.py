"""The real OpenTelemetry Collector on obskit's collector configs.

* ``otelcol validate`` on every collector config obskit generates: the golden projects, the
  repository's ``telemetry/`` definitions, the corpus test's good project, the end-to-end config;
* obskit's Python validator (``obskit.render.otel.validate``) against the real collector on a corpus
  of mutations of a known-good config. Both collector builds here are real collectors: ``otelcol``
  (0.161, built from tools/otelcol) and Jaeger v2 (a collector distribution, which has every
  component the corpus uses). For each case the corpus records where the real one refuses it:
  ``validate`` (config decoding and Validate()), ``start`` (``validate`` passes, the collector exits
  at start: tail-sampling policies and listen addresses are only checked then), or not at all. obskit
  must refuse exactly the cases the real one refuses, plus the few it refuses deliberately
  (:data:`STRICTER`, each with its reason, also listed in docs/logs-and-traces.md).
"""
import copy
import subprocess
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

import servers
from obskit.build import render_project
from obskit.errors import ToolError
from obskit.loader import load_project
from obskit.render import otel as ro
from obskit.targets.tracing import real_validate
from servers import ROOT, free_port, require

GOLDEN = Path(__file__).parent / "golden"


def collector_tool(program):
    """``otelcol`` or ``jaeger``; skip (fail under CI) when missing or unable to load any config."""
    tool = require(program)
    probe = Path(__file__).parent / "golden" / "tracing" / "collector-policies" / "expected" / "otel" / "gateway"
    try:
        real_validate(tool, probe / "collector.yaml")
    except ToolError as exc:
        if servers.IN_CI:
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))
    return tool


# ------------------------------------------------------------------------------- generated configs
def _generated(tmp_path):
    """Every collector config obskit writes in the repository's projects."""
    import test_tracing_corpus as corpus
    good = tmp_path / "corpus-good"
    (good / "telemetry").mkdir(parents=True)
    (good / "telemetry" / "good.py").write_text(corpus.IMPORTS + textwrap.dedent(corpus.GOOD))
    projects = [ROOT, good] + sorted(p for p in (GOLDEN / "tracing").iterdir() if (p / "telemetry").is_dir())
    out = []
    for proj in projects:
        for rel, data in render_project(load_project(proj)).items():
            if rel.startswith("otel/") and rel.endswith(".yaml"):
                dest = tmp_path / "out" / proj.name / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
                out.append(dest)
    out += sorted(GOLDEN.glob("tracing/*/expected/otel/*/collector.yaml"))
    return out


def test_every_generated_collector_config_passes_otelcol_validate(tmp_path):
    tool = collector_tool("otelcol")
    configs = _generated(tmp_path)
    assert len(configs) >= 5
    for path in configs:
        ok, text = real_validate(tool, path)
        assert ok, f"{path}: {text}"
        assert ro.validate(yaml.safe_load(path.read_bytes())) == [], path


def _on_free_ports(text: str) -> dict:
    """The config with every listen address moved to a free 127.0.0.1 port, without self-metrics."""
    import re
    doc = yaml.safe_load(re.sub(r"\b0\.0\.0\.0:\d+\b", lambda m: f"127.0.0.1:{free_port()}", text))
    doc["service"]["telemetry"] = {"metrics": {"level": "none"}}
    return doc


def test_every_generated_collector_config_starts(tmp_path):
    """``validate`` misses what only the start checks (policies, listen addresses): run each one."""
    tool = collector_tool("otelcol")
    for i, path in enumerate(_generated(tmp_path)):
        doc = _on_free_ports(path.read_text())
        assert "http" in doc["receivers"]["otlp"]["protocols"], path
        started, log = _starts(tool, doc, tmp_path / f"run{i}")
        assert started, f"{path}:\n{log[-3000:]}"


# ------------------------------------------------------------------------------- the corpus
BASE = yaml.safe_load("""
extensions:
  zpages: {endpoint: "127.0.0.1:55679"}
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:4317"}, http: {endpoint: "127.0.0.1:4318"}}}
processors:
  memory_limiter: {check_interval: 1s, limit_mib: 512, spike_limit_mib: 128}
  tail_sampling:
    decision_wait: 2s
    num_traces: 1000
    policies:
    - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
    - {name: rest, type: probabilistic, probabilistic: {sampling_percentage: 10}}
  batch: {timeout: 200ms, send_batch_size: 1024}
exporters:
  otlp/jaeger: {endpoint: "jaeger:4317", tls: {insecure: true}}
  debug: {verbosity: basic}
connectors:
  spanmetrics: {namespace: traces.span.metrics, histogram: {unit: s, explicit: {buckets: [10ms, 100ms, 1s]}},
                metrics_flush_interval: 15s}
service:
  extensions: [zpages]
  pipelines:
    traces: {receivers: [otlp], processors: [memory_limiter, tail_sampling, batch],
             exporters: [otlp/jaeger, spanmetrics]}
    metrics: {receivers: [spanmetrics], processors: [batch], exporters: [debug]}
""")


def _ts(d):
    return d["processors"]["tail_sampling"]


def _pl(d, pid="traces"):
    return d["service"]["pipelines"][pid]


#: (case, mutation, where the real collector refuses it: "validate", "start" or None)
CORPUS = [
    ("base", lambda d: None, None),
    ("unknown-top-level-key", lambda d: d.update(bogus=1), "validate"),
    ("unknown-receiver-key", lambda d: d["receivers"]["otlp"].update(port=1), "validate"),
    ("unknown-protocol", lambda d: d["receivers"]["otlp"]["protocols"].update(udp={}), "validate"),
    ("endpoint-without-port", lambda d: d["receivers"]["otlp"]["protocols"]["grpc"].update(endpoint="localhost"),
     "start"),
    ("dangling-exporter", lambda d: _pl(d)["exporters"].append("otlp/tempo"), "validate"),
    ("bad-pipeline-id", lambda d: d["service"]["pipelines"].update(spans=d["service"]["pipelines"].pop("traces")),
     "validate"),
    ("unknown-service-key", lambda d: d["service"].update(bogus=1), "validate"),
    ("unknown-pipeline-key", lambda d: _pl(d).update(bogus=1), "validate"),
    ("no-pipelines", lambda d: d["service"].update(pipelines={}), "validate"),
    ("no-exporters", lambda d: _pl(d, "metrics").update(exporters=[]), "validate"),
    ("processor-listed-twice", lambda d: _pl(d)["processors"].append("batch"), "validate"),
    ("undefined-extension", lambda d: d["service"]["extensions"].append("health_check"), "validate"),
    ("memory-limiter-no-limit", lambda d: d["processors"]["memory_limiter"].pop("limit_mib"), "validate"),
    ("memory-limiter-no-interval", lambda d: d["processors"]["memory_limiter"].pop("check_interval"), "validate"),
    ("memory-limiter-spike-above-limit", lambda d: d["processors"]["memory_limiter"].update(spike_limit_mib=600),
     "validate"),
    ("memory-limiter-mib-and-percentage", lambda d: d["processors"]["memory_limiter"].update(limit_percentage=50),
     None),
    ("memory-limiter-not-first", lambda d: _pl(d).update(processors=["tail_sampling", "memory_limiter", "batch"]),
     None),
    ("batch-max-below-size", lambda d: d["processors"]["batch"].update(send_batch_max_size=10), "validate"),
    ("batch-timeout-zero", lambda d: d["processors"]["batch"].update(timeout="0s"), None),
    ("batch-timeout-no-unit", lambda d: d["processors"]["batch"].update(timeout="10"), "validate"),
    ("otlp-exporter-no-endpoint", lambda d: d["exporters"]["otlp/jaeger"].pop("endpoint"), "validate"),
    ("unknown-tls-key", lambda d: d["exporters"]["otlp/jaeger"]["tls"].update(verify=False), "validate"),
    ("connector-one-side-only", lambda d: _pl(d, "metrics").update(receivers=["otlp"]), "validate"),
    ("tail-sampling-in-metrics", lambda d: _pl(d, "metrics").update(processors=["tail_sampling"]), "validate"),
    ("spanmetrics-unknown-key", lambda d: d["connectors"]["spanmetrics"].update(bogus=1), "validate"),
    ("spanmetrics-bad-unit", lambda d: d["connectors"]["spanmetrics"]["histogram"].update(unit="min"), "validate"),
    ("decision-wait-not-duration", lambda d: _ts(d).update(decision_wait="soon"), "validate"),
    ("policy-unknown-key", lambda d: _ts(d)["policies"][1]["probabilistic"].update(rate=1), "validate"),
    ("policy-unknown-type", lambda d: _ts(d)["policies"][0].update(type="errors_only"), "start"),
    ("policy-bad-status-code", lambda d: _ts(d)["policies"][0]["status_code"].update(status_codes=["FAIL"]), "start"),
    ("policy-without-block", lambda d: _ts(d)["policies"][0].pop("status_code"), "start"),
    ("policy-duplicate-name", lambda d: _ts(d)["policies"][1].update(name="errors"), "start"),
    ("policy-percentage-zero", lambda d: _ts(d)["policies"][1]["probabilistic"].update(sampling_percentage=0), None),
    ("policy-percentage-150", lambda d: _ts(d)["policies"][1]["probabilistic"].update(sampling_percentage=150), None),
    ("no-policies", lambda d: _ts(d).update(policies=[]), None),
]

#: Accepted and run by the real collector, refused by obskit on purpose.
STRICTER = {
    "memory-limiter-mib-and-percentage": "ambiguous: the collector silently uses limit_mib",
    "memory-limiter-not-first": "the collector's documentation requires it first (it must refuse data before "
                                "others buffer it); the collector does not enforce it",
    "policy-percentage-150": "not a percentage; the collector treats it as 100",
    "no-policies": "a tail sampler without policies drops every trace",
}


def _doc(mutate):
    d = copy.deepcopy(BASE)
    mutate(d)
    return d


def _local(d):
    """The document on free 127.0.0.1 ports, without the collector's own metrics server."""
    d = copy.deepcopy(d)
    d.setdefault("extensions", {}).setdefault("zpages", {})["endpoint"] = f"127.0.0.1:{free_port()}"
    for proto, cfg in d["receivers"]["otlp"]["protocols"].items():
        if isinstance(cfg, dict) and cfg.get("endpoint", "").startswith("127.0.0.1:"):
            cfg["endpoint"] = f"127.0.0.1:{free_port()}"
    d["service"].setdefault("telemetry", {})["metrics"] = {"level": "none"}
    return d


def _starts(tool, d, workdir: Path) -> tuple:
    """(started, log): runs the collector until its OTLP/HTTP receiver answers (started) or it exits."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "c.yaml").write_text(yaml.safe_dump(d))
    # receivers start last (after extensions, exporters and processors): an answer there means started
    url = f"http://{d['receivers']['otlp']['protocols']['http']['endpoint']}/v1/traces"
    log = open(workdir / "log", "wb")
    proc = subprocess.Popen([tool.path, "--config=c.yaml"], cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False, (workdir / "log").read_text(errors="replace")
            try:
                urllib.request.urlopen(url, timeout=1).close()
                return True, ""
            except urllib.error.HTTPError:      # 405 for a GET: the receiver is up
                return True, ""
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{tool.label} neither started nor exited in 30s:\n" + (workdir / "log").read_text())
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)
        log.close()


@pytest.fixture(scope="module", params=["otelcol", "jaeger"])
def collector(request):
    return collector_tool(request.param)


def test_corpus_cases_are_unique_and_stricter_cases_are_accepted_by_the_real_one():
    names = [c[0] for c in CORPUS]
    assert len(set(names)) == len(names)
    real = dict((c[0], c[2]) for c in CORPUS)
    assert all(real[name] is None for name in STRICTER)


@pytest.mark.parametrize("case, mutate, refused_at", CORPUS, ids=[c[0] for c in CORPUS])
def test_obskit_validator_agrees_with_the_real_collector(collector, tmp_path, case, mutate, refused_at):
    doc = _doc(mutate)
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(doc))
    ok, text = real_validate(collector, tmp_path / "c.yaml")
    if refused_at == "validate" or refused_at is None:
        assert ok == (refused_at is None), f"{collector.label} validate: {text}"
    if ok:   # a "start" case that a newer collector already refuses at validate is refused all the same
        started, log = _starts(collector, _local(doc), tmp_path / "run")
        assert started == (refused_at is None), f"{collector.label} start:\n{log[-3000:]}"
    problems = ro.validate(doc)
    should_refuse = refused_at is not None or case in STRICTER
    assert bool(problems) == should_refuse, (problems, text)
