"""The receivers of an ``alertmanager.yml`` as calls of obskit's integration classes: the fields obskit
models, secrets as ``Secret(...)`` (never a literal in the code), Alertmanager's own default titles
where the original had none, and what is lost."""
from __future__ import annotations

import dataclasses
from typing import Dict, List, Optional, Tuple

from obskit.interop.alertmanager.source import AM_DEFAULT_TEMPLATES, _Ctx, _bool, _k8s, _key, _mapping, _strs
from obskit.interop.codegen import Call
from obskit.interop.yamlsrc import Mapping, Sequence as YSeq, is_null


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
