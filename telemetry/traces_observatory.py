"""LLM Observatory (docs/reference-deployments/llm-observatory.md): the collector receives OTLP on gRPC
4317 and HTTP 4318 and stores traces in Tempo on S3 with 30-day trace retention
(RETENTION_TRACES_DAYS=30). Batches of 1000 (COLLECTOR_BATCH_SIZE); tail sampling keeps every error
and slow trace and 25 % of the rest. The write-up names neither bucket nor region:
``llm-observatory-traces`` in us-east-1 (its AWS deployment) with the task's IAM role are
assumptions."""
from obskit.model.tracing.otel import (
    BatchProcessor, HealthCheck, LatencyPolicy, MemoryLimiter, OtelCollector, OtlpExporter, OtlpReceiver,
    Pipeline, ProbabilisticPolicy, StatusCodePolicy, TailSampling,
)
from obskit.model.tracing.tempo import TempoAzureStorage, TempoConfig, TempoGCSStorage, TempoS3Storage

tempo = TempoConfig(
    name="llm-observatory",
    retention="30d",
    storage=TempoS3Storage(bucket="llm-observatory-traces", endpoint="s3.us-east-1.amazonaws.com",
                           region="us-east-1"),
)

# The write-up's GCP (GKE) and Azure (AKS) deployments: "Object storage (S3/GCS/Azure Blob) for Tempo
# traces". Bucket, container and account names are ours; credentials come from the cluster's workload
# identity (GKE Workload Identity; Azure Workload Identity, which needs Tempo 2.1).
tempo_gcp = TempoConfig(name="llm-observatory-gcp", retention="30d",
                        storage=TempoGCSStorage(bucket_name="llm-observatory-traces"))
tempo_azure = TempoConfig(name="llm-observatory-azure", retention="30d", version="2.1",
                          storage=TempoAzureStorage(container_name="llm-observatory-traces",
                                                    storage_account_name="llmobservatory", use_federated_token=True))

collector = OtelCollector(
    name="llm-observatory",
    receivers={"otlp": OtlpReceiver(grpc="0.0.0.0:4317", http="0.0.0.0:4318")},
    processors={
        "memory_limiter": MemoryLimiter(check_interval="1s", limit_mib=3200, spike_limit_mib=800),  # 4Gi pod limit
        "tail_sampling": TailSampling(decision_wait="10s", num_traces=100000, policies=[
            StatusCodePolicy(name="errors", status_codes=["ERROR"]),
            LatencyPolicy(name="slow", threshold_ms=2000),
            ProbabilisticPolicy(name="baseline", sampling_percentage=25),
        ]),
        "batch": BatchProcessor(timeout="5s", send_batch_size=1000),
    },
    exporters={"otlp/tempo": OtlpExporter(endpoint="tempo.llm-observatory:4317", insecure=True)},
    extensions={"health_check": HealthCheck()},
    pipelines=[Pipeline(signal="traces", receivers=["otlp"],
                        processors=["memory_limiter", "tail_sampling", "batch"], exporters=["otlp/tempo"])],
)
