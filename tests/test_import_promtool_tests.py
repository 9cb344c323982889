"""``obskit import promtool-tests``: a promtool test file becomes RuleTest definitions that pass under
every installed promtool wherever the original passes (alert_rule_test → Firing/Silent,
promql_expr_test → Samples, the file's evaluation_interval kept, checks after the last sample legal).
The Ceph test file is written here from the installed rules' text (Debian ships no Ceph tests)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

import ceph_files
from obskit.verify import tools
from test_import_promtool import _ceph_alert, _ceph_tests, _passed_everywhere
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
"""

# evaluation every 30s (not the project's 1m); the checks at 32m and 33m come after the last sample
# (30m) but within the 5m lookback, the one at 40m after it (the series is gone)
TESTS = """\
rule_files: [api.yml]
evaluation_interval: 30s
tests:
  - name: ten percent errors page
    interval: 1m
    input_series:
      - {series: 'http_requests_total{job="api", code="500"}', values: '0+10x30'}
      - {series: 'http_requests_total{job="api", code="200"}', values: '0+90x30'}
    alert_rule_test:
      - {eval_time: 3m, alertname: HighErrorRate, exp_alerts: []}
      - eval_time: 6m
        alertname: HighErrorRate
        exp_alerts: [{exp_labels: {severity: critical, job: api}, exp_annotations: {summary: api fails}}]
      - eval_time: 32m
        alertname: HighErrorRate
        exp_alerts: [{exp_labels: {severity: critical, job: api}, exp_annotations: {summary: api fails}}]
    promql_expr_test:
      - expr: http_requests_total{code="500"}
        eval_time: 33m
        exp_samples: [{labels: 'http_requests_total{job="api", code="500"}', value: 300}]
      - {expr: sum(http_requests_total), eval_time: 40m, exp_samples: []}
"""


def _promtool_passes(test_file: Path) -> None:
    for t in tools.at_least("promtool", "2.42"):
        res = subprocess.run([t.path, "test", "rules", test_file.name], cwd=test_file.parent,
                             capture_output=True, text=True)
        assert res.returncode == 0, (t.version, res.stdout + res.stderr)


def _import(src: Path, rules: Path, tests: Path) -> Path:
    proj = src / "proj"
    proj.mkdir()
    assert run_cli("import", "rules", rules, "--out", proj / "alerts").returncode == 0
    res = run_cli("import", "promtool-tests", tests, "--out", proj / "alerts")
    assert res.returncode == 0, res.stderr
    return proj


def test_imported_promtool_tests_pass_where_the_original_passes(tmp_path, promtool):
    (tmp_path / "api.yml").write_text(RULES)
    (tmp_path / "api.promtool.yml").write_text(TESTS)
    _promtool_passes(tmp_path / "api.promtool.yml")
    proj = _import(tmp_path, tmp_path / "api.yml", tmp_path / "api.promtool.yml")
    code = (proj / "alerts" / "api_tests.py").read_text()
    assert "evaluation_interval='30s'" in code and "Samples(expr=" in code and "Silent(alert='HighErrorRate'" in code
    keep = tmp_path / "keep"
    res = run_cli("test", proj, "--keep", keep)
    _passed_everywhere(res, 1)
    written = [yaml.safe_load(p.read_text()) for p in keep.rglob("*.test.yml")]
    assert written and all(w["evaluation_interval"] == "30s" for w in written)
    # the built rules are what runs: the imported threshold edited, the imported test fails
    module = proj / "alerts" / "api.py"
    module.write_text(module.read_text().replace("> 0.05", "> 0.5"))
    res = run_cli("test", proj)
    assert res.returncode == 1 and "ten percent errors page" in res.stdout


def test_ceph_promtool_tests_imported_pass(tmp_path, promtool):
    src = ceph_files.alerts()
    doc = yaml.safe_load(_ceph_tests("ceph_default_alerts.yml"))
    doc["tests"][0]["promql_expr_test"] = [{"expr": "ceph_health_status", "eval_time": "17m", "exp_samples": [
        {"labels": 'ceph_health_status{job="ceph"}', "value": 2}]}]     # 2 min after the last sample
    (tmp_path / "ceph_default_alerts.yml").write_bytes(src.read_bytes())
    test_file = tmp_path / "ceph.promtool.yml"
    test_file.write_text(yaml.safe_dump(doc, sort_keys=False, width=10000))
    _promtool_passes(test_file)
    proj = _import(tmp_path, src, test_file)
    (proj / "obskit.toml").write_text('[project]\nscrape_interval = "10s"\n')
    assert _ceph_alert("CephHealthError")
    res = run_cli("test", proj)
    _passed_everywhere(res, 2)


def test_bad_promtool_test_files_are_located_errors(tmp_path):
    bad = tmp_path / "x.promtool.yml"
    bad.write_text("rule_files: [a.yml]\ntests:\n  - name: t\n    interval: 1m\n    typo: 1\n")
    res = run_cli("import", "promtool-tests", bad, "--out", tmp_path / "out")
    assert res.returncode == 2 and "x.promtool.yml:5" in res.stderr, res.stderr
    assert not (tmp_path / "out").exists()
