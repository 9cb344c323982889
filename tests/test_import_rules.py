"""``obskit import prometheus-rules`` and ``RuleFile.include``: existing rule files come in unchanged.

Import writes Python whose build gives the same rules (rule by rule after parsing: groups in order
with their interval/limit/query_offset/labels, each rule's expr, for, keep_firing_for, labels and
annotations), which every installed promtool accepts. Include copies the file byte for byte.
Bad input gives a located error (file:line), exit 2 and nothing written.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

import ceph_files
from obskit.duration import Duration
from obskit.verify import promtool as pt
from obskit.verify import tools
from test_lint import run_cli   # in-process CLI: exit code, stdout, stderr


def _norm_duration(text):
    if text is None:
        return None
    return 0 if str(text).strip("0smhdwy") == "" and set(str(text)) <= set("0smhdwy") else Duration.parse(str(text)).seconds


def normalised(path: Path):
    """A rule file as Prometheus reads it: durations as seconds, expressions without surrounding
    whitespace, an absent for as 0, maps compared as maps."""
    doc = yaml.safe_load(path.read_text())
    if doc.get("kind") == "PrometheusRule":
        doc = doc["spec"]
    out = []
    for g in doc["groups"]:
        rules = []
        for r in g.get("rules") or []:
            rules.append({
                "kind": "alert" if "alert" in r else "record", "name": r.get("alert", r.get("record")),
                "expr": str(r["expr"]).strip(), "for": _norm_duration(r.get("for")) or 0,
                "keep_firing_for": _norm_duration(r.get("keep_firing_for")) or 0,
                "labels": {k: str(v) for k, v in (r.get("labels") or {}).items()},
                "annotations": {k: str(v) for k, v in (r.get("annotations") or {}).items()},
            })
        if rules:
            out.append({"name": g["name"], "interval": _norm_duration(g.get("interval")), "limit": g.get("limit"),
                        "query_offset": _norm_duration(g.get("query_offset")), "labels": g.get("labels") or {},
                        "rules": rules})
    return out


def _import_and_build(tmp_path: Path, *files: Path, toml: str = "", extra=()):
    proj = tmp_path / "proj"
    proj.mkdir(exist_ok=True)
    if toml:
        (proj / "obskit.toml").write_text(toml)
    res = run_cli("import", "prometheus-rules", *files, "--out", proj / "alerts", *extra)
    assert res.returncode == 0, res.stderr
    build = run_cli("build", proj, "--no-verify")
    assert build.returncode == 0, build.stderr
    return proj, res


def _check_with_every_promtool(paths, floor="2.42"):
    found = tools.at_least("promtool", floor)
    assert found
    for tool in found:
        res = pt.check_rules([str(p) for p in paths], tool=tool)
        assert res.ok, f"{tool.label}: {res.output}"


# --- Ceph's 58 alerts ------------------------------------------------------------------------------
def test_ceph_import_builds_the_same_rules(tmp_path, promtool):
    src = ceph_files.alerts()
    proj, res = _import_and_build(tmp_path, src, toml='[project]\nscrape_interval = "10s"\nevaluation_interval = "10s"\n')
    assert "imported 58 rule(s) in 13 group(s) into 1 module(s)" in res.stdout
    code = (proj / "alerts" / "ceph_default_alerts.py").read_text()
    compile(code, "ceph_default_alerts.py", "exec")
    assert f"# {src}:4\n" in code                               # every rule names its source line
    built = proj / "build" / "prometheus" / "rules" / "ceph_default_alerts-alerts.yml"
    assert normalised(built) == normalised(src)
    _check_with_every_promtool([built])
    check = run_cli("check", proj)
    assert check.returncode == 0 and "0 error(s), 0 warning(s)" in check.stdout, check.stderr


def test_ceph_included_unchanged(tmp_path, promtool):
    src = ceph_files.alerts()
    proj = tmp_path / "proj"
    (proj / "alerts").mkdir(parents=True)
    (proj / "obskit.toml").write_text('[project]\nscrape_interval = "10s"\n')
    (proj / "alerts" / "ceph.py").write_text(
        f"from obskit.model.rule_files import RuleFile\nceph = RuleFile.include({str(src)!r}, name='ceph')\n")
    res = run_cli("build", proj)                                  # verified: promtool check rules
    assert res.returncode == 0, res.stderr
    assert (proj / "build" / "prometheus" / "rules" / "ceph.yml").read_bytes() == src.read_bytes()
    assert run_cli("check", proj).returncode == 0


# --- round trip of every field ---------------------------------------------------------------------
EVERYTHING = """\
groups:
  - name: api
    interval: 30s
    limit: 10
    rules:
      - record: job:http_requests:rate5m
        expr: sum by (job) (rate(http_requests_total[5m]))
      - record: instance_path_requests          # off level:metric:operations: a warning
        expr: sum by (instance, path) (rate(http_requests_total[5m]))
        labels: {source: import}
      - alert: HighErrorRate
        expr: |
          sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))
            /
          sum by (job) (rate(http_requests_total[5m])) > 0.05
        for: 0s
        keep_firing_for: 10m
        labels:
          severity: page
          team: "api"
          priority: 1
        annotations:
          summary: "{{ $labels.job }} fails"
          description: |
            Error ratio {{ $value | humanizePercentage }}.
            Second line with 'quotes' and "double" and a \\backslash.
          runbook_url: https://runbooks.example.com/x
          dashboard: https://grafana.example.com/d/api
      - alert: no_severity_no_summary
        expr: up{job="api"} == 0
  - name: empty
    rules: []
"""


def test_every_field_round_trips(tmp_path, promtool):
    src = tmp_path / "api-rules.yml"
    src.write_text(EVERYTHING)
    proj, res = _import_and_build(tmp_path, src)
    assert "group 'empty'" in res.stderr and "has no rules" in res.stderr
    built = proj / "build" / "prometheus" / "rules" / "api_rules-alerts.yml"
    assert normalised(built) == normalised(src)
    assert "for: 0s" in built.read_text()
    _check_with_every_promtool([src, built])
    check = run_cli("check", proj)
    assert check.returncode == 0, check.stderr                  # conventions are warnings only
    for code in ("record-name", "severity", "alert-name", "missing-annotation"):
        assert f"warning [{code}]" in check.stderr


def test_prometheus_rule_objects_and_several_files(tmp_path, promtool):
    a = tmp_path / "a.yaml"
    a.write_text(textwrap.dedent("""\
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata: {name: a, namespace: monitoring, labels: {release: kps}}
        spec:
          groups:
            - name: a1
              rules:
                - alert: ADown
                  expr: up{job="a"} == 0
                  labels: {severity: critical}
                  annotations: {summary: down, description: down}
        ---
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata: {name: a2}
        spec:
          groups:
            - name: a2
              rules:
                - record: job:up:sum
                  expr: sum by (job) (up)
    """))
    b = tmp_path / "b.yml"
    b.write_text("groups:\n  - name: b\n    rules:\n      - record: job:b:sum\n        expr: sum by (job) (b)\n")
    proj, res = _import_and_build(tmp_path, a, b, extra=("--output", "json"))
    out = json.loads(res.stdout)
    assert out["written"] and len(out["files"]) == 2
    assert any("metadata" in f["message"] for f in out["findings"])      # namespace/labels not carried over
    built = proj / "build" / "prometheus" / "rules"
    assert [g["name"] for g in normalised(built / "a-alerts.yml")] == ["a1", "a2"]
    assert normalised(built / "a-alerts.yml") == normalised_docs(a)
    assert normalised(built / "b-alerts.yml") == normalised(b)


def normalised_docs(path: Path):
    out = []
    for doc in yaml.safe_load_all(path.read_text()):
        p = path.with_suffix(".one.yml")
        p.write_text(yaml.safe_dump(doc))
        out += normalised(p)
    return out


# --- bad input: located, exit 2, nothing written -------------------------------------------------
@pytest.mark.parametrize("text, where, message", [
    ("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n", ":4:", "bad-promql"),
    ("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        fo: 5m\n", ":6:",
     "field fo not found"),
    ("groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n", ":4:", "repeated"),
    ("groups:\n  - name: g\n    rules:\n      - alert: A\n", ":4:", "'expr' must be set"),
    ("groups: [\n", ":2:", "not valid YAML"),
    ("apiVersion: v1\nkind: ConfigMap\n", ":1:", "not a Prometheus rule file"),
    ("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: soon\n", ":4:",
     "bad-duration"),
])
def test_bad_input_is_located_and_writes_nothing(tmp_path, text, where, message):
    src = tmp_path / "bad.yml"
    src.write_text(text)
    out = tmp_path / "alerts"
    res = run_cli("import", "prometheus-rules", src, "--out", out)
    assert res.returncode == 2, res.stderr
    assert f"{src}{where}" in res.stderr and message in res.stderr, res.stderr
    assert not out.exists()


def test_existing_module_is_not_overwritten(tmp_path):
    src = tmp_path / "r.yml"
    src.write_text("groups:\n  - name: g\n    rules:\n      - record: job:x:sum\n        expr: sum by (job) (x)\n")
    out = tmp_path / "alerts"
    assert run_cli("import", "rules", src, "--out", out).returncode == 0
    res = run_cli("import", "rules", src, "--out", out)
    assert res.returncode == 2 and "--force" in res.stderr
    assert run_cli("import", "rules", src, "--out", out, "--force").returncode == 0


def test_include_errors_point_at_the_yaml(tmp_path):
    proj = tmp_path / "proj"
    (proj / "alerts").mkdir(parents=True)
    (proj / "alerts" / "r.yml").write_text("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(x\n")
    (proj / "alerts" / "inc.py").write_text("from obskit.model.rule_files import RuleFile\nr = RuleFile.include('r.yml')\n"
                                            "missing = RuleFile.include('nope.yml')\n")
    res = run_cli("build", proj, "--no-verify")
    assert res.returncode == 2
    assert "alerts/r.yml:4: error [bad-promql] alert 'A'" in res.stderr
    assert "alerts/inc.py:3: error [bad-rule-file]" in res.stderr and "nope.yml" in res.stderr
    assert not (proj / "build").exists()


def test_include_lint_findings_point_at_the_yaml_and_can_be_disabled(tmp_path):
    proj = tmp_path / "proj"
    (proj / "alerts").mkdir(parents=True)
    (proj / "alerts" / "r.yml").write_text(textwrap.dedent("""\
        groups:
          - name: g
            rules:
              - alert: A
                expr: sum(x) > 1
                annotations: {description: "{{ $labels.pod }}"}
              - record: my_sum
                expr: sum(x)
    """))
    inc = proj / "alerts" / "inc.py"
    inc.write_text("from obskit.model.rule_files import RuleFile\nr = RuleFile.include('r.yml')\n")
    res = run_cli("check", proj)
    assert res.returncode == 2
    assert "alerts/r.yml:4: error [template-label-missing] alert 'A'" in res.stderr
    assert "alerts/r.yml:7: warning [record-name]" in res.stderr
    inc.write_text("from obskit.model.rule_files import RuleFile\nr = RuleFile.include('r.yml', "
                   "lint_disable=('record-name', 'severity', 'missing-annotation'), "
                   "rule_lint_disable={'A': ('template-label-missing',)})\n")
    res = run_cli("check", proj)
    assert res.returncode == 0 and res.stderr == "", res.stderr


def test_include_name_clash_is_reported(tmp_path):
    proj = tmp_path / "proj"
    (proj / "alerts").mkdir(parents=True)
    (proj / "alerts" / "r.yml").write_text("groups:\n  - name: g\n    rules:\n      - record: job:x:sum\n"
                                           "        expr: sum by (job) (x)\n")
    (proj / "alerts" / "inc.py").write_text("from obskit.model.rule_files import RuleFile\n"
                                            "r = RuleFile.include('r.yml', name='mod-alerts')\n")
    (proj / "alerts" / "mod.py").write_text("from obskit.model.rules import RecordingRule, RuleGroup\n"
                                            "g = RuleGroup(name='h', rules=(RecordingRule(record='job:y:sum', "
                                            "expr='sum by (job) (y)'),))\n")
    res = run_cli("check", proj)
    assert res.returncode == 2 and "[output-clash]" in res.stderr and "mod-alerts.yml" in res.stderr
