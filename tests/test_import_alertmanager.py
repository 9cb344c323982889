"""``obskit import alertmanager``: an alertmanager.yml becomes obskit's Alertmanager model in Python.

The built config passes ``amtool check-config``, and ``amtool config routes test`` sends every label
set of :func:`obskit.interop.alertmanager.label_sets` (one reaching each route, one falling through
each matcher, the empty one) to the same receivers as the original, under every installed amtool.
Secrets never appear in the code. Bad input is located and writes nothing.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from obskit.interop.alertmanager import label_sets
from obskit.verify import amtool as am
from obskit.verify import tools
from test_lint import run_cli

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_FULL = ROOT / "tests" / "golden" / "alertmanager" / "full" / "expected" / "alertmanager" / "alertmanager.yml"

SECRET_VALUES = ("hunter2", "T000/B000/XXXX", "0123456789abcdef")

CONFIG = """\
global:
  resolve_timeout: 5m
  smtp_smarthost: smtp.example.com:587
  smtp_from: alerts@example.com
  smtp_auth_username: alerts
  smtp_auth_password: hunter2
  slack_api_url: https://hooks.slack.com/services/T000/B000/XXXX
templates:
  - templates/*.tmpl
route:
  receiver: default
  group_by: [alertname, cluster]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      continue: true
      routes:
        - match_re: {team: "db|storage"}
          receiver: db-pager
    - match: {team: frontend}
      receiver: frontend-slack
      group_by: ['...']
      mute_time_intervals: [nights]
    - matchers: ['service=~"api-.*"', 'env!="dev"']
      receiver: api-mail
      active_time_intervals: [office]
      routes:
        - matchers: [code=~"5.."]
          receiver: api-hook
    - receiver: blackhole
      matchers: [alertname="Watchdog"]
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [alertname, cluster]
  - source_match: {alertname: ClusterDown}
    target_match_re: {alertname: ".+"}
    equal: [cluster]
receivers:
  - name: default
    webhook_configs:
      - url: http://hooks.internal:8080/alerts
        send_resolved: true
  - name: pager
    pagerduty_configs:
      - routing_key: 0123456789abcdef
        severity: critical
  - name: db-pager
    pagerduty_configs:
      - service_key_file: /etc/alertmanager/secrets/pd/db
  - name: frontend-slack
    slack_configs:
      - channel: '#frontend'
        send_resolved: true
  - name: api-mail
    email_configs:
      - to: api-team@example.com
        headers: {Subject: "API alert"}
  - name: api-hook
    webhook_configs:
      - url: https://hooks.example.com/api
        max_alerts: 10
  - name: blackhole
time_intervals:
  - name: nights
    time_intervals:
      - times: [{start_time: "00:00", end_time: "07:00"}]
  - name: office
    time_intervals:
      - weekdays: ['monday:friday']
        times: [{start_time: "09:00", end_time: "17:00"}]
        location: Europe/Berlin
"""


def _amtools(floor: str = "0.25"):
    found = tools.at_least("amtool", floor)
    assert found
    return found


def _write_source(tmp_path: Path, text: str = CONFIG) -> Path:
    src = tmp_path / "src"
    (src / "templates").mkdir(parents=True)
    (src / "templates" / "custom.tmpl").write_text('{{ define "custom.title" }}[{{ .Status }}] '
                                                   '{{ .CommonLabels.alertname }}{{ end }}\n')
    (src / "alertmanager.yml").write_text(text)
    return src / "alertmanager.yml"


def _import_and_build(tmp_path: Path, src: Path, *extra, toml: str = ""):
    proj = tmp_path / "proj"
    proj.mkdir()
    if toml:
        (proj / "obskit.toml").write_text(toml)
    res = run_cli("import", "alertmanager", src, "--out", proj / "alerts", *extra)
    assert res.returncode == 0, res.stderr
    built = run_cli("build", proj, "--no-verify")
    assert built.returncode == 0, built.stderr
    return proj, res, proj / "build" / "alertmanager" / "alertmanager.yml"


def _same_routing(original: Path, built: Path, floor: str = "0.25") -> set:
    """Every label set routed alike by every amtool; the receivers they reach."""
    sets = label_sets(original)
    reached = set()
    for tool in _amtools(floor):
        for labels in sets:
            want = am.routes_test(original, labels, tool=tool).got
            got = am.routes_test(built, labels, tool=tool).got
            assert got == want, f"{tool.label}: {labels}: original → {want}, built → {got}"
            reached.update(want)
    return reached


def test_import_routes_every_label_set_to_the_same_receivers(tmp_path, amtool):
    src = _write_source(tmp_path)
    proj, res, built = _import_and_build(tmp_path, src)
    code = (proj / "alerts" / "alertmanager.py").read_text()
    for value in SECRET_VALUES:
        assert value not in code and value not in res.stderr, value
    assert "Secret(name='pager', key='routing_key')" in code
    assert "path='/etc/alertmanager/secrets/pd/db'" in code
    assert "# " + str(src) + ":17" in code                        # routes name their source line
    assert 'title=\'{{ template "slack.default.title" . }}\'' in code   # Alertmanager's own defaults kept
    for tool in _amtools():
        check = am.check_config(built, tool=tool)
        assert check.ok, f"{tool.label}: {check.output}"
    reached = _same_routing(src, built)
    assert reached == {"default", "pager", "db-pager", "frontend-slack", "api-mail", "api-hook", "blackhole"}
    text = built.read_text()
    assert "inhibit_rules" in text and text.count("source_matchers") == 2   # no generated inhibitions added


def test_a_webhook_url_with_a_credential_becomes_a_secret(tmp_path, amtool):
    text = ("route: {receiver: hook}\nreceivers:\n  - name: hook\n    webhook_configs:\n"
            "      - url: https://hooks.example.com/x?token=s3cr3t-token\n")
    src = _write_source(tmp_path, text)
    proj, res, built = _import_and_build(tmp_path, src, toml='[project]\nalertmanager_version = "0.26"\n')
    code = (proj / "alerts" / "alertmanager.py").read_text()
    assert "s3cr3t-token" not in code and "url_secret=Secret(name='hook', key='url')" in code
    assert "url_file: /etc/alertmanager/secrets/hook/url" in built.read_text()
    for tool in _amtools("0.26"):                 # url_file: Alertmanager 0.26+
        assert am.check_config(built, tool=tool).ok
    _same_routing(src, built, floor="0.26")


def test_obskits_own_output_round_trips(tmp_path, amtool):
    """export → import → build → the same routing (the golden 'full' Alertmanager output)."""
    proj, res, built = _import_and_build(tmp_path, GOLDEN_FULL)
    for tool in _amtools():
        check = am.check_config(built, tool=tool)
        assert check.ok, f"{tool.label}: {check.output}"
    _same_routing(GOLDEN_FULL, built)


def test_what_obskit_does_not_model_is_lost_and_refused_without_allow_partial(tmp_path):
    src = _write_source(tmp_path, CONFIG.replace("  - name: blackhole\n", (
        "  - name: blackhole\n"
        "  - name: chat\n"
        "    discord_configs:\n"
        "      - webhook_url: https://discord.example.com/x\n"
        "    slack_configs:\n"
        "      - channel: '#x'\n"
        "        http_config: {proxy_url: http://proxy:3128}\n")))
    out = tmp_path / "alerts"
    res = run_cli("import", "alertmanager", src, "--out", out, "--output", "json")
    assert res.returncode == 1
    doc = json.loads(res.stdout)
    lost = [f["message"] for f in doc["findings"] if f["kind"] == "lost"]
    assert any("discord_configs" in m for m in lost) and any("http_config" in m for m in lost)
    assert not out.exists()
    assert run_cli("import", "alertmanager", src, "--out", out, "--allow-partial").returncode == 0


@pytest.mark.parametrize("text, where, message", [
    ("route: {receiver: a}\nreceivers: [{name: a}]\nsilences: []\n", ":3:", "field silences not found"),
    ("route: {receiver: a, routes: [{receiver: b}]}\nreceivers: [{name: a}]\n", ":1:", "undefined-receiver"),
    ("route: {receiver: a, routes: [{matchers: ['a=~\"(\"']}]}\nreceivers: [{name: a}]\n", ":1:", "bad-matcher"),
    ("route: [\n", ":2:", "not valid YAML"),
    ("groups: []\n", ":1:", "not an Alertmanager configuration"),
    ("route: {receiver: a, group_wait: soon}\nreceivers: [{name: a}]\n", ":1:", "bad-duration"),
])
def test_bad_input_is_located_and_writes_nothing(tmp_path, text, where, message):
    src = tmp_path / "am.yml"
    src.write_text(text)
    out = tmp_path / "alerts"
    res = run_cli("import", "alertmanager", src, "--out", out)
    assert res.returncode == 2, res.stderr
    assert f"{src}{where}" in res.stderr and message in res.stderr, res.stderr
    assert not out.exists()


def test_label_sets_cover_regex_and_negative_matchers(tmp_path):
    src = _write_source(tmp_path)
    sets = label_sets(src)
    assert {"team": "db", "severity": "critical"} in sets or any(
        s.get("team") in ("db", "storage") and s.get("severity") == "critical" for s in sets)
    assert any(s.get("service", "").startswith("api-") and s.get("env") == "dev" for s in sets)  # falls through env
    assert any(s.get("code", "").startswith("5") for s in sets)
