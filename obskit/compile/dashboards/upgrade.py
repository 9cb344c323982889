"""Authored dashboard JSON → the shapes current Grafana (11/12/13) loads without migrating anything.

:class:`Upgrade` walks a dashboard and converts what has an exact current equivalent, collecting
``problems`` (what has none, naming the panel: the build refuses these) and ``warnings`` (what is
dropped that its author would miss, e.g. a legacy panel alert). The panel families are converted by
:mod:`obskit.compile.dashboards.migrate` (``graph``, ``singlestat``, the grid); here:

- datasource names, uids of provisioned datasources, ``"default"``, ``$variables`` and Grafana's
  special datasources → ``{type, uid}`` references; ``null`` → the dashboard's ``${datasource}``
  variable (added when missing); a ``{type, uid}`` naming nothing the project knows is a problem;
- targets: ``refId`` A, B, ..., grafanalib's unused ``query``/``target``/``metric``/``step`` dropped;
- field config: threshold steps as ``{color, value}``, mappings without nulls, required ``custom``
  defaults; panel options completed with Grafana's defaults;
- variables (a ``current`` without a value dropped, a constant's is its query), annotations, links;
- ``id``, ``version``, ``__inputs``/``__requires``, ``null`` values and removed keys dropped;
  ``schemaVersion`` set to the target Grafana's.

:func:`upgrade` is the strict entry point (``obskit import grafana-dashboard``: warnings count as
problems); the build uses :func:`obskit.compile.dashboards.legacy.convert`.
"""
from __future__ import annotations

import copy
import re
from typing import Dict, List, Mapping, Optional, Tuple

from obskit.compile import conventions as conv
from obskit.compile.dashboards.defaults import FIELD_CUSTOM, merged, with_default_options
from obskit.compile.dashboards.migrate.common import number as _number
from obskit.compile.dashboards.migrate.graph import graph
from obskit.compile.dashboards.migrate.grid import layout, legacy_rows, number, unnest
from obskit.compile.dashboards.migrate.singlestat import singlestat
from obskit.project import DEFAULT_DATASOURCE_UIDS

DEFAULT_DATASOURCE_UID = DEFAULT_DATASOURCE_UIDS["prometheus"]

#: grafana's special datasources, by their legacy names
SPECIAL_DATASOURCES = {
    "-- Grafana --": {"type": "datasource", "uid": "grafana"},
    "-- Mixed --": {"type": "datasource", "uid": "-- Mixed --"},
    "-- Dashboard --": {"type": "datasource", "uid": "-- Dashboard --"},
}
#: uids of Grafana's own datasources, in either spelling Grafana writes (``-- Grafana --`` or ``grafana``)
_SPECIAL_UIDS = frozenset(SPECIAL_DATASOURCES) | {r["uid"] for r in SPECIAL_DATASOURCES.values()}
_TOP_DROP = ("__inputs", "__requires", "__elements", "id", "version", "hideControls", "sharedCrosshair",
             "style", "rows", "iteration", "folderId", "folderUid", "meta", "gnetId")
_PANEL_DROP = ("editable", "error", "height", "isNew", "minSpan", "span", "renderer", "scopedVars",
               "leftYAxisLabel", "rightYAxisLabel")
_TARGET_DROP = ("metric", "step", "target", "query")
_VARIABLE_DROP = ("tagValuesQuery", "tags", "tagsQuery", "useTags", "datasourceUid", "error", "autoMin",
                  "autoCount")
#: Angular panel plugins, which Grafana 11 no longer loads (with the core panel that replaces each)
_ANGULAR = {"natel-discrete-panel": "state-timeline", "flant-statusmap-panel": "status-history",
            "briangann-datatable-panel": "table", "mtanda-histogram-panel": "histogram",
            "pr0ps-trackmap-panel": "geomap", "blackmirror1-singlestat-math-panel": "stat"}
#: plugin panels current Grafana replaced (the build migrates them first: legacy.migrate; the strict
#: upgrade alone refuses them)
_LEGACY_ONLY = {"table-old": "the table panel (its options differ: rebuild it as 'table')",
                "grafana-piechart-panel": "the 'piechart' panel",
                "grafana-worldmap-panel": "the 'geomap' panel"}


class Upgrade:
    """One dashboard's conversion; ``problems`` lists what could not be converted."""

    def __init__(self, datasources: Mapping[str, dict], datasource_uid: str = DEFAULT_DATASOURCE_UID):
        self.datasources = dict(datasources)       # legacy name → {type, uid}
        self.datasource_uid = datasource_uid       # default of an added ``datasource`` variable
        self.problems: List[str] = []
        self.warnings: List[str] = []              # converted, but the user would be surprised (a dropped alert)
        self.unknown_uids: List[str] = []          # datasource uids the settings do not name: maybe the target
                                                   # Grafana's own (an existing instance), so a warning only
        self.needs_variable = False
        self.variables: Dict[str, dict] = {}

    # --- datasources -----------------------------------------------------------------------------
    def ref(self, value, where: str, default_type: str = "prometheus") -> Optional[dict]:
        """A datasource as ``{type, uid}``: a name or uid of a provisioned datasource, a ``$variable``,
        Grafana's special ones; ``"default"`` (grafanalib's examples) and ``None`` are the default
        datasource, as in Grafana's datasource migration. Anything else is a problem."""
        if value is None or value == "default":
            return None
        if isinstance(value, dict):
            ref = {k: v for k, v in value.items() if k in ("type", "uid") and v is not None}
            uid = ref.get("uid")
            self.variable_use(uid, where)
            if isinstance(uid, str) and not self.known_uid(uid):
                self.unknown_uids.append(f"{where}: datasource uid {uid!r} is not a datasource this project "
                                         f"provisions or references ({self.known_uids()}) nor a template variable")
            return ref or None
        if isinstance(value, str):
            if value in SPECIAL_DATASOURCES:
                return dict(SPECIAL_DATASOURCES[value])
            var = re.fullmatch(r"\$\{?(\w+)\}?", value)
            if var:
                self.variable_use(value, where)
                v = self.variables.get(var.group(1), {})
                kind = v.get("query") if v.get("type") == "datasource" and isinstance(v.get("query"), str) \
                    else default_type
                return {"type": kind, "uid": "${%s}" % var.group(1)}
            if value in self.datasources:
                return dict(self.datasources[value])
            by_uid = [r for r in self.datasources.values() if r.get("uid") == value]
            if by_uid:
                return dict(by_uid[0])          # Grafana's migration looks a string up by name, then by uid
            known = ", ".join(sorted(self.datasources))
            self.problems.append(
                f"{where}: datasource {value!r} is a datasource name this project does not provision; name one of "
                f"{known} (or its uid: {self.known_uids()}), use '${{{conv.DATASOURCE_VARIABLE}}}', leave it "
                "out for the default, or give a {'type': ..., 'uid': ...} dict")
            return None
        self.problems.append(f"{where}: datasource {value!r} is neither a name nor a {{type, uid}} reference")
        return None

    def known_uid(self, uid: str) -> bool:
        return (not self.datasources or re.fullmatch(r"\$\{?\w+\}?", uid) is not None or uid in _SPECIAL_UIDS
                or any(r.get("uid") == uid for r in self.datasources.values()))

    def known_uids(self) -> str:
        return ", ".join(sorted({r["uid"] for r in self.datasources.values() if r.get("uid")}))

    def variable_use(self, uid, where: str) -> None:
        """A datasource uid naming a template variable: the variable must exist (``datasource`` is
        added when missing)."""
        var = re.fullmatch(r"\$\{?(\w+)\}?", uid) if isinstance(uid, str) else None
        if not var:
            return
        if var.group(1) == conv.DATASOURCE_VARIABLE:
            self.needs_variable = True
        elif var.group(1) not in self.variables:
            self.problems.append(f"{where}: datasource {uid!r} names a template variable the dashboard "
                                 "does not define")

    # --- dashboard -------------------------------------------------------------------------------
    def dashboard(self, doc: dict, schema_version: int) -> dict:
        doc = copy.deepcopy(doc)
        templating = doc.get("templating") or {}
        for v in templating.get("list") or []:
            if isinstance(v, dict) and isinstance(v.get("name"), str):
                self.variables[v["name"]] = v
        out = {k: v for k, v in doc.items() if v is not None and k not in _TOP_DROP}
        if doc.get("sharedCrosshair") and not doc.get("graphTooltip"):
            out["graphTooltip"] = 1
        if doc.get("gnetId") not in (None, ""):
            out["gnetId"] = str(doc["gnetId"])
        panels = doc.get("panels") or []
        if doc.get("rows"):
            if panels:
                self.problems.append("the dashboard has both legacy 'rows' and 'panels'; keep one")
            panels = legacy_rows(doc["rows"])
        out["panels"] = unnest(self.panels(panels))
        out["templating"] = {"list": [self.variable(v, i) for i, v in enumerate(templating.get("list") or [])]}
        if self.needs_variable and conv.DATASOURCE_VARIABLE not in self.variables:
            out["templating"]["list"].insert(0, datasource_variable(self.datasource_uid))
        annotations = (doc.get("annotations") or {}).get("list") or []
        out["annotations"] = {"list": [self.annotation(a, i) for i, a in enumerate(annotations)]}
        out["links"] = [self.link(link) for link in doc.get("links") or []]
        if isinstance(out.get("timepicker"), dict):
            out["timepicker"] = {k: v for k, v in out["timepicker"].items()
                                 if v is not None and k != "time_options"}
        out["schemaVersion"] = schema_version
        layout(out["panels"], self.problems)
        number(out["panels"])
        return out

    def panels(self, panels: list, where: str = "") -> list:
        out = []
        for p in panels:
            if not isinstance(p, dict):
                self.problems.append(f"{where}panel {p!r} is not an object")
                continue
            out.append(self.panel(p, where))
        return out

    def panel(self, p: dict, where: str) -> dict:
        title = p.get("title") or "(untitled)"
        name = f"{where}panel {title!r}"
        kind = p.get("type")
        if not isinstance(kind, str) or not kind:
            self.problems.append(f"{name}: a panel needs a type (timeseries, stat, table, ...), got {kind!r}")
        p = {k: v for k, v in p.items() if v is not None and k not in _PANEL_DROP}
        if kind in _LEGACY_ONLY:
            instead = _LEGACY_ONLY[kind]
            self.problems.append(f"{name}: panel type {kind!r} is not built into current Grafana"
                                 + (f"; use {instead}" if instead else ""))
            return p
        if kind in _ANGULAR:
            self.warnings.append(f"{name}: {kind} is an Angular plugin, which Grafana 11 no longer loads (the panel "
                                 f"shows an error); use the '{_ANGULAR[kind]}' panel")
        if kind == "row":
            p["collapsed"] = bool(p.get("collapsed", False))
            p["panels"] = self.panels(p.get("panels") or [], f"row {title!r} ")
            ds = self.ref(p.pop("datasource", None), name)
            if ds is not None:
                p["datasource"] = ds
            return {k: v for k, v in p.items()
                    if k in ("type", "title", "collapsed", "panels", "gridPos", "id", "repeat", "datasource")}
        if p.get("alert"):
            self.warnings.append(f"{name}: legacy panel alerts were removed in Grafana 11, which ignores this one: "
                                 "dropped; define the rule in alerts/ (obskit.model.rules) instead")
        p.pop("alert", None)
        if kind == "graph":
            p = graph(p, name, self.problems, self.warnings)
        elif kind in ("singlestat", "grafana-singlestat-panel"):
            p = singlestat(p, name, self.problems)
        elif kind == "text":
            options = dict(p.get("options") or {})
            for key in ("mode", "content"):
                if key in p:
                    options.setdefault(key, p.pop(key))
            p["options"] = options
        kind = p.get("type")
        targets = p.get("targets") or []
        ds = self.ref(p.get("datasource"), name)
        if ds is None and targets and any("expr" in t for t in targets if isinstance(t, dict)):
            ds = {"type": "prometheus", "uid": "${%s}" % conv.DATASOURCE_VARIABLE}
            self.needs_variable = True
        if ds is not None:
            p["datasource"] = ds
        else:
            p.pop("datasource", None)
        if "targets" in p:
            p["targets"] = [self.target(t, i, name, ds) for i, t in enumerate(targets)]
        p["fieldConfig"] = self.field_config(p.get("fieldConfig") or {}, kind)
        p["options"] = with_default_options(kind, {k: v for k, v in (p.get("options") or {}).items()
                                                    if v is not None})
        if p.get("links"):
            p["links"] = [self.link(link, "link") if isinstance(link, dict) else link for link in p["links"]]
        for key in ("links", "transformations"):
            if key in p and not p[key]:
                p.pop(key)
        return p

    def target(self, t: dict, i: int, where: str, panel_ds: Optional[dict]) -> dict:
        if not isinstance(t, dict):
            self.problems.append(f"{where}: target {t!r} is not an object")
            return {}
        if t.get("target"):
            self.problems.append(f"{where}: target {t['target']!r} is a Graphite query; obskit dashboards "
                                 "query Prometheus, Loki and tracing datasources")
        out = {k: v for k, v in t.items() if v is not None and k not in _TARGET_DROP}
        if "query" in t and "expr" not in t and t["query"]:
            out["expr"] = t["query"]
        if not out.get("refId"):
            out["refId"] = _ref_id(i)
        ds = self.ref(t.get("datasource"), where)
        if ds is not None and ds != panel_ds:
            out["datasource"] = ds
        else:
            out.pop("datasource", None)
        return out

    def field_config(self, fc: dict, kind: Optional[str] = None) -> dict:
        defaults = {k: v for k, v in (fc.get("defaults") or {}).items() if v is not None}
        th = defaults.get("thresholds")
        if th is not None and (not isinstance(th, dict) or not isinstance(th.get("steps"), list) or not th["steps"]):
            defaults["thresholds"] = {"mode": (th or {}).get("mode", "absolute") if isinstance(th, dict)
                                      else "absolute", "steps": [{"color": "green", "value": None}]}
        elif th is not None:
            defaults["thresholds"] = {"mode": th.get("mode") or "absolute",
                                      "steps": [_step(s) for s in th["steps"] if isinstance(s, dict)]}
        if defaults.get("unit") == "":
            defaults.pop("unit")
        if isinstance(defaults.get("mappings"), list):
            defaults["mappings"] = [_without_none(m) for m in defaults["mappings"]]
        if isinstance(defaults.get("custom"), dict):
            defaults["custom"] = {k: v for k, v in defaults["custom"].items() if v is not None}
        if kind in FIELD_CUSTOM:
            defaults["custom"] = merged(FIELD_CUSTOM[kind], defaults.get("custom") or {})
        return {"defaults": defaults, "overrides": list(fc.get("overrides") or [])}

    # --- templating, annotations, links ----------------------------------------------------------
    def variable(self, v: dict, i: int) -> dict:
        out = {k: val for k, val in v.items() if val is not None and k not in _VARIABLE_DROP}
        where = f"variable {v.get('name', i)!r}"
        if "datasource" in v:
            ref = self.ref(v.get("datasource"), where)
            if ref is None:
                out.pop("datasource", None)
            else:
                out["datasource"] = ref
        cur = out.get("current")
        if isinstance(cur, dict):
            # grafanalib writes {selected, text, value, tags} with text/value None when there is no default:
            # Grafana then selects the first option; tags went with tag-based variables
            cur = {k: val for k, val in cur.items() if k in ("selected", "text", "value") and val is not None}
            if out.get("type") == "constant" and isinstance(out.get("query"), str) and "value" not in cur:
                cur = {"text": out["query"], "value": out["query"]}       # a constant's value is its query
            if "text" in cur and "value" in cur:
                out["current"] = cur
            else:
                out.pop("current")
        if "options" in out:
            out["options"] = [o for o in out["options"] if isinstance(o, dict) and "text" in o and "value" in o]
        return out

    def annotation(self, a: dict, i: int) -> dict:
        out = {k: v for k, v in a.items() if v is not None}
        if "datasource" in a:
            ref = self.ref(a["datasource"], f"annotation {a.get('name', i)!r}")
            if ref is None:
                out.pop("datasource", None)
            else:
                out["datasource"] = ref
        out.setdefault("enable", True)
        out.setdefault("iconColor", "rgba(0, 211, 255, 1)")
        return out

    @staticmethod
    def link(link: dict, kind: str = "dashboards") -> dict:
        """A dashboard link (``kind`` the default type) or a panel link (a url: type ``link``) with every
        field Grafana's schema wants."""
        base = {"title": "", "type": kind, "icon": "external link", "tooltip": "", "tags": [],
                "asDropdown": False, "targetBlank": False, "includeVars": False, "keepTime": False}
        base.update({k: v for k, v in link.items() if v is not None})
        if kind == "link":
            base.setdefault("url", "")
        return base

def datasource_variable(uid: str = DEFAULT_DATASOURCE_UID) -> dict:
    """The ``datasource`` variable added to a dashboard whose queries use ``${datasource}`` without
    defining it: Prometheus datasources, ``uid`` selected (``[grafana] prometheus_datasource_uid``)."""
    return {"type": "datasource", "name": conv.DATASOURCE_VARIABLE, "label": "Data source", "query": "prometheus",
            "current": {"text": uid, "value": uid},
            "hide": 0, "includeAll": False, "multi": False, "refresh": 1, "regex": "", "options": []}


def upgrade(doc: dict, schema_version: int, datasources: Mapping[str, dict],
            datasource_uid: str = DEFAULT_DATASOURCE_UID) -> Tuple[dict, List[str]]:
    """Convert one authored dashboard; returns it and the problems (empty when fully converted).
    ``datasources``: legacy datasource names → ``{type, uid}``; ``datasource_uid``: the default of a
    ``datasource`` variable the conversion adds."""
    u = Upgrade(datasources, datasource_uid)
    out = u.dashboard(doc, schema_version)
    return out, u.problems + u.warnings + u.unknown_uids        # strict: anything dropped is reported (the build: legacy.convert)


def _ref_id(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _without_none(value):
    """JSON-like ``value`` without ``None`` members of objects (grafanalib writes unset fields as null)."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def _step(step: dict) -> dict:
    """A threshold step as Grafana keeps it: ``color`` and ``value`` (grafanalib adds ``index``, ``op``,
    ``line`` and ``yaxis``, and writes the base step's value as the string ``'null'``)."""
    value = step.get("value")
    if isinstance(value, str):
        value = None if value in ("null", "") else _number(value)
    return {"color": step.get("color") or "green", "value": value}
