"""grafanalib as people write it (#15 item 5): the dashboards in tests/fixtures/grafanalib/ are written the
way grafanalib's documentation and examples write them (old ``rows``, ``RowPanel``, ``Graph``,
``SingleStat``, every ``Template`` form, links, annotations, repeats). Each loads as a project, builds,
passes Grafana's schema check for Grafana 11, 12 and 13 (and schema v2 for 12 and 13), and keeps every
panel's title and queries; what changed is what Grafana itself changes on load. Bad input is an error at
the user's line naming the panel."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from grafanalib._gen import DashboardEncoder

from obskit.compile.dashboards import legacy
from obskit.errors import DefinitionError
from obskit.loader import load_project
from obskit.targets.grafana import Grafana
from obskit.verify.grafana_schema import validate_files

from test_lint import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "grafanalib"
CORPUS = sorted(p.stem for p in FIXTURES.glob("*.py"))
TARGETS = [("11", "v1"), ("12", "v1"), ("13", "v1"), ("12", "v2"), ("13", "v2")]
OLD_TYPES = {"graph", "singlestat", "grafana-piechart-panel", "table-old", "grafana-singlestat-panel"}


pytestmark = pytest.mark.usefixtures("grafana_schemas")


def _project(tmp_path: Path, name: str, version: str = "12", schema: str = "v1", sub: str = "") -> Path:
    (tmp_path / "dashboards").mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / sub / f"{name}.py", tmp_path / "dashboards" / f"{name}.py")
    (tmp_path / "obskit.toml").write_text(f'[grafana]\nversion = "{version}"\nschema = "{schema}"\n')
    return tmp_path


def _source(name: str) -> dict:
    """The grafanalib dashboard of a fixture as grafanalib serialises it."""
    import runpy
    dashboard = runpy.run_path(str(FIXTURES / f"{name}.py"))["dashboard"]
    return json.loads(json.dumps(dashboard.to_json_data(), cls=DashboardEncoder))


def _build(tmp_path: Path, name: str, version: str = "12", schema: str = "v1"):
    project = load_project(_project(tmp_path, name, version, schema))
    target = Grafana()
    files = target.render(project)
    docs = [json.loads(data) for path, data in files.items() if path.startswith("grafana/dashboards/")]
    assert len(docs) == 1
    return project, target, files, docs[0]


def _v2_titles_and_queries(resource: dict) -> list:
    """(title, exprs) of every panel of a v2 resource, in layout order."""
    elements = resource["spec"]["elements"]

    def items(layout):
        if layout["kind"] == "GridLayout":
            return [i["spec"]["element"]["name"] for i in layout["spec"]["items"]]
        return [name for row in layout["spec"]["rows"] for name in items(row["spec"]["layout"])]
    out = []
    for name in items(resource["spec"]["layout"]):
        spec = elements[name]["spec"]
        exprs = tuple(q["spec"]["query"]["spec"]["expr"] for q in spec["data"]["spec"]["queries"]
                      if "expr" in q["spec"]["query"]["spec"])
        out.append((spec["title"], exprs))
    return out


# --- the corpus builds everywhere -----------------------------------------------------------------
@pytest.mark.parametrize("version, schema", TARGETS, ids=[f"grafana{v}-{s}" for v, s in TARGETS])
@pytest.mark.parametrize("name", CORPUS)
def test_corpus_builds_validates_and_keeps_titles_and_queries(tmp_path, name, version, schema):
    _, target, files, doc = _build(tmp_path, name, version, schema)
    assert validate_files(files, target.schema_version, target.schema, target.api_version) == []
    want = legacy.title_and_queries(_source(name))
    assert want and all(title for title, _ in want)
    if schema == "v1":
        assert doc["schemaVersion"] == {"11": 41}.get(version, 42)
        assert legacy.title_and_queries(doc) == want
        assert not OLD_TYPES & {p.get("type") for p in legacy._walk(doc["panels"])}
    else:
        assert sorted(_v2_titles_and_queries(doc)) == sorted(want)


def test_corpus_covers_grafanalibs_documented_api():
    """The corpus uses every class the issue names (a fixture dropped or renamed fails this)."""
    text = "".join((FIXTURES / f"{n}.py").read_text() for n in CORPUS)
    for name in ("Row(", "RowPanel(", "Graph(", "SeriesOverride(", "SingleStat(", "Table(", "Heatmap(", "PieChart(", "PieChartv2(",
                 "Text(", "AlertList(", "Worldmap(", "DashboardList(", "GaugePanel(", "Stat(", "TimeSeries(", "BarGauge(",
                 "StateTimeline(", "Histogram(", "BarChart(", "Logs(", "DashboardLink(", "ExternalLink(",
                 "DataLink(", "Annotations(", "ColumnStyle(", "DataSourceInput(", "ConstantInput(", "Repeat(", "scopedVars", "Template(", "Alert("):
        assert name in text, name
    for form in ('type="custom"', 'type="interval"', 'type="datasource"', 'type="constant"', 'type="adhoc"',
                 'type="textbox"', "default=",
                 "multi=True", "includeAll=True", "allValue=", "hide=", "refresh=", "regex=", "sort="):
        assert form in text, form


# --- what each converts to ------------------------------------------------------------------------
def _panel(doc: dict, title: str) -> dict:
    (p,) = [p for p in legacy._walk(doc["panels"]) if p.get("title") == title]
    return p


def test_old_rows_become_row_panels_with_spans_on_the_grid(tmp_path):
    project, _, _, doc = _build(tmp_path, "frontend_rows")
    assert [(p["type"], p["title"]) for p in doc["panels"]] == [
        ("row", "New row"), ("timeseries", "Frontend QPS"), ("timeseries", "Frontend latency"), ("row", "Errors"),
        ("stat", "Error ratio"), ("timeseries", "5xx by instance")]
    assert [p["gridPos"]["w"] for p in doc["panels"]] == [24, 12, 12, 24, 8, 16]   # span 6+6, 4 and the rest
    qps = _panel(doc, "Frontend QPS")
    assert qps["options"]["legend"] == {"showLegend": True, "calcs": ["lastNotNull", "max"], "displayMode": "table",
                                        "placement": "right"}
    assert qps["options"]["tooltip"] == {"mode": "multi", "sort": "desc"}
    assert qps["fieldConfig"]["defaults"]["unit"] == "ops"
    assert qps["fieldConfig"]["defaults"]["custom"]["stacking"] == {"mode": "normal", "group": "A"}
    assert _panel(doc, "5xx by instance")["fieldConfig"]["defaults"]["custom"]["drawStyle"] == "bars"
    # SeriesOverride writes every field (lines=True, bars=False, yaxis=1, ...): only what differs is an override
    (over,) = _panel(doc, "Frontend latency")["fieldConfig"]["overrides"]
    assert over == {"matcher": {"id": "byName", "options": "0.99 quantile"}, "properties": [
        {"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}}, {"id": "custom.fillOpacity", "value": 0},
        {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [4, 10]}}]}
    ratio = _panel(doc, "Error ratio")
    assert ratio["fieldConfig"]["defaults"]["unit"] == "percentunit"
    assert [s["value"] for s in ratio["fieldConfig"]["defaults"]["thresholds"]["steps"]] == [None, 0.01, 0.05]
    assert ratio["options"]["reduceOptions"]["calcs"] == ["lastNotNull"] and ratio["options"]["graphMode"] == "area"
    # dataSource="default" and no datasource: the default, through the ${datasource} variable (added)
    assert ratio["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert [v["name"] for v in doc["templating"]["list"]] == ["datasource"]
    assert _panel(doc, "Frontend QPS")["datasource"] == {"type": "prometheus", "uid": "prometheus"}
    assert project.warnings == ()


def test_row_panels_and_the_legacy_alert(tmp_path):
    project, _, _, doc = _build(tmp_path, "row_panels")
    assert [(p["type"], p["title"], p.get("collapsed")) for p in doc["panels"]] == [
        ("row", "Traffic", False), ("timeseries", "Checkout QPS", None), ("timeseries", "Checkout latency", None),
        ("row", "Details", True)]
    (inner,) = doc["panels"][3]["panels"]
    assert inner["title"] == "Payment provider latency" and inner["type"] == "timeseries"
    assert "alert" not in _panel(doc, "Checkout QPS")
    (w,) = project.warnings
    text = (FIXTURES / "row_panels.py").read_text().splitlines()
    assert w.severity == "warning" and w.code == "dashboard-dropped"
    assert "panel 'Checkout QPS': legacy panel alerts were removed in Grafana 11" in w.message
    assert str(w.location.file) == "dashboards/row_panels.py" and 'title="Checkout QPS"' in text[w.location.line - 1]


def test_expanded_row_panel_holding_panels_gets_them_after_it(tmp_path):
    """grafanalib's own example puts panels in an expanded RowPanel; Grafana nests only a collapsed
    row's panels, so they follow the row."""
    d = tmp_path / "p"
    (d / "dashboards").mkdir(parents=True)
    (d / "dashboards" / "x.py").write_text(
        "from grafanalib.core import Dashboard, Graph, GridPos, RowPanel, Target\n"
        "from obskit.model.dashboards import Dashboard as Placed\n"
        "d = Placed(Dashboard(title='Frontend', panels=[\n"
        "    RowPanel(panels=[Graph(title='QPS', dataSource='Prometheus', targets=[Target(expr='up')],\n"
        "                           gridPos=GridPos(h=8, w=24, x=0, y=9))], gridPos=GridPos(h=1, w=24, x=0, y=8)),\n"
        "    Graph(title='Latency', dataSource='Prometheus', targets=[Target(expr='sum(up)')],\n"
        "          gridPos=GridPos(h=8, w=12, x=0, y=0)),\n"
        "]).auto_panel_ids(), folder='F')\n")
    files = Grafana().render(load_project(d))
    (doc,) = [json.loads(v) for k, v in files.items() if k.startswith("grafana/dashboards/")]
    assert [(p["type"], p.get("title"), p.get("panels")) for p in doc["panels"]] == [
        ("row", "", []), ("timeseries", "QPS", None), ("timeseries", "Latency", None)]


def test_every_template_form(tmp_path):
    _, _, _, doc = _build(tmp_path, "templates")
    by = {v["name"]: v for v in doc["templating"]["list"]}
    assert [v["name"] for v in doc["templating"]["list"]] == ["datasource", "job", "instance", "quantile", "window",
                                                             "cluster", "filters", "path"]
    assert by["datasource"]["type"] == "datasource" and by["datasource"]["query"] == "prometheus"
    assert "current" not in by["datasource"]                # no default: Grafana selects the first
    job = by["job"]
    assert job["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert job["current"] == {"selected": True, "text": "api", "value": "api"}
    assert (job["refresh"], job["sort"]) == (2, 5)
    inst = by["instance"]
    assert (inst["multi"], inst["includeAll"], inst["allValue"], inst["regex"]) == (True, True, ".*", "/([^:]+):.*/")
    q = by["quantile"]
    assert [o["value"] for o in q["options"]] == ["0.5", "0.9", "0.99"] and q["current"]["value"] == "0.99"
    w = by["window"]
    assert (w["type"], w["auto"], w["auto_count"], w["auto_min"], w["current"]["value"]) == \
        ("interval", True, 30, "10s", "5m")
    c = by["cluster"]
    assert (c["type"], c["hide"], c["current"]) == ("constant", 2, {"text": "eu-west-1", "value": "eu-west-1"})
    assert all("tags" not in (v.get("current") or {}) for v in by.values())
    assert (by["filters"]["type"], by["filters"]["datasource"]) == ("adhoc", {"type": "prometheus", "uid": "${datasource}"})
    assert (by["path"]["type"], by["path"]["current"]["value"]) == ("textbox", "/")
    assert _panel(doc, "Latency quantile ${quantile}")["datasource"] == {"type": "prometheus", "uid": "${datasource}"}


def test_every_template_form_in_schema_v2(tmp_path):
    _, _, _, res = _build(tmp_path, "templates", "13", "v2")
    kinds = [(v["kind"], v["spec"]["name"]) for v in res["spec"]["variables"]]
    assert kinds == [("DatasourceVariable", "datasource"), ("QueryVariable", "job"), ("QueryVariable", "instance"),
                     ("CustomVariable", "quantile"), ("IntervalVariable", "window"), ("ConstantVariable", "cluster"),
                     ("AdhocVariable", "filters"), ("TextVariable", "path")]
    adhoc = res["spec"]["variables"][6]
    assert (adhoc["group"], adhoc["datasource"]) == ("prometheus", {"name": "${datasource}"})


def test_single_value_panels(tmp_path):
    _, _, _, doc = _build(tmp_path, "stats")
    up = _panel(doc, "Instances up")
    assert up["type"] == "stat" and up["options"]["colorMode"] == "background"
    assert up["fieldConfig"]["defaults"]["mappings"] == [{"type": "value", "options": {"0": {"text": "down"}}}]
    disk = _panel(doc, "Disk used")
    assert disk["type"] == "gauge" and (disk["fieldConfig"]["defaults"]["min"], disk["fieldConfig"]["defaults"]["max"]) \
        == (0, 100)
    assert disk["fieldConfig"]["defaults"]["unit"] == "suffix:%"
    rps = _panel(doc, "Requests per second")
    assert rps["fieldConfig"]["defaults"]["thresholds"]["steps"] == [{"color": "green", "value": None},
                                                                     {"color": "red", "value": 1000}]
    assert rps["fieldConfig"]["defaults"]["mappings"] == [{"type": "value",
                                                            "options": {"0": {"color": "blue", "text": "idle"}}}]
    cpu = _panel(doc, "CPU busy")                 # GaugePanel(calc="mean"): the reducer the author chose
    assert cpu["type"] == "gauge" and cpu["options"]["reduceOptions"]["calcs"] == ["mean"]
    assert "calcs" not in cpu["fieldConfig"]["defaults"] and cpu["fieldConfig"]["defaults"]["unit"] == "percent"
    mem = _panel(doc, "Memory by pod")            # BarGauge's pre-7 options.fieldOptions
    assert mem["type"] == "bargauge" and mem["options"]["displayMode"] == "lcd"
    assert "fieldOptions" not in mem["options"] and mem["fieldConfig"]["defaults"]["unit"] == "bytes"
    assert mem["options"]["reduceOptions"]["calcs"] == ["mean"]


def test_table_heatmap_and_pie_charts(tmp_path):
    project, _, _, doc = _build(tmp_path, "tables_heatmaps")
    table = _panel(doc, "Volumes")
    assert table["fieldConfig"]["defaults"]["custom"]["cellOptions"] == {"type": "auto"}     # from displayMode "auto"
    assert "displayMode" not in table["fieldConfig"]["defaults"]["custom"]
    heat = _panel(doc, "Write latency")
    assert heat["options"]["calculate"] is False and heat["options"]["color"]["scheme"] == "Spectral"
    pie = _panel(doc, "Space by class")
    assert pie["type"] == "piechart" and pie["options"]["pieType"] == "donut"
    assert pie["options"]["legend"]["placement"] == "right" and pie["fieldConfig"]["defaults"]["unit"] == "bytes"
    assert _panel(doc, "Reads by device")["type"] == "piechart"
    old = _panel(doc, "Claims (old style)")          # styles: the old table, as Grafana migrates it
    assert old["type"] == "table" and old["transformations"] == [{"id": "merge", "options": {}}]
    assert old["fieldConfig"]["defaults"]["custom"]["hidden"] is True                  # the /.*/ style: hidden
    by = {o["matcher"]["options"]: o["properties"] for o in old["fieldConfig"]["overrides"]}
    assert {"id": "displayName", "value": "Used"} in by["Value"] and {"id": "unit", "value": "bytes"} in by["Value"]
    assert {"id": "custom.hidden", "value": False} in by["persistentvolumeclaim"]     # first match wins: shown
    geo = _panel(doc, "Requests by country")
    assert geo["type"] == "geomap" and geo["options"]["view"] == {"id": "europe", "zoom": 2}
    (layer,) = geo["options"]["layers"]
    assert (layer["config"]["style"]["size"]["min"], layer["config"]["style"]["size"]["max"]) == (3, 20)
    assert layer["location"] == {"mode": "lookup", "gazetteer": "public/gazetteer/countries.json"}
    assert geo["transformations"] == [{"id": "reduce", "options": {"reducers": ["lastNotNull"]}}]
    assert geo["fieldConfig"]["defaults"]["thresholds"]["steps"] == [
        {"color": "green", "value": None}, {"color": "orange", "value": 10}, {"color": "red", "value": 100}]
    assert project.warnings == ()


def test_text_and_list_panels(tmp_path):
    _, _, _, doc = _build(tmp_path, "text_and_lists")
    assert _panel(doc, "Runbooks")["options"]["mode"] == "html"
    firing = _panel(doc, "Firing")
    assert firing["options"]["stateFilter"] == {"firing": True, "pending": True}
    assert firing["options"]["maxItems"] == 20 and "limit" not in firing
    starred = _panel(doc, "Starred")
    assert (starred["options"]["showStarred"], starred["options"]["showRecentlyViewed"],
            starred["options"]["showSearch"]) == (True, True, False)
    logs = _panel(doc, "API errors")
    assert logs["datasource"] == {"type": "loki", "uid": "loki"}
    assert set(logs["targets"][0]) <= {"expr", "refId", "hide", "legendFormat", "instant", "queryType"}


def test_links_and_annotations(tmp_path):
    _, _, _, doc = _build(tmp_path, "links_annotations")
    assert [(link["type"], link["title"]) for link in doc["links"]] == [
        ("dashboards", "API dashboards"), ("link", "Status page"), ("link", "Wiki")]
    assert doc["links"][0]["tags"] == ["api"] and doc["links"][1]["url"] == "https://status.example.com"
    (link,) = _panel(doc, "Requests")["links"]
    assert (link["type"], link["targetBlank"]) == ("link", True) and "${__field.labels.route}" in link["url"]
    builtin, deploys = doc["annotations"]["list"]
    assert builtin["datasource"] == {"type": "datasource", "uid": "grafana"}
    assert deploys["datasource"] == {"type": "prometheus", "uid": "prometheus"} and deploys["expr"].startswith("changes(")


def test_import_inputs_are_filled_in_as_grafanas_import_does(tmp_path):
    _, _, _, doc = _build(tmp_path, "exported")
    (panel,) = doc["panels"]
    assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert "datasource" not in panel["targets"][0]                 # the same as the panel's
    assert panel["description"] == "Owned by payments"
    assert [v["name"] for v in doc["templating"]["list"]] == ["datasource"] and "__inputs" not in doc


def test_repeats(tmp_path):
    _, _, _, doc = _build(tmp_path, "repeats")
    row = doc["panels"][0]
    assert (row["type"], row["repeat"]) == ("row", "job")
    up = _panel(doc, "Up on $instance")
    assert (up["repeat"], up["repeatDirection"], up["maxPerRow"]) == ("instance", "h", 4)
    scrape = _panel(doc, "Scrape time on $instance")
    assert (scrape["repeat"], scrape["repeatDirection"]) == ("instance", "v")
    assert "scopedVars" not in scrape          # Grafana's own per-repeat state: it sets it on load
    _, _, _, res = _build(tmp_path / "v2", "repeats", "13", "v2")
    items = [i for row in res["spec"]["layout"]["spec"]["rows"] for i in row["spec"]["layout"]["spec"]["items"]]
    assert [i["spec"].get("repeat") for i in items] == [
        {"mode": "variable", "value": "instance", "direction": "h", "maxPerRow": 4},
        {"mode": "variable", "value": "instance", "direction": "v"}]
    assert res["spec"]["layout"]["spec"]["rows"][-1]["spec"]["repeat"] == {"mode": "variable", "value": "job"}


def test_old_row_repeat_and_collapse(tmp_path):
    _, _, _, doc = _build(tmp_path, "old_row_repeat")
    node, fleet = doc["panels"][0], doc["panels"][3]
    assert (node["type"], node["title"], node["repeat"], node["collapsed"]) == ("row", "Node $node", "node", False)
    assert [p["gridPos"]["w"] for p in doc["panels"][1:3]] == [16, 8]          # span 8 and the balanced 4
    assert (fleet["title"], fleet["collapsed"], [p["title"] for p in fleet["panels"]]) == ("Fleet", True, ["Nodes up"])
    assert len(doc["panels"]) == 4


def test_the_build_of_the_corpus_is_deterministic(tmp_path):
    first = _build(tmp_path / "a", "templates")[2]
    second = _build(tmp_path / "b", "templates")[2]
    assert first == second


# --- bad grafanalib input: an error at the user's line, naming the panel -------------------------------
@pytest.mark.parametrize("name, code, marker, message", [
    ("gridpos", "dashboard-convert", 'title="Off the grid"',
     "panel 'Off the grid': gridPos {'h': 8, 'w': 30, 'x': 12, 'y': 0}: need 1 ≤ w ≤ 24"),
    ("datasource_name", "dashboard-convert", 'title="Frontend QPS"',
     "panel 'Frontend QPS': datasource 'My Prometheus' is a datasource name this project does not provision; "
     "name one of Jaeger, Loki, Prometheus, Tempo"),
    ("promql", "dashboard-query", "Target(expr='histogram_quantile(0.99",
     "panel 'Latency p99': the query of targets/0 does not parse"),
])
def test_bad_input_is_located_at_the_users_line(tmp_path, name, code, marker, message):
    d = _project(tmp_path, name, sub="bad")
    lines = (FIXTURES / "bad" / f"{name}.py").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if marker in text)
    for command in ("check", "build"):
        res = run_cli(command, d, "--no-verify") if command == "build" else run_cli(command, d)
        out = res.stdout + res.stderr
        assert res.returncode == 2, out
        assert f"dashboards/{name}.py:{line}: error [{code}] dashboard " in out, out
        assert message in out.replace('"', "'"), out
        assert "Traceback" not in out
    assert not (d / "build").exists()


def test_bad_input_through_the_loader_is_a_definition_error(tmp_path):
    with pytest.raises(DefinitionError) as exc:
        load_project(_project(tmp_path, "datasource_name", sub="bad"))
    (diag,) = exc.value.diagnostics
    assert (diag.code, diag.location.line, diag.obj) == ("dashboard-convert", 10, "dashboard 'Frontend Stats'")
    assert diag.hint


def test_a_datasource_uid_no_setting_names_is_a_warning_at_the_panel_not_an_error(tmp_path):
    """An existing Grafana has datasources obskit does not provision (uids such as P1809F7CD0C75ACF3): a panel
    naming one builds, with a warning at the panel's line saying what to check."""
    d = _project(tmp_path, "datasource_uid", sub="bad")
    line = next(i for i, text in enumerate((FIXTURES / "bad" / "datasource_uid.py").read_text().splitlines(), 1)
                if 'title="Orders"' in text)
    res = run_cli("build", d, "--no-verify")
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert f"dashboards/datasource_uid.py:{line}: warning [dashboard-datasource-unknown] dashboard 'Lost datasource'" in out
    assert "datasource uid 'prom-eu-west' is not a datasource this project provisions" in out
    (doc,) = [json.loads(p.read_text()) for p in (d / "build" / "grafana" / "dashboards").rglob("*.json")]
    assert doc["panels"][0]["datasource"] == {"type": "prometheus", "uid": "prom-eu-west"}


def test_the_whole_corpus_in_one_project_checks_and_builds_alike(tmp_path):
    """``obskit check`` and ``obskit build`` (verified) agree on it: both pass, with the one warning."""
    for name in CORPUS:
        _project(tmp_path, name)
    line = next(i for i, text in enumerate((FIXTURES / "row_panels.py").read_text().splitlines(), 1)
                if 'title="Checkout QPS"' in text)
    for command in ("check", "build"):
        res = run_cli(command, tmp_path)
        out = res.stdout + res.stderr
        assert res.returncode == 0, out
        assert out.count("warning [dashboard-dropped]") == 1, out
        assert f"dashboards/row_panels.py:{line}: warning [dashboard-dropped]" in out, out
    built = sorted((tmp_path / "build" / "grafana" / "dashboards").rglob("*.json"))
    assert len(built) == len(CORPUS)


@pytest.mark.parametrize("schema", ["v1", "v2"])
def test_a_panel_without_a_type_and_a_variable_v2_cannot_carry_are_errors_not_tracebacks(tmp_path, schema):
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "x.py").write_text(
        "from grafanalib.core import Dashboard, Panel, Target, Template, Templating\n"
        "from obskit.model.dashboards import Dashboard as Placed\n"
        "\n"
        "untyped = Placed({'title': 'Untyped', 'panels': [\n"
        "    {'title': 'no type here', 'targets': [{'expr': 'up'}]}]}, folder='F')\n"
        "grouped = Placed(Dashboard(title='Grouped', templating=Templating(list=[\n"
        "    Template(name='by', type='groupby', query='', dataSource='Prometheus')])), folder='F')\n")
    (tmp_path / "obskit.toml").write_text(f'[grafana]\nversion = "12"\nschema = "{schema}"\n')
    res = run_cli("build", tmp_path, "--no-verify")
    out = res.stdout + res.stderr
    assert res.returncode == 2 and "Traceback" not in out, out
    assert "dashboards/x.py:5: error [dashboard-convert] dashboard 'Untyped': panel 'no type here': a panel needs " \
           "a type" in out, out
    (tmp_path / "dashboards" / "x.py").write_text(
        "\n".join((tmp_path / "dashboards" / "x.py").read_text().splitlines()[:3] + [
            "grouped = Placed(Dashboard(title='Grouped', templating=Templating(list=[",
            "    Template(name='by', type='groupby', query='', dataSource='Prometheus')])), folder='F')", ""]))
    res = run_cli("build", tmp_path, "--no-verify")
    out = res.stdout + res.stderr
    if schema == "v1":
        assert res.returncode == 0, out
    else:
        assert res.returncode == 2 and "Traceback" not in out, out
        assert "dashboards/x.py:4: error [dashboard-v2] dashboard 'Grouped':" in out and "'groupby'" in out, out


def _panel_classes():
    import inspect
    import grafanalib.core as g
    return sorted(name for name, cls in vars(g).items()
                  if inspect.isclass(cls) and issubclass(cls, g.Panel) and cls is not g.Panel)


@pytest.mark.parametrize("name", _panel_classes())
def test_every_grafanalib_panel_class_converts_and_validates(name):
    """Each of grafanalib's panel classes, made with its defaults (a title, a query, a place), converts
    without a problem and passes the schema check; only Angular plugins Grafana 11 cannot load warn."""
    import grafanalib.core as g
    from obskit.compile.dashboards.project import datasource_refs
    from obskit.verify.grafana_schema import validate_dashboard
    cls = getattr(g, name)
    kw = {"title": f"{name} panel", "gridPos": g.GridPos(h=8, w=12, x=0, y=0)}
    if cls is not g.RowPanel:
        kw.update(targets=[g.Target(expr="sum(up)")], dataSource="Prometheus")
    doc = json.loads(json.dumps(g.Dashboard(title="All", panels=[cls(**kw)]).auto_panel_ids().to_json_data(),
                                cls=DashboardEncoder))
    for version in (41, 42):
        c = legacy.convert(doc, version, datasource_refs(), "prometheus")
        assert c.problems == (), c.problems
        assert validate_dashboard(dict(c.doc, uid="all"), version) == []
        (panel,) = c.doc["panels"]
        assert panel["type"] not in OLD_TYPES | {"grafana-worldmap-panel"}
        angular = panel["type"] in ("natel-discrete-panel", "flant-statusmap-panel")
        assert len(c.warnings) == (1 if angular else 0), c.warnings


@pytest.mark.parametrize("version, schema", [("12", "v1"), ("13", "v2")])
def test_golden_corpus(tmp_path, version, schema):
    """The corpus's built dashboards, kept under tests/golden/grafanalib/ (OBSKIT_UPDATE_GOLDEN=1 rewrites)."""
    from golden import assert_golden
    for name in CORPUS:
        _project(tmp_path, name, version, schema)
    files = {path: data for path, data in Grafana().render(load_project(tmp_path)).items()
             if path.startswith("grafana/dashboards/")}
    assert len(files) == len(CORPUS)
    assert_golden(files, Path(__file__).parent / "golden" / "grafanalib" / f"grafana{version}-{schema}")
