"""A corpus of broken Loki, LogQL, sampling, Jaeger v2, collector and Tempo definitions: each gives a
located error (file:line of the definition), exit code 2, and leaves the previous build untouched.
Runs the real CLI entry point in-process (``obskit.cli.main.main``) to stay fast."""
import textwrap

import pytest

from obskit.cli.main import main
from obskit.verify import logql

IMPORTS = ("from obskit.model.loki import *\nfrom obskit.model.tracing import *\n"
           "from obskit.model.tracing.otel import *\nfrom obskit.model.tracing.tempo import *\n")
N_IMPORT_LINES = IMPORTS.count("\n")

GOOD = '''
loki = LokiConfig(name="l", retention="7d", ruler_remote_write_url="http://prometheus:9090/api/v1/write")
sampling = JaegerSampling(name="s", default=probabilistic(0.5))
collector = OtelCollector(name="c", receivers={"otlp": OtlpReceiver()}, exporters={"debug": DebugExporter()},
                          pipelines=[Pipeline(signal="traces", receivers=["otlp"], exporters=["debug"])])
'''

# (id, definitions, diagnostic code, line of the bad definition within the snippet, needs node)
CORPUS = [
    ("loki-literal-secret",
     'x = LokiConfig(name="x", storage=S3Storage(bucket="bkt", region="r", access_key_id="AKIA",\n'
     '               secret_access_key="s3cr3t"))', "literal-secret", 1, False),
    ("loki-retention-hours", 'x = LokiConfig(name="x", retention="36h")', "bad-retention", 1, False),
    ("loki-3x-boltdb", 'x = LokiConfig(name="x", version="3.1", index="boltdb-shipper", schema="v11")',
     "version", 1, False),
    ("loki-2x-structured-metadata", 'x = LokiConfig(name="x", version="2.9", allow_structured_metadata=True)',
     "version", 1, False),
    ("loki-duplicate", 'a = LokiConfig(name="l")', "duplicate-loki", 1, False),
    ("loki-bad-tenant-single-mode",
     'r = LokiRules(name="r", tenant="team-a", groups=[LogRuleGroup(name="g", rules=[\n'
     '    LogRecord(record="a:b", expr=\'sum(rate({a="b"}[5m]))\')])])', "bad-tenant", 1, False),
    ("logql-syntax",
     'r = LokiRules(name="r", groups=[LogRuleGroup(name="g", rules=[\n'
     '    LogAlert(alert="A", expr=\'sum(rate({app="x"} |= [5m])) > 1\')])])', "bad-logql", 1, True),
    ("logql-log-query-as-rule",
     'r = LokiRules(name="r", groups=[LogRuleGroup(name="g", rules=[\n'
     '    LogAlert(alert="A", expr=\'{app="x"} |= "error"\')])])', "bad-logql", 1, True),
    ("sampling-op-ratelimiting",
     'x = JaegerSampling(name="x", services=[ServiceStrategy(service="a", strategy=probabilistic(1),\n'
     '    operations=[OperationStrategy(operation="op", strategy=ratelimiting(5))])])',
     "ratelimiting-operation", 1, False),
    ("sampling-unknown-type", 'x = JaegerSampling(name="x", default=Strategy(type="adaptive", param=1))',
     "unknown-strategy", 1, False),
    ("sampling-probability-range", 'x = JaegerSampling(name="x", default=probabilistic(100))', "bad-param", 1, False),
    ("sampling-output-clash", 'x = JaegerSampling(name="s")', "duplicate-output", 1, False),
    ("jaeger-port-clash", 'j = JaegerV2(name="j", query_http="0.0.0.0:4317")', "port-clash", 1, False),
    ("collector-dangling",
     'x = OtelCollector(name="x", receivers={"otlp": OtlpReceiver()}, exporters={"debug": DebugExporter()},\n'
     '    pipelines=[Pipeline(signal="traces", receivers=["otlp"], exporters=["otlp/tempo"])])',
     "dangling-reference", 1, False),
    ("collector-wrong-id-type",
     'x = OtelCollector(name="x", receivers={"otlp": OtlpReceiver()}, exporters={"otlp": DebugExporter()},\n'
     '    pipelines=[Pipeline(signal="traces", receivers=["otlp"], exporters=["otlp"])])', "bad-id", 1, False),
    ("collector-tail-sampling-in-metrics",
     'x = OtelCollector(name="x", receivers={"otlp": OtlpReceiver()}, exporters={"debug": DebugExporter()},\n'
     '    processors={"tail_sampling": TailSampling(policies=[AlwaysSample(name="a")])},\n'
     '    pipelines=[Pipeline(signal="metrics", receivers=["otlp"], processors=["tail_sampling"],\n'
     '                        exporters=["debug"])])', "bad-pipeline", 1, False),
    ("collector-bad-policy",
     'x = OtelCollector(name="x", receivers={"otlp": OtlpReceiver()}, exporters={"debug": DebugExporter()},\n'
     '    processors={"tail_sampling": TailSampling(policies=[ProbabilisticPolicy(name="p", sampling_percentage=150)])},\n'
     '    pipelines=[Pipeline(signal="traces", receivers=["otlp"], processors=["tail_sampling"],\n'
     '                        exporters=["debug"])])', "bad-policy", 1, False),
    ("collector-secret-header",
     'x = OtelCollector(name="x", receivers={"otlp": OtlpReceiver()},\n'
     '    exporters={"otlp": OtlpExporter(endpoint="t:4317", headers={"authorization": "Bearer abc"})},\n'
     '    pipelines=[Pipeline(signal="traces", receivers=["otlp"], exporters=["otlp"])])', "literal-secret", 1, False),
    ("tempo-literal-secret",
     't = TempoConfig(name="t", storage=TempoS3Storage(bucket="bkt", endpoint="s3:9000", access_key="a",\n'
     '                                                 secret_key="b"))', "literal-secret", 1, False),
]


@pytest.mark.parametrize("case, body, code, line, needs_node", CORPUS, ids=[c[0] for c in CORPUS])
def test_broken_definition_exits_2_located_and_keeps_output(tmp_path, capsys, case, body, code, line, needs_node):
    if needs_node and not logql.available():
        from conftest import IN_CI
        if IN_CI:
            pytest.fail("node / @grafana/lezer-logql missing in CI", pytrace=False)
        pytest.skip("node / @grafana/lezer-logql missing")
    proj, out = tmp_path / "p", tmp_path / "out"
    (proj / "telemetry").mkdir(parents=True)
    good = proj / "telemetry" / "good.py"
    good.write_text(IMPORTS + textwrap.dedent(GOOD))
    assert main(["build", str(proj), "--out", str(out), "--no-verify"]) == 0
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert any("loki" in str(p) for p in before)
    capsys.readouterr()

    # loaded after good.py, so a duplicate is reported on the broken definition
    (proj / "telemetry" / "zz_bad.py").write_text(IMPORTS + body + "\n")
    assert main(["build", str(proj), "--out", str(out), "--no-verify"]) == 2
    err = capsys.readouterr().err
    assert f"[{code}]" in err, err
    assert f"telemetry/zz_bad.py:{N_IMPORT_LINES + line}:" in err, err
    assert "nothing was written" in err
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before


def test_corpus_covers_every_area():
    areas = {case.split("-")[0] for case, *_ in CORPUS}
    assert areas == {"loki", "logql", "sampling", "jaeger", "collector", "tempo"}
