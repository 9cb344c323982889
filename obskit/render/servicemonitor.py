"""Prometheus Operator ``PodMonitor`` / ``ServiceMonitor`` objects for Kubernetes scrape jobs.

The job's own relabel steps are carried over verbatim (they read the same ``__meta_kubernetes_*``
labels the operator's generated discovery provides), the namespaces become ``namespaceSelector``,
a ``selectors`` label selector becomes ``selector``, and a last relabeling sets ``job`` to the
job name so series carry the same ``job`` label as with ``prometheus.yml``.
"""
from __future__ import annotations

from typing import Dict, List, Optional

from obskit.compile import conventions as conv
from obskit.compile.prometheus_config import Monitor
from obskit.model.prometheus_config.discovery import parse_selector
from obskit.model.prometheus_config.relabel import Relabel
from obskit.project import Settings, kubernetes_namespace
from obskit.render import k8s_meta
from obskit.render.yamlfmt import dump

_CAMEL = {"source_labels": "sourceLabels", "separator": "separator", "regex": "regex", "modulus": "modulus",
          "target_label": "targetLabel", "replacement": "replacement", "action": "action"}

_TLS = {"ca_file": "caFile", "cert_file": "certFile", "key_file": "keyFile", "server_name": "serverName",
        "insecure_skip_verify": "insecureSkipVerify"}


def relabeling(step: Relabel) -> Dict[str, object]:
    out: Dict[str, object] = {}
    if step.source_labels:
        out["sourceLabels"] = list(step.source_labels)
    for name in ("separator", "regex", "modulus", "target_label", "replacement", "action"):
        value = getattr(step, name)
        if value is not None:
            out[_CAMEL[name]] = value
    return out


def _namespace_selector(monitor: Monitor, namespace: Optional[str]) -> Optional[Dict[str, object]]:
    sd = monitor.sd
    names = list(sd.namespaces)
    if sd.own_namespace and namespace and namespace not in names:
        names.append(namespace)
    if names:
        return {"matchNames": names}
    if sd.own_namespace:
        return None  # the operator's default: the monitor's own namespace
    return {"any": True}


def _selector(monitor: Monitor) -> Dict[str, object]:
    role = "pod" if monitor.kind == "PodMonitor" else "service"
    sel = monitor.sd.selector_for(role)
    if sel is None or not sel.label:
        return {}
    labels, exprs = parse_selector(sel.label)
    out: Dict[str, object] = {}
    if labels:
        out["matchLabels"] = labels
    if exprs:
        out["matchExpressions"] = exprs
    return out


def _endpoint(monitor: Monitor) -> Dict[str, object]:
    job = monitor.job
    ep: Dict[str, object] = {}
    if job.metrics_path is not None:
        ep["path"] = job.metrics_path
    if job.scheme is not None:
        ep["scheme"] = job.scheme
    if job.scrape_interval is not None:
        ep["interval"] = str(job.scrape_interval)
    if job.scrape_timeout is not None:
        ep["scrapeTimeout"] = str(job.scrape_timeout)
    if job.honor_labels is not None:
        ep["honorLabels"] = job.honor_labels
    if job.honor_timestamps is not None:
        ep["honorTimestamps"] = job.honor_timestamps
    if job.params:
        ep["params"] = {k: list(v) for k, v in job.params}
    if job.bearer_token_file is not None:
        ep["bearerTokenFile"] = job.bearer_token_file
    if job.tls_config is not None:
        ep["tlsConfig"] = {_TLS[k]: v for k, v in job.tls_config.items()}
    relabelings: List[Dict[str, object]] = [relabeling(r) for r in job.relabel_configs]
    relabelings.append({"action": "replace", "targetLabel": "job", "replacement": job.job_name})
    ep["relabelings"] = relabelings
    if job.metric_relabel_configs:
        ep["metricRelabelings"] = [relabeling(r) for r in job.metric_relabel_configs]
    return ep


def monitor_dict(monitor: Monitor, namespace: Optional[str] = None,
                 settings: Optional[Settings] = None) -> Dict[str, object]:
    """The monitor object; ``settings`` (``[kubernetes]``) give its namespace (``namespace`` wins),
    labels and annotations (kube-prometheus-stack selects monitors by ``release``, like rules)."""
    settings = settings or Settings()
    namespace = namespace or kubernetes_namespace(settings)
    metadata = k8s_meta.metadata(settings, monitor.name, namespace, extra_labels=(conv.SCRAPE_MANAGED_BY,))
    spec: Dict[str, object] = {"selector": _selector(monitor)}
    ns = _namespace_selector(monitor, namespace)
    if ns is not None:
        spec["namespaceSelector"] = ns
    if monitor.job.sample_limit is not None:
        spec["sampleLimit"] = monitor.job.sample_limit
    endpoints = "podMetricsEndpoints" if monitor.kind == "PodMonitor" else "endpoints"
    spec[endpoints] = [_endpoint(monitor)]
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": monitor.kind, "metadata": metadata, "spec": spec}


def render(monitor: Monitor, namespace: Optional[str] = None, settings: Optional[Settings] = None) -> bytes:
    head = conv.GENERATED_HEADER.format(sources=", ".join(sorted({l.file for l in monitor.sources})) or "definitions")
    head += f"# Prometheus Operator form of scrape job {monitor.job.job_name!r} ({monitor.sd.role} discovery).\n"
    return (head + dump(monitor_dict(monitor, namespace, settings))).encode()
