"""The ``grafana-piechart-panel`` plugin → the built-in ``piechart``: pie/donut, the value reducer,
legend (under the graph, right side, values, percentages), unit, decimals, alias colours."""
from __future__ import annotations

from obskit.compile.dashboards.migrate.common import REDUCERS, matcher


def piechart(p: dict, key, m) -> dict:
    legend = p.get("legend") or {}
    values = (["value"] if legend.get("values") else []) + (["percent"] if legend.get("percentage") else [])
    placement = "right" if p.get("legendType") == "Right side" else "bottom"
    show = bool(legend.get("show", True)) and p.get("legendType") != "On graph"
    defaults: dict = {"color": {"mode": "palette-classic"}, "custom": {"hideFrom": {"legend": False, "tooltip": False,
                                                                                     "viz": False}}}
    if p.get("format"):
        defaults["unit"] = p["format"]
    if isinstance(p.get("decimals"), (int, float)):
        defaults["decimals"] = p["decimals"]
    overrides = [{"matcher": matcher(alias), "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": c}}]}
                 for alias, c in sorted((p.get("aliasColors") or {}).items())]
    out = {k: v for k, v in p.items() if k in ("datasource", "description", "gridPos", "id", "links", "targets",
                                                 "title", "transparent", "repeat", "repeatDirection", "maxPerRow",
                                                 "timeFrom", "timeShift", "interval", "hideTimeOverride")}
    out.update({
        "type": "piechart",
        "fieldConfig": {"defaults": defaults, "overrides": overrides},
        "options": {
            "reduceOptions": {"calcs": [REDUCERS.get(p.get("valueName") or "current", "lastNotNull")],
                              "fields": "", "values": False},
            "pieType": "donut" if p.get("pieType") == "donut" else "pie",
            "displayLabels": [],
            "legend": {"showLegend": show, "displayMode": "table" if placement == "right" else "list",
                       "placement": placement, "values": values},
            "tooltip": {"mode": "single", "sort": "none"},
        },
    })
    m.notes.append(f"panel {key[0]!r}: grafana-piechart-panel → piechart (as Grafana migrates it)")
    return out
