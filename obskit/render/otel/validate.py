"""A validator of OpenTelemetry Collector config documents (plain collectors and Jaeger v2).

:func:`validate` checks a config document against the collector's structure (kept in agreement
with the real collector and Jaeger v2 by tests/test_collector_real.py): sections and their keys,
component ids (``type[/name]``) and the keys of the component types obskit writes (from the
components' ``config.go``), tail-sampling policy types and their blocks, ``service.pipelines`` ids and signals, every reference in a pipeline or in
``service.extensions`` resolving (connectors included), and Jaeger v2's storage references.
"""
from __future__ import annotations

import re
from typing import Dict, List

from obskit.model.tracing.otel import endpoint_ok, go_duration_ok


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
