"""``alertmanager.yml`` → a Python module of obskit's Alertmanager model (``obskit import alertmanager``).

What converts, and how:

* ``route`` (every level): receiver, ``group_by``, ``matchers`` (as written), ``continue``,
  ``group_wait``/``group_interval``/``repeat_interval``, mute and active time intervals. The
  deprecated ``match``/``match_re`` become ``matchers`` (``changed``: same alerts match).
* ``receivers``: Slack, PagerDuty, email, webhook, Opsgenie, Teams (v1, v2), Jira, Rocket.Chat,
  incident.io, Mattermost with the fields obskit models. A secret (``api_url``, ``routing_key``,
  ``auth_password``, a webhook URL with a credential, ...) never becomes a literal in the code:
  a literal value becomes ``Secret(name=<receiver>, key=<field>)``, read from
  ``<secrets_dir>/<name>/<key>`` (``changed``: put the value there), and a ``*_file`` field keeps
  its path (``Secret(..., path=...)``). Chat integrations with no ``title``/``text`` get Alertmanager's
  own defaults written out (``{{ template "slack.default.title" . }}``), so notifications read as
  before (obskit would otherwise write its own). Fields and integrations obskit does not model
  (``http_config``, Discord, Telegram, ...) are ``lost``: the import is partial.
* ``inhibit_rules`` (``source_matchers``/``target_matchers``/``equal``; the deprecated
  ``source_match``/... become matchers), ``time_intervals`` (and the deprecated top-level
  ``mute_time_intervals``), ``templates`` (the files the globs match, relative to the config,
  embedded as ``Template`` objects), ``global`` (the fields ``GlobalConfig`` has).
* obskit's generated inhibitions are switched off (``generated_inhibitions=False``): the built config
  inhibits exactly what the original did.

:func:`label_sets` derives label sets that reach every route (and fall through each matcher);
``tests/test_import_alertmanager.py`` routes them through the original and the built config with
amtool and requires the same receivers, and runs ``amtool check-config`` on the built one.
"""
from __future__ import annotations

import dataclasses
import glob
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from obskit.errors import Diagnostic
from obskit.interop.codegen import Call, Raw, assignment, code, imports
from obskit.interop.common import SourceError
from obskit.interop.findings import Finding
from obskit.interop.prometheus_rules import _located
from obskit.interop.pycode import identifier
from obskit.interop.yamlsrc import Mapping, Sequence as YSeq, is_null, load_all
from obskit.location import Location

TOP_KEYS = ("global", "route", "receivers", "inhibit_rules", "time_intervals", "mute_time_intervals", "templates")
ROUTE_KEYS = ("receiver", "group_by", "matchers", "match", "match_re", "continue", "group_wait", "group_interval",
              "repeat_interval", "mute_time_intervals", "active_time_intervals", "routes")
INHIBIT_KEYS = ("source_matchers", "target_matchers", "source_match", "source_match_re", "target_match",
                "target_match_re", "equal")
PERIOD_KEYS = ("times", "weekdays", "days_of_month", "months", "years", "location")
#: Alertmanager's defaults for the fields obskit would fill with its own templates
AM_DEFAULT_TEMPLATES = {
    "slack_configs": "slack", "msteams_configs": "msteams", "msteamsv2_configs": "msteamsv2",
    "rocketchat_configs": "rocketchat",
}
_GLOBAL_FIELDS = ("resolve_timeout", "smtp_smarthost", "smtp_from", "smtp_auth_username", "smtp_auth_password",
                  "smtp_require_tls", "slack_api_url", "opsgenie_api_key", "pagerduty_url")


def _k8s(text: str) -> str:
    slug = re.sub(r"[^a-z0-9.-]+", "-", text.lower()).strip("-.") or "alertmanager"
    return slug[:253]


def _key(text: str) -> str:
    return re.sub(r"[^-._a-zA-Z0-9]+", "-", text).strip("-") or "value"


@dataclass
class _Ctx:
    path: str
    label: str
    findings: List[Finding]

    def at(self, line: int) -> str:
        return f"{self.label}:{line}"

    def lost(self, subject: str, message: str) -> None:
        self.findings.append(Finding(self.label, subject, "lost", message))

    def changed(self, subject: str, message: str) -> None:
        self.findings.append(Finding(self.label, subject, "changed", message))

    def fail(self, line: int, message: str) -> SourceError:
        return SourceError(f"{self.path}:{line}: {message}")


def _bool(ctx: _Ctx, value, line: int, what: str) -> bool:
    text = str(value).lower()
    if text not in ("true", "false"):
        raise ctx.fail(line, f"{what} must be true or false, got {value!r}")
    return text == "true"


def _strs(ctx: _Ctx, value, line: int, what: str) -> Tuple[str, ...]:
    if is_null(value):
        return ()
    if isinstance(value, YSeq):
        out = []
        for v in value:
            if isinstance(v, (Mapping, YSeq)):
                raise ctx.fail(line, f"{what} entries must be strings")
            out.append(str(v))
        return tuple(out)
    if isinstance(value, Mapping):
        raise ctx.fail(line, f"{what} must be a list of strings")
    return (str(value),)


def _mapping(ctx: _Ctx, value, line: int, what: str) -> Mapping:
    if is_null(value):
        m = Mapping()
        m.line, m.key_lines = line, {}
        return m
    if not isinstance(value, Mapping):
        raise ctx.fail(line, f"{what} must be a mapping")
    return value


def _unknown(ctx: _Ctx, d: Mapping, known, what: str) -> None:
    for k in d:
        if k not in known:
            raise ctx.fail(d.line_of(k), f"field {k} not found in {what} (amtool check-config refuses it)")


def _legacy_matchers(d: Mapping, eq_key: str, re_key: str) -> List[str]:
    from obskit.model.alertmanager.matchers import Matcher
    out = []
    for key, op in ((eq_key, "="), (re_key, "=~")):
        for name, value in (d.get(key) or {}).items() if isinstance(d.get(key), Mapping) else ():
            out.append(str(Matcher(str(name), op, "" if is_null(value) else str(value))))
    return out


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


# --- receivers -------------------------------------------------------------------------------------
def _integration_classes():
    from obskit.model.alertmanager.receivers import INTEGRATIONS
    return {c.KIND: c for c in INTEGRATIONS}


def _field_kind(cls, name: str) -> str:
    hint = {f.name: f.type for f in dataclasses.fields(cls)}.get(name, "")
    hint = hint if isinstance(hint, str) else str(hint)
    if "bool" in hint:
        return "bool"
    if "int" in hint and "Tuple" not in hint:
        return "int"
    if "Tuple[Tuple[str, str]" in hint:
        return "map"
    if "Tuple[str" in hint:
        return "list"
    return "str"


def _has_credential(url: str) -> bool:
    """What obskit's model refuses as a literal URL: a password, a token-like query key, a Slack hook."""
    from urllib.parse import parse_qsl, urlsplit
    from obskit.model.alertmanager.integration import _SLACK_HOOK, _TOKENISH
    parts = urlsplit(url)
    return bool(parts.password or any(_TOKENISH.search(k) for k, _ in parse_qsl(parts.query)) or _SLACK_HOOK.search(url))


def _secret(ctx: _Ctx, owner: str, key: str, path: Optional[str] = None) -> Call:
    kw: Dict[str, object] = {"name": _k8s(owner), "key": _key(key)}
    if path is not None:
        kw["path"] = path
    return Call("Secret", kw)


def _integration(ctx: _Ctx, receiver: str, kind: str, cls, d: Mapping, n: int, taken: set) -> Call:
    subject = f"receiver {receiver!r} {cls.LABEL}"
    init = {f.name for f in dataclasses.fields(cls) if f.init and f.name != "location"}
    yaml_names = {cls.RENAMES.get(f, f): f for f in init if f not in cls.SECRETS}
    secret_names = {cls.RENAMES.get(f, f): f for f in cls.SECRETS if f != "url_secret"}
    url_secret = "url_secret" in cls.SECRETS
    kw: Dict[str, object] = {}

    def secret_key(field_name: str) -> str:
        key = field_name if n == 0 else f"{field_name}-{n + 1}"
        while key in taken:
            key += "-x"
        taken.add(key)
        return key

    for k, v in d.items():
        line = d.line_of(k)
        if is_null(v):
            continue
        if k == "send_resolved":
            kw["send_resolved"] = _bool(ctx, v, line, "send_resolved")
        elif k.endswith("_file") and k[:-5] in secret_names:
            f = secret_names[k[:-5]]
            kw[f] = _secret(ctx, receiver, secret_key(k[:-5]), path=str(v))
        elif k in secret_names:
            f = secret_names[k]
            kw[f] = _secret(ctx, receiver, secret_key(k))
            ctx.changed(subject, f"{k}: the value is not written into the code; store it in the Kubernetes Secret "
                                 f"{_k8s(receiver)!r}, key {kw[f].kwargs['key']!r} (alertmanager.yml reads it "
                                 f"from <secrets_dir>/{_k8s(receiver)}/{kw[f].kwargs['key']})")
        elif url_secret and k == "url" and _has_credential(str(v)):
            kw["url_secret"] = _secret(ctx, receiver, secret_key("url"))
            ctx.changed(subject, "url carries a credential: not written into the code; it becomes url_secret "
                                 f"(url_file, Alertmanager 0.26+), Secret {_k8s(receiver)!r} key "
                                 f"{kw['url_secret'].kwargs['key']!r}")
        elif url_secret and k == "url_file":
            kw["url_secret"] = _secret(ctx, receiver, secret_key("url"), path=str(v))
        elif kind == "jira_configs" and k == "http_config" and isinstance(v, Mapping) \
                and set(v) <= {"basic_auth"} and isinstance(v.get("basic_auth"), Mapping):
            auth = v["basic_auth"]
            for ak in auth:
                if ak == "username":
                    kw["username"] = str(auth[ak])
                elif ak == "password":
                    kw["password"] = _secret(ctx, receiver, secret_key("password"))
                    ctx.changed(subject, "http_config.basic_auth.password: not written into the code; store it in "
                                         f"Secret {_k8s(receiver)!r} key {kw['password'].kwargs['key']!r}")
                elif ak == "password_file":
                    kw["password"] = _secret(ctx, receiver, secret_key("password"), path=str(auth[ak]))
                else:
                    ctx.lost(subject, f"http_config.basic_auth.{ak} is not modelled")
        elif k in yaml_names:
            f = yaml_names[k]
            kind_of = _field_kind(cls, f)
            if kind_of == "bool":
                kw[f] = _bool(ctx, v, line, k)
            elif kind_of == "int":
                try:
                    kw[f] = int(str(v))
                except ValueError:
                    raise ctx.fail(line, f"{k} must be a whole number") from None
            elif kind_of == "map":
                m = _mapping(ctx, v, line, k)
                kw[f] = {str(a): str(b) for a, b in m.items()}
            elif kind_of == "list":
                kw[f] = _strs(ctx, v, line, k)
            else:
                if isinstance(v, (Mapping, YSeq)):
                    ctx.lost(subject, f"{k}: a structured value obskit does not model")
                    continue
                kw[f] = str(v)
        else:
            ctx.lost(subject, f"field {k} is not modelled by obskit's {cls.__name__} (it is not carried over)")
    defaults = getattr(cls, "DEFAULTS", {})      # the template fields obskit fills when left unset
    prefix = AM_DEFAULT_TEMPLATES.get(kind)
    if prefix:
        for f in defaults:
            if f not in kw:
                kw[f] = f'{{{{ template "{prefix}.default.{f}" . }}}}'
    elif defaults:
        missing = [f for f in defaults if f not in kw]
        if missing:
            ctx.changed(subject, f"{', '.join(missing)} not set: obskit writes its own notification template there")
    return Call(cls.__name__, kw, comment=ctx.at(d.line), line=d.line)


def _receiver(ctx: _Ctx, d, line: int) -> Tuple[str, Call, List[str]]:
    d = _mapping(ctx, d, line, "receiver")
    if is_null(d.get("name")):
        raise ctx.fail(d.line, "a receiver needs a name")
    name = str(d["name"])
    classes = _integration_classes()
    items, used, taken = [], [], set()
    for k, v in d.items():
        if k == "name":
            continue
        if not k.endswith("_configs"):
            raise ctx.fail(d.line_of(k), f"field {k} not found in receiver")
        if k not in classes:
            ctx.lost(f"receiver {name!r}", f"{k}: obskit has no model of this integration; the receiver is written "
                                            "without it")
            continue
        if not isinstance(v, YSeq):
            raise ctx.fail(d.line_of(k), f"{k} must be a list")
        for i, (c, ln) in enumerate(zip(v, v.item_lines)):
            items.append(_integration(ctx, name, k, classes[k], _mapping(ctx, c, ln, k), i, taken))
            used.append(classes[k].__name__)
    kw: Dict[str, object] = {"name": name}
    if items:
        kw["integrations"] = tuple(items)
    return name, Call("Receiver", kw, line=d.line), used


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


# --- proving the routing -----------------------------------------------------------------------------
def _candidates(values: Sequence[str]) -> List[str]:
    from obskit.promql_ast import regex_patterns
    out = []
    for v in values:
        for p in sorted(regex_patterns(v) or (), key=lambda p: p.text):
            out += [p.text, p.text + "00", p.text + "0", p.text + "a", p.text + "x", p.text + "-x"]
        out += [v, f"not-{v}", v + "x"]
    return list(dict.fromkeys(out + ["", "x", "other-value"]))


def _satisfy(matchers, labels: Dict[str, str]) -> Optional[Dict[str, str]]:
    """``labels`` extended so that every matcher matches, or None when no candidate value does."""
    out = dict(labels)
    by_name: Dict[str, list] = {}
    for m in matchers:
        by_name.setdefault(m.name, []).append(m)
    for name, ms in by_name.items():
        pool = ([out[name]] if name in out else []) + _candidates([m.value for m in ms])
        ok = next((v for v in pool if all(m.matches({name: v}) for m in ms)), None)
        if ok is None:
            return None
        if ok:
            out[name] = ok
        else:
            out.pop(name, None)
    return out


def label_sets(path: "str | Path") -> List[Dict[str, str]]:
    """Label sets that reach every route of ``path``'s tree, and that fall through each of its
    matchers (the parents' matched, this one not); the empty set too."""
    from obskit.model.alertmanager.matchers import Matcher, parse_matchers
    import yaml
    doc = yaml.safe_load(Path(path).read_text())
    found: List[Dict[str, str]] = [{}]

    def matchers_of(r) -> list:
        ms, _ = parse_matchers(r.get("matchers") or [])
        ms = list(ms)
        for k, v in (r.get("match") or {}).items():
            ms.append(Matcher(str(k), "=", str(v)))
        for k, v in (r.get("match_re") or {}).items():
            ms.append(Matcher(str(k), "=~", str(v)))
        return ms

    def walk(r, above: list) -> None:
        mine = matchers_of(r)
        here = _satisfy(above + mine, {})
        if here is not None:
            found.append(here)
        for i, m in enumerate(mine):
            flipped = Matcher(m.name, {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}[m.op], m.value)
            miss = _satisfy(above + mine[:i] + [flipped], {})
            if miss is not None:
                found.append(miss)
        for child in r.get("routes") or []:
            walk(child, above + mine)

    walk(doc["route"], [])
    unique = []
    for s in found:
        if s not in unique:
            unique.append(s)
    return unique
