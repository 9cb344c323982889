"""OpenTelemetry Collector YAML (plain collectors and Jaeger v2), and a validator of such documents.

:func:`validate` checks a config document against the collector's structure (kept in agreement
with the real collector and Jaeger v2 by tests/test_collector_real.py): sections and their keys,
component ids (``type[/name]``) and the keys of the component types obskit writes (from the
components' ``config.go``), tail-sampling policy types and their blocks, ``service.pipelines`` ids and signals, every reference in a pipeline or in
``service.extensions`` resolving (connectors included), and Jaeger v2's storage references.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Dict, List

from obskit.compile import conventions as conv
from obskit.compile.tracing import (
    CollectorPlan, JaegerQueryExtension, JaegerStorageExporter, JaegerStorageExtension, RemoteSamplingExtension,
)
from obskit.model.tracing import BadgerStore, ElasticsearchStore, MemoryStore
from obskit.model.tracing.otel import (
    AndPolicy, BatchProcessor, CompositePolicy, DebugExporter, DropPolicy, HealthCheck, JaegerReceiver,
    LatencyPolicy, MemoryLimiter, OtlpExporter, OtlpHttpExporter, OtlpReceiver, Policy, ProbabilisticSampler,
    SpanMetricsConnector, TailSampling, ZipkinReceiver, endpoint_ok, go_duration_ok,
)
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


# ----------------------------------------------------------------------------------------- validation
SECTIONS = ("receivers", "processors", "exporters", "connectors", "extensions")
_ID = re.compile(r"^([a-z][a-z0-9_]*)(/[A-Za-z0-9_.\-]+)?$")
_PIPELINE_ID = re.compile(r"^(traces|metrics|logs)(/[A-Za-z0-9_.\-]+)?$")
_TLS = {"insecure", "insecure_skip_verify", "ca_file", "cert_file", "key_file", "server_name_override",
        "min_version", "max_version", "ca_pem", "cert_pem", "key_pem", "reload_interval"}
_EXPORTER_COMMON = {"timeout", "sending_queue", "retry_on_failure", "tls", "headers", "compression", "auth"}

#: Keys each known component type accepts (None: any mapping), and the signals it handles.
KNOWN: Dict[str, Dict[str, tuple]] = {
    "receivers": {
        "otlp": ({"protocols"}, ("traces", "metrics", "logs")),
        "jaeger": ({"protocols"}, ("traces",)),
        "zipkin": ({"endpoint", "parse_string_tags", "tls", "cors"}, ("traces",)),
        "prometheus": ({"config", "target_allocator", "trim_metric_suffixes"}, ("metrics",)),
    },
    "processors": {
        "batch": ({"timeout", "send_batch_size", "send_batch_max_size", "metadata_keys",
                   "metadata_cardinality_limit"}, ("traces", "metrics", "logs")),
        "memory_limiter": ({"check_interval", "limit_mib", "spike_limit_mib", "limit_percentage",
                            "spike_limit_percentage"}, ("traces", "metrics", "logs")),
        "tail_sampling": ({"decision_wait", "num_traces", "expected_new_traces_per_sec", "policies",
                           "decision_cache", "sample_on_first_match"}, ("traces",)),
        "adaptive_sampling": (None, ("traces",)),
        "probabilistic_sampler": ({"sampling_percentage", "hash_seed", "mode", "fail_closed", "sampling_precision",
                                   "attribute_source", "from_attribute", "sampling_priority"}, ("traces", "logs")),
    },
    "exporters": {
        "otlp": ({"endpoint", "balancer_name", "keepalive", "authority", "write_buffer_size",
                  "read_buffer_size", "wait_for_ready"} | _EXPORTER_COMMON, ("traces", "metrics", "logs")),
        "otlphttp": ({"endpoint", "traces_endpoint", "metrics_endpoint", "logs_endpoint", "encoding",
                      "read_buffer_size", "write_buffer_size"} | _EXPORTER_COMMON, ("traces", "metrics", "logs")),
        "debug": ({"verbosity", "sampling_initial", "sampling_thereafter", "use_internal_logger"},
                  ("traces", "metrics", "logs")),
        "jaeger_storage_exporter": ({"trace_storage", "queue", "retry_on_failure"}, ("traces",)),
    },
    "extensions": {
        "health_check": ({"endpoint", "path", "tls", "check_collector_pipeline"}, ()),
        "healthcheckv2": (None, ()),
        "pprof": ({"endpoint", "block_profile_fraction", "mutex_profile_fraction"}, ()),
        "zpages": ({"endpoint"}, ()),
        "jaeger_storage": ({"backends", "metric_backends"}, ()),
        "jaeger_query": ({"storage", "http", "grpc", "ui", "base_path", "max_clock_skew_adjust",
                          "enable_tracing"}, ()),
        "remote_sampling": ({"file", "adaptive", "http", "grpc"}, ()),
    },
    "connectors": {
        "spanmetrics": ({"histogram", "dimensions", "calls_dimensions", "histogram_dimensions", "namespace",
                         "metrics_flush_interval", "metrics_expiration", "exemplars", "events",
                         "resource_metrics_key_attributes", "resource_metrics_cache_size", "aggregation_temporality",
                         "aggregation_cardinality_limit", "include_instrumentation_scope", "exclude_dimensions",
                         "add_resource_attributes", "dimensions_cache_size"}, ("traces", "metrics")),
        "forward": (None, ("traces", "metrics", "logs")),
    },
}
_PROTOCOLS = {"otlp": {"grpc", "http"}, "jaeger": {"grpc", "thrift_http", "thrift_compact", "thrift_binary"}}
POLICY_TYPES = ("always_sample", "latency", "numeric_attribute", "probabilistic", "status_code",
                "string_attribute", "rate_limiting", "span_count", "trace_state", "boolean_attribute",
                "ottl_condition", "and", "composite", "drop")
_POLICY_KEYS = {
    "latency": {"threshold_ms", "upper_threshold_ms"},
    "numeric_attribute": {"key", "min_value", "max_value", "invert_match"},
    "probabilistic": {"hash_salt", "sampling_percentage"},
    "status_code": {"status_codes"},
    "string_attribute": {"key", "values", "enabled_regex_matching", "cache_max_size", "invert_match"},
    "rate_limiting": {"spans_per_second"},
    "span_count": {"min_spans", "max_spans"},
    "trace_state": {"key", "values"},
    "boolean_attribute": {"key", "value"},
    "ottl_condition": {"error_mode", "span", "spanevent"},
    "and": {"and_sub_policy"},
    "drop": {"drop_sub_policy"},
    "composite": {"max_total_spans_per_second", "policy_order", "composite_sub_policy", "rate_allocation"},
}


def validate(doc: object) -> List[str]:
    """Problems in a collector (or Jaeger v2) config document; empty when it is sound."""
    out: List[str] = []
    if not isinstance(doc, dict):
        return ["the config must be a mapping"]
    for k in sorted(set(doc) - set(SECTIONS) - {"service"}):
        out.append(f"unknown top-level key {k!r}")
    defined: Dict[str, Dict[str, object]] = {}
    for section in SECTIONS:
        comps = doc.get(section) or {}
        if not isinstance(comps, dict):
            out.append(f"{section} must be a mapping")
            comps = {}
        defined[section] = comps
        for cid, cfg in comps.items():
            out += _check_component(section, cid, cfg)
    service = doc.get("service")
    if not isinstance(service, dict):
        return out + ["service is missing"]
    for k in sorted(set(service) - {"extensions", "pipelines", "telemetry"}):
        out.append(f"service: unknown key {k!r}")
    for ext in service.get("extensions") or []:
        if ext not in defined["extensions"]:
            out.append(f"service.extensions: {ext!r} is not defined under extensions")
    pipelines = service.get("pipelines")
    if not isinstance(pipelines, dict) or not pipelines:
        return out + ["service.pipelines must define at least one pipeline"]
    connector_use: Dict[str, set] = {}
    for pid, pl in pipelines.items():
        m = _PIPELINE_ID.match(str(pid))
        if not m:
            out.append(f"pipeline {pid!r}: id must be traces, metrics or logs, optionally /name")
            continue
        signal = m.group(1)
        if not isinstance(pl, dict):
            out.append(f"pipeline {pid!r}: must be a mapping")
            continue
        for k in sorted(set(pl) - {"receivers", "processors", "exporters"}):
            out.append(f"pipeline {pid!r}: unknown key {k!r}")
        for role in ("receivers", "processors", "exporters"):
            refs = pl.get(role) or []
            if role != "processors" and not refs:
                out.append(f"pipeline {pid!r}: must have at least one of its {role}")
            if len(set(refs)) != len(refs):
                out.append(f"pipeline {pid!r}: {role} lists a component twice")
            for ref in refs:
                if ref in defined[role]:
                    sigs = _signals(role, ref)
                    if sigs is not None and signal not in sigs:
                        out.append(f"pipeline {pid!r}: {role[:-1]} {ref!r} does not support {signal}")
                elif role != "processors" and ref in defined["connectors"]:
                    connector_use.setdefault(ref, set()).add(role)
                else:
                    out.append(f"pipeline {pid!r}: {role[:-1]} {ref!r} is not defined")
        procs = pl.get("processors") or []
        types = [str(p).split("/")[0] for p in procs]
        if "memory_limiter" in types and types.index("memory_limiter") != 0:
            out.append(f"pipeline {pid!r}: memory_limiter must be the first processor")
    for cid, roles in sorted(connector_use.items()):
        if roles != {"receivers", "exporters"}:
            out.append(f"connector {cid!r} must be an exporter in one pipeline and a receiver in another")
    out += _check_jaeger(defined, service)
    return out


def _signals(section: str, cid: str):
    typ = str(cid).split("/")[0]
    known = KNOWN.get(section, {}).get(typ)
    return known[1] if known else None


def _check_component(section: str, cid: object, cfg: object) -> List[str]:
    where = f"{section[:-1]} {cid!r}"
    m = _ID.match(str(cid))
    if not isinstance(cid, str) or not m:
        return [f"{where}: id must be 'type' or 'type/name'"]
    typ = m.group(1)
    known = KNOWN[section].get(typ)
    if known is None:
        return [f"{where}: unknown {section[:-1]} type {typ!r} (obskit validates: "
                f"{', '.join(sorted(KNOWN[section]))})"]
    if cfg is None:
        cfg = {}
    if not isinstance(cfg, dict):
        return [f"{where}: configuration must be a mapping"]
    keys, _ = known
    out = [f"{where}: unknown key {k!r}" for k in sorted(set(cfg) - keys)] if keys is not None else []
    if section == "receivers" and typ in _PROTOCOLS:
        protocols = cfg.get("protocols")
        if not isinstance(protocols, dict) or not protocols:
            out.append(f"{where}: needs at least one protocol under 'protocols'")
        else:
            for proto, pcfg in protocols.items():
                if proto not in _PROTOCOLS[typ]:
                    out.append(f"{where}: unknown protocol {proto!r} ({', '.join(sorted(_PROTOCOLS[typ]))})")
                elif isinstance(pcfg, dict) and "endpoint" in pcfg and not endpoint_ok(pcfg["endpoint"]):
                    out.append(f"{where}: {proto} endpoint {pcfg['endpoint']!r} must be host:port")
    if section in ("receivers", "extensions") and "endpoint" in cfg and not endpoint_ok(cfg["endpoint"]):
        out.append(f"{where}: endpoint {cfg['endpoint']!r} must be host:port")
    if section == "exporters" and typ in ("otlp", "otlphttp") and not cfg.get("endpoint") \
            and not any(cfg.get(k) for k in ("traces_endpoint", "metrics_endpoint", "logs_endpoint")):
        out.append(f"{where}: endpoint is required")
    if isinstance(cfg.get("tls"), dict):
        out += [f"{where}: unknown tls key {k!r}" for k in sorted(set(cfg["tls"]) - _TLS)]
    for k in ("timeout", "check_interval", "decision_wait"):
        if k == "timeout" and typ == "batch" and cfg.get(k) in ("0", "0s"):
            continue   # the collector accepts 0: send at once (only send_batch_max_size splits)
        if k in cfg and not go_duration_ok(cfg[k]):
            out.append(f"{where}: {k} {cfg[k]!r} is not a positive Go duration")
    if typ == "memory_limiter":
        if ("limit_mib" in cfg) == ("limit_percentage" in cfg):
            out.append(f"{where}: set exactly one of limit_mib and limit_percentage")
        if "check_interval" not in cfg:
            out.append(f"{where}: check_interval is required")
        for limit, spike in (("limit_mib", "spike_limit_mib"), ("limit_percentage", "spike_limit_percentage")):
            lv, sv = cfg.get(limit), cfg.get(spike)
            if isinstance(lv, int) and isinstance(sv, int) and sv >= lv:
                out.append(f"{where}: {spike} must be smaller than {limit}")
    if typ == "spanmetrics":
        hist = cfg.get("histogram") or {}
        if isinstance(hist, dict) and "unit" in hist and hist["unit"] not in ("ms", "s"):
            out.append(f"{where}: histogram.unit {hist['unit']!r} is not 'ms' or 's'")
        for b in ((hist.get("explicit") or {}).get("buckets") or []) if isinstance(hist, dict) else []:
            if not go_duration_ok(b):
                out.append(f"{where}: histogram bucket {b!r} is not a Go duration")
    if typ == "batch":
        size, cap = cfg.get("send_batch_size", 8192), cfg.get("send_batch_max_size", 0)
        if isinstance(size, int) and isinstance(cap, int) and 0 < cap < size:
            out.append(f"{where}: send_batch_max_size must be 0 or at least send_batch_size")
    if typ == "tail_sampling":
        policies = cfg.get("policies")
        if not isinstance(policies, list) or not policies:
            out.append(f"{where}: policies must be a non-empty list")
        else:
            out += _check_policies(where, policies, POLICY_TYPES)
    return out


def _check_policies(where: str, policies: list, allowed) -> List[str]:
    out: List[str] = []
    names = set()
    for i, pol in enumerate(policies):
        w = f"{where} policy {i + 1}"
        if not isinstance(pol, dict):
            out.append(f"{w}: must be a mapping")
            continue
        name, typ = pol.get("name"), pol.get("type")
        if not isinstance(name, str) or not name:
            out.append(f"{w}: needs a name")
        else:
            w = f"{where} policy {name!r}"
            if name in names:
                out.append(f"{w}: duplicate policy name")
            names.add(name)
        if typ not in POLICY_TYPES:
            out.append(f"{w}: unknown policy type {typ!r} ({', '.join(POLICY_TYPES)})")
            continue
        if typ not in allowed:
            out.append(f"{w}: policy type {typ!r} is not allowed here")
            continue
        extra = set(pol) - {"name", "type", typ}
        if extra:
            out.append(f"{w}: unknown keys {sorted(extra)} (a {typ} policy takes its settings under {typ!r})")
        if typ == "always_sample":
            continue
        block = pol.get(typ)
        if not isinstance(block, dict):
            out.append(f"{w}: a {typ} policy needs a {typ!r} block")
            continue
        out += [f"{w}: unknown key {k!r} in {typ}" for k in sorted(set(block) - _POLICY_KEYS[typ])]
        simple = tuple(t for t in POLICY_TYPES if t not in ("and", "composite", "drop"))
        if typ in ("and", "drop"):
            subs = block.get(f"{typ}_sub_policy")
            if not isinstance(subs, list) or not subs:
                out.append(f"{w}: {typ}_sub_policy must be a non-empty list")
            else:
                out += _check_policies(w, subs, simple)
        elif typ == "composite":
            subs = block.get("composite_sub_policy")
            if not isinstance(subs, list) or not subs:
                out.append(f"{w}: composite_sub_policy must be a non-empty list")
                continue
            out += _check_policies(w, subs, simple + ("and",))
            sub_names = [s.get("name") for s in subs if isinstance(s, dict)]
            order = block.get("policy_order") or []
            if sorted(map(str, order)) != sorted(map(str, sub_names)):
                out.append(f"{w}: policy_order must list every composite_sub_policy once")
            for a in block.get("rate_allocation") or []:
                if not isinstance(a, dict) or a.get("policy") not in sub_names:
                    out.append(f"{w}: rate_allocation entry {a!r} names no sub-policy")
        elif typ == "probabilistic":
            pct = block.get("sampling_percentage")
            if not isinstance(pct, (int, float)) or isinstance(pct, bool) or not 0 <= pct <= 100:
                out.append(f"{w}: sampling_percentage must be in [0, 100]")
        elif typ == "status_code":
            codes = block.get("status_codes")
            if not isinstance(codes, list) or not codes or any(c not in ("OK", "ERROR", "UNSET") for c in codes):
                out.append(f"{w}: status_codes must be a non-empty list of OK, ERROR, UNSET")
        elif typ in ("numeric_attribute", "string_attribute", "boolean_attribute", "trace_state"):
            if not block.get("key"):
                out.append(f"{w}: key is required")
        elif typ == "rate_limiting":
            if not isinstance(block.get("spans_per_second"), int) or block["spans_per_second"] <= 0:
                out.append(f"{w}: spans_per_second must be a positive integer")
    return out


def _check_jaeger(defined: Dict[str, Dict[str, object]], service: dict) -> List[str]:
    out: List[str] = []
    storage = defined["extensions"].get("jaeger_storage")
    backends = set((storage or {}).get("backends") or {}) if isinstance(storage, dict) else set()
    for name, b in ((storage or {}).get("backends") or {}).items() if isinstance(storage, dict) else ():
        if not isinstance(b, dict) or len(b) != 1:
            out.append(f"jaeger_storage backend {name!r}: needs exactly one storage type")
    query = defined["extensions"].get("jaeger_query")
    if isinstance(query, dict):
        traces = (query.get("storage") or {}).get("traces")
        if traces not in backends:
            out.append(f"jaeger_query: storage.traces {traces!r} is not a jaeger_storage backend")
    for cid, cfg in defined["exporters"].items():
        if str(cid).split("/")[0] == "jaeger_storage_exporter":
            ts = (cfg or {}).get("trace_storage")
            if ts not in backends:
                out.append(f"exporter {cid!r}: trace_storage {ts!r} is not a jaeger_storage backend")
    rs = defined["extensions"].get("remote_sampling")
    if isinstance(rs, dict) and ("file" in rs) == ("adaptive" in rs):
        out.append("remote_sampling: configure exactly one of file and adaptive")
    if isinstance(rs, dict) and isinstance(rs.get("file"), dict):
        prob = rs["file"].get("default_sampling_probability")
        if prob is not None and (not isinstance(prob, (int, float)) or not 0 <= prob <= 1):
            out.append("remote_sampling: file.default_sampling_probability must be in [0, 1]")
    exts = set(service.get("extensions") or [])
    for needed in ("jaeger_storage", "jaeger_query"):
        if needed in defined["extensions"] and needed not in exts:
            out.append(f"service.extensions must start {needed!r}, which is configured")
    return out


# ----------------------------------------------------------------------------------------------- Tempo
def _tempo_gcs(s) -> Dict[str, object]:
    out: Dict[str, object] = {"bucket_name": s.bucket_name}
    if s.chunk_buffer_size is not None:
        out["chunk_buffer_size"] = s.chunk_buffer_size
    if s.endpoint is not None:
        out["endpoint"] = s.endpoint
    if s.insecure:
        out["insecure"] = True
    return out


def _tempo_azure(s) -> Dict[str, object]:
    out: Dict[str, object] = {"container_name": s.container_name, "storage_account_name": s.storage_account_name}
    if s.storage_account_key is not None:
        out["storage_account_key"] = s.storage_account_key
    if s.use_managed_identity:
        out["use_managed_identity"] = True
    if s.user_assigned_id is not None:
        out["user_assigned_id"] = s.user_assigned_id
    if s.use_federated_token:
        out["use_federated_token"] = True
    if s.endpoint_suffix is not None:
        out["endpoint_suffix"] = s.endpoint_suffix
    return out


def tempo_dict(t) -> Dict[str, object]:
    from obskit.model.tracing.tempo import TempoAzureStorage, TempoGCSStorage, TempoS3Storage

    protocols = {k: _ep(v) for k, v in (("grpc", t.otlp_grpc), ("http", t.otlp_http)) if v is not None}
    s = t.storage
    if isinstance(s, TempoS3Storage):
        s3: Dict[str, object] = {"bucket": s.bucket, "endpoint": s.endpoint}
        if s.region:
            s3["region"] = s.region
        if s.access_key is not None:
            s3["access_key"] = s.access_key
            s3["secret_key"] = s.secret_key
        if s.insecure:
            s3["insecure"] = True
        if s.forcepathstyle:
            s3["forcepathstyle"] = True
        trace: Dict[str, object] = {"backend": "s3", "s3": s3}
    elif isinstance(s, TempoGCSStorage):
        trace = {"backend": "gcs", "gcs": _tempo_gcs(s)}
    elif isinstance(s, TempoAzureStorage):
        trace = {"backend": "azure", "azure": _tempo_azure(s)}
    else:
        trace = {"backend": "local", "local": {"path": s.path}}
    trace["wal"] = {"path": t.wal_path}
    return {
        "server": {"http_listen_port": t.http_port, "grpc_listen_port": t.grpc_port},
        "distributor": {"receivers": {"otlp": {"protocols": protocols}}},
        "compactor": {"compaction": {"block_retention": f"{t.retention.seconds // 3600}h"}},
        "storage": {"trace": trace},
    }


def render_tempo(t, sources) -> bytes:
    from obskit.model.tracing.tempo import TempoAzureStorage, TempoS3Storage

    files = sorted({loc.file for loc in sources}) or ["definitions"]
    header = conv.GENERATED_HEADER.format(sources=", ".join(files))
    if (isinstance(t.storage, TempoS3Storage) and t.storage.access_key is not None) or \
            (isinstance(t.storage, TempoAzureStorage) and t.storage.storage_account_key is not None):
        header += ("# Contains ${VAR} references: start Tempo with -config.expand-env=true "
                   "so that they are read from the environment.\n")
    return (header + dump(tempo_dict(t))).encode()


_TEMPO_TOP = {"server", "distributor", "ingester", "compactor", "storage", "querier", "query_frontend",
              "metrics_generator", "overrides", "stream_over_http_enabled", "target", "usage_report",
              "memberlist", "multitenancy_enabled"}
_TEMPO_BACKENDS = ("local", "s3", "gcs", "azure")
#: keys of Tempo 2.x's gcs and azure backend blocks (tempodb/backend/gcs and azure Config)
_TEMPO_GCS_KEYS = {"bucket_name", "prefix", "chunk_buffer_size", "endpoint", "hedge_requests_at",
                   "hedge_requests_up_to", "insecure", "object_cache_control", "object_metadata"}
_TEMPO_AZURE_KEYS = {"storage_account_name", "storage_account_key", "use_managed_identity", "use_federated_token",
                     "user_assigned_id", "container_name", "prefix", "endpoint_suffix", "max_buffers",
                     "buffer_size", "hedge_requests_at", "hedge_requests_up_to"}


def validate_tempo(doc: object) -> List[str]:
    """Problems in a Tempo 2.x config document (structure from Tempo's configuration reference)."""
    if not isinstance(doc, dict):
        return ["the config must be a mapping"]
    out = [f"unknown top-level key {k!r}" for k in sorted(set(doc) - _TEMPO_TOP)]
    receivers = ((doc.get("distributor") or {}).get("receivers") or {})
    if not receivers:
        out.append("distributor.receivers is empty: Tempo would receive nothing")
    for name, cfg in receivers.items():
        if name not in ("otlp", "jaeger", "zipkin", "opencensus", "kafka"):
            out.append(f"distributor.receivers: unknown receiver {name!r}")
        elif name in _PROTOCOLS:
            for proto, pcfg in ((cfg or {}).get("protocols") or {}).items():
                if proto not in _PROTOCOLS[name]:
                    out.append(f"distributor.receivers.{name}: unknown protocol {proto!r}")
                elif isinstance(pcfg, dict) and "endpoint" in pcfg and not endpoint_ok(pcfg["endpoint"]):
                    out.append(f"distributor.receivers.{name}.{proto}: endpoint must be host:port")
    retention = ((doc.get("compactor") or {}).get("compaction") or {}).get("block_retention")
    if retention is not None and not go_duration_ok(retention):
        out.append(f"compactor.compaction.block_retention {retention!r} is not a Go duration (e.g. 720h)")
    trace = ((doc.get("storage") or {}).get("trace")) or {}
    backend = trace.get("backend")
    if backend not in _TEMPO_BACKENDS:
        out.append(f"storage.trace.backend {backend!r} is not one of {', '.join(_TEMPO_BACKENDS)}")
    elif not isinstance(trace.get(backend), dict):
        out.append(f"storage.trace.{backend} block is missing for backend {backend!r}")
    elif backend == "s3":
        s3 = trace["s3"]
        for k in ("bucket", "endpoint"):
            if not s3.get(k):
                out.append(f"storage.trace.s3.{k} is required")
        from obskit.model.loki import is_env_ref
        for k in ("access_key", "secret_key"):
            if k in s3 and not is_env_ref(s3[k]):
                out.append(f"storage.trace.s3.{k} is a literal secret")
    elif backend == "gcs":
        gcs = trace["gcs"]
        out += [f"storage.trace.gcs: unknown key {k!r}" for k in sorted(set(gcs) - _TEMPO_GCS_KEYS)]
        if not gcs.get("bucket_name"):
            out.append("storage.trace.gcs.bucket_name is required")
    elif backend == "azure":
        az = trace["azure"]
        out += [f"storage.trace.azure: unknown key {k!r}" for k in sorted(set(az) - _TEMPO_AZURE_KEYS)]
        for k in ("container_name", "storage_account_name"):
            if not az.get(k):
                out.append(f"storage.trace.azure.{k} is required")
        from obskit.model.loki import is_env_ref
        if "storage_account_key" in az and not is_env_ref(az["storage_account_key"]):
            out.append("storage.trace.azure.storage_account_key is a literal secret")
        if sum(1 for k in ("storage_account_key", "use_managed_identity", "use_federated_token") if az.get(k)) != 1:
            out.append("storage.trace.azure needs exactly one of storage_account_key, use_managed_identity, "
                       "use_federated_token")
    if not (trace.get("wal") or {}).get("path"):
        out.append("storage.trace.wal.path is required")
    return out
