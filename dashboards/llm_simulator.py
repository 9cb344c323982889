"""LLM-Simulator dashboards (docs/reference-deployments/llm-simulator.md, "Monitoring and
Alerting"): the key-metrics table as two dashboards, written as plain dicts.

Overview: availability (SLO 99.9 %), request rate, error rate (warning 1 %, critical 5 %), P95/P99
latency (warning 3 s, critical 5 s), time to first token, queue depth (warning 100). Resources: CPU
(80 %), memory (85 %), restarts, replicas against the HPA range 3-20. The write-up names no metric
names; these dashboards read ``http_requests_total`` / ``http_request_duration_seconds`` with
``job="llm-simulator"`` (as slos/llm_simulator.py does), ``llm_simulator_time_to_first_token_seconds``,
``llm_simulator_queue_depth``, cAdvisor and kube-state-metrics.
"""
from obskit.model.dashboards import Dashboard

JOB = 'job="llm-simulator"'
POD = 'pod=~"llm-simulator-.*"'
DS = {"type": "prometheus", "uid": "${datasource}"}


def _steps(*pairs):
    return {"mode": "absolute", "steps": [{"value": v, "color": c} for v, c in pairs]}


def panel(kind, title, unit, queries, steps=((None, "green"),), w=12, h=8):
    """A panel without gridPos: obskit lays it out (left to right, 24 columns)."""
    p = {"type": kind, "title": title, "datasource": DS,
         "targets": [{"refId": chr(65 + i), "expr": e, "legendFormat": lf} for i, (e, lf) in enumerate(queries)],
         "fieldConfig": {"defaults": {"unit": unit, "thresholds": _steps(*steps)}, "overrides": []}}
    p["gridPos"] = {"w": w, "h": h}   # size only: x and y are computed
    return p


def _dashboard(title, panels):
    # no templating: obskit adds the ${datasource} variable the panels use
    return {"title": title, "tags": ["llm-simulator"], "refresh": "30s", "panels": panels}


_rate = f"sum(rate(http_requests_total{{{JOB}}}[5m]))"
_errors = f'sum(rate(http_requests_total{{{JOB},status=~"5.."}}[5m]))'
_bucket = f"http_request_duration_seconds_bucket{{{JOB}}}"

overview = Dashboard(_dashboard("LLM Simulator - Overview", [
    panel("stat", "Availability (30d SLO 99.9 %)", "percentunit",
          [('1 - slo:sli_error:ratio_rate30d{obskit_service="llm-simulator",obskit_slo="availability"}', "")],
          steps=((None, "red"), (0.999, "green")), w=6),
    panel("stat", "Error budget left", "percentunit",
          [('slo:period_error_budget_remaining:ratio{obskit_service="llm-simulator",obskit_slo="availability"}', "")],
          steps=((None, "red"), (0.25, "orange"), (0.5, "green")), w=6),
    panel("timeseries", "Requests per second", "reqps", [(_rate, "requests/s")]),
    panel("timeseries", "Error rate (5xx)", "percentunit", [(f"{_errors} / {_rate}", "5xx")],
          steps=((None, "green"), (0.01, "orange"), (0.05, "red"))),
    panel("timeseries", "Latency P95 / P99", "s",
          [(f"histogram_quantile(0.95, sum by (le) (rate({_bucket}[5m])))", "P95"),
           (f"histogram_quantile(0.99, sum by (le) (rate({_bucket}[5m])))", "P99")],
          steps=((None, "green"), (3, "orange"), (5, "red"))),
    panel("timeseries", "Time to first token P95", "s",
          [(f"histogram_quantile(0.95, sum by (le) (rate(llm_simulator_time_to_first_token_seconds_bucket{{{JOB}}}[5m])))",
            "TTFT P95")]),
    panel("timeseries", "Queue depth", "short", [(f"sum(llm_simulator_queue_depth{{{JOB}}})", "queued")],
          steps=((None, "green"), (50, "yellow"), (100, "orange")), w=24),
]), folder="LLM Simulator")

resources = Dashboard(_dashboard("LLM Simulator - Resources", [
    panel("timeseries", "CPU usage (of limit)", "percentunit",
          [(f"sum by (pod) (rate(container_cpu_usage_seconds_total{{{POD},container!=\"\"}}[5m])) / "
            f"sum by (pod) (kube_pod_container_resource_limits{{{POD},resource=\"cpu\"}})", "{{pod}}")],
          steps=((None, "green"), (0.8, "orange"))),
    panel("timeseries", "Memory usage (of limit)", "percentunit",
          [(f"sum by (pod) (container_memory_working_set_bytes{{{POD},container!=\"\"}}) / "
            f"sum by (pod) (kube_pod_container_resource_limits{{{POD},resource=\"memory\"}})", "{{pod}}")],
          steps=((None, "green"), (0.85, "orange"))),
    panel("timeseries", "Container restarts (1h)", "short",
          [(f"sum by (pod) (increase(kube_pod_container_status_restarts_total{{{POD}}}[1h]))", "{{pod}}")]),
    panel("timeseries", "Replicas (HPA 3-20)", "short",
          [('kube_horizontalpodautoscaler_status_current_replicas{horizontalpodautoscaler="llm-simulator"}', "current"),
           ('kube_horizontalpodautoscaler_spec_max_replicas{horizontalpodautoscaler="llm-simulator"}', "max")]),
]), folder="LLM Simulator")
