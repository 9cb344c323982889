"""``prometheus.yml``: the Prometheus server configuration file (Prometheus 2.42+ and 3.x)."""
from __future__ import annotations

import textwrap
from typing import Dict, List

from obskit.compile import conventions as conv
from obskit.compile.prometheus_config import PrometheusFile, monitor_kind
from obskit.model.prometheus_config.discovery import KubernetesSD
from obskit.model.prometheus_config.job import ScrapeConfig
from obskit.model.prometheus_config.relabel import Relabel
from obskit.render.yamlfmt import dump

KUBERNETES_NOTE = (
    "# Kubernetes service discovery is validated by obskit in Python: Debian's promtool is built\n"
    "# without it, so `obskit build` runs `promtool check config` on a copy of this file without\n"
    "# the kubernetes_sd_configs of these jobs:\n")


def relabel_dict(step: Relabel) -> Dict[str, object]:
    """A relabel step with only the fields that were given (Prometheus' defaults apply to the rest)."""
    out: Dict[str, object] = {}
    if step.source_labels:
        out["source_labels"] = list(step.source_labels)
    for name in ("separator", "regex", "modulus", "target_label", "replacement", "action"):
        value = getattr(step, name)
        if value is not None:
            out[name] = value
    return out


def kubernetes_sd_dict(sd: KubernetesSD) -> Dict[str, object]:
    out: Dict[str, object] = {}
    if sd.api_server is not None:
        out["api_server"] = sd.api_server
    out["role"] = sd.role
    if sd.kubeconfig_file is not None:
        out["kubeconfig_file"] = sd.kubeconfig_file
    if sd.namespaces or sd.own_namespace:
        ns: Dict[str, object] = {}
        if sd.own_namespace:
            ns["own_namespace"] = True
        if sd.namespaces:
            ns["names"] = list(sd.namespaces)
        out["namespaces"] = ns
    if sd.selectors:
        out["selectors"] = [{k: v for k, v in (("role", s.role), ("label", s.label), ("field", s.field)) if v}
                            for s in sd.selectors]
    if sd.attach_metadata_node:
        out["attach_metadata"] = {"node": True}
    return out


def job_dict(job: ScrapeConfig) -> Dict[str, object]:
    out: Dict[str, object] = {"job_name": job.job_name}
    for name in ("scrape_interval", "scrape_timeout"):
        if getattr(job, name) is not None:
            out[name] = str(getattr(job, name))
    for name in ("metrics_path", "scheme", "honor_labels", "honor_timestamps"):
        if getattr(job, name) is not None:
            out[name] = getattr(job, name)
    if job.params:
        out["params"] = {k: list(v) for k, v in job.params}
    for name in ("sample_limit", "keep_dropped_targets"):
        if getattr(job, name) is not None:
            out[name] = getattr(job, name)
    if job.bearer_token_file is not None:
        out["authorization"] = {"credentials_file": job.bearer_token_file}
    if job.tls_config is not None:
        out["tls_config"] = dict(job.tls_config.items())
    statics: List[Dict[str, object]] = []
    if job.targets:
        statics.append({"targets": list(job.targets)})
    for sc in job.static_configs:
        entry: Dict[str, object] = {"targets": list(sc.targets)}
        if sc.labels:
            entry["labels"] = dict(sc.labels)
        statics.append(entry)
    if statics:
        out["static_configs"] = statics
    if job.file_sd:
        out["file_sd_configs"] = [
            {"files": list(f.files), **({"refresh_interval": str(f.refresh_interval)} if f.refresh_interval else {})}
            for f in job.file_sd]
    if job.kubernetes:
        out["kubernetes_sd_configs"] = [kubernetes_sd_dict(sd) for sd in job.kubernetes]
    if job.relabel_configs:
        out["relabel_configs"] = [relabel_dict(r) for r in job.relabel_configs]
    if job.metric_relabel_configs:
        out["metric_relabel_configs"] = [relabel_dict(r) for r in job.metric_relabel_configs]
    return out


def config_dict(pf: PrometheusFile) -> Dict[str, object]:
    server = pf.server
    glob: Dict[str, object] = {}
    for name in ("scrape_interval", "scrape_timeout", "evaluation_interval"):
        if getattr(server, name) is not None:
            glob[name] = str(getattr(server, name))
    if pf.external_labels:
        glob["external_labels"] = dict(pf.external_labels)
    out: Dict[str, object] = {}
    if glob:
        out["global"] = glob
    alerting: Dict[str, object] = {}
    if server.alert_relabel_configs:
        alerting["alert_relabel_configs"] = [relabel_dict(r) for r in server.alert_relabel_configs]
    if server.alertmanagers:
        ams = []
        for am in server.alertmanagers:
            entry: Dict[str, object] = {}
            for name in ("scheme", "path_prefix", "api_version"):
                if getattr(am, name) is not None:
                    entry[name] = getattr(am, name)
            if am.timeout is not None:
                entry["timeout"] = str(am.timeout)
            entry["static_configs"] = [{"targets": list(am.targets)}]
            ams.append(entry)
        alerting["alertmanagers"] = ams
    if alerting:
        out["alerting"] = alerting
    if pf.rule_files:
        out["rule_files"] = list(pf.rule_files)
    out["scrape_configs"] = [job_dict(j) for j in pf.jobs]
    if server.remote_write:
        out["remote_write"] = [remote_write_dict(w) for w in server.remote_write]
    return out


def remote_write_dict(w) -> Dict[str, object]:
    out: Dict[str, object] = {"url": w.url}
    if w.name is not None:
        out["name"] = w.name
    if w.remote_timeout is not None:
        out["remote_timeout"] = w.remote_timeout
    if w.headers:
        out["headers"] = dict(w.headers)
    if w.protobuf_message is not None:
        out["protobuf_message"] = w.protobuf_message
    for name in ("send_exemplars", "send_native_histograms"):
        if getattr(w, name) is not None:
            out[name] = getattr(w, name)
    if w.basic_auth is not None:
        out["basic_auth"] = {"username": w.basic_auth.username, "password_file": w.basic_auth.password_file}
    if w.credentials_file is not None:
        auth: Dict[str, object] = {"credentials_file": w.credentials_file}
        if w.credentials_type is not None:
            auth = {"type": w.credentials_type, **auth}
        out["authorization"] = auth
    if w.tls_config is not None:
        out["tls_config"] = dict(w.tls_config.items())
    if w.write_relabel_configs:
        out["write_relabel_configs"] = [relabel_dict(r) for r in w.write_relabel_configs]
    if w.queue_config is not None and w.queue_config.items():
        out["queue_config"] = dict(w.queue_config.items())
    return out


def header(pf: PrometheusFile) -> str:
    files = sorted({loc.file for loc in pf.sources}) or ["definitions"]
    text = conv.GENERATED_HEADER.format(sources=", ".join(files))
    if pf.replica:
        text += (f"# Replica {pf.replica!r} of the HA group {pf.server.name!r} "
                 f"({', '.join(pf.server.replicas)}): external label "
                 f"{pf.server.replica_label}=\"{pf.replica}\".\n")
    if pf.server.server_flags:
        text += "# Run Prometheus with: " + " ".join(pf.server.server_flags) + "\n"
    if pf.kubernetes_jobs:
        text += KUBERNETES_NOTE
        text += "".join(f"#   {line}\n" for line in textwrap.wrap(", ".join(pf.kubernetes_jobs), 90))
    no_monitor = [f"{j.job_name} ({sd.role})" for j in pf.jobs for sd in j.kubernetes if monitor_kind(j, sd) is None]
    if no_monitor:
        text += "# Jobs with no PodMonitor/ServiceMonitor form (see docs/scrape.md):\n"
        text += "".join(f"#   {line}\n" for line in textwrap.wrap(", ".join(no_monitor), 90))
    return text


def render(pf: PrometheusFile) -> bytes:
    return (header(pf) + dump(config_dict(pf))).encode()
