"""Jaeger as code: sampling strategies (the file Jaeger's ``remote_sampling`` serves) and Jaeger v2.

Sampling strategies follow Jaeger's file provider (``internal/sampling/samplingstrategy/file``):

* a strategy is ``probabilistic`` (``param`` = probability in [0, 1]) or ``ratelimiting``
  (``param`` = traces per second, truncated to an integer by Jaeger, so it must be a whole number);
* a service strategy may carry per-operation strategies, which Jaeger supports **only as
  probabilistic**: a rate-limiting operation strategy is dropped with a log line on the server and
  the operation silently falls back to the service's probability. obskit makes that an **error**:
  the file would say one thing and Jaeger do another, and the warning would only show up in the
  collector's logs after deployment. Use a probabilistic operation strategy, or rate-limit the
  whole service;
* an unknown ``type`` makes Jaeger fall back to probability 0.001 with a log line: an error here.

Jaeger v2 is an OpenTelemetry Collector distribution: its config is a collector config with the
``jaeger_storage``, ``jaeger_query`` and ``remote_sampling`` extensions and the
``jaeger_storage_exporter``.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence, Union

from obskit.location import Location
from obskit.model.base import Definition, Problems, locate, set_attr
from obskit.model.tracing.otel import (
    BatchProcessor, Component, OtlpReceiver, check_components, endpoint_ok, go_duration_ok,
)

STRATEGY_TYPES = ("probabilistic", "ratelimiting")
MAX_RATE = 2 ** 31 - 1   # Jaeger converts the param to int32
_NAME = re.compile(r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$")


@dataclass(frozen=True, kw_only=True)
class Strategy:
    """``type`` is ``probabilistic`` or ``ratelimiting``; prefer :func:`probabilistic` / :func:`ratelimiting`."""

    type: str
    param: float


def probabilistic(rate: float) -> Strategy:
    """Sample each trace with probability ``rate`` (1.0 = 100 %)."""
    return Strategy(type="probabilistic", param=rate)


def ratelimiting(traces_per_second: int) -> Strategy:
    """Sample at most ``traces_per_second`` traces per second (leaky bucket in the client)."""
    return Strategy(type="ratelimiting", param=traces_per_second)


def strategy_problems(s: object, where: str) -> list:
    """(code, message, hint) for one strategy; shared with the JSON validator."""
    if not isinstance(s, Strategy):
        return [("bad-strategy", f"{where}: {s!r} is not a Strategy", "use probabilistic(...) or ratelimiting(...)")]
    out = []
    p = s.param
    if s.type not in STRATEGY_TYPES:
        out.append(("unknown-strategy", f"{where}: unknown strategy type {s.type!r}; Jaeger would silently fall "
                                        "back to probabilistic 0.001", f"use one of {', '.join(STRATEGY_TYPES)}"))
    elif isinstance(p, bool) or not isinstance(p, (int, float)) or not math.isfinite(p):
        out.append(("bad-param", f"{where}: param must be a number, got {p!r}", ""))
    elif s.type == "probabilistic" and not 0 <= p <= 1:
        out.append(("bad-param", f"{where}: probabilistic param {p} is outside [0, 1]",
                    "it is a probability: 1.0 samples every trace, 0.01 one in a hundred"))
    elif s.type == "ratelimiting":
        if p < 0 or p > MAX_RATE:
            out.append(("bad-param", f"{where}: ratelimiting param {p} is outside [0, {MAX_RATE}] traces/s", ""))
        elif p != int(p):
            out.append(("bad-param", f"{where}: ratelimiting param {p} is not a whole number; Jaeger truncates "
                                     f"it to {int(p)} traces/s", "write a whole number of traces per second"))
    return out


@dataclass(frozen=True, kw_only=True)
class OperationStrategy:
    operation: str
    strategy: Strategy


@dataclass(frozen=True, kw_only=True)
class ServiceStrategy:
    service: str
    strategy: Strategy
    operations: Sequence[OperationStrategy] = ()


def _operations(p: Problems, where: str, ops) -> tuple:
    ops = tuple(ops) if isinstance(ops, (list, tuple)) else None
    if ops is None:
        p.add("bad-strategy", f"{where}: operations must be a list of OperationStrategy")
        return ()
    seen = set()
    for op in ops:
        if not isinstance(op, OperationStrategy):
            p.add("bad-strategy", f"{where}: {op!r} is not an OperationStrategy")
            continue
        w = f"{where} operation {op.operation!r}"
        if not isinstance(op.operation, str) or not op.operation:
            p.add("bad-strategy", f"{where}: operation name must be a non-empty string")
        elif op.operation in seen:
            p.add("duplicate-operation", f"{w}: defined twice")
        seen.add(op.operation)
        for code, msg, hint in strategy_problems(op.strategy, w):
            p.add(code, msg, hint=hint)
        if isinstance(op.strategy, Strategy) and op.strategy.type == "ratelimiting":
            p.add("ratelimiting-operation",
                  f"{w}: per-operation strategies can only be probabilistic; Jaeger ignores a ratelimiting one "
                  "(it logs a warning and the operation falls back to the service's probability)",
                  hint="use probabilistic(...) for the operation, or ratelimiting(...) for the whole service")
    return ops


@dataclass(frozen=True, kw_only=True, eq=False)
class JaegerSampling(Definition):
    """Jaeger sampling strategies → ``jaeger/<name>/sampling_strategies.json``.

    ``default`` applies to services not listed (Jaeger's own default is probabilistic 0.001);
    ``default_operations`` are per-operation strategies every service inherits."""

    name: str
    default: Strategy = field(default_factory=lambda: probabilistic(0.001))
    default_operations: Sequence[OperationStrategy] = ()
    services: Sequence[ServiceStrategy] = ()
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"Jaeger sampling {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            p.add("bad-name", f"name {self.name!r} must be lowercase letters, digits, '-' or '_'")
        for code, msg, hint in strategy_problems(self.default, "default strategy"):
            p.add(code, msg, hint=hint)
        set_attr(self, "default_operations", _operations(p, "default strategy", self.default_operations))
        services = tuple(self.services) if isinstance(self.services, (list, tuple)) else None
        if services is None:
            p.add("bad-strategy", "services must be a list of ServiceStrategy")
            services = ()
        seen = set()
        for s in services:
            if not isinstance(s, ServiceStrategy):
                p.add("bad-strategy", f"{s!r} is not a ServiceStrategy")
                continue
            w = f"service {s.service!r}"
            if not isinstance(s.service, str) or not s.service:
                p.add("bad-strategy", "service name must be a non-empty string")
            elif s.service in seen:
                p.add("duplicate-service", f"{w}: defined twice (Jaeger keeps only the last)")
            seen.add(s.service)
            for code, msg, hint in strategy_problems(s.strategy, w):
                p.add(code, msg, hint=hint)
            _operations(p, w, s.operations)
        set_attr(self, "services", services)
        p.done()


# --------------------------------------------------------------------------------------- Jaeger v2
@dataclass(frozen=True, kw_only=True)
class MemoryStore:
    max_traces: int = 100000


@dataclass(frozen=True, kw_only=True)
class BadgerStore:
    """Embedded Badger on local disk; ``span_ttl`` is how long spans are kept (e.g. '720h' = 30 d)."""

    directory: str = "/badger"
    span_ttl: str = "72h"
    ephemeral: bool = False


@dataclass(frozen=True, kw_only=True)
class ElasticsearchStore:
    server_urls: Sequence[str]
    index_prefix: Optional[str] = None


TraceStore = Union[MemoryStore, BadgerStore, ElasticsearchStore]


def _store_problems(p: Problems, store) -> None:
    if isinstance(store, MemoryStore):
        if isinstance(store.max_traces, bool) or not isinstance(store.max_traces, int) or store.max_traces <= 0:
            p.add("bad-storage", f"memory max_traces must be a positive integer, got {store.max_traces!r}")
    elif isinstance(store, BadgerStore):
        if not str(store.directory).startswith("/"):
            p.add("bad-storage", f"badger directory {store.directory!r} must be absolute")
        if not go_duration_ok(store.span_ttl):
            p.add("bad-storage", f"badger span_ttl {store.span_ttl!r} is not a Go duration like '720h'")
    elif isinstance(store, ElasticsearchStore):
        urls = tuple(store.server_urls) if isinstance(store.server_urls, (list, tuple)) else ()
        if not urls:
            p.add("bad-storage", "elasticsearch server_urls must be a non-empty list")
        for u in urls:
            if not isinstance(u, str) or not re.match(r"^https?://[^\s/]+", u):
                p.add("bad-storage", f"elasticsearch server URL {u!r} must be http(s)://host[:port]")
            elif re.match(r"^https?://[^/@\s]+:[^/@\s]+@", u):
                p.add("literal-secret", f"elasticsearch server URL {u!r} carries credentials")
        if store.index_prefix is not None and not re.match(r"^[a-z0-9][a-z0-9_\-]*$", str(store.index_prefix)):
            p.add("bad-storage", f"elasticsearch index_prefix {store.index_prefix!r} must be lowercase")
    else:
        p.add("bad-storage", f"storage must be MemoryStore, BadgerStore or ElasticsearchStore, got {store!r}")


@dataclass(frozen=True, kw_only=True, eq=False)
class JaegerV2(Definition):
    """A Jaeger v2 server (collector + query UI + remote sampling) → ``jaeger/<name>/config.yaml``.

    ``sampling``: a :class:`JaegerSampling` whose file is served on ``sampling_http`` (5778) and
    ``sampling_grpc``; it is written next to the config and read from ``sampling_path``."""

    name: str
    storage: TraceStore = field(default_factory=MemoryStore)
    sampling: Optional[JaegerSampling] = None
    receivers: Mapping[str, Component] = field(default_factory=lambda: {"otlp": OtlpReceiver()})
    processors: Mapping[str, Component] = field(default_factory=lambda: {"batch": BatchProcessor()})
    query_http: str = "0.0.0.0:16686"
    query_grpc: str = "0.0.0.0:16685"
    sampling_http: str = "0.0.0.0:5778"
    sampling_grpc: str = "0.0.0.0:5779"
    sampling_path: str = "/etc/jaeger/sampling_strategies.json"
    sampling_reload_interval: str = "10s"
    telemetry_metrics_port: Optional[int] = 8888   # Jaeger's own metrics (Prometheus pull); None: off
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"Jaeger v2 {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            p.add("bad-name", f"name {self.name!r} must be lowercase letters, digits, '-' or '_'")
        _store_problems(p, self.storage)
        if self.sampling is not None and not isinstance(self.sampling, JaegerSampling):
            p.add("bad-sampling", f"sampling must be a JaegerSampling, got {self.sampling!r}")
        receivers = check_components(p, "receivers", self.receivers)
        processors = check_components(p, "processors", self.processors)
        if not receivers:
            p.add("bad-component", "Jaeger needs at least one receiver")
        for cid, comp in processors.items():
            if "traces" not in comp.SIGNALS:
                p.add("bad-component", f"processor {cid!r} does not handle traces")
        ml = [i for i, c in enumerate(processors.values()) if c.TYPE == "memory_limiter"]
        if ml and ml[0] != 0:
            p.add("bad-pipeline", "memory_limiter must be the first processor")
        set_attr(self, "receivers", dict(sorted(receivers.items())))
        set_attr(self, "processors", processors)
        for attr in ("query_http", "query_grpc", "sampling_http", "sampling_grpc"):
            if not endpoint_ok(getattr(self, attr)):
                p.add("bad-endpoint", f"{attr} {getattr(self, attr)!r} must be host:port")
        if not str(self.sampling_path).startswith("/"):
            p.add("bad-path", f"sampling_path {self.sampling_path!r} must be absolute")
        if not go_duration_ok(self.sampling_reload_interval):
            p.add("bad-duration", f"sampling_reload_interval {self.sampling_reload_interval!r} is not a Go duration")
        ports = {}
        for attr in ("query_http", "query_grpc") + (("sampling_http", "sampling_grpc") if self.sampling else ()):
            v = getattr(self, attr)
            if endpoint_ok(v):
                ports.setdefault(int(v.rsplit(":", 1)[1]), []).append(attr)
        for cid, comp in receivers.items():
            for f in ("grpc", "http", "thrift_http", "endpoint"):
                v = getattr(comp, f, None)
                if isinstance(v, str) and endpoint_ok(v):
                    ports.setdefault(int(v.rsplit(":", 1)[1]), []).append(f"{cid} {f}")
        for port, users in sorted(ports.items()):
            if len(users) > 1:
                p.add("port-clash", f"{' and '.join(users)} all listen on port {port}")
        p.done()
