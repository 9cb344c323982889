"""Every Kubernetes object obskit writes is one the API server accepts unchanged: it validates
against the Prometheus Operator's CRDs (v0.93.0, ``../shared/schemas/prometheus-operator/``) and
has no field the server would prune (tests/k8s_crds.py). Checked on every golden file under
``tests/golden/**/expected/kubernetes/`` and on fresh renders of the kube-prometheus-stack fixture
and the repository's reference project; the check itself is shown to fail on broken objects."""
import copy
from pathlib import Path

import pytest
import yaml

from obskit.build import render_project
from obskit.loader import load_project
from k8s_crds import crd_objects, problems, pruned_fields, require_crds, schema_errors

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
KPS = TESTS / "golden" / "kubernetes" / "kps"

#: the fields of grafana-operator v5's GrafanaDashboard (grafana.integreatly.org/v1beta1) spec that
#: obskit writes; all three are in its CRD (config/crd/bases/grafana.integreatly.org_grafanadashboards.yaml,
#: no copy in shared/): instanceSelector (a label selector, required), folder (a folder title), json (a string)
GRAFANA_DASHBOARD_SPEC = {"instanceSelector", "folder", "json"}


@pytest.fixture(scope="module", autouse=True)
def crds():
    require_crds()


def _golden_objects():
    out = {}
    for path in sorted(TESTS.glob("golden/**/expected/kubernetes/**/*.yaml")):
        files = {"kubernetes/" + path.name: path.read_bytes()}
        for key, obj in crd_objects(files).items():
            out[str(path.relative_to(TESTS)) + key[len("kubernetes/" + path.name):]] = obj
    return out


@pytest.fixture(scope="module")
def rendered():
    out = {}
    for name, project in (("kps", KPS), ("reference", ROOT)):
        for path, obj in crd_objects(render_project(load_project(project))).items():
            out[f"{name}:{path}"] = obj
    return out


def test_every_golden_object_is_accepted_unchanged():
    objects = _golden_objects()
    kinds = {o["kind"] for o in objects.values()}
    assert kinds >= {"PrometheusRule", "AlertmanagerConfig", "ServiceMonitor", "PodMonitor"}, kinds
    assert {path: problems(obj) for path, obj in objects.items() if problems(obj)} == {}


def test_every_rendered_object_is_accepted_unchanged(rendered):
    assert {o["kind"] for o in rendered.values()} == {"PrometheusRule", "AlertmanagerConfig", "ServiceMonitor",
                                                       "PodMonitor"}
    assert {path: problems(obj) for path, obj in rendered.items() if problems(obj)} == {}


def _amc(rendered):
    return copy.deepcopy(rendered["kps:kubernetes/alertmanager-config.yaml"])


def test_a_field_the_schema_lacks_is_found_as_pruned(rendered):
    rule = copy.deepcopy(rendered["kps:kubernetes/checkout-prometheusrule.yaml"])
    rule["spec"]["groups"][0]["rules"][0]["severity"] = "critical"      # belongs under labels
    rule["spec"]["shards"] = 2
    rule["metadata"]["selfLink"] = "/x"
    assert sorted(pruned_fields(rule)) == ["metadata.selfLink", "spec.groups.0.rules.0.severity", "spec.shards"]


def test_a_misspelt_field_in_a_preserved_child_route_is_found(rendered):
    """The CRD marks an AlertmanagerConfig's child routes x-kubernetes-preserve-unknown-fields (the
    server keeps them whatever they hold); the operator decodes them as Routes and ignores unknown
    keys, so the check reads them with the Route schema, at any depth."""
    amc = _amc(rendered)
    child = amc["spec"]["route"]["routes"][0]
    child["groupby"] = ["alertname"]
    child["routes"] = [{"receiver": "checkout-team", "matchers": [{"name": "a", "value": "b", "matchType": "=="}],
                        "contineu": True}]
    assert sorted(pruned_fields(amc)) == ["spec.route.routes.0.groupby", "spec.route.routes.0.routes.0.contineu"]
    assert any("matchType" in e or "'=='" in e for e in schema_errors(amc)), schema_errors(amc)


def test_schema_errors_are_found(rendered):
    monitor = copy.deepcopy(rendered["kps:kubernetes/checkout-servicemonitor.yaml"])
    monitor["spec"]["endpoints"][0]["interval"] = "5 minutes"
    monitor["spec"]["endpoints"][0]["relabelings"][0]["action"] = "explode"
    errors = schema_errors(monitor)
    assert any("interval" in e for e in errors) and any("explode" in e for e in errors), errors
    amc = _amc(rendered)
    del amc["spec"]["receivers"][0]["name"]
    assert any("'name' is a required property" in e for e in schema_errors(amc))


def test_every_object_carries_the_selector_labels_and_namespace(rendered):
    for path, obj in rendered.items():
        if path.startswith("kps:"):
            meta = obj["metadata"]
            assert meta["namespace"] == "checkout", path
            assert meta["labels"]["release"] == "kube-prometheus-stack", path
            assert meta["labels"]["app.kubernetes.io/managed-by"] == "obskit", path
            assert meta["annotations"] == {"obskit.dev/owner": "team-checkout"}, path


def test_dashboard_objects_have_the_expected_shape():
    files = render_project(load_project(KPS))
    maps = {p: yaml.safe_load(d) for p, d in files.items() if p.endswith("-configmap.yaml")}
    crs = {p: yaml.safe_load(d) for p, d in files.items() if p.endswith("-grafanadashboard.yaml")}
    assert maps and len(maps) == len(crs)
    for path, cm in maps.items():
        assert set(cm) == {"apiVersion", "kind", "metadata", "data"} and (cm["apiVersion"], cm["kind"]) == ("v1", "ConfigMap")
        assert set(cm["metadata"]) <= {"name", "namespace", "labels", "annotations"}
        (key,) = cm["data"]
        assert key.endswith(".json") and len(key.encode()) + len(cm["data"][key].encode()) <= 1024 * 1024
    for path, cr in crs.items():
        assert (cr["apiVersion"], cr["kind"]) == ("grafana.integreatly.org/v1beta1", "GrafanaDashboard")
        assert set(cr["spec"]) == GRAFANA_DASHBOARD_SPEC, path
        assert isinstance(cr["spec"]["json"], str) and isinstance(cr["spec"]["folder"], str)
        assert cr["spec"]["instanceSelector"] == {"matchLabels": {"dashboards": "grafana"}}
