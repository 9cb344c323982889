"""Grafana Tempo (2.x) as code: the trace store behind an OpenTelemetry Collector, with retention.

Tempo cannot be installed here; the rendered file is checked in Python against Tempo's documented
configuration (``server``, ``distributor.receivers``, ``compactor.compaction.block_retention``,
``storage.trace``). Secrets are environment references (``${S3_SECRET_KEY}``), expanded by Tempo
when started with ``-config.expand-env=true``.

Trace storage: local disk, S3, Google Cloud Storage (:class:`TempoGCSStorage`; credentials from the
environment, ``GOOGLE_APPLICATION_CREDENTIALS`` or Workload Identity) and Azure Blob Storage
(:class:`TempoAzureStorage`: account key as an env reference, a managed identity, or Azure Workload
Identity with ``use_federated_token``, which Tempo 2.1 added, grafana/tempo#2195). ``version`` is
the oldest Tempo the file must load in (2.0 unless given); newer fields are refused, naming the
release that added them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Union

from obskit.location import Location
from obskit.model.base import Definition, Problems, locate, set_attr
from obskit.model.loki import is_env_ref
from obskit.model.tracing.otel import endpoint_ok

_NAME = re.compile(r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$")


@dataclass(frozen=True, kw_only=True)
class TempoLocalStorage:
    path: str = "/var/tempo/blocks"


@dataclass(frozen=True, kw_only=True)
class TempoS3Storage:
    """``endpoint`` is the S3 API host (``s3.<region>.amazonaws.com`` on AWS, or MinIO's host:port)."""

    bucket: str
    endpoint: str
    region: str = ""
    access_key: Optional[str] = None
    secret_key: Optional[str] = None
    insecure: bool = False
    forcepathstyle: bool = False


@dataclass(frozen=True, kw_only=True)
class TempoGCSStorage:
    """Google Cloud Storage (``backend: gcs``). Credentials are not part of the file: Tempo uses the
    pod's Workload Identity or the key file named by ``GOOGLE_APPLICATION_CREDENTIALS``."""

    bucket_name: str
    chunk_buffer_size: Optional[int] = None     # bytes buffered per upload (Tempo: 10 MiB)
    endpoint: Optional[str] = None              # an emulator (fake-gcs-server) instead of Google's API
    insecure: bool = False


@dataclass(frozen=True, kw_only=True)
class TempoAzureStorage:
    """Azure Blob Storage (``backend: azure``). Give exactly one way to authenticate:
    ``storage_account_key`` (an env reference), ``use_managed_identity`` (with ``user_assigned_id``
    for a user-assigned identity) or ``use_federated_token`` (Azure Workload Identity, Tempo 2.1+)."""

    container_name: str
    storage_account_name: str
    storage_account_key: Optional[str] = None
    use_managed_identity: bool = False
    user_assigned_id: Optional[str] = None
    use_federated_token: bool = False
    endpoint_suffix: Optional[str] = None       # e.g. blob.core.usgovcloudapi.net


#: Tempo release that added a storage field: (backend class name, field) → (major, minor)
TEMPO_FIELD_SINCE = {("TempoAzureStorage", "use_federated_token"): (2, 1)}
TEMPO_FLOOR = "2.0"


def parse_tempo_version(text: str):
    m = re.fullmatch(r"(\d+)\.(\d+)", str(text))
    if not m or int(m.group(1)) != 2:
        raise ValueError(f"Tempo version {text!r} must be 2.MINOR (obskit writes Tempo 2.x configs)")
    return int(m.group(1)), int(m.group(2))


def _gcs_problems(s: "TempoGCSStorage", p: Problems) -> None:
    if not isinstance(s.bucket_name, str) or not re.match(r"^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$", s.bucket_name):
        p.add("bad-storage", f"GCS bucket {s.bucket_name!r} is not a valid bucket name "
                             "(3-222 lowercase letters, digits, '.', '_', '-')")
    if s.chunk_buffer_size is not None and (isinstance(s.chunk_buffer_size, bool)
                                            or not isinstance(s.chunk_buffer_size, int) or s.chunk_buffer_size <= 0):
        p.add("bad-storage", f"chunk_buffer_size must be a positive number of bytes, got {s.chunk_buffer_size!r}")
    if s.endpoint is not None and not str(s.endpoint).startswith(("http://", "https://")):
        p.add("bad-storage", f"GCS endpoint {s.endpoint!r} must be an http(s) URL")


def _azure_problems(s: "TempoAzureStorage", p: Problems) -> None:
    if not isinstance(s.container_name, str) or not re.match(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$",
                                                             s.container_name):
        p.add("bad-storage", f"Azure container {s.container_name!r} is not a valid container name "
                             "(3-63 lowercase letters, digits and single '-')")
    if not isinstance(s.storage_account_name, str) or not re.match(r"^[a-z0-9]{3,24}$", s.storage_account_name):
        p.add("bad-storage", f"storage account {s.storage_account_name!r} must be 3-24 lowercase letters and digits")
    if s.storage_account_key is not None and not is_env_ref(s.storage_account_key):
        p.add("literal-secret", "storage_account_key must not be written literally",
              hint="use an environment reference such as '${AZURE_STORAGE_KEY}'")
    ways = [w for w, on in (("storage_account_key", s.storage_account_key is not None),
                            ("use_managed_identity", s.use_managed_identity),
                            ("use_federated_token", s.use_federated_token)) if on]
    if len(ways) != 1:
        p.add("bad-storage", "Azure storage needs exactly one of storage_account_key, use_managed_identity, "
                             f"use_federated_token (got {', '.join(ways) or 'none'})")
    if s.user_assigned_id is not None and not s.use_managed_identity:
        p.add("bad-storage", "user_assigned_id names a managed identity: set use_managed_identity=True")
    if s.endpoint_suffix is not None and ("://" in str(s.endpoint_suffix) or not str(s.endpoint_suffix)):
        p.add("bad-storage", f"endpoint_suffix {s.endpoint_suffix!r} is a host suffix such as blob.core.windows.net")


@dataclass(frozen=True, kw_only=True, eq=False)
class TempoConfig(Definition):
    """A Tempo server → ``tempo/<name>/tempo.yaml``; ``retention`` (e.g. "30d") is how long trace blocks
    are kept (``compactor.compaction.block_retention``)."""

    name: str
    storage: Union[TempoLocalStorage, TempoS3Storage, TempoGCSStorage, TempoAzureStorage] = \
        field(default_factory=TempoLocalStorage)
    version: str = TEMPO_FLOOR
    retention: str = "14d"
    http_port: int = 3200
    grpc_port: int = 9095
    otlp_grpc: Optional[str] = "0.0.0.0:4317"
    otlp_http: Optional[str] = "0.0.0.0:4318"
    wal_path: str = "/var/tempo/wal"
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"Tempo {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            p.add("bad-name", f"name {self.name!r} must be lowercase letters, digits, '-' or '_'")
        r = p.duration(self.retention, "retention")
        if r is not None:
            if r.seconds % 3600:
                p.add("bad-retention", f"retention {self.retention} must be a whole number of hours")
            set_attr(self, "retention", r)
        for attr in ("http_port", "grpc_port"):
            v = getattr(self, attr)
            if isinstance(v, bool) or not isinstance(v, int) or not 0 < v < 65536:
                p.add("bad-port", f"{attr} {v!r} is not a TCP port")
        if self.otlp_grpc is None and self.otlp_http is None:
            p.add("bad-component", "enable at least one of otlp_grpc and otlp_http")
        ports = [self.http_port, self.grpc_port]
        for attr in ("otlp_grpc", "otlp_http"):
            v = getattr(self, attr)
            if v is not None:
                if not endpoint_ok(v):
                    p.add("bad-endpoint", f"{attr} {v!r} must be host:port")
                else:
                    ports.append(int(v.rsplit(":", 1)[1]))
        if len(set(ports)) != len(ports):
            p.add("port-clash", f"ports {ports} are not all different")
        s = self.storage
        if isinstance(s, TempoS3Storage):
            if not re.match(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$", str(s.bucket)):
                p.add("bad-storage", f"S3 bucket {s.bucket!r} is not a valid bucket name")
            if not s.endpoint or "://" in s.endpoint:
                p.add("bad-storage", f"S3 endpoint {s.endpoint!r} must be a host[:port] without scheme")
            for attr in ("access_key", "secret_key"):
                v = getattr(s, attr)
                if v is not None and not is_env_ref(v):
                    p.add("literal-secret", f"S3 {attr} must not be written literally",
                          hint=f"use an environment reference such as '${{TEMPO_S3_{attr.upper()}}}'")
            if (s.access_key is None) != (s.secret_key is None):
                p.add("bad-storage", "give both access_key and secret_key, or neither (IAM role)")
        elif isinstance(s, TempoLocalStorage):
            if not str(s.path).startswith("/"):
                p.add("bad-path", f"local path {s.path!r} must be absolute")
        elif isinstance(s, TempoGCSStorage):
            _gcs_problems(s, p)
        elif isinstance(s, TempoAzureStorage):
            _azure_problems(s, p)
        else:
            p.add("bad-storage", "storage must be TempoLocalStorage, TempoS3Storage, TempoGCSStorage or "
                                 f"TempoAzureStorage, got {s!r}")
        version = p.check(lambda: parse_tempo_version(self.version), "bad-version")
        if version is not None:
            for (kind, name), since in TEMPO_FIELD_SINCE.items():
                if type(s).__name__ == kind and getattr(s, name) and since > version:
                    p.add("too-new", f"{name} needs Tempo {since[0]}.{since[1]} or later; this config targets "
                                     f"Tempo {self.version}", hint=f"set version=\"{since[0]}.{since[1]}\" if every "
                                                                   "Tempo that loads it is that new")
        if not str(self.wal_path).startswith("/"):
            p.add("bad-path", f"wal_path {self.wal_path!r} must be absolute")
        p.done()
