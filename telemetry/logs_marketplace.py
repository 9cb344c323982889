"""LLM Marketplace (docs/reference-deployments/llm-marketplace.md, section 6, "Loki (Logging)"):
centralized structured JSON logs with 30-day retention, queried with LogQL. Loki 3.x profile (tsdb,
schema v13, structured metadata on) on the local filesystem; retention 30 d through the compactor.

Each alert carries ``product="llm-marketplace"``, the label the marketplace's branch of
alerts/routing.py matches: Loki's ruler adds no external labels, and without it the critical panic
alert would reach the default receiver instead of PagerDuty."""
from obskit.model.loki import FilesystemStorage, LogAlert, LogRuleGroup, LokiConfig, LokiLimits, LokiRules

loki = LokiConfig(
    name="llm-marketplace",
    version="3.0",
    storage=FilesystemStorage(directory="/loki/chunks"),
    schema_from="2024-04-01",
    retention="30d",
    limits=LokiLimits(reject_old_samples=True, reject_old_samples_max_age="168h",
                      ingestion_rate_mb=8, ingestion_burst_size_mb=16, max_query_series=5000),
    alertmanager_url="http://alertmanager:9093",
)

rules = LokiRules(
    name="llm-marketplace",
    tenant="fake",
    groups=[
        LogRuleGroup(name="llm-marketplace-logs", rules=[
            LogAlert(
                alert="MarketplaceErrorLogRatio",
                expr='sum(rate({app="llm-marketplace"} | json | level="error" [5m])) '
                     '/ sum(rate({app="llm-marketplace"} [5m])) > 0.01',
                for_="5m",
                labels={"severity": "critical", "product": "llm-marketplace"},
                annotations={"summary": "More than 1 % of marketplace log lines are errors"},
            ),
            LogAlert(
                alert="MarketplacePanic",
                expr='sum(count_over_time({app="llm-marketplace"} |~ "(?i)panic" [5m])) > 0',
                labels={"severity": "critical", "product": "llm-marketplace"},
                annotations={"summary": "A marketplace service panicked"},
            ),
        ]),
    ],
)
