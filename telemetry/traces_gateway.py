"""LLM Inference Gateway (docs/reference-deployments/llm-inference-gateway.md, section 6, "Distributed
Tracing (Jaeger)"): the all-in-one Jaeger with Elasticsearch storage (http://elasticsearch:9200),
the legacy Jaeger ports (6831/6832 UDP, 14268 HTTP), Zipkin on 9411 and sampling served on 5778,
expressed as Jaeger v2 (v1 is end-of-life) with OTLP added. Port 5775 (Zipkin Thrift over compact
UDP) has no Jaeger v2 equivalent and is dropped."""
from obskit.model.tracing import ElasticsearchStore, JaegerSampling, JaegerV2, probabilistic
from obskit.model.tracing.otel import BatchProcessor, JaegerReceiver, OtlpReceiver, ZipkinReceiver

sampling = JaegerSampling(
    name="llm-gateway",
    default=probabilistic(0.001),           # Jaeger's own default: the write-up sets none
)

jaeger = JaegerV2(
    name="llm-gateway",
    storage=ElasticsearchStore(server_urls=["http://elasticsearch:9200"]),
    sampling=sampling,
    receivers={
        "otlp": OtlpReceiver(),
        "jaeger": JaegerReceiver(grpc=None),
        "zipkin": ZipkinReceiver(endpoint="0.0.0.0:9411"),
    },
    processors={"batch": BatchProcessor()},
)
