"""LLM Marketplace (docs/reference-deployments/llm-marketplace.md, section 6, "Jaeger (Distributed
Tracing)"): OpenTelemetry integration, 100 % sampling in staging and production, Elasticsearch
storage."""
from obskit.model.tracing import (
    ElasticsearchStore, JaegerSampling, JaegerV2, OperationStrategy, ServiceStrategy, probabilistic,
)
from obskit.model.tracing.otel import BatchProcessor, MemoryLimiter, OtlpReceiver

sampling = JaegerSampling(
    name="llm-marketplace",
    default=probabilistic(1.0),              # 100 % sampling
    services=[
        ServiceStrategy(service="marketplace-api", strategy=probabilistic(1.0), operations=[
            # health probes would otherwise be a large share of all traces
            OperationStrategy(operation="GET /health", strategy=probabilistic(0.0)),
            OperationStrategy(operation="GET /ready", strategy=probabilistic(0.0)),
        ]),
    ],
)

jaeger = JaegerV2(
    name="llm-marketplace",
    storage=ElasticsearchStore(server_urls=["http://elasticsearch:9200"], index_prefix="marketplace"),
    sampling=sampling,
    receivers={"otlp": OtlpReceiver()},
    processors={"memory_limiter": MemoryLimiter(limit_percentage=80, spike_limit_percentage=25),
                "batch": BatchProcessor()},
)
