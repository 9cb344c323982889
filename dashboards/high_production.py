"""High production deployment (docs/reference-deployments/high-production-deployment.md,
"Monitoring & Logging"): "Prometheus scrapes metrics (API latency, CPU/GPU utilization)", dashboards
in Grafana; the HPA scales on CPU/GPU load and request latency. Written with grafanalib's current
panel types (TimeSeries, Stat); metrics: prometheus-fastapi-instrumentator's histograms
(``job="validation-api"``; percentiles from ``http_request_duration_highr_seconds``, as the alerts in
alerts/high_production.py read them), cAdvisor, and NVIDIA DCGM exporter for the Ollama GPU nodes.
"""
from grafanalib import core as g

from obskit.model.dashboards import Dashboard

API = 'job="validation-api"'


def _ts(title, unit, *targets, width=12):
    return g.TimeSeries(title=title, unit=unit, gridPos=None, targets=[
        g.Target(expr=e, legendFormat=lf, refId=chr(65 + i)) for i, (e, lf) in enumerate(targets)])


latency = Dashboard(
    g.Dashboard(
        title="High Production - API Latency and CPU/GPU",
        tags=["high-production"],
        panels=[
            _ts("API latency P50 / P95 / P99", "s",
                *[(f"histogram_quantile({q}, sum by (le) (rate(http_request_duration_highr_seconds_bucket{{{API}}}[5m])))",
                   f"P{int(q * 100)}") for q in (0.5, 0.95, 0.99)]),
            _ts("API requests per second", "reqps",
                (f"sum by (handler) (rate(http_request_duration_seconds_count{{{API}}}[5m]))", "{{handler}}")),
            _ts("API pods CPU", "percentunit",
                ('sum by (pod) (rate(container_cpu_usage_seconds_total{pod=~"validation-api-.*",container!=""}[5m]))'
                 ' / sum by (pod) (kube_pod_container_resource_requests{pod=~"validation-api-.*",resource="cpu"})',
                 "{{pod}}")),
            _ts("GPU utilisation (Ollama nodes)", "percent",
                ("avg by (Hostname, gpu) (DCGM_FI_DEV_GPU_UTIL)", "{{Hostname}} GPU {{gpu}}")),
            _ts("GPU memory used", "decmbytes", ("sum by (Hostname) (DCGM_FI_DEV_FB_USED)", "{{Hostname}}")),
            g.Stat(title="HPA replicas (validation-api)", reduceCalc="lastNotNull", targets=[g.Target(
                expr='kube_horizontalpodautoscaler_status_current_replicas{horizontalpodautoscaler="validation-api"}',
                refId="A")]),
        ],
    ).auto_panel_ids(),
    folder="High Production",
)
