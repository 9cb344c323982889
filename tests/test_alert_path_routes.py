"""``obskit routes`` and ``obskit explain`` (issue #19 item 3): every alert of the repository reaches
its platform's receivers, and no other platform's, by amtool's own routing, under every installed
amtool; the table, the JSON and the exit codes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import servers
from conftest import run_cli
from obskit.loader import load_project
from obskit.verify.paths import route_rows, table

ROOT = Path(__file__).resolve().parent.parent

#: receiver name prefix of each platform in alerts/routing.py
PREFIX = {p: f"{p}-" for p in ("llm-simulator", "llm-gateway", "llm-marketplace", "high-production", "llm-observatory")}


@pytest.mark.parametrize("version", servers.versions("amtool"))
def test_every_alert_reaches_its_platforms_receivers_only(version):
    tool = servers.require("amtool", version)
    rows = route_rows(load_project(ROOT), tool=tool)
    assert rows and all(r.server for r in rows), [r for r in rows if not r.server]
    for r in rows:
        assert r.receivers, f"{r.alert} on {r.server}: {r.note}"
        assert all(rec.startswith(PREFIX[r.platform]) for rec in r.receivers), (r.alert, r.server, r.receivers)
    by = {(r.alert, r.server): r.receivers for r in rows}
    sim = ("llm-simulator-pagerduty", "llm-simulator-email", "llm-simulator-webhook", "llm-simulator-slack")
    assert by[("LLMSimulatorUnavailable", "llm-simulator-us-west-2")] == sim
    assert by[("MarketplacePanic", "loki llm-marketplace")] == ("llm-marketplace-pagerduty",)
    assert by[("ValidationApiDown", "high-production")] == ("high-production-pagerduty",)
    assert by[("LLMObservatoryCollectorDown", "llm-observatory")] == ("llm-observatory-pagerduty",)
    # the HA pair sends one label set: Alertmanager deduplicates it
    pair = [r for r in rows if r.alert == "MarketplaceServiceDown"]
    assert len(pair) == 2 and pair[0].labels == pair[1].labels


def test_routes_cli_table_and_json(amtool):
    res = run_cli("routes", str(ROOT))
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["ALERT", "SERVER", "RECEIVERS"]
    assert any(line.split()[:3] == ["HighErrorRate", "prometheus", "llm-gateway-pagerduty"] for line in lines)
    doc = json.loads(run_cli("routes", str(ROOT), "--output", "json").stdout)
    assert doc["ok"] and {"alert", "server", "labels", "receivers", "definition", "platform", "source", "note"} \
        == set(doc["routes"][0])
    wide = run_cli("routes", str(ROOT), "--wide").stdout
    assert 'region="us-west-2"' in wide


def test_explain_cli(amtool):
    res = run_cli("explain", "LLMSimulatorUnavailable", str(ROOT))
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("LLMSimulatorUnavailable: alert rule, defined at alerts/llm_simulator.py:")
    assert res.stdout.count("  server:    llm-simulator-us-") == 2
    assert "receivers: llm-simulator-pagerduty, llm-simulator-email, llm-simulator-webhook, llm-simulator-slack" \
        in res.stdout
    doc = json.loads(run_cli("explain", "MarketplacePanic", str(ROOT), "--output", "json").stdout)
    assert [p["server"] for p in doc["paths"]] == ["loki llm-marketplace"]
    missing = run_cli("explain", "LLMSimulatorUnavailabl", str(ROOT))
    assert missing.returncode == 1 and "did you mean LLMSimulatorUnavailable" in missing.stderr


def test_notes_for_alerts_that_go_nowhere(tmp_path, amtool):
    """Dropped by alert relabelling, a server without Alertmanager, a project without Alertmanager:
    each row says why it has no receivers (the checks allow these when told so)."""
    (tmp_path / "telemetry").mkdir()
    (tmp_path / "alerts").mkdir()
    (tmp_path / "telemetry" / "servers.py").write_text(
        "from obskit.model.scrape import PrometheusConfig, Relabel, ScrapeConfig\n"
        "api = ScrapeConfig(job_name='api', targets=['api:80'])\n"
        "a = PrometheusConfig(name='a', platform='x', scrape_configs=[api], alertmanagers=['am:9093'],\n"
        "    alert_relabel_configs=[Relabel(action='drop', source_labels=['severity'], regex='info')])\n")
    (tmp_path / "alerts" / "x.py").write_text(
        "from obskit.model.rules import AlertRule, RuleGroup\n"
        "g = RuleGroup(name='x', rules=[AlertRule(name='Quiet', expr='up{job=\"api\"} == 0', severity='info',\n"
        "    summary='s', description='d')])\n")
    rows = route_rows(load_project(tmp_path))
    assert [(r.alert, r.server, r.note) for r in rows] == [("Quiet", "a", "dropped by alert_relabel_configs")]
    assert "(dropped by alert_relabel_configs)" in table(rows)
    bad = run_cli("routes", str(tmp_path / "nowhere"))
    assert bad.returncode == 2
