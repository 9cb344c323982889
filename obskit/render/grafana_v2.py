"""Compiled dashboards → Grafana dashboard schema v2 resources (``[grafana] schema = "v2"``).

The second renderer of the dashboard model (:mod:`obskit.compile.dashboards.ir`), beside the classic
one (:mod:`obskit.render.grafana`): a generated :class:`DashboardSpec` is rendered directly; an
authored dashboard (classic JSON after :mod:`obskit.compile.dashboards.upgrade`) is converted. Per-panel
``options`` and ``fieldConfig`` are the classic renderer's (they are the same objects in both models).

A file is one resource as the dashboard API stores it::

    {"apiVersion": "dashboard.grafana.app/v2beta1" (Grafana 12) | "dashboard.grafana.app/v2" (13),
     "kind": "Dashboard",
     "metadata": {"name": <uid>, "annotations": {"grafana.app/folder": <folder uid>}},
     "spec": {title, description, tags, cursorSync, editable, preload, liveNow, timeSettings,
              annotations, links, variables, elements: {"panel-<id>": Panel}, layout}}

- **Layout.** One row: a ``GridLayout`` (the classic grid: 24 columns, same x/y/width/height).
  Several rows: a ``RowsLayout`` whose rows each hold a ``GridLayout`` (y from 0 in each row);
  ``collapse`` is the classic ``collapsed``; panels of a classic dashboard above its first row go into a
  first row with ``hideHeader: true``.
- **Repeats.** A panel's ``repeat``/``repeatDirection``/``maxPerRow`` → the grid item's
  ``repeat: {mode: "variable", value, direction, maxPerRow}``; a row's ``repeat`` → the row's
  ``repeat: {mode: "variable", value}``.
- **Queries.** Each query is a ``PanelQuery`` holding a ``DataQuery``: ``group`` is the datasource
  plugin type, ``datasource: {name: <uid>}`` (``${datasource}`` stays a variable reference), ``spec`` the
  query's own fields (``expr``, ``legendFormat``, ``range``, ``instant``, ``format``, ``editorMode``).
- **Variables.** ``datasource`` → ``DatasourceVariable`` (``pluginId``), ``query`` →
  ``QueryVariable`` (its query a ``DataQuery`` of the variable's datasource), ``custom`` →
  ``CustomVariable``; authored ``interval``, ``constant`` and ``textbox`` variables too.

Over 400 lines on purpose: one renderer of one document shape. Its two entry paths, a generated
:class:`DashboardSpec` (:func:`spec_resource_spec`) and an authored classic dashboard
(:func:`classic_resource_spec`), build the same v2 objects with the same helpers (elements, grid
items, rows, repeats, queries, variables), so the layout rules above hold for both in one place.

Output is canonical JSON, like the classic renderer's (:func:`obskit.render.grafana.dump`).
:func:`obskit.verify.grafana_schema.validate_v2_dashboard` checks it against grafana-foundation-sdk's
``dashboardv2`` / ``dashboardv2beta1`` types.
"""
from __future__ import annotations

import json
import re
from typing import Dict, List, Optional, Tuple

from obskit.compile.dashboards.ir import (AuthoredDocument, CompiledDashboard, DashboardSpec, DatasourceRef, Panel,
                                          Variable)
from obskit.compile.dashboards.layout import flow
from obskit.render import grafana as classic

#: Grafana major version → the dashboard API version its schema v2 resources use
API_VERSIONS = {12: "dashboard.grafana.app/v2beta1", 13: "dashboard.grafana.app/v2"}
FOLDER_ANNOTATION = "grafana.app/folder"
#: the refresh picker's choices (Grafana's defaults; v1: ``timepicker.refresh_intervals``)
AUTO_REFRESH_INTERVALS = ["5s", "10s", "30s", "1m", "5m", "15m", "30m", "1h", "2h", "1d"]
_CURSOR_SYNC = {0: "Off", 1: "Crosshair", 2: "Tooltip"}
_HIDE = {0: "dontHide", 1: "hideLabel", 2: "hideVariable"}
_REFRESH = {0: "never", 1: "onDashboardLoad", 2: "onTimeRangeChanged"}
_SORT = {0: "disabled", 1: "alphabeticalAsc", 2: "alphabeticalDesc", 3: "numericalAsc", 4: "numericalDesc",
         5: "alphabeticalCaseInsensitiveAsc", 6: "alphabeticalCaseInsensitiveDesc", 7: "naturalAsc",
         8: "naturalDesc"}
_VARIABLE_QUERY_REF = "PrometheusVariableQueryEditor-VariableQuery"


class ConversionError(ValueError):
    """A classic dashboard holds something schema v2 has no place for (the message says what)."""


def api_version(grafana_version: str) -> str:
    """The schema v2 ``apiVersion`` for a target Grafana release ("12", "13.1"); ValueError below 12."""
    major = int(str(grafana_version).split(".")[0])
    if major < min(API_VERSIONS):
        raise ValueError(f"dashboard schema v2 needs Grafana {min(API_VERSIONS)} or newer, not {grafana_version}")
    return API_VERSIONS[min(major, max(API_VERSIONS))]


# --- pieces shared by both sources ---------------------------------------------------------------
def _datasource(ref: Optional[dict]) -> Optional[dict]:
    uid = ref.get("uid") if isinstance(ref, dict) else None
    return {"name": uid} if isinstance(uid, str) and uid else None


def data_query(group: str, datasource: Optional[dict], spec: dict) -> dict:
    """A ``DataQuery``: ``group`` the plugin type, ``datasource`` a classic ``{type, uid}`` reference."""
    out = {"kind": "DataQuery", "group": group, "version": "v0", "spec": spec}
    ds = _datasource(datasource)
    if ds is not None:
        out["datasource"] = ds
    return out


def _panel_query(group: str, datasource: Optional[dict], spec: dict, ref_id: str, hidden: bool = False) -> dict:
    return {"kind": "PanelQuery", "spec": {"query": data_query(group, datasource, spec), "refId": ref_id,
                                           "hidden": hidden}}


def _transformation(t: dict, api: str) -> dict:
    """A classic ``{id, options, ...}`` transformation. v2beta1 keeps the classic object as ``spec`` with
    the id as ``kind``; v2 has ``kind: Transformation`` with the id as ``group``."""
    spec = {"options": t.get("options", {})}
    for key in ("disabled", "filter", "topic"):
        if key in t:
            spec[key] = t[key]
    if api == API_VERSIONS[12]:
        return {"kind": t.get("id", ""), "spec": {"id": t.get("id", ""), **spec}}
    return {"kind": "Transformation", "group": t.get("id", ""), "spec": spec}


def _element(pid: int, title: str, kind: str, queries: List[dict], transformations: List[dict], options: dict,
             field_config: dict, description: str = "", links: Optional[list] = None,
             query_options: Optional[dict] = None, transparent: Optional[bool] = None) -> dict:
    spec = {"id": pid, "title": title, "links": list(links or []),
            "data": {"kind": "QueryGroup", "spec": {"queries": queries, "transformations": transformations,
                                                    "queryOptions": dict(query_options or {})}},
            "vizConfig": {"kind": "VizConfig", "group": kind, "version": "",
                          "spec": {"options": options, "fieldConfig": field_config}}}
    if description:
        spec["description"] = description
    if transparent is not None:
        spec["transparent"] = transparent
    return {"kind": "Panel", "spec": spec}


def _item(name: str, x: int, y: int, w: int, h: int, repeat: Optional[dict] = None) -> dict:
    spec = {"x": x, "y": y, "width": w, "height": h, "element": {"kind": "ElementReference", "name": name}}
    if repeat is not None:
        spec["repeat"] = repeat
    return {"kind": "GridLayoutItem", "spec": spec}


def _grid(items: List[dict]) -> dict:
    return {"kind": "GridLayout", "spec": {"items": items}}


def _row(title: str, items: List[dict], collapse: bool, repeat: Optional[str] = None,
         hide_header: bool = False) -> dict:
    spec = {"title": title, "collapse": collapse, "layout": _grid(items)}
    if hide_header:
        spec["hideHeader"] = True
    if repeat:
        spec["repeat"] = {"mode": "variable", "value": repeat}
    return {"kind": "RowsLayoutRow", "spec": spec}


def _panel_repeat(variable: str, direction: str = "h", max_per_row: Optional[int] = None) -> dict:
    out = {"mode": "variable", "value": variable, "direction": direction}
    if max_per_row is not None and direction == "h":
        out["maxPerRow"] = max_per_row
    return out


def _option(text, value) -> dict:
    return {"text": text, "value": value}


def _builtin_annotation() -> dict:
    return {"kind": "AnnotationQuery", "spec": {
        "query": {"kind": "DataQuery", "group": "grafana", "version": "v0", "datasource": {"name": "-- Grafana --"},
                  "spec": {}},
        "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts",
        "builtIn": True}}


def _time_settings(time_from: str, time_to: str, refresh: str, timezone: str = "browser",
                   fiscal_year_start_month: int = 0, hide_timepicker: bool = False,
                   intervals: Optional[list] = None) -> dict:
    return {"timezone": timezone, "from": time_from, "to": time_to, "autoRefresh": refresh,
            "autoRefreshIntervals": list(intervals or AUTO_REFRESH_INTERVALS), "hideTimepicker": hide_timepicker,
            "fiscalYearStartMonth": fiscal_year_start_month}


def _dashboards_link(title: str, tags, as_dropdown=True, include_vars=True, keep_time=True, icon="external link",
                     tooltip="", target_blank=False) -> dict:
    return {"title": title, "type": "dashboards", "icon": icon, "tooltip": tooltip, "tags": list(tags),
            "asDropdown": as_dropdown, "targetBlank": target_blank, "includeVars": include_vars,
            "keepTime": keep_time}


# --- the generated model (DashboardSpec) ----------------------------------------------------------
def _ref(ref: DatasourceRef) -> dict:
    return {"type": ref.type, "uid": ref.uid}


def _spec_panel(p: Panel, pid: int, api: str) -> dict:
    queries = [_panel_query(q.datasource.type, _ref(q.datasource), classic.query_fields(q), classic.ref_id(i))
               for i, q in enumerate(p.queries)]
    field_config = classic.field_config(p) if p.kind != "text" else {"defaults": {}, "overrides": []}
    return _element(pid, p.title, p.kind, queries, [_transformation(classic.transformation(t), api) for t in p.transformations],
                    classic.options(p), field_config, p.description)


def _spec_variable(v: Variable) -> dict:
    if v.default == classic.ALL and v.include_all:
        current = _option(["All"], [classic.ALL]) if v.multi else _option("All", classic.ALL)
    else:
        current = _option(v.default, v.default)
    common = {"name": v.name, "current": current, "options": [], "multi": v.multi, "includeAll": v.include_all,
              "hide": "dontHide", "skipUrlSync": False, "allowCustomValue": True}
    if v.label:
        common["label"] = v.label
    if v.all_value:
        common["allValue"] = v.all_value
    if v.kind == "datasource":
        return {"kind": "DatasourceVariable", "spec": {**common, "pluginId": v.query, "refresh": "onDashboardLoad",
                                                        "regex": ""}}
    if v.kind == "query":
        ds = v.datasource
        spec = {**common, "refresh": "onDashboardLoad", "regex": "", "sort": "disabled", "definition": v.query,
                "query": data_query(ds.type if ds else "prometheus", _ref(ds) if ds else None,
                                    {"query": v.query, "refId": _VARIABLE_QUERY_REF})}
        return {"kind": "QueryVariable", "spec": spec}
    if v.kind == "custom":
        return {"kind": "CustomVariable", "spec": {**common, "query": v.query}}
    raise ConversionError(f"variable {v.name!r}: kind {v.kind!r} has no schema v2 rendering")


def spec_resource_spec(spec: DashboardSpec, api: str) -> dict:
    """The ``spec`` of a generated dashboard's v2 resource."""
    elements: Dict[str, dict] = {}
    rows: List[Tuple[str, List[dict], bool, Optional[str]]] = []
    pid = 0
    for row in spec.rows:
        boxes, _ = flow(((p.width, p.height) for p in row.panels), 0)
        items = []
        for p, box in zip(row.panels, boxes):
            pid += 1
            name = f"panel-{pid}"
            elements[name] = _spec_panel(p, pid, api)
            repeat = _panel_repeat(p.repeat.variable, p.repeat.direction, p.repeat.max_per_row) if p.repeat else None
            items.append(_item(name, box.x, box.y, box.w, box.h, repeat))
        rows.append((row.title, items, row.collapsed, row.repeat))
    if len(rows) == 1 and not rows[0][3]:
        layout = _grid(rows[0][1])
    else:
        layout = {"kind": "RowsLayout", "spec": {"rows": [_row(t, items, c, r) for t, items, c, r in rows]}}
    return {
        "title": spec.title, "description": spec.description, "tags": list(spec.tags), "editable": True,
        "cursorSync": "Crosshair", "liveNow": False, "preload": False,
        "timeSettings": _time_settings(spec.time_from, "now", spec.refresh),
        "annotations": [_builtin_annotation()],
        "links": [_dashboards_link(link.title, link.tags) for link in spec.links],
        "variables": [_spec_variable(v) for v in spec.variables],
        "elements": elements, "layout": layout,
    }


# --- authored dashboards (classic JSON) ------------------------------------------------------------
def _classic_query_group(p: dict) -> List[dict]:
    panel_ds = p.get("datasource") if isinstance(p.get("datasource"), dict) else None
    out = []
    for i, t in enumerate(p.get("targets") or []):
        if not isinstance(t, dict):
            continue
        ds = t.get("datasource") if isinstance(t.get("datasource"), dict) else panel_ds
        group = (ds or {}).get("type") or "prometheus"
        spec = {k: v for k, v in t.items() if k not in ("datasource", "refId", "hide")}
        out.append(_panel_query(group, ds, spec, t.get("refId") or classic.ref_id(i), bool(t.get("hide", False))))
    return out


_QUERY_OPTIONS = {"timeFrom": "timeFrom", "timeShift": "timeShift", "maxDataPoints": "maxDataPoints",
                  "interval": "interval", "cacheTimeout": "cacheTimeout", "queryCachingTTL": "queryCachingTTL",
                  "hideTimeOverride": "hideTimeOverride"}


def _classic_element(p: dict, pid: int, api: str) -> dict:
    where = f"panel {p.get('title', pid)!r}"
    if "libraryPanel" in p:
        lib = p["libraryPanel"] or {}
        return {"kind": "LibraryPanel", "spec": {"id": pid, "title": p.get("title", ""),
                                                 "libraryPanel": {"name": lib.get("name", ""),
                                                                  "uid": lib.get("uid", "")}}}
    if not isinstance(p.get("type"), str):
        raise ConversionError(f"{where}: a panel without a type")
    field_config = p.get("fieldConfig") or {"defaults": {}, "overrides": []}
    field_config = {"defaults": field_config.get("defaults") or {}, "overrides": field_config.get("overrides") or []}
    query_options = {v: p[k] for k, v in _QUERY_OPTIONS.items() if p.get(k) is not None}
    return _element(pid, p.get("title", ""), p["type"], _classic_query_group(p),
                    [_transformation(t, api) for t in p.get("transformations") or [] if isinstance(t, dict)],
                    p.get("options") or {}, field_config, p.get("description") or "",
                    [_panel_link(link) for link in p.get("links") or [] if isinstance(link, dict)],
                    query_options, p.get("transparent"))


def _panel_link(link: dict) -> dict:
    """A classic panel link (a ``DashboardLink``-shaped object in schema v1) as v2's ``DataLink``."""
    return {"title": str(link.get("title") or ""), "url": str(link.get("url") or ""),
            "targetBlank": bool(link.get("targetBlank", False))}


def _classic_item(p: dict, name: str, y0: int) -> dict:
    pos = p.get("gridPos") or {}
    repeat = None
    if p.get("repeat"):
        direction = p.get("repeatDirection") or "h"
        repeat = _panel_repeat(p["repeat"], direction, p.get("maxPerRow"))
    return _item(name, pos.get("x", 0), pos.get("y", 0) - y0, pos.get("w", 12), pos.get("h", 8), repeat)


def _classic_variable(v: dict) -> dict:
    kind, name = v.get("type"), v.get("name")
    current = v.get("current") if isinstance(v.get("current"), dict) else {}
    cur = _option(current.get("text", ""), current.get("value", ""))
    options = [_option(o.get("text", ""), o.get("value", "")) for o in v.get("options") or [] if isinstance(o, dict)]
    common = {"name": name, "current": cur, "hide": _HIDE.get(v.get("hide", 0), "dontHide"),
              "skipUrlSync": bool(v.get("skipUrlSync", False))}
    if v.get("label"):
        common["label"] = v["label"]
    if v.get("description"):
        common["description"] = v["description"]
    multi = {"options": options, "multi": bool(v.get("multi", False)), "includeAll": bool(v.get("includeAll", False)),
             "allowCustomValue": bool(v.get("allowCustomValue", True))}
    if v.get("allValue"):
        multi["allValue"] = v["allValue"]
    query = v.get("query")
    if kind == "datasource":
        return {"kind": "DatasourceVariable", "spec": {**common, **multi, "pluginId": query or "",
                                                        "refresh": _REFRESH.get(v.get("refresh", 1), "onDashboardLoad"),
                                                        "regex": v.get("regex") or ""}}
    if kind == "query":
        ds = v.get("datasource") if isinstance(v.get("datasource"), dict) else None
        if isinstance(query, dict):
            spec = dict(query)
            definition = v.get("definition") or query.get("query") or ""
        else:
            spec = {"query": query or "", "refId": _VARIABLE_QUERY_REF}
            definition = v.get("definition") or query or ""
        return {"kind": "QueryVariable", "spec": {
            **common, **multi, "refresh": _REFRESH.get(v.get("refresh", 1), "onDashboardLoad"),
            "regex": v.get("regex") or "", "sort": _SORT.get(v.get("sort", 0), "disabled"), "definition": definition,
            "query": data_query((ds or {}).get("type") or "prometheus", ds, spec)}}
    if kind == "custom":
        return {"kind": "CustomVariable", "spec": {**common, **multi, "query": query or ""}}
    if kind == "interval":
        return {"kind": "IntervalVariable", "spec": {
            **common, "query": query or "", "options": options, "auto": bool(v.get("auto", False)),
            "auto_min": v.get("auto_min", "10s"), "auto_count": int(v.get("auto_count", 30)),
            "refresh": "onTimeRangeChanged"}}
    if kind == "constant":
        return {"kind": "ConstantVariable", "spec": {**common, "query": query or ""}}
    if kind == "textbox":
        return {"kind": "TextVariable", "spec": {**common, "query": query or ""}}
    if kind == "adhoc":
        ds = v.get("datasource") if isinstance(v.get("datasource"), dict) else {}
        spec = {k: val for k, val in common.items() if k != "current"}
        spec.update({"baseFilters": list(v.get("baseFilters") or []), "filters": list(v.get("filters") or []),
                     "defaultKeys": list(v.get("defaultKeys") or []), "allowCustomValue": True})
        out = {"kind": "AdhocVariable", "group": ds.get("type") or "prometheus", "spec": spec}
        if _datasource(ds):
            out["datasource"] = _datasource(ds)
        return out
    raise ConversionError(f"variable {name!r}: a {kind!r} variable is not converted to schema v2 by obskit "
                          "(query, custom, datasource, interval, constant, textbox and adhoc are)")


def _classic_annotation(a: dict) -> dict:
    ds = a.get("datasource") if isinstance(a.get("datasource"), dict) else None
    group = (ds or {}).get("type") or "grafana"
    if ds and ds.get("type") == "grafana":
        ds = {"uid": "-- Grafana --"}
    spec_fields = {k: v for k, v in a.items()
                   if k not in ("datasource", "enable", "hide", "iconColor", "name", "builtIn", "type", "filter")}
    spec = {"query": data_query(group, ds, spec_fields), "enable": bool(a.get("enable", True)),
            "hide": bool(a.get("hide", False)), "iconColor": a.get("iconColor", ""), "name": a.get("name", "")}
    if a.get("builtIn"):
        spec["builtIn"] = True
    return {"kind": "AnnotationQuery", "spec": spec}


def _classic_link(link: dict) -> dict:
    out = {"title": link.get("title", ""), "type": "link" if link.get("type") == "link" else "dashboards",
           "icon": link.get("icon", "external link"), "tooltip": link.get("tooltip", ""),
           "tags": list(link.get("tags") or []), "asDropdown": bool(link.get("asDropdown", False)),
           "targetBlank": bool(link.get("targetBlank", False)), "includeVars": bool(link.get("includeVars", False)),
           "keepTime": bool(link.get("keepTime", False))}
    if link.get("url"):
        out["url"] = link["url"]
    return out


def classic_resource_spec(doc: dict, api: str) -> dict:
    """The ``spec`` of a v2 resource for a classic dashboard (as :func:`upgrade` left it: every panel has
    a ``gridPos`` and a unique id; collapsed rows nest their panels)."""
    elements: Dict[str, dict] = {}
    sections: List[dict] = []            # {"title", "collapse", "repeat", "panels", "y0", "header"}
    current = {"title": "", "collapse": False, "repeat": None, "panels": [], "y0": 0, "header": False}
    for p in doc.get("panels") or []:
        if not isinstance(p, dict):
            continue
        if p.get("type") == "row":
            if current["panels"] or current["header"]:
                sections.append(current)
            y = (p.get("gridPos") or {}).get("y", 0)
            current = {"title": p.get("title", ""), "collapse": bool(p.get("collapsed", False)),
                       "repeat": p.get("repeat") or None, "panels": list(p.get("panels") or []), "y0": y + 1,
                       "header": True}
        else:
            current["panels"].append(p)
    if current["panels"] or current["header"]:
        sections.append(current)
    for s in sections:
        if s["panels"]:
            s["y0"] = min((q.get("gridPos") or {}).get("y", 0) for q in s["panels"])
        items = []
        for q in s["panels"]:
            pid = q.get("id") or len(elements) + 1
            name = f"panel-{pid}"
            elements[name] = _classic_element(q, pid, api)
            items.append(_classic_item(q, name, s["y0"]))
        s["items"] = items
    if len(sections) <= 1 and not any(s["header"] for s in sections):
        layout = _grid(sections[0]["items"] if sections else [])
    else:
        layout = {"kind": "RowsLayout", "spec": {"rows": [
            _row(s["title"], s["items"], s["collapse"], s["repeat"], hide_header=not s["header"]) for s in sections]}}
    time = doc.get("time") or {}
    picker = doc.get("timepicker") or {}
    out = {
        "title": doc.get("title", ""), "description": doc.get("description") or "", "tags": list(doc.get("tags") or []),
        "editable": bool(doc.get("editable", True)), "cursorSync": _CURSOR_SYNC.get(doc.get("graphTooltip", 0), "Off"),
        "liveNow": bool(doc.get("liveNow", False)), "preload": False,
        "timeSettings": _time_settings(time.get("from", "now-6h"), time.get("to", "now"), doc.get("refresh") or "",
                                       doc.get("timezone") or "browser", int(doc.get("fiscalYearStartMonth") or 0),
                                       bool(picker.get("hidden", False)), picker.get("refresh_intervals")),
        "annotations": [_classic_annotation(a) for a in (doc.get("annotations") or {}).get("list") or []
                        if isinstance(a, dict)],
        "links": [_classic_link(link) for link in doc.get("links") or [] if isinstance(link, dict)],
        "variables": [_classic_variable(v) for v in (doc.get("templating") or {}).get("list") or []
                      if isinstance(v, dict)],
        "elements": elements, "layout": layout,
    }
    return out


# --- the resource ---------------------------------------------------------------------------------
def resource(d: CompiledDashboard, api: str) -> dict:
    """The v2 dashboard resource of one compiled dashboard."""
    if isinstance(d.content, AuthoredDocument):
        try:
            spec = classic_resource_spec(json.loads(d.content.json), api)
        except ConversionError as exc:
            raise ConversionError(f"dashboard {d.title!r}: {exc}") from None
    else:
        spec = spec_resource_spec(d.content, api)
    return {"apiVersion": api, "kind": "Dashboard",
            "metadata": {"name": d.uid, "annotations": {FOLDER_ANNOTATION: d.folder.uid}}, "spec": spec}


def render(d: CompiledDashboard, api: str) -> bytes:
    return classic.dump(resource(d, api))


def is_v2(doc: object) -> bool:
    """Whether a parsed dashboard file is a schema v2 resource (``apiVersion`` dashboard.grafana.app/v2*)."""
    return isinstance(doc, dict) and isinstance(doc.get("apiVersion"), str) \
        and re.fullmatch(r"dashboard\.grafana\.app/v2(alpha\d+|beta\d+)?", doc["apiVersion"]) is not None
