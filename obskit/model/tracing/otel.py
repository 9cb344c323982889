"""OpenTelemetry Collector configuration as code: components, tail-sampling policies, pipelines.

Component ids are written ``type`` or ``type/name`` (``otlp/tempo``); the type before the slash must
be the component's own type. Every id a pipeline names must be defined in the matching section, and
each component must support the pipeline's signal (``tail_sampling`` is traces-only, ...);
connectors (``spanmetrics``) are an exporter of one pipeline and a receiver of another. These checks
follow the components' ``config.go``; the build's verify step then runs the real ``otelcol validate``
when installed (docs/logs-and-traces.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar, Dict, Mapping, Optional, Sequence, Tuple

from obskit.location import Location
from obskit.model.base import Definition, Problems, locate, set_attr

SIGNALS = ("traces", "metrics", "logs")
_ID = re.compile(r"^[a-z][a-z0-9_]*(/[A-Za-z0-9_.\-]+)?$")
_NAME = re.compile(r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$")
_GO_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")
_ENDPOINT = re.compile(r"^[A-Za-z0-9.\-_\[\]:]*:\d{1,5}$")
_ENV = re.compile(r"^\$\{env:[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$")
SECRET_HEADERS = ("authorization", "api-key", "x-api-key", "x-scope-orgid-token", "token")


def go_duration_ok(value: object) -> bool:
    return isinstance(value, str) and bool(_GO_DURATION.match(value)) and any(c != "0" for c in re.sub(r"\D", "", value))


def endpoint_ok(value: object) -> bool:
    return isinstance(value, str) and bool(_ENDPOINT.match(value)) and 0 < int(value.rsplit(":", 1)[1]) < 65536


def is_env_ref(value: object) -> bool:
    return isinstance(value, str) and bool(_ENV.match(value))


class Component:
    """Base of every collector component; ``TYPE`` is the id's type, ``KIND`` its section."""

    TYPE: ClassVar[str] = ""
    KIND: ClassVar[str] = ""
    SIGNALS: ClassVar[Tuple[str, ...]] = SIGNALS

    def problems(self, p: Problems, where: str) -> None:  # pragma: no cover - overridden
        pass


def _positive_int(p: Problems, where: str, name: str, value, allow_zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (value == 0 and not allow_zero):
        p.add("bad-component", f"{where}: {name} must be a {'non-negative' if allow_zero else 'positive'} "
                               f"integer, got {value!r}")


def _duration(p: Problems, where: str, name: str, value) -> None:
    if not go_duration_ok(value):
        p.add("bad-component", f"{where}: {name} {value!r} is not a positive Go duration like '200ms', '10s'")


def _endpoint(p: Problems, where: str, name: str, value) -> None:
    if not endpoint_ok(value):
        p.add("bad-endpoint", f"{where}: {name} {value!r} must be host:port (e.g. '0.0.0.0:4317')")


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


# ---- tail sampling policies (processor/tailsamplingprocessor/config.go)
@dataclass(frozen=True, kw_only=True)
class Policy:
    TYPE: ClassVar[str] = ""
    name: str

    def check(self, p: Problems, where: str) -> None:
        pass


@dataclass(frozen=True, kw_only=True)
class AlwaysSample(Policy):
    TYPE = "always_sample"


@dataclass(frozen=True, kw_only=True)
class LatencyPolicy(Policy):
    TYPE = "latency"
    threshold_ms: int
    upper_threshold_ms: int = 0

    def check(self, p, where):
        _positive_int(p, where, "threshold_ms", self.threshold_ms, allow_zero=True)
        _positive_int(p, where, "upper_threshold_ms", self.upper_threshold_ms, allow_zero=True)
        if isinstance(self.upper_threshold_ms, int) and isinstance(self.threshold_ms, int) \
                and self.upper_threshold_ms and self.upper_threshold_ms <= self.threshold_ms:
            p.add("bad-policy", f"{where}: upper_threshold_ms must be above threshold_ms")
        if self.threshold_ms == 0 and self.upper_threshold_ms == 0:
            p.add("bad-policy", f"{where}: give threshold_ms and/or upper_threshold_ms")


@dataclass(frozen=True, kw_only=True)
class NumericAttributePolicy(Policy):
    TYPE = "numeric_attribute"
    key: str
    min_value: int
    max_value: int
    invert_match: bool = False

    def check(self, p, where):
        if not self.key:
            p.add("bad-policy", f"{where}: key must not be empty")
        if isinstance(self.min_value, int) and isinstance(self.max_value, int) and self.min_value > self.max_value:
            p.add("bad-policy", f"{where}: min_value {self.min_value} is above max_value {self.max_value}")


@dataclass(frozen=True, kw_only=True)
class ProbabilisticPolicy(Policy):
    TYPE = "probabilistic"
    sampling_percentage: float
    hash_salt: str = ""

    def check(self, p, where):
        v = self.sampling_percentage
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 100:
            p.add("bad-policy", f"{where}: sampling_percentage must be in [0, 100] (a percentage), got {v!r}")


STATUS_CODES = ("OK", "ERROR", "UNSET")


@dataclass(frozen=True, kw_only=True)
class StatusCodePolicy(Policy):
    TYPE = "status_code"
    status_codes: Sequence[str] = ("ERROR",)

    def check(self, p, where):
        codes = tuple(self.status_codes) if isinstance(self.status_codes, (list, tuple)) else ()
        if not codes:
            p.add("bad-policy", f"{where}: status_codes must be a non-empty list")
        for c in codes:
            if c not in STATUS_CODES:
                p.add("bad-policy", f"{where}: status code {c!r} is not one of {', '.join(STATUS_CODES)}")


@dataclass(frozen=True, kw_only=True)
class StringAttributePolicy(Policy):
    TYPE = "string_attribute"
    key: str
    values: Sequence[str]
    enabled_regex_matching: bool = False
    cache_max_size: int = 0
    invert_match: bool = False

    def check(self, p, where):
        if not self.key:
            p.add("bad-policy", f"{where}: key must not be empty")
        if not isinstance(self.values, (list, tuple)) or not self.values:
            p.add("bad-policy", f"{where}: values must be a non-empty list")
        elif self.enabled_regex_matching:
            for v in self.values:
                try:
                    re.compile(v)
                except re.error as exc:
                    p.add("bad-policy", f"{where}: regex {v!r} does not compile: {exc}")


@dataclass(frozen=True, kw_only=True)
class RateLimitingPolicy(Policy):
    TYPE = "rate_limiting"
    spans_per_second: int

    def check(self, p, where):
        _positive_int(p, where, "spans_per_second", self.spans_per_second)


@dataclass(frozen=True, kw_only=True)
class SpanCountPolicy(Policy):
    TYPE = "span_count"
    min_spans: int
    max_spans: int = 0

    def check(self, p, where):
        _positive_int(p, where, "min_spans", self.min_spans)
        _positive_int(p, where, "max_spans", self.max_spans, allow_zero=True)
        if isinstance(self.max_spans, int) and isinstance(self.min_spans, int) and self.max_spans \
                and self.max_spans < self.min_spans:
            p.add("bad-policy", f"{where}: max_spans must be 0 (no limit) or at least min_spans")


@dataclass(frozen=True, kw_only=True)
class TraceStatePolicy(Policy):
    TYPE = "trace_state"
    key: str
    values: Sequence[str]

    def check(self, p, where):
        if not self.key or not self.values:
            p.add("bad-policy", f"{where}: key and values must be given")


@dataclass(frozen=True, kw_only=True)
class BooleanAttributePolicy(Policy):
    TYPE = "boolean_attribute"
    key: str
    value: bool

    def check(self, p, where):
        if not self.key:
            p.add("bad-policy", f"{where}: key must not be empty")
        if not isinstance(self.value, bool):
            p.add("bad-policy", f"{where}: value must be True or False")


@dataclass(frozen=True, kw_only=True)
class OttlConditionPolicy(Policy):
    TYPE = "ottl_condition"
    span: Sequence[str] = ()
    spanevent: Sequence[str] = ()
    error_mode: str = "propagate"

    def check(self, p, where):
        if not self.span and not self.spanevent:
            p.add("bad-policy", f"{where}: give at least one span or spanevent condition")
        if self.error_mode not in ("propagate", "ignore", "silent"):
            p.add("bad-policy", f"{where}: error_mode {self.error_mode!r} is not propagate, ignore or silent")


SIMPLE_POLICIES = (AlwaysSample, LatencyPolicy, NumericAttributePolicy, ProbabilisticPolicy, StatusCodePolicy,
                   StringAttributePolicy, RateLimitingPolicy, SpanCountPolicy, TraceStatePolicy,
                   BooleanAttributePolicy, OttlConditionPolicy)


@dataclass(frozen=True, kw_only=True)
class AndPolicy(Policy):
    """Samples when every sub-policy does; sub-policies are simple policies (no and/composite)."""

    TYPE = "and"
    policies: Sequence[Policy]

    def check(self, p, where):
        _check_subpolicies(p, where, self.policies, SIMPLE_POLICIES)


@dataclass(frozen=True, kw_only=True)
class DropPolicy(Policy):
    """Drops traces every sub-policy matches (newer tail_sampling releases)."""

    TYPE = "drop"
    policies: Sequence[Policy]

    def check(self, p, where):
        _check_subpolicies(p, where, self.policies, SIMPLE_POLICIES)


@dataclass(frozen=True, kw_only=True)
class CompositePolicy(Policy):
    """Rate-allocates ``max_total_spans_per_second`` between sub-policies, evaluated in ``policy_order``
    (default: the order given). ``rate_allocation`` maps sub-policy names to percentages (sum ≤ 100)."""

    TYPE = "composite"
    max_total_spans_per_second: int
    policies: Sequence[Policy]
    policy_order: Sequence[str] = ()
    rate_allocation: Mapping[str, int] = field(default_factory=dict)

    def check(self, p, where):
        _positive_int(p, where, "max_total_spans_per_second", self.max_total_spans_per_second)
        _check_subpolicies(p, where, self.policies, SIMPLE_POLICIES + (AndPolicy,))
        names = [s.name for s in self.policies if isinstance(s, Policy)]
        order = list(self.policy_order) or names
        if sorted(order) != sorted(names):
            p.add("bad-policy", f"{where}: policy_order {order} must list every sub-policy once: {names}")
        alloc = dict(self.rate_allocation)
        for name, pct in alloc.items():
            if name not in names:
                p.add("bad-policy", f"{where}: rate_allocation names {name!r}, which is not a sub-policy")
            if isinstance(pct, bool) or not isinstance(pct, int) or not 0 < pct <= 100:
                p.add("bad-policy", f"{where}: rate_allocation {name!r} must be a percentage in 1..100")
        if sum(v for v in alloc.values() if isinstance(v, int)) > 100:
            p.add("bad-policy", f"{where}: rate_allocation sums to more than 100 %")


def _check_subpolicies(p, where, policies, allowed) -> None:
    subs = tuple(policies) if isinstance(policies, (list, tuple)) else ()
    if not subs:
        p.add("bad-policy", f"{where}: needs at least one sub-policy")
    check_policies(p, where, subs, allowed)


def check_policies(p: Problems, where: str, policies, allowed) -> None:
    seen = set()
    for pol in policies:
        if not isinstance(pol, allowed):
            kinds = ", ".join(sorted(a.TYPE for a in allowed))
            p.add("bad-policy", f"{where}: {pol!r} is not an allowed policy here ({kinds})")
            continue
        w = f"{where} policy {pol.name!r}"
        if not isinstance(pol.name, str) or not pol.name:
            p.add("bad-policy", f"{where}: every policy needs a name")
        elif pol.name in seen:
            p.add("bad-policy", f"{w}: duplicate policy name")
        seen.add(pol.name)
        pol.check(p, w)


@dataclass(frozen=True, kw_only=True)
class TailSampling(Component):
    """Waits ``decision_wait`` after a trace's first span, then keeps it if any policy samples it."""

    TYPE = "tail_sampling"
    KIND = "processor"
    SIGNALS = ("traces",)
    policies: Sequence[Policy]
    decision_wait: str = "30s"
    num_traces: int = 50000
    expected_new_traces_per_sec: int = 0

    def problems(self, p, where):
        _duration(p, where, "decision_wait", self.decision_wait)
        _positive_int(p, where, "num_traces", self.num_traces)
        _positive_int(p, where, "expected_new_traces_per_sec", self.expected_new_traces_per_sec, allow_zero=True)
        pols = tuple(self.policies) if isinstance(self.policies, (list, tuple)) else ()
        if not pols:
            p.add("bad-policy", f"{where}: needs at least one policy (without policies nothing is sampled)")
        check_policies(p, where, pols, SIMPLE_POLICIES + (AndPolicy, CompositePolicy, DropPolicy))


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


# ------------------------------------------------------------------------------------------ exporters
def _headers(p, where, headers) -> None:
    for k, v in dict(headers).items():
        if not isinstance(k, str) or not isinstance(v, str):
            p.add("bad-component", f"{where}: headers must map strings to strings")
        elif k.lower() in SECRET_HEADERS and not is_env_ref(v):
            p.add("literal-secret", f"{where}: header {k!r} looks like a credential and must not be written "
                                    "literally", hint=f"use '${{env:{k.upper().replace('-', '_')}}}'")


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


# ------------------------------------------------------------------------------------------ pipelines
@dataclass(frozen=True, kw_only=True)
class Pipeline:
    """``service.pipelines.<signal>[/<name>]``: receivers → processors (in order) → exporters."""

    signal: str
    receivers: Sequence[str]
    exporters: Sequence[str]
    processors: Sequence[str] = ()
    name: Optional[str] = None

    @property
    def id(self) -> str:
        return f"{self.signal}/{self.name}" if self.name else str(self.signal)


SECTIONS = ("receivers", "processors", "exporters", "connectors", "extensions")
_KIND_OF_SECTION = {"receivers": "receiver", "processors": "processor", "exporters": "exporter",
                    "connectors": "connector", "extensions": "extension"}


def check_components(p: Problems, section: str, components, extra_types: Tuple[type, ...] = ()) -> Dict[str, object]:
    """Validate one section's {id: component}; returns it as a dict (ids as given)."""
    if not isinstance(components, Mapping):
        p.add("bad-component", f"{section} must be a mapping of component id to component")
        return {}
    out = {}
    for cid, comp in components.items():
        where = f"{section[:-1]} {cid!r}"
        if not isinstance(cid, str) or not _ID.match(cid):
            p.add("bad-id", f"{where}: id must be 'type' or 'type/name' (lowercase type)")
            continue
        if not isinstance(comp, Component) or comp.KIND != _KIND_OF_SECTION[section]:
            p.add("bad-component", f"{where}: {comp!r} is not a {_KIND_OF_SECTION[section]}")
            continue
        if cid.split("/", 1)[0] != comp.TYPE:
            p.add("bad-id", f"{where}: the id's type must be {comp.TYPE!r} for {type(comp).__name__} "
                            f"(e.g. '{comp.TYPE}' or '{comp.TYPE}/{cid.split('/')[-1]}')")
        comp.problems(p, where)
        out[cid] = comp
    return out


def check_pipelines(p: Problems, pipelines, receivers: Mapping, processors: Mapping, exporters: Mapping,
                    connectors: Mapping = None) -> tuple:
    connectors = dict(connectors or {})
    items = tuple(pipelines) if isinstance(pipelines, (list, tuple)) else ()
    if not items:
        p.add("no-pipelines", "service needs at least one pipeline")
    ids = set()
    used = set()
    for pl in items:
        if not isinstance(pl, Pipeline):
            p.add("bad-pipeline", f"pipelines must hold Pipeline, got {pl!r}")
            continue
        where = f"pipeline {pl.id!r}"
        if pl.signal not in SIGNALS:
            p.add("bad-pipeline", f"{where}: signal {pl.signal!r} is not one of {', '.join(SIGNALS)}")
        if pl.name is not None and not re.match(r"^[A-Za-z0-9_.\-]+$", str(pl.name)):
            p.add("bad-pipeline", f"{where}: name {pl.name!r} may hold letters, digits, '_', '.', '-'")
        if pl.id in ids:
            p.add("bad-pipeline", f"{where}: defined twice")
        ids.add(pl.id)
        for role, defined, required in (("receivers", {**connectors, **receivers}, True),
                                        ("processors", processors, False),
                                        ("exporters", {**connectors, **exporters}, True)):
            refs = list(getattr(pl, role))
            if required and not refs:
                p.add("bad-pipeline", f"{where}: needs at least one of its {role}")
            if len(set(refs)) != len(refs):
                p.add("bad-pipeline", f"{where}: {role} lists a component twice")
            for ref in refs:
                used.add((role, ref))
                if ref not in defined:
                    known = ", ".join(sorted(defined)) or "none"
                    p.add("dangling-reference", f"{where}: {role[:-1]} {ref!r} is not defined (defined: {known})")
                elif ref in connectors and ref not in (receivers if role == "receivers" else exporters):
                    signals = connectors[ref].TO if role == "receivers" else connectors[ref].FROM
                    if pl.signal in SIGNALS and pl.signal not in signals:
                        p.add("bad-pipeline", f"{where}: connector {ref!r} ({connectors[ref].TYPE}) cannot be in the "
                                              f"{role} of a {pl.signal} pipeline (only {', '.join(signals)})")
                elif pl.signal in SIGNALS and pl.signal not in defined[ref].SIGNALS:
                    p.add("bad-pipeline", f"{where}: {role[:-1]} {ref!r} ({defined[ref].TYPE}) does not support "
                                          f"{pl.signal}")
        procs = list(pl.processors)
        ml = [i for i, ref in enumerate(procs) if ref in processors and processors[ref].TYPE == "memory_limiter"]
        if ml and ml[0] != 0:
            p.add("bad-pipeline", f"{where}: memory_limiter must be the first processor, as the collector "
                                  "documentation requires, or it cannot refuse data before others buffer it")
    for cid in connectors:
        roles = {role for role, ref in used if ref == cid and role != "processors"}
        if roles != {"receivers", "exporters"}:
            p.add("bad-pipeline", f"connector {cid!r} must be an exporter of one pipeline and a receiver of "
                                  "another (the collector refuses a connector used on one side only)")
    return items


@dataclass(frozen=True, kw_only=True, eq=False)
class OtelCollector(Definition):
    """An OpenTelemetry Collector configuration → ``otel/<name>/collector.yaml``."""

    name: str
    receivers: Mapping[str, Component]
    exporters: Mapping[str, Component]
    pipelines: Sequence[Pipeline]
    processors: Mapping[str, Component] = field(default_factory=dict)
    connectors: Mapping[str, Component] = field(default_factory=dict)
    extensions: Mapping[str, Component] = field(default_factory=dict)
    telemetry_metrics_port: Optional[int] = 8888
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"OTel collector {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            p.add("bad-name", f"name {self.name!r} must be lowercase letters, digits, '-' or '_'")
        sections = {s: check_components(p, s, getattr(self, s)) for s in SECTIONS}
        for s, comps in sections.items():
            set_attr(self, s, dict(sorted(comps.items())) if s != "processors" else comps)
        set_attr(self, "pipelines", check_pipelines(p, self.pipelines, sections["receivers"],
                                                    sections["processors"], sections["exporters"],
                                                    sections["connectors"]))
        check_ports(p, self)
        p.done()


def listen_endpoints(components: Mapping[str, Component]):
    """(component id, field, endpoint) of every listening component."""
    for cid, comp in components.items():
        for f in ("grpc", "http", "thrift_http", "thrift_compact", "thrift_binary", "endpoint"):
            v = getattr(comp, f, None)
            if comp.KIND in ("receiver", "extension") and isinstance(v, str) and endpoint_ok(v):
                yield cid, f, v


def check_ports(p: Problems, collector) -> None:
    seen = {}
    for section in ("receivers", "extensions"):
        for cid, f, ep in listen_endpoints(getattr(collector, section)):
            port = int(ep.rsplit(":", 1)[1])
            if port in seen:
                p.add("port-clash", f"{cid} {f} and {seen[port]} both listen on port {port}")
            seen[port] = f"{cid} {f}"
