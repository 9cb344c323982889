"""Existing Grafanas (issue #14, item 4): datasources are provisioned only when asked for, dashboards
reach the datasource through the ``datasource`` variable whose default is the configured uid, and the
old ``[project]`` keys keep working (deprecated, with a warning)."""
import json

import pytest
import yaml

from obskit.errors import DefinitionError
from obskit.loader import load_project
from obskit.project import GrafanaSettings, Settings
from obskit.targets.grafana import Grafana
from obskit.verify.grafana_schema import validate_files

DATASOURCES_FILE = "grafana/provisioning/datasources/obskit.yaml"
SLO = ("from obskit import SLO, RatioSLI\n"
       "a = SLO(service='api', name='availability', objective=99.9,\n"
       "        sli=RatioSLI(total='http_requests_total{job=\"api\"}', errors='http_requests_total{job=\"api\",code=~\"5..\"}'))\n")
AUTHORED = ("from obskit.model.dashboards import Dashboard\n"
            "named = Dashboard({'title': 'Named', 'panels': [{'type': 'stat', 'title': 's', 'datasource': 'Prometheus',\n"
            "    'targets': [{'expr': 'up'}]}, {'type': 'logs', 'title': 'l', 'datasource': 'Loki',\n"
            "    'targets': [{'expr': '{job=\"api\"}'}]}]}, folder='Team')\n"
            "bare = Dashboard({'title': 'Bare', 'panels': [{'type': 'stat', 'title': 's', 'targets': [{'expr': 'up'}]}]},\n"
            "    folder='Team')\n")


def _project(tmp_path, toml: str = "", authored: bool = False):
    (tmp_path / "slos").mkdir()
    (tmp_path / "slos" / "api.py").write_text(SLO)
    if authored:
        (tmp_path / "dashboards").mkdir()
        (tmp_path / "dashboards" / "team.py").write_text(AUTHORED)
    if toml:
        (tmp_path / "obskit.toml").write_text(toml)
    return load_project(tmp_path)


def _render(project):
    target = Grafana()
    files = target.render(project)
    return target, files


def _dashboards(files):
    return {p: json.loads(d) for p, d in files.items() if p.startswith("grafana/dashboards/")}


def _targets(doc):
    for p in doc["panels"]:
        for q in [p] + list(p.get("panels") or []):
            yield from q.get("targets") or []


def test_project_without_datasource_settings_writes_no_datasource_provisioning(tmp_path):
    target, files = _render(_project(tmp_path))
    assert DATASOURCES_FILE not in files
    assert not any(p.startswith("grafana/provisioning/datasources/") for p in files)
    assert _dashboards(files) and "grafana/provisioning/dashboards/obskit.yaml" in files   # dashboards still are


def test_dashboards_point_at_the_configured_uid(tmp_path):
    project = _project(tmp_path, '[grafana]\nprometheus_datasource_uid = "kps-prometheus"\nloki_datasource_uid = "logs"\n',
                       authored=True)
    target, files = _render(project)
    docs = _dashboards(files)
    for path, doc in docs.items():
        variables = {v["name"]: v for v in doc["templating"]["list"]}
        if path.endswith(("named.json",)):
            refs = {p["title"]: p["datasource"] for p in doc["panels"]}
            assert refs == {"s": {"type": "prometheus", "uid": "kps-prometheus"}, "l": {"type": "loki", "uid": "logs"}}
            continue
        ds = variables["datasource"]            # generated, and added to the authored dashboard lacking it
        assert ds["type"] == "datasource" and ds["query"] == "prometheus"
        assert ds["current"] == {"text": "kps-prometheus", "value": "kps-prometheus"}, path
        var = {"type": "prometheus", "uid": "${datasource}"}
        assert all(t.get("datasource", var) == var for t in _targets(doc)), path     # omitted: the panel's
        assert all(p["datasource"] == var for p in doc["panels"] if p.get("targets")), path
    assert DATASOURCES_FILE not in files
    assert validate_files(files, target.schema_version) == []


def test_default_uid_is_kube_prometheus_stacks(tmp_path):
    _, files = _render(_project(tmp_path))
    doc = _dashboards(files)["grafana/dashboards/slos/slo-overview.json"]
    (ds,) = [v for v in doc["templating"]["list"] if v["name"] == "datasource"]
    assert ds["current"]["value"] == "prometheus"


def test_only_the_datasources_asked_for_are_provisioned(tmp_path):
    _, files = _render(_project(tmp_path, '[grafana]\nloki_datasource_uid = "logs"\n'
                                          'datasources = { loki = "http://loki.monitoring:3100" }\n'))
    (ds,) = yaml.safe_load(files[DATASOURCES_FILE])["datasources"]
    assert (ds["type"], ds["uid"], ds["url"], ds["isDefault"]) == ("loki", "logs", "http://loki.monitoring:3100", False)
    assert "jsonData" not in ds           # no tracing datasource provisioned: no trace-id link to a guess


def test_provisioned_datasources_link_by_the_configured_uids(tmp_path):
    _, files = _render(_project(tmp_path, '[grafana]\nprometheus_datasource_uid = "p"\ntempo_datasource_uid = "t"\n'
                                          'loki_datasource_uid = "l"\ndatasources = { tempo = "http://tempo:3200", '
                                          'loki = "http://loki:3100", prometheus = "http://prom:9090" }\n'))
    ds = yaml.safe_load(files[DATASOURCES_FILE])["datasources"]
    assert [(d["type"], d["uid"]) for d in ds] == [("prometheus", "p"), ("loki", "l"), ("tempo", "t")]
    assert ds[0]["isDefault"] is True and ds[0]["jsonData"]["timeInterval"] == "60s"
    assert ds[1]["jsonData"]["derivedFields"][0]["datasourceUid"] == "t"
    assert ds[2]["jsonData"]["tracesToLogsV2"]["datasourceUid"] == "l"


@pytest.mark.parametrize("version, schema_version", [("11", 41), ("11.6", 41), ("12", 42), ("13", 42)])
def test_schema_check_passes_on_the_datasource_references(tmp_path, version, schema_version):
    target, files = _render(_project(tmp_path, f'[grafana]\nversion = "{version}"\nprometheus_datasource_uid = "prom"\n',
                                     authored=True))
    assert target.schema_version == schema_version
    assert validate_files(files, schema_version) == []
    assert all(d["schemaVersion"] == schema_version for d in _dashboards(files).values())


def test_deprecated_project_keys_keep_working_and_warn(tmp_path):
    project = _project(tmp_path, '[project]\ngrafana_version = "11"\n'
                                 'grafana_datasources = { prometheus = "http://prom:9090" }\n')
    assert project.settings.grafana.version == "11"
    assert project.settings.grafana.datasources == (("prometheus", "http://prom:9090"),)
    assert project.settings.grafana_version is None and project.settings.grafana_datasources is None
    warnings = sorted(str(w) for w in project.warnings if w.code == "deprecated-setting")
    assert len(warnings) == 2
    assert "[project] grafana_datasources is deprecated: it is now [grafana] datasources" in warnings[0]
    assert "[project] grafana_version is deprecated: it is now [grafana] version" in warnings[1]
    target, files = _render(project)
    assert target.schema_version == 41
    assert [d["uid"] for d in yaml.safe_load(files[DATASOURCES_FILE])["datasources"]] == ["prometheus"]


def test_same_setting_in_both_places():
    s = Settings(grafana_version="12", grafana=GrafanaSettings(version="12"))        # the same: fine
    assert s.grafana.version == "12"
    with pytest.raises(ValueError, match="grafana_version .deprecated. and \\[grafana\\] version are both set"):
        Settings(grafana_version="11", grafana=GrafanaSettings(version="12"))


@pytest.mark.parametrize("toml, message", [
    ('prometheus_datasource_uid = "has space"', "prometheus_datasource_uid 'has space' is not a Grafana uid"),
    ('tempo_datasource_uid = ""', "tempo_datasource_uid '' is not a Grafana uid"),
    ('datasources = { zipkin = "http://z:9411" }', "unknown datasource 'zipkin'"),
    ('datasources = { prometheus = "prometheus:9090" }', "'prometheus:9090' is not an http(s) URL"),
    ('version = "twelve"', "version 'twelve' is not a Grafana release"),
    ('schema = "v3"', "schema 'v3' is not"),
])
def test_bad_grafana_settings_are_located_errors(tmp_path, toml, message):
    with pytest.raises(DefinitionError) as exc:
        _project(tmp_path, f"[grafana]\n{toml}\n")
    assert message in str(exc.value) and "obskit.toml" in str(exc.value)
