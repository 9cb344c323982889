"""Loki: model validation, version profiles, rendered-config checks, LogQL through Grafana's grammar,
rule-file structure, and the CLI contract (located errors, exit 2, previous output untouched)."""
import textwrap

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from conftest import IN_CI, run_cli
from obskit.compile import loki as cl
from obskit.errors import DefinitionError, ToolError
from obskit.loader import load_project
from obskit.model.loki import (
    FilesystemStorage, LogAlert, LogRecord, LogRuleGroup, LokiConfig, LokiLimits, LokiRules, S3Storage,
)
from obskit.render import loki as rl
from obskit.verify import logql


@pytest.fixture
def node():
    """LogQL checks need node and the vendored grammar: skip on a laptop without them, fail in CI."""
    if logql.available():
        return
    message = f"node or @grafana/lezer-logql missing ({logql.INSTALL})"
    if IN_CI:
        pytest.fail(message + "; CI must have it", pytrace=False)
    pytest.skip(message)


def codes(exc_info):
    return sorted(d.code for d in exc_info.value.diagnostics)


def rendered(config, default="3.0"):
    plan = cl.plan(config, default)
    data = rl.render_config(plan)
    return plan, data, yaml.safe_load(data)


# ------------------------------------------------------------------------------------------ model
def test_errors_are_collected_and_located():
    with pytest.raises(DefinitionError) as e:
        LokiConfig(name="Bad Name", retention="36h", http_port=3100, grpc_port=3100,
                   storage=S3Storage(bucket="x", secret_access_key="hunter2"))
    assert codes(e) == ["bad-name", "bad-port", "bad-retention", "bad-storage", "bad-storage", "bad-storage",
                        "literal-secret"]
    assert all(d.location.file == __file__ for d in e.value.diagnostics)


def test_secrets_must_be_env_references():
    ok = S3Storage(bucket="logs-bucket", region="eu-west-1", access_key_id="${AWS_KEY}",
                   secret_access_key="${AWS_SECRET:-}")
    LokiConfig(name="ok", storage=ok)
    with pytest.raises(DefinitionError) as e:
        LokiConfig(name="bad", storage=S3Storage(bucket="logs-bucket", region="eu-west-1",
                                                 access_key_id="AKIAEXAMPLE", secret_access_key="$SECRET"))
    assert codes(e) == ["literal-secret", "literal-secret"]


def test_env_secrets_render_with_expand_env_note():
    c = LokiConfig(name="s3", storage=S3Storage(bucket="logs-bucket", region="eu-west-1",
                                                access_key_id="${K}", secret_access_key="${S}"))
    _, data, doc = rendered(c)
    assert b"-config.expand-env=true" in data
    assert doc["storage_config"]["aws"]["secret_access_key"] == "${S}"
    _, data, _ = rendered(LokiConfig(name="fs"))
    assert b"expand-env" not in data


def test_rules_model_errors():
    with pytest.raises(DefinitionError) as e:
        LokiRules(name="r", tenant="a/b", groups=[
            LogRuleGroup(name="g", rules=[LogAlert(alert="Bad-Name", expr="", for_="5x"),
                                          LogRecord(record="1bad", expr="x")]),
            LogRuleGroup(name="g", rules=[]),
        ])
    assert codes(e) == ["bad-duration", "bad-group", "bad-logql", "bad-rule", "bad-rule", "bad-tenant",
                        "duplicate-group"]


# --------------------------------------------------------------------------------- version profiles
def test_2x_profile_is_boltdb_v11_with_shared_store():
    plan, _, doc = rendered(LokiConfig(name="a", version="2.9", retention="30d"))
    assert (plan.index, plan.schema) == ("boltdb-shipper", "v11")
    assert doc["schema_config"]["configs"][0]["store"] == "boltdb-shipper"
    assert doc["storage_config"]["boltdb_shipper"]["shared_store"] == "filesystem"
    assert doc["compactor"]["shared_store"] == "filesystem"
    assert "delete_request_store" not in doc["compactor"]
    assert cl.check_config_document(doc, plan.version) == []


def test_3x_profile_is_tsdb_v13_without_shared_store():
    plan, _, doc = rendered(LokiConfig(name="a", retention="30d"), default="3.0")
    assert (plan.index, plan.schema) == ("tsdb", "v13")
    assert "shared_store" not in doc["storage_config"]["tsdb_shipper"]
    assert "shared_store" not in doc["compactor"]
    assert doc["compactor"]["delete_request_store"] == "filesystem"
    assert doc["limits_config"]["retention_period"] == "720h"
    assert cl.check_config_document(doc, plan.version) == []


def test_settings_pick_the_default_version():
    assert cl.plan(LokiConfig(name="a"), "2.9").index == "boltdb-shipper"
    assert cl.plan(LokiConfig(name="a"), "3.3").index == "tsdb"
    assert cl.plan(LokiConfig(name="a", version="2.9"), "3.3").index == "boltdb-shipper"


@pytest.mark.parametrize("kwargs, default, message", [
    (dict(index="boltdb-shipper", schema="v11"), "3.0", "needs the tsdb index and schema v13"),
    (dict(limits=LokiLimits(enforce_metric_name=False)), "3.1", "removed in Loki 3.0"),
    (dict(index="tsdb", schema="v13"), "2.8", "schema v13 needs Loki 2.9"),
    (dict(index="tsdb", schema="v12"), "2.6", "tsdb index needs Loki 2.7"),
    (dict(allow_structured_metadata=True), "2.9", "is a Loki 3.0 setting"),
    (dict(), "4.0", "Loki 2.x and 3.x"),          # a bad loki_version in obskit.toml
])
def test_version_problems_name_the_version(kwargs, default, message):
    diags = cl.version_problems(LokiConfig(name="v", **kwargs), default)
    assert any(message in d.message for d in diags), [d.message for d in diags]


def test_boltdb_on_3x_allowed_with_structured_metadata_off():
    c = LokiConfig(name="v", index="boltdb-shipper", schema="v11", allow_structured_metadata=False)
    assert cl.version_problems(c, "3.0") == []
    plan, _, doc = rendered(c)
    assert doc["limits_config"]["allow_structured_metadata"] is False
    assert cl.check_config_document(doc, plan.version) == []


@given(days=st.integers(min_value=1, max_value=3650))
@settings(max_examples=40, deadline=None)
def test_retention_in_whole_days_renders_as_hours(days):
    plan, _, doc = rendered(LokiConfig(name="r", retention=f"{days}d"))
    assert doc["limits_config"]["retention_period"] == f"{24 * days}h"
    assert cl.check_config_document(doc, plan.version) == []


@given(hours=st.integers(min_value=1, max_value=2000).filter(lambda h: h % 24))
@settings(max_examples=30, deadline=None)
def test_retention_not_in_whole_days_is_refused(hours):
    with pytest.raises(DefinitionError) as e:
        LokiConfig(name="r", retention=f"{hours}h")
    assert codes(e) == ["bad-retention"]


# ------------------------------------------------------------------------ checks of a rendered config
def _good_3x():
    plan, _, doc = rendered(LokiConfig(name="g", retention="7d", storage=S3Storage(bucket="bkt", region="r")))
    return plan.version, doc


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["storage_config"]["tsdb_shipper"].__setitem__("shared_store", "s3"), "removed in Loki 3.0"),
    (lambda d: d["compactor"].__setitem__("shared_store", "s3"), "compactor.shared_store"),
    (lambda d: d["schema_config"]["configs"][0].__setitem__("schema", "v11"), "needs tsdb/v13"),
    (lambda d: d["schema_config"]["configs"][0]["index"].__setitem__("period", "168h"), "must be 24h"),
    (lambda d: d["compactor"].pop("delete_request_store"), "delete_request_store"),
    (lambda d: d["limits_config"].__setitem__("retention_period", "36h"), "multiple of the 24h"),
    (lambda d: d["limits_config"].__setitem__("enforce_metric_name", False), "enforce_metric_name"),
    (lambda d: d["storage_config"]["aws"].__setitem__("secret_access_key", "abc"), "literal secret"),
    (lambda d: d.__setitem__("tracing", {}), "unknown top-level"),
    (lambda d: d["storage_config"].pop("aws"), "without storage_config.aws"),
])
def test_config_document_check_catches(mutate, message):
    version, doc = _good_3x()
    assert cl.check_config_document(doc, version) == []
    mutate(doc)
    problems = cl.check_config_document(doc, version)
    assert any(message in p for p in problems), problems


def test_replication_needs_a_shared_ring():
    with pytest.raises(DefinitionError) as e:
        LokiConfig(name="r", replication_factor=3)
    assert codes(e) == ["bad-replication"]
    plan, _, doc = rendered(LokiConfig(name="r", replication_factor=3, memberlist_join=["loki-gossip:7946"]))
    assert doc["common"]["ring"]["kvstore"]["store"] == "memberlist"
    assert doc["memberlist"] == {"join_members": ["loki-gossip:7946"]}
    assert cl.check_config_document(doc, plan.version) == []
    doc["common"]["ring"]["kvstore"]["store"] = "inmemory"
    assert any("quorum" in p for p in cl.check_config_document(doc, plan.version))
    del doc["memberlist"]
    doc["common"]["ring"]["kvstore"]["store"] = "memberlist"
    assert any("join_members" in p for p in cl.check_config_document(doc, plan.version))


def test_2x_document_needs_shared_store():
    plan, _, doc = rendered(LokiConfig(name="a", version="2.9"))
    del doc["storage_config"]["boltdb_shipper"]["shared_store"]
    assert any("shared_store" in p for p in cl.check_config_document(doc, plan.version))


# ------------------------------------------------------------------------------------------ LogQL
VALID = [
    '{app="api"}',
    '{app="api", env=~"prod|staging"} |= "error" != "timeout"',
    '{app="api"} | json | status >= 500 | line_format "{{.msg}}"',
    'sum by (pod) (rate({app="api"} |= "error" [5m])) > 10',
    'count_over_time({app="api"} | logfmt | level="error" [1m])',
    'quantile_over_time(0.99, {app="api"} | logfmt | unwrap latency [5m]) by (route)',
    'sum(rate({a="b"}[5m])) / sum(rate({a="c"}[5m]))',
    'topk(5, sum by (user) (bytes_over_time({app="api"}[1h])))',
    'absent_over_time({app="api"}[10m])',
    '{app="api"} | pattern "<ip> - - <_> \\"<method> <uri> <_>\\" <status>"',
]
INVALID = [
    '{app="api"',                                  # unclosed selector
    'rate({app="api"}[5m]',                        # unclosed call
    '{app="api"} |= ',                             # filter without string
    'rate({}[5m])',                                # empty selector
    'sum(rate({app="api"}[5m])) by',               # dangling by
    '{app="api"} | unwrap latency [5m]',           # unwrap outside a range aggregation
    'up{job="x"}',                                 # PromQL, not LogQL
    'count_over_time({app="api"})',                # range function without a range
]


def test_logql_valid_and_invalid_in_one_process(node):
    results = logql.check(VALID + INVALID)
    assert [r.ok for r in results] == [True] * len(VALID) + [False] * len(INVALID)
    assert results[0].kind == "LogExpr" and results[3].kind == "MetricExpr"
    bad = results[len(VALID)]
    assert bad.errors and "column" in bad.describe()


def test_logql_missing_node_is_a_clear_tool_error(monkeypatch):
    monkeypatch.setenv("OBSKIT_NODE", "")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ToolError, match="node is not installed"):
        logql.check(['{a="b"}'])
    assert logql.check([]) == []


def _project(tmp_path, body: str, toml: str = ""):
    (tmp_path / "telemetry").mkdir(exist_ok=True)
    (tmp_path / "telemetry" / "logs.py").write_text(
        "from obskit.model.loki import *\n" + textwrap.dedent(body))
    if toml:
        (tmp_path / "obskit.toml").write_text(toml)
    return tmp_path


def test_logql_errors_are_located_definition_errors(tmp_path, node):
    _project(tmp_path, '''
        rules = LokiRules(name="r", groups=[LogRuleGroup(name="g", rules=[
            LogAlert(alert="A", expr='sum(rate({app="x"} |= "error" [5m]) > 1'),
            LogRecord(record="r:x", expr='{app="x"} |= "error"'),
            LogRecord(record="r:ok", expr='sum(rate({app="x"}[5m]))'),
        ])])
    ''')
    with pytest.raises(DefinitionError) as e:
        load_project(tmp_path)
    msgs = [str(d) for d in e.value.diagnostics]
    assert len(msgs) == 2
    assert "telemetry/logs.py:3" in msgs[0] and "LogQL syntax error" in msgs[0]
    assert "is a log query" in msgs[1]


def test_recording_rules_need_remote_write(tmp_path):
    _project(tmp_path, '''
        a = LokiConfig(name="main")
        r = LokiRules(name="r", groups=[LogRuleGroup(name="g", rules=[
            LogRecord(record="r:x", expr='sum(rate({app="x"}[5m]))')])])
    ''')
    with pytest.raises(DefinitionError) as e:
        load_project(tmp_path)
    assert codes(e) == ["no-remote-write"]
    _, _, doc = rendered(LokiConfig(name="m", ruler_remote_write_url="http://prom:9090/api/v1/write"))
    assert doc["ruler"]["remote_write"] == {"enabled": True,
                                            "clients": {"default": {"url": "http://prom:9090/api/v1/write"}}}
    _, _, doc = rendered(LokiConfig(name="m", version="2.6", ruler_remote_write_url="http://p/api/v1/write"))
    assert doc["ruler"]["remote_write"]["client"] == {"url": "http://p/api/v1/write"}


def test_project_checks_tenants_duplicates_and_versions(tmp_path):
    _project(tmp_path, '''
        a = LokiConfig(name="main", limits=LokiLimits(enforce_metric_name=False))
        b = LokiConfig(name="main", version="2.9")
        r = LokiRules(name="r", tenant="team-a", groups=[LogRuleGroup(name="g", rules=[
            LogRecord(record="r:x", expr='sum(rate({app="x"}[5m]))')])])
    ''', toml='[project]\nloki_version = "3.2"\n')
    with pytest.raises(DefinitionError) as e:
        load_project(tmp_path)
    assert codes(e) == ["bad-tenant", "duplicate-loki", "no-remote-write", "version"]


# ---------------------------------------------------------------------------- rule-file structure
GOOD_RULES = {"groups": [{"name": "g", "interval": "1m", "rules": [
    {"alert": "A", "expr": 'sum(rate({a="b"}[5m])) > 1', "for": "5m", "labels": {"severity": "page"},
     "annotations": {"summary": "x"}},
    {"record": "a:b:rate5m", "expr": 'sum(rate({a="b"}[5m]))'}]}]}


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["groups"].append(dict(d["groups"][0])), "repeated group name"),
    (lambda d: d["groups"][0].__setitem__("query_offset", "1m"), "unknown keys"),
    (lambda d: d["groups"][0]["rules"][0].__setitem__("record", "x"), "exactly one of"),
    (lambda d: d["groups"][0]["rules"][1].__setitem__("record", "1bad"), "invalid recording rule name"),
    (lambda d: d["groups"][0]["rules"][0].__setitem__("for", "5 minutes"), "for:"),
    (lambda d: d["groups"][0]["rules"][0]["labels"].__setitem__("bad-label", "x"), "invalid label name"),
    (lambda d: d["groups"][0]["rules"][0].pop("expr"), "'expr' must be set"),
    (lambda d: d["groups"][0]["rules"][1].__setitem__("annotations", {}), "unknown keys"),
    (lambda d: d.__setitem__("namespace", "x"), "single key 'groups'"),
])
def test_rule_file_structure_check(mutate, message):
    import copy
    doc = copy.deepcopy(GOOD_RULES)
    assert logql.check_rule_file(doc) == []
    mutate(doc)
    problems = logql.check_rule_file(doc)
    assert any(message in p for p in problems), problems


def test_rendered_rules_pass_the_structure_check():
    r = LokiRules(name="r", groups=[LogRuleGroup(name="g", interval="2m", rules=[
        LogAlert(alert="A", expr='sum(rate({a="b"}[5m])) > 1', for_="10m", labels={"team": "x"},
                 annotations={"summary": "{{ $value }}"}),
        LogRecord(record="a:b", expr='sum(rate({a="b"}[5m]))')])])
    data = rl.render_rules(cl.rule_file(r))
    assert data.startswith(b"# Generated by obskit")
    assert logql.check_rule_file(yaml.safe_load(data)) == []
    assert cl.rule_path(r) == "loki/rules/fake/r.yaml"


# -------------------------------------------------------------------------------------- the CLI
def test_cli_broken_loki_exits_2_and_keeps_previous_output(tmp_path):
    proj = _project(tmp_path / "p", '''
        loki = LokiConfig(name="ok", retention="30d")
    ''') if (tmp_path / "p").mkdir() is None else None
    out = tmp_path / "out"
    first = run_cli("build", str(proj), "--out", str(out), "--no-verify")
    assert first.returncode == 0, first.stderr
    before = (out / "loki" / "ok" / "config.yaml").read_bytes()
    (proj / "telemetry" / "logs.py").write_text(
        "from obskit.model.loki import *\n"
        "loki = LokiConfig(name='ok', retention='30h', storage=S3Storage(bucket='b-b-b', region='x',\n"
        "                  access_key_id='AKIA', secret_access_key='plain'))\n")
    second = run_cli("build", str(proj), "--out", str(out), "--no-verify")
    assert second.returncode == 2
    assert "telemetry/logs.py:2" in second.stderr
    assert "literal-secret" in second.stderr and "bad-retention" in second.stderr
    assert (out / "loki" / "ok" / "config.yaml").read_bytes() == before


def test_build_verify_runs_loki_checks(tmp_path, node):
    from obskit.build import build
    proj = _project(tmp_path / "p", '''
        loki = LokiConfig(name="ok", version="2.9", storage=FilesystemStorage())
        rules = LokiRules(name="r", groups=[LogRuleGroup(name="g", rules=[
            LogAlert(alert="A", expr='sum(count_over_time({app="x"} |= "panic" [5m])) > 0')])])
    ''') if (tmp_path / "p").mkdir() is None else None
    result = build(proj, tmp_path / "out", verify=True)
    assert "loki/rules/fake/r.yaml" in result.files
    assert "loki/ok/config.yaml" in result.files


@given(version=st.sampled_from(["2.6", "2.8", "2.9", "3.0", "3.4"]),
       index=st.sampled_from([None, "boltdb-shipper", "tsdb"]),
       schema=st.sampled_from([None, "v11", "v12", "v13"]),
       s3=st.booleans(), retention=st.sampled_from([None, "1d", "30d"]),
       asm=st.sampled_from([None, False, True]), emn=st.sampled_from([None, False]))
@settings(max_examples=120, deadline=None)
def test_accepted_configs_render_loadable_documents(version, index, schema, s3, retention, asm, emn):
    """Whatever the load-time checks accept for a Loki version renders to a document that the
    version's config rules accept: the two layers agree."""
    try:
        c = LokiConfig(name="p", version=version, index=index, schema=schema, retention=retention,
                       allow_structured_metadata=asm, limits=LokiLimits(enforce_metric_name=emn),
                       storage=S3Storage(bucket="bkt", region="r") if s3 else FilesystemStorage())
    except DefinitionError:
        return
    if cl.version_problems(c, "3.0"):
        return
    plan, _, doc = rendered(c)
    assert cl.check_config_document(doc, plan.version) == []
