"""LLM Observatory scaling signals (docs/reference-deployments/llm-observatory.md, "Scaling Guide"):
collector spans/s against the 500k spans/s mark, collector CPU against the HPA's 70 % target and its
replicas against the maximum, storage write latency, the database connection pool against
DB_POOL_MAX_SIZE. The metrics are those of alerts/llm_observatory.py."""
from grafanalib import core as g

from obskit.model.dashboards import Dashboard

JOB = 'job="llm-observatory"'
COLLECTOR = 'namespace="llm-observatory",container="collector"'
HPA = 'namespace="llm-observatory",horizontalpodautoscaler="collector-hpa"'


def _ts(title, unit, *targets):
    return g.TimeSeries(title=title, unit=unit, gridPos=None, targets=[
        g.Target(expr=e, legendFormat=lf, refId=chr(65 + i)) for i, (e, lf) in enumerate(targets)])


scaling = Dashboard(
    g.Dashboard(
        title="LLM Observatory - Scaling signals",
        tags=["llm-observatory"],
        panels=[
            _ts("Spans per second (scale to 10+ collectors above 500k)", "short",
                (f"sum(rate(otelcol_receiver_accepted_spans_total{{{JOB}}}[5m]))", "accepted"),
                (f"sum(rate(otelcol_receiver_refused_spans_total{{{JOB}}}[5m]))", "refused")),
            _ts("Collector CPU / request (HPA target 70%)", "percentunit",
                (f"sum(rate(container_cpu_usage_seconds_total{{{COLLECTOR}}}[5m]))"
                 f' / sum(kube_pod_container_resource_requests{{{COLLECTOR},resource="cpu"}})', "CPU")),
            _ts("Collector replicas", "short",
                (f"kube_horizontalpodautoscaler_status_current_replicas{{{HPA}}}", "current"),
                (f"kube_horizontalpodautoscaler_spec_max_replicas{{{HPA}}}", "max")),
            _ts("Storage write latency P50 / P95 / P99", "s",
                *[(f"histogram_quantile({q}, sum by (le) "
                   f"(rate(llm_observatory_storage_write_duration_seconds_bucket{{{JOB}}}[5m])))", f"P{int(q * 100)}")
                  for q in (0.5, 0.95, 0.99)]),
            _ts("Database connection pool", "short",
                (f"max(llm_observatory_db_pool_connections_active{{{JOB}}})", "in use"),
                (f"max(llm_observatory_db_pool_connections_max{{{JOB}}})", "max (DB_POOL_MAX_SIZE)")),
        ],
    ).auto_panel_ids(),
    folder="LLM Observatory",
)
