"""Python validation of the scrape definitions: every relabel action, every error (located), version
refusal, project-wide checks, and the build's verification of the generated files."""
import textwrap
from pathlib import Path

import pytest
import yaml

from obskit.errors import DefinitionError, ToolError
from obskit.loader import load_project
from obskit.model.scrape import (
    ACTIONS, Alertmanagers, FileSD, KubernetesSD, KubernetesSelector, PrometheusConfig, Relabel,
    ScrapeConfig, StaticConfig, TLSConfig, address_from_annotation, keep_label, meta_label,
)
from obskit.render.prometheus_config import relabel_dict
from tests.conftest import run_cli


def codes(fn):
    try:
        fn()
    except DefinitionError as exc:
        return [(d.code, f"{d.message} {d.hint}") for d in exc.diagnostics]
    return []


# --- every action, valid ---------------------------------------------------------------------------
VALID = {
    "replace": dict(action="replace", source_labels=["a", "b"], regex="(.*);(.*)", target_label="c",
                    replacement="$1-$2"),
    "keep": dict(action="keep", source_labels=["a"], regex="x|y"),
    "drop": dict(action="drop", source_labels=["a"], separator=",", regex="x"),
    "keepequal": dict(action="keepequal", source_labels=["a"], target_label="b"),
    "dropequal": dict(action="dropequal", source_labels=["a"], target_label="b"),
    "hashmod": dict(action="hashmod", source_labels=["__address__"], modulus=8, target_label="__tmp_hash"),
    "labelmap": dict(action="labelmap", regex="__meta_kubernetes_pod_label_(.+)"),
    "labeldrop": dict(action="labeldrop", regex="pod_template_hash"),
    "labelkeep": dict(action="labelkeep", regex="__name__|job|instance"),
    "lowercase": dict(action="lowercase", source_labels=["a"], target_label="a_lower"),
    "uppercase": dict(action="uppercase", source_labels=["a"], target_label="a_upper"),
}


def test_every_action_has_a_valid_example():
    assert sorted(VALID) == sorted(ACTIONS)


@pytest.mark.parametrize("action", sorted(VALID))
def test_valid_action_renders_the_given_fields(action):
    kwargs = VALID[action]
    step = Relabel(**kwargs)
    expected = {k: (list(v) if isinstance(v, list) else v) for k, v in kwargs.items()}
    assert relabel_dict(step) == expected


def test_action_is_case_insensitive_and_normalised():
    assert Relabel(action="LabelDrop", regex="x").action == "labeldrop"


def test_replace_target_label_may_be_a_template():
    Relabel(source_labels=["a"], regex="(.*)", target_label="label_${1}", replacement="x")


# --- every error ----------------------------------------------------------------------------------
INVALID = [
    # (kwargs, code, words in the message, promtool also refuses it)
    (dict(action="bogus"), "bad-relabel-action", "unknown relabel action", True),
    (dict(action="hashmod", source_labels=["a"], target_label="b"), "relabel-missing-field", "modulus", True),
    (dict(action="hashmod", source_labels=["a"], target_label="b", modulus=0), "bad-relabel", "positive", True),
    (dict(action="replace", source_labels=["a"]), "relabel-missing-field", "target_label", True),
    (dict(action="lowercase", source_labels=["a"]), "relabel-missing-field", "target_label", True),
    (dict(action="keepequal", source_labels=["a"]), "relabel-missing-field", "target_label", True),
    (dict(action="keepequal", source_labels=["a"], target_label="b", regex="x"),
     "relabel-field-not-allowed", "does not use regex", True),
    (dict(action="dropequal", source_labels=["a"], target_label="b", separator="|"),
     "relabel-field-not-allowed", "separator", True),
    (dict(action="lowercase", source_labels=["a"], target_label="b", replacement="x"),
     "relabel-field-not-allowed", "replacement", True),
    (dict(action="labeldrop", regex="a", target_label="b"), "relabel-field-not-allowed", "target_label", True),
    (dict(action="labelkeep", regex="a", source_labels=["x"]), "relabel-field-not-allowed", "source_labels", True),
    (dict(action="labelmap", regex="a(.*)", replacement="1bad"), "bad-relabel", "labelmap replacement", True),
    (dict(action="replace", source_labels=["a-b"], target_label="c"), "bad-label", "'a-b'", True),
    (dict(action="replace", source_labels=["a"], target_label="bad-name"), "bad-label", "target_label", True),
    (dict(action="replace", source_labels=["a"], target_label="x", regex="("), "bad-regex", "missing )", True),
    (dict(action="keep", source_labels=["a"], regex="(?=x)"), "bad-regex", "lookahead", True),
    (dict(action="keep", source_labels=["a"], regex="(?<!x)y"), "bad-regex", "lookahead/lookbehind", True),
    (dict(action="keep", source_labels=["a"], regex="(a)\\1"), "bad-regex", "backreference", True),
    (dict(action="keep", source_labels=["a"], regex="a++"), "bad-regex", "possessive", True),
    (dict(action="keep", source_labels=["a"], regex="a\\Z"), "bad-regex", "\\z", True),
    (dict(action="keep", source_labels=["a"], regex="(?<n>a)"), "bad-regex", "(?P<name>", True),
    (dict(action="keep", source_labels=["a"], regex="\\C"), "bad-regex", "\\C", True),
    (dict(action="keep", source_labels=["a"], regex="a{1001}"), "bad-regex", "repetition", True),
    # obskit is stricter than Prometheus 2.42 here (newer Prometheus or plain sense):
    (dict(action="lowercase", source_labels=["a"], target_label="${1}x"), "bad-label", "does not expand", False),
    (dict(action="keep", regex="x"), "relabel-missing-field", "source_labels", False),
    (dict(action="keep", source_labels=["a"], regex="x", target_label="y"),
     "relabel-field-not-allowed", "only filters", False),
    (dict(action="labelmap"), "relabel-missing-field", "every label", False),
    (dict(action="replace", source_labels="a", target_label="b"), "bad-relabel", "list of label names", False),
    (dict(action="replace", source_labels=["__meta_kubernetes_pod_annotation_prometheus_io_port"],
          regex="([^:]+)(?::\\d+)?;(\\d+)", target_label="__address__", replacement="$1:$2"),
     "relabel-never-matches", "needs 2 ';'-joined values", False),
]


@pytest.mark.parametrize("kwargs,code,words,_", INVALID, ids=[f"{c}-{i}" for i, (_, c, _w, _p) in enumerate(INVALID)])
def test_invalid_relabel_is_refused(kwargs, code, words, _):
    found = codes(lambda: Relabel(**kwargs))
    assert any(c == code and words.lower() in m.lower() for c, m in found), found


def test_never_matches_can_be_acknowledged():
    Relabel(source_labels=["a"], regex="x;y", target_label="b", check_separators=False)
    Relabel(source_labels=["a"], regex="x;y|z", target_label="b")  # alternation: cannot tell, accepted


def test_helper_steps_are_the_corrected_forms():
    step = address_from_annotation("pod")
    assert step.source_labels == ("__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port")
    assert meta_label("pod", "annotation", "prometheus.io/scrape") == \
        "__meta_kubernetes_pod_annotation_prometheus_io_scrape"
    assert keep_label("pod", "app.kubernetes.io/name", "a-b").source_labels == \
        ("__meta_kubernetes_pod_label_app_kubernetes_io_name",)


OTHER_INVALID = [
    (lambda: KubernetesSD(role="pods"), "bad-k8s-role"),
    (lambda: KubernetesSD(role="pod", namespaces=["Not_A_Namespace"]), "bad-namespace"),
    (lambda: KubernetesSD(role="pod", selectors=[KubernetesSelector(role="service", label="a=b")]), "bad-k8s-selector"),
    (lambda: KubernetesSD(role="endpoints", selectors=[KubernetesSelector(role="pod", label="a=b"),
                                                       KubernetesSelector(role="pod", label="c=d")]), "bad-k8s-selector"),
    (lambda: KubernetesSelector(role="pod", label="a in b"), "bad-k8s-selector"),
    (lambda: KubernetesSelector(role="pod"), "bad-k8s-selector"),
    (lambda: KubernetesSD(role="node", attach_metadata_node=True), "bad-k8s-sd"),
    (lambda: KubernetesSD(role="pod", api_server="https://k", kubeconfig_file="/k"), "bad-k8s-sd"),
    (lambda: StaticConfig(targets=["http://host:80/metrics"]), "bad-target"),
    (lambda: StaticConfig(targets=["host:70000"]), "bad-target"),
    (lambda: StaticConfig(targets=[]), "bad-target"),
    (lambda: FileSD(files=["targets.txt"]), "bad-file-sd"),
    (lambda: TLSConfig(cert_file="/c"), "bad-tls"),
    (lambda: ScrapeConfig(job_name="x"), "no-targets"),
    (lambda: ScrapeConfig(job_name="has space", targets=["a:1"]), "bad-name"),
    (lambda: ScrapeConfig(job_name="x", targets=["a:1"], scrape_interval="10s", scrape_timeout="20s"), "bad-duration"),
    (lambda: ScrapeConfig(job_name="x", targets=["a:1"], metrics_path="metrics"), "bad-path"),
    (lambda: ScrapeConfig(job_name="x", targets=["a:1"], scheme="ftp"), "bad-scheme"),
    (lambda: ScrapeConfig(job_name="x", targets=["a:1"], scrape_interval="5x"), "bad-duration"),
    (lambda: PrometheusConfig(rule_files=["/etc/prometheus/rules/*.yml"]), "bad-rule-files"),
    (lambda: PrometheusConfig(rule_files=["*/x.yml"]), "bad-rule-files"),
    (lambda: PrometheusConfig(external_labels={"bad-label": "x"}), "bad-label"),
    (lambda: PrometheusConfig(name="Bad Name"), "bad-name"),
    (lambda: PrometheusConfig(retention_size="lots"), "bad-value"),
    (lambda: Alertmanagers(targets=["am:9093"], api_version="v1"), "bad-value"),
]


@pytest.mark.parametrize("make,code", OTHER_INVALID, ids=[f"{c}-{i}" for i, (_, c) in enumerate(OTHER_INVALID)])
def test_other_definitions_refuse_bad_values(make, code):
    assert code in [c for c, _ in codes(make)]


# --- located errors, all reported together ---------------------------------------------------------
def _project(tmp_path: Path, source: str, toml: str = "") -> Path:
    (tmp_path / "telemetry").mkdir()
    (tmp_path / "telemetry" / "scrape.py").write_text(textwrap.dedent(source))
    if toml:
        (tmp_path / "obskit.toml").write_text(toml)
    return tmp_path


def _load_errors(root: Path):
    with pytest.raises(DefinitionError) as info:
        load_project(root)
    return [(str(d.location), d.code, d.message) for d in info.value.diagnostics if d.severity == "error"]


def test_errors_are_located_at_the_users_line_and_reported_together(tmp_path):
    root = _project(tmp_path, """\
        from obskit.model.scrape import PrometheusConfig, Relabel, ScrapeConfig, KubernetesSD
        server = PrometheusConfig()
        job = ScrapeConfig(
            job_name="api",
            kubernetes=[KubernetesSD(role="pods")],
            relabel_configs=[
                Relabel(action="hashmod", source_labels=["a"], target_label="b"),
                Relabel(action="keep", source_labels=["a"], regex="(?=x)"),
            ],
        )
        other = ScrapeConfig(job_name="other", targets=["web:80"], relabel_configs=[Relabel(action="nope")])
        """)
    errors = _load_errors(root)
    where = {(loc, code) for loc, code, _ in errors}
    assert ("telemetry/scrape.py:5", "bad-k8s-role") in where
    assert ("telemetry/scrape.py:7", "relabel-missing-field") in where
    assert ("telemetry/scrape.py:8", "bad-regex") in where
    assert ("telemetry/scrape.py:11", "bad-relabel-action") in where


# --- version refusal --------------------------------------------------------------------------------
NEW_ACTIONS = """\
    from obskit.model.scrape import PrometheusConfig, Relabel, ScrapeConfig
    server = PrometheusConfig(rule_files=())
    job = ScrapeConfig(job_name="api", targets=["web:80"], relabel_configs=[
        Relabel(action="keepequal", source_labels=["a"], target_label="b"),
        Relabel(action="lowercase", source_labels=["a"], target_label="c"),
    ], keep_dropped_targets=100)
    """


def test_actions_newer_than_the_target_are_refused_naming_the_version(tmp_path):
    errors = _load_errors(_project(tmp_path, NEW_ACTIONS, '[project]\nprometheus_version = "2.35"\n'))
    msgs = {(loc, msg) for loc, code, msg in errors if code == "too-new"}
    assert any(loc == "telemetry/scrape.py:4" and "'keepequal' needs Prometheus 2.41" in m and "targets 2.35" in m
               for loc, m in msgs), msgs
    assert any(loc == "telemetry/scrape.py:5" and "'lowercase' needs Prometheus 2.36" in m for loc, m in msgs)
    assert any(loc == "telemetry/scrape.py:3" and "keep_dropped_targets needs Prometheus 2.47" in m for loc, m in msgs)


def test_default_target_2_42_refuses_only_the_newer_field(tmp_path):
    errors = _load_errors(_project(tmp_path, NEW_ACTIONS))
    assert [(c, m.split(";")[0]) for _, c, m in errors] == [("too-new", "keep_dropped_targets needs Prometheus 2.47 or later")]


def test_prometheus_3_accepts_all(tmp_path):
    project = load_project(_project(tmp_path, NEW_ACTIONS, '[project]\nprometheus_version = "3.0"\n'))
    assert len(project.of(ScrapeConfig)) == 1


# --- project checks ------------------------------------------------------------------------------------
@pytest.mark.parametrize("source,code,line", [
    ("""\
    from obskit.model.scrape import PrometheusConfig, ScrapeConfig
    server = PrometheusConfig(rule_files=())
    a = ScrapeConfig(job_name="api", targets=["a:1"])
    b = ScrapeConfig(job_name="api", targets=["b:1"])
    """, "duplicate-job", 4),
    ("""\
    from obskit.model.scrape import ScrapeConfig
    a = ScrapeConfig(job_name="api", targets=["a:1"])
    """, "unused-scrape-config", 2),
    ("""\
    from obskit.model.scrape import PrometheusConfig, ScrapeConfig
    a = ScrapeConfig(job_name="api", targets=["a:1"])
    b = ScrapeConfig(job_name="db", targets=["b:1"])
    server = PrometheusConfig(rule_files=(), scrape_configs=[a])
    """, "unused-scrape-config", 3),
    ("""\
    from obskit.model.scrape import PrometheusConfig
    one = PrometheusConfig(rule_files=())
    two = PrometheusConfig(rule_files=())
    """, "duplicate-prometheus-config", 3),
    ("""\
    from obskit.model.scrape import PrometheusConfig, ScrapeConfig
    server = PrometheusConfig(rule_files=(), scrape_interval="10s")
    a = ScrapeConfig(job_name="api", targets=["a:1"], scrape_timeout="15s")
    """, "bad-duration", 3),
    ("""\
    from obskit.model.scrape import PrometheusConfig, kubernetes_pods
    server = PrometheusConfig(rule_files=())
    a = kubernetes_pods("shop_pods")
    b = kubernetes_pods("shop-pods")
    """, "duplicate-monitor", 4),
])
def test_project_checks(tmp_path, source, code, line):
    errors = _load_errors(_project(tmp_path, source))
    assert (f"telemetry/scrape.py:{line}", code) in {(loc, c) for loc, c, _ in errors}, errors


def test_bad_version_setting(tmp_path):
    errors = _load_errors(_project(tmp_path, "x = 1\n", '[project]\nprometheus_version = "two"\n'))
    assert any(c == "bad-config" for _, c, _m in errors)


# --- the build's verification ---------------------------------------------------------------------------
def _build_files(tmp_path, source):
    from obskit.build import render_project
    project = load_project(_project(tmp_path, source))
    files = render_project(project)
    out = tmp_path / "out"
    for rel, data in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    return out, files


def test_rule_files_must_resolve_in_the_build_output(tmp_path):
    from obskit.targets.prometheus_config import PrometheusConfigTarget
    out, files = _build_files(tmp_path, """\
        from obskit.model.scrape import PrometheusConfig
        server = PrometheusConfig(rule_files=["rules/*.yml", "extra/*.yml"])
        """)
    with pytest.raises(ToolError, match="'rules/\\*.yml' matches no built file"):
        PrometheusConfigTarget().verify(out, files)


def test_verify_runs_promtool_on_the_generated_file(tmp_path, promtool):
    """A file that only promtool can refuse (edited after rendering) makes verify fail: the check
    is the real tool, not a restatement of the Python rules."""
    from obskit.targets.prometheus_config import PrometheusConfigTarget
    out, files = _build_files(tmp_path, """\
        from obskit.model.scrape import PrometheusConfig, ScrapeConfig
        server = PrometheusConfig(rule_files=())
        job = ScrapeConfig(job_name="api", targets=["a:1"])
        """)
    PrometheusConfigTarget().verify(out, files)
    doc = yaml.safe_load(files["prometheus/prometheus.yml"])
    doc["scrape_configs"].append(dict(doc["scrape_configs"][0]))  # duplicate job_name
    files["prometheus/prometheus.yml"] = yaml.safe_dump(doc).encode()
    (out / "prometheus/prometheus.yml").write_bytes(files["prometheus/prometheus.yml"])
    with pytest.raises(ToolError, match="promtool check config failed on prometheus/prometheus.yml"):
        PrometheusConfigTarget().verify(out, files)


def test_kubernetes_sd_is_stripped_only_in_the_copy(tmp_path, promtool, capsys):
    from obskit.targets.prometheus_config import PrometheusConfigTarget, check_config
    out, files = _build_files(tmp_path, """\
        from obskit.model.scrape import PrometheusConfig, kubernetes_pods, ScrapeConfig, TLSConfig
        server = PrometheusConfig(rule_files=())
        pods = kubernetes_pods("pods", namespaces=["shop"])
        kubelet = ScrapeConfig(job_name="secure", targets=["k:10250"], scheme="https",
                               bearer_token_file="/var/run/secrets/kubernetes.io/serviceaccount/token",
                               tls_config=TLSConfig(ca_file="/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"))
        """)
    result, stripped = check_config(out, "prometheus/prometheus.yml")
    assert result.ok, result.output
    assert stripped == ["pods"]
    assert "kubernetes_sd_configs" in (out / "prometheus/prometheus.yml").read_text()
    PrometheusConfigTarget().verify(out, files)
    assert "promtool checked everything but the kubernetes_sd_configs of pods" in capsys.readouterr().err


def test_promtool_really_refuses_kubernetes_sd(tmp_path, promtool):
    """The reason for the stripped copy (field notes): Debian's promtool has no Kubernetes SD."""
    from obskit.verify.tools import run
    path = tmp_path / "p.yml"
    path.write_text("scrape_configs:\n- job_name: a\n  kubernetes_sd_configs:\n  - role: pod\n")
    res = run("promtool", ["check", "config", str(path)])
    if res.ok:
        pytest.skip("this promtool has Kubernetes discovery: the stripped copy is not needed")
    assert "kubernetes_sd_configs" in res.output


# --- CLI: exit 2, located, previous output untouched --------------------------------------------------------
def test_cli_broken_scrape_definition_exits_2_and_keeps_previous_output(tmp_path):
    root = _project(tmp_path, """\
        from obskit.model.scrape import PrometheusConfig, ScrapeConfig
        server = PrometheusConfig(rule_files=())
        job = ScrapeConfig(job_name="api", targets=["a:1"])
        """)
    out = tmp_path / "build"
    first = run_cli("build", str(root), "--out", str(out), "--no-verify")
    assert first.returncode == 0, first.stderr
    before = (out / "prometheus/prometheus.yml").read_bytes()
    (root / "telemetry" / "scrape.py").write_text(textwrap.dedent("""\
        from obskit.model.scrape import PrometheusConfig, ScrapeConfig, Relabel
        server = PrometheusConfig(rule_files=())
        job = ScrapeConfig(job_name="api", targets=["a:1"],
                           relabel_configs=[Relabel(action="hashmod", source_labels=["a"], target_label="b")])
        """))
    second = run_cli("build", str(root), "--out", str(out), "--no-verify")
    assert second.returncode == 2
    assert "telemetry/scrape.py:4" in second.stdout + second.stderr
    assert "hashmod needs modulus" in second.stdout + second.stderr
    assert (out / "prometheus/prometheus.yml").read_bytes() == before


def test_reference_gateway_reproduces_the_write_up():
    """Section 6 of llm-inference-gateway.md, field by field."""
    import importlib
    ref = importlib.import_module("telemetry.scrape_gateway")
    server = ref.prometheus
    assert [j.job_name for j in server.scrape_configs] == ["llm-gateway", "redis", "node-exporter"]
    assert str(server.scrape_interval) == "15s" and str(server.evaluation_interval) == "15s"
    assert dict(server.external_labels) == {"cluster": "llm-gateway-prod", "environment": "production"}
    assert server.alertmanagers[0].targets == ("alertmanager:9093",)
    assert server.server_flags == ("--storage.tsdb.retention.time=30d",)
    gw = ref.llm_gateway
    assert gw.kubernetes[0].role == "pod" and gw.kubernetes[0].namespaces == ("llm-gateway",)
    assert [(r.action, r.source_labels, r.regex) for r in gw.relabel_configs] == [
        ("keep", ("__meta_kubernetes_pod_label_app",), "llm-gateway"),
        ("keep", ("__meta_kubernetes_pod_annotation_prometheus_io_scrape",), "true"),
        ("replace", ("__meta_kubernetes_pod_annotation_prometheus_io_port",), r"([^:]+)(?::\d+)?;(\d+)"),
        ("replace", ("__meta_kubernetes_pod_annotation_prometheus_io_path",), "(.+)"),
    ]
    assert ref.node_exporter.relabel_configs[0].replacement == "${1}:9100"
    assert ref.redis.targets == ("redis-service:6379",)


def test_reference_simulator_has_six_scrape_configs():
    """One server per region (us-east-1, us-west-2), six scrape configs each."""
    import importlib
    ref = importlib.import_module("telemetry.scrape_simulator")
    assert [dict(r.external_labels)["region"] for r in ref.regions] == ["us-east-1", "us-west-2"]
    assert all(len(r.scrape_configs) == 6 and str(r.scrape_interval) == "15s" for r in ref.regions)


def test_rules_selecting_an_unscraped_job_are_reported(tmp_path, promtool, capsys):
    """The multi golden case's SLO reads probe_success{job="blackbox"}: without the blackbox job, the
    path check refuses it when the project loads (the server that evaluates it does not scrape it);
    the build's verify step still warns on built files whose rules select a job nothing scrapes."""
    import shutil
    from obskit.build import render_project
    from obskit.errors import DefinitionError
    from obskit.targets.prometheus_config import PrometheusConfigTarget, unscraped_jobs
    project = tmp_path / "p"
    shutil.copytree(Path(__file__).parent / "golden" / "scrape" / "multi", project,
                    ignore=shutil.ignore_patterns("expected"))
    files = render_project(load_project(project))
    configs = [p for p in files if p.startswith("prometheus/prometheus")]
    assert unscraped_jobs(configs, files) == {}
    doc = yaml.safe_load(files["prometheus/prometheus.yml"])
    doc["scrape_configs"] = [j for j in doc["scrape_configs"] if j["job_name"] != "blackbox"]
    files["prometheus/prometheus.yml"] = yaml.safe_dump(doc).encode()
    assert unscraped_jobs(configs, files) == {"blackbox": ["prometheus/rules/homepage.yml"]}
    out = tmp_path / "out"
    for rel, data in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    PrometheusConfigTarget().verify(out, files)
    assert 'select job="blackbox" but no generated Prometheus configuration scrapes' in capsys.readouterr().err
    # scraping it (or setting job to it in a relabel step) silences the warning
    doc["scrape_configs"][0]["relabel_configs"] = [{"target_label": "job", "replacement": "blackbox"}]
    files["prometheus/prometheus.yml"] = yaml.safe_dump(doc).encode()
    assert unscraped_jobs(configs, files) == {}
    # the definitions without the job: refused at load, at the SLO, naming the server
    scrape = project / "telemetry" / "scrape.py"
    text = scrape.read_text().replace("scrape_configs=[web, blackbox]", "scrape_configs=[web]")
    start = text.index("blackbox = ScrapeConfig(")
    scrape.write_text(text[:start] + text[text.index("\n\nmain = ") + 2:])
    with pytest.raises(DefinitionError) as exc:
        load_project(project)
    (d,) = {(d.code, str(d.location)) for d in exc.value.diagnostics}
    assert d == ("job-not-scraped", "slos/probe.py:3")
    assert "on Prometheus 'prometheus', which scrapes only web" in str(exc.value)


@pytest.mark.parametrize("pattern,needed", [
    (r"([^:]+)(?::\d+)?;(\d+)", 1), ("x;y;z", 2), (r"a\;b", 1), ("[;]", 0), (r"[\;]", 0), ("(a;b)", 1),
    ("(.*)(;.*)?", None), ("a;?b", None), ("a|b;c", None),
])
def test_semicolons_a_regex_needs(pattern, needed):
    from obskit.model.prometheus_config.regex import literal_semicolons
    assert literal_semicolons(pattern) == needed


def test_jobs_scraped_slower_than_the_assumed_interval_are_warned(tmp_path):
    root = _project(tmp_path, """\
        from obskit.model.scrape import PrometheusConfig, ScrapeConfig
        server = PrometheusConfig(rule_files=(), scrape_interval="15s")
        fast = ScrapeConfig(job_name="fast", targets=["a:1"])
        slow = ScrapeConfig(job_name="slow", targets=["b:1"], scrape_interval="2m")
        """, '[project]\nscrape_interval = 30\n')
    project = load_project(root)  # a warning, not an error
    found = [(str(d.location), d.code, d.severity) for d in project.warnings if d.code.startswith("scrape-")]
    assert found == [("telemetry/scrape.py:4", "scrape-slower-than-assumed", "warning")]
