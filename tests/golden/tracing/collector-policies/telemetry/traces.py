from obskit.model.tracing.otel import (
    AlwaysSample, AndPolicy, BatchProcessor, BooleanAttributePolicy, CompositePolicy, DebugExporter, DropPolicy,
    HealthCheck, JaegerReceiver, LatencyPolicy, MemoryLimiter, NumericAttributePolicy, OtelCollector,
    OttlConditionPolicy, OtlpExporter, OtlpHttpExporter, OtlpReceiver, Pipeline, ProbabilisticPolicy,
    RateLimitingPolicy, SpanCountPolicy, StatusCodePolicy, StringAttributePolicy, TailSampling, TraceStatePolicy,
    ZipkinReceiver,
)

collector = OtelCollector(
    name="gateway",
    receivers={"otlp": OtlpReceiver(), "jaeger": JaegerReceiver(), "zipkin": ZipkinReceiver()},
    processors={
        "memory_limiter": MemoryLimiter(limit_percentage=80, spike_limit_percentage=20),
        "tail_sampling": TailSampling(decision_wait="15s", num_traces=20000, expected_new_traces_per_sec=500, policies=[
            AlwaysSample(name="debug-all"),
            LatencyPolicy(name="slow", threshold_ms=500, upper_threshold_ms=60000),
            NumericAttributePolicy(name="5xx", key="http.status_code", min_value=500, max_value=599),
            ProbabilisticPolicy(name="ten-percent", sampling_percentage=10, hash_salt="edge"),
            StatusCodePolicy(name="errors", status_codes=["ERROR", "UNSET"]),
            StringAttributePolicy(name="vip", key="customer.tier", values=["gold", "plat.*"],
                                  enabled_regex_matching=True, cache_max_size=100),
            RateLimitingPolicy(name="cap", spans_per_second=1000),
            SpanCountPolicy(name="big", min_spans=50, max_spans=5000),
            TraceStatePolicy(name="ts", key="vendor", values=["x"]),
            BooleanAttributePolicy(name="debug-flag", key="app.debug", value=True),
            OttlConditionPolicy(name="ottl", span=['attributes["llm.model"] == "gpt-4"']),
            AndPolicy(name="slow-and-vip", policies=[
                LatencyPolicy(name="slow2", threshold_ms=1000),
                StringAttributePolicy(name="vip2", key="customer.tier", values=["gold"]),
            ]),
            CompositePolicy(name="budget", max_total_spans_per_second=2000, policies=[
                StatusCodePolicy(name="c-errors"),
                ProbabilisticPolicy(name="c-rest", sampling_percentage=5),
            ], rate_allocation={"c-errors": 60, "c-rest": 40}),
            DropPolicy(name="no-health", policies=[
                StringAttributePolicy(name="health", key="http.route", values=["/health"]),
            ]),
        ]),
        "batch": BatchProcessor(timeout="1s", send_batch_size=512, send_batch_max_size=1024),
        "batch/metrics": BatchProcessor(),
    },
    exporters={
        "otlp/jaeger": OtlpExporter(endpoint="jaeger:4317", insecure=True),
        "otlp/tempo": OtlpExporter(endpoint="tempo:4317", compression="zstd",
                                   headers={"X-Scope-OrgID": "gateway", "Authorization": "${env:TEMPO_TOKEN}"}),
        "otlphttp/central": OtlpHttpExporter(endpoint="https://otel.example.org:4318"),
        "debug": DebugExporter(verbosity="detailed"),
    },
    extensions={"health_check": HealthCheck()},
    pipelines=[
        Pipeline(signal="traces", receivers=["otlp", "jaeger", "zipkin"],
                 processors=["memory_limiter", "tail_sampling", "batch"],
                 exporters=["otlp/jaeger", "otlp/tempo"]),
        Pipeline(signal="metrics", receivers=["otlp"], processors=["memory_limiter", "batch/metrics"],
                 exporters=["otlphttp/central", "debug"]),
        Pipeline(signal="logs", name="debug", receivers=["otlp"], exporters=["debug"]),
    ],
    telemetry_metrics_port=None,
)
