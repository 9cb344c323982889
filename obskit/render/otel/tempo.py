"""Tempo's config YAML (:func:`tempo_dict`, :func:`render_tempo`) and a validator of such documents
(:func:`validate_tempo`: the top-level sections and storage backends Tempo loads)."""
from __future__ import annotations

from typing import Dict, List

from obskit.compile import conventions as conv
from obskit.model.tracing.otel import endpoint_ok, go_duration_ok
from obskit.render.otel.collector import _ep
from obskit.render.otel.validate import _PROTOCOLS
from obskit.render.yamlfmt import dump


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
