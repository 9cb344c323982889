"""Classic dashboards (schema v1) against Grafana's JSON schemas: the document, each panel's options
and field config against its panel type's schema, each query against its datasource's schema, and
Prometheus queries parsed as PromQL. The schemas, the two-stage validators (jsonschema-rs first,
``jsonschema`` for the message) and the relaxations are described in :mod:`obskit.verify.grafana_schema`.
"""
from __future__ import annotations

import copy
import functools
import json
import marshal
import os
from pathlib import Path
from typing import Iterable, List, Optional

import jsonschema_rs
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
    candidates.append(Path(__file__).resolve().parent.parent / "schemas" / "grafana")   # obskit/verify/schemas
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
