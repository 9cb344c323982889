"""LLM Marketplace (docs/reference-deployments/llm-marketplace.md, section 6 "Alerting"):

    Critical (PagerDuty): service down > 2 minutes · error rate > 1 % · P95 latency > 1 second ·
                          database connection pool exhausted
    Warning (Slack):      error rate > 0.5 % · P95 latency > 500 ms · disk usage > 80 % ·
                          memory usage > 85 %

Severities are those of the write-up (critical pages through PagerDuty, warning goes to Slack: the
routing reads the ``severity`` label). Metric names are conventional, the write-up gives none: the
services' ``http_requests_total{service,status}`` and ``http_request_duration_seconds`` histogram
(namespace ``llm-marketplace``, the same histogram as slos/llm_marketplace.py, whose buckets include
0.5 s and 1 s), OpenTelemetry's ``db.client.connections.usage``/``.max`` as Prometheus exports them,
kubelet volume stats for disks, cAdvisor and kube-state-metrics for memory. The `for` durations are
our choice except "service down > 2 minutes".
"""
from obskit.model.rules import AlertRule, RuleGroup
from obskit.verify.alert_tests import firing_and_silent
from obskit.verify.series import Series

NS = 'namespace="llm-marketplace"'
PRODUCT = {"product": "llm-marketplace"}
RUNBOOKS = "https://runbooks.example.com/llm-marketplace"
ERROR_RATIO = (f'sum by (service) (rate(http_requests_total{{{NS},status=~"5.."}}[5m]))\n'
               f"  / sum by (service) (rate(http_requests_total{{{NS}}}[5m]))")
P95 = f"histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket{{{NS}}}[5m])))"

service_down = AlertRule(
    name="MarketplaceServiceDown", expr=f"sum by (job) (up{{{NS}}}) == 0", for_="2m", severity="critical",
    summary="Marketplace service down", labels=PRODUCT,
    description="No instance of {{ $labels.job }} has been up for 2 minutes.",
    runbook_url=f"{RUNBOOKS}/service-down")
errors_critical = AlertRule(
    name="MarketplaceErrorRateCritical", expr=f"{ERROR_RATIO} > 0.01", for_="5m", severity="critical",
    summary="Marketplace error rate above 1%", labels=PRODUCT,
    description="{{ $labels.service }}: {{ $value | humanizePercentage }} of requests fail (threshold 1%).",
    runbook_url=f"{RUNBOOKS}/error-rate")
latency_critical = AlertRule(
    name="MarketplaceLatencyCritical", expr=f"{P95} > 1", for_="5m", severity="critical",
    summary="Marketplace P95 latency above 1s", labels=PRODUCT,
    description="{{ $labels.service }}: P95 latency is {{ $value | humanizeDuration }} (threshold 1s).",
    runbook_url=f"{RUNBOOKS}/latency")
pool_exhausted = AlertRule(
    name="MarketplaceDatabasePoolExhausted",
    expr=(f'sum by (service, pool_name) (db_client_connections_usage{{{NS},state="used"}})\n'
          f"  >= sum by (service, pool_name) (db_client_connections_max{{{NS}}})"),
    for_="1m", severity="critical", summary="Marketplace database connection pool exhausted", labels=PRODUCT,
    description="{{ $labels.service }}: every connection of pool {{ $labels.pool_name }} is in use.",
    runbook_url=f"{RUNBOOKS}/db-pool")
errors_warning = AlertRule(
    name="MarketplaceErrorRateHigh", expr=f"{ERROR_RATIO} > 0.005", for_="10m", severity="warning",
    summary="Marketplace error rate above 0.5%", labels=PRODUCT,
    description="{{ $labels.service }}: {{ $value | humanizePercentage }} of requests fail (threshold 0.5%).")
latency_warning = AlertRule(
    name="MarketplaceLatencyHigh", expr=f"{P95} > 0.5", for_="10m", severity="warning",
    summary="Marketplace P95 latency above 500ms", labels=PRODUCT,
    description="{{ $labels.service }}: P95 latency is {{ $value | humanizeDuration }} (threshold 500ms).")
disk = AlertRule(
    name="MarketplaceDiskUsageHigh",
    expr=f"kubelet_volume_stats_used_bytes{{{NS}}} / kubelet_volume_stats_capacity_bytes{{{NS}}} > 0.8",
    for_="15m", severity="warning", summary="Marketplace volume above 80% full", labels=PRODUCT,
    description="Volume {{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full (threshold 80%).")
memory = AlertRule(
    name="MarketplaceMemoryUsageHigh",
    expr=(f'sum by (namespace, pod) (container_memory_working_set_bytes{{{NS},container!=""}})\n'
          f'  / sum by (namespace, pod) (kube_pod_container_resource_limits{{{NS},resource="memory"}}) > 0.85'),
    for_="10m", severity="warning", summary="Marketplace pod memory above 85% of its limit", labels=PRODUCT,
    description="{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit (threshold 85%).")

marketplace = RuleGroup(name="llm-marketplace", rules=(
    service_down, errors_critical, latency_critical, pool_exhausted,
    errors_warning, latency_warning, disk, memory))


# --- tests: just past and just short of each threshold ------------------------------------------
SVC = {"namespace": "llm-marketplace", "service": "discovery"}
JOB = {"namespace": "llm-marketplace", "job": "discovery"}
POOL = {**SVC, "pool_name": "discovery-db"}
PVC = {"namespace": "llm-marketplace", "persistentvolumeclaim": "data-postgres-0"}
POD = {"namespace": "llm-marketplace", "pod": "discovery-5f7c-q8z2m", "container": "discovery"}
POD_KEY = {"namespace": "llm-marketplace", "pod": POD["pod"]}


def _requests(ok: float, failed: float, steps: int = 30) -> list:
    return [Series("http_requests_total", {**SVC, "status": "200"}).count(steps, ok),
            Series("http_requests_total", {**SVC, "status": "503"}).count(steps, failed)]


def _latency(le_counts: dict, steps: int = 30) -> list:
    return [Series("http_request_duration_seconds_bucket", {**SVC, "le": le}).count(steps, n)
            for le, n in le_counts.items()]


def _instances(*values) -> list:
    return [Series("up", {**JOB, "instance": f"10.2.0.{i}:8080"}).hold(10, v) for i, v in enumerate(values, 1)]


SERVICE = {"service": "discovery"}
tests = [
    *firing_and_silent(service_down, at="5m", labels={"job": "discovery"}, firing=_instances(0, 0), silent=_instances(0, 1)),
    *firing_and_silent(errors_critical, at="20m", labels=SERVICE,
                       firing=_requests(98.8, 1.2), silent=_requests(99.2, 0.8)),
    *firing_and_silent(latency_critical, at="20m", labels=SERVICE,    # P95 in the 1-2.5 s bucket vs under 1 s
                       firing=_latency({"0.5": 85, "1": 94, "2.5": 100, "+Inf": 100}),
                       silent=_latency({"0.5": 85, "1": 96, "2.5": 100, "+Inf": 100})),
    *firing_and_silent(pool_exhausted, at="5m", labels={"service": "discovery", "pool_name": "discovery-db"},
                       firing=[Series("db_client_connections_usage", {**POOL, "state": "used"}).hold(10, 50),
                               Series("db_client_connections_max", POOL).hold(10, 50)],
                       silent=[Series("db_client_connections_usage", {**POOL, "state": "used"}).hold(10, 49),
                               Series("db_client_connections_max", POOL).hold(10, 50)]),
    *firing_and_silent(errors_warning, at="25m", labels=SERVICE,
                       firing=_requests(99.4, 0.6), silent=_requests(99.6, 0.4)),
    *firing_and_silent(latency_warning, at="25m", labels=SERVICE,     # P95 in the 0.5-1 s bucket vs under 0.5 s
                       firing=_latency({"0.2": 80, "0.5": 94, "1": 100, "+Inf": 100}),
                       silent=_latency({"0.2": 80, "0.5": 96, "1": 100, "+Inf": 100})),
    *firing_and_silent(disk, at="20m", labels=PVC,
                       firing=[Series("kubelet_volume_stats_used_bytes", PVC).hold(25, 82e9),
                               Series("kubelet_volume_stats_capacity_bytes", PVC).hold(25, 100e9)],
                       silent=[Series("kubelet_volume_stats_used_bytes", PVC).hold(25, 78e9),
                               Series("kubelet_volume_stats_capacity_bytes", PVC).hold(25, 100e9)]),
    *firing_and_silent(memory, at="15m", labels=POD_KEY,
                       firing=[Series("container_memory_working_set_bytes", POD).hold(20, 870e6),
                               Series("kube_pod_container_resource_limits", {**POD, "resource": "memory"}).hold(20, 1e9)],
                       silent=[Series("container_memory_working_set_bytes", POD).hold(20, 830e6),
                               Series("kube_pod_container_resource_limits", {**POD, "resource": "memory"}).hold(20, 1e9)]),
]
