"""Validate Kubernetes objects the way the API server does with the Prometheus Operator's CRDs
(v0.93.0, ``../shared/schemas/prometheus-operator/``), in Python:

- :func:`pruned_fields`: every field of the object must be declared by the CRD's structural schema
  (``properties`` / ``additionalProperties`` / ``items``), except below a node marked
  ``x-kubernetes-preserve-unknown-fields: true``; the API server silently drops (prunes) any other
  field, so a field listed here would vanish on ``kubectl apply``. ``metadata`` is checked against
  the ObjectMeta fields obskit may write. Where the operator itself reads a preserved subtree with a
  known schema (an AlertmanagerConfig's child ``routes``, which it decodes as the same Route type
  and whose unknown fields it also ignores), :data:`RECURSIVE` names the schema to check it with.
- :func:`schema_errors`: JSON-schema validation of the same object (types, enums, patterns,
  required fields, ``x-kubernetes-int-or-string``); CEL rules (``x-kubernetes-validations``) are
  not evaluated.

A missing CRD directory skips on a laptop and fails under CI (CI lays shared/ beside the clone).
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest
import yaml

CRD_DIR = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "prometheus-operator"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

#: (group, kind) → CRD file
CRDS = {
    ("monitoring.coreos.com", "PrometheusRule"): "monitoring.coreos.com_prometheusrules.yaml",
    ("monitoring.coreos.com", "ServiceMonitor"): "monitoring.coreos.com_servicemonitors.yaml",
    ("monitoring.coreos.com", "PodMonitor"): "monitoring.coreos.com_podmonitors.yaml",
    ("monitoring.coreos.com", "AlertmanagerConfig"): "monitoring.coreos.com_alertmanagerconfigs.yaml",
}
#: ObjectMeta fields obskit writes (the API server knows many more; these are the ones we may use)
METADATA = {"name": str, "namespace": str, "labels": dict, "annotations": dict}
#: (kind, path of a preserved subtree) → path of the schema the operator decodes it with ("*" = any
#: index); the subtree's own ``routes`` are decoded the same way, at any depth
RECURSIVE = {("AlertmanagerConfig", ("spec", "route", "routes", "*")): ("spec", "route")}


def _recursive_target(kind: str, path: Tuple[str, ...]) -> Optional[Tuple[str, ...]]:
    for (k, pattern), target in RECURSIVE.items():
        if k != kind or len(path) < len(pattern) or path[:len(pattern) - 2] != pattern[:-2]:
            continue
        tail = path[len(pattern) - 2:]        # ("routes", i) repeated
        if len(tail) % 2 == 0 and all(tail[j] == pattern[-2] and tail[j + 1].isdigit() for j in range(0, len(tail), 2)):
            return target
    return None


def require_crds() -> Path:
    if not CRD_DIR.is_dir():
        (pytest.fail if IN_CI else pytest.skip)(f"{CRD_DIR} not present (the Prometheus Operator CRDs)")
    return CRD_DIR


class _Loader(yaml.SafeLoader):
    pass


# the CRDs' `- =` enum values are YAML 1.1 "value" tags: read them as the string "="
_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


@functools.lru_cache(maxsize=None)
def crd_schema(group: str, kind: str, version: str) -> dict:
    path = require_crds() / CRDS[(group, kind)]
    doc = yaml.load(path.read_text(), Loader=_Loader)
    for v in doc["spec"]["versions"]:
        if v["name"] == version:
            if not v.get("served", True):
                raise AssertionError(f"{kind} {version} is not served by the CRD")
            return v["schema"]["openAPIV3Schema"]
    raise AssertionError(f"{kind}: no version {version} in {path.name}")


def schema_for(obj: dict) -> dict:
    group, _, version = obj["apiVersion"].rpartition("/")
    return crd_schema(group, obj["kind"], version)


def _at(schema: dict, path: Tuple[str, ...]) -> dict:
    node = schema
    for part in path:
        node = node["properties"][part]
    return node


def _walk(value, schema: dict, path: Tuple[str, ...], kind: str, root: dict) -> Iterator[str]:
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        target = _recursive_target(kind, path)
        if target is not None:
            yield from _walk(value, _at(root, target), path, kind, root)
        return
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if props is not None and key in props:
                yield from _walk(item, props[key], path + (key,), kind, root)
            elif isinstance(extra, dict):
                yield from _walk(item, extra, path + (key,), kind, root)
            elif extra is True:
                continue
            else:
                yield ".".join(path + (key,))
    elif isinstance(value, list):
        items = schema.get("items")
        for i, item in enumerate(value):
            if isinstance(items, dict):
                yield from _walk(item, items, path + (str(i),), kind, root)


def pruned_fields(obj: dict) -> List[str]:
    """The paths of ``obj``'s fields the API server would prune (empty: nothing lost)."""
    schema = schema_for(obj)
    out = []
    for key, value in obj.items():
        if key == "metadata":
            for mk, mv in value.items():
                if mk not in METADATA or not isinstance(mv, METADATA[mk]):
                    out.append(f"metadata.{mk}")
            continue
        if key not in schema.get("properties", {}):
            out.append(key)
            continue
        out.extend(_walk(value, schema["properties"][key], (key,), obj["kind"], schema))
    return out


def _to_jsonschema(node):
    """OpenAPI v3 (Kubernetes flavour) → JSON Schema: int-or-string, nullable; the rest is shared."""
    if isinstance(node, list):
        return [_to_jsonschema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _to_jsonschema(v) for k, v in node.items() if not k.startswith("x-kubernetes-")}
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    out.pop("nullable", None)
    return out


@functools.lru_cache(maxsize=None)
def _re2(pattern: str):
    import re2
    return re2.compile(pattern)


def _pattern(validator, pattern, instance, schema):
    """``pattern`` as the API server reads it: Go's RE2 syntax (``(?i)`` anywhere, no look-arounds)."""
    from jsonschema.exceptions import ValidationError
    if isinstance(instance, str) and not _re2(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@functools.lru_cache(maxsize=None)
def _validator_class():
    import jsonschema
    return jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": _pattern})


def _make_validator(schema: dict):
    return _validator_class()(schema)


@functools.lru_cache(maxsize=None)
def _validator(group: str, kind: str, version: str):
    return _make_validator(_to_jsonschema(crd_schema(group, kind, version)))


def schema_errors(obj: dict) -> List[str]:
    group, _, version = obj["apiVersion"].rpartition("/")
    errors = []
    for e in _validator(group, obj["kind"], version).iter_errors(obj):
        errors.append(f"{'.'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}")
    # the preserved subtrees the operator decodes with a known schema
    for (kind, pattern), target in RECURSIVE.items():
        if kind != obj["kind"]:
            continue
        sub = _make_validator(_to_jsonschema(_at(crd_schema(group, kind, version), target)))
        for path, node in _find(obj, pattern):
            for e in sub.iter_errors(node):
                errors.append(f"{'.'.join(path + tuple(str(p) for p in e.absolute_path))}: {e.message}")
    return errors


def _find(obj, pattern: Tuple[str, ...], path: Tuple[str, ...] = ()):
    """Nodes at ``pattern`` (``*`` any list index), recursively (children of children too)."""
    if not pattern:
        yield path, obj
        if isinstance(obj, dict) and isinstance(obj.get("routes"), list):
            for i, child in enumerate(obj["routes"]):
                yield from _find(child, (), path + ("routes", str(i)))
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*" and isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _find(item, rest, path + (str(i),))
    elif isinstance(obj, dict) and head in obj:
        yield from _find(obj[head], rest, path + (head,))


def problems(obj: dict) -> List[str]:
    """Everything the API server would refuse or drop (``pruned: path`` / schema messages)."""
    return [f"pruned: {p}" for p in pruned_fields(obj)] + schema_errors(obj)


def load_objects(text: str) -> List[dict]:
    return [d for d in yaml.safe_load_all(text) if d]


def crd_objects(files: Dict[str, bytes]) -> Dict[str, dict]:
    """The rendered objects that have a CRD here, by path."""
    out = {}
    for path, data in sorted(files.items()):
        if not path.startswith("kubernetes/") or not path.endswith(".yaml"):
            continue
        for i, obj in enumerate(load_objects(data.decode())):
            group = obj["apiVersion"].rpartition("/")[0]
            if (group, obj["kind"]) in CRDS:
                out[path if i == 0 else f"{path}#{i}"] = obj
    return out

