"""Alertmanager IR → ``alertmanager.yml`` and the Prometheus Operator ``AlertmanagerConfig``.

The ``AlertmanagerConfig`` (monitoring.coreos.com/v1alpha1) form differs from ``alertmanager.yml``:
- the operator appends a ``namespace="<object namespace>"`` matcher to its top route and forces
  ``continue: true`` on it, and appends the same namespace matcher to each inhibit rule's source and
  target (``alertmanagerConfigMatcherStrategy`` ``OnNamespace``, the default; none with ``None``).
  Only alerts that carry the object's namespace label are routed or inhibited by it. obskit writes
  the route tree as defined and leaves that matcher to the operator; :func:`operator_view`
  reproduces the operator's result as an ``alertmanager.yml`` so that routing tests run on it
  (obskit/verify/routing.py, tests/test_kubernetes_routing.py).
- secrets are ``SecretKeySelector`` ``{name, key}`` of the object's namespace. There is no ``global``
  section: the global defaults an integration relies on (Slack API URL, SMTP host/from/auth,
  Opsgenie key) are written into the integration. Notification templates belong to the Alertmanager
  object (``spec.configSecret``/``alertmanagerConfiguration``), not to this resource.
- v1alpha1 time intervals have no ``location``: they are evaluated in UTC.
"""
from __future__ import annotations

from typing import Dict, List, Optional

from obskit.compile import conventions as conv
from obskit.compile.alertmanager import (
    AlertmanagerIR, AMInhibit, AMIntegration, AMPeriod, AMReceiver, AMRoute, AMTimeInterval,
)
from obskit.model.alertmanager.matchers import Matcher
from obskit.model.alertmanager.receivers import Section
from obskit.model.alertmanager.secrets import Secret
from obskit.project import Settings, kubernetes_namespace
from obskit.render import k8s_meta
from obskit.render.yamlfmt import dump


def header(ir: AlertmanagerIR) -> str:
    files = sorted({loc.file for loc in ir.sources}) or ["definitions"]
    return conv.GENERATED_HEADER.format(sources=", ".join(files))


# -- alertmanager.yml --------------------------------------------------------------------------------

def _value(v):
    if isinstance(v, dict):
        return {str(k): str(x) for k, x in sorted(v.items())}
    if isinstance(v, (tuple, list)):
        return [str(x) for x in v]
    return str(v) if not isinstance(v, (bool, int, str)) else v


def _fields(items, secrets_dir: str) -> Dict[str, object]:
    out: Dict[str, object] = {}
    for name, v in items:
        if isinstance(v, Secret):
            out[f"{name}_file"] = v.file(secrets_dir)
        elif isinstance(v, Section):
            out[name] = _fields(v.items, secrets_dir)
        else:
            out[name] = _value(v)
    return out


def route_dict(r: AMRoute) -> Dict[str, object]:
    out: Dict[str, object] = {}
    if r.receiver:
        out["receiver"] = r.receiver
    if r.group_by is not None:
        out["group_by"] = list(r.group_by)
    if r.matchers:
        out["matchers"] = [str(m) for m in r.matchers]
    if r.continue_:
        out["continue"] = True
    for attr in ("group_wait", "group_interval", "repeat_interval"):
        if getattr(r, attr) is not None:
            out[attr] = str(getattr(r, attr))
    if r.mute_time_intervals:
        out["mute_time_intervals"] = list(r.mute_time_intervals)
    if r.active_time_intervals:
        out["active_time_intervals"] = list(r.active_time_intervals)
    if r.routes:
        out["routes"] = [route_dict(c) for c in r.routes]
    return out


def inhibit_dict(rule: AMInhibit) -> Dict[str, object]:
    out: Dict[str, object] = {"source_matchers": [str(m) for m in rule.source],
                              "target_matchers": [str(m) for m in rule.target]}
    if rule.equal:
        out["equal"] = list(rule.equal)
    return out


def receiver_dict(r: AMReceiver, secrets_dir: str) -> Dict[str, object]:
    out: Dict[str, object] = {"name": r.name}
    for kind in dict.fromkeys(i.kind for i in r.integrations):
        out[kind] = [_fields(i.fields, secrets_dir) for i in r.integrations if i.kind == kind]
    return out


def period_dict(p: AMPeriod) -> Dict[str, object]:
    out: Dict[str, object] = {}
    if p.times:
        out["times"] = [{"start_time": s, "end_time": e} for s, e in p.times]
    for attr in ("weekdays", "days_of_month", "months", "years"):
        if getattr(p, attr):
            out[attr] = list(getattr(p, attr))
    if p.location:
        out["location"] = p.location
    return out


def interval_dict(t: AMTimeInterval) -> Dict[str, object]:
    return {"name": t.name, "time_intervals": [period_dict(p) for p in t.periods]}


def config_dict(ir: AlertmanagerIR) -> Dict[str, object]:
    doc: Dict[str, object] = {}
    if ir.global_fields:
        doc["global"] = _fields(ir.global_fields, ir.secrets_dir)
    if ir.templates:
        doc["templates"] = [t.path for t in ir.templates]
    doc["route"] = route_dict(ir.route)
    if ir.inhibit_rules:
        doc["inhibit_rules"] = [inhibit_dict(r) for r in ir.inhibit_rules]
    doc["receivers"] = [receiver_dict(r, ir.secrets_dir) for r in ir.receivers]
    if ir.time_intervals:
        doc["time_intervals"] = [interval_dict(t) for t in ir.time_intervals]
    return doc


def render(ir: AlertmanagerIR) -> bytes:
    return (header(ir) + dump(config_dict(ir))).encode()


def render_templates(ir: AlertmanagerIR) -> Dict[str, bytes]:
    """Template files, relative to the directory of alertmanager.yml."""
    return {t.path: ("{{/* " + header(ir).strip().lstrip("# ") + " */}}\n" + t.text.rstrip("\n") + "\n").encode()
            for t in ir.templates}


# -- the Prometheus Operator's AlertmanagerConfig ---------------------------------------------------

_CRD_KIND = {"slack_configs": "slackConfigs", "pagerduty_configs": "pagerdutyConfigs",
             "email_configs": "emailConfigs", "webhook_configs": "webhookConfigs",
             "opsgenie_configs": "opsgenieConfigs", "msteams_configs": "msteamsConfigs",
             "msteamsv2_configs": "msteamsv2Configs", "rocketchat_configs": "rocketchatConfigs"}
# (jira_configs, incidentio_configs and mattermost_configs have no AlertmanagerConfig v1alpha1 field
# (operator v0.93.0): left out there, with a warning at load time)
_CRD_FIELD = {"api_url": "apiURL", "client_url": "clientURL", "icon_url": "iconURL", "require_tls": "requireTLS",
              "webhook_url": "webhookUrl", "token_id": "tokenID", "image_url": "imageURL", "thumb_url": "thumbURL"}
#: Alertmanager fields the AlertmanagerConfig (v1alpha1, operator v0.93.0) has no field for: left out there
#: (checks.py warns)
CRD_MISSING_FIELDS = {("rocketchat_configs", "message_text")}
#: secret fields whose AlertmanagerConfig name differs from the camel-cased Alertmanager one
_CRD_SECRET_FIELD = {("webhook_configs", "url"): "urlSecret", ("msteamsv2_configs", "webhook_url"): "webhookURL"}
_KV_LISTS = ("details", "headers")


def _camel(name: str) -> str:
    if name in _CRD_FIELD:
        return _CRD_FIELD[name]
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _crd_integration(i: AMIntegration) -> Dict[str, object]:
    out: Dict[str, object] = {}
    for name, v in i.fields:
        if (i.kind, name) in CRD_MISSING_FIELDS:
            continue
        if isinstance(v, Secret):
            out[_CRD_SECRET_FIELD.get((i.kind, name), _camel(name))] = {"name": v.name, "key": v.key}
        elif name in _KV_LISTS and isinstance(v, dict):
            out[_camel(name)] = [{"key": k, "value": x} for k, x in sorted(v.items())]
        else:
            out[_camel(name)] = _value(v)
    return out


def _crd_matchers(ms) -> List[Dict[str, str]]:
    return [{"name": m.name, "value": m.value, "matchType": m.op} for m in ms]


def crd_route(r: AMRoute) -> Dict[str, object]:
    out: Dict[str, object] = {}
    if r.receiver:
        out["receiver"] = r.receiver
    if r.group_by is not None:
        out["groupBy"] = list(r.group_by)
    if r.matchers:
        out["matchers"] = _crd_matchers(r.matchers)
    if r.continue_:
        out["continue"] = True
    for attr in ("group_wait", "group_interval", "repeat_interval"):
        if getattr(r, attr) is not None:
            out[_camel(attr)] = str(getattr(r, attr))
    if r.mute_time_intervals:
        out["muteTimeIntervals"] = list(r.mute_time_intervals)
    if r.active_time_intervals:
        out["activeTimeIntervals"] = list(r.active_time_intervals)
    if r.routes:
        out["routes"] = [crd_route(c) for c in r.routes]
    return out


def _day_range(text: str) -> Dict[str, int]:
    parts = [int(x) for x in text.split(":")]
    return {"start": parts[0], "end": parts[-1]}


def _crd_period(p: AMPeriod) -> Dict[str, object]:
    out: Dict[str, object] = {}
    if p.times:
        out["times"] = [{"startTime": s, "endTime": e} for s, e in p.times]
    if p.weekdays:
        out["weekdays"] = list(p.weekdays)
    if p.days_of_month:
        out["daysOfMonth"] = [_day_range(d) for d in p.days_of_month]
    if p.months:
        out["months"] = list(p.months)
    if p.years:
        out["years"] = list(p.years)
    return out


#: global settings an integration falls back to: kind → ((integration field, global field), ...)
_GLOBAL_DEFAULTS = {
    "slack_configs": (("api_url", "slack_api_url"),),
    "email_configs": (("smarthost", "smtp_smarthost"), ("from", "smtp_from"), ("auth_username", "smtp_auth_username"),
                      ("auth_password", "smtp_auth_password"), ("require_tls", "smtp_require_tls")),
    "opsgenie_configs": (("api_key", "opsgenie_api_key"),),
    "pagerduty_configs": (("url", "pagerduty_url"),),
}


def with_globals(i: AMIntegration, global_fields) -> AMIntegration:
    """The integration with the global defaults it relies on written in: an AlertmanagerConfig has
    no ``global`` section, and the Alertmanager object's may not have these values."""
    g = dict(global_fields)
    have = {name for name, _ in i.fields}
    extra = tuple((f, g[gf]) for f, gf in _GLOBAL_DEFAULTS.get(i.kind, ()) if f not in have and gf in g)
    return AMIntegration(i.kind, extra + i.fields) if extra else i


def crd_dict(ir: AlertmanagerIR, namespace: Optional[str] = None, settings: Optional[Settings] = None) -> Dict[str, object]:
    """The AlertmanagerConfig; ``settings`` (``[kubernetes]``) give its name, namespace (``namespace``
    wins), labels and annotations."""
    settings = settings or Settings()
    metadata = k8s_meta.metadata(settings, settings.kubernetes.alertmanager_config_name,
                                 namespace or kubernetes_namespace(settings))
    spec: Dict[str, object] = {"route": crd_route(ir.route)}
    spec["receivers"] = [{"name": r.name, **{_CRD_KIND[k]: [_crd_integration(with_globals(i, ir.global_fields))
                                                            for i in r.integrations if i.kind == k]
                                              for k in dict.fromkeys(i.kind for i in r.integrations) if k in _CRD_KIND}}
                         for r in ir.receivers]
    if ir.inhibit_rules:
        spec["inhibitRules"] = [{"sourceMatch": _crd_matchers(r.source), "targetMatch": _crd_matchers(r.target),
                                 **({"equal": list(r.equal)} if r.equal else {})} for r in ir.inhibit_rules]
    if ir.time_intervals:
        spec["muteTimeIntervals"] = [{"name": t.name, "timeIntervals": [_crd_period(p) for p in t.periods]}
                                     for t in ir.time_intervals]
    return {"apiVersion": "monitoring.coreos.com/v1alpha1", "kind": "AlertmanagerConfig",
            "metadata": metadata, "spec": spec}


def render_crd(ir: AlertmanagerIR, namespace: Optional[str] = None, settings: Optional[Settings] = None) -> bytes:
    return (header(ir) + dump(crd_dict(ir, namespace, settings))).encode()


# -- what the operator makes of the AlertmanagerConfig (routing tests, docs) -----------------------

#: kube-prometheus-stack's default ``alertmanager.config`` route and receivers (chart values): the
#: Alertmanager's own configuration, under which the operator puts every AlertmanagerConfig's route
KUBE_PROMETHEUS_STACK_BASE = {
    "route": {"receiver": "null", "group_by": ["namespace"],
              "routes": [{"receiver": "null", "matchers": ['alertname="Watchdog"']}]},
    "receivers": [{"name": "null"}],
}


def operator_view(ir: AlertmanagerIR, namespace: str, default_receiver: str = "operator-default",
                  name: str = conv.ALERTMANAGER_CONFIG_NAME, strategy: str = "OnNamespace",
                  alertmanager_namespace: Optional[str] = None, base: Optional[Dict[str, object]] = None) -> Dict[str, object]:
    """The ``alertmanager.yml`` the Prometheus Operator (v0.93.0, ``pkg/alertmanager/amcfg.go``)
    generates from this AlertmanagerConfig ``name`` in ``namespace`` under the Alertmanager object's
    ``alertmanagerConfigMatcherStrategy`` ``strategy``:

    - receiver and time-interval names become ``<namespace>/<name>/<name in the object>``, on every
      route of the tree;
    - the object's top route gets ``continue: true`` and, unless the strategy is ``None`` (or
      ``OnNamespaceExceptForAlertmanagerNamespace`` with the object in ``alertmanager_namespace``),
      a ``namespace="<namespace>"`` matcher appended to its matchers; the same matcher is appended to
      each inhibit rule's source and target matchers;
    - the top route is put first under the root route of the Alertmanager's own configuration
      ``base`` (``{"route", "receivers", "inhibit_rules"?}``; default: a root route to
      ``default_receiver`` and nothing else; :data:`KUBE_PROMETHEUS_STACK_BASE` is the chart's).
    """
    prefix = f"{namespace}/{name}/"
    enforce = strategy != "None" and not (strategy == "OnNamespaceExceptForAlertmanagerNamespace"
                                          and namespace == alertmanager_namespace)
    ns = str(Matcher("namespace", "=", namespace))
    base = base or {"route": {"receiver": default_receiver}, "receivers": [{"name": default_receiver}]}

    def rename(r: Dict[str, object]) -> Dict[str, object]:
        out = dict(r)
        if "receiver" in out:
            out["receiver"] = prefix + str(out["receiver"])
        for key in ("mute_time_intervals", "active_time_intervals"):
            if key in out:
                out[key] = [prefix + n for n in out[key]]  # type: ignore[union-attr]
        if "routes" in out:
            out["routes"] = [rename(c) for c in out["routes"]]  # type: ignore[union-attr]
        return out

    top = rename(route_dict(ir.route))
    if enforce:
        top["matchers"] = list(top.get("matchers", [])) + [ns]
    top["continue"] = True
    top = {k: top[k] for k in ("receiver", "group_by", "matchers", "continue", "group_wait", "group_interval",
                               "repeat_interval", "mute_time_intervals", "active_time_intervals", "routes") if k in top}
    own = config_dict(ir)
    doc: Dict[str, object] = {}
    if "global" in base or "global" in own:
        doc["global"] = base.get("global", own.get("global"))
    root = dict(base["route"])  # type: ignore[arg-type]
    root["routes"] = [top] + list(root.get("routes", []))
    doc["route"] = root
    inhibit = [dict(d) for d in base.get("inhibit_rules", [])]  # type: ignore[union-attr]
    for d in (inhibit_dict(r) for r in ir.inhibit_rules):
        if enforce:
            d = {**d, "source_matchers": d["source_matchers"] + [ns], "target_matchers": d["target_matchers"] + [ns]}
        inhibit.append(d)
    if inhibit:
        doc["inhibit_rules"] = inhibit
    doc["receivers"] = list(base["receivers"]) + [{**d, "name": prefix + d["name"]} for d in own["receivers"]]  # type: ignore[operator]
    intervals = list(base.get("time_intervals", []))  # type: ignore[arg-type]
    for d in own.get("time_intervals", []):  # type: ignore[union-attr]
        # v1alpha1 time intervals have no location: the operator's are evaluated in UTC
        intervals.append({"name": prefix + d["name"],
                          "time_intervals": [{k: v for k, v in p.items() if k != "location"} for p in d["time_intervals"]]})
    if intervals:
        doc["time_intervals"] = intervals
    return doc
