"""A collector that keeps RED metrics of every span (spanmetrics → Prometheus's OTLP receiver) while
head sampling (probabilistic_sampler) and tail sampling (errors, slow, 5 % of the rest) decide what
reaches Jaeger."""
from obskit.model.tracing.otel import (
    BatchProcessor, LatencyPolicy, MemoryLimiter, OtelCollector, OtlpExporter, OtlpHttpExporter, OtlpReceiver,
    Pipeline, ProbabilisticPolicy, ProbabilisticSampler, SpanMetricsConnector, StatusCodePolicy, TailSampling,
)

collector = OtelCollector(
    name="red",
    receivers={"otlp": OtlpReceiver()},
    processors={
        "memory_limiter": MemoryLimiter(limit_mib=1024, spike_limit_mib=256),
        "probabilistic_sampler": ProbabilisticSampler(sampling_percentage=50),
        "tail_sampling": TailSampling(decision_wait="5s", policies=[
            StatusCodePolicy(name="errors", status_codes=["ERROR"]),
            LatencyPolicy(name="slow", threshold_ms=1000),
            ProbabilisticPolicy(name="rest", sampling_percentage=5),
        ]),
        "batch": BatchProcessor(timeout="1s", send_batch_size=1000),
    },
    connectors={"spanmetrics": SpanMetricsConnector(dimensions=["http.route"])},
    exporters={"otlp/jaeger": OtlpExporter(endpoint="jaeger:4317", insecure=True),
               "otlphttp/prometheus": OtlpHttpExporter(endpoint="http://prometheus:9090/api/v1/otlp")},
    pipelines=[
        Pipeline(signal="traces", name="spanmetrics", receivers=["otlp"], processors=["memory_limiter", "batch"],
                 exporters=["spanmetrics"]),
        Pipeline(signal="traces", receivers=["otlp"],
                 processors=["memory_limiter", "probabilistic_sampler", "tail_sampling", "batch"],
                 exporters=["otlp/jaeger"]),
        Pipeline(signal="metrics", receivers=["spanmetrics"], processors=["batch"],
                 exporters=["otlphttp/prometheus"]),
    ],
)
