"""The collector's components except the tail-sampling processor (:mod:`.sampling`): receivers
(OTLP, Jaeger, Zipkin), processors (batch, memory limiter, probabilistic sampler), the spanmetrics
connector, exporters (OTLP gRPC and HTTP, debug) and the health-check extension. Each checks its own
fields the way the component's ``config.go`` does."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar, Mapping, Optional, Sequence, Tuple

from obskit.model.tracing.otel.base import Component, _duration, _endpoint, _headers, _positive_int


# ------------------------------------------------------------------------------------------ receivers
@dataclass(frozen=True, kw_only=True)
class OtlpReceiver(Component):
    """OTLP over gRPC (4317) and HTTP (4318); set one to None to turn it off."""

    TYPE = "otlp"
    KIND = "receiver"
    grpc: Optional[str] = "0.0.0.0:4317"
    http: Optional[str] = "0.0.0.0:4318"

    def problems(self, p, where):
        if self.grpc is None and self.http is None:
            p.add("bad-component", f"{where}: enable at least one of grpc and http")
        for proto in ("grpc", "http"):
            if getattr(self, proto) is not None:
                _endpoint(p, where, proto, getattr(self, proto))
        if self.grpc is not None and self.grpc == self.http:
            p.add("bad-endpoint", f"{where}: grpc and http both listen on {self.grpc}")


@dataclass(frozen=True, kw_only=True)
class JaegerReceiver(Component):
    """Legacy Jaeger protocols (traces only): gRPC 14250, Thrift HTTP 14268, compact 6831, binary 6832."""

    TYPE = "jaeger"
    KIND = "receiver"
    SIGNALS = ("traces",)
    grpc: Optional[str] = "0.0.0.0:14250"
    thrift_http: Optional[str] = "0.0.0.0:14268"
    thrift_compact: Optional[str] = "0.0.0.0:6831"
    thrift_binary: Optional[str] = "0.0.0.0:6832"

    def problems(self, p, where):
        given = [a for a in ("grpc", "thrift_http", "thrift_compact", "thrift_binary") if getattr(self, a) is not None]
        if not given:
            p.add("bad-component", f"{where}: enable at least one protocol")
        for a in given:
            _endpoint(p, where, a, getattr(self, a))


@dataclass(frozen=True, kw_only=True)
class ZipkinReceiver(Component):
    TYPE = "zipkin"
    KIND = "receiver"
    SIGNALS = ("traces",)
    endpoint: str = "0.0.0.0:9411"

    def problems(self, p, where):
        _endpoint(p, where, "endpoint", self.endpoint)


# ----------------------------------------------------------------------------------------- processors
@dataclass(frozen=True, kw_only=True)
class BatchProcessor(Component):
    TYPE = "batch"
    KIND = "processor"
    timeout: str = "200ms"
    send_batch_size: int = 8192
    send_batch_max_size: int = 0   # 0: no upper limit

    def problems(self, p, where):
        if self.timeout not in ("0", "0s"):   # 0: send at once, as the collector allows
            _duration(p, where, "timeout", self.timeout)
        _positive_int(p, where, "send_batch_size", self.send_batch_size)
        _positive_int(p, where, "send_batch_max_size", self.send_batch_max_size, allow_zero=True)
        if (isinstance(self.send_batch_max_size, int) and isinstance(self.send_batch_size, int)
                and 0 < self.send_batch_max_size < self.send_batch_size):
            p.add("bad-component", f"{where}: send_batch_max_size {self.send_batch_max_size} must be 0 or at least "
                                   f"send_batch_size {self.send_batch_size}")


@dataclass(frozen=True, kw_only=True)
class MemoryLimiter(Component):
    """Give ``limit_mib`` (+ ``spike_limit_mib``) or ``limit_percentage`` (+ ``spike_limit_percentage``)."""

    TYPE = "memory_limiter"
    KIND = "processor"
    check_interval: str = "1s"
    limit_mib: Optional[int] = None
    spike_limit_mib: Optional[int] = None
    limit_percentage: Optional[int] = None
    spike_limit_percentage: Optional[int] = None

    def problems(self, p, where):
        _duration(p, where, "check_interval", self.check_interval)
        by_mib, by_pct = self.limit_mib is not None, self.limit_percentage is not None
        if by_mib == by_pct:
            p.add("bad-component", f"{where}: give exactly one of limit_mib and limit_percentage")
        if by_mib:
            _positive_int(p, where, "limit_mib", self.limit_mib)
            if self.spike_limit_mib is not None:
                _positive_int(p, where, "spike_limit_mib", self.spike_limit_mib)
                if isinstance(self.limit_mib, int) and isinstance(self.spike_limit_mib, int) \
                        and self.spike_limit_mib >= self.limit_mib:
                    p.add("bad-component", f"{where}: spike_limit_mib must be below limit_mib")
            if self.spike_limit_percentage is not None:
                p.add("bad-component", f"{where}: spike_limit_percentage goes with limit_percentage")
        if by_pct:
            for name in ("limit_percentage", "spike_limit_percentage"):
                v = getattr(self, name)
                if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= 100):
                    p.add("bad-component", f"{where}: {name} must be an integer in 1..100, got {v!r}")
            if isinstance(self.spike_limit_percentage, int) and isinstance(self.limit_percentage, int) \
                    and self.spike_limit_percentage >= self.limit_percentage:
                p.add("bad-component", f"{where}: spike_limit_percentage must be below limit_percentage")
            if self.spike_limit_mib is not None:
                p.add("bad-component", f"{where}: spike_limit_mib goes with limit_mib")


@dataclass(frozen=True, kw_only=True)
class ProbabilisticSampler(Component):
    """Head-style sampling in the collector (``probabilistic_sampler``): keeps ``sampling_percentage``
    percent of traces, by trace id hash (every span of a trace gets the same decision)."""

    TYPE = "probabilistic_sampler"
    KIND = "processor"
    SIGNALS = ("traces", "logs")
    sampling_percentage: float
    hash_seed: int = 0

    def problems(self, p, where):
        v = self.sampling_percentage
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 100:
            p.add("bad-component", f"{where}: sampling_percentage must be in [0, 100], got {v!r}")
        _positive_int(p, where, "hash_seed", self.hash_seed, allow_zero=True)


# ----------------------------------------------------------------------------------------- connectors
#: spanmetrics' default buckets (connector/spanmetricsconnector/config.go), as Go durations.
SPANMETRICS_BUCKETS = ("2ms", "4ms", "6ms", "8ms", "10ms", "50ms", "100ms", "200ms", "400ms", "800ms", "1s",
                       "1400ms", "2s", "5s", "10s", "15s")


@dataclass(frozen=True, kw_only=True)
class SpanMetricsConnector(Component):
    """``spanmetrics``: an exporter of a traces pipeline and a receiver of a metrics pipeline. Writes
    ``<namespace>.calls`` (counter) and ``<namespace>.duration`` (histogram in ``histogram_unit``),
    by ``service.name``, ``span.name``, ``span.kind``, ``status.code`` and ``dimensions``. In
    Prometheus (underscore translation with suffixes): ``traces_span_metrics_calls_total`` and
    ``traces_span_metrics_duration_seconds_bucket`` (``_milliseconds_`` with unit ``ms``)."""

    TYPE = "spanmetrics"
    KIND = "connector"
    SIGNALS = ("traces", "metrics")
    FROM: ClassVar[Tuple[str, ...]] = ("traces",)    # pipelines it is an exporter of
    TO: ClassVar[Tuple[str, ...]] = ("metrics",)     # pipelines it is a receiver of
    namespace: str = "traces.span.metrics"
    histogram_unit: str = "s"
    buckets: Sequence[str] = SPANMETRICS_BUCKETS
    dimensions: Sequence[str] = ()
    metrics_flush_interval: str = "15s"

    def problems(self, p, where):
        if self.histogram_unit not in ("ms", "s"):
            p.add("bad-component", f"{where}: histogram_unit {self.histogram_unit!r} is not 'ms' or 's'")
        if not isinstance(self.namespace, str) or not re.match(r"^[A-Za-z][A-Za-z0-9_.]*$", self.namespace):
            p.add("bad-component", f"{where}: namespace {self.namespace!r} must be letters, digits, '_' or '.'")
        buckets = tuple(self.buckets) if isinstance(self.buckets, (list, tuple)) else ()
        if not buckets:
            p.add("bad-component", f"{where}: buckets must be a non-empty list of Go durations")
        for b in buckets:
            _duration(p, where, "bucket", b)
        _duration(p, where, "metrics_flush_interval", self.metrics_flush_interval)


@dataclass(frozen=True, kw_only=True)
class OtlpExporter(Component):
    """OTLP over gRPC, to Jaeger (v1.35+ and v2 accept OTLP on 4317), Tempo, or another collector."""

    TYPE = "otlp"
    KIND = "exporter"
    endpoint: str
    insecure: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)
    compression: Optional[str] = None

    def problems(self, p, where):
        _endpoint(p, where, "endpoint", self.endpoint.split("://", 1)[-1] if isinstance(self.endpoint, str) else None)
        _headers(p, where, self.headers)
        if self.compression not in (None, "gzip", "zstd", "snappy", "none"):
            p.add("bad-component", f"{where}: compression {self.compression!r} is not gzip, zstd, snappy or none")


@dataclass(frozen=True, kw_only=True)
class OtlpHttpExporter(Component):
    TYPE = "otlphttp"
    KIND = "exporter"
    endpoint: str
    headers: Mapping[str, str] = field(default_factory=dict)

    def problems(self, p, where):
        if not isinstance(self.endpoint, str) or not re.match(r"^https?://[^\s/]+", self.endpoint):
            p.add("bad-endpoint", f"{where}: endpoint {self.endpoint!r} must be an http(s) URL")
        _headers(p, where, self.headers)


@dataclass(frozen=True, kw_only=True)
class DebugExporter(Component):
    TYPE = "debug"
    KIND = "exporter"
    verbosity: str = "basic"

    def problems(self, p, where):
        if self.verbosity not in ("basic", "normal", "detailed"):
            p.add("bad-component", f"{where}: verbosity {self.verbosity!r} is not basic, normal or detailed")


# ----------------------------------------------------------------------------------------- extensions
@dataclass(frozen=True, kw_only=True)
class HealthCheck(Component):
    TYPE = "health_check"
    KIND = "extension"
    endpoint: str = "0.0.0.0:13133"

    def problems(self, p, where):
        _endpoint(p, where, "endpoint", self.endpoint)
