"""Compiled dashboards → Grafana dashboard JSON (classic model, the target's schemaVersion).

Output is canonical: keys sorted, two-space indent, one trailing newline, so rebuilds are
byte-identical. JSON has no comments, so the generated-file notice lives in the provisioning YAML
and docs/dashboards.md rather than in the dashboards.

The bytes are those of ``json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)`` (the
reference, :func:`stdlib_dump`), written by orjson, which is some 50 times faster on big dashboards;
the few documents orjson would write differently (floats below 1e-4, integers beyond 64 bits,
non-string keys) go to the standard library. ``tests/test_grafana_json.py`` checks the equality.
"""
from __future__ import annotations

import json
import re
from typing import Dict, List

import orjson

from obskit.compile.dashboards.defaults import with_default_options
from obskit.compile.dashboards.ir import (AuthoredDocument, CompiledDashboard, DashboardSpec, DataLink,
                                          FieldOverride, Merge, Organize, Panel, Query, Threshold, Transformation,
                                          Variable)
from obskit.compile.dashboards.layout import flow, row_header


ALL = "$__all"        # the value Grafana stores for a variable's "All" option

_ORJSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
# where orjson's float notation differs from Python's repr: orjson 3.13 writes 1e-05 as 0.00001 and
# 1.5e-07 as 1.5e-7. Matches inside strings only cost a slower, still identical, rendering. (A
# pattern starting with a literal is searched fast: a leading character class would take seconds.)
_SMALL_DECIMAL = b"0.0000"
_NEGATIVE_EXPONENT = re.compile(rb"e-(?<=[0-9]e-)")


def stdlib_dump(doc: dict) -> bytes:
    """The reference rendering: Python's own JSON encoder."""
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def dump(doc: dict) -> bytes:
    """Canonical JSON of a dashboard, equal to :func:`stdlib_dump`'s for every document of finite
    numbers (NaN and infinities, which are not JSON, are written ``null`` instead of ``NaN``)."""
    try:
        data = orjson.dumps(doc, option=_ORJSON_OPTIONS)
    except TypeError:           # integers beyond 64 bits, non-string keys, unknown types
        return stdlib_dump(doc)
    if _SMALL_DECIMAL in data or _NEGATIVE_EXPONENT.search(data):
        return stdlib_dump(doc)
    return data


def _ref(ref) -> dict:
    return {"type": ref.type, "uid": ref.uid}


def _target(qr: Query, i: int) -> dict:
    return {"refId": ref_id(i), "datasource": _ref(qr.datasource), **query_fields(qr)}


# Parts of generated panels that depend on a few panel fields only. Documents of generated
# dashboards share them (they are only serialised): computed once per key instead of per panel.
_SHARED: Dict[tuple, dict] = {}


def _shared(key: tuple, make) -> dict:
    value = _SHARED.get(key)
    if value is None:
        value = _SHARED[key] = make()
    return value


def _options(p: Panel) -> dict:
    if p.kind == "timeseries":
        return _shared(("options", "timeseries"), lambda: with_default_options("timeseries", {
            "legend": {"showLegend": True, "displayMode": "list", "placement": "bottom", "calcs": []},
            "tooltip": {"mode": "multi", "sort": "desc"}}))
    if p.kind == "stat":
        background, several = bool(p.color_background), len(p.queries) > 1
        return _shared(("options", "stat", background, several), lambda: with_default_options("stat", {
            "colorMode": "background" if background else "value", "graphMode": "none",
            "textMode": "value_and_name" if several else "auto"}))
    if p.kind == "text":
        return with_default_options("text", {"mode": "markdown", "content": p.text})
    if p.kind == "table":
        sort_by = p.sort_by
        return _shared(("options", "table", sort_by), lambda: with_default_options("table", {
            "cellHeight": "sm", **({"sortBy": [{"displayName": name, "desc": desc} for name, desc in sort_by]}
                                   if sort_by else {})}))
    return _shared(("options", p.kind), lambda: with_default_options(p.kind, {}))


def _custom(p: Panel) -> dict:
    stack, dashed = bool(p.stack), len(p.thresholds) > 1

    def make() -> dict:
        custom = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
                  "spanNulls": False}
        if stack:
            custom["stacking"] = {"mode": "normal", "group": "A"}
        if dashed:
            custom["thresholdsStyle"] = {"mode": "dashed"}
        return custom
    return _shared(("custom", stack, dashed), make)


_TABLE_CUSTOM = {"align": "auto", "inspect": False, "filterable": True}


def _steps(thresholds: "tuple[Threshold, ...]") -> list:
    return [{"color": t.color, "value": t.value} for t in thresholds] or [{"color": "green", "value": None}]


def _link(link: DataLink) -> dict:
    return {"title": link.title, "url": link.url, "targetBlank": link.new_tab}


def _override(o: FieldOverride) -> dict:
    """A field override matched by display name; properties as Grafana's field config editor writes
    them (``custom.*`` for the panel's own field options)."""
    props: List[dict] = []
    if o.unit:
        props.append({"id": "unit", "value": o.unit})
    if o.decimals is not None:
        props.append({"id": "decimals", "value": o.decimals})
    if o.thresholds:
        props.append({"id": "thresholds", "value": {"mode": "absolute", "steps": _steps(o.thresholds)}})
    if o.cell:
        props.append({"id": "custom.cellOptions", "value": {"type": o.cell}})
    if o.width is not None:
        props.append({"id": "custom.width", "value": o.width})
    if o.links:
        props.append({"id": "links", "value": [_link(link) for link in o.links]})
    return {"matcher": {"id": "byName", "options": o.field}, "properties": props}


def _transformation(t: Transformation) -> dict:
    if isinstance(t, Merge):
        return {"id": "merge", "options": {}}
    if isinstance(t, Organize):
        return {"id": "organize", "options": {
            "excludeByName": {name: True for name in t.hide},
            "renameByName": dict(t.rename),
            "indexByName": {name: i for i, name in enumerate(t.order)}}}
    raise TypeError(f"unknown transformation {t!r}")


_PALETTE = {"mode": "palette-classic"}
_BY_THRESHOLDS = {"mode": "thresholds"}


def field_defaults(p: Panel) -> dict:
    """``fieldConfig.defaults`` of a panel (the same in classic JSON and in schema v2's ``vizConfig``)."""
    defaults: dict = {}
    if p.unit:
        defaults["unit"] = p.unit
    if p.decimals is not None:
        defaults["decimals"] = p.decimals
    if p.min is not None:
        defaults["min"] = p.min
    if p.max is not None:
        defaults["max"] = p.max
    defaults["thresholds"] = {"mode": "absolute", "steps": _steps(p.thresholds)}
    if p.kind == "timeseries":
        defaults["color"] = _PALETTE
        defaults["custom"] = _custom(p)
    elif p.kind == "stat":
        defaults["color"] = _BY_THRESHOLDS
    elif p.kind == "table":
        defaults["color"] = _BY_THRESHOLDS
        defaults["custom"] = _TABLE_CUSTOM
    return defaults


def options(p: Panel) -> dict:
    """A panel's ``options`` (read-only: shared between panels)."""
    return _options(p)


def field_config(p: Panel) -> dict:
    return {"defaults": field_defaults(p), "overrides": [_override(o) for o in p.overrides]}


def transformation(t: Transformation) -> dict:
    """``{id, options}`` of one transformation."""
    return _transformation(t)


def ref_id(i: int) -> str:
    return chr(65 + i) if i < 26 else f"Q{i}"


def query_fields(qr: Query) -> dict:
    """A Prometheus query's own fields (classic: the target less ``refId`` and ``datasource``; v2: the
    ``DataQuery`` spec)."""
    t = {"expr": qr.expr, "editorMode": "code", "range": not qr.instant, "instant": qr.instant}
    if qr.legend:
        t["legendFormat"] = qr.legend
    if qr.table:
        t["format"] = "table"
    return t


def _panel(p: Panel, pid: int, box) -> dict:
    out = {"type": p.kind, "title": p.title, "id": pid, "gridPos": box.as_json(), "options": _options(p)}
    if p.description:
        out["description"] = p.description
    if p.queries:
        out["datasource"] = _ref(p.queries[0].datasource)
        out["targets"] = [_target(qr, i) for i, qr in enumerate(p.queries)]
    if p.transformations:
        out["transformations"] = [_transformation(t) for t in p.transformations]
    if p.kind != "text":
        out["fieldConfig"] = field_config(p)
    if p.repeat is not None:
        out["repeat"] = p.repeat.variable
        out["repeatDirection"] = p.repeat.direction
        if p.repeat.max_per_row is not None and p.repeat.direction == "h":
            out["maxPerRow"] = p.repeat.max_per_row
    return out


def _variable(v: Variable) -> dict:
    out = {"type": v.kind, "name": v.name, "query": v.query, "hide": 0, "multi": v.multi,
           "includeAll": v.include_all, "options": [], "refresh": 1, "regex": "", "skipUrlSync": False}
    if v.label:
        out["label"] = v.label
    if v.all_value:
        out["allValue"] = v.all_value
    if v.datasource is not None:
        out["datasource"] = _ref(v.datasource)
    if v.default == ALL and v.include_all:
        out["current"] = {"text": ["All"], "value": [ALL]} if v.multi else {"text": "All", "value": ALL}
    elif v.default:      # a datasource variable's value is a datasource uid (Grafana shows its name once loaded)
        out["current"] = {"text": v.default, "value": v.default}
    return out


def panels(spec: DashboardSpec) -> List[dict]:
    """Rows and their panels on the grid: a row header, then its panels flowing left to right."""
    out: List[dict] = []
    y, pid = 0, 0
    single = len(spec.rows) == 1 and not spec.rows[0].repeat     # a repeated row needs its header
    for row in spec.rows:
        header = None
        if not single:
            pid += 1
            header = {"type": "row", "title": row.title, "id": pid, "collapsed": row.collapsed,
                      "gridPos": row_header(y).as_json(), "panels": []}
            if row.repeat:
                header["repeat"] = row.repeat
            out.append(header)
            y += 1
        boxes, next_y = flow(((p.width, p.height) for p in row.panels), y)
        rendered = []
        for p, box in zip(row.panels, boxes):
            pid += 1
            rendered.append(_panel(p, pid, box))
        if header is not None and row.collapsed:
            header["panels"] = rendered      # collapsed rows nest their panels
        else:
            out.extend(rendered)             # expanded rows are followed by them
            y = next_y
    return out


def spec_json(spec: DashboardSpec, uid: str, schema_version: int) -> dict:
    return {
        "uid": uid, "title": spec.title, "description": spec.description, "tags": list(spec.tags),
        "timezone": "browser", "editable": True, "graphTooltip": 1, "schemaVersion": schema_version,
        "time": {"from": spec.time_from, "to": "now"}, "refresh": spec.refresh, "fiscalYearStartMonth": 0,
        "templating": {"list": [_variable(v) for v in spec.variables]},
        "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                                  "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                                  "name": "Annotations & Alerts", "type": "dashboard"}]},
        "links": [{"title": link.title, "type": "dashboards", "tags": list(link.tags), "asDropdown": True,
                   "icon": "external link", "tooltip": "", "targetBlank": False, "includeVars": True,
                   "keepTime": True} for link in spec.links],
        "panels": panels(spec),
    }


def dashboard_json(d: CompiledDashboard, schema_version: int) -> dict:
    """The dashboard's JSON document. Generated documents share constant parts (panel options, field
    config styles) with each other: treat them as read-only."""
    if isinstance(d.content, AuthoredDocument):
        doc = json.loads(d.content.json)
        doc["schemaVersion"] = schema_version
        return doc
    return spec_json(d.content, d.uid, schema_version)


def _non_finite(text: str) -> bool:
    """Whether a JSON text holds NaN or an infinity (Python's json reads and writes them)."""
    found = []
    json.loads(text, parse_constant=found.append)
    return bool(found)


def render(d: CompiledDashboard, schema_version: int) -> bytes:
    doc = dashboard_json(d, schema_version)
    if isinstance(d.content, AuthoredDocument) and ("NaN" in d.content.json or "Infinity" in d.content.json) \
            and _non_finite(d.content.json):
        return stdlib_dump(doc)      # written as Python writes them, like before
    return dump(doc)
