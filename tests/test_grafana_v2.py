"""Dashboard schema v2 (``[grafana] schema = "v2"``): the second renderer of the dashboard model, its
validation against grafana-foundation-sdk's ``dashboardv2`` / ``dashboardv2beta1`` types, and the
Grafana-version gate. Golden files: tests/golden/grafana/v2 (Grafana 13) and v2-grafana12."""
import copy
import json
from pathlib import Path

import pytest

from obskit.compile.dashboards.project import compile_dashboards
from obskit.errors import DefinitionError, ToolError
from obskit.loader import load_project
from obskit.render import grafana as classic, grafana_v2
from obskit.targets.grafana import Grafana
from obskit.verify.grafana_schema import validate_files, validate_v2_dashboard

GOLDEN = Path(__file__).parent / "golden" / "grafana"
V2 = "dashboard.grafana.app/v2"
V2BETA1 = "dashboard.grafana.app/v2beta1"


def _render(case: str):
    target = Grafana()
    files = target.render(load_project(GOLDEN / case))
    return target, files


def _doc(case: str, path: str) -> dict:
    return json.loads((GOLDEN / case / "expected" / path).read_text())


@pytest.mark.parametrize("case, api", [("v2", V2), ("v2-grafana12", V2BETA1)])
def test_v2_output_is_valid_and_verified_by_the_build(case, api, tmp_path):
    target, files = _render(case)
    assert target.schema == "v2" and target.api_version == api
    dashboards = {p: json.loads(d) for p, d in files.items() if p.startswith("grafana/dashboards/")}
    assert dashboards and all(d["apiVersion"] == api and d["kind"] == "Dashboard" for d in dashboards.values())
    for path, doc in dashboards.items():
        assert path.endswith(f"/{doc['metadata']['name']}.json")
        assert doc["metadata"]["annotations"]["grafana.app/folder"] == path.split("/")[2]
    assert validate_files(files, None, "v2", api) == []
    target.verify(tmp_path, files)          # the build's verify step: no ToolError


def test_api_version_by_grafana_release():
    assert grafana_v2.api_version("12") == grafana_v2.api_version("12.4") == V2BETA1
    assert grafana_v2.api_version("13") == grafana_v2.api_version("13.1") == V2
    with pytest.raises(ValueError):
        grafana_v2.api_version("11")


def test_generated_dashboards_are_the_same_model_in_both_renderers():
    """Classic and v2 are two renderings of one DashboardSpec: the same panels, titles, queries,
    datasource references, variables and rows."""
    compiled, _ = compile_dashboards(load_project(GOLDEN / "v2"))
    for d in (d for d in compiled.dashboards if d.generated):
        v1 = classic.dashboard_json(d, 42)
        v2 = grafana_v2.resource(d, V2)["spec"]
        flat = [p for top in v1["panels"] for p in ([top] + top.get("panels", [])) if p["type"] != "row"]
        elements = [v2["elements"][k]["spec"] for k in sorted(v2["elements"], key=lambda k: int(k.split("-")[1]))]
        assert [p["title"] for p in flat] == [e["title"] for e in elements]
        for p, e in zip(flat, elements):
            assert p["type"] == e["vizConfig"]["group"] and p["options"] == e["vizConfig"]["spec"]["options"]
            assert p.get("fieldConfig", {"defaults": {}, "overrides": []}) == e["vizConfig"]["spec"]["fieldConfig"]
            queries = [q["spec"] for q in e["data"]["spec"]["queries"]]
            assert [t["expr"] for t in p.get("targets", [])] == [q["query"]["spec"]["expr"] for q in queries]
            assert [t["datasource"]["uid"] for t in p.get("targets", [])] == \
                   [q["query"]["datasource"]["name"] for q in queries]
            assert [t["refId"] for t in p.get("targets", [])] == [q["refId"] for q in queries]
        assert [v["name"] for v in v1["templating"]["list"]] == [v["spec"]["name"] for v in v2["variables"]]
        rows = [p["title"] for p in v1["panels"] if p["type"] == "row"]
        if rows:
            assert [r["spec"]["title"] for r in v2["layout"]["spec"]["rows"]] == rows
            assert [r["spec"]["collapse"] for r in v2["layout"]["spec"]["rows"]] == \
                   [p["collapsed"] for p in v1["panels"] if p["type"] == "row"]
        else:
            assert v2["layout"]["kind"] == "GridLayout"


def test_configured_uid_is_the_datasource_variables_default():
    doc = _doc("v2", "grafana/dashboards/slos/slo-overview.json")
    (ds,) = [v for v in doc["spec"]["variables"] if v["kind"] == "DatasourceVariable"]
    assert ds["spec"]["name"] == "datasource" and ds["spec"]["pluginId"] == "prometheus"
    assert ds["spec"]["current"] == {"text": "prom-main", "value": "prom-main"}
    names = {q["spec"]["query"]["datasource"]["name"] for e in doc["spec"]["elements"].values()
             for q in e["spec"]["data"]["spec"]["queries"]}
    assert names == {"${datasource}"}


def test_authored_rows_repeats_variables_and_datasources_are_carried():
    spec = _doc("v2", "grafana/dashboards/platform/fleet.json")["spec"]
    assert spec["cursorSync"] == "Off" and spec["timeSettings"]["autoRefresh"] == "30s"
    assert [(v["kind"], v["spec"]["name"]) for v in spec["variables"]] == [
        ("DatasourceVariable", "datasource"), ("QueryVariable", "instance"), ("CustomVariable", "quantile"),
        ("IntervalVariable", "window"), ("ConstantVariable", "job"), ("TextVariable", "filter")]
    instance = spec["variables"][1]["spec"]
    assert instance["query"]["datasource"] == {"name": "${datasource}"} and instance["multi"] and instance["includeAll"]
    assert instance["refresh"] == "onTimeRangeChanged" and instance["sort"] == "alphabeticalAsc"
    assert spec["variables"][4]["spec"]["hide"] == "hideVariable"
    rows = spec["layout"]["spec"]["rows"]
    assert [(r["spec"]["title"], r["spec"]["collapse"], r["spec"].get("hideHeader", False)) for r in rows] == [
        ("", False, True), ("Per instance", False, False), ("Logs", True, False)]
    assert rows[1]["spec"]["repeat"] == {"mode": "variable", "value": "instance"}
    (item,) = rows[1]["spec"]["layout"]["spec"]["items"]
    assert item["spec"]["repeat"] == {"mode": "variable", "value": "instance", "direction": "h", "maxPerRow": 4}
    assert (item["spec"]["x"], item["spec"]["y"], item["spec"]["width"], item["spec"]["height"]) == (0, 0, 12, 8)
    by_title = {e["spec"]["title"]: e["spec"] for e in spec["elements"].values()}
    ds = {t: [q["spec"]["query"]["datasource"]["name"] for q in e["data"]["spec"]["queries"]]
          for t, e in by_title.items()}
    # "$datasource" stays a variable; the names "Prometheus" and "Loki" become the configured uids
    assert ds == {"Targets up": ["${datasource}"], "Up: $instance": ["prom-main"], "Errors": ["loki"]}
    assert by_title["Errors"]["data"]["spec"]["queries"][0]["spec"]["query"]["group"] == "loki"


def test_transformations_follow_the_api_version():
    v2 = _doc("v2", "grafana/dashboards/slos/slo-overview.json")["spec"]["elements"]
    beta = _doc("v2-grafana12", "grafana/dashboards/slos/slo-overview.json")["spec"]["elements"]
    (t2,) = [e for e in v2.values() if e["spec"]["data"]["spec"]["transformations"]]
    (tb,) = [e for e in beta.values() if e["spec"]["data"]["spec"]["transformations"]]
    assert [(t["kind"], t["group"]) for t in t2["spec"]["data"]["spec"]["transformations"]] == [
        ("Transformation", "merge"), ("Transformation", "organize")]
    assert [(t["kind"], t["spec"]["id"]) for t in tb["spec"]["data"]["spec"]["transformations"]] == [
        ("merge", "merge"), ("organize", "organize")]


# --- a hand-broken v2 dashboard fails with a clear message ---------------------------------------------
def _first_item(doc):
    return doc["spec"]["layout"]["spec"]["items"][0]["spec"]


def _panel(doc, n=1):
    return doc["spec"]["elements"][f"panel-{n}"]["spec"]


BROKEN = {
    "no layout": (lambda d: d["spec"].pop("layout"), "dashboard/spec: 'layout' is a required property"),
    "unknown key": (lambda d: _panel(d).__setitem__("gridPos", {"x": 0}),
                    "Additional properties are not allowed ('gridPos' was unexpected)"),
    "bad enum": (lambda d: d["spec"].__setitem__("cursorSync", "Sometimes"),
                 "dashboard/spec/cursorSync: 'Sometimes' is not one of ['Crosshair', 'Tooltip', 'Off']"),
    "unknown variable kind": (lambda d: d["spec"]["variables"][0].__setitem__("kind", "BogusVariable"),
                              "dashboard/spec/variables/0/kind: 'BogusVariable' is not one of"),
    "wrong type": (lambda d: _first_item(d).__setitem__("width", "wide"),
                   "/spec/items/0/spec/width: 'wide' is not of type 'integer'"),
    "missing element": (lambda d: _first_item(d)["element"].__setitem__("name", "panel-99"),
                        "/element/name: 'panel-99' is not an element of spec.elements"),
    "off the grid": (lambda d: _first_item(d).__setitem__("width", 30), "is not on the 24-column grid"),
    "unknown repeat variable": (lambda d: _first_item(d).__setitem__("repeat", {"mode": "variable", "value": "ghost"}),
                                "/repeat/value: 'ghost' is not a variable of the dashboard"),
    "undefined datasource variable": (
        lambda d: _panel(d)["data"]["spec"]["queries"][0]["spec"]["query"].__setitem__("datasource", {"name": "${nope}"}),
        "'${nope}' names no datasource variable of the dashboard"),
    "promql typo": (lambda d: _panel(d)["data"]["spec"]["queries"][0]["spec"]["query"]["spec"].__setitem__(
        "expr", "count(slo:objective:ratio{"), "/spec/expr: "),
    "panel options": (lambda d: _panel(d)["vizConfig"]["spec"]["options"].__setitem__("colorMode", "rainbow"),
                      "/spec/vizConfig/spec/options/colorMode: 'rainbow' is not one of"),
    "wrong api version": (lambda d: d.__setitem__("apiVersion", "dashboard.grafana.app/v1beta1"),
                          "dashboard/apiVersion: 'dashboard.grafana.app/v1beta1' is not a schema v2 dashboard API"),
    "bad uid": (lambda d: d["metadata"].__setitem__("name", "not a uid!"),
                "dashboard/metadata/name: 'not a uid!' must be a uid"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_hand_broken_v2_dashboard_fails_with_a_clear_message(name):
    doc = _doc("v2", "grafana/dashboards/slos/slo-overview.json")
    assert validate_v2_dashboard(doc, V2) == []
    broken = copy.deepcopy(doc)
    mutate, message = BROKEN[name]
    mutate(broken)
    problems = validate_v2_dashboard(broken)
    assert any(message in p for p in problems), problems


def test_an_unplaced_element_is_reported():
    doc = _doc("v2", "grafana/dashboards/slos/slo-overview.json")
    doc["spec"]["layout"]["spec"]["items"].pop()
    assert any("not placed in the layout" in p for p in validate_v2_dashboard(doc))


def test_v2beta1_types_are_used_for_a_v2beta1_resource():
    doc = _doc("v2-grafana12", "grafana/dashboards/slos/slo-overview.json")
    assert validate_v2_dashboard(doc, V2BETA1) == []
    assert any("is not 'dashboard.grafana.app/v2'" in p for p in validate_v2_dashboard(doc, V2))
    as_v2 = dict(doc, apiVersion=V2)            # v2beta1 transformations are not v2's
    assert any("transformations/0" in p for p in validate_v2_dashboard(as_v2))


def test_build_verify_names_the_file_and_the_field(tmp_path):
    target, files = _render("v2")
    path = "grafana/dashboards/slos/slo-overview.json"
    doc = json.loads(files[path])
    doc["spec"]["cursorSync"] = "Sometimes"
    files = dict(files, **{path: json.dumps(doc).encode()})
    with pytest.raises(ToolError) as exc:
        target.verify(tmp_path, files)
    assert f"{path}: dashboard/spec/cursorSync: 'Sometimes' is not one of" in str(exc.value)


def test_a_classic_file_in_a_v2_build_is_reported():
    _, files = _render("v2")
    _, classic_files = _render("generated")
    path = "grafana/dashboards/slos/slo-overview.json"
    mixed = dict(files, **{path: classic_files[path]})
    assert validate_files(mixed, None, "v2", V2) == [f"{path}: a classic dashboard in a build of schema v2"]


@pytest.mark.parametrize("where", ["[grafana]\nversion = \"11\"\nschema = \"v2\"\n",
                                   "[project]\ngrafana_version = \"11\"\n[grafana]\nschema = \"v2\"\n"])
def test_v2_is_refused_for_grafana_11_naming_the_version_that_added_it(tmp_path, where):
    (tmp_path / "obskit.toml").write_text(where)
    with pytest.raises(DefinitionError) as exc:
        load_project(tmp_path)
    text = str(exc.value)
    assert "schema = \"v2\" needs Grafana 12 or newer" in text and "arrived in Grafana 12.0" in text
    assert "the target is Grafana 11" in text


def test_model_repeats_render_in_both_models():
    """A repeated row and a repeated panel of the dashboard model: classic ``repeat`` fields and v2
    repeat options, both valid."""
    from obskit.compile.dashboards.ir import (CompiledDashboard, DashboardSpec, DatasourceRef, Folder, Panel, Query,
                                              Repeat, Row, Variable)
    from obskit.verify.grafana_schema import validate_dashboard
    ds = DatasourceRef("prometheus", "${datasource}")
    spec = DashboardSpec(
        title="Repeats", rows=(
            Row("Summary", (Panel("stat", "All", (Query("count(up)", ds, instant=True),), width=6, height=4),)),
            Row("Per $job", (Panel("timeseries", "Up $instance", (Query('up{instance=~"$instance"}', ds),),
                                   repeat=Repeat("instance", "h", 3)),), repeat="job")),
        variables=(Variable("datasource", "datasource", "prometheus", default="prom"),
                   Variable("job", "query", "label_values(up, job)", datasource=ds, multi=True, include_all=True,
                            default="$__all"),
                   Variable("instance", "query", "label_values(up, instance)", datasource=ds)))
    d = CompiledDashboard("repeats", "Repeats", Folder("f", "F"), spec, generated=True)
    v1 = classic.dashboard_json(d, 42)
    row = [p for p in v1["panels"] if p["type"] == "row"][1]
    panel = v1["panels"][-1]
    assert row["repeat"] == "job"
    assert (panel["repeat"], panel["repeatDirection"], panel["maxPerRow"]) == ("instance", "h", 3)
    assert validate_dashboard(v1, 42) == []
    v2 = grafana_v2.resource(d, V2)
    rows = v2["spec"]["layout"]["spec"]["rows"]
    assert rows[1]["spec"]["repeat"] == {"mode": "variable", "value": "job"}
    assert rows[1]["spec"]["layout"]["spec"]["items"][0]["spec"]["repeat"] == {
        "mode": "variable", "value": "instance", "direction": "h", "maxPerRow": 3}
    assert validate_v2_dashboard(v2, V2) == []
    with pytest.raises(ValueError):
        Repeat("instance", "diagonal")
