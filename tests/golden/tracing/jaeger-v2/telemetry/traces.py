from obskit.model.tracing import (
    BadgerStore, JaegerSampling, JaegerV2, OperationStrategy, ServiceStrategy, probabilistic, ratelimiting,
)
from obskit.model.tracing.otel import BatchProcessor, MemoryLimiter, OtlpReceiver

sampling = JaegerSampling(
    name="shop",
    default=probabilistic(0.05),
    default_operations=[OperationStrategy(operation="/metrics", strategy=probabilistic(0.0))],
    services=[
        ServiceStrategy(service="checkout", strategy=probabilistic(0.5), operations=[
            OperationStrategy(operation="POST /pay", strategy=probabilistic(1.0)),
        ]),
        ServiceStrategy(service="search", strategy=ratelimiting(100)),
    ],
)

jaeger = JaegerV2(
    name="shop",
    storage=BadgerStore(directory="/var/lib/jaeger", span_ttl="720h"),
    sampling=sampling,
    receivers={"otlp": OtlpReceiver(http=None)},
    processors={"memory_limiter": MemoryLimiter(limit_mib=1500, spike_limit_mib=300), "batch": BatchProcessor()},
)

standalone = JaegerSampling(name="edge", default=ratelimiting(10))
