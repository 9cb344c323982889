"""Ceph's 13 published dashboards (Debian's ceph-grafana-dashboards): every Prometheus query parses
once Grafana's variables are read as Grafana fills them in. Before, 3 of the 184 queries failed:
``topk($topk, ...)`` had ``$topk`` read as a series name where PromQL needs a scalar."""
from __future__ import annotations

import json

import pytest

import ceph_files
from obskit.promql import grafana_query_problem
from obskit.verify.grafana_schema import promql_problem


def _panels(items):
    for p in items or []:
        yield p
        yield from _panels(p.get("panels"))


def _queries():
    out = []
    for path in ceph_files.dashboards():
        doc = json.loads(path.read_text())
        rows = [p for r in doc.get("rows") or [] for p in r.get("panels") or []]
        for p in _panels((doc.get("panels") or []) + rows):
            for t in p.get("targets") or []:
                if isinstance(t.get("expr"), str) and t["expr"].strip():
                    out.append((path.name, p.get("title"), t["expr"]))
    return out


def test_every_ceph_dashboard_query_parses():
    queries = _queries()
    assert len(ceph_files.dashboards()) == 13 and len(queries) == 184
    assert [(f, t, promql_problem(e)) for f, t, e in queries if promql_problem(e)] == []
    assert sum("topk($" in e.replace(" ", "") for _, _, e in queries) >= 3


@pytest.mark.parametrize("expr", [
    "topk($topk, rate(x{job=~\"$job\"}[$__rate_interval]))",
    "bottomk(${n}, x)", "quantile($q, up)", "histogram_quantile($q, sum by (le) (rate(h_bucket[5m])))",
    "clamp_max(x{a=\"$a\"}, $max)", "sum(rate(x[5m] offset $offset))", "$metric{job=\"$job\"}",
    "topk($n, $metric)", "x > $threshold",
])
def test_grafana_variables_in_scalar_and_other_positions(expr):
    assert grafana_query_problem(expr) is None


@pytest.mark.parametrize("expr", ["sum(rate(x[5m])", "topk($n)", "rate(x{job=\"$job\"})"])
def test_broken_queries_are_still_reported(expr):
    assert grafana_query_problem(expr)


# --- obskit import grafana-dashboard ------------------------------------------------------------------
from pathlib import Path  # noqa: E402

from obskit.compile.dashboards import legacy as legacy  # noqa: E402
from obskit.compile.dashboards.upgrade import upgrade  # noqa: E402
from test_lint import run_cli  # noqa: E402


def test_ceph_dashboards_import_and_build_with_the_same_panels_and_queries(tmp_path):
    proj = tmp_path / "proj"
    res = run_cli("import", "grafana-dashboard", ceph_files.DASHBOARDS, "--out", proj / "dashboards",
                  "--folder", "Ceph", "--output", "json")
    assert res.returncode == 0, res.stdout + res.stderr
    assert len(json.loads(res.stdout)["files"]) == 13
    built = run_cli("build", proj)                 # verified: Grafana's dashboard schema, PromQL
    assert built.returncode == 0, built.stderr
    out = sorted((proj / "build" / "grafana" / "dashboards" / "ceph").glob("*.json"))
    assert len(out) == 13
    sources = {json.loads(p.read_text())["title"]: json.loads(p.read_text()) for p in ceph_files.dashboards()}
    for path in out:
        doc = json.loads(path.read_text())
        assert legacy.title_and_queries(doc) == legacy.title_and_queries(sources[doc["title"]]), doc["title"]
        assert not any(p.get("type") in ("graph", "singlestat", "grafana-piechart-panel", "table-old")
                       for p in legacy._walk(doc["panels"]))


def _one(panel: dict, **doc) -> dict:
    base = {"title": "t", "schemaVersion": 16, "panels": [dict({"id": 1, "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                                                               "datasource": "$datasource", "targets": [
                                                                   {"expr": "up", "refId": "A"}]}, **panel)],
            "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]}}
    base.update(doc)
    return base


def _migrated(doc: dict) -> dict:
    migrated, m = legacy.migrate(doc)
    out, problems = upgrade(migrated, 41, {})
    assert problems == []
    return legacy.finish(out, m)


def test_series_transform_and_nested_overrides():
    doc = _migrated(_one({"type": "graph", "title": "io", "seriesOverrides": [
        {"alias": "/.*write/", "transform": "negative-Y"}, [{"alias": "x", "transform": "negative-Y"}],
        {"alias": "reads", "color": "#00ff00", "transform": "negative-Y"}]}))
    (panel,) = doc["panels"]
    assert panel["type"] == "timeseries"
    by = {o["matcher"]["options"]: [p["id"] for p in o["properties"]] for o in panel["fieldConfig"]["overrides"]}
    assert by[".*write"] == ["custom.transform"] and by["reads"] == ["color", "custom.transform"]
    assert "x" not in by                         # the nested list: Grafana ignores it


def test_piechart_histogram_and_old_table():
    pie = _migrated(_one({"type": "grafana-piechart-panel", "pieType": "donut", "valueName": "avg", "format": "bytes",
                          "legend": {"show": True, "values": True, "percentage": True}, "legendType": "Right side"}))
    (p,) = pie["panels"]
    assert p["type"] == "piechart" and p["options"]["pieType"] == "donut"
    assert p["options"]["reduceOptions"]["calcs"] == ["mean"] and p["fieldConfig"]["defaults"]["unit"] == "bytes"
    assert p["options"]["legend"]["values"] == ["value", "percent"] and p["options"]["legend"]["placement"] == "right"
    hist = _migrated(_one({"type": "graph", "xaxis": {"mode": "histogram", "buckets": 20}, "legend": {"show": True}}))
    assert hist["panels"][0]["type"] == "histogram" and hist["panels"][0]["options"]["bucketCount"] == 20
    table = _migrated(_one({"type": "table", "transform": "table", "styles": [
        {"pattern": "instance", "alias": "Host", "type": "string"},
        {"pattern": "Value", "alias": "Slow ops", "type": "number", "unit": "none", "decimals": 0},
        {"pattern": "/.*/", "type": "hidden"}]}))
    (t,) = table["panels"]
    assert t["type"] == "table" and t["transformations"] == [{"id": "merge", "options": {}}]
    assert t["fieldConfig"]["defaults"]["custom"]["hidden"] is True          # the catch-all hides the rest
    props = {o["matcher"]["options"]: {p["id"]: p["value"] for p in o["properties"]}
             for o in t["fieldConfig"]["overrides"]}
    assert props["instance"] == {"displayName": "Host", "custom.hidden": False}
    assert props["Value"] == {"displayName": "Slow ops", "unit": "none", "decimals": 0, "custom.hidden": False}


def test_overlapping_panels_are_compacted_as_grafana_does():
    doc = _one({"type": "timeseries", "title": "a"})
    doc["panels"].append({"id": 2, "type": "timeseries", "title": "b", "gridPos": {"x": 6, "y": 4, "w": 12, "h": 8},
                          "targets": []})
    migrated, m = legacy.migrate(doc)
    assert migrated["panels"][1]["gridPos"]["y"] == 8
    assert any("moved from y=4 to y=8" in n for n in m.notes)


def test_grafana_export_inputs_and_bad_input(tmp_path):
    export = _one({"type": "timeseries", "datasource": "${DS_PROM}"},
                  __inputs=[{"name": "DS_PROM", "type": "datasource", "pluginId": "prometheus"}])
    src = tmp_path / "export.json"
    src.write_text(json.dumps(export))
    proj = tmp_path / "proj"
    res = run_cli("import", "grafana-dashboard", src, "--out", proj / "dashboards")
    assert res.returncode == 0, res.stderr
    code = (proj / "dashboards" / "export.py").read_text()
    assert "DS_PROM" not in code and "${datasource}" in code
    assert run_cli("build", proj, "--no-verify").returncode == 0
    for text, where, message in [("{\n  \"title\": ", ":2:", "not valid JSON"),
                                 ('{"title": "x", "schemaVersion": 99, "panels": []}', ":1:", "schemaVersion 99"),
                                 ('[1, 2]', ":1:", "not a Grafana dashboard")]:
        bad = tmp_path / "bad.json"
        bad.write_text(text)
        out = tmp_path / "out"
        res = run_cli("import", "grafana-dashboard", bad, "--out", out)
        assert res.returncode == 2 and f"{bad}{where}" in res.stderr and message in res.stderr, res.stderr
        assert not out.exists()
