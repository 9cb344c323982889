"""Grafana dashboards: golden output, schema validation of everything emitted, uid rules, layout,
provisioning files and located errors. Conversion of legacy shapes: test_dashboards_upgrade.py."""
import functools
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from obskit.build import render_project
from obskit.compile.dashboards.layout import COLUMNS, flow
from obskit.model.dashboard_uid import uid_from_name
from obskit.errors import DefinitionError, ToolError
from obskit.loader import load_project
from obskit.targets.grafana import Grafana
from obskit.verify.grafana_schema import validate_dashboard, validate_files

from conftest import IN_CI, ROOT
from golden import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "grafana"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir() and not p.name.startswith("_"))
UID = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


pytestmark = pytest.mark.usefixtures("grafana_schemas")


def _grafana_files(project_dir):
    return _cached(str(project_dir))


@functools.lru_cache(maxsize=None)
def _cached(project_dir: str):
    target = Grafana()
    files = target.render(load_project(project_dir))
    return target, dict(files)


def _write(tmp_path, files: dict, toml: str = ""):
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    if toml:
        (tmp_path / "obskit.toml").write_text(toml)
    return tmp_path


# --- golden ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES)
def test_golden(case):
    _, files = _grafana_files(GOLDEN / case)
    assert_golden(files, GOLDEN / case / "expected")


def test_golden_cases_cover_inputs():
    docs = [json.loads(Path(p).read_text()) for p in GOLDEN.rglob("expected/grafana/dashboards/*/*.json")]
    assert {d.get("schemaVersion") for d in docs if "apiVersion" not in d} == {41, 42}
    assert {d["apiVersion"] for d in docs if "apiVersion" in d} == {
        "dashboard.grafana.app/v2beta1", "dashboard.grafana.app/v2"}


# --- every emitted dashboard validates ---------------------------------------------------------------
@pytest.mark.parametrize("project", CASES + ["<repository>"])
def test_every_emitted_dashboard_validates(project):
    target, files = _grafana_files(ROOT if project == "<repository>" else GOLDEN / project)
    dashboards = [p for p in files if p.startswith("grafana/dashboards/")]
    assert dashboards
    assert validate_files(files, target.schema_version, target.schema, target.api_version) == []
    for path in dashboards:
        doc = json.loads(files[path])
        folder, name = path.split("/")[2:]
        uid = doc["metadata"]["name"] if target.schema == "v2" else doc["uid"]
        assert name == f"{uid}.json" and UID.match(folder)
        assert "id" not in doc and "version" not in doc


def test_validation_catches_bad_dashboards():
    """The validator is not vacuous: each broken field is reported with its path."""
    _, files = _grafana_files(GOLDEN / "generated")
    doc = json.loads(files["grafana/dashboards/slos/slos-api.json"])
    assert validate_dashboard(doc, 42) == []
    bad = json.loads(json.dumps(doc))
    a, b, c, d, e = [i for i, p in enumerate(bad["panels"]) if p.get("targets")][:5]
    bad["panels"][a]["gridPos"]["w"] = 30
    bad["panels"][b]["options"].pop("reduceOptions")
    bad["panels"][c]["targets"][0]["query"] = "up"
    bad["panels"][d]["type"] = ""
    bad["panels"][e]["targets"][0]["expr"] = "sum(rate(x[$__rate_interval])) by (le"
    problems = "\n".join(validate_dashboard(bad, 42))
    assert f"panels/{a}" in problems and "30 is greater than the maximum of 24" in problems
    assert f"panels/{b}/options: 'reduceOptions' is a required property" in problems
    assert f"panels/{c}/targets/0: Additional properties are not allowed ('query'" in problems
    assert f"panels/{d}" in problems
    assert f"panels/{e}/targets/0/expr: PromQL syntax error" in problems and "unclosed left parenthesis" in problems
    assert "schemaVersion: 42 is not 41" in "\n".join(validate_dashboard(doc, 41))


def test_verify_raises_tool_error_on_invalid_output(tmp_path):
    target, files = _grafana_files(GOLDEN / "generated")
    files = dict(files)                                   # the cached render stays untouched
    doc = json.loads(files["grafana/dashboards/slos/slo-overview.json"])
    doc["templating"] = "nope"
    files["grafana/dashboards/slos/slo-overview.json"] = json.dumps(doc).encode()
    with pytest.raises(ToolError, match="slo-overview.json: dashboard/templating"):
        target.verify(tmp_path, files)


def test_rebuild_is_byte_identical():
    assert render_project(load_project(GOLDEN / "authored")) == render_project(load_project(GOLDEN / "authored"))


# --- uid rules ---------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=120))
def test_uid_from_any_name(name):
    uid = uid_from_name(name)
    assert 1 <= len(uid) <= 40 and UID.match(uid)
    assert uid == uid_from_name(name)                     # stable
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if slug and len(slug) <= 40:
        assert uid == slug                                # readable when it fits


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abcdefghij -", min_size=41, max_size=80), st.text(alphabet="xyz", min_size=1, max_size=5))
def test_long_names_sharing_a_prefix_get_different_uids(prefix, tail):
    a, b = uid_from_name(prefix + "a" + tail), uid_from_name(prefix + "b" + tail)
    assert a != b and len(a) <= 40 and len(b) <= 40


# --- layout ------------------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 24), st.integers(1, 12)), max_size=30), st.integers(0, 50))
def test_flow_layout_is_valid(sizes, y0):
    boxes, bottom = flow(sizes, y0)
    assert len(boxes) == len(sizes)
    for (w, h), b in zip(sizes, boxes):
        assert (b.w, b.h) == (w, h) and 0 <= b.x and b.x + b.w <= COLUMNS and b.y >= y0
        assert b.y + b.h <= bottom
    for i, a in enumerate(boxes):
        for c in boxes[i + 1:]:
            assert not a.overlaps(c)
            assert (c.y, c.x) > (a.y, a.x)                # reading order kept


def test_generated_rows_and_gridpos():
    """api's two SLOs differ in objective: a row each, repeated over a variable listing that SLO; the
    notes (description, owner, runbook) above them."""
    _, files = _grafana_files(GOLDEN / "generated")
    doc = json.loads(files["grafana/dashboards/slos/slos-api.json"])
    rows = [p for p in doc["panels"] if p["type"] == "row"]
    assert [(r["title"], r.get("repeat")) for r in rows] == [("Summary", None), ("${slo}", "slo"), ("${slo2}", "slo2")]
    variables = {v["name"]: v for v in doc["templating"]["list"]}
    assert (variables["slo"]["query"], variables["slo2"]["query"]) == ("availability", "latency")
    assert all(variables[n]["type"] == "custom" and variables[n]["multi"] and variables[n]["includeAll"]
               and variables[n]["current"] == {"text": ["All"], "value": ["$__all"]} for n in ("slo", "slo2"))
    notes = next(p for p in doc["panels"] if p["title"] == "About these SLOs")
    assert notes["options"]["content"] == ("**availability**: Requests answered without a 5xx. Owner: api-team. "
                                           "[Runbook](https://runbooks.example.com/api)")
    ids = [p["id"] for p in doc["panels"]]
    assert len(set(ids)) == len(ids)
    for p in doc["panels"]:
        g = p["gridPos"]
        assert g["x"] + g["w"] <= 24
        assert p.get("datasource", {"uid": "${datasource}"})["uid"] == "${datasource}"
    probe = json.loads(files["grafana/dashboards/slos/slos-probe.json"])   # one SLO: its repeated row has a header
    assert [(p["title"], p.get("repeat")) for p in probe["panels"] if p["type"] == "row"] == [("${slo}", "slo")]


# --- generated content -------------------------------------------------------------------------------
def _exprs(doc):
    return [t["expr"] for p in doc["panels"] for t in p.get("targets", [])]


def test_slo_overview_reads_the_recorded_metadata():
    """One table for every SLO: the period-agnostic records and ALERTS, filtered by the service variable,
    never a per-SLO selector (tests/test_dashboards_overview.py runs the queries with promtool)."""
    _, files = _grafana_files(GOLDEN / "generated")
    doc = json.loads(files["grafana/dashboards/slos/slo-overview.json"])
    assert [p["type"] for p in doc["panels"]] == ["stat", "stat", "stat", "table"]
    exprs = "\n".join(_exprs(doc))
    for record in ("slo:objective:ratio", "slo:period_error_budget_remaining:ratio", "slo:current_burn_rate:ratio",
                   "slo:error_budget:ratio", "slo:period_burn_rate:ratio", "ALERTS"):
        assert record + '{' in exprs
    assert "obskit_slo=" not in exprs and "ratio_rate28d" not in exprs and "ratio_rate30d" not in exprs
    assert [v["type"] for v in doc["templating"]["list"]] == ["datasource", "query"]


def _slo_variables(doc) -> dict:
    """SLO name → the detail dashboard's variable whose repeated row shows it."""
    return {name: v["name"] for v in doc["templating"]["list"] if v["type"] == "custom"
            for name in v["query"].split(",")}


def test_detail_dashboards_read_each_slo():
    _, files = _grafana_files(GOLDEN / "generated")
    for svc, slos in (("api", ("availability", "latency")), ("probe", ("uptime",))):
        doc = json.loads(files[f"grafana/dashboards/slos/slos-{svc}.json"])
        exprs = "\n".join(_exprs(doc))
        variables = _slo_variables(doc)
        assert set(variables) == set(slos)
        for slo in slos:
            name = "${%s}" % variables[slo]
            sel = f'{{obskit_service="{svc}",obskit_slo="{name}"}}'
            for record in ("slo:objective:ratio", "slo:period_error_budget_remaining:ratio",
                           "slo:current_burn_rate:ratio", "slo:error_budget:ratio"):
                assert record + sel in exprs
            assert f'ALERTS{{alertstate="firing",obskit_service="{svc}",obskit_slo="{name}"}}' in exprs
    probe = "\n".join(_exprs(json.loads(files["grafana/dashboards/slos/slos-probe.json"])))
    assert "slo:sli_error:ratio_rate28d{" in probe and "slo:sli_error:ratio_rate1h{" in probe


def test_red_dashboard_from_sli_selectors():
    _, files = _grafana_files(GOLDEN / "generated")
    api = _exprs(json.loads(files["grafana/dashboards/services/service-api.json"]))
    assert 'sum(rate(http_requests_total{job="api"}[$__rate_interval]))' in api
    assert any('code=~"5.."' in e for e in api)
    assert 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="api"}' \
           '[$__rate_interval])))' in api
    probe = _exprs(json.loads(files["grafana/dashboards/services/service-probe.json"]))
    assert any(e.startswith('1 - sum(rate(probe_success_total{target="home"}') for e in probe)


def test_promql_of_generated_dashboards_parses():
    from obskit.promql import check_syntax
    _, files = _grafana_files(GOLDEN / "generated")
    for path, data in files.items():
        if path.endswith(".json") and "/dashboards/" in path:
            for expr in _exprs(json.loads(data)):
                check_syntax(expr.replace("$__rate_interval", "5m"))


# --- provisioning ------------------------------------------------------------------------------------
def test_folders_json_layout():
    _, files = _grafana_files(GOLDEN / "authored")
    folders = json.loads(files["grafana/folders.json"])
    assert folders == sorted(folders, key=lambda f: f["uid"])
    assert all(set(f) == {"uid", "title"} for f in folders)
    assert {f["title"] for f in folders} == {"Legacy", "Team A"}


def test_provisioning_yaml():
    import yaml
    _, files = _grafana_files(GOLDEN / "grafana11")
    providers = yaml.safe_load(files["grafana/provisioning/dashboards/obskit.yaml"])
    assert providers["apiVersion"] == 1
    by_uid = {p["folderUid"]: p for p in providers["providers"]}
    assert set(by_uid) == {"slos", "services"}
    assert by_uid["slos"]["options"]["path"].endswith("/slos") and by_uid["slos"]["folder"] == "SLOs"
    ds = yaml.safe_load(files["grafana/provisioning/datasources/obskit.yaml"])["datasources"]
    # the deprecated [project] grafana_datasources: only the datasources it names, with its URLs
    assert [(d["type"], d["uid"], d["url"]) for d in ds] == [
        ("prometheus", "prometheus", "http://prom.example:9090"), ("tempo", "tempo", "http://tempo.example:3200")]
    assert files["grafana/provisioning/datasources/obskit.yaml"].startswith(b"# Generated by obskit")


def test_no_dashboards_no_grafana_output(tmp_path):
    _write(tmp_path, {"telemetry/empty.py": "x = 1\n"})
    assert Grafana().render(load_project(tmp_path)) == {}


# --- located errors ----------------------------------------------------------------------------------
def _errors(tmp_path, module: str, toml: str = "") -> str:
    _write(tmp_path, {"dashboards/d.py": "from obskit.model.dashboards import Dashboard\n" + module}, toml)
    with pytest.raises(DefinitionError) as exc:
        load_project(tmp_path)
    return str(exc.value)


def test_errors_name_the_definition_and_line(tmp_path):
    text = _errors(tmp_path, (
        "a = Dashboard({'title': 'A', 'panels': [{'type': 'graph', 'title': 'G', 'datasource': 'Graphite',\n"
        "   'xaxis': {'mode': 'series'}}]}, folder='F')\n"
        "b = Dashboard({'panels': []}, folder='')\n"
        "c = Dashboard({'title': 'C'}, folder='F', uid='bad uid!')\n"
        "d = Dashboard({'title': 'a'}, folder='F')\n"
        "e = Dashboard({'title': 'E'}, folder='General')\n"))
    assert "dashboards/d.py:2: error [dashboard-convert] dashboard 'A': panel 'G': datasource 'Graphite' is a " \
           "datasource name" in text
    assert "graph x-axis mode 'series' has no timeseries equivalent" in text
    assert "dashboards/d.py:4: error [no-title]" in text and "[bad-folder]" in text
    assert "dashboards/d.py:5: error [bad-uid]" in text
    assert "dashboards/d.py:7: error [reserved-folder] dashboard 'E': folder 'General' would get uid 'general'" in text
    assert "dashboards/d.py:6: error [duplicate-uid] dashboard 'a': uid 'a' is also the uid of dashboard 'A'" in text


def test_unsupported_grafana_version(tmp_path):
    text = _errors(tmp_path, "a = Dashboard({'title': 'A'}, folder='F')\n", '[project]\ngrafana_version = "10"\n')
    assert "grafana_version '10' is not supported" in text


def test_bad_datasource_setting(tmp_path):
    _write(tmp_path, {"dashboards/d.py": "from obskit.model.dashboards import Dashboard\n"
                                         "a = Dashboard({'title': 'A'}, folder='F')\n"},
           '[grafana]\ndatasources = { zipkin = "http://z:9411" }\n')
    with pytest.raises(DefinitionError) as exc:
        load_project(tmp_path)
    assert "[grafana]" in str(exc.value) and "datasources: unknown datasource 'zipkin'" in str(exc.value)
    (tmp_path / "obskit.toml").write_text('[project]\ngrafana_datasources = { loki = "loki:3100" }\n')
    with pytest.raises(DefinitionError) as exc:
        load_project(tmp_path)
    assert "datasources.loki: 'loki:3100' is not an http(s) URL" in str(exc.value)


def test_cli_build_exit_code_2_and_nothing_written(tmp_path):
    import subprocess
    import sys
    _write(tmp_path, {"dashboards/d.py": "from obskit.model.dashboards import Dashboard\n"
                                         "a = Dashboard({'title': 'A', 'panels': [{'type': 'graph', 'xaxis': {'mode': 'series'}}]}, folder='F')\n"})
    res = subprocess.run([sys.executable, "-m", "obskit", "build", str(tmp_path), "--no-verify"],
                         capture_output=True, text=True)
    assert res.returncode == 2, res.stderr
    assert "d.py:2" in res.stderr + res.stdout and "has no timeseries equivalent" in res.stderr + res.stdout
    assert not (tmp_path / "build").exists()


def test_bare_grafanalib_dashboard_is_reported_not_silently_dropped(tmp_path):
    text = _errors(tmp_path, (
        "from grafanalib import core as g\n"
        "raw = g.Dashboard(title='Raw', panels=[])\n"
        "wrapped = Dashboard(raw.auto_panel_ids(), folder='F')\n"
        "lost = g.Dashboard(title='Lost', panels=[])\n"
        "_private = g.Dashboard(title='Private', panels=[])\n"))
    assert "dashboards/d.py:5: error [bare-dashboard] dashboard 'Lost': module variable 'lost'" in text
    assert "'raw'" not in text and "Private" not in text


def test_gateway_overview_reproduces_the_write_up():
    """The six panels of llm-inference-gateway.md section 6: titles, queries and legends exactly."""
    doc_path = ROOT / "docs" / "reference-deployments" / "llm-inference-gateway.md"
    if not doc_path.exists():
        if IN_CI:
            pytest.fail(f"{doc_path} missing", pytrace=False)
        pytest.skip(f"{doc_path} missing")
    text = doc_path.read_text()
    block = text.split("### Grafana Dashboards", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    want = [(p["title"], [(t["expr"], t["legendFormat"]) for t in p["targets"]])
            for p in json.loads(block)["dashboard"]["panels"]]
    _, files = _grafana_files(ROOT)
    got_doc = json.loads(files["grafana/dashboards/llm-gateway/llm-gateway-overview.json"])
    got = [(p["title"], [(t["expr"], t["legendFormat"]) for t in p["targets"]]) for p in got_doc["panels"]]
    assert got == want and len(got) == 6
    assert {p["type"] for p in got_doc["panels"]} == {"timeseries", "stat"}   # graph converted


def test_marketplace_has_its_six_dashboards():
    _, files = _grafana_files(ROOT)
    titles = sorted(json.loads(data)["title"] for path, data in files.items()
                    if path.startswith("grafana/dashboards/llm-marketplace/"))
    assert titles == ["LLM Marketplace - " + t for t in (
        "Business Metrics", "Cache", "Database Performance", "Infrastructure", "Message Queue", "Service Overview")]
