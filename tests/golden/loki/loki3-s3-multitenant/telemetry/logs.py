from obskit.model.loki import LogAlert, LogRecord, LogRuleGroup, LokiConfig, LokiLimits, LokiRules, S3Storage

loki = LokiConfig(
    name="central",
    version="3.4",
    auth_enabled=True,
    storage=S3Storage(bucket="central-logs", endpoint="minio.storage:9000", insecure=True, force_path_style=True,
                      access_key_id="${S3_ACCESS_KEY_ID}", secret_access_key="${S3_SECRET_ACCESS_KEY}"),
    schema_from="2025-01-01",
    retention="30d",
    retention_delete_delay="1h",
    replication_factor=3,
    ruler_remote_write_url="https://mimir.example.org/api/v1/push",
    memberlist_join=["loki-memberlist.logging.svc:7946"],
    limits=LokiLimits(ingestion_rate_mb=16, ingestion_burst_size_mb=32, max_line_size="256KB",
                      per_stream_rate_limit="5MB", max_query_parallelism=32),
)

team_a = LokiRules(
    name="payments",
    tenant="team-a",
    groups=[LogRuleGroup(name="payments", interval="30s", limit=10, rules=[
        LogRecord(record="payments:log_lines:rate1m", expr='sum by (level) (rate({app="payments"} | logfmt [1m]))',
                  labels={"team": "a"}),
        LogAlert(alert="PaymentsSlowRequests",
                 expr='quantile_over_time(0.99, {app="payments"} | logfmt | unwrap duration_ms [5m]) by (route) > 2000',
                 for_="10m", labels={"severity": "warning"},
                 annotations={"summary": "p99 of {{ $labels.route }} is {{ $value }} ms"}),
    ])],
)
