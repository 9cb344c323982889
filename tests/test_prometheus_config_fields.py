"""Config fields the reference write-ups need (issue #19 item 5): remote_write (queue config, write
relabelling, secret-file auth), alert_relabel_configs, HA replicas with their own external label, a
second region; Tempo on GCS and Azure; Loki's cache_location.

Goldens under tests/golden/prometheus_config_fields/<case>/expected (``OBSKIT_UPDATE_GOLDEN=1``
rewrites them); every generated prometheus.yml is checked by each installed promtool from the case's
floor up (the 3.x builds have Kubernetes discovery), and fields newer than the floor are refused with
the release that added them. Tempo and Loki have no program here: their files are schema-checked."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from golden import assert_golden
from obskit.errors import DefinitionError
from obskit.loader import load_project
from obskit.render.otel import validate_tempo
from obskit.targets.loki import LokiTarget
from obskit.targets.prometheus_config import PrometheusConfigTarget, check_config
from obskit.targets.tracing import TracingTarget
from obskit.verify import tools
import servers

GOLDEN = Path(__file__).parent / "golden" / "prometheus_config_fields"
FLOORS = {"floor": "2.42", "current": "3.5"}


def _render(case: str):
    project = load_project(GOLDEN / case)
    files = dict(PrometheusConfigTarget().render(project))
    for target in (TracingTarget(), LokiTarget()):
        files.update({k: v for k, v in target.render(project).items() if k.startswith(("tempo/", "loki/"))})
    return files


@pytest.mark.parametrize("case", sorted(FLOORS))
def test_golden(case):
    assert_golden(_render(case), GOLDEN / case / "expected")


def test_ha_replicas_get_one_file_each_with_their_label():
    files = _render("floor")
    docs = {p: yaml.safe_load(files[p]) for p in files if p.startswith("prometheus/prometheus-shop-prometheus-")}
    assert sorted(docs) == ["prometheus/prometheus-shop-prometheus-0.yml", "prometheus/prometheus-shop-prometheus-1.yml"]
    for path, doc in docs.items():
        replica = path.rsplit("-", 2)[-2] + "-" + path.rsplit("-", 1)[-1][:-4]
        assert doc["global"]["external_labels"] == {"cluster": "shop", "replica": replica}
        assert doc["alerting"]["alert_relabel_configs"] == [{"regex": "replica", "action": "labeldrop"}]


def _promtools(floor: str):
    out = []
    for v in servers.versions("promtool"):
        if tools.parse_version(v) >= tools.parse_version(floor):
            out.append(v)
    return out


@pytest.mark.parametrize("case,version", [(c, v) for c in sorted(FLOORS) for v in _promtools(FLOORS[c])])
def test_promtool_check_config(case, version, tmp_path):
    tool = servers.require("promtool", version)
    files = _render(case)
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    (tmp_path / "prometheus" / "rules").mkdir(exist_ok=True)
    for rel in sorted(p for p in files if p.startswith("prometheus/prometheus")):
        result, _ = check_config(tmp_path, rel, tool=tool)
        assert result.ok, f"{tool.label} on {rel}:\n{result.output}"


def test_newer_fields_refused_at_the_floor(tmp_path):
    """The 'current' definitions under the 2.42 floor: each newer field is refused, located, naming
    the release that added it."""
    project = tmp_path / "p"
    (project / "telemetry").mkdir(parents=True)
    (project / "telemetry" / "servers.py").write_text((GOLDEN / "current" / "telemetry" / "servers.py").read_text())
    with pytest.raises(DefinitionError) as exc:
        load_project(project)
    text = str(exc.value)
    assert "remote_write protobuf_message needs Prometheus 2.54 or later; the project targets 2.42" in text
    assert "queue_config sample_age_limit needs Prometheus 2.50 or later" in text
    assert all(d.location and d.location.file.endswith("servers.py") for d in exc.value.diagnostics)


def test_newer_fields_are_refused_by_the_old_promtool(tmp_path):
    """The gate is right: promtool 2.42 itself refuses what obskit refuses at 2.42."""
    tool = servers.require("promtool", "2.42")
    files = _render("current")
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    result, _ = check_config(tmp_path, "prometheus/prometheus-edge.yml", tool=tool)
    assert not result.ok and ("protobuf_message" in result.output or "sample_age_limit" in result.output)


def _error(build):
    with pytest.raises(DefinitionError) as exc:
        build()
    return str(exc.value)


def test_model_refusals():
    from obskit.model.scrape import BasicAuth, PrometheusConfig, QueueConfig, Relabel, RemoteWrite
    url = "http://receive:19291/api/v1/receive"
    assert "mutually exclusive" in _error(lambda: RemoteWrite(
        url=url, basic_auth=BasicAuth(username="u", password_file="/s/p"), credentials_file="/s/t"))
    assert "set by Prometheus itself" in _error(lambda: RemoteWrite(url=url, headers={"Authorization": "x"}))
    assert "absolute path" in _error(lambda: BasicAuth(username="u", password_file="secrets/p"))
    assert "min_shards 5 is above max_shards 2" in _error(lambda: QueueConfig(min_shards=5, max_shards=2))
    assert "one replica is no HA group" in _error(lambda: PrometheusConfig(name="a", replicas=["r0"]))
    assert "each replica sets it" in _error(lambda: PrometheusConfig(
        name="a", replicas=["r0", "r1"], external_labels={"replica": "r0"}))
    assert "must hold Relabel" in _error(lambda: PrometheusConfig(name="a", alert_relabel_configs=["x"]))
    assert "is not one of" in _error(lambda: RemoteWrite(url=url, protobuf_message="v3"))
    Relabel(action="labeldrop", regex="replica")  # fine


def test_tempo_storage_refusals():
    from obskit.model.tracing.tempo import TempoAzureStorage, TempoConfig, TempoGCSStorage
    assert "use_federated_token needs Tempo 2.1 or later; this config targets Tempo 2.0" in _error(lambda: TempoConfig(
        name="t", storage=TempoAzureStorage(container_name="traces", storage_account_name="acct",
                                            use_federated_token=True)))
    assert "must not be written literally" in _error(lambda: TempoConfig(name="t", storage=TempoAzureStorage(
        container_name="traces", storage_account_name="acct", storage_account_key="c2VjcmV0")))
    assert "exactly one of" in _error(lambda: TempoConfig(name="t", storage=TempoAzureStorage(
        container_name="traces", storage_account_name="acct")))
    assert "not a valid bucket name" in _error(lambda: TempoConfig(name="t", storage=TempoGCSStorage(bucket_name="A")))


def test_tempo_schema_check_of_gcs_and_azure():
    files = _render("floor")
    for rel in ("tempo/traces-gcp/tempo.yaml", "tempo/traces-azure/tempo.yaml", "tempo/traces-azure-key/tempo.yaml"):
        assert validate_tempo(yaml.safe_load(files[rel])) == [], rel
    doc = yaml.safe_load(files["tempo/traces-azure/tempo.yaml"])
    doc["storage"]["trace"]["azure"]["storage_account_key"] = "literal"
    doc["storage"]["trace"]["azure"]["colour"] = "blue"
    problems = validate_tempo(doc)
    assert any("literal secret" in p for p in problems) and any("'colour'" in p for p in problems)
    assert any("exactly one of" in p for p in problems)


def test_loki_cache_location():
    from obskit.model.loki import LokiConfig
    doc = yaml.safe_load(_render("floor")["loki/shop/config.yaml"])
    shipper = doc["storage_config"]["boltdb_shipper"]
    assert shipper["cache_location"] == "/loki/cache" and shipper["active_index_directory"] == "/loki/index"
    assert "is the active index directory" in _error(lambda: LokiConfig(name="x", cache_location="/loki/index"))
    assert "absolute path" in _error(lambda: LokiConfig(name="x", cache_location="cache"))


@pytest.mark.parametrize("version", [v for v in servers.versions("promtool") if not v.startswith("2.")])
def test_reference_configs_pass_a_promtool_with_kubernetes_discovery(version, tmp_path):
    """The repository's own prometheus*.yml (HA replicas, two regions with remote_write, Kubernetes
    discovery) checked whole by the 3.x promtools, which are built with Kubernetes discovery."""
    from obskit.build import render_project
    tool = servers.require("promtool", version)
    files = render_project(load_project(Path(__file__).resolve().parent.parent))
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    configs = sorted(p for p in files if p.startswith("prometheus/prometheus"))
    assert len(configs) == 7
    for rel in configs:
        result, stripped = check_config(tmp_path, rel, tool=tool, strip=False)
        assert result.ok and not stripped, f"{tool.label} on {rel}:\n{result.output}"
