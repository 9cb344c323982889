"""OpenTelemetry Collector YAML (plain collectors and Jaeger v2): :func:`collector_dict` and
:func:`render_collector`, one component's block at a time (:func:`component_dict`)."""
from __future__ import annotations

import dataclasses
from typing import Dict

from obskit.compile import conventions as conv
from obskit.compile.tracing import (
    CollectorPlan, JaegerQueryExtension, JaegerStorageExporter, JaegerStorageExtension, RemoteSamplingExtension,
)
from obskit.model.tracing import BadgerStore, ElasticsearchStore, MemoryStore
from obskit.model.tracing.otel import (AndPolicy, BatchProcessor, CompositePolicy, DebugExporter, DropPolicy,
                                       HealthCheck, JaegerReceiver, LatencyPolicy, MemoryLimiter, OtlpExporter,
                                       OtlpHttpExporter, OtlpReceiver, Policy, ProbabilisticSampler,
                                       SpanMetricsConnector, TailSampling, ZipkinReceiver)
from obskit.render.yamlfmt import dump


# ----------------------------------------------------------------------------------------- rendering
def _ep(value: str) -> Dict[str, str]:
    return {"endpoint": value}


def _policy(pol: Policy) -> Dict[str, object]:
    out: Dict[str, object] = {"name": pol.name, "type": pol.TYPE}
    if isinstance(pol, AndPolicy):
        out["and"] = {"and_sub_policy": [_policy(s) for s in pol.policies]}
    elif isinstance(pol, DropPolicy):
        out["drop"] = {"drop_sub_policy": [_policy(s) for s in pol.policies]}
    elif isinstance(pol, CompositePolicy):
        block: Dict[str, object] = {
            "max_total_spans_per_second": pol.max_total_spans_per_second,
            "policy_order": list(pol.policy_order) or [s.name for s in pol.policies],
            "composite_sub_policy": [_policy(s) for s in pol.policies],
        }
        if pol.rate_allocation:
            block["rate_allocation"] = [{"policy": k, "percent": v} for k, v in pol.rate_allocation.items()]
        out["composite"] = block
    elif pol.TYPE != "always_sample":
        fields = {f.name: getattr(pol, f.name) for f in dataclasses.fields(pol) if f.name != "name"}
        if isinstance(pol, LatencyPolicy) and not pol.upper_threshold_ms:
            fields.pop("upper_threshold_ms")
        block = {}
        for k, v in fields.items():
            if isinstance(v, (list, tuple)):
                v = list(v)
            if v is False or v == [] or v == 0 and k in ("cache_max_size", "max_spans") or v == "" and k == "hash_salt":
                continue  # documented defaults: leave them out
            block[k] = v
        out[pol.TYPE] = block
    return out


def _store(store) -> Dict[str, object]:
    if isinstance(store, MemoryStore):
        return {"memory": {"max_traces": store.max_traces}}
    if isinstance(store, BadgerStore):
        return {"badger": {"directories": {"keys": f"{store.directory}/keys", "values": f"{store.directory}/values"},
                           "ephemeral": store.ephemeral, "ttl": {"spans": store.span_ttl}}}
    if isinstance(store, ElasticsearchStore):
        es: Dict[str, object] = {"server_urls": list(store.server_urls)}
        if store.index_prefix:
            es["indices"] = {"index_prefix": store.index_prefix}
        return {"elasticsearch": es}
    raise TypeError(f"not a trace store: {store!r}")


def component_dict(c) -> Dict[str, object]:
    if isinstance(c, OtlpReceiver):
        protocols = {k: _ep(getattr(c, k)) for k in ("grpc", "http") if getattr(c, k) is not None}
        return {"protocols": protocols}
    if isinstance(c, JaegerReceiver):
        return {"protocols": {k: _ep(getattr(c, k)) for k in ("grpc", "thrift_http", "thrift_compact", "thrift_binary")
                              if getattr(c, k) is not None}}
    if isinstance(c, ZipkinReceiver):
        return _ep(c.endpoint)
    if isinstance(c, BatchProcessor):
        out: Dict[str, object] = {"timeout": c.timeout, "send_batch_size": c.send_batch_size}
        if c.send_batch_max_size:
            out["send_batch_max_size"] = c.send_batch_max_size
        return out
    if isinstance(c, MemoryLimiter):
        out = {"check_interval": c.check_interval}
        for k in ("limit_mib", "spike_limit_mib", "limit_percentage", "spike_limit_percentage"):
            if getattr(c, k) is not None:
                out[k] = getattr(c, k)
        return out
    if isinstance(c, TailSampling):
        out = {"decision_wait": c.decision_wait, "num_traces": c.num_traces}
        if c.expected_new_traces_per_sec:
            out["expected_new_traces_per_sec"] = c.expected_new_traces_per_sec
        out["policies"] = [_policy(p) for p in c.policies]
        return out
    if isinstance(c, ProbabilisticSampler):
        out = {"sampling_percentage": c.sampling_percentage}
        if c.hash_seed:
            out["hash_seed"] = c.hash_seed
        return out
    if isinstance(c, SpanMetricsConnector):
        out = {"namespace": c.namespace,
               "histogram": {"unit": c.histogram_unit, "explicit": {"buckets": list(c.buckets)}}}
        if c.dimensions:
            out["dimensions"] = [{"name": d} for d in c.dimensions]
        out["metrics_flush_interval"] = c.metrics_flush_interval
        return out
    if isinstance(c, OtlpExporter):
        out = {"endpoint": c.endpoint}
        if c.insecure:
            out["tls"] = {"insecure": True}
        if c.headers:
            out["headers"] = dict(sorted(c.headers.items()))
        if c.compression:
            out["compression"] = c.compression
        return out
    if isinstance(c, OtlpHttpExporter):
        out = {"endpoint": c.endpoint}
        if c.headers:
            out["headers"] = dict(sorted(c.headers.items()))
        return out
    if isinstance(c, DebugExporter):
        return {"verbosity": c.verbosity}
    if isinstance(c, HealthCheck):
        return _ep(c.endpoint)
    if isinstance(c, JaegerStorageExtension):
        return {"backends": {name: _store(s) for name, s in c.backends.items()}}
    if isinstance(c, JaegerQueryExtension):
        return {"storage": {"traces": c.traces}, "http": _ep(c.http), "grpc": _ep(c.grpc)}
    if isinstance(c, RemoteSamplingExtension):
        file: Dict[str, object] = {"path": c.path}
        if c.default_sampling_probability is not None:
            file["default_sampling_probability"] = c.default_sampling_probability
        file["reload_interval"] = c.reload_interval
        return {"file": file, "http": _ep(c.http), "grpc": _ep(c.grpc)}
    if isinstance(c, JaegerStorageExporter):
        return {"trace_storage": c.trace_storage}
    raise TypeError(f"no renderer for component {c!r}")


def collector_dict(plan: CollectorPlan) -> Dict[str, object]:
    doc: Dict[str, object] = {}
    for section in ("extensions", "receivers", "processors", "exporters", "connectors"):
        comps = getattr(plan, section)
        if comps:
            doc[section] = {cid: component_dict(c) for cid, c in comps.items()}
    service: Dict[str, object] = {}
    if plan.extensions:
        service["extensions"] = list(plan.extensions)
    service["pipelines"] = {
        p.id: {"receivers": list(p.receivers), **({"processors": list(p.processors)} if p.processors else {}),
               "exporters": list(p.exporters)}
        for p in plan.pipelines
    }
    telemetry: Dict[str, object] = {}
    if plan.service_name:
        telemetry["resource"] = {"service.name": plan.service_name}
    if plan.telemetry_metrics_port:
        telemetry["metrics"] = {"readers": [{"pull": {"exporter": {"prometheus": {
            "host": "0.0.0.0", "port": plan.telemetry_metrics_port}}}}]}
    if telemetry:
        service["telemetry"] = telemetry
    doc["service"] = service
    return doc


def render_collector(plan: CollectorPlan, note: str = "") -> bytes:
    files = sorted({loc.file for loc in plan.sources}) or ["definitions"]
    header = conv.GENERATED_HEADER.format(sources=", ".join(files)) + note
    return (header + dump(collector_dict(plan))).encode()
