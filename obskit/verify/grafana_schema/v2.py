"""Dashboard schema v2 resources against grafana-foundation-sdk's ``dashboardv2`` types: a draft-07
schema derived from the generated classes, the layout's references, and the parts v2 leaves open
(query specs, panel options) against the classic schemas of :mod:`.v1`."""
from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from jsonschema import Draft7Validator

from obskit.verify.grafana_schema.v1 import (PANEL_SCHEMAS, QUERY_SCHEMAS, _errors, _inline, _TwoStage, _validator,
                                             promql_problem, schema_dir)


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
