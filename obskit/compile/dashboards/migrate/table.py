"""The old table (``type: table`` with ``styles``, Grafana's ``table-old``) → the table panel: each
style becomes an override (display name, hidden, unit, decimals, date format, cell colour by
thresholds, link), the catch-all ``/.*/`` style the defaults; first match wins, as in the old table;
``transform: table`` → a ``merge`` transformation; ``timeseries_to_rows`` / ``timeseries_to_columns`` /
``timeseries_aggregations`` → ``seriesToRows`` / ``seriesToColumns`` / ``reduce``."""
from __future__ import annotations

from obskit.compile.dashboards.migrate.common import REDUCERS, matcher

_TABLE_TRANSFORMS = {"table": "merge", "timeseries_to_rows": "seriesToRows",
                     "timeseries_to_columns": "seriesToColumns", "timeseries_aggregations": "reduce"}


def _style_properties(s: dict) -> list:
    props = []
    if s.get("alias"):
        props.append({"id": "displayName", "value": s["alias"]})
    kind = s.get("type")
    if kind == "hidden":
        props.append({"id": "custom.hidden", "value": True})
        return props
    if kind == "date":
        props.append({"id": "unit", "value": f"time: {s.get('dateFormat') or 'YYYY-MM-DD HH:mm:ss'}"})
    elif kind == "number":
        if s.get("unit"):
            props.append({"id": "unit", "value": s["unit"]})
        if isinstance(s.get("decimals"), (int, float)):
            props.append({"id": "decimals", "value": s["decimals"]})
    if s.get("colorMode") in ("cell", "value", "row") and s.get("thresholds"):
        colors = list(s.get("colors") or [])
        steps = [{"color": colors[0] if colors else "green", "value": None}]
        for i, t in enumerate(s["thresholds"]):
            try:
                steps.append({"color": colors[i + 1] if i + 1 < len(colors) else "red", "value": float(t)})
            except (TypeError, ValueError):
                continue
        props.append({"id": "thresholds", "value": {"mode": "absolute", "steps": steps}})
        props.append({"id": "custom.cellOptions",
                      "value": {"type": "color-text" if s["colorMode"] == "value" else "color-background"}})
    if s.get("link") and s.get("linkUrl"):
        props.append({"id": "links", "value": [{"title": s.get("linkTooltip") or "", "url": s["linkUrl"],
                                                "targetBlank": bool(s.get("linkTargetBlank"))}]})
    if s.get("align") and s["align"] != "auto":
        props.append({"id": "custom.align", "value": s["align"]})
    return props


def old_table(p: dict, key, m) -> dict:
    styles = [s for s in p.get("styles") or [] if isinstance(s, dict)]
    defaults: dict = {"custom": {"align": "auto", "cellOptions": {"type": "auto"}, "inspect": False}}
    overrides = []
    catch_all = next((s for s in styles if s.get("pattern") == "/.*/"), None)
    hidden_rest = catch_all is not None and catch_all.get("type") == "hidden"
    for s in styles:
        if s is catch_all or not s.get("pattern"):
            continue
        props = _style_properties(s)
        if hidden_rest and s.get("type") != "hidden":
            props.append({"id": "custom.hidden", "value": False})     # first match wins: shown
        if props:
            overrides.append({"matcher": matcher(str(s["pattern"])), "properties": props})
    if catch_all is not None:
        for prop in _style_properties({k: v for k, v in catch_all.items() if k != "alias"}):
            if prop["id"].startswith("custom."):
                defaults["custom"][prop["id"][len("custom."):]] = prop["value"]
            else:
                defaults[prop["id"]] = prop["value"]
    out = {k: v for k, v in p.items() if k not in ("styles", "columns", "transform", "sort", "fontSize", "scroll",
                                                     "showHeader", "pageSize")}
    out["type"] = "table"
    out["fieldConfig"] = {"defaults": defaults, "overrides": overrides}
    out["options"] = {"showHeader": p.get("showHeader", True) is not False, "cellHeight": "sm",
                      "footer": {"show": False, "reducer": ["sum"], "countRows": False}}
    transform = p.get("transform")
    if transform in _TABLE_TRANSFORMS:
        step: dict = {"id": _TABLE_TRANSFORMS[transform], "options": {}}
        if transform == "timeseries_aggregations":
            calcs = [REDUCERS.get(str(c.get("value")), "mean") for c in p.get("columns") or [] if isinstance(c, dict)]
            step["options"] = {"reducers": calcs or ["mean"]}
        out["transformations"] = list(p.get("transformations") or []) + [step]
    elif transform not in (None, ""):
        m.drop(f"panel {key[0]!r}: table transform {transform!r} has no equivalent; dropped")
    if p.get("sort"):
        m.drop(f"panel {key[0]!r}: the old table's sort by column {p['sort'].get('col')} is dropped "
                       "(the table panel sorts by a column's name; click a header to sort)")
    m.notes.append(f"panel {key[0]!r}: the old table (styles) → table panel with overrides (as Grafana migrates it)")
    return out


#: the table's pre-10.1 ``custom.displayMode`` → ``custom.cellOptions`` (Grafana's table migration)
_CELL = {"auto": {"type": "auto"}, "color-text": {"type": "color-text"},
         "color-background": {"type": "color-background", "mode": "gradient"},
         "color-background-solid": {"type": "color-background", "mode": "basic"},
         "gradient-gauge": {"type": "gauge", "mode": "gradient"}, "lcd-gauge": {"type": "gauge", "mode": "lcd"},
         "basic": {"type": "gauge", "mode": "basic"}, "json-view": {"type": "json-view"}, "image": {"type": "image"}}


def cell_options(p: dict, key, m) -> dict:
    """A current table whose field config still says ``displayMode`` (grafanalib's ``Table``)."""
    if p.get("mappings"):
        m.drop(f"panel {key[0]!r}: value mappings at the table's top level (grafanalib's Table(mappings=...)) are "
               "ignored by Grafana: dropped; give them in fieldConfig.defaults.mappings (extraJson=...)")
    fc = p.get("fieldConfig")
    custom = (fc.get("defaults") or {}).get("custom") if isinstance(fc, dict) else None
    if isinstance(custom, dict) and "displayMode" in custom:
        mode = custom.pop("displayMode")
        custom.setdefault("cellOptions", dict(_CELL.get(mode, {"type": "auto"})))
    for o in (fc or {}).get("overrides") or []:
        for prop in o.get("properties") or [] if isinstance(o, dict) else []:
            if isinstance(prop, dict) and prop.get("id") == "custom.displayMode":
                prop["id"], prop["value"] = "custom.cellOptions", dict(_CELL.get(prop.get("value"), {"type": "auto"}))
    return p
