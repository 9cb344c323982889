"""Loki server configuration YAML (2.x and 3.x profiles) and ruler rule files."""
from __future__ import annotations

from typing import Dict

from obskit.compile import conventions as conv
from obskit.compile.ir import RuleFile
from obskit.compile.loki import LokiPlan
from obskit.model.loki import S3Storage
from obskit.render import prometheus_rules
from obskit.render.yamlfmt import dump

EXPAND_ENV_NOTE = ("# Contains ${VAR} references: start Loki with -config.expand-env=true "
                   "so that they are read from the environment.\n")


def _header(plan: LokiPlan) -> str:
    files = sorted({loc.file for loc in plan.sources}) or ["definitions"]
    text = conv.GENERATED_HEADER.format(sources=", ".join(files))
    text += f"# Loki {plan.version[0]}.{plan.version[1]} profile: {plan.index} index, schema {plan.schema}.\n"
    if _uses_env(plan):
        text += EXPAND_ENV_NOTE
    return text


def _uses_env(plan: LokiPlan) -> bool:
    s = plan.config.storage
    return isinstance(s, S3Storage) and s.access_key_id is not None


def _num(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _storage(plan: LokiPlan) -> Dict[str, object]:
    c, s = plan.config, plan.config.storage
    shipper: Dict[str, object] = {
        "active_index_directory": c.active_index_directory or f"{c.path_prefix}/index",
        "cache_location": c.cache_location or f"{c.path_prefix}/index_cache",
    }
    if plan.shared_store:
        shipper["shared_store"] = plan.shared_store
    out: Dict[str, object] = {("tsdb_shipper" if plan.index == "tsdb" else "boltdb_shipper"): shipper}
    if isinstance(s, S3Storage):
        aws: Dict[str, object] = {"bucketnames": s.bucket}
        if s.region:
            aws["region"] = s.region
        if s.endpoint:
            aws["endpoint"] = s.endpoint
        if s.access_key_id is not None:
            aws["access_key_id"] = s.access_key_id
            aws["secret_access_key"] = s.secret_access_key
        if s.force_path_style:
            aws["s3forcepathstyle"] = True
        if s.insecure:
            aws["insecure"] = True
        out["aws"] = aws
    else:
        out["filesystem"] = {"directory": s.directory}
    return out


def _limits(plan: LokiPlan) -> Dict[str, object]:
    c, lim = plan.config, plan.config.limits
    out: Dict[str, object] = {}
    if lim.enforce_metric_name is not None:
        out["enforce_metric_name"] = lim.enforce_metric_name
    for key in ("reject_old_samples", "reject_old_samples_max_age", "ingestion_rate_mb",
                "ingestion_burst_size_mb", "per_stream_rate_limit", "per_stream_rate_limit_burst",
                "max_line_size", "max_streams_per_user", "max_query_series", "max_query_parallelism"):
        value = getattr(lim, key)
        if value is not None:
            out[key] = _num(value) if not isinstance(value, bool) else value
    if plan.allow_structured_metadata is not None:
        out["allow_structured_metadata"] = plan.allow_structured_metadata
    if c.retention is not None:
        out["retention_period"] = f"{c.retention.seconds // 3600}h"
    return out


def config_dict(plan: LokiPlan) -> Dict[str, object]:
    c = plan.config
    doc: Dict[str, object] = {
        "auth_enabled": c.auth_enabled,
        "server": {"http_listen_port": c.http_port, "grpc_listen_port": c.grpc_port},
        "common": {
            "path_prefix": c.path_prefix,
            "replication_factor": c.replication_factor,
            "ring": {"kvstore": {"store": "memberlist" if c.memberlist_join else "inmemory"}},
        },
    }
    if c.memberlist_join:
        doc["memberlist"] = {"join_members": list(c.memberlist_join)}
    ingester: Dict[str, object] = {}
    if c.chunk_idle_period is not None:
        ingester["chunk_idle_period"] = str(c.chunk_idle_period)
    if c.chunk_retain_period is not None:
        ingester["chunk_retain_period"] = str(c.chunk_retain_period)
    if ingester:
        doc["ingester"] = ingester
    doc["schema_config"] = {"configs": [{
        "from": str(c.schema_from),
        "store": plan.index,
        "object_store": plan.object_store,
        "schema": plan.schema,
        "index": {"prefix": c.index_prefix, "period": "24h"},
    }]}
    doc["storage_config"] = _storage(plan)
    compactor: Dict[str, object] = {
        "working_directory": f"{c.path_prefix}/compactor",
        "compaction_interval": str(c.compaction_interval),
    }
    if plan.shared_store:
        compactor["shared_store"] = plan.shared_store
    if c.retention is not None:
        compactor["retention_enabled"] = True
        compactor["retention_delete_delay"] = str(c.retention_delete_delay)
        compactor["retention_delete_worker_count"] = 150
        if plan.delete_request_store:
            compactor["delete_request_store"] = plan.delete_request_store
    doc["compactor"] = compactor
    limits = _limits(plan)
    if limits:
        doc["limits_config"] = limits
    ruler: Dict[str, object] = {
        "storage": {"type": "local", "local": {"directory": c.ruler_directory}},
        "rule_path": f"{c.path_prefix}/rules-temp",
        "enable_api": True,
    }
    if c.alertmanager_url:
        ruler["alertmanager_url"] = c.alertmanager_url
    if c.ruler_remote_write_url:
        target = {"url": c.ruler_remote_write_url}
        # `clients` (a map) arrived in Loki 2.7 and deprecated the single `client`
        ruler["remote_write"] = {"enabled": True, **({"clients": {"default": target}} if plan.version >= (2, 7)
                                                      else {"client": target})}
    doc["ruler"] = ruler
    return doc


def render_config(plan: LokiPlan) -> bytes:
    return (_header(plan) + dump(config_dict(plan))).encode()


def version_from_header(data: bytes):
    """The (major, minor) a rendered config was written for, read back from its header."""
    import re
    m = re.search(rb"^# Loki (\d+)\.(\d+) profile:", data, re.M)
    return (int(m.group(1)), int(m.group(2))) if m else None


def render_rules(rule_file: RuleFile) -> bytes:
    return (prometheus_rules.header(rule_file) + dump(prometheus_rules.groups_dict(rule_file.groups))).encode()
