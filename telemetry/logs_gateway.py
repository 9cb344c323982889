"""LLM Inference Gateway (docs/reference-deployments/llm-inference-gateway.md, section 6, "Log
Aggregation (Loki)"): its Loki config as written there,
Loki 2.x with the boltdb-shipper index and schema v11 on S3 (us-east-1, bucket llm-gateway-logs,
path-style addressing, credentials from the pod's IAM role), plus LogQL rules over the gateway's JSON
logs (obskit's addition: the write-up ships Loki without rules). ``active_index_directory`` and
``cache_location`` are the write-up's ``/loki/index`` and ``/loki/cache``.

Loki's ruler adds no external labels: each alert carries ``service="llm-gateway"`` itself, the label
the gateway's branch of alerts/routing.py matches (without it the alerts land on the default receiver)."""
from obskit.model.loki import LogAlert, LogRecord, LogRuleGroup, LokiConfig, LokiLimits, LokiRules, S3Storage

loki = LokiConfig(
    name="llm-gateway",
    version="2.9",                      # boltdb-shipper + v11: the 2.x profile
    auth_enabled=False,
    http_port=3100,
    schema_from="2023-01-01",
    index_prefix="loki_index_",
    active_index_directory="/loki/index",
    cache_location="/loki/cache",
    storage=S3Storage(bucket="llm-gateway-logs", region="us-east-1", force_path_style=True),
    chunk_idle_period="5m",
    chunk_retain_period="30s",
    limits=LokiLimits(
        enforce_metric_name=False,
        reject_old_samples=True,
        reject_old_samples_max_age="168h",
        ingestion_rate_mb=10,
        ingestion_burst_size_mb=20,
    ),
    alertmanager_url="http://alertmanager.llm-gateway-monitoring:9093",
    # recording-rule samples go to Prometheus (started with --web.enable-remote-write-receiver)
    ruler_remote_write_url="http://prometheus.llm-gateway-monitoring:9090/api/v1/write",
)

LABELS = {"severity": "warning", "service": "llm-gateway"}

rules = LokiRules(
    name="llm-gateway",
    tenant="fake",                      # auth_enabled: false → single-tenant mode
    groups=[
        LogRuleGroup(name="llm-gateway-logs", interval="1m", rules=[
            LogRecord(
                record="llm_gateway:log_errors:rate5m",
                expr='sum by (pod) (rate({namespace="llm-gateway", app="llm-gateway"} | json | level="error" [5m]))',
            ),
            LogAlert(
                alert="LLMGatewayErrorLogBurst",
                expr='sum(rate({namespace="llm-gateway", app="llm-gateway"} | json | level="error" [5m])) > 5',
                for_="5m",
                labels=LABELS,
                annotations={"summary": "LLM gateway logs more than 5 errors/s",
                             "description": "{{ $value | humanize }} error lines/s over 5 minutes"},
            ),
            LogAlert(
                alert="LLMGatewayProviderTimeouts",
                expr='sum by (provider) (count_over_time({namespace="llm-gateway", app="llm-gateway"} '
                     '|= "timeout" | json | provider != "" [10m])) > 50',
                for_="10m",
                labels=LABELS,
                annotations={"summary": "Provider {{ $labels.provider }} timed out more than 50 times in 10m"},
            ),
        ]),
    ],
)
