"""OpenTelemetry Collector configuration as code: components, tail-sampling policies, pipelines.

Component ids are written ``type`` or ``type/name`` (``otlp/tempo``); the type before the slash must
be the component's own type. Every id a pipeline names must be defined in the matching section, and
each component must support the pipeline's signal (``tail_sampling`` is traces-only, ...);
connectors (``spanmetrics``) are an exporter of one pipeline and a receiver of another. These checks
follow the components' ``config.go``; the build's verify step then runs the real ``otelcol validate``
when installed (docs/logs-and-traces.md).

The package: :mod:`.base` (shared rules, :class:`Component`), :mod:`.components` (receivers,
processors, connectors, exporters, extensions), :mod:`.sampling` (tail-sampling policies),
:mod:`.collector` (pipelines, :class:`OtelCollector`, the checks across components). Import
everything from ``obskit.model.tracing.otel``, as before the split.
"""
from obskit.model.tracing.otel.base import (  # noqa: F401
    SIGNALS, SECRET_HEADERS, go_duration_ok, endpoint_ok, is_env_ref, Component,
)
from obskit.model.tracing.otel.components import (  # noqa: F401
    OtlpReceiver, JaegerReceiver, ZipkinReceiver, BatchProcessor, MemoryLimiter,
    ProbabilisticSampler, SPANMETRICS_BUCKETS, SpanMetricsConnector, OtlpExporter, OtlpHttpExporter,
    DebugExporter, HealthCheck,
)
from obskit.model.tracing.otel.sampling import (  # noqa: F401
    Policy, AlwaysSample, LatencyPolicy, NumericAttributePolicy, ProbabilisticPolicy, STATUS_CODES,
    StatusCodePolicy, StringAttributePolicy, RateLimitingPolicy, SpanCountPolicy, TraceStatePolicy,
    BooleanAttributePolicy, OttlConditionPolicy, SIMPLE_POLICIES, AndPolicy, DropPolicy,
    CompositePolicy, check_policies, TailSampling,
)
from obskit.model.tracing.otel.collector import (  # noqa: F401
    Pipeline, SECTIONS, check_components, check_pipelines, OtelCollector, listen_endpoints,
    check_ports,
)

__all__ = [
    "SIGNALS", "SECRET_HEADERS", "go_duration_ok", "endpoint_ok", "is_env_ref", "Component",
    "OtlpReceiver", "JaegerReceiver", "ZipkinReceiver", "BatchProcessor", "MemoryLimiter", "Policy",
    "AlwaysSample", "LatencyPolicy", "NumericAttributePolicy", "ProbabilisticPolicy",
    "STATUS_CODES", "StatusCodePolicy", "StringAttributePolicy", "RateLimitingPolicy",
    "SpanCountPolicy", "TraceStatePolicy", "BooleanAttributePolicy", "OttlConditionPolicy",
    "SIMPLE_POLICIES", "AndPolicy", "DropPolicy", "CompositePolicy", "check_policies",
    "TailSampling", "ProbabilisticSampler", "SPANMETRICS_BUCKETS", "SpanMetricsConnector",
    "OtlpExporter", "OtlpHttpExporter", "DebugExporter", "HealthCheck", "Pipeline", "SECTIONS",
    "check_components", "check_pipelines", "OtelCollector", "listen_endpoints", "check_ports",
]
