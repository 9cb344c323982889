"""``alertmanager.yml`` → the Python module: routes, inhibit rules, time intervals, global fields and
templates, the receivers (:mod:`.receivers`), then every generated call evaluated against the model so
its problems point at the YAML line."""
from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from obskit.errors import Diagnostic
from obskit.interop.alertmanager.receivers import _receiver, _secret
from obskit.interop.alertmanager.source import (INHIBIT_KEYS, PERIOD_KEYS, ROUTE_KEYS, TOP_KEYS, _GLOBAL_FIELDS,
                                                _Ctx, _bool, _legacy_matchers, _mapping, _strs, _unknown)
from obskit.interop.codegen import Call, Raw, assignment, code, imports
from obskit.interop.common import SourceError
from obskit.interop.findings import Finding
from obskit.interop.prometheus_rules import _located
from obskit.interop.pycode import identifier
from obskit.interop.yamlsrc import Mapping, Sequence as YSeq, is_null, load_all
from obskit.location import Location


# --- routes ----------------------------------------------------------------------------------------
def _route(ctx: _Ctx, d, line: int, depth: int = 0) -> Call:
    d = _mapping(ctx, d, line, "route")
    _unknown(ctx, d, ROUTE_KEYS, "route")
    kw: Dict[str, object] = {}
    if not is_null(d.get("receiver")):
        kw["receiver"] = str(d["receiver"])
    matchers = list(_strs(ctx, d.get("matchers"), d.line_of("matchers"), "matchers"))
    if "match" in d or "match_re" in d:
        try:
            legacy = _legacy_matchers(d, "match", "match_re")
        except ValueError as exc:
            raise ctx.fail(d.line_of("match" if "match" in d else "match_re"), str(exc)) from None
        ctx.changed(f"route at line {d.line}", f"match/match_re (deprecated) written as matchers {legacy}: the same "
                                               "alerts match")
        matchers += legacy
    if matchers:
        kw["matchers"] = tuple(matchers)
    if "group_by" in d and not is_null(d["group_by"]):
        kw["group_by"] = _strs(ctx, d["group_by"], d.line_of("group_by"), "group_by")
    if "continue" in d:
        value = _bool(ctx, d["continue"], d.line_of("continue"), "continue")
        if value:
            kw["continue_"] = True
    for attr in ("group_wait", "group_interval", "repeat_interval"):
        if not is_null(d.get(attr)):
            kw[attr] = str(d[attr])
    for attr in ("mute_time_intervals", "active_time_intervals"):
        names = _strs(ctx, d.get(attr), d.line_of(attr), attr)
        if names:
            kw[attr] = names
    routes = d.get("routes")
    if not is_null(routes):
        if not isinstance(routes, YSeq):
            raise ctx.fail(d.line_of("routes"), "routes must be a list of routes")
        kw["routes"] = tuple(_route(ctx, r, ln, depth + 1) for r, ln in zip(routes, routes.item_lines))
    return Call("Route", kw, comment=ctx.at(d.line) if depth else "", line=d.line)


# --- the rest ------------------------------------------------------------------------------------
def _inhibit(ctx: _Ctx, d, line: int) -> Call:
    d = _mapping(ctx, d, line, "inhibit rule")
    _unknown(ctx, d, INHIBIT_KEYS, "inhibit rule")
    kw: Dict[str, object] = {}
    for side in ("source", "target"):
        matchers = list(_strs(ctx, d.get(f"{side}_matchers"), d.line_of(f"{side}_matchers"), f"{side}_matchers"))
        if f"{side}_match" in d or f"{side}_match_re" in d:
            legacy = _legacy_matchers(d, f"{side}_match", f"{side}_match_re")
            ctx.changed(f"inhibit rule at line {d.line}", f"{side}_match/{side}_match_re (deprecated) written as "
                                                          f"{side} matchers {legacy}")
            matchers += legacy
        kw[side] = tuple(matchers)
    equal = _strs(ctx, d.get("equal"), d.line_of("equal"), "equal")
    if equal:
        kw["equal"] = equal
    return Call("Inhibit", kw, comment=ctx.at(d.line), line=d.line)


def _interval(ctx: _Ctx, d, line: int) -> Call:
    d = _mapping(ctx, d, line, "time interval")
    _unknown(ctx, d, ("name", "time_intervals"), "time interval")
    periods = []
    items = d.get("time_intervals")
    for p, ln in zip(items, items.item_lines) if isinstance(items, YSeq) else ():
        p = _mapping(ctx, p, ln, "time interval period")
        _unknown(ctx, p, PERIOD_KEYS, "time interval period")
        kw: Dict[str, object] = {}
        if not is_null(p.get("times")):
            times = []
            for t, tl in zip(p["times"], p["times"].item_lines) if isinstance(p["times"], YSeq) else ():
                t = _mapping(ctx, t, tl, "times entry")
                _unknown(ctx, t, ("start_time", "end_time"), "times entry")
                times.append((str(t.get("start_time", "")), str(t.get("end_time", ""))))
            kw["times"] = tuple(times)
        for attr in ("weekdays", "days_of_month", "months", "years"):
            if not is_null(p.get(attr)):
                kw[attr] = _strs(ctx, p[attr], p.line_of(attr), attr)
        if not is_null(p.get("location")):
            kw["location"] = str(p["location"])
        periods.append(Call("Period", kw, line=p.line))
    return Call("TimeInterval", {"name": str(d.get("name", "")), "periods": tuple(periods)}, line=d.line)


def _global(ctx: _Ctx, d: Mapping) -> Optional[Call]:
    kw: Dict[str, object] = {}
    for k, v in d.items():
        if is_null(v):
            continue
        if k in ("smtp_auth_password", "slack_api_url", "opsgenie_api_key"):
            kw[k] = _secret(ctx, "alertmanager-global", k)
            ctx.changed("global", f"{k}: the value is not written into the code; store it in Secret "
                                  f"'alertmanager-global' key {k!r}")
        elif k.endswith("_file") and k[:-5] in ("smtp_auth_password", "slack_api_url", "opsgenie_api_key"):
            kw[k[:-5]] = _secret(ctx, "alertmanager-global", k[:-5], path=str(v))
        elif k == "smtp_require_tls":
            kw[k] = _bool(ctx, v, d.line_of(k), k)
        elif k in _GLOBAL_FIELDS:
            kw[k] = str(v)
        else:
            ctx.lost("global", f"{k} is not modelled by GlobalConfig (not carried over)")
    return Call("GlobalConfig", kw, line=d.line) if kw else None


def _templates(ctx: _Ctx, value, line: int) -> List[Call]:
    out, names = [], set()
    base = Path(ctx.path).parent
    for pattern in _strs(ctx, value, line, "templates"):
        full = pattern if Path(pattern).is_absolute() else str(base / pattern)
        found = sorted(glob.glob(full))
        if not found:
            ctx.lost("templates", f"{pattern!r} matches no file here: its templates are not carried over")
        for f in found:
            name = re.sub(r"[^a-z0-9_-]+", "-", Path(f).stem.lower()).strip("-") or "template"
            while name in names:
                name += "-2"
            names.add(name)
            out.append(Call("Template", {"name": name, "text": Path(f).read_text()}, comment=f"{pattern} → {f}",
                            line=line))
    return out


@dataclass(frozen=True)
class AlertmanagerImport:
    module: str
    code: str
    findings: Tuple[Finding, ...]
    diagnostics: Tuple[Diagnostic, ...]
    receivers: int
    routes: int


def convert(path: "str | Path", module: Optional[str] = None) -> AlertmanagerImport:
    """One alertmanager.yml as a Python module; SourceError when it is not one (or amtool would
    refuse its shape: unknown keys, a receiver without a name, ...)."""
    path = Path(path)
    label = str(path)
    docs = load_all(path)
    if len(docs) != 1 or not isinstance(docs[0], Mapping):
        raise SourceError(f"{path}:1: not an Alertmanager configuration (want one YAML mapping with route and receivers)")
    doc = docs[0]
    if "route" not in doc or "receivers" not in doc:
        kind = f" (kind {doc['kind']})" if doc.get("kind") else ""
        raise SourceError(f"{path}:{doc.line}: not an Alertmanager configuration{kind}: it needs route and receivers")
    ctx = _Ctx(str(path), label, [])
    _unknown(ctx, doc, TOP_KEYS, "the Alertmanager configuration")
    receivers = doc["receivers"]
    if not isinstance(receivers, YSeq):
        raise ctx.fail(doc.line_of("receivers"), "receivers must be a list")
    names: List[str] = ["Alertmanager", "Receiver", "Route"]
    parts: List[str] = []
    receiver_vars, used_vars = [], {"alertmanager"}
    for r, ln in zip(receivers, receivers.item_lines):
        name, call, used = _receiver(ctx, r, ln)
        names += used
        var = identifier(name)
        while var in used_vars:
            var += "_"
        used_vars.add(var)
        receiver_vars.append((var, call, ln))
    kw: Dict[str, object] = {}
    g = _global(ctx, _mapping(ctx, doc.get("global"), doc.line_of("global"), "global")) if "global" in doc else None
    if g is not None:
        kw["global_config"] = g
        names.append("GlobalConfig")
    kw["route"] = _route(ctx, doc["route"], doc.line_of("route"))
    kw["receivers"] = tuple(Raw(v) for v, _, _ in receiver_vars)
    inhibits = doc.get("inhibit_rules")
    if not is_null(inhibits):
        kw["inhibit_rules"] = tuple(_inhibit(ctx, i, ln) for i, ln in zip(inhibits, inhibits.item_lines))
        names.append("Inhibit")
    intervals = []
    for key in ("time_intervals", "mute_time_intervals"):
        items = doc.get(key)
        if not is_null(items):
            if key == "mute_time_intervals":
                ctx.changed("mute_time_intervals", "the deprecated top-level mute_time_intervals are written as "
                                                   "time_intervals (same meaning)")
            intervals += [_interval(ctx, t, ln) for t, ln in zip(items, items.item_lines)]
    if intervals:
        kw["time_intervals"] = tuple(intervals)
        names += ["TimeInterval", "Period"]
    if not is_null(doc.get("templates")):
        templates = _templates(ctx, doc["templates"], doc.line_of("templates"))
        if templates:
            kw["templates"] = tuple(templates)
            names.append("Template")
    kw["generated_inhibitions"] = False
    if any(_has(c, "Secret") for c in [kw.get("global_config")] + [c for _, c, _ in receiver_vars]):
        names.append("Secret")

    # validate: build the model objects, problems located at the YAML lines
    diags: List[Diagnostic] = []
    env: Dict[str, object] = {}
    for var, call, ln in receiver_vars:
        env[var] = _evaluate(call, env, label, diags)
    am = _evaluate(Call("Alertmanager", kw, line=doc.line), env, label, diags)
    del am

    doc_text = (f'"""Alertmanager configuration imported from {label} by `obskit import alertmanager`. This file is '
                "now the source of truth: edit it, then `obskit build` and `obskit test`. The comments name each "
                'part\'s line in the source; secrets are Secret references (put the values in those Secrets)."""')
    import textwrap
    head = "\n".join(textwrap.wrap(doc_text, 100))
    parts.append(head + "\n" + imports("obskit.model.alertmanager", names))
    for var, call, ln in receiver_vars:
        parts.append(assignment(var, call, comment=ctx.at(ln)))
    parts.append(assignment("alertmanager", Call("Alertmanager", kw), comment=ctx.at(doc.line)))
    routes = _count_routes(kw["route"])
    return AlertmanagerImport(module or identifier(path.stem), "\n\n\n".join(parts) + "\n", tuple(ctx.findings),
                              tuple(diags), len(receiver_vars), routes)


def _has(value, name: str) -> bool:
    if isinstance(value, Call):
        return value.name == name or any(_has(v, name) for v in list(value.kwargs.values()) + list(value.args))
    if isinstance(value, (tuple, list)):
        return any(_has(v, name) for v in value)
    return False


def _count_routes(call: Call) -> int:
    return 1 + sum(_count_routes(c) for c in call.kwargs.get("routes", ()))


def _evaluate(value, env: Dict[str, object], label: str, diags: List[Diagnostic]):
    """The model object a Call stands for (constructors' problems moved to the Call's YAML line)."""
    import obskit.model.alertmanager as am
    if isinstance(value, Raw):
        return env[value.code]
    if isinstance(value, (tuple, list)):
        return tuple(_evaluate(v, env, label, diags) for v in value)
    if isinstance(value, dict):
        return {k: _evaluate(v, env, label, diags) for k, v in value.items()}
    if not isinstance(value, Call):
        return value
    cls = getattr(am, value.name, None) or getattr(__import__("obskit.model.alertmanager.receivers",
                                                              fromlist=[value.name]), value.name)
    kwargs = {k: _evaluate(v, env, label, diags) for k, v in value.kwargs.items()}
    where = Location(label, value.line)
    if value.name == "Secret":
        try:
            return cls(**kwargs)
        except ValueError as exc:
            diags.append(Diagnostic("bad-secret", str(exc), "secret", where))
            return None
    if value.name == "Period":
        from obskit.model.base import set_attr
        obj = _located(lambda: cls(**kwargs), where, diags)
        if obj is not None:
            set_attr(obj, "loc", where)
        return obj
    return _located(lambda: cls(**kwargs), where, diags)
