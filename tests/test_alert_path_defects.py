"""Each defect issue #19 found in the reference stacks, reintroduced into a copy of the repository's
definitions: the path checks refuse it when the project loads, at the definition to fix, naming the
alert and the server. The defects the checks cannot see (targets, missing definitions) are pinned by
the last tests."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from obskit.errors import DefinitionError
from obskit.loader import load_project

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def copy(tmp_path):
    for folder in ("slos", "alerts", "dashboards", "telemetry"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    if (ROOT / "obskit.toml").exists():
        shutil.copy(ROOT / "obskit.toml", tmp_path / "obskit.toml")
    return tmp_path


def edit(root: Path, rel: str, old: str, new: str, count: int = 1) -> None:
    path = root / rel
    text = path.read_text()
    assert text.count(old) >= count, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new))


def errors(root: Path):
    with pytest.raises(DefinitionError) as exc:
        load_project(root)
    return [d for d in exc.value.diagnostics if d.severity == "error"]


def find(diags, code: str, alert: str = "", server: str = ""):
    hits = [d for d in diags if d.code == code and alert in d.obj and server in d.message + d.obj]
    assert hits, f"no {code} for {alert or server} in:\n" + "\n".join(map(str, diags))
    return hits[0]


def test_repository_loads_clean():
    project = load_project(ROOT)
    assert [w for w in project.warnings if w.code in ("job-not-scraped", "no-alertmanager")] == []


def test_every_prometheus_loading_every_rule_file(copy):
    """rule_files: rules/*.yml on the marketplace pair: the simulator's absence alert would page there."""
    edit(copy, "telemetry/scrape_platforms.py", 'alertmanagers=["alertmanager:9093"], retention="30d",',
         'alertmanagers=["alertmanager:9093"], retention="30d", rule_files=["rules/*.yml"],')
    diags = errors(copy)
    d = find(diags, "job-not-scraped", "LLMSimulatorUnavailable", "llm-marketplace/prometheus-0")
    assert str(d.location).startswith("alerts/llm_simulator.py:")
    absent = find(diags, "job-not-scraped", "LlmSimulatorAvailabilitySLIAbsent", "llm-marketplace/prometheus-0")
    assert str(absent.location).startswith("slos/llm_simulator.py:")


def test_the_gateway_loading_every_rule_file(copy):
    edit(copy, "telemetry/scrape_gateway.py", 'platform="llm-gateway",', 'rule_files=["rules/*.yml"],')
    find(errors(copy), "job-not-scraped", "LLMSimulatorUnavailable", "Prometheus 'prometheus'")


@pytest.mark.parametrize("rel,label,alert", [
    ("telemetry/logs_gateway.py", '"service": "llm-gateway"', "LLMGatewayErrorLogBurst"),
    ("telemetry/logs_marketplace.py", '"product": "llm-marketplace"', "MarketplacePanic"),
])
def test_loki_alerts_without_their_platform_label(copy, rel, label, alert):
    edit(copy, rel, ", " + label, "", count=1)
    d = find(errors(copy), "default-route-only", alert)
    assert str(d.location).startswith(rel) and "reaches only root: default" in d.message


@pytest.mark.parametrize("server,needle", [
    ("high-production", 'external_labels={"cluster": "high-production"}, alertmanagers=["alertmanager:9093"],'),
    ("llm-observatory", '    alertmanagers=["alertmanager:9093"],\n    scrape_configs=[observatory_pods'),
])
def test_a_server_without_alerting_section(copy, server, needle):
    edit(copy, "telemetry/scrape_platforms.py", needle,
         needle.replace(' alertmanagers=["alertmanager:9093"],', "").replace('    alertmanagers=["alertmanager:9093"],\n', ""))
    d = find(errors(copy), "no-alertmanager", server=f"Prometheus config '{server}'")
    assert str(d.location).startswith("telemetry/scrape_platforms.py:")


def test_no_routing_branch_for_high_production(copy):
    edit(copy, "alerts/routing.py", "routes=simulator + gateway + marketplace + high_production + observatory,",
         "routes=simulator + gateway + marketplace + observatory,")
    d = find(errors(copy), "default-route-only", "ValidationApiDown")
    assert "evaluated by high-production" in d.message and str(d.location).startswith("alerts/high_production.py:")


def test_an_alert_selecting_a_namespace_its_server_does_not_scrape(copy):
    edit(copy, "alerts/high_production.py", 'namespace="production",container', 'namespace="validation",container')
    d = find(errors(copy), "namespace-not-scraped", "ValidationCPUUtilizationHigh", "'high-production'")
    assert "discover the platform's targets in production only" in d.message


def test_an_ha_pair_without_replica_deduplication(copy):
    edit(copy, "telemetry/scrape_platforms.py",
         '    alert_relabel_configs=[Relabel(action="labeldrop", regex="replica")],\n', "")
    d = find(errors(copy), "ha-no-dedup", server="Prometheus config 'llm-marketplace'")
    assert "llm-marketplace/prometheus-0, llm-marketplace/prometheus-1" in d.message


# --- what the checks cannot see: the write-ups' targets and definitions --------------------------------
def test_gateway_slos_take_the_write_ups_targets():
    slos = {s.name: s for s in load_project(ROOT).slos if s.service == "llm-gateway"}
    assert slos["availability"].objective == 99.9
    assert slos["latency-p95"].objective == 95.0 and slos["latency-p95"].sli.threshold == 2


def test_observatory_has_alerts_slos_and_a_dashboard():
    from obskit.compile.deployment import compile_deployment
    from obskit.model.dashboards import Dashboard
    project = load_project(ROOT)
    d = compile_deployment(project)
    alerts = {p.alert.name for p in d.paths if p.evaluator.name == "llm-observatory"}
    assert {"LLMObservatoryCollectorDown", "LLMObservatorySpanIngestHigh", "LLMObservatoryStorageWriteLatencyHigh",
            "LLMObservatoryDatabasePoolExhausted", "LLMObservatoryCollectorCPUHigh"} <= alerts
    assert {s.name for s in project.slos if s.service == "llm-observatory"} == {"ingest-availability", "write-latency"}
    assert any(dash.location.file.endswith("dashboards/llm_observatory.py") for dash in project.of(Dashboard))


def test_simulator_has_two_regions_feeding_the_central_view():
    from obskit.model.scrape import PrometheusConfig
    servers = [s for s in load_project(ROOT).of(PrometheusConfig) if s.effective_platform(2) == "llm-simulator"]
    assert sorted(dict(s.external_labels)["region"] for s in servers) == ["us-east-1", "us-west-2"]
    assert all(s.remote_write and s.remote_write[0].basic_auth.password_file.startswith("/etc/") for s in servers)
