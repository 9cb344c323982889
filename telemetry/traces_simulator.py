"""LLM-Simulator (docs/reference-deployments/llm-simulator.md): distributed tracing over OTLP into its
integrated Jaeger (Prometheus, Grafana, Jaeger stack). A collector receives OTLP from the simulator
pods and forwards to Jaeger's OTLP port."""
from obskit.model.tracing.otel import (
    BatchProcessor, MemoryLimiter, OtelCollector, OtlpExporter, OtlpReceiver, Pipeline,
)

collector = OtelCollector(
    name="llm-simulator",
    receivers={"otlp": OtlpReceiver()},
    processors={"memory_limiter": MemoryLimiter(limit_percentage=75, spike_limit_percentage=20),
                "batch": BatchProcessor()},
    exporters={"otlp/jaeger": OtlpExporter(endpoint="jaeger-collector:4317", insecure=True)},
    pipelines=[Pipeline(signal="traces", receivers=["otlp"], processors=["memory_limiter", "batch"],
                        exporters=["otlp/jaeger"])],
)
