"""LLM Observatory (docs/reference-deployments/llm-observatory.md, "Scaling Guide"): alerts on the
signals the write-up scales by.

    Collector:       3 replicas, 10+ for > 500k spans/sec, CPU-based autoscaling (target 70 %),
                     HPA 3-10 replicas
    Storage service: scale on write latency, watch the database connection pool (DB_POOL_MAX_SIZE=50)

Metric names: the collector is the OpenTelemetry Collector of telemetry/traces_observatory.py, whose
own telemetry counts ``otelcol_receiver_accepted_spans_total`` / ``otelcol_receiver_refused_spans_total``;
the storage service's ``llm_observatory_storage_write_duration_seconds`` histogram and
``llm_observatory_db_pool_connections_active`` / ``_max`` gauges are our naming (the write-up names
none); kube-state-metrics and cAdvisor for CPU and the HPA (namespace ``llm-observatory``, container
``collector``, HPA ``collector-hpa`` as in its manifests). The 0.5 s write-latency and 80 % pool
thresholds and every ``for`` are our choice.
"""
from obskit.model.rules import AlertRule, RuleGroup
from obskit.verify.alert_tests import firing_and_silent
from obskit.verify.series import Series

JOB = 'job="llm-observatory"'
NS = 'namespace="llm-observatory"'
COLLECTOR = f'{NS},container="collector"'
HPA = f'{NS},horizontalpodautoscaler="collector-hpa"'
LABELS = {"service": "llm-observatory"}
RUNBOOKS = "https://runbooks.example.com/llm-observatory"

collector_down = AlertRule(
    name="LLMObservatoryCollectorDown", expr=f'absent(up{{{JOB},app="collector"}} == 1)', for_="2m",
    severity="critical", summary="No LLM Observatory collector is up", labels=LABELS,
    description="No collector pod has answered the scrape for 2 minutes: OTLP exports (4317/4318) are lost.",
    runbook_url=f"{RUNBOOKS}/collector-down")
spans_high = AlertRule(
    name="LLMObservatorySpanIngestHigh",
    expr=f"sum(rate(otelcol_receiver_accepted_spans_total{{{JOB}}}[5m])) > 500000", for_="10m",
    severity="warning", summary="Collector ingest above 500k spans/s", labels=LABELS,
    description="The collectors accept {{ $value | humanize }} spans/s: above 500k spans/s the write-up runs "
                "10+ collector replicas.")
cpu_high = AlertRule(
    name="LLMObservatoryCollectorCPUHigh",
    expr=(f"sum(rate(container_cpu_usage_seconds_total{{{COLLECTOR}}}[5m]))\n"
          f'  / sum(kube_pod_container_resource_requests{{{COLLECTOR},resource="cpu"}}) > 0.7'),
    for_="15m", severity="warning", summary="Collector CPU above the autoscaler's 70% target", labels=LABELS,
    description="The collectors use {{ $value | humanizePercentage }} of their CPU requests, above the HPA's "
                "70% target for 15 minutes: the autoscaler is not keeping up.")
at_max = AlertRule(
    name="LLMObservatoryCollectorAtMaxReplicas",
    expr=(f"kube_horizontalpodautoscaler_status_current_replicas{{{HPA}}}\n"
          f"  >= kube_horizontalpodautoscaler_spec_max_replicas{{{HPA}}}"),
    for_="15m", severity="warning", summary="Collector autoscaler at its maximum", labels=LABELS,
    description="collector-hpa has run at its maximum of replicas for 15 minutes: raise maxReplicas "
                "(10 in the write-up) or scale the nodes.")
WRITE_P95 = ("histogram_quantile(0.95, sum by (le) "
             f"(rate(llm_observatory_storage_write_duration_seconds_bucket{{{JOB}}}[5m])))")
write_latency = AlertRule(
    name="LLMObservatoryStorageWriteLatencyHigh", expr=f"{WRITE_P95} > 0.5", for_="10m", severity="warning",
    summary="Storage write latency P95 above 0.5s", labels=LABELS,
    description="Storage writes take {{ $value | humanizeDuration }} at P95 (threshold 0.5s): scale the "
                "storage service.")
POOL = (f"max(llm_observatory_db_pool_connections_active{{{JOB}}})\n"
        f"  / max(llm_observatory_db_pool_connections_max{{{JOB}}})")
pool_high = AlertRule(
    name="LLMObservatoryDatabasePoolHigh", expr=f"{POOL} > 0.8", for_="10m", severity="warning",
    summary="Database connection pool above 80%", labels=LABELS,
    description="{{ $value | humanizePercentage }} of the storage service's database connections are in use "
                "(threshold 80% of DB_POOL_MAX_SIZE).")
pool_exhausted = AlertRule(
    name="LLMObservatoryDatabasePoolExhausted", expr=f"{POOL} >= 1", for_="2m", severity="critical",
    summary="Database connection pool exhausted", labels=LABELS,
    description="Every database connection of the storage service is in use: writes queue up.",
    runbook_url=f"{RUNBOOKS}/db-pool")

observatory = RuleGroup(name="llm-observatory", rules=(
    collector_down, spans_high, cpu_high, at_max, write_latency, pool_high, pool_exhausted))


# --- tests: just past and just short of each threshold ------------------------------------------
J = {"job": "llm-observatory"}
POD = {"namespace": "llm-observatory", "pod": "collector-6d5f-abcde", "container": "collector"}
H = {"namespace": "llm-observatory", "horizontalpodautoscaler": "collector-hpa"}


def _writes(le_counts: dict) -> list:
    return [Series("llm_observatory_storage_write_duration_seconds_bucket", {**J, "le": le}).count(30, n)
            for le, n in le_counts.items()]


def _pool(active: float) -> list:
    return [Series("llm_observatory_db_pool_connections_active", J).hold(20, active),
            Series("llm_observatory_db_pool_connections_max", J).hold(20, 50)]


def _cpu(cores_per_minute: float) -> list:
    return [Series("container_cpu_usage_seconds_total", POD).count(30, cores_per_minute * 60),
            Series("kube_pod_container_resource_requests", {**POD, "resource": "cpu"}).hold(30, 0.5)]


tests = [
    *firing_and_silent(collector_down, at="5m",
                       firing=[Series("up", {**J, "app": "collector", "instance": "10.4.0.1:8888"}).hold(10, 0)],
                       silent=[Series("up", {**J, "app": "collector", "instance": "10.4.0.1:8888"}).hold(10, 1)]),
    *firing_and_silent(spans_high, at="20m",
                       firing=[Series("otelcol_receiver_accepted_spans_total", J).count(30, 510000 * 60)],
                       silent=[Series("otelcol_receiver_accepted_spans_total", J).count(30, 490000 * 60)]),
    *firing_and_silent(cpu_high, at="25m", firing=_cpu(0.36), silent=_cpu(0.34)),   # 72 % vs 68 % of 0.5 cores
    *firing_and_silent(at_max, at="20m", labels=H,
                       firing=[Series("kube_horizontalpodautoscaler_status_current_replicas", H).hold(25, 10),
                               Series("kube_horizontalpodautoscaler_spec_max_replicas", H).hold(25, 10)],
                       silent=[Series("kube_horizontalpodautoscaler_status_current_replicas", H).hold(25, 9),
                               Series("kube_horizontalpodautoscaler_spec_max_replicas", H).hold(25, 10)]),
    *firing_and_silent(write_latency, at="20m",    # P95 in the 0.5-1 s bucket vs under 0.5 s
                       firing=_writes({"0.1": 80, "0.5": 94, "1": 100, "+Inf": 100}),
                       silent=_writes({"0.1": 80, "0.5": 96, "1": 100, "+Inf": 100})),
    *firing_and_silent(pool_high, at="15m", firing=_pool(41), silent=_pool(39)),
    *firing_and_silent(pool_exhausted, at="5m", firing=_pool(50), silent=_pool(49)),
]
