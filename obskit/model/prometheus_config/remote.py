"""``remote_write`` entries of ``prometheus.yml``: where a Prometheus sends its samples (Thanos
Receive, Cortex/Mimir, another Prometheus with ``--web.enable-remote-write-receiver``).

Credentials are files on the Prometheus host only (``password_file``, ``credentials_file``): obskit
has no field for a literal password or token, so none can land in a generated file. Fields newer
than the project's ``prometheus_version`` are refused with the release that added them
(:data:`obskit.model.prometheus_config.versions.REMOTE_WRITE_FIELD_SINCE`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Tuple

from obskit.location import Location
from obskit.model.base import Problems, locate, set_attr
from obskit.model.prometheus_config.job import TLSConfig
from obskit.model.prometheus_config.relabel import Relabel

#: the two protobuf messages Prometheus can send (``protobuf_message``, Prometheus 2.54+)
PROTOBUF_MESSAGES = ("prometheus.WriteRequest", "io.prometheus.write.v2.Request")
_HEADER = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
#: headers Prometheus sets itself and refuses in ``headers`` (config/config.go reservedHeaders)
RESERVED_HEADERS = ("authorization", "host", "content-encoding", "content-length", "content-type",
                    "user-agent", "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                    "www-authenticate", "accept-encoding", "x-prometheus-remote-write-version",
                    "x-prometheus-remote-read-version")
_NAME = re.compile(r"^[A-Za-z0-9_.:-]+$")


def _positive_int(p: Problems, obj, name: str) -> None:
    v = getattr(obj, name)
    if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v <= 0):
        p.add("bad-value", f"{name} must be a positive integer, got {v!r}")


#: Prometheus' duration syntax (model.ParseDuration): units largest first, milliseconds allowed
_PROM_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_UNIT_MS = (365 * 86400000, 7 * 86400000, 86400000, 3600000, 60000, 1000, 1)


def prom_duration_ms(value) -> "int | None":
    """Milliseconds of a Prometheus duration such as ``30ms`` or ``1m30s``; None when it is not one."""
    m = _PROM_DURATION.match(value) if isinstance(value, str) and value else None
    if not m or not any(m.groups()):
        return None
    return sum(int(g) * unit for g, unit in zip(m.groups(), _UNIT_MS) if g)


def _duration(p: Problems, obj, name: str) -> "int | None":
    value = getattr(obj, name)
    if value is None:
        return None
    ms = prom_duration_ms(value)
    if ms is None:
        p.add("bad-duration", f"{name} {value!r} is not a Prometheus duration (e.g. 30ms, 5s, 1m30s)")
    return ms


def _path(p: Problems, value, name: str) -> None:
    if value is not None and (not isinstance(value, str) or not value.startswith("/")):
        p.add("bad-path", f"{name} {value!r} must be an absolute path on the Prometheus host")


@dataclass(frozen=True, kw_only=True, eq=False)
class QueueConfig:
    """``queue_config``: how samples are buffered and sharded. None leaves Prometheus' default.
    ``sample_age_limit`` needs Prometheus 2.50."""

    capacity: Optional[int] = None
    max_shards: Optional[int] = None
    min_shards: Optional[int] = None
    max_samples_per_send: Optional[int] = None
    batch_send_deadline: Optional[str] = None
    min_backoff: Optional[str] = None
    max_backoff: Optional[str] = None
    retry_on_http_429: Optional[bool] = None
    sample_age_limit: Optional[str] = None
    location: Location = field(init=False, repr=False, compare=False)

    INTS = ("capacity", "max_shards", "min_shards", "max_samples_per_send")
    DURATIONS = ("batch_send_deadline", "min_backoff", "max_backoff", "sample_age_limit")

    def __post_init__(self):
        p = Problems("queue_config", locate(self))
        for name in self.INTS:
            _positive_int(p, self, name)
        ms = {name: _duration(p, self, name) for name in self.DURATIONS}
        if isinstance(self.min_shards, int) and isinstance(self.max_shards, int) and self.min_shards > self.max_shards:
            p.add("bad-value", f"min_shards {self.min_shards} is above max_shards {self.max_shards}")
        if isinstance(self.capacity, int) and isinstance(self.max_samples_per_send, int) \
                and self.max_samples_per_send > self.capacity:
            p.add("bad-value", f"max_samples_per_send {self.max_samples_per_send} is above capacity "
                               f"{self.capacity}: a shard could never fill one request",
                  hint="Prometheus' guide: capacity 3-10 times max_samples_per_send")
        if ms["min_backoff"] is not None and ms["max_backoff"] is not None and ms["min_backoff"] > ms["max_backoff"]:
            p.add("bad-duration", f"min_backoff {self.min_backoff} is longer than max_backoff {self.max_backoff}")
        if self.retry_on_http_429 is not None and not isinstance(self.retry_on_http_429, bool):
            p.add("bad-value", "retry_on_http_429 must be True or False")
        p.done()

    def items(self) -> Tuple[Tuple[str, object], ...]:
        names = ("capacity", "max_shards", "min_shards", "max_samples_per_send", "batch_send_deadline",
                 "min_backoff", "max_backoff", "retry_on_http_429", "sample_age_limit")
        return tuple((n, getattr(self, n)) for n in names if getattr(self, n) is not None)


@dataclass(frozen=True, kw_only=True, eq=False)
class BasicAuth:
    """HTTP basic authentication; the password is read from ``password_file`` on the Prometheus host."""

    username: str
    password_file: str
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems("basic_auth", locate(self))
        if not isinstance(self.username, str) or not self.username:
            p.add("bad-value", "basic_auth needs a username")
        _path(p, self.password_file, "password_file")
        p.done()


@dataclass(frozen=True, kw_only=True, eq=False)
class RemoteWrite:
    """One ``remote_write`` entry.

    ``write_relabel_configs`` run on every sample before it is sent (drop what the central store
    does not need). Authentication: ``basic_auth`` or ``credentials_file`` (an ``Authorization``
    header of ``credentials_type``, ``Bearer`` by default), never both. ``headers`` are extra HTTP
    headers (``X-Scope-OrgID`` names the Cortex/Mimir tenant).
    """

    url: str
    name: Optional[str] = None
    remote_timeout: Optional[str] = None
    headers: Tuple[Tuple[str, str], ...] = ()
    write_relabel_configs: Tuple[Relabel, ...] = ()
    queue_config: Optional[QueueConfig] = None
    basic_auth: Optional[BasicAuth] = None
    credentials_file: Optional[str] = None
    credentials_type: Optional[str] = None
    tls_config: Optional[TLSConfig] = None
    send_exemplars: Optional[bool] = None
    send_native_histograms: Optional[bool] = None
    protobuf_message: Optional[str] = None
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"remote_write {self.name or self.url!r}", locate(self))
        if not isinstance(self.url, str) or not re.match(r"^https?://[^/\s]+", self.url):
            p.add("bad-url", f"url {self.url!r} must be an http(s) URL")
        if self.name is not None and (not isinstance(self.name, str) or not _NAME.match(self.name)):
            p.add("bad-name", f"name {self.name!r} must be letters, digits, '_', '-', '.', ':'")
        _duration(p, self, "remote_timeout")
        self._headers(p)
        steps = (self.write_relabel_configs,) if isinstance(self.write_relabel_configs, Relabel) \
            else tuple(self.write_relabel_configs or ())
        for s in steps:
            if not isinstance(s, Relabel):
                p.add("bad-type", f"write_relabel_configs must hold Relabel objects, got {s!r}")
        set_attr(self, "write_relabel_configs", tuple(s for s in steps if isinstance(s, Relabel)))
        for name, kind in (("queue_config", QueueConfig), ("basic_auth", BasicAuth), ("tls_config", TLSConfig)):
            v = getattr(self, name)
            if v is not None and not isinstance(v, kind):
                p.add("bad-type", f"{name} must be a {kind.__name__}, got {v!r}")
        _path(p, self.credentials_file, "credentials_file")
        if self.credentials_type is not None and self.credentials_file is None:
            p.add("bad-value", "credentials_type needs credentials_file")
        if self.credentials_type is not None and (not isinstance(self.credentials_type, str)
                                                  or self.credentials_type.lower() == "basic"):
            p.add("bad-value", f"credentials_type {self.credentials_type!r}: use basic_auth for Basic")
        if self.basic_auth is not None and self.credentials_file is not None:
            p.add("bad-auth", "basic_auth and credentials_file are mutually exclusive (Prometheus refuses both)")
        for name in ("send_exemplars", "send_native_histograms"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), bool):
                p.add("bad-value", f"{name} must be True or False")
        if self.protobuf_message is not None and self.protobuf_message not in PROTOBUF_MESSAGES:
            p.add("bad-value", f"protobuf_message {self.protobuf_message!r} is not one of "
                               f"{', '.join(PROTOBUF_MESSAGES)}")
        p.done()

    def _headers(self, p: Problems) -> None:
        raw = self.headers
        items = raw.items() if hasattr(raw, "items") else (raw or ())
        out = []
        for k, v in items:
            if not isinstance(k, str) or not _HEADER.match(k) or not isinstance(v, str):
                p.add("bad-header", f"header {k!r}: {v!r} is not a valid HTTP header")
            elif k.lower() in RESERVED_HEADERS:
                p.add("bad-header", f"header {k!r} is set by Prometheus itself and cannot be given",
                      hint="authentication goes through basic_auth or credentials_file")
            else:
                out.append((k, v))
        set_attr(self, "headers", tuple(sorted(out)))

    def given(self) -> Tuple[str, ...]:
        """Names of the optional fields set (for the version checks)."""
        names = ("send_exemplars", "send_native_histograms", "protobuf_message", "headers")
        return tuple(n for n in names if getattr(self, n) not in (None, ()))

    @property
    def files(self) -> Tuple[str, ...]:
        """Files on the Prometheus host this entry reads (credentials, certificates)."""
        out = [self.credentials_file] if self.credentials_file else []
        if self.basic_auth is not None:
            out.append(self.basic_auth.password_file)
        if self.tls_config is not None:
            out += [v for k, v in self.tls_config.items() if k.endswith("_file")]
        return tuple(out)
