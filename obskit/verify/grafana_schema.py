"""Validate dashboard JSON against Grafana's JSON schemas (``shared/schemas/grafana``, draft-07, copied
from grafana-foundation-sdk); schema v2 resources against grafana-foundation-sdk's ``dashboardv2`` types
(:func:`validate_v2_dashboard`, at the end of this module).

Three levels: the whole document (``dashboard.jsonschema.json``); each panel's ``options`` and
``fieldConfig.defaults.custom`` against its panel type's schema; each query against its datasource's
schema (``prometheus``, ``loki``, ``tempo``). Panel types and datasources without a schema there
(``row``, plugins) are checked at the document level only.

Two deliberate relaxations, where the export turned Grafana's CUE "any" (``_``) into ``object``:
``DynamicConfigValue.value`` (an override property: ``{"id": "unit", "value": "s"}`` is what Grafana's
own editor writes) and ``MatcherConfig.options`` (``{"id": "byName", "options": "P95"}``) accept any
JSON value, as Grafana does. A third, in the table schema: ``TableCellOptions`` is ``anyOf`` its
variants instead of ``oneOf``, because the export gave every variant's ``type`` the whole set of display
modes, so ``{"type": "auto"}`` (Grafana's default) matched several variants and was refused.

Prometheus queries are also parsed as PromQL (Grafana variables substituted), so a typo in a
dashboard query fails the build rather than showing "parse error" in a panel.

Panels are validated one by one against ``Panel`` or ``RowPanel`` (chosen by ``type``) so that an
error names the panel and the field instead of "not valid under any of the given schemas".

Every check runs first in jsonschema-rs (compiled, some 50 times faster than the Python
``jsonschema`` on big builds); only an instance it finds invalid is validated again by ``jsonschema``,
whose messages are the ones reported. Formats are not checked by either. Repeated instances (the
options and styles shared by generated panels) are checked once per validator.
"""
from __future__ import annotations

import copy
import functools
import json
import marshal
import os
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import jsonschema_rs
import orjson
from jsonschema import Draft7Validator

ENV = "OBSKIT_GRAFANA_SCHEMAS"
PANEL_SCHEMAS = ("bargauge", "gauge", "heatmap", "logs", "stat", "statetimeline", "table", "text", "timeseries")
QUERY_SCHEMAS = ("prometheus", "loki", "tempo")


class SchemasMissing(RuntimeError):
    pass


def schema_dir() -> Path:
    """``$OBSKIT_GRAFANA_SCHEMAS``, else the copy shipped in the package (``schemas/grafana``, from
    the team's shared schemas, Apache-2.0: see its LICENSE)."""
    env = os.environ.get(ENV)
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parent / "schemas" / "grafana")
    for c in candidates:
        if (c / "dashboard.jsonschema.json").is_file():
            return c
    raise SchemasMissing("Grafana JSON schemas not found (looked in "
                         + ", ".join(str(c) for c in candidates) + f"); set {ENV}")


@functools.lru_cache(maxsize=None)
def _load(directory: str, name: str) -> dict:
    return json.loads((Path(directory) / f"{name}.jsonschema.json").read_text())


@functools.lru_cache(maxsize=None)
def _validator(directory: str, name: str, definition: Optional[str]) -> "Optional[_TwoStage]":
    schema = copy.deepcopy(_load(directory, name))
    defs = schema.get("definitions", {})
    if name == "dashboard":
        defs["DynamicConfigValue"]["properties"]["value"] = {}
        defs["MatcherConfig"]["properties"]["options"] = {}
        if definition is None:   # panels are checked one by one (see validate_dashboard)
            defs["Dashboard"]["properties"]["panels"] = {"type": "array", "items": {"type": "object"}}
    if name == "table" and "oneOf" in defs.get("TableCellOptions", {}):
        # the variants' ``type`` is any display mode, not each one's own: ``{"type": "auto"}`` (what
        # Grafana writes by default) matches several, which ``oneOf`` rejects
        defs["TableCellOptions"] = {"anyOf": defs["TableCellOptions"]["oneOf"]}
    if definition is not None:
        if definition not in defs:
            return None
        schema = {"$ref": f"#/definitions/{definition}", "definitions": defs}
    Draft7Validator.check_schema(schema)
    inlined = _inline(schema, defs, ())
    inlined["definitions"] = defs            # any reference left (recursive ones) still resolves
    # panel options and styles repeat across panels: their valid instances are remembered
    return _TwoStage(inlined, remember=definition in ("Options", "FieldConfig"))


class _TwoStage:
    """jsonschema-rs says whether an instance is valid; Python's jsonschema says why it is not."""

    def __init__(self, schema: dict, remember: bool = False):
        self.fast = jsonschema_rs.Draft7Validator(schema, validate_formats=False)
        self.full = Draft7Validator(schema)
        self.remember = remember
        self.valid_keys: set = set()     # marshal bytes of small instances found valid

    def iter_errors(self, instance):
        key = None
        if self.remember:
            try:
                key = marshal.dumps(instance)     # exact for JSON data: tells 1 from 1.0 and True
            except ValueError:
                pass
            if key in self.valid_keys:
                return iter(())
        if self.fast.is_valid(instance):
            if key is not None and len(key) < 1024 and len(self.valid_keys) < 10_000:
                self.valid_keys.add(key)
            return iter(())
        return self.full.iter_errors(instance)


def _inline(node, defs: dict, stack: tuple):
    """The schema with local ``$ref``s replaced by their targets (same meaning in draft-07, where a
    ``$ref`` ignores its siblings; about three times faster to validate). Recursive refs are kept."""
    if isinstance(node, list):
        return [_inline(n, defs, stack) for n in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        name = ref.rsplit("/", 1)[1]
        if name in stack or name not in defs:
            return {"$ref": ref}
        return _inline(defs[name], defs, stack + (name,))
    return {k: (v if k in ("definitions", "enum", "const", "default") else _inline(v, defs, stack))
            for k, v in node.items() if k != "definitions"}


def _errors(validator: "_TwoStage", instance, where: str) -> List[str]:
    out = []
    for e in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in e.absolute_path)
        out.append(f"{where}{'/' + path if path else ''}: {e.message}")
    return out


def _panels(doc: dict) -> Iterable[tuple]:
    for i, p in enumerate(doc.get("panels") or []):
        if isinstance(p, dict):
            yield f"panels/{i}", p
            for j, q in enumerate(p.get("panels") or []):
                if isinstance(q, dict):
                    yield f"panels/{i}/panels/{j}", q


def validate_dashboard(doc: dict, schema_version: Optional[int] = None,
                       directory: "Path | None" = None) -> List[str]:
    """Every schema violation in one dashboard, as ``path: message`` lines (empty when valid)."""
    d = str(directory or schema_dir())
    problems = _errors(_validator(d, "dashboard", None), doc, "dashboard")
    if schema_version is not None and doc.get("schemaVersion") != schema_version:
        problems.append(f"dashboard/schemaVersion: {doc.get('schemaVersion')!r} is not {schema_version} "
                        "(the target Grafana's)")
    uid = doc.get("uid")
    if not isinstance(uid, str) or not 1 <= len(uid) <= 40:
        problems.append(f"dashboard/uid: {uid!r} must be a string of 1-40 characters")
    for i, p in enumerate(doc.get("panels") or []):
        if isinstance(p, dict):
            which = "RowPanel" if p.get("type") == "row" else "Panel"
            problems += _errors(_validator(d, "dashboard", which), p, f"panels/{i} ({p.get('title', '')!r})")
    for where, p in _panels(doc):
        kind = p.get("type")
        if kind in PANEL_SCHEMAS:
            v = _validator(d, kind, "Options")
            if v is not None:
                problems += _errors(v, p.get("options", {}), f"{where}/options")
            v = _validator(d, kind, "FieldConfig")
            config = p.get("fieldConfig")
            defaults = config.get("defaults") if isinstance(config, dict) else None
            custom = defaults.get("custom") if isinstance(defaults, dict) else None
            if v is not None and custom is not None:
                problems += _errors(v, custom, f"{where}/fieldConfig/defaults/custom")
        panel_type = (p.get("datasource") or {}).get("type") if isinstance(p.get("datasource"), dict) else None
        for k, t in enumerate(p.get("targets") or []):
            ds = t.get("datasource") if isinstance(t, dict) else None
            qtype = ds.get("type") if isinstance(ds, dict) else panel_type
            if qtype in QUERY_SCHEMAS:
                v = _validator(d, qtype, None)
                problems += _errors(v, t, f"{where}/targets/{k}")
            if qtype == "prometheus" and isinstance(t, dict) and isinstance(t.get("expr"), str):
                problem = promql_problem(t["expr"])
                if problem:
                    problems.append(f"{where}/targets/{k}/expr: {problem}")
    return problems


def promql_problem(expr: str) -> Optional[str]:
    """Why a Prometheus query does not parse (None when it does), Grafana variables read as Grafana
    fills them in (ranges, scalar positions such as ``topk($n, ...)``): :func:`obskit.promql.grafana_query_problem`."""
    from obskit.promql import grafana_query_problem
    return grafana_query_problem(expr)


def _parse(data: bytes):
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:     # NaN, integers beyond 64 bits: Python's reader takes them
        return json.loads(data)


def validate_files(files: Dict[str, bytes], schema_version: Optional[int] = None, schema: Optional[str] = None,
                   api: Optional[str] = None) -> List[str]:
    """Validate every ``grafana/dashboards/**.json`` of a build; problems prefixed with the path. A schema
    v2 resource (``apiVersion`` dashboard.grafana.app/v2...) is checked by :func:`validate_v2_dashboard`,
    a classic dashboard by :func:`validate_dashboard`; ``schema`` ("v1" or "v2"), when given, is the model
    every file must be in, ``api`` the v2 ``apiVersion`` they must have."""
    directory = schema_dir()
    out = []
    for path, data in sorted(files.items()):
        if path.startswith("grafana/dashboards/") and path.endswith(".json"):
            doc = _parse(data)
            v2 = isinstance(doc, dict) and "apiVersion" in doc
            if schema is not None and v2 != (schema == "v2"):
                out.append(f"{path}: a {'schema v2' if v2 else 'classic'} dashboard in a build of schema {schema}")
                continue
            problems = (validate_v2_dashboard(doc, api, directory) if v2
                        else validate_dashboard(doc, schema_version, directory))
            out += [f"{path}: {m}" for m in problems]
    return out


# --- dashboard schema v2 ------------------------------------------------------------------------------
# No JSON schema of v2 ships in shared/: the published one is grafana-foundation-sdk's generated types
# (``grafana_foundation_sdk.models.dashboardv2`` and ``dashboardv2beta1``, one class per CUE definition).
# A draft-07 schema is derived from them: each class's JSON keys and which are always written come from
# its ``to_json`` (the generated ``payload = {...}`` literal and ``payload["key"] = ...`` lines), their
# types from the class annotations; unions of ``kind``-tagged classes are told apart by ``kind``; enums
# are their values; unknown keys are refused (the CUE definitions are closed). ``object`` (CUE ``_``:
# query specs, panel options) accepts anything here and is checked below against the classic schemas.

V2_MODULES = {"dashboard.grafana.app/v2": "dashboardv2", "dashboard.grafana.app/v2beta1": "dashboardv2beta1"}


def _v2_module(api: str):
    import importlib
    import warnings
    with warnings.catch_warnings():          # dashboardv2beta1 warns "Prefer using dashboardv2" on import
        warnings.simplefilter("ignore", DeprecationWarning)
        return importlib.import_module(f"grafana_foundation_sdk.models.{V2_MODULES[api]}")


def _json_keys(cls) -> "tuple[Dict[str, str], List[str]]":
    """JSON key → attribute of a generated class, and the keys its ``to_json`` always writes."""
    import ast
    import inspect
    import textwrap
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls.to_json)))
    keys: Dict[str, str] = {}
    required: List[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Dict):
            for k, v in zip(node.value.keys, node.value.values):
                if isinstance(k, ast.Constant) and isinstance(v, ast.Attribute):
                    keys[k.value] = v.attr
                    required.append(k.value)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
            key = node.targets[0].slice
            if isinstance(key, ast.Constant) and isinstance(node.value, ast.Attribute):
                keys[key.value] = node.value.attr
    return keys, required


class _V2SchemaBuilder:
    def __init__(self, module):
        self.module = module
        self.defs: Dict[str, dict] = {}

    def resolve(self, hint):
        import typing
        for _ in range(10):
            if isinstance(hint, typing.ForwardRef):
                hint = hint.__forward_arg__
            if isinstance(hint, str):
                hint = getattr(self.module, hint) if hasattr(self.module, hint) else eval(  # noqa: S307
                    hint, vars(self.module))
                continue
            return hint
        return hint

    def type_schema(self, hint, nullable: bool = False) -> dict:
        import enum
        import typing
        hint = self.resolve(hint)
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin is typing.Union:
            members = [self.resolve(a) for a in args]
            none = type(None) in members
            members = [m for m in members if m is not type(None)]
            if len(members) == 1:
                out = self.type_schema(members[0])
            else:
                kinds = [self._kind(m) for m in members]
                if all(kinds):
                    out = {"type": "object", "required": ["kind"],
                           "properties": {"kind": {"enum": kinds}},
                           "allOf": [{"if": {"properties": {"kind": {"const": k}}, "required": ["kind"]},
                                      "then": self.type_schema(m)} for k, m in zip(kinds, members)]}
                else:
                    out = {"anyOf": [self.type_schema(m) for m in members]}
            return {"anyOf": [out, {"type": "null"}]} if none and nullable else out
        if origin is typing.Literal:
            return {"enum": list(args)}
        if origin is list:
            return {"type": "array", "items": self.type_schema(args[0]) if args else {}}
        if origin is dict:
            return {"type": "object", "additionalProperties": self.type_schema(args[1]) if len(args) > 1 else {}}
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return {"type": "string", "enum": [m.value for m in hint]}
        simple = {str: {"type": "string"}, bool: {"type": "boolean"}, int: {"type": "integer"},
                  float: {"type": "number"}}
        if hint in simple:
            return dict(simple[hint])
        if isinstance(hint, type) and hasattr(hint, "to_json") and hint.__module__ == self.module.__name__:
            self.define(hint)
            return {"$ref": f"#/definitions/{hint.__name__}"}
        return {}                                   # object, typing.Any: any JSON value

    def _kind(self, cls) -> Optional[str]:
        import typing
        hint = getattr(cls, "__annotations__", {}).get("kind")
        if hint is None:
            return None
        hint = self.resolve(hint)
        args = typing.get_args(hint) if typing.get_origin(hint) is typing.Literal else ()
        return args[0] if len(args) == 1 else None

    def define(self, cls) -> None:
        name = cls.__name__
        if name in self.defs:
            return
        self.defs[name] = {}                        # placeholder: recursive definitions
        keys, required = _json_keys(cls)
        hints = {}
        for klass in reversed(cls.__mro__):
            hints.update(getattr(klass, "__annotations__", {}))
        import inspect
        params = inspect.signature(cls.__init__).parameters
        fixed = cls() if any(a not in params for a in keys.values()) else None
        props = {}
        for key, attr in keys.items():
            hint = hints.get(attr)
            props[key] = self.type_schema(hint, nullable=key in required) if hint is not None else {}
            if attr not in params and isinstance(getattr(fixed, attr, None), str):
                props[key] = {"const": str(getattr(fixed, attr))}     # set by __init__: kind, repeat mode
        self.defs[name] = {"type": "object", "properties": props, "required": sorted(required),
                           "additionalProperties": False}


@functools.lru_cache(maxsize=None)
def v2_schema(api: str) -> dict:
    """The draft-07 schema of a v2 dashboard resource (``apiVersion`` ``api``) from the SDK's types."""
    module = _v2_module(api)
    builder = _V2SchemaBuilder(module)
    builder.define(module.Dashboard)
    resource = {"type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
                "additionalProperties": False,
                "properties": {"apiVersion": {"const": api}, "kind": {"const": "Dashboard"},
                               "metadata": {"type": "object", "required": ["name"],
                                            "properties": {"name": {"type": "string"},
                                                           "annotations": {"type": "object",
                                                                           "additionalProperties": {"type": "string"}},
                                                           "labels": {"type": "object",
                                                                      "additionalProperties": {"type": "string"}}}},
                               "spec": {"$ref": "#/definitions/Dashboard"}},
                "definitions": builder.defs}
    Draft7Validator.check_schema(resource)
    return resource


@functools.lru_cache(maxsize=None)
def _v2_validator(api: str) -> "_TwoStage":
    schema = copy.deepcopy(v2_schema(api))
    defs = schema["definitions"]
    inlined = _inline(schema, defs, ())
    inlined["definitions"] = defs
    return _TwoStage(inlined)


def _layout_items(layout, path: str) -> Iterable[tuple]:
    """Every grid or auto-grid item of a layout, nested rows and tabs included: (path, item spec, grid path)."""
    if not isinstance(layout, dict):
        return
    kind, spec = layout.get("kind"), layout.get("spec") or {}
    if kind in ("GridLayout", "AutoGridLayout"):
        for i, item in enumerate(spec.get("items") or []):
            if isinstance(item, dict) and isinstance(item.get("spec"), dict):
                yield f"{path}/spec/items/{i}", item["spec"], path, kind
    elif kind in ("RowsLayout", "TabsLayout"):
        key = "rows" if kind == "RowsLayout" else "tabs"
        for i, child in enumerate(spec.get(key) or []):
            if isinstance(child, dict) and isinstance(child.get("spec"), dict):
                yield from _layout_items(child["spec"].get("layout"), f"{path}/spec/{key}/{i}/spec/layout")


def _row_repeats(layout, path: str) -> Iterable[tuple]:
    if not isinstance(layout, dict) or layout.get("kind") not in ("RowsLayout", "TabsLayout"):
        return
    key = "rows" if layout.get("kind") == "RowsLayout" else "tabs"
    for i, child in enumerate((layout.get("spec") or {}).get(key) or []):
        spec = child.get("spec") if isinstance(child, dict) else None
        if isinstance(spec, dict):
            repeat = spec.get("repeat")
            if isinstance(repeat, dict):
                yield f"{path}/spec/{key}/{i}/spec/repeat/value", repeat.get("value")
            yield from _row_repeats(spec.get("layout"), f"{path}/spec/{key}/{i}/spec/layout")


def validate_v2_dashboard(doc: dict, api: Optional[str] = None, directory: "Path | None" = None) -> List[str]:
    """Every problem of one schema v2 dashboard resource, as ``path: message`` lines (empty when valid):
    the structure against grafana-foundation-sdk's types for its ``apiVersion`` (``api``: the one it
    must have), then what types cannot say: layout items name existing elements and place each one,
    items fit the 24-column grid without overlapping, repeats and ``${var}`` datasources name defined
    variables, panel options and Prometheus queries pass the classic per-panel and query schemas, and
    the PromQL parses."""
    if not isinstance(doc, dict):
        return ["dashboard: a schema v2 dashboard resource must be a JSON object"]
    given = doc.get("apiVersion")
    if given not in V2_MODULES:
        return [f"dashboard/apiVersion: {given!r} is not a schema v2 dashboard API version "
                f"({', '.join(sorted(V2_MODULES))})"]
    problems = []
    if api is not None and given != api:
        problems.append(f"dashboard/apiVersion: {given!r} is not {api!r} (the target Grafana's)")
    problems += _errors(_v2_validator(given), doc, "dashboard")
    if problems:
        return problems                      # the semantic checks below read a well-formed document
    name = doc["metadata"]["name"]
    if not re.fullmatch(r"[a-zA-Z0-9_-]{1,40}", name):
        problems.append(f"dashboard/metadata/name: {name!r} must be a uid of 1-40 characters of [a-zA-Z0-9_-]")
    spec = doc["spec"]
    elements = spec["elements"]
    variables = {v["spec"]["name"]: v["kind"] for v in spec["variables"]}
    placed: Dict[str, str] = {}
    grids: Dict[str, List[tuple]] = {}
    for path, item, grid, kind in _layout_items(spec["layout"], "dashboard/spec/layout"):
        ref = item["element"]["name"]
        if ref not in elements:
            problems.append(f"{path}/element/name: {ref!r} is not an element of spec.elements")
        elif ref in placed:
            problems.append(f"{path}/element/name: element {ref!r} is placed twice (also at {placed[ref]})")
        placed.setdefault(ref, path)
        repeat = item.get("repeat")
        if isinstance(repeat, dict) and repeat.get("value") not in variables:
            problems.append(f"{path}/repeat/value: {repeat.get('value')!r} is not a variable of the dashboard")
        if kind == "GridLayout":
            x, y, w, h = item["x"], item["y"], item["width"], item["height"]
            if w < 1 or h < 1 or x < 0 or y < 0 or x + w > 24:
                problems.append(f"{path}: x={x} y={y} width={w} height={h} is not on the 24-column grid "
                                "(need 1 ≤ width, x + width ≤ 24, height ≥ 1, x, y ≥ 0)")
            for other_path, ox, oy, ow, oh in grids.get(grid, []):
                if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                    problems.append(f"{path}: overlaps {other_path}")
            grids.setdefault(grid, []).append((path, x, y, w, h))
    for path, value in _row_repeats(spec["layout"], "dashboard/spec/layout"):
        if value not in variables:
            problems.append(f"{path}: {value!r} is not a variable of the dashboard")
    for key in sorted(set(elements) - set(placed)):
        problems.append(f"dashboard/spec/elements/{key}: not placed in the layout (no layout item names it)")
    d = str(directory or schema_dir())
    ids: Dict[object, str] = {}
    for key, element in sorted(elements.items()):
        where = f"dashboard/spec/elements/{key}"
        if element["kind"] != "Panel":
            continue
        panel = element["spec"]
        if panel["id"] in ids:
            problems.append(f"{where}/spec/id: {panel['id']} is also the id of element {ids[panel['id']]!r}")
        ids.setdefault(panel["id"], key)
        viz = panel["vizConfig"]
        kind, viz_spec = viz["group"], viz["spec"]
        if kind in PANEL_SCHEMAS:
            v = _validator(d, kind, "Options")
            if v is not None and isinstance(viz_spec.get("options"), dict):
                problems += _errors(v, viz_spec["options"], f"{where}/spec/vizConfig/spec/options")
            custom = viz_spec["fieldConfig"]["defaults"].get("custom")
            v = _validator(d, kind, "FieldConfig")
            if v is not None and custom is not None:
                problems += _errors(v, custom, f"{where}/spec/vizConfig/spec/fieldConfig/defaults/custom")
        for k, q in enumerate(panel["data"]["spec"]["queries"]):
            query = q["spec"]["query"]
            qwhere = f"{where}/spec/data/spec/queries/{k}/spec/query"
            uid = (query.get("datasource") or {}).get("name")
            var = re.fullmatch(r"\$\{?(\w+)\}?", uid) if isinstance(uid, str) else None
            if var and variables.get(var.group(1)) != "DatasourceVariable":
                problems.append(f"{qwhere}/datasource/name: {uid!r} names no datasource variable of the dashboard")
            if query["group"] in QUERY_SCHEMAS and isinstance(query.get("spec"), dict):
                target = {"refId": q["spec"]["refId"], **query["spec"]}
                problems += _errors(_validator(d, query["group"], None), target, f"{qwhere}/spec")
            if query["group"] == "prometheus" and isinstance((query.get("spec") or {}).get("expr"), str):
                problem = promql_problem(query["spec"]["expr"])
                if problem:
                    problems.append(f"{qwhere}/spec/expr: {problem}")
    return problems
