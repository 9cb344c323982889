"""Old dashboard JSON → what :func:`obskit.compile.dashboards.upgrade.upgrade` converts, the way
Grafana itself migrates these on load (its ``DashboardMigrator`` and panel migration handlers).

:func:`migrate` runs before the upgrade, :func:`finish` after it; :func:`convert` is the three for the
build (problems and warnings apart, overlaps left to the upgrade to refuse); ``obskit import
grafana-dashboard`` runs them too, then writes the result (the build's conversion of that output
changes nothing). The per-family code is in :mod:`obskit.compile.dashboards.migrate`:

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
- pre-7 single-value options (``options.fieldOptions``, reducer keys in ``fieldConfig.defaults``) →
  ``fieldConfig`` and ``reduceOptions``; a table's ``displayMode`` → ``cellOptions``;
- the pre-7.5 ``alertlist`` and ``dashlist`` top-level settings → their ``options``;
- ``grafana-worldmap-panel`` → ``geomap`` (markers layer, centre, zoom, thresholds);
- targets: empty ``format``/``intervalFactor`` (the defaults), targets with an empty query (they
  run none) dropped; after the upgrade, keys neither Grafana's panel nor its Prometheus query knows
  (a replaced plugin's leftovers, e.g. the status panel's ``flipCard``) dropped, each noted;
- ``__inputs`` (grafanalib's ``DataSourceInput``/``ConstantInput``): a Prometheus datasource input →
  ``${datasource}``, a constant input → its value, as Grafana's dashboard import fills them in;
- annotations: the pre-5 ``showIn`` dropped, ``tags`` moved into ``target`` (where tag filters are read);
- overlapping grid positions → compacted the way Grafana's grid does on load (each panel moved up
  while it fits, then below what it collides with), each moved panel noted.
"""
from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

from obskit.compile.dashboards.migrate.common import matcher
from obskit.compile.dashboards.migrate.graph import histogram, series_overrides
from obskit.compile.dashboards.migrate.heatmap import heatmap
from obskit.compile.dashboards.migrate.lists import alertlist, dashlist
from obskit.compile.dashboards.migrate.piechart import piechart
from obskit.compile.dashboards.migrate.singlevalue import single_value
from obskit.compile.dashboards.migrate.table import cell_options, old_table
from obskit.compile.dashboards.migrate.worldmap import worldmap

COLUMNS = 24


@dataclass
class Migration:
    notes: List[str] = field(default_factory=list)
    #: the notes a user would be surprised by (something of theirs dropped): the build warns of these
    warnings: List[str] = field(default_factory=list)

    def drop(self, note: str) -> None:
        """A note about something of the author's that is dropped: also a build warning."""
        self.notes.append(note)
        self.warnings.append(note)
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


# --- per panel -----------------------------------------------------------------------------------
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


def _panel(p: dict, key, m: Migration) -> dict:
    _targets(p, key, m)
    kind = p.get("type")
    if kind == "heatmap" and not (isinstance(p.get("options"), dict) and "calculate" in p["options"]) \
            and ("cards" in p or "dataFormat" in p or "color" in p):
        return heatmap(p, key, m)
    if kind in ("gauge", "bargauge", "stat"):
        return single_value(p, key, m)
    if kind == "graph":
        series_overrides(p, key, m)
        if (p.get("xaxis") or {}).get("mode") == "histogram":
            return histogram(p, key, m)
    if kind == "grafana-piechart-panel":
        return piechart(p, key, m)
    if kind == "grafana-worldmap-panel":
        return worldmap(p, key, m)
    if kind == "table-old" or (kind == "table" and "styles" in p):
        return old_table(p, key, m)
    if kind == "table":
        return cell_options(p, key, m)
    if kind == "alertlist":
        return alertlist(p, key, m)
    if kind == "dashlist":
        return dashlist(p, key, m)
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
def _resolve_inputs(doc: dict, m: Migration) -> dict:
    """A dashboard with ``__inputs`` (grafanalib's ``DataSourceInput``/``ConstantInput``, Grafana's export),
    resolved as Grafana's dashboard import resolves them: a Prometheus datasource input (``${DS_PROM}``)
    becomes the ``${datasource}`` variable, a constant input (``${VAR_X}``) its value."""
    text = json.dumps(doc)
    for i in doc.get("__inputs") or []:
        if not isinstance(i, dict) or not i.get("name"):
            continue
        ref = json.dumps("${" + str(i["name"]) + "}")[1:-1]
        if i.get("type") == "datasource" and (i.get("pluginId") or "prometheus") == "prometheus":
            text = text.replace(ref, "${datasource}")
            m.notes.append(f"datasource input {i['name']} → the ${{datasource}} variable")
        elif i.get("type") == "constant" and isinstance(i.get("value"), str):
            text = text.replace(ref, json.dumps(i["value"])[1:-1])
            m.notes.append(f"constant input {i['name']} → its value {i['value']!r}")
    return json.loads(text)


def migrate(doc: dict, compact_grid: bool = True) -> Tuple[dict, Migration]:
    """``doc`` with what the upgrade refuses migrated; the notes and what :func:`finish` adds.
    ``compact_grid=False`` leaves overlapping panels for the upgrade to refuse (the build: an overlap
    written in code is a mistake at the user's line; an imported export is compacted as Grafana does)."""
    m = Migration()
    doc = _resolve_inputs(doc, m) if doc.get("__inputs") else copy.deepcopy(doc)
    counter: Dict[str, int] = {}
    if isinstance(doc.get("panels"), list):
        doc["panels"] = _replace_panels(doc["panels"], m, counter)
    for r in doc.get("rows") or []:
        if isinstance(r, dict) and isinstance(r.get("panels"), list):
            r["panels"] = _replace_panels(r["panels"], m, counter)
    if compact_grid and isinstance(doc.get("panels"), list):
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


def _schema_keys() -> Tuple[Optional[frozenset], Dict[str, frozenset]]:
    """The keys Grafana's dashboard schema allows on a panel, and on a query of each datasource type
    with a schema (None and {} when the schemas are not installed)."""
    try:
        from obskit.verify.grafana_schema import schema_dir
        return _keys_in(str(schema_dir()))
    except Exception:  # noqa: BLE001 - no schemas here: keep every key
        return None, {}


@functools.lru_cache(maxsize=4)
def _keys_in(directory: str) -> Tuple[frozenset, Dict[str, frozenset]]:
    d = Path(directory)
    panel = json.loads((d / "dashboard.jsonschema.json").read_text())["definitions"]["Panel"]["properties"]
    queries = {}
    for kind in ("prometheus", "loki"):
        query = json.loads((d / f"{kind}.jsonschema.json").read_text())
        queries[kind] = frozenset(query["definitions"][query["$ref"].rsplit("/", 1)[-1]]["properties"])
    return frozenset(panel) | {"panels", "collapsed"}, queries


def _query_kind(p: dict, t: dict) -> str:
    ds = t.get("datasource") if isinstance(t.get("datasource"), dict) else p.get("datasource")
    kind = ds.get("type") if isinstance(ds, dict) else None
    return kind if isinstance(kind, str) else "prometheus"


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
                keys = query_keys.get(_query_kind(p, t)) if isinstance(t, dict) and "expr" in t else None
                if keys is not None:
                    gone = sorted(k for k in t if k not in keys)
                    for k in gone:
                        del t[k]
                    if gone:
                        m.notes.append(f"panel {key[0]!r}: query {t.get('refId', '?')}: keys Grafana's "
                                       f"{_query_kind(p, t).capitalize()} query ignores dropped: {', '.join(gone)}")
        for alias, transform in m.transforms.get(key, ()):
            config = p.setdefault("fieldConfig", {"defaults": {}, "overrides": []})
            overrides = config.setdefault("overrides", [])
            match = matcher(alias)
            target = next((o for o in overrides if o.get("matcher") == match), None)
            if target is None:
                target = {"matcher": match, "properties": []}
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


@dataclass(frozen=True)
class Converted:
    """An authored dashboard converted for the build: the document, what stops it (``problems``) and
    what was dropped that its author would not expect (``warnings``)."""

    doc: dict
    problems: Tuple[str, ...]
    warnings: Tuple[str, ...]
    unknown_uids: Tuple[str, ...] = ()        # datasource uids no setting names (the target Grafana may have them)


def convert(doc: dict, schema_version: int, datasources: Mapping[str, dict], datasource_uid: str) -> Converted:
    """The build's conversion of an authored dashboard (grafanalib, foundation-sdk, dict): the plugin-level
    migrations, the upgrade, the clean-up: what Grafana would do on load, done before it is written."""
    from obskit.compile.dashboards.upgrade import Upgrade
    migrated, m = migrate(doc, compact_grid=False)
    u = Upgrade(datasources, datasource_uid)
    out = finish(u.dashboard(migrated, schema_version), m)
    return Converted(out, tuple(u.problems), tuple(u.warnings) + tuple(m.warnings), tuple(u.unknown_uids))


__all__ = ["Converted", "Migration", "compact", "convert", "finish", "migrate", "title_and_queries"]
