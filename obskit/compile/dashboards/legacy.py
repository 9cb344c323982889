"""Old dashboard JSON → what :func:`obskit.compile.dashboards.upgrade.upgrade` converts, the way
Grafana itself migrates these on load (its ``DashboardMigrator`` and panel migration handlers).

:func:`migrate` runs before the upgrade, :func:`finish` after it (``obskit import grafana-dashboard``
does both, then writes the result; the build's upgrade of that output changes nothing):

- a series override that is not an object (a nested list, as in Ceph's RGW overview): Grafana skips
  it (it has no ``alias``); dropped, with a note;
- ``transform: negative-Y`` / ``constant`` in a graph's series override: taken out before the upgrade
  and added after it as the timeseries override ``custom.transform`` (Grafana's graph migration does
  the same);
- ``grafana-piechart-panel`` → the built-in ``piechart``: pie/donut, the value reducer, legend
  (under the graph, right side, values, percentages), unit, decimals, alias colours;
- a graph with ``xaxis.mode: histogram`` → the ``histogram`` panel (bucket count, legend, unit);
- the old table (``type: table`` with ``styles``, Grafana's ``table-old``) → the table panel:
  each style becomes an override (display name, hidden, unit, decimals, date format, cell colour by
  thresholds, link), the catch-all ``/.*/`` style the defaults; first match wins, as in the old
  table; ``transform: table`` → a ``merge`` transformation; ``timeseries_to_rows`` /
  ``timeseries_to_columns`` / ``timeseries_aggregations`` → ``seriesToRows`` / ``seriesToColumns``
  / ``reduce``;
- the pre-9 heatmap (``cards``, ``color``, ``dataFormat``, bucket sizes) → the heatmap's options;
- targets: empty ``format``/``intervalFactor`` (the defaults), targets with an empty query (they
  run none) dropped; after the upgrade, keys neither Grafana's panel nor its Prometheus query knows
  (a replaced plugin's leftovers, e.g. the status panel's ``flipCard``) dropped, each noted;
- annotations: the pre-5 ``showIn`` dropped, ``tags`` moved into ``target`` (where tag filters are read);
- overlapping grid positions → compacted the way Grafana's grid does on load (each panel moved up
  while it fits, then below what it collides with), each moved panel noted.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

COLUMNS = 24
_REDUCERS = {"current": "lastNotNull", "avg": "mean", "total": "sum", "min": "min", "max": "max",
             "first": "firstNotNull", "delta": "delta", "diff": "diff", "range": "range", "count": "count",
             "name": "lastNotNull", "last_time": "lastNotNull"}
_TABLE_TRANSFORMS = {"table": "merge", "timeseries_to_rows": "seriesToRows",
                     "timeseries_to_columns": "seriesToColumns", "timeseries_aggregations": "reduce"}


@dataclass
class Migration:
    notes: List[str] = field(default_factory=list)
    #: (panel title, occurrence) → [(alias, transform)] to add after the upgrade
    transforms: Dict[Tuple[str, int], List[Tuple[str, str]]] = field(default_factory=dict)


def _walk(panels):
    for p in panels or []:
        if isinstance(p, dict):
            yield p
            yield from _walk(p.get("panels"))


def _keyed(panels):
    """(title, occurrence) of every panel, in document order."""
    seen: Dict[str, int] = {}
    for p in _walk(panels):
        title = str(p.get("title") or "")
        seen[title] = seen.get(title, 0) + 1
        yield (title, seen[title]), p


def _all_panels(doc: dict) -> list:
    rows = [p for r in doc.get("rows") or [] if isinstance(r, dict) for p in r.get("panels") or []]
    return list(doc.get("panels") or []) + rows


def _matcher(pattern: str) -> dict:
    if len(pattern) > 2 and pattern.startswith("/") and pattern.endswith("/"):
        return {"id": "byRegexp", "options": pattern[1:-1]}
    return {"id": "byName", "options": pattern}


# --- per panel -----------------------------------------------------------------------------------
def _series_overrides(p: dict, key, m: Migration) -> None:
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
            m.notes.append(f"panel {key[0]!r}: series override transform {t!r} is unknown to Grafana; dropped")
        if set(so) - {"alias"}:
            kept.append(so)
    p["seriesOverrides"] = kept


def _legend_calcs(legend: dict) -> list:
    return [c for k, c in (("current", "lastNotNull"), ("min", "min"), ("max", "max"), ("avg", "mean"),
                           ("total", "sum")) if legend.get(k)]


def _piechart(p: dict, key, m: Migration) -> dict:
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
    overrides = [{"matcher": _matcher(alias), "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": c}}]}
                 for alias, c in sorted((p.get("aliasColors") or {}).items())]
    out = {k: v for k, v in p.items() if k in ("datasource", "description", "gridPos", "id", "links", "targets",
                                                 "title", "transparent", "repeat", "repeatDirection", "maxPerRow",
                                                 "timeFrom", "timeShift", "interval", "hideTimeOverride")}
    out.update({
        "type": "piechart",
        "fieldConfig": {"defaults": defaults, "overrides": overrides},
        "options": {
            "reduceOptions": {"calcs": [_REDUCERS.get(p.get("valueName") or "current", "lastNotNull")],
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


def _histogram(p: dict, key, m: Migration) -> dict:
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
                     "legend": {"showLegend": bool(legend.get("show", True)), "calcs": _legend_calcs(legend),
                                "displayMode": "table" if legend.get("alignAsTable") else "list",
                                "placement": "right" if legend.get("rightSide") else "bottom"}}
    buckets = (p.get("xaxis") or {}).get("buckets")
    if isinstance(buckets, int) and buckets > 0:
        options["bucketCount"] = buckets
    out.update({"type": "histogram", "options": options, "fieldConfig": {"defaults": defaults, "overrides": []}})
    m.notes.append(f"panel {key[0]!r}: graph with a histogram x-axis → histogram panel (as Grafana migrates it)")
    return out


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


def _old_table(p: dict, key, m: Migration) -> dict:
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
            overrides.append({"matcher": _matcher(str(s["pattern"])), "properties": props})
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
            calcs = [_REDUCERS.get(str(c.get("value")), "mean") for c in p.get("columns") or [] if isinstance(c, dict)]
            step["options"] = {"reducers": calcs or ["mean"]}
        out["transformations"] = list(p.get("transformations") or []) + [step]
    elif transform not in (None, ""):
        m.notes.append(f"panel {key[0]!r}: table transform {transform!r} has no equivalent; dropped")
    if p.get("sort"):
        m.notes.append(f"panel {key[0]!r}: the old table's sort by column {p['sort'].get('col')} is dropped "
                       "(the table panel sorts by a column's name; click a header to sort)")
    m.notes.append(f"panel {key[0]!r}: the old table (styles) → table panel with overrides (as Grafana migrates it)")
    return out


def _targets(p: dict, key, m: Migration) -> None:
    """Empty strings where a number or an enum belongs (old editors wrote them) mean the default;
    a target with an empty expression runs no query: dropped."""
    targets = p.get("targets")
    if not isinstance(targets, list):
        return
    kept = []
    for t in targets:
        if isinstance(t, dict):
            t = {k: v for k, v in t.items() if not (v == "" and k in ("format", "intervalFactor", "interval", "step"))}
            if "expr" in t and not str(t.get("expr") or "").strip() and not t.get("datasource"):
                m.notes.append(f"panel {key[0]!r}: target {t.get('refId', '?')} has an empty query (it runs none); dropped")
                continue
        kept.append(t)
    p["targets"] = kept


_HEATMAP_LEGACY = ("cards", "color", "dataFormat", "heatmap", "highlightCards", "legend", "tooltip", "xAxis",
                   "xBucketNumber", "xBucketSize", "yAxis", "yBucketNumber", "yBucketSize", "yBucketBound",
                   "hideZeroBuckets", "reverseYBuckets", "tooltipDecimals")


def _bucket(number, size) -> Optional[dict]:
    if size not in (None, ""):
        return {"mode": "size", "value": str(size)}
    if number not in (None, ""):
        return {"mode": "count", "value": str(number)}
    return None


def _heatmap(p: dict, key, m: Migration) -> dict:
    """The pre-9 heatmap (cards, color, dataFormat, xBucket*/yBucket*) → the current heatmap's options,
    as Grafana's heatmap migration maps them."""
    color, y = p.get("color") or {}, p.get("yAxis") or {}
    scheme = str(color.get("colorScheme") or "interpolateOranges")
    scale = "exponential" if color.get("colorScale") == "sqrt" else "linear"
    options: dict = {
        "calculate": p.get("dataFormat", "timeseries") != "tsbuckets",
        "color": {"mode": "opacity" if color.get("mode") == "opacity" else "scheme",
                  "scheme": scheme[len("interpolate"):] if scheme.startswith("interpolate") else scheme,
                  "fill": str(color.get("cardColor") or "dark-orange"), "scale": scale,
                  "exponent": float(color.get("exponent") or 0.5), "steps": 64, "reverse": False},
        "cellGap": int((p.get("cards") or {}).get("cardPadding") or 1),
        "showValue": "never",
        "yAxis": {"axisPlacement": "left" if y.get("show", True) else "hidden", "reverse": bool(p.get("reverseYBuckets"))},
        "legend": {"show": bool((p.get("legend") or {}).get("show", True))},
        "tooltip": {"mode": "single" if (p.get("tooltip") or {}).get("show", True) else "none",
                    "yHistogram": bool((p.get("tooltip") or {}).get("showHistogram")), "showColorScale": False},
        "exemplars": {"color": "rgba(255,0,255,0.7)"},
        "filterValues": {"le": 1e-9},
        "rowsFrame": {"layout": "auto"},
    }
    if (p.get("cards") or {}).get("cardRound") is not None:
        options["cellRadius"] = float(p["cards"]["cardRound"])
    if y.get("format"):
        options["yAxis"]["unit"] = y["format"]
    if isinstance(y.get("decimals"), (int, float)):
        options["yAxis"]["decimals"] = y["decimals"]
    for bound in ("min", "max"):
        try:
            if y.get(bound) not in (None, ""):
                options["yAxis"][bound] = float(y[bound])
        except (TypeError, ValueError):
            pass
    if options["calculate"]:
        calc = {k: v for k, v in (("xBuckets", _bucket(p.get("xBucketNumber"), p.get("xBucketSize"))),
                                  ("yBuckets", _bucket(p.get("yBucketNumber"), p.get("yBucketSize")))) if v}
        if y.get("logBase") not in (None, 1):
            calc.setdefault("yBuckets", {})["scale"] = {"type": "log", "log": int(y["logBase"])}
        if calc:
            options["calculation"] = calc
    out = {k: v for k, v in p.items() if k not in _HEATMAP_LEGACY}
    out["options"] = options
    out.setdefault("fieldConfig", {"defaults": {"custom": {"hideFrom": {"legend": False, "tooltip": False,
                                                                          "viz": False},
                                                           "scaleDistribution": {"type": "linear"}}},
                                   "overrides": []})
    m.notes.append(f"panel {key[0]!r}: the old heatmap → heatmap options (as Grafana migrates it)")
    return out


def _panel(p: dict, key, m: Migration) -> dict:
    _targets(p, key, m)
    kind = p.get("type")
    if kind == "heatmap" and "options" not in p and ("cards" in p or "dataFormat" in p or "color" in p):
        return _heatmap(p, key, m)
    if kind == "graph":
        _series_overrides(p, key, m)
        if (p.get("xaxis") or {}).get("mode") == "histogram":
            return _histogram(p, key, m)
    if kind == "grafana-piechart-panel":
        return _piechart(p, key, m)
    if kind == "table-old" or (kind == "table" and "styles" in p):
        return _old_table(p, key, m)
    return p


def _replace_panels(panels: list, m: Migration, counter: Dict[str, int]) -> list:
    out = []
    for p in panels or []:
        if not isinstance(p, dict):
            out.append(p)
            continue
        title = str(p.get("title") or "")
        counter[title] = counter.get(title, 0) + 1
        new = _panel(p, (title, counter[title]), m)
        if isinstance(new.get("panels"), list):
            new["panels"] = _replace_panels(new["panels"], m, counter)
        out.append(new)
    return out


# --- layout --------------------------------------------------------------------------------------
def _box(p: dict) -> Optional[List[int]]:
    g = p.get("gridPos")
    if not isinstance(g, dict) or not all(isinstance(g.get(k), int) for k in ("x", "y", "w", "h")):
        return None
    return [g["x"], g["y"], g["w"], g["h"]]


def _collides(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def compact(panels: list, notes: List[str]) -> None:
    """Grafana's vertical compaction of the top-level grid, applied when panels overlap."""
    items = [(p, _box(p)) for p in panels if isinstance(p, dict) and _box(p)]
    if not any(_collides(a, b) for i, (_, a) in enumerate(items) for _, b in items[i + 1:]):
        return
    placed: List[List[int]] = []
    for p, box in sorted(items, key=lambda item: (item[1][1], item[1][0])):
        b = list(box)
        while b[1] > 0 and not any(_collides([b[0], b[1] - 1, b[2], b[3]], q) for q in placed):
            b[1] -= 1
        while True:
            hit = next((q for q in placed if _collides(b, q)), None)
            if hit is None:
                break
            b[1] = hit[1] + hit[3]
        if b[1] != box[1]:
            notes.append(f"panel {p.get('title')!r}: overlapped another panel; moved from y={box[1]} to y={b[1]} "
                         "(Grafana's grid compacts it so on load)")
        p["gridPos"] = {**p["gridPos"], "y": b[1]}
        placed.append(b)


# --- entry points --------------------------------------------------------------------------------
def migrate(doc: dict) -> Tuple[dict, Migration]:
    """``doc`` with what the upgrade refuses migrated; the notes and what :func:`finish` adds."""
    doc = copy.deepcopy(doc)
    m = Migration()
    counter: Dict[str, int] = {}
    if isinstance(doc.get("panels"), list):
        doc["panels"] = _replace_panels(doc["panels"], m, counter)
    for r in doc.get("rows") or []:
        if isinstance(r, dict) and isinstance(r.get("panels"), list):
            r["panels"] = _replace_panels(r["panels"], m, counter)
    if isinstance(doc.get("panels"), list):
        compact(doc["panels"], m.notes)
    for a in (doc.get("annotations") or {}).get("list") or []:
        if not isinstance(a, dict):
            continue
        a.pop("showIn", None)                  # a pre-5 key Grafana ignores
        tags = a.pop("tags", None)
        if tags and not isinstance(a.get("target"), dict):
            a["target"] = {"type": "tags", "tags": list(tags), "limit": a.get("limit", 100),
                           "matchAny": bool(a.get("matchAny", False))}    # where Grafana reads tag filters now
    return doc, m


def _schema_keys() -> Tuple[Optional[frozenset], Optional[frozenset]]:
    """The keys Grafana's dashboard schema allows on a panel and on a Prometheus query (None when the
    schemas are not installed)."""
    import json
    from pathlib import Path
    try:
        from obskit.verify.grafana_schema import schema_dir
        d = Path(schema_dir())
        panel = json.loads((d / "dashboard.jsonschema.json").read_text())["definitions"]["Panel"]["properties"]
        query = json.loads((d / "prometheus.jsonschema.json").read_text())
        q = query["definitions"][query["$ref"].rsplit("/", 1)[-1]]["properties"]
    except Exception:  # noqa: BLE001 - no schemas here: keep every key
        return None, None
    return frozenset(panel) | {"panels", "collapsed"}, frozenset(q)


def finish(doc: dict, m: Migration) -> dict:
    """The upgraded ``doc`` with the series transforms put back as ``custom.transform`` overrides,
    and keys that Grafana ignores (a replaced plugin's leftovers) dropped from panels and queries."""
    panel_keys, query_keys = _schema_keys()
    for key, p in _keyed(doc.get("panels")):
        if panel_keys is not None:
            extra = sorted(k for k in p if k not in panel_keys)
            for k in extra:
                del p[k]
            if extra:
                m.notes.append(f"panel {key[0]!r}: legacy keys Grafana ignores dropped: {', '.join(extra)}")
            for t in p.get("targets") or []:
                if isinstance(t, dict) and "expr" in t and query_keys is not None:
                    gone = sorted(k for k in t if k not in query_keys)
                    for k in gone:
                        del t[k]
                    if gone:
                        m.notes.append(f"panel {key[0]!r}: query {t.get('refId', '?')}: keys Grafana's Prometheus "
                                       f"query ignores dropped: {', '.join(gone)}")
        for alias, transform in m.transforms.get(key, ()):
            config = p.setdefault("fieldConfig", {"defaults": {}, "overrides": []})
            overrides = config.setdefault("overrides", [])
            matcher = _matcher(alias)
            target = next((o for o in overrides if o.get("matcher") == matcher), None)
            if target is None:
                target = {"matcher": matcher, "properties": []}
                overrides.append(target)
            target["properties"].append({"id": "custom.transform", "value": transform})
    return doc


def title_and_queries(doc: dict) -> List[Tuple[str, Tuple[str, ...]]]:
    """Every panel's title and Prometheus expressions, in document order (for comparisons)."""
    out = []
    for p in _walk(_all_panels(doc)):
        if p.get("type") == "row":
            continue
        exprs = tuple(str(t.get("expr")) for t in p.get("targets") or [] if isinstance(t, dict) and t.get("expr"))
        out.append((str(p.get("title") or ""), exprs))
    return out


__all__ = ["Migration", "compact", "finish", "migrate", "title_and_queries"]
