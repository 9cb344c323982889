"""The ``graph`` panel → ``timeseries`` (legend, tooltip, lines/bars/points, fill, stacking, y-axis unit,
min/max/log/label, thresholds, ``aliasColors`` and simple ``seriesOverrides``), or → ``histogram`` when
its x-axis is a histogram; series ``transform`` (negative-Y, constant) is carried as Grafana's graph
migration carries it (``custom.transform``, added by :func:`obskit.compile.dashboards.legacy.finish`)."""
from __future__ import annotations

from typing import List, Optional

from obskit.compile.dashboards.migrate.common import legend_calcs, number, override

_GRAPH_KEYS = ("aliasColors", "bars", "dashLength", "dashes", "fill", "fillGradient", "grid", "hiddenSeries",
               "legend", "lines", "linewidth", "nullPointMode", "percentage", "pointradius", "points",
               "seriesOverrides", "spaceLength", "stack", "steppedLine", "thresholds", "timeRegions",
               "tooltip", "xaxis", "yaxes", "yaxis", "decimals")


def graph(p: dict, name: str, problems: List[str], warnings: Optional[List[str]] = None) -> dict:
    """A ``graph`` panel as a ``timeseries`` (what cannot be converted appended to ``problems``, what is
    dropped to ``warnings``)."""
    warnings = problems if warnings is None else warnings
    g = {k: p.pop(k) for k in _GRAPH_KEYS if k in p}
    xmode = (g.get("xaxis") or {}).get("mode", "time")
    if xmode not in (None, "time"):
        problems.append(f"{name}: graph x-axis mode {xmode!r} has no timeseries equivalent; "
                             "use a 'barchart' or 'histogram' panel")
    p["type"] = "timeseries"
    p.pop("options", None)  # graph's options (dataLinks, alertThreshold) do not apply
    custom: dict = {"drawStyle": "line", "lineWidth": g.get("linewidth", 1),
                    "fillOpacity": min(100, 10 * (g.get("fill") or 0)),
                    "showPoints": "never", "pointSize": g.get("pointradius", 5)}
    if g.get("bars"):
        custom["drawStyle"] = "bars"
    elif g.get("lines") is False and g.get("points"):
        custom["drawStyle"] = "points"
    if g.get("points") and custom["drawStyle"] == "line":
        custom["showPoints"] = "always"
    if g.get("steppedLine"):
        custom["lineInterpolation"] = "stepAfter"
    if g.get("stack"):
        custom["stacking"] = {"mode": "percent" if g.get("percentage") else "normal", "group": "A"}
    custom["spanNulls"] = g.get("nullPointMode") == "connected"
    defaults: dict = {}
    yaxes = g.get("yaxes") or []
    if yaxes:
        left = yaxes[0] or {}
        if left.get("format"):
            defaults["unit"] = left["format"]
        for key in ("min", "max"):
            num = number(left.get(key))
            if num is not None:
                defaults[key] = num
        if left.get("label"):
            custom["axisLabel"] = left["label"]
        if (left.get("logBase") or 1) > 1:
            custom["scaleDistribution"] = {"type": "log", "log": left["logBase"]}
        if left.get("decimals") is not None:
            defaults["decimals"] = left["decimals"]
    if g.get("decimals") is not None:
        defaults["decimals"] = g["decimals"]
    fc = p.get("fieldConfig") or {}
    old_defaults = {k: v for k, v in (fc.get("defaults") or {}).items() if v not in (None, "")}
    old_defaults.pop("thresholds", None)
    defaults = {**old_defaults, **defaults, "custom": custom}
    overrides = list(fc.get("overrides") or [])
    steps = [{"color": "green", "value": None}]
    for th in sorted(g.get("thresholds") or [], key=lambda t: number(t.get("value")) or 0):
        value = number(th.get("value"))
        if value is not None:
            color = th.get("fillColor") or th.get("lineColor") or {"ok": "green", "warning": "orange"}.get(
                th.get("colorMode"), "red")
            steps.append({"color": color, "value": value})
    defaults["thresholds"] = {"mode": "absolute", "steps": steps}
    if len(steps) > 1:
        custom["thresholdsStyle"] = {"mode": "line"}
    for series, color in sorted((g.get("aliasColors") or {}).items()):
        overrides.append(override(series, [{"id": "color", "value": {"mode": "fixed", "fixedColor": color}}]))
    for so in g.get("seriesOverrides") or []:
        if not isinstance(so, dict):
            continue        # a nested list (Ceph's RGW overview): Grafana ignores it too (no alias)
        converted = series_override(so, name, problems, warnings)
        if converted:
            overrides.append(converted)
    p["fieldConfig"] = {"defaults": defaults, "overrides": overrides}
    legend = g.get("legend") or {}
    calcs = [c for key, c in (("current", "lastNotNull"), ("min", "min"), ("max", "max"),
                              ("avg", "mean"), ("total", "sum")) if legend.get(key)]
    tooltip = g.get("tooltip") or {}
    p["options"] = {
        "legend": {"showLegend": legend.get("show", True), "calcs": calcs,
                   "displayMode": "table" if legend.get("alignAsTable") else "list",
                   "placement": "right" if legend.get("rightSide") else "bottom"},
        "tooltip": {"mode": "multi" if tooltip.get("shared", True) else "single",
                    "sort": {1: "asc", 2: "desc"}.get(tooltip.get("sort"), "none")},
    }
    return p


def series_override(so: dict, name: str, problems: List[str], warnings: List[str]) -> Optional[dict]:
    """A graph series override as a field override, property by property as Grafana's graph migration
    converts them; ``zindex`` (no counterpart, Grafana ignores it) and unset (null) values are dropped,
    any other property is dropped with a warning."""
    alias = so.get("alias")
    if not alias:
        problems.append(f"{name}: a series override without 'alias' cannot be converted")
        return None
    props = []
    for key, value in sorted(so.items()):
        if key in ("alias", "zindex", "$$hashKey") or value is None or key in _DASH:
            continue
        if key not in _SERIES:
            warnings.append(f"{name}: series override property {key!r} (alias {alias!r}) has no timeseries "
                            f"equivalent; dropped (converted: {', '.join(sorted(set(_SERIES) | set(_DASH)))})")
            continue
        props += [prop for prop in _SERIES[key](value) if prop]
    if so.get("dashes"):
        props.append({"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [
            so.get("dashLength") or 10, so.get("spaceLength") or 10]}})
    return override(alias, props) if props else None


_SERIES = {
    "color": lambda v: [{"id": "color", "value": {"mode": "fixed", "fixedColor": v}}],
    "yaxis": lambda v: [{"id": "custom.axisPlacement", "value": "right"}] if v == 2 else [],
    "linewidth": lambda v: [{"id": "custom.lineWidth", "value": v}],
    "fill": lambda v: [{"id": "custom.fillOpacity", "value": min(100, 10 * v)}],
    "fillBelowTo": lambda v: [{"id": "custom.fillBelowTo", "value": v}] if v else [],
    "fillGradient": lambda v: [{"id": "custom.gradientMode", "value": "opacity"},
                               {"id": "custom.fillOpacity", "value": min(100, 10 * v)}] if v else [],
    "lines": lambda v: [] if v else [{"id": "custom.drawStyle", "value": "points"}],
    "bars": lambda v: [{"id": "custom.drawStyle", "value": "bars"}, {"id": "custom.fillOpacity", "value": 100}]
    if v else [],
    "points": lambda v: [{"id": "custom.showPoints", "value": "always" if v else "never"}],
    "pointradius": lambda v: [{"id": "custom.pointSize", "value": 2 + 2 * v}],
    "legend": lambda v: [] if v else [{"id": "custom.hideFrom", "value": {"legend": True, "tooltip": False,
                                                                          "viz": False}}],
    "stack": lambda v: [{"id": "custom.stacking", "value": {"mode": "normal" if v else "none", "group": "A"}}],
}
#: dashes, dashLength and spaceLength make one ``custom.lineStyle``
_DASH = ("dashes", "dashLength", "spaceLength")


# --- before the upgrade (legacy.migrate) ---
def series_overrides(p: dict, key, m) -> None:
    items = p.get("seriesOverrides")
    if not isinstance(items, list):
        return
    kept = []
    for so in items:
        if not isinstance(so, dict):
            m.notes.append(f"panel {key[0]!r}: a series override that is not an object ({str(so)[:60]}...) "
                           "is dropped: Grafana ignores it (it has no alias)")
            continue
        so = dict(so)
        t = so.pop("transform", None)
        if t in ("negative-Y", "constant") and so.get("alias"):
            m.transforms.setdefault(key, []).append((str(so["alias"]), t))
        elif t is not None:
            m.drop(f"panel {key[0]!r}: series override transform {t!r} is unknown to Grafana; dropped")
        if set(so) - {"alias"}:
            kept.append(so)
    p["seriesOverrides"] = kept


def histogram(p: dict, key, m) -> dict:
    legend = p.get("legend") or {}
    yaxes = p.get("yaxes") or [{}]
    defaults: dict = {"color": {"mode": "palette-classic"}, "custom": {"fillOpacity": 80, "lineWidth": 1}}
    unit = (yaxes[0] or {}).get("format") if isinstance(yaxes[0], dict) else None
    if unit and unit != "short":
        defaults["unit"] = unit
    out = {k: v for k, v in p.items() if k in ("datasource", "description", "gridPos", "id", "links", "targets",
                                                 "title", "transparent", "repeat", "repeatDirection", "maxPerRow",
                                                 "timeFrom", "timeShift", "interval")}
    options: dict = {"combine": False,
                     "legend": {"showLegend": bool(legend.get("show", True)), "calcs": legend_calcs(legend),
                                "displayMode": "table" if legend.get("alignAsTable") else "list",
                                "placement": "right" if legend.get("rightSide") else "bottom"}}
    buckets = (p.get("xaxis") or {}).get("buckets")
    if isinstance(buckets, int) and buckets > 0:
        options["bucketCount"] = buckets
    out.update({"type": "histogram", "options": options, "fieldConfig": {"defaults": defaults, "overrides": []}})
    m.notes.append(f"panel {key[0]!r}: graph with a histogram x-axis → histogram panel (as Grafana migrates it)")
    return out
