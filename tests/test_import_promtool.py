"""A team's own promtool test files run by ``obskit test`` as they are, against the rules the project
builds (hand-written, imported or included), under every installed promtool from the floor.

Ceph's own promtool tests are not in Debian's ceph-prometheus-alerts package (it ships only
ceph_default_alerts.yml), so none of them are here; the Ceph tests below are written for this test
from the rules' own text (expression, for, labels, annotations read from the installed file).
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import yaml

import ceph_files
from obskit.verify import tools
from test_lint import run_cli

RULES = """\
groups:
  - name: api
    rules:
      - alert: HighErrorRate
        expr: sum by (job) (rate(http_requests_total{code="500"}[5m])) / sum by (job) (rate(http_requests_total[5m])) > 0.05
        for: 5m
        labels: {severity: critical}
        annotations:
          summary: "{{ $labels.job }} fails"
          description: "{{ $value | humanizePercentage }} of requests fail"
"""

TESTS = """\
rule_files:
  - {rule_file}
evaluation_interval: 1m
tests:
  - name: ten percent errors page
    interval: 1m
    input_series:
      - series: 'http_requests_total{{job="api", code="500"}}'
        values: '0+10x30'
      - series: 'http_requests_total{{job="api", code="200"}}'
        values: '0+90x30'
    alert_rule_test:
      - eval_time: 3m
        alertname: HighErrorRate
        exp_alerts: []
      - eval_time: 20m
        alertname: HighErrorRate
        exp_alerts:
          - exp_labels: {{severity: critical, job: api}}
            exp_annotations: {{summary: "api fails", description: "10% of requests fail"}}
"""


def _versions():
    return [t.version for t in tools.at_least("promtool", "2.42")]


def _passed_everywhere(res, n_tests: int):
    assert res.returncode == 0, res.stdout + res.stderr
    versions = _versions()
    assert versions
    for v in versions:
        assert f"promtool {v}: {n_tests} passed" in res.stdout, res.stdout


def test_an_imported_rule_file_keeps_its_promtool_tests(tmp_path, promtool):
    """The original rules and their test file; after the import the same test file proves the built
    rules (its rule_files entry api.yml now means alerts/api.py's output)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "api.yml").write_text(RULES)
    (src / "api.promtool.yml").write_text(TESTS.format(rule_file="api.yml"))
    proj = tmp_path / "proj"
    (proj / "tests").mkdir(parents=True)
    assert run_cli("import", "prometheus-rules", src / "api.yml", "--out", proj / "alerts").returncode == 0
    (proj / "tests" / "api.promtool.yml").write_bytes((src / "api.promtool.yml").read_bytes())
    res = run_cli("test", proj)
    _passed_everywhere(res, 1)
    assert "promtool test file tests/api.promtool.yml: ok" in res.stdout
    # the built rules are what runs: break the imported threshold, the unchanged test file fails
    module = proj / "alerts" / "api.py"
    module.write_text(module.read_text().replace("> 0.05", "> 0.5"))
    res = run_cli("test", proj)
    assert res.returncode == 1 and "FAIL ten percent errors page" in res.stdout


def test_declared_test_files_and_built_paths(tmp_path, promtool):
    proj = tmp_path / "proj"
    (proj / "alerts").mkdir(parents=True)
    (proj / "alerts" / "api.yml").write_text(RULES)
    (proj / "alerts" / "api.py").write_text(textwrap.dedent("""\
        from obskit.model.rule_files import PromtoolTests, RuleFile
        rules = RuleFile.include("api.yml", name="api-included")
        tests = PromtoolTests.include("checks/by-source.yml", "checks/by-build-path.yml")
    """))
    (proj / "alerts" / "checks").mkdir()
    (proj / "alerts" / "checks" / "by-source.yml").write_text(TESTS.format(rule_file="../api.yml"))
    (proj / "alerts" / "checks" / "by-build-path.yml").write_text(
        TESTS.format(rule_file="prometheus/rules/api-*.yml"))
    res = run_cli("test", proj)
    _passed_everywhere(res, 2)


def test_an_unknown_rule_file_is_a_located_error(tmp_path):
    proj = tmp_path / "proj"
    (proj / "tests").mkdir(parents=True)
    (proj / "tests" / "x.promtool.yml").write_text(TESTS.format(rule_file="nowhere.yml"))
    res = run_cli("test", proj)
    assert res.returncode == 2
    assert re.search(r"tests/x\.promtool\.yml:2: error \[bad-promtool-test\]", res.stderr), res.stderr


# --- Ceph --------------------------------------------------------------------------------------------
def _ceph_alert(name: str) -> dict:
    doc = yaml.safe_load(ceph_files.alerts().read_text())
    return next(r for g in doc["groups"] for r in g["rules"] if r.get("alert") == name)


def _ceph_tests(rule_file: str) -> str:
    """Tests of two Ceph alerts, expectations taken from the rules' own text."""
    err = _ceph_alert("CephHealthError")
    disk = _ceph_alert("CephMonDiskspaceCritical")
    # "...Your monitor hosts are; {{- range query "ceph_mon_metadata"}} - {{ .Labels.hostname }} {{- end }}"
    # renders the hosts of the query's samples (the labels the lint no longer mistakes for the alert's)
    head = disk["annotations"]["description"].split(" {{- range", 1)[0]
    doc = {
        "rule_files": [rule_file], "evaluation_interval": "1m",
        "tests": [{
            "name": "health error fires after its for", "interval": "1m",
            "input_series": [{"series": 'ceph_health_status{job="ceph"}', "values": "2x15"}],
            "alert_rule_test": [
                {"eval_time": "4m", "alertname": "CephHealthError", "exp_alerts": []},
                {"eval_time": "10m", "alertname": "CephHealthError", "exp_alerts": [{
                    "exp_labels": {**err["labels"], "job": "ceph"},
                    "exp_annotations": err["annotations"]}]},
            ],
        }, {
            "name": "mon disk critical lists the monitor hosts", "interval": "1m",
            "input_series": [
                {"series": 'ceph_health_detail{name="MON_DISK_CRIT", job="ceph"}', "values": "1x10"},
                {"series": 'ceph_mon_metadata{ceph_daemon="mon.a", hostname="host-a", job="ceph"}',
                 "values": "1x10"},
            ],
            "alert_rule_test": [{"eval_time": "5m", "alertname": "CephMonDiskspaceCritical", "exp_alerts": [{
                "exp_labels": {**disk["labels"], "name": "MON_DISK_CRIT", "job": "ceph"},
                "exp_annotations": {**disk["annotations"], "description": head + " - host-a"}}]}],
        }],
    }
    return yaml.safe_dump(doc, sort_keys=False, width=10000)


def test_ceph_rules_imported_and_included_pass_the_same_promtool_tests(tmp_path, promtool):
    src = ceph_files.alerts()
    for how in ("import", "include"):
        proj = tmp_path / how
        (proj / "tests").mkdir(parents=True)
        (proj / "obskit.toml").write_text('[project]\nscrape_interval = "10s"\n')   # cephadm's (test_ceph.py)
        if how == "import":
            assert run_cli("import", "rules", src, "--out", proj / "alerts").returncode == 0
        else:
            (proj / "alerts").mkdir()
            (proj / "alerts" / "ceph.py").write_text(
                f"from obskit.model.rule_files import RuleFile\nceph = RuleFile.include({str(src)!r})\n")
        (proj / "tests" / "ceph.promtool.yml").write_text(_ceph_tests(str(src)))
        res = run_cli("test", proj)
        _passed_everywhere(res, 2)
