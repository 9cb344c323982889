"""``[kubernetes]`` in obskit.toml: every setting's default, its validation message, the
``[project] namespace`` fallback, and what the dashboard settings write (docs/kubernetes.md)."""
import json
import textwrap
from pathlib import Path

import pytest
import yaml

from obskit.build import render_project
from obskit.errors import DefinitionError
from obskit.loader import load_project
from obskit.project import KubernetesSettings, Settings, alert_namespace, kubernetes_namespace
from obskit.render import k8s_meta

SLO_PY = '''\
from obskit import SLO, presets

api = SLO(service="api", name="availability", objective=99.9,
          sli=presets.prometheus_client_http_availability({"job": "api"}))
'''


def project(tmp_path: Path, toml: str, slo: str = SLO_PY, extra: dict = None) -> Path:
    (tmp_path / "slos").mkdir(parents=True)
    (tmp_path / "slos" / "api.py").write_text(slo)
    (tmp_path / "obskit.toml").write_text(textwrap.dedent(toml))
    for rel, text in (extra or {}).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(textwrap.dedent(text))
    return tmp_path


def test_defaults():
    k = KubernetesSettings()
    assert (k.namespace, k.labels, k.annotations, k.name_prefix, k.alertmanager_config_name, k.matcher_strategy,
            k.alertmanager_namespace, k.namespace_label, k.dashboards, k.dashboard_namespace, k.dashboard_label,
            k.dashboard_label_value, k.dashboard_folder_annotation, k.grafana_instance_selector) == (
        None, (), (), "obskit", "obskit", "OnNamespace", None, True, None, None, "grafana_dashboard", "1",
        "grafana_folder", (("dashboards", "grafana"),))


@pytest.mark.parametrize("toml, message", [
    ('namespace = "Team_A"', "namespace = 'Team_A' is not a Kubernetes namespace"),
    ('labels = { release = 1 }', 'labels: value of \'release\' must be a string (quote it: release = "1")'),
    ('labels = { "bad key" = "x" }', "labels: key 'bad key' is not a valid Kubernetes label/annotation key"),
    ('labels = { release = "has spaces" }', "labels: value 'has spaces' of 'release' is not a valid Kubernetes label value"),
    ('matcher_strategy = "OnNamespaces"', "matcher_strategy = 'OnNamespaces'; known: OnNamespace, "
                                          "OnNamespaceExceptForAlertmanagerNamespace, None"),
    ('matcher_strategy = "OnNamespaceExceptForAlertmanagerNamespace"', "needs alertmanager_namespace"),
    ('dashboards = "sidecar"', "dashboards = 'sidecar'; known: configmap, grafana-operator, both, none"),
    ('name_prefix = "Obskit"', "name_prefix = 'Obskit' must be lowercase letters, digits and '-'"),
    ('alertmanager_config_name = "team/am"', "alertmanager_config_name = 'team/am' is not a Kubernetes object name"),
])
def test_bad_settings_are_refused_with_a_message(tmp_path, toml, message):
    with pytest.raises(DefinitionError) as exc:
        load_project(project(tmp_path, f"[kubernetes]\n{toml}\n"))
    assert message in str(exc.value)
    assert "obskit.toml" in str(exc.value)


def test_project_namespace_is_the_fallback_and_kubernetes_namespace_wins():
    assert kubernetes_namespace(Settings(namespace="legacy")) == "legacy"
    assert kubernetes_namespace(Settings(namespace="legacy", kubernetes=KubernetesSettings(namespace="new"))) == "new"
    assert kubernetes_namespace(Settings()) is None and alert_namespace(Settings()) is None


def test_project_namespace_alone_still_places_every_object(tmp_path):
    files = render_project(load_project(project(tmp_path, '[project]\nnamespace = "monitoring"\n')))
    objects = [yaml.safe_load(d) for p, d in files.items() if p.startswith("kubernetes/")]
    assert objects and all(o["metadata"]["namespace"] == "monitoring" for o in objects)
    rule = yaml.safe_load(files["kubernetes/api-prometheusrule.yaml"])
    alerts = [r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r]
    assert alerts and all(r["labels"]["namespace"] == "monitoring" for r in alerts)


def test_namespace_label_can_be_turned_off(tmp_path):
    files = render_project(load_project(project(tmp_path, '[kubernetes]\nnamespace = "team"\nnamespace_label = false\n')))
    rule = yaml.safe_load(files["kubernetes/api-prometheusrule.yaml"])
    assert all("namespace" not in r.get("labels", {}) for g in rule["spec"]["groups"] for r in g["rules"])


def test_no_namespace_no_namespace_label(tmp_path):
    files = render_project(load_project(project(tmp_path, '[project]\nrule_output = "both"\n')))
    assert "namespace:" not in files["prometheus/rules/api.yml"].decode()
    assert "namespace" not in yaml.safe_load(files["kubernetes/api-prometheusrule.yaml"])["metadata"]


def test_name_prefix_and_alertmanager_config_name(tmp_path):
    routing = '''\
        from obskit.model.alertmanager import Alertmanager, Receiver, Route
        am = Alertmanager(route=Route(receiver="team"), receivers=[Receiver(name="team")])
    '''
    files = render_project(load_project(project(tmp_path, '''\
        [kubernetes]
        namespace = "team"
        name_prefix = "shop"
        alertmanager_config_name = "shop-routing"
    ''', extra={"alerts/routing.py": routing})))
    assert yaml.safe_load(files["kubernetes/api-prometheusrule.yaml"])["metadata"]["name"] == "shop-api"
    assert yaml.safe_load(files["kubernetes/alertmanager-config.yaml"])["metadata"]["name"] == "shop-routing"
    assert yaml.safe_load(files["kubernetes/dashboards/slos-api-configmap.yaml"])["metadata"]["name"] == \
        "shop-dashboard-slos-api"


def test_dashboard_sidecar_settings(tmp_path):
    files = render_project(load_project(project(tmp_path, '''\
        [kubernetes]
        namespace = "team"
        dashboard_namespace = "grafana"
        dashboard_label = "grafana.example.com/dashboard"
        dashboard_label_value = "team"
        dashboard_folder_annotation = "k8s-sidecar-target-directory"
    ''')))
    cm = yaml.safe_load(files["kubernetes/dashboards/slos-api-configmap.yaml"])
    assert cm["metadata"]["namespace"] == "grafana"
    assert cm["metadata"]["labels"]["grafana.example.com/dashboard"] == "team"
    assert cm["metadata"]["annotations"] == {"k8s-sidecar-target-directory": "SLOs"}
    assert json.loads(cm["data"]["slos-api.json"])["uid"] == "slos-api"
    assert not any(p.endswith("-grafanadashboard.yaml") for p in files)


@pytest.mark.parametrize("fmt, kinds", [("none", set()), ("configmap", {"configmap"}),
                                        ("grafana-operator", {"grafanadashboard"}),
                                        ("both", {"configmap", "grafanadashboard"})])
def test_dashboard_formats(tmp_path, fmt, kinds):
    files = render_project(load_project(project(tmp_path, f'[kubernetes]\ndashboards = "{fmt}"\n')))
    got = {p.rsplit("-", 1)[1][:-len(".yaml")] for p in files if p.startswith("kubernetes/dashboards/")}
    assert got == kinds
    assert any(p.startswith("grafana/dashboards/") for p in files)       # the Grafana files stay


def test_a_dashboard_too_big_for_a_configmap_is_refused_by_name(tmp_path):
    big = '''\
        from obskit.model.dashboards import Dashboard
        huge = Dashboard({"title": "Huge", "uid": "huge", "description": "x" * (1024 * 1024), "panels": []},
                         folder="Team")
    '''
    with pytest.raises(DefinitionError) as exc:
        render_project(load_project(project(tmp_path, '[kubernetes]\nnamespace = "team"\n',
                                            extra={"dashboards/huge.py": big})))
    (d,) = exc.value.diagnostics
    assert d.code == "dashboard-too-large" and d.obj == "dashboard 'huge' (Huge)"
    assert str(d.location) == "dashboards/huge.py:2"
    assert "at most 1048576 bytes (1 MiB)" in d.message


@pytest.mark.parametrize("toml, written", [
    ("", False),                                                   # no Kubernetes settings: JSON files only
    ("[kubernetes]\n", False),                                     # an empty table says nothing
    ('[project]\nnamespace = "team"\n', True),
    ('[kubernetes]\nnamespace = "team"\n', True),
    ('[kubernetes]\ndashboard_namespace = "grafana"\n', True),     # a dashboard key alone asks for objects
    ('[kubernetes]\nlabels = { release = "kube-prometheus-stack" }\n', True),
    ('[project]\nrule_output = "prometheusrule"\n', True),
    ('[project]\nrule_output = "files"\n', False),
    ('[project]\nnamespace = "team"\n[kubernetes]\ndashboards = "none"\n', False),
])
def test_dashboard_objects_by_default_follow_the_kubernetes_settings(tmp_path, toml, written):
    files = render_project(load_project(project(tmp_path, toml)))
    assert ("kubernetes/dashboards/slos-api-configmap.yaml" in files) is written
    assert "grafana/dashboards/slos/slos-api.json" in files or any(
        p.startswith("grafana/dashboards/") and p.endswith("/slos-api.json") for p in files)


def test_a_big_dashboard_builds_where_no_configmap_is_written(tmp_path):
    """Without Kubernetes settings no ConfigMap is written, so its 1 MiB limit does not apply."""
    big = '''\
        from obskit.model.dashboards import Dashboard
        huge = Dashboard({"title": "Huge", "uid": "huge", "description": "x" * (1024 * 1024), "panels": []},
                         folder="Team")
    '''
    files = render_project(load_project(project(tmp_path, "", extra={"dashboards/huge.py": big})))
    assert any(p.endswith("/huge.json") for p in files)
    assert not any(p.startswith("kubernetes/") for p in files)


def test_clashing_prometheusrule_names_are_refused(tmp_path):
    rules = '''\
        from obskit.model.rules import AlertRule, RecordingRule, RuleGroup
        a = RuleGroup(name="api_recordings", rules=(RecordingRule(record="job:x:rate5m", expr="sum(rate(x[5m]))"),))
        b = RuleGroup(name="api-recordings", rules=(RecordingRule(record="job:y:rate5m", expr="sum(rate(y[5m]))"),))
    '''
    with pytest.raises(DefinitionError) as exc:
        load_project(project(tmp_path, "[kubernetes]\n", extra={"alerts/rules.py": rules}))
    (d,) = [d for d in exc.value.diagnostics if d.code == "duplicate-object-name"]
    assert d.obj == "rule group 'api-recordings'" and str(d.location) == "alerts/rules.py:3"
    assert "'obskit-api-recordings-rules', like rule group 'api_recordings' at alerts/rules.py:2" in d.message


def test_object_names_are_dns_names():
    assert k8s_meta.object_name("obskit", "LLM_Gateway", "rules") == "obskit-llm-gateway-rules"
    assert k8s_meta.object_name("obskit", "team.alerts (prod)") == "obskit-team.alerts-prod"
