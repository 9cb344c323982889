"""Where a scrape config finds its targets: static lists, file_sd, Kubernetes service discovery."""
from __future__ import annotations

import re
from dataclasses import dataclass, field as _field
from typing import Optional, Tuple

from obskit.location import Location
from obskit.model.base import Problems, freeze_labels, locate, set_attr

ROLES = ("pod", "service", "endpoints", "endpointslice", "node", "ingress")
#: selector roles each discovery role accepts (Prometheus' discovery/kubernetes)
SELECTOR_ROLES = {
    "pod": ("pod",), "service": ("service",), "node": ("node",), "ingress": ("ingress",),
    "endpoints": ("endpoints", "pod", "service"), "endpointslice": ("endpointslice", "pod", "service"),
}
_TARGET = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)(:\d{1,5})?$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_KEY = re.compile(r"^([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_SELECTOR_TERM = re.compile(
    r"^\s*(?:(?P<not>!)\s*(?P<absent>[^\s!=,()]+)"
    r"|(?P<key>[^\s!=,()]+)\s*(?:(?P<op>==|=|!=)\s*(?P<value>[A-Za-z0-9_.-]*)"
    r"|\s+(?P<setop>in|notin)\s*\((?P<values>[^()]*)\))?)\s*$")


def check_target(target: object, p: Problems, what: str) -> None:
    if not isinstance(target, str) or not target:
        p.add("bad-target", f"{what}: target must be a 'host:port' string, got {target!r}")
    elif "://" in target or "/" in target:
        p.add("bad-target", f"{what}: target {target!r} must be host:port only",
              hint="set scheme= and metrics_path= on the scrape config instead")
    elif not _TARGET.match(target):
        p.add("bad-target", f"{what}: target {target!r} is not host:port")
    else:
        port = target.rsplit(":", 1)[1] if target.count(":") == 1 or "]:" in target else None
        if port is not None and not 0 < int(port) < 65536:
            p.add("bad-target", f"{what}: port of {target!r} is outside 1-65535")


@dataclass(frozen=True, kw_only=True, eq=False)
class StaticConfig:
    """``static_configs`` entry: fixed targets with optional extra labels."""

    targets: Tuple[str, ...]
    labels: Tuple[Tuple[str, str], ...] = ()
    location: Location = _field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems("static_configs entry", locate(self))
        targets = (self.targets,) if isinstance(self.targets, str) else tuple(self.targets or ())
        if not targets:
            p.add("bad-target", "static_configs entry needs at least one target")
        for t in targets:
            check_target(t, p, "static_configs")
        set_attr(self, "targets", targets)
        set_attr(self, "labels", freeze_labels(self.labels, p, "static labels"))
        p.done()


@dataclass(frozen=True, kw_only=True, eq=False)
class FileSD:
    """``file_sd_configs`` entry: JSON/YAML target files Prometheus re-reads (globs allowed in the
    last path element)."""

    files: Tuple[str, ...]
    refresh_interval: Optional[str] = None
    location: Location = _field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems("file_sd_configs entry", locate(self))
        files = (self.files,) if isinstance(self.files, str) else tuple(self.files or ())
        if not files:
            p.add("bad-file-sd", "file_sd_configs entry needs at least one file pattern")
        for f in files:
            if not isinstance(f, str) or not f.endswith((".json", ".yml", ".yaml")):
                p.add("bad-file-sd", f"file pattern {f!r} must end in .json, .yml or .yaml "
                                     "(Prometheus refuses other extensions)")
            elif "*" in f.rpartition("/")[0]:
                p.add("bad-file-sd", f"file pattern {f!r}: only the last path element may be a glob")
        set_attr(self, "files", files)
        if self.refresh_interval is not None:
            d = p.duration(self.refresh_interval, "refresh_interval")
            set_attr(self, "refresh_interval", d or self.refresh_interval)
        p.done()


@dataclass(frozen=True, kw_only=True, eq=False)
class KubernetesSelector:
    """``selectors`` entry: a server-side label and/or field selector for one object kind."""

    role: str
    label: Optional[str] = None
    field: Optional[str] = None
    location: Location = _field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"kubernetes selector ({self.role})", locate(self))
        if self.role not in ROLES:
            p.add("bad-k8s-role", f"selector role {self.role!r} is not one of {', '.join(ROLES)}")
        if not self.label and not self.field:
            p.add("bad-k8s-selector", "a selector needs label= and/or field=")
        if self.label:
            for term in split_selector(self.label):
                m = _SELECTOR_TERM.match(term)
                key = m and (m.group("key") or m.group("absent"))
                if not m or not _LABEL_KEY.match(key or ""):
                    p.add("bad-k8s-selector", f"label selector {self.label!r}: cannot parse {term.strip()!r} "
                                              "(write key=value, key!=value, key in (a,b), key notin (a), "
                                              "key or !key, joined by commas)")
        if self.field:
            for term in self.field.split(","):
                if not re.match(r"^\s*[A-Za-z0-9_.]+\s*(==|=|!=)\s*[^,=!]*\s*$", term):
                    p.add("bad-k8s-selector", f"field selector {self.field!r}: cannot parse {term.strip()!r}")
        p.done()


def split_selector(text: str) -> Tuple[str, ...]:
    """Split a Kubernetes label selector on the commas that are not inside ``( )``."""
    out, depth, cur = [], 0, ""
    for c in text:
        if c == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += c == "("
        depth -= c == ")"
        cur += c
    out.append(cur)
    return tuple(out)


def parse_selector(text: str) -> Tuple[dict, list]:
    """A (validated) label selector as the ``matchLabels`` / ``matchExpressions`` of a
    ``metav1.LabelSelector``."""
    labels, exprs = {}, []
    for term in split_selector(text):
        m = _SELECTOR_TERM.match(term)
        if m.group("absent"):
            exprs.append({"key": m.group("absent"), "operator": "DoesNotExist"})
        elif m.group("op") in ("=", "=="):
            labels[m.group("key")] = m.group("value")
        elif m.group("op") == "!=":
            exprs.append({"key": m.group("key"), "operator": "NotIn", "values": [m.group("value")]})
        elif m.group("setop"):
            values = [v.strip() for v in m.group("values").split(",") if v.strip()]
            exprs.append({"key": m.group("key"), "operator": "In" if m.group("setop") == "in" else "NotIn",
                          "values": values})
        else:
            exprs.append({"key": m.group("key"), "operator": "Exists"})
    return labels, exprs


@dataclass(frozen=True, kw_only=True, eq=False)
class KubernetesSD:
    """``kubernetes_sd_configs`` entry.

    ``namespaces`` limits discovery to those namespaces (all when empty), ``own_namespace`` adds the
    namespace Prometheus runs in. ``attach_metadata_node`` (pod role) adds the node's labels.
    """

    role: str
    namespaces: Tuple[str, ...] = ()
    own_namespace: bool = False
    selectors: Tuple[KubernetesSelector, ...] = ()
    api_server: Optional[str] = None
    kubeconfig_file: Optional[str] = None
    attach_metadata_node: bool = False
    location: Location = _field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"kubernetes_sd_configs ({self.role})", locate(self))
        if self.role not in ROLES:
            p.add("bad-k8s-role", f"role {self.role!r} is not one of {', '.join(ROLES)}")
        names = (self.namespaces,) if isinstance(self.namespaces, str) else tuple(self.namespaces or ())
        for ns in names:
            if not isinstance(ns, str) or not _DNS_LABEL.match(ns) or len(ns) > 63:
                p.add("bad-namespace", f"namespace {ns!r} is not a valid Kubernetes namespace name")
        if len(set(names)) != len(names):
            p.add("bad-namespace", f"namespaces {list(names)} lists a namespace twice")
        set_attr(self, "namespaces", names)
        selectors = tuple(self.selectors or ())
        seen = set()
        for s in selectors:
            if not isinstance(s, KubernetesSelector):
                p.add("bad-k8s-selector", f"selectors must be KubernetesSelector objects, got {s!r}")
                continue
            if s.role in seen:
                p.add("bad-k8s-selector", f"two selectors for role {s.role!r}")
            seen.add(s.role)
            allowed = SELECTOR_ROLES.get(self.role, ())
            if self.role in ROLES and s.role not in allowed:
                p.add("bad-k8s-selector", f"{self.role} role supports only {', '.join(allowed)} selectors, "
                                          f"not {s.role}")
        set_attr(self, "selectors", selectors)
        if self.api_server is not None and self.kubeconfig_file is not None:
            p.add("bad-k8s-sd", "api_server and kubeconfig_file are mutually exclusive")
        if self.api_server is not None and not str(self.api_server).startswith(("http://", "https://")):
            p.add("bad-k8s-sd", f"api_server {self.api_server!r} must be an http(s) URL")
        if self.attach_metadata_node and self.role != "pod":
            p.add("bad-k8s-sd", f"attach_metadata node is only supported for the pod role in "
                                f"Prometheus 2.42, not {self.role}")
        p.done()

    def selector_for(self, role: str) -> Optional[KubernetesSelector]:
        return next((s for s in self.selectors if s.role == role), None)
