"""LLM Inference Gateway overview (docs/reference-deployments/llm-inference-gateway.md, section 6,
"Grafana Dashboards"): the write-up's six panels with its exact queries, written with grafanalib.

Like the write-up it uses ``graph`` panels: obskit converts them to ``timeseries`` (and the missing
datasource to the ``${datasource}`` variable) when it builds; see docs/dashboards.md.
"""
from grafanalib import core as g

from obskit.model.dashboards import Dashboard


def _graph(title, *targets, unit="short"):
    return g.Graph(title=title, targets=[g.Target(expr=e, legendFormat=lf) for e, lf in targets],
                   yAxes=g.YAxes(left=g.YAxis(format=unit)))


overview = Dashboard(
    g.Dashboard(
        title="LLM Gateway - Overview",
        tags=["llm-gateway"],
        panels=[
            _graph("Request Rate",
                   ('sum(rate(http_requests_total{job="llm-gateway"}[5m])) by (status)', "{{status}}"),
                   unit="reqps"),
            _graph("Request Latency (P50, P95, P99)",
                   ("histogram_quantile(0.50, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))", "P50"),
                   ("histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))", "P95"),
                   ("histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))", "P99"),
                   unit="s"),
            g.Stat(title="Provider Health",
                   targets=[g.Target(expr="llm_provider_health_status", legendFormat="{{provider}}")],
                   thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 1}]),
            _graph("Error Rate by Provider",
                   ("sum(rate(llm_provider_errors_total[5m])) by (provider, error_type)",
                    "{{provider}} - {{error_type}}"),
                   unit="reqps"),
            _graph("CPU Usage",
                   ('sum(rate(container_cpu_usage_seconds_total{pod=~"llm-gateway-.*"}[5m])) by (pod)', "{{pod}}")),
            _graph("Memory Usage",
                   ('sum(container_memory_working_set_bytes{pod=~"llm-gateway-.*"}) by (pod) / 1024 / 1024 / 1024',
                    "{{pod}}"),
                   unit="decgbytes"),
        ],
    ).auto_panel_ids(),
    folder="LLM Gateway",
)
