"""Loki as code: a server configuration (storage, schema, retention, limits) and LogQL ruler rules.

Two configuration profiles, chosen by the Loki version the config targets (``LokiConfig.version``,
else ``loki_version`` in ``obskit.toml``):

* Loki 2.x: ``boltdb-shipper`` index, schema ``v11`` (what the LLM Inference Gateway runs), with the
  ``shared_store`` keys 2.x needs;
* Loki 3.x: ``tsdb`` index, schema ``v13`` (needed for structured metadata, on by default in 3.x),
  no ``shared_store`` (removed in 3.0), ``compactor.delete_request_store`` when retention is on.

Secrets are never written literally: S3 credentials must be environment references such as
``${S3_SECRET_ACCESS_KEY}``, which Loki expands when started with ``-config.expand-env=true``.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Optional, Sequence, Tuple, Union

from obskit.duration import Duration
from obskit.location import Location
from obskit.model.base import Definition, Problems, freeze_labels, locate, set_attr

_NAME = re.compile(r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$")
_ENV_REF = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$")
_ALERT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_TENANT = re.compile(r"^[A-Za-z0-9!\-_.*'()]{1,150}$")   # Loki's tenant ID alphabet, at most 150 chars
_VERSION = re.compile(r"^(\d+)\.(\d+)$")

INDEX_TYPES = ("boltdb-shipper", "tsdb")
SCHEMAS = ("v11", "v12", "v13")
SINGLE_TENANT = "fake"


def parse_version(value: str) -> Tuple[int, int]:
    """``"2.9"`` → (2, 9); raises ValueError."""
    m = _VERSION.match(str(value))
    if not m:
        raise ValueError(f"Loki version {value!r} must be MAJOR.MINOR, e.g. '2.9' or '3.4'")
    major, minor = int(m.group(1)), int(m.group(2))
    if major not in (2, 3):
        raise ValueError(f"Loki version {value!r}: obskit writes configs for Loki 2.x and 3.x")
    return major, minor


def is_env_ref(value: object) -> bool:
    return isinstance(value, str) and bool(_ENV_REF.match(value))


# --------------------------------------------------------------------------------------------- storage
@dataclass(frozen=True, kw_only=True)
class FilesystemStorage:
    """Chunks and index on local disk (single binary, tests, small installs)."""

    directory: str = "/loki/chunks"


@dataclass(frozen=True, kw_only=True)
class S3Storage:
    """Chunks and index in S3 (or an S3-compatible store at ``endpoint``).

    Credentials are optional (IAM roles need none); when given they must be env references like
    ``${S3_SECRET_ACCESS_KEY}``: obskit refuses literal secrets in generated files."""

    bucket: str
    region: str = ""
    endpoint: str = ""
    access_key_id: Optional[str] = None
    secret_access_key: Optional[str] = None
    force_path_style: bool = False
    insecure: bool = False

    def problems(self, p: Problems) -> None:
        if not isinstance(self.bucket, str) or not re.match(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$", self.bucket):
            p.add("bad-storage", f"S3 bucket {self.bucket!r} is not a valid bucket name "
                                 "(3-63 lowercase letters, digits, '.', '-')")
        for attr in ("access_key_id", "secret_access_key"):
            value = getattr(self, attr)
            if value is not None and not is_env_ref(value):
                p.add("literal-secret", f"S3 {attr} must not be written literally into a generated file",
                      hint=f"use an environment reference such as '${{S3_{attr.upper()}}}'; obskit starts "
                           "Loki with -config.expand-env=true")
        if (self.access_key_id is None) != (self.secret_access_key is None):
            p.add("bad-storage", "give both access_key_id and secret_access_key, or neither (IAM role)")
        if not self.region and not self.endpoint:
            p.add("bad-storage", "S3 storage needs a region or an endpoint")


Storage = Union[FilesystemStorage, S3Storage]


# ---------------------------------------------------------------------------------------------- limits
@dataclass(frozen=True, kw_only=True)
class LokiLimits:
    """``limits_config``; None leaves Loki's default. Rates in MB/s as Loki writes them."""

    ingestion_rate_mb: Optional[float] = None
    ingestion_burst_size_mb: Optional[float] = None
    reject_old_samples: Optional[bool] = None
    reject_old_samples_max_age: Optional[str] = None
    max_query_series: Optional[int] = None
    max_query_parallelism: Optional[int] = None
    max_streams_per_user: Optional[int] = None
    max_line_size: Optional[str] = None          # e.g. "256KB"
    per_stream_rate_limit: Optional[str] = None  # e.g. "3MB"
    per_stream_rate_limit_burst: Optional[str] = None
    enforce_metric_name: Optional[bool] = None   # removed in Loki 3.0

    def problems(self, p: Problems) -> None:
        for attr in ("ingestion_rate_mb", "ingestion_burst_size_mb"):
            v = getattr(self, attr)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0):
                p.add("bad-limit", f"{attr} must be a positive number of MB/s, got {v!r}")
        if (isinstance(self.ingestion_rate_mb, (int, float)) and isinstance(self.ingestion_burst_size_mb, (int, float))
                and self.ingestion_burst_size_mb < self.ingestion_rate_mb):
            p.add("bad-limit", f"ingestion_burst_size_mb {self.ingestion_burst_size_mb} is below "
                               f"ingestion_rate_mb {self.ingestion_rate_mb}")
        for attr in ("max_query_series", "max_query_parallelism", "max_streams_per_user"):
            v = getattr(self, attr)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                p.add("bad-limit", f"{attr} must be a non-negative integer, got {v!r}")
        if self.reject_old_samples_max_age is not None:
            p.duration(self.reject_old_samples_max_age, "limits reject_old_samples_max_age")
        for attr in ("max_line_size", "per_stream_rate_limit", "per_stream_rate_limit_burst"):
            v = getattr(self, attr)
            if v is not None and not re.match(r"^\d+(\.\d+)?([KMG]i?B|B)$", str(v)):
                p.add("bad-limit", f"{attr} {v!r} must be a size like '256KB' or '3MB'")


# ------------------------------------------------------------------------------------------- the config
@dataclass(frozen=True, kw_only=True, eq=False)
class LokiConfig(Definition):
    """One Loki server configuration → ``loki/<name>/config.yaml``.

    ``index``/``schema`` default to the version's profile (2.x: boltdb-shipper/v11, 3.x: tsdb/v13).
    ``retention`` (e.g. "30d") turns on compactor-driven deletion; it must be a whole number of days
    (the index period is 24h). ``active_index_directory`` and ``cache_location`` place the index
    shipper's local directories (``boltdb_shipper`` / ``tsdb_shipper``; both keys exist in every Loki
    the 2.x and 3.x profiles target); they must differ."""

    name: str
    storage: Storage = field(default_factory=FilesystemStorage)
    version: Optional[str] = None
    auth_enabled: bool = False
    http_port: int = 3100
    grpc_port: int = 9096
    path_prefix: str = "/loki"
    active_index_directory: Optional[str] = None   # the shipper's local index (default <path_prefix>/index)
    cache_location: Optional[str] = None           # the shipper's downloaded-index cache (<path_prefix>/index_cache)
    schema_from: str = "2024-01-01"
    index: Optional[str] = None
    schema: Optional[str] = None
    index_prefix: str = "index_"
    replication_factor: int = 1
    memberlist_join: Sequence[str] = ()   # e.g. ["loki-memberlist:7946"]; empty: single instance, inmemory ring
    retention: Optional[str] = None
    retention_delete_delay: str = "2h"
    compaction_interval: str = "10m"
    chunk_idle_period: Optional[str] = None
    chunk_retain_period: Optional[str] = None
    allow_structured_metadata: Optional[bool] = None   # 3.x only; default on there
    limits: LokiLimits = field(default_factory=LokiLimits)
    ruler_directory: str = "/etc/loki/rules"
    alertmanager_url: Optional[str] = None
    ruler_remote_write_url: Optional[str] = None   # where recording-rule samples go (Prometheus remote write)
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"Loki config {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            p.add("bad-name", f"name {self.name!r} must be lowercase letters, digits, '-' or '_'")
        if self.version is not None:
            p.check(lambda: parse_version(self.version), "bad-version")
        if not isinstance(self.storage, (FilesystemStorage, S3Storage)):
            p.add("bad-storage", f"storage must be FilesystemStorage or S3Storage, got {self.storage!r}")
        elif isinstance(self.storage, S3Storage):
            self.storage.problems(p)
        for attr in ("http_port", "grpc_port"):
            v = getattr(self, attr)
            if isinstance(v, bool) or not isinstance(v, int) or not 0 < v < 65536:
                p.add("bad-port", f"{attr} {v!r} is not a TCP port")
        if self.http_port == self.grpc_port:
            p.add("bad-port", f"http_port and grpc_port are both {self.http_port}")
        try:
            datetime.date.fromisoformat(str(self.schema_from))
            if not re.match(r"^\d{4}-\d{2}-\d{2}$", str(self.schema_from)):
                raise ValueError
        except ValueError:
            p.add("bad-schema", f"schema_from {self.schema_from!r} must be a date YYYY-MM-DD")
        if self.index is not None and self.index not in INDEX_TYPES:
            p.add("bad-schema", f"index {self.index!r} is not one of {', '.join(INDEX_TYPES)}")
        if self.schema is not None and self.schema not in SCHEMAS:
            p.add("bad-schema", f"schema {self.schema!r} is not one of {', '.join(SCHEMAS)}")
        if self.index == "tsdb" and self.schema == "v11":
            p.add("bad-schema", "the tsdb index needs schema v12 or newer (v13 recommended)")
        if not re.match(r"^[A-Za-z0-9_]+$", str(self.index_prefix)):
            p.add("bad-schema", f"index_prefix {self.index_prefix!r} must be letters, digits and '_'")
        if isinstance(self.replication_factor, bool) or not isinstance(self.replication_factor, int) \
                or self.replication_factor < 1:
            p.add("bad-replication", f"replication_factor must be a positive integer, got {self.replication_factor!r}")
        members = tuple(self.memberlist_join) if isinstance(self.memberlist_join, (list, tuple)) else None
        if members is None or not all(isinstance(m, str) and m for m in members):
            p.add("bad-ring", f"memberlist_join must be a list of host[:port] strings, got {self.memberlist_join!r}")
        else:
            set_attr(self, "memberlist_join", members)
            if not members and isinstance(self.replication_factor, int) and self.replication_factor > 1:
                p.add("bad-replication", f"replication_factor {self.replication_factor} needs several Loki instances "
                                         "sharing a ring, but without memberlist_join the ring is in memory "
                                         "(one instance): writes could never reach a quorum",
                      hint="set memberlist_join=['loki-memberlist:7946'] or replication_factor=1")
        if self.retention is not None:
            r = p.duration(self.retention, "retention")
            if r is not None:
                if r.seconds % 86400:
                    p.add("bad-retention", f"retention {self.retention} must be a whole number of days: "
                                           "Loki deletes whole 24h index periods")
                set_attr(self, "retention", r)
        for attr in ("retention_delete_delay", "compaction_interval", "chunk_idle_period", "chunk_retain_period"):
            value = getattr(self, attr)
            if value is not None:
                d = p.duration(value, attr)
                if d is not None:
                    set_attr(self, attr, d)
        index_dir = self.active_index_directory or f"{self.path_prefix}/index"
        if self.cache_location is not None and self.cache_location.rstrip("/") == index_dir.rstrip("/"):
            p.add("bad-path", f"cache_location {self.cache_location!r} is the active index directory: the shipper "
                              "would mix its uploads with downloaded index files")
        if not isinstance(self.limits, LokiLimits):
            p.add("bad-limit", f"limits must be LokiLimits, got {self.limits!r}")
        else:
            self.limits.problems(p)
        for attr in ("path_prefix", "ruler_directory", "active_index_directory", "cache_location"):
            if getattr(self, attr) is not None and not str(getattr(self, attr)).startswith("/"):
                p.add("bad-path", f"{attr} {getattr(self, attr)!r} must be an absolute path")
        for attr in ("alertmanager_url", "ruler_remote_write_url"):
            value = getattr(self, attr)
            if value is not None and not str(value).startswith(("http://", "https://")):
                p.add("bad-url", f"{attr} {value!r} must be an http(s) URL")
        p.done()


# ------------------------------------------------------------------------------------------- the rules
@dataclass(frozen=True, kw_only=True)
class LogAlert:
    """A LogQL alerting rule: ``expr`` must be a metric query (e.g. ``sum(rate({app="x"} |= "error" [5m])) > 1``)."""

    alert: str
    expr: str
    for_: Optional[str] = None
    labels: object = ()
    annotations: object = ()


@dataclass(frozen=True, kw_only=True)
class LogRecord:
    """A LogQL recording rule; Loki's ruler remote-writes the result as a Prometheus series ``record``."""

    record: str
    expr: str
    labels: object = ()


@dataclass(frozen=True, kw_only=True)
class LogRuleGroup:
    name: str
    rules: Sequence[Union[LogAlert, LogRecord]]
    interval: Optional[str] = None
    limit: Optional[int] = None


@dataclass(frozen=True, kw_only=True, eq=False)
class LokiRules(Definition):
    """LogQL rules for Loki's ruler → ``loki/rules/<tenant>/<name>.yaml``.

    ``tenant`` is the Loki tenant (X-Scope-OrgID) the rules run for; ``fake`` is the tenant Loki uses
    when ``auth_enabled: false`` (single-tenant mode). The LogQL is syntax-checked with Grafana's
    grammar when the project loads (see ``obskit.verify.logql``)."""

    name: str
    groups: Sequence[LogRuleGroup]
    tenant: str = SINGLE_TENANT
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"Loki rules {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            p.add("bad-name", f"name {self.name!r} must be lowercase letters, digits, '-' or '_'")
        if not isinstance(self.tenant, str) or not _TENANT.match(self.tenant) or self.tenant in (".", ".."):
            p.add("bad-tenant", f"tenant {self.tenant!r} is not a valid Loki tenant ID "
                                "(letters, digits and !-_.*'() , at most 150 characters)")
        groups = tuple(self.groups) if isinstance(self.groups, (list, tuple)) else None
        if not groups:
            p.add("no-groups", "groups must be a non-empty list of LogRuleGroup")
            groups = ()
        seen = set()
        frozen = []
        for g in groups:
            if not isinstance(g, LogRuleGroup):
                p.add("bad-group", f"groups must hold LogRuleGroup, got {g!r}")
                continue
            frozen.append(_freeze_group(g, p, seen))
        set_attr(self, "groups", tuple(frozen))
        p.done()

    def exprs(self):
        """(group, rule, expr, is_alert) for every rule, in order."""
        for g in self.groups:
            for r in g.rules:
                yield g, r, r.expr, isinstance(r, LogAlert)


def _freeze_group(g: LogRuleGroup, p: Problems, seen: set) -> LogRuleGroup:
    where = f"group {g.name!r}"
    if not isinstance(g.name, str) or not g.name.strip():
        p.add("bad-group", f"group name {g.name!r} must be a non-empty string")
    elif g.name in seen:
        p.add("duplicate-group", f"{where} appears twice in this file (Loki rejects duplicate group names)")
    seen.add(g.name)
    interval = p.duration(g.interval, f"{where} interval") if g.interval is not None else None
    if g.limit is not None and (isinstance(g.limit, bool) or not isinstance(g.limit, int) or g.limit < 0):
        p.add("bad-group", f"{where} limit must be a non-negative integer, got {g.limit!r}")
    rules = tuple(g.rules) if isinstance(g.rules, (list, tuple)) else ()
    if not rules:
        p.add("bad-group", f"{where} has no rules")
    out = []
    for r in rules:
        if isinstance(r, LogAlert):
            if not isinstance(r.alert, str) or not _ALERT_NAME.match(r.alert):
                p.add("bad-rule", f"{where}: alert name {r.alert!r} must match [A-Za-z_][A-Za-z0-9_]*")
            for_ = p.duration(r.for_, f"{where} alert {r.alert!r} for") if r.for_ is not None else None
            r = LogAlert(alert=r.alert, expr=r.expr, for_=for_,
                         labels=freeze_labels(r.labels, p, f"{where} alert {r.alert!r} labels"),
                         annotations=_annotations(r.annotations, p, f"{where} alert {r.alert!r}"))
        elif isinstance(r, LogRecord):
            if not isinstance(r.record, str) or not _METRIC_NAME.match(r.record):
                p.add("bad-rule", f"{where}: record name {r.record!r} is not a valid Prometheus metric name")
            r = LogRecord(record=r.record, expr=r.expr,
                          labels=freeze_labels(r.labels, p, f"{where} record {r.record!r} labels"))
        else:
            p.add("bad-rule", f"{where}: rules must be LogAlert or LogRecord, got {r!r}")
            continue
        if not isinstance(r.expr, str) or not r.expr.strip():
            p.add("bad-logql", f"{where}: expr of {_rule_name(r)!r} is empty")
        out.append(r)
    return LogRuleGroup(name=g.name, rules=tuple(out), interval=interval, limit=g.limit)


def _annotations(annotations, p: Problems, what: str) -> tuple:
    items = annotations.items() if hasattr(annotations, "items") else (annotations or ())
    out = []
    for k, v in items:
        if not isinstance(k, str) or not re.match(r"^[a-zA-Z_][a-zA-Z0-9_]*$", k):
            p.add("bad-annotation", f"{what}: annotation name {k!r} is not valid")
        elif not isinstance(v, str):
            p.add("bad-annotation", f"{what}: annotation {k!r} must be a string")
        else:
            if v.count("{{") != v.count("}}"):
                p.add("bad-annotation", f"{what}: annotation {k!r} has unbalanced '{{{{' / '}}}}'")
            out.append((k, v))
    return tuple(sorted(out))


def _rule_name(rule) -> str:
    return rule.alert if isinstance(rule, LogAlert) else rule.record


def rule_name(rule) -> str:
    return _rule_name(rule)


def resolved_version(config: LokiConfig, default: str) -> Tuple[int, int]:
    return parse_version(config.version or default)


def profile(config: LokiConfig, version: Tuple[int, int]) -> Tuple[str, str]:
    """(index type, schema) for this config at this Loki version."""
    if version[0] >= 3:
        # an explicit schema v11 keeps the index that can read it (tsdb needs v12+)
        return config.index or ("boltdb-shipper" if config.schema == "v11" else "tsdb"), config.schema or "v13"
    return config.index or "boltdb-shipper", config.schema or ("v13" if config.index == "tsdb" else "v11")


def retention_days(config: LokiConfig) -> Optional[int]:
    return config.retention.seconds // 86400 if isinstance(config.retention, Duration) else None
