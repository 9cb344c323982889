"""Legacy dashboard shapes (grafanalib 0.7.1 and old exports) → current Grafana shapes, or a refusal
naming the panel. Every converted dashboard must validate against the schemas."""
import json

import pytest
from grafanalib import core as g
from grafanalib._gen import DashboardEncoder
from hypothesis import given, settings, strategies as st

from obskit.compile.dashboards.project import datasource_refs
from obskit.compile.dashboards.upgrade import upgrade
from obskit.verify.grafana_schema import validate_dashboard

from conftest import require_grafana_schemas




def _gl(dashboard) -> dict:
    return json.loads(json.dumps(dashboard.to_json_data(), cls=DashboardEncoder))


def _up(doc, version=42):
    out, problems = upgrade(doc, version, datasource_refs())
    return out, problems


def _valid(doc, version=42):
    require_grafana_schemas()
    doc = dict(doc, uid=doc.get("uid") or "test")
    assert validate_dashboard(doc, version) == []


def test_grafanalib_top_level():
    src = _gl(g.Dashboard(title="T", sharedCrosshair=True, panels=[], uid="abc"))
    assert src["schemaVersion"] == 12 and "__inputs" in src and "id" in src
    out, problems = _up(src, 41)
    assert problems == []
    assert out["schemaVersion"] == 41 and out["graphTooltip"] == 1
    for key in ("__inputs", "id", "version", "rows", "style", "hideControls", "sharedCrosshair", "gnetId"):
        assert key not in out
    assert "time_options" not in out["timepicker"]
    _valid(out, 41)


def test_graph_becomes_timeseries():
    src = _gl(g.Dashboard(title="T", panels=[g.Graph(
        title="Requests", dataSource="Prometheus", stack=True, percentage=True, fill=3, lineWidth=2,
        steppedLine=True, nullPointMode="null",
        targets=[g.Target(expr="sum(rate(x[5m]))", legendFormat="x"), g.Target(expr="sum(rate(y[5m]))")],
        legend=g.Legend(current=True, avg=True, alignAsTable=True, rightSide=True, show=True),
        tooltip=g.Tooltip(shared=False, sort=1),
        yAxes=g.YAxes(left=g.YAxis(format="s", min=0, max="10", label="latency", logBase=10)),
        aliasColors={"x": "blue"},
        seriesOverrides=[{"alias": "y", "yaxis": 2, "fill": 0}],
        thresholds=[g.GraphThreshold(value=5.0, colorMode="warning")],
        gridPos=g.GridPos(h=7, w=24, x=0, y=0))]))
    out, problems = _up(src)
    assert problems == []
    (p,) = out["panels"]
    assert p["type"] == "timeseries" and p["gridPos"] == {"h": 7, "w": 24, "x": 0, "y": 0}
    assert p["datasource"] == {"type": "prometheus", "uid": "prometheus"}
    assert [t["refId"] for t in p["targets"]] == ["A", "B"]
    assert all(k not in t for t in p["targets"] for k in ("query", "target", "metric", "step", "datasource"))
    d = p["fieldConfig"]["defaults"]
    assert d["unit"] == "s" and d["min"] == 0 and d["max"] == 10
    assert d["custom"]["stacking"] == {"mode": "percent", "group": "A"}
    assert d["custom"]["fillOpacity"] == 30 and d["custom"]["lineWidth"] == 2
    assert d["custom"]["lineInterpolation"] == "stepAfter" and d["custom"]["spanNulls"] is False
    assert d["custom"]["scaleDistribution"] == {"type": "log", "log": 10} and d["custom"]["axisLabel"] == "latency"
    assert d["thresholds"]["steps"] == [{"color": "green", "value": None}, {"color": "orange", "value": 5}]
    assert p["options"]["legend"] == {"showLegend": True, "calcs": ["lastNotNull", "mean"],
                                      "displayMode": "table", "placement": "right"}
    assert p["options"]["tooltip"] == {"mode": "single", "sort": "asc"}
    overrides = {o["matcher"]["options"]: o["properties"] for o in p["fieldConfig"]["overrides"]}
    assert overrides["x"] == [{"id": "color", "value": {"mode": "fixed", "fixedColor": "blue"}}]
    assert {"id": "custom.axisPlacement", "value": "right"} in overrides["y"]
    for legacy in ("legend", "yaxes", "xaxis", "lines", "bars", "seriesOverrides", "aliasColors", "renderer", "isNew"):
        assert legacy not in p
    _valid(out)


def test_singlestat_becomes_stat_or_gauge():
    src = _gl(g.Dashboard(title="T", panels=[
        g.SingleStat(title="Up", format="percentunit", valueName="current", thresholds="0.9, 0.99",
                     colors=["red", "orange", "green"], colorBackground=True, sparkline=g.SparkLine(show=True),
                     valueMaps=[g.ValueMap(op="=", text="down", value="0")], targets=[g.Target(expr="avg(up)")]),
        g.SingleStat(title="Jobs", prefix="~", gauge=g.Gauge(show=True, minValue=0, maxValue=200),
                     valueName="max", targets=[g.Target(expr="sum(jobs)")]),
    ]))
    out, problems = _up(src)
    assert problems == []
    stat, gauge = out["panels"]
    assert stat["type"] == "stat" and gauge["type"] == "gauge"
    d = stat["fieldConfig"]["defaults"]
    assert d["unit"] == "percentunit"
    assert d["thresholds"]["steps"] == [{"color": "red", "value": None}, {"color": "orange", "value": 0.9},
                                        {"color": "green", "value": 0.99}]
    assert d["mappings"] == [{"type": "value", "options": {"0": {"text": "down"}}}]
    assert stat["options"]["reduceOptions"]["calcs"] == ["lastNotNull"]
    assert stat["options"]["colorMode"] == "background" and stat["options"]["graphMode"] == "area"
    assert gauge["fieldConfig"]["defaults"]["unit"] == "prefix:~"
    assert (gauge["fieldConfig"]["defaults"]["min"], gauge["fieldConfig"]["defaults"]["max"]) == (0, 200)
    assert gauge["options"]["reduceOptions"]["calcs"] == ["max"]
    # no datasource given: the dashboard's ${datasource} variable, added
    assert stat["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert out["templating"]["list"][0]["name"] == "datasource"
    # both had no gridPos: laid out side by side
    assert [p["gridPos"]["x"] for p in out["panels"]] == [0, 12]
    _valid(out)


def test_legacy_rows_with_span():
    src = _gl(g.Dashboard(title="T", rows=[
        g.Row(title="A", showTitle=True, panels=[g.Graph(title="a1", span=4, targets=[]),
                                                 g.Graph(title="a2", span=8, targets=[])]),
        g.Row(title="B", height=g.Pixels(600), panels=[g.Text(title="b1", content="hi", span=12)]),
    ]))
    out, problems = _up(src)
    assert problems == []
    pos = [(p["type"], p.get("title"), p["gridPos"]) for p in out["panels"]]
    assert pos == [
        ("row", "A", {"x": 0, "y": 0, "w": 24, "h": 1}),
        ("timeseries", "a1", {"x": 0, "y": 1, "w": 8, "h": 8}),
        ("timeseries", "a2", {"x": 8, "y": 1, "w": 16, "h": 8}),
        ("row", "B", {"x": 0, "y": 9, "w": 24, "h": 1}),
        ("text", "b1", {"x": 0, "y": 10, "w": 24, "h": 20}),
    ]
    assert out["panels"][4]["options"]["content"] == "hi"
    assert [p["id"] for p in out["panels"]] == [1, 2, 3, 4, 5]
    _valid(out)


@pytest.mark.parametrize("value, ref", [
    ("Prometheus", {"type": "prometheus", "uid": "prometheus"}),
    ("Loki", {"type": "loki", "uid": "loki"}),
    ("-- Grafana --", {"type": "datasource", "uid": "grafana"}),
    ("$datasource", {"type": "prometheus", "uid": "${datasource}"}),
    ({"type": "tempo", "uid": "tempo", "name": "old"}, {"type": "tempo", "uid": "tempo"}),
])
def test_datasource_references(value, ref):
    out, problems = _up({"title": "T", "panels": [{"type": "timeseries", "title": "p", "datasource": value,
                                                   "targets": [{"expr": "up", "datasource": value}]}]})
    assert problems == []
    (p,) = out["panels"]
    assert p["datasource"] == ref
    assert "datasource" not in p["targets"][0]          # same as the panel's: not repeated


@pytest.mark.parametrize("panel, message", [
    ({"type": "table-old", "title": "t"}, "panel 't': panel type 'table-old' is not built into current Grafana"),
    ({"type": "graph", "title": "g", "alert": {"name": "x"}}, "legacy panel alerts were removed in Grafana 11"),
    ({"type": "graph", "title": "g", "seriesOverrides": [{"alias": "a", "hideTooltip": True}]},
     "series override property 'hideTooltip' (alias 'a') has no timeseries equivalent"),
    ({"type": "singlestat", "title": "s", "prefix": "$", "format": "bytes"},
     "prefix/postfix with format 'bytes' cannot be expressed as one unit"),
    ({"type": "timeseries", "title": "p", "datasource": "MySQL"}, "datasource 'MySQL' is a datasource name"),
    ({"type": "timeseries", "title": "p", "datasource": "${other}"}, "names a template variable the dashboard does not"),
    ({"type": "timeseries", "title": "p", "targets": [{"target": "a.b.c"}]}, "is a Graphite query"),
    ({"type": "timeseries", "title": "p", "gridPos": {"x": 20, "y": 0, "w": 8, "h": 4}}, "is past the 24-column grid"),
])
def test_refusals_name_the_panel(panel, message):
    _, problems = _up({"title": "T", "panels": [panel]})
    assert any(message in p for p in problems), problems


def test_overlapping_panels_refused():
    _, problems = _up({"title": "T", "panels": [
        {"type": "text", "title": "a", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}},
        {"type": "text", "title": "b", "gridPos": {"x": 6, "y": 4, "w": 12, "h": 8}}]})
    assert problems == ["panels 'a' and 'b' overlap on the grid"]


def test_loose_panels_go_below_placed_ones():
    out, problems = _up({"title": "T", "panels": [
        {"type": "text", "title": "placed", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 5}},
        {"type": "text", "title": "sized", "gridPos": {"w": 6, "h": 3}},
        {"type": "text", "title": "free"}]})
    assert problems == []
    assert [p["gridPos"] for p in out["panels"]] == [
        {"x": 0, "y": 0, "w": 24, "h": 5}, {"x": 0, "y": 5, "w": 6, "h": 3}, {"x": 6, "y": 5, "w": 12, "h": 8}]


_panel_kinds = st.sampled_from(["graph", "singlestat", "timeseries", "stat", "text", "gauge", "table"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_panel_kinds, st.booleans(), st.integers(0, 3)), max_size=8))
def test_upgrade_is_idempotent_and_valid(panels):
    """Converting twice changes nothing more, and any mix of these panels validates."""
    require_grafana_schemas()
    doc = {"title": "T", "panels": [
        {"type": kind, "title": f"p{i}", **({"datasource": "Prometheus"} if named else {}),
         "targets": [{"expr": f"up{j}"} for j in range(n)]}
        for i, (kind, named, n) in enumerate(panels)]}
    once, problems = _up(doc)
    assert problems == []
    twice, problems = _up(once)
    assert problems == [] and twice == once
    _valid(once)


def test_row_datasource_and_cache_timeout_kept_current():
    out, problems = _up({"title": "T", "panels": [
        {"type": "row", "title": "r", "datasource": "Prometheus", "collapsed": True,
         "panels": [{"type": "stat", "title": "s", "cacheTimeout": "60", "targets": [{"expr": "up"}]}]}]})
    assert problems == []
    row = out["panels"][0]
    assert row["datasource"] == {"type": "prometheus", "uid": "prometheus"}
    assert row["panels"][0]["cacheTimeout"] == "60"
    _valid(out)


def test_a_nested_list_in_series_overrides_is_ignored_as_grafana_does():
    """Ceph's RGW overview has ``seriesOverrides: [[...]]``: it crashed the upgrade (AttributeError);
    Grafana skips such an entry (it has no alias), and so does the upgrade."""
    doc = {"title": "rgw", "schemaVersion": 16, "panels": [{
        "type": "graph", "title": "GET latency", "id": 1, "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
        "targets": [{"expr": "rate(x[5m])", "refId": "A"}],
        "seriesOverrides": [[{"alias": "nested", "color": "red"}], {"alias": "kept", "color": "blue"}]}]}
    out, problems = upgrade(doc, 41, datasource_refs())
    assert problems == []
    overrides = out["panels"][0]["fieldConfig"]["overrides"]
    assert [o["matcher"]["options"] for o in overrides] == ["kept"]
