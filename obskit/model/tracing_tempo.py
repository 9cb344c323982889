"""Grafana Tempo (2.x) as code: the trace store behind an OpenTelemetry Collector, with retention.

Tempo cannot be installed here; the rendered file is checked in Python against Tempo's documented
configuration (``server``, ``distributor.receivers``, ``compactor.compaction.block_retention``,
``storage.trace``). Secrets are environment references (``${S3_SECRET_KEY}``), expanded by Tempo
when started with ``-config.expand-env=true``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Union

from obskit.location import Location
from obskit.model.base import Definition, Problems, locate, set_attr
from obskit.model.loki import is_env_ref
from obskit.model.tracing_otel import endpoint_ok

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


@dataclass(frozen=True, kw_only=True, eq=False)
class TempoConfig(Definition):
    """A Tempo server → ``tempo/<name>/tempo.yaml``; ``retention`` (e.g. "30d") is how long trace blocks
    are kept (``compactor.compaction.block_retention``)."""

    name: str
    storage: Union[TempoLocalStorage, TempoS3Storage] = field(default_factory=TempoLocalStorage)
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
        else:
            p.add("bad-storage", f"storage must be TempoLocalStorage or TempoS3Storage, got {s!r}")
        if not str(self.wal_path).startswith("/"):
            p.add("bad-path", f"wal_path {self.wal_path!r} must be absolute")
        p.done()
