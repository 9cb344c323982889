"""Names and metadata of every Kubernetes object obskit writes (``[kubernetes]`` in obskit.toml,
docs/kubernetes.md).

Object names are chosen by the user or derived from what the user named, never from a Python file
name, so that moving a definition to another file does not delete and re-create an object:

- SLO rules: one ``PrometheusRule`` per service, ``<prefix>-<service>``;
- alert and recording rules: one ``PrometheusRule`` per rule group, ``<prefix>-<group>-rules``;
- the ``AlertmanagerConfig``: ``[kubernetes] alertmanager_config_name``;
- dashboards: ``<prefix>-dashboard-<uid>`` (ConfigMap) and ``<prefix>-<uid>`` (GrafanaDashboard);
- Pod/ServiceMonitors keep their scrape job's name.

Every object carries ``app.kubernetes.io/managed-by: obskit`` plus ``[kubernetes] labels`` and
``annotations`` (a user label of the same key wins).
"""
from __future__ import annotations

import re
from typing import Dict, Iterable, Optional, Tuple

from obskit.compile import conventions as conv
from obskit.project import Settings, kubernetes_namespace

MANAGED_BY = ("app.kubernetes.io/managed-by", "obskit")
#: the API server's limit on a ConfigMap's data (keys and values together), in bytes
CONFIGMAP_MAX_BYTES = 1024 * 1024
#: the longest object name (a DNS-1123 subdomain)
MAX_NAME = 253


def slug(text: str) -> str:
    """``text`` as a DNS-1123 subdomain part: lowercase letters, digits and ``-`` (``.`` kept)."""
    out = re.sub(r"[^a-z0-9.]+", "-", text.lower())
    out = re.sub(r"-*\.-*", ".", out).strip("-.")
    return out


def object_name(*parts: str) -> str:
    """``parts`` joined by ``-`` as a valid object name (may be empty if nothing valid is left)."""
    return "-".join(p for p in (slug(x) for x in parts) if p)


def slo_rule_name(settings: Settings, service: str) -> str:
    return object_name(settings.kubernetes.name_prefix, service)


def group_rule_name(settings: Settings, group: str) -> str:
    return object_name(settings.kubernetes.name_prefix, group, "rules")


def group_rule_path(group: str) -> str:
    return f"kubernetes/{object_name(group, 'rules')}-prometheusrule.yaml"


def dashboard_configmap_name(settings: Settings, uid: str) -> str:
    return object_name(settings.kubernetes.name_prefix, "dashboard", uid)


def grafana_dashboard_name(settings: Settings, uid: str) -> str:
    return object_name(settings.kubernetes.name_prefix, uid)


def labels(settings: Settings, extra: Iterable[Tuple[str, str]] = ()) -> Dict[str, str]:
    out = dict([MANAGED_BY])
    out.update(dict(extra))
    out.update(dict(settings.kubernetes.labels))
    return out


def metadata(settings: Settings, name: str, namespace: Optional[str] = None,
             extra_labels: Iterable[Tuple[str, str]] = (),
             extra_annotations: Iterable[Tuple[str, str]] = ()) -> Dict[str, object]:
    """``{name, namespace, labels, annotations}``: ``namespace`` defaults to the project's
    Kubernetes namespace (left out when there is none: kubectl's current namespace applies)."""
    out: Dict[str, object] = {"name": name}
    ns = namespace or kubernetes_namespace(settings)
    if ns:
        out["namespace"] = ns
    out["labels"] = labels(settings, extra_labels)
    annotations = dict(extra_annotations)
    annotations.update(dict(settings.kubernetes.annotations))
    if annotations:
        out["annotations"] = annotations
    return out


def header(sources: Iterable[str], note: str = "") -> str:
    files = sorted(set(sources)) or ["definitions"]
    return conv.GENERATED_HEADER.format(sources=", ".join(files)) + (f"# {note}\n" if note else "")
