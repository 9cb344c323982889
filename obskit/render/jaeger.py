"""Jaeger sampling strategies JSON, and a validator for such files (ours or hand-written).

JSON has no comments, so this file carries no generated-file header; Jaeger's loader (Go
``encoding/json``) would ignore an extra key, but the validator below rejects unknown keys because
that same leniency turns a typo such as ``operation_strategy`` into a silently ignored setting.
"""
from __future__ import annotations

import json
from typing import Dict, List, Tuple

from obskit.model.tracing import JaegerSampling, Strategy, strategy_problems


def _param(s: Strategy):
    if s.type == "ratelimiting":
        return int(s.param)
    return float(s.param)


def _strategy(s: Strategy) -> Dict[str, object]:
    return {"type": s.type, "param": _param(s)}


def _operations(ops) -> List[Dict[str, object]]:
    return [{"operation": op.operation, **_strategy(op.strategy)} for op in ops]


def sampling_dict(sampling: JaegerSampling) -> Dict[str, object]:
    default = _strategy(sampling.default)
    if sampling.default_operations:
        default["operation_strategies"] = _operations(sampling.default_operations)
    services = []
    for s in sampling.services:
        entry: Dict[str, object] = {"service": s.service, **_strategy(s.strategy)}
        if s.operations:
            entry["operation_strategies"] = _operations(s.operations)
        services.append(entry)
    return {"service_strategies": services, "default_strategy": default}


def render_sampling(sampling: JaegerSampling) -> bytes:
    return (json.dumps(sampling_dict(sampling), indent=2, ensure_ascii=False) + "\n").encode()


# ------------------------------------------------------------------------------------------ validator
_TOP = {"service_strategies", "default_strategy"}
_SERVICE = {"service", "type", "param", "operation_strategies"}
_DEFAULT = {"type", "param", "operation_strategies"}
_OPERATION = {"operation", "type", "param"}


def validate_sampling(doc: object) -> List[Tuple[str, str]]:
    """(code, message) for everything Jaeger's file provider would ignore, truncate or replace."""
    out: List[Tuple[str, str]] = []
    if not isinstance(doc, dict):
        return [("bad-document", "the strategies file must be a JSON object")]
    for k in sorted(set(doc) - _TOP):
        out.append(("unknown-key", f"unknown top-level key {k!r} (Jaeger ignores it)"))
    if "default_strategy" in doc:
        out += _check_strategy(doc["default_strategy"], "default_strategy", _DEFAULT)
    services = doc.get("service_strategies", [])
    if not isinstance(services, list):
        return out + [("bad-document", "service_strategies must be a list")]
    seen = set()
    for i, s in enumerate(services):
        where = f"service_strategies[{i}]"
        if isinstance(s, dict) and isinstance(s.get("service"), str) and s["service"]:
            where = f"service {s['service']!r}"
            if s["service"] in seen:
                out.append(("duplicate-service", f"{where}: listed twice (Jaeger keeps the last)"))
            seen.add(s["service"])
        elif isinstance(s, dict):
            out.append(("bad-strategy", f"{where}: 'service' must be a non-empty string"))
        out += _check_strategy(s, where, _SERVICE)
    return out


def _check_strategy(s: object, where: str, keys) -> List[Tuple[str, str]]:
    if not isinstance(s, dict):
        return [("bad-strategy", f"{where}: must be an object")]
    out = [("unknown-key", f"{where}: unknown key {k!r} (Jaeger ignores it)") for k in sorted(set(s) - keys)]
    if "type" not in s or "param" not in s:
        out.append(("bad-strategy", f"{where}: needs 'type' and 'param'"))
    else:
        out += [(code, msg) for code, msg, _ in strategy_problems(Strategy(type=s["type"], param=s["param"]), where)]
    ops = s.get("operation_strategies", [])
    if not isinstance(ops, list):
        return out + [("bad-strategy", f"{where}: operation_strategies must be a list")]
    seen = set()
    for j, op in enumerate(ops):
        w = f"{where} operation_strategies[{j}]"
        if not isinstance(op, dict):
            out.append(("bad-strategy", f"{w}: must be an object"))
            continue
        if not isinstance(op.get("operation"), str) or not op["operation"]:
            out.append(("bad-strategy", f"{w}: 'operation' must be a non-empty string"))
        else:
            w = f"{where} operation {op['operation']!r}"
            if op["operation"] in seen:
                out.append(("duplicate-operation", f"{w}: listed twice"))
            seen.add(op["operation"])
        out += [("unknown-key", f"{w}: unknown key {k!r}") for k in sorted(set(op) - _OPERATION)]
        if "type" not in op or "param" not in op:
            out.append(("bad-strategy", f"{w}: needs 'type' and 'param'"))
            continue
        out += [(code, msg) for code, msg, _ in strategy_problems(Strategy(type=op["type"], param=op["param"]), w)]
        if op["type"] == "ratelimiting":
            out.append(("ratelimiting-operation", f"{w}: per-operation strategies can only be probabilistic; "
                                                  "Jaeger ignores this one"))
    return out
