"""LLM-Simulator (docs/reference-deployments/llm-simulator.md): its alert set, "30+ alert rules" in
7 categories (availability, performance, error rates, resources, queue depth, SLO compliance,
capacity), one rule group per category, with the thresholds of its "Key Metrics" table:

    availability < 99.9 % critical · error rate > 1 % warning, > 5 % critical · P95 > 3 s warning ·
    P99 > 5 s critical · CPU > 80 % warning · memory > 85 % warning · queue depth > 100 warning

and of its HPA (3-20 replicas; scale on P95 > 1 s, queue depth > 50, 100 RPS per pod), PDB (2 pods
minimum available) and SLO (99.9 %, 0.1 % monthly error budget; slos/llm_simulator.py).

Metric names: the write-up names none. These rules use the conventional ones: the service's own
``http_requests_total{status}`` and ``http_request_duration_seconds`` histogram (job
``llm-simulator``), ``llm_simulator_time_to_first_token_seconds`` (histogram),
``llm_simulator_queue_depth`` and ``llm_simulator_queue_capacity`` (gauges) for the simulator's own
metrics; kube-state-metrics and cAdvisor names for Kubernetes (namespace ``llm-devops``, from the
write-up's kubectl commands); the SLO's recorded ``slo:period_error_budget_remaining:ratio``.
Thresholds the write-up leaves open are marked "(our choice)".
"""
from obskit.model.rules import AlertRule, RuleGroup
from obskit.verify.alert_tests import firing_and_silent
from obskit.verify.series import Series

NS = "llm-devops"
JOB = {"job": "llm-simulator"}
K8S = f'namespace="{NS}",container="llm-simulator"'
REQS = 'http_requests_total{job="llm-simulator"}'
ERRORS = 'http_requests_total{job="llm-simulator",status=~"5.."}'
LATENCY = 'http_request_duration_seconds_bucket{job="llm-simulator"}'
HPA = f'namespace="{NS}",horizontalpodautoscaler="llm-simulator"'
SERVICE = {"service": "llm-simulator"}
RUNBOOKS = "https://runbooks.example.com/llm-simulator"

# --- 1. availability: uptime, restarts, replicas ----------------------------------------------------
instance_down = AlertRule(
    name="LLMSimulatorInstanceDown", expr='up{job="llm-simulator"} == 0', for_="1m", severity="critical",
    summary="LLM-Simulator instance down", labels=SERVICE,
    description="{{ $labels.instance }} has not answered the scrape for more than a minute.",
    runbook_url=f"{RUNBOOKS}/instance-down")
all_down = AlertRule(
    name="LLMSimulatorUnavailable", expr='absent(up{job="llm-simulator"} == 1)', for_="1m",
    severity="critical", summary="LLM-Simulator is down: no instance is up", labels=SERVICE,
    description="No llm-simulator target has been up for a minute: the service is unavailable.",
    runbook_url=f"{RUNBOOKS}/unavailable")
restarts = AlertRule(
    name="LLMSimulatorPodRestarting",
    expr=f"increase(kube_pod_container_status_restarts_total{{{K8S}}}[15m]) > 3",
    severity="warning", summary="LLM-Simulator pod restarting", labels=SERVICE,
    description="{{ $labels.pod }} restarted {{ $value | humanize }} times in 15 minutes (more than 3, our choice).")
replicas_below_pdb = AlertRule(
    name="LLMSimulatorReplicasBelowMinimum",
    expr=f'kube_deployment_status_replicas_available{{namespace="{NS}",deployment="llm-simulator"}} < 2',
    for_="5m", severity="critical", summary="Fewer than 2 LLM-Simulator replicas available", labels=SERVICE,
    description="Only {{ $value }} replicas are available; the PodDisruptionBudget requires 2.")
replicas_mismatch = AlertRule(
    name="LLMSimulatorReplicasMismatch",
    expr=(f'kube_deployment_spec_replicas{{namespace="{NS}",deployment="llm-simulator"}}\n'
          f'  != kube_deployment_status_replicas_available{{namespace="{NS}",deployment="llm-simulator"}}'),
    for_="15m", severity="warning", summary="LLM-Simulator replicas not all available", labels=SERVICE,
    description="Deployment {{ $labels.deployment }} has not had its desired replicas available for 15 minutes.")
pod_not_ready = AlertRule(
    name="LLMSimulatorPodNotReady",
    expr=(f'sum by (namespace, pod) (kube_pod_status_ready{{namespace="{NS}",pod=~"llm-simulator-.*",'
          f'condition="false"}}) > 0'),
    for_="5m", severity="warning", summary="LLM-Simulator pod not ready", labels=SERVICE,
    description="{{ $labels.pod }} has been not ready for 5 minutes.")

availability = RuleGroup(name="llm-simulator-availability", rules=(
    instance_down, all_down, restarts, replicas_below_pdb, replicas_mismatch, pod_not_ready))

# --- 2. performance: P95, P99, TTFT ------------------------------------------------------------------
p95 = AlertRule(
    name="LLMSimulatorHighLatencyP95",
    expr=f"histogram_quantile(0.95, sum by (le) (rate({LATENCY}[5m]))) > 3",
    for_="5m", severity="warning", summary="LLM-Simulator P95 latency above 3s", labels=SERVICE,
    description="P95 request latency is {{ $value | humanizeDuration }} (threshold 3s).")
p99 = AlertRule(
    name="LLMSimulatorHighLatencyP99",
    expr=f"histogram_quantile(0.99, sum by (le) (rate({LATENCY}[5m]))) > 5",
    for_="5m", severity="critical", summary="LLM-Simulator P99 latency above 5s", labels=SERVICE,
    description="P99 request latency is {{ $value | humanizeDuration }} (threshold 5s).")
ttft = AlertRule(
    name="LLMSimulatorHighTimeToFirstToken",
    expr=('histogram_quantile(0.95, sum by (le) (rate(llm_simulator_time_to_first_token_seconds_bucket'
          '{job="llm-simulator"}[5m]))) > 2'),
    for_="5m", severity="warning", summary="LLM-Simulator time to first token high", labels=SERVICE,
    description="P95 time to first token is {{ $value | humanizeDuration }} (threshold 2s, our choice).")
p95_scaling = AlertRule(
    name="LLMSimulatorLatencyAboveScalingTarget",
    expr=f"histogram_quantile(0.95, sum by (le) (rate({LATENCY}[5m]))) > 1",
    for_="15m", severity="info", summary="LLM-Simulator P95 latency above the autoscaler's 1s target",
    labels=SERVICE,
    description="P95 latency {{ $value | humanizeDuration }} has stayed above the HPA's 1s target for 15m.")

performance = RuleGroup(name="llm-simulator-performance", rules=(p95, p99, ttft, p95_scaling))

# --- 3. error rates: 5xx, no requests --------------------------------------------------------------
ERROR_RATIO = f"sum(rate({ERRORS}[5m])) / sum(rate({REQS}[5m]))"
error_warning = AlertRule(
    name="LLMSimulatorErrorRateHigh", expr=f"{ERROR_RATIO} > 0.01", for_="5m", severity="warning",
    summary="LLM-Simulator 5xx error rate above 1%", labels=SERVICE,
    description="{{ $value | humanizePercentage }} of requests fail with a 5xx (threshold 1%).")
error_critical = AlertRule(
    name="LLMSimulatorErrorRateCritical", expr=f"{ERROR_RATIO} > 0.05", for_="5m", severity="critical",
    summary="LLM-Simulator 5xx error rate above 5%", labels=SERVICE,
    description="{{ $value | humanizePercentage }} of requests fail with a 5xx (threshold 5%).",
    runbook_url=f"{RUNBOOKS}/error-rate")
no_requests = AlertRule(
    name="LLMSimulatorNoRequests", expr=f"(sum(rate({REQS}[10m])) or vector(0)) == 0", for_="10m",
    severity="warning", summary="LLM-Simulator receives no requests", labels=SERVICE,
    description="No request reached llm-simulator for 10 minutes.")
client_errors = AlertRule(
    name="LLMSimulatorClientErrorRateHigh",
    expr=f'sum(rate(http_requests_total{{job="llm-simulator",status=~"4.."}}[5m])) / sum(rate({REQS}[5m])) > 0.1',
    for_="15m", severity="info", summary="LLM-Simulator 4xx rate above 10%", labels=SERVICE,
    description="{{ $value | humanizePercentage }} of requests are rejected with a 4xx (threshold 10%, our choice).")

errors = RuleGroup(name="llm-simulator-errors", rules=(error_warning, error_critical, no_requests, client_errors))

# --- 4. resources: CPU, memory, OOM, throttling -----------------------------------------------------
CPU_LIMIT = f'kube_pod_container_resource_limits{{{K8S},resource="cpu"}}'
MEM_LIMIT = f'kube_pod_container_resource_limits{{{K8S},resource="memory"}}'
MEMORY_RATIO = (f"sum by (namespace, pod) (container_memory_working_set_bytes{{{K8S}}})\n"
                f"  / sum by (namespace, pod) ({MEM_LIMIT})")
cpu = AlertRule(
    name="LLMSimulatorHighCPU",
    expr=(f"sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{{{K8S}}}[5m]))\n"
          f"  / sum by (namespace, pod) ({CPU_LIMIT}) > 0.8"),
    for_="10m", severity="warning", summary="LLM-Simulator CPU above 80% of its limit", labels=SERVICE,
    description="{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its CPU limit (threshold 80%).")
memory = AlertRule(
    name="LLMSimulatorHighMemory", expr=f"{MEMORY_RATIO} > 0.85", for_="10m", severity="warning",
    summary="LLM-Simulator memory above 85% of its limit", labels=SERVICE,
    description="{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit (threshold 85%).")
memory_critical = AlertRule(
    name="LLMSimulatorMemoryNearLimit", expr=f"{MEMORY_RATIO} > 0.95", for_="5m", severity="critical",
    summary="LLM-Simulator memory about to hit its limit", labels=SERVICE,
    description="{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit "
                "(threshold 95%, our choice): the next allocation peak gets it OOM-killed.")
oom = AlertRule(
    name="LLMSimulatorOOMKilled",
    expr=(f'(kube_pod_container_status_last_terminated_reason{{{K8S},reason="OOMKilled"}} == 1)\n'
          f"  and on (namespace, pod, container)\n"
          f"(increase(kube_pod_container_status_restarts_total{{{K8S}}}[10m]) > 0)"),
    severity="warning", summary="LLM-Simulator container OOM-killed", labels=SERVICE,
    description="{{ $labels.pod }} was restarted after being OOM-killed in the last 10 minutes.")
throttling = AlertRule(
    name="LLMSimulatorCPUThrottled",
    expr=(f"sum by (namespace, pod) (rate(container_cpu_cfs_throttled_periods_total{{{K8S}}}[5m]))\n"
          f"  / sum by (namespace, pod) (rate(container_cpu_cfs_periods_total{{{K8S}}}[5m])) > 0.25"),
    for_="15m", severity="warning", summary="LLM-Simulator CPU throttled", labels=SERVICE,
    description="{{ $labels.pod }} is throttled in {{ $value | humanizePercentage }} of CPU periods "
                "(threshold 25%, our choice).")

resources = RuleGroup(name="llm-simulator-resources", rules=(cpu, memory, memory_critical, oom, throttling))

# --- 5. queue depth ----------------------------------------------------------------------------------
QUEUE = 'llm_simulator_queue_depth{job="llm-simulator"}'
queue_high = AlertRule(
    name="LLMSimulatorQueueDepthHigh", expr=f"{QUEUE} > 100", for_="5m", severity="warning",
    summary="LLM-Simulator request queue above 100", labels=SERVICE,
    description="{{ $labels.instance }} has {{ $value }} queued requests (threshold 100).")
queue_scaling = AlertRule(
    name="LLMSimulatorQueueAboveScalingTarget", expr=f"avg({QUEUE}) > 50", for_="10m", severity="info",
    summary="LLM-Simulator queue above the autoscaler's target", labels=SERVICE,
    description="The average queue depth {{ $value }} has stayed above the HPA's target of 50 for 10m.")
queue_saturated = AlertRule(
    name="LLMSimulatorQueueSaturated",
    expr=f'{QUEUE} / llm_simulator_queue_capacity{{job="llm-simulator"}} > 0.9', for_="2m",
    severity="critical", summary="LLM-Simulator request queue almost full", labels=SERVICE,
    description="{{ $labels.instance }}'s queue is {{ $value | humanizePercentage }} full (threshold 90%, "
                "our choice): new requests will be rejected.")
queue_growing = AlertRule(
    name="LLMSimulatorQueueGrowing", expr=f"delta({QUEUE}[15m]) > 50", for_="10m", severity="warning",
    summary="LLM-Simulator request queue keeps growing", labels=SERVICE,
    description="{{ $labels.instance }}'s queue grew by {{ $value }} in 15 minutes (threshold 50, our choice).")

queue = RuleGroup(name="llm-simulator-queue", rules=(queue_high, queue_scaling, queue_saturated, queue_growing))

# --- 6. SLO compliance: availability, latency, error budget ----------------------------------------
BUDGET = 'slo:period_error_budget_remaining:ratio{obskit_service="llm-simulator",obskit_slo="availability"}'
availability_slo = AlertRule(
    name="LLMSimulatorAvailabilityBelowObjective",
    expr=(f'sum(rate(http_requests_total{{job="llm-simulator",status!~"5.."}}[1h]))\n'
          f"  / sum(rate({REQS}[1h])) < 0.999"),
    for_="5m", severity="critical", summary="LLM-Simulator availability below 99.9%", labels=SERVICE,
    description="Availability over the last hour is {{ $value | humanizePercentage }} (objective 99.9%).",
    runbook_url=f"{RUNBOOKS}/availability")
latency_slo = AlertRule(
    name="LLMSimulatorLatencyObjectiveMissed",
    expr=f"histogram_quantile(0.95, sum by (le) (rate({LATENCY}[1h]))) > 3",
    for_="15m", severity="warning", summary="LLM-Simulator misses its P95 < 3s objective", labels=SERVICE,
    description="P95 latency over the last hour is {{ $value | humanizeDuration }} (objective 3s).")
budget_low = AlertRule(
    name="LLMSimulatorErrorBudgetLow", expr=f"{BUDGET} < 0.25", for_="15m", severity="warning",
    summary="LLM-Simulator has used 75% of its error budget", labels=SERVICE,
    description="{{ $value | humanizePercentage }} of the 30-day error budget is left (threshold 25%, our choice).")
budget_exhausted = AlertRule(
    name="LLMSimulatorErrorBudgetExhausted", expr=f"{BUDGET} <= 0", for_="5m", severity="critical",
    summary="LLM-Simulator error budget exhausted", labels=SERVICE,
    description="The 0.1% monthly error budget is spent ({{ $value | humanizePercentage }} left).")

slo = RuleGroup(name="llm-simulator-slo", rules=(availability_slo, latency_slo, budget_low, budget_exhausted))

# --- 7. capacity: near max replicas, scaling stuck -------------------------------------------------
REPLICA_RATIO = (f"kube_horizontalpodautoscaler_status_current_replicas{{{HPA}}}\n"
                 f"  / kube_horizontalpodautoscaler_spec_max_replicas{{{HPA}}}")
near_max = AlertRule(
    name="LLMSimulatorNearMaxReplicas", expr=f"{REPLICA_RATIO} >= 0.9", for_="15m", severity="warning",
    summary="LLM-Simulator autoscaler near its maximum", labels=SERVICE,
    description="The HPA runs {{ $value | humanizePercentage }} of its maximum of 20 replicas.")
at_max = AlertRule(
    name="LLMSimulatorAtMaxReplicas", expr=f"{REPLICA_RATIO} >= 1", for_="15m", severity="critical",
    summary="LLM-Simulator autoscaler at its maximum", labels=SERVICE,
    description="The HPA has run its maximum replicas for 15 minutes: it cannot absorb more load.")
scaling_stuck = AlertRule(
    name="LLMSimulatorScalingStuck",
    expr=(f"kube_horizontalpodautoscaler_status_desired_replicas{{{HPA}}}\n"
          f"  != kube_horizontalpodautoscaler_status_current_replicas{{{HPA}}}"),
    for_="15m", severity="warning", summary="LLM-Simulator autoscaling stuck", labels=SERVICE,
    description="The HPA has wanted a different replica count than it runs for 15 minutes.")
rps_per_pod = AlertRule(
    name="LLMSimulatorRequestsAboveScalingTarget",
    expr=f'sum(rate({REQS}[5m])) / count(up{{job="llm-simulator"}} == 1) > 100', for_="15m",
    severity="info", summary="LLM-Simulator above 100 requests/s per pod", labels=SERVICE,
    description="Each instance serves {{ $value | humanize }} requests/s, above the HPA's target of 100.")

capacity = RuleGroup(name="llm-simulator-capacity", rules=(near_max, at_max, scaling_stuck, rps_per_pod))


# --- tests: each alert fires just past its threshold and stays silent just short of it --------------
def _s(metric: str, labels: dict) -> Series:
    return Series(metric, labels)


def _requests(ok: float, errors: float, steps: int = 30, status_err: str = "500") -> list:
    return [_s("http_requests_total", {**JOB, "status": "200"}).count(steps, ok),
            _s("http_requests_total", {**JOB, "status": status_err}).count(steps, errors)]


def _histogram(metric: str, le_counts: dict, steps: int = 30) -> list:
    return [_s(metric, {**JOB, "le": le}).count(steps, n) for le, n in le_counts.items()]


def _latency(le_counts: dict, steps: int = 30) -> list:
    return _histogram("http_request_duration_seconds_bucket", le_counts, steps)


INSTANCE = {**JOB, "instance": "10.1.0.5:8080"}
INSTANCE2 = {**JOB, "instance": "10.1.0.6:8080"}
POD = {"namespace": NS, "pod": "llm-simulator-6c9f-x2k4q", "container": "llm-simulator"}
POD_KEY = {"namespace": NS, "pod": POD["pod"]}
DEPLOY = {"namespace": NS, "deployment": "llm-simulator"}
HPA_LABELS = {"namespace": NS, "horizontalpodautoscaler": "llm-simulator"}
BUDGET_LABELS = {"obskit_service": "llm-simulator", "obskit_slo": "availability", "team": "platform-sre"}


def _pod_pair(metric_a, a, metric_b, b, steps=25, labels_b=None, counter=False):
    sa = _s(metric_a, POD)
    sb = _s(metric_b, labels_b or POD)
    return [sa.count(steps, a) if counter else sa.hold(steps, a), sb.hold(steps, b)]


def _hpa(current, other_metric, other, steps=25):
    return [_s("kube_horizontalpodautoscaler_status_current_replicas", HPA_LABELS).hold(steps, current),
            _s(other_metric, HPA_LABELS).hold(steps, other)]


tests = [
    # availability
    *firing_and_silent(instance_down, at="5m", labels=INSTANCE,
                       firing=[_s("up", INSTANCE).hold(10, 0)], silent=[_s("up", INSTANCE).hold(10, 1)]),
    *firing_and_silent(all_down, at="5m",
                       firing=[_s("up", INSTANCE).hold(10, 0), _s("up", INSTANCE2).hold(10, 0)],
                       silent=[_s("up", INSTANCE).hold(10, 0), _s("up", INSTANCE2).hold(10, 1)]),
    *firing_and_silent(restarts, at="20m", labels=POD,   # 4.5 vs 2.25 restarts in 15m
                       firing=[_s("kube_pod_container_status_restarts_total", POD).count(25, 0.3)],
                       silent=[_s("kube_pod_container_status_restarts_total", POD).count(25, 0.15)]),
    *firing_and_silent(replicas_below_pdb, at="10m", labels=DEPLOY,
                       firing=[_s("kube_deployment_status_replicas_available", DEPLOY).hold(15, 1)],
                       silent=[_s("kube_deployment_status_replicas_available", DEPLOY).hold(15, 2)]),
    *firing_and_silent(replicas_mismatch, at="20m", labels=DEPLOY,
                       firing=[_s("kube_deployment_spec_replicas", DEPLOY).hold(25, 5),
                               _s("kube_deployment_status_replicas_available", DEPLOY).hold(25, 4)],
                       silent=[_s("kube_deployment_spec_replicas", DEPLOY).hold(25, 5),
                               _s("kube_deployment_status_replicas_available", DEPLOY).hold(25, 5)]),
    *firing_and_silent(pod_not_ready, at="10m", labels=POD_KEY,
                       firing=[_s("kube_pod_status_ready", {**POD_KEY, "condition": "false"}).hold(15, 1)],
                       silent=[_s("kube_pod_status_ready", {**POD_KEY, "condition": "false"}).hold(15, 0)]),
    # performance (per-minute counts per bucket: the quantile lands just above / below the threshold)
    *firing_and_silent(p95, at="20m",
                       firing=_latency({"1": 80, "2.5": 90, "5": 100, "10": 100, "+Inf": 100}),
                       silent=_latency({"1": 80, "2.5": 94, "5": 100, "10": 100, "+Inf": 100})),
    *firing_and_silent(p99, at="20m",
                       firing=_latency({"1": 80, "2.5": 94, "5": 98, "10": 100, "+Inf": 100}),
                       silent=_latency({"1": 80, "2.5": 94, "5": 99.2, "10": 100, "+Inf": 100})),
    *firing_and_silent(ttft, at="20m",
                       firing=_histogram("llm_simulator_time_to_first_token_seconds_bucket",
                                         {"1": 80, "2": 90, "5": 100, "+Inf": 100}),
                       silent=_histogram("llm_simulator_time_to_first_token_seconds_bucket",
                                         {"1": 80, "2": 96, "5": 100, "+Inf": 100})),
    *firing_and_silent(p95_scaling, at="25m",
                       firing=_latency({"0.5": 50, "1": 80, "2.5": 100, "+Inf": 100}),
                       silent=_latency({"0.5": 50, "1": 96, "2.5": 100, "+Inf": 100})),
    # error rates
    *firing_and_silent(error_warning, at="20m", firing=_requests(98.8, 1.2), silent=_requests(99.2, 0.8)),
    *firing_and_silent(error_critical, at="20m", firing=_requests(94, 6), silent=_requests(96, 4)),
    *firing_and_silent(no_requests, at="25m", firing=_requests(0, 0), silent=_requests(10, 0)),
    *firing_and_silent(client_errors, at="25m", firing=_requests(88, 12, status_err="429"),
                       silent=_requests(92, 8, status_err="429")),
    # resources (CPU: seconds used per minute vs a 1-core limit; memory vs a 1 GB limit)
    *firing_and_silent(cpu, at="20m", labels=POD_KEY,
                       firing=_pod_pair("container_cpu_usage_seconds_total", 51, "kube_pod_container_resource_limits",
                                        1, labels_b={**POD, "resource": "cpu"}, counter=True),
                       silent=_pod_pair("container_cpu_usage_seconds_total", 45, "kube_pod_container_resource_limits",
                                        1, labels_b={**POD, "resource": "cpu"}, counter=True)),
    *firing_and_silent(memory, at="15m", labels=POD_KEY,
                       firing=_pod_pair("container_memory_working_set_bytes", 880e6,
                                        "kube_pod_container_resource_limits", 1e9, labels_b={**POD, "resource": "memory"}),
                       silent=_pod_pair("container_memory_working_set_bytes", 820e6,
                                        "kube_pod_container_resource_limits", 1e9, labels_b={**POD, "resource": "memory"})),
    *firing_and_silent(memory_critical, at="10m", labels=POD_KEY,
                       firing=_pod_pair("container_memory_working_set_bytes", 970e6,
                                        "kube_pod_container_resource_limits", 1e9, labels_b={**POD, "resource": "memory"}),
                       silent=_pod_pair("container_memory_working_set_bytes", 930e6,
                                        "kube_pod_container_resource_limits", 1e9, labels_b={**POD, "resource": "memory"})),
    *firing_and_silent(oom, at="10m", labels={**POD, "reason": "OOMKilled"},
                       firing=[_s("kube_pod_container_status_last_terminated_reason", {**POD, "reason": "OOMKilled"}).hold(15, 1),
                               _s("kube_pod_container_status_restarts_total", POD).hold(6, 1).hold(9, 2)],
                       silent=[_s("kube_pod_container_status_last_terminated_reason", {**POD, "reason": "OOMKilled"}).hold(15, 1),
                               _s("kube_pod_container_status_restarts_total", POD).hold(15, 2)]),
    *firing_and_silent(throttling, at="25m", labels=POD_KEY,
                       firing=[_s("container_cpu_cfs_throttled_periods_total", POD).count(30, 30),
                               _s("container_cpu_cfs_periods_total", POD).count(30, 100)],
                       silent=[_s("container_cpu_cfs_throttled_periods_total", POD).count(30, 20),
                               _s("container_cpu_cfs_periods_total", POD).count(30, 100)]),
    # queue depth
    *firing_and_silent(queue_high, at="10m", labels=INSTANCE,
                       firing=[_s("llm_simulator_queue_depth", INSTANCE).hold(15, 110)],
                       silent=[_s("llm_simulator_queue_depth", INSTANCE).hold(15, 100)]),
    *firing_and_silent(queue_scaling, at="15m",
                       firing=[_s("llm_simulator_queue_depth", INSTANCE).hold(20, 60),
                               _s("llm_simulator_queue_depth", INSTANCE2).hold(20, 50)],
                       silent=[_s("llm_simulator_queue_depth", INSTANCE).hold(20, 50),
                               _s("llm_simulator_queue_depth", INSTANCE2).hold(20, 40)]),
    *firing_and_silent(queue_saturated, at="5m", labels=INSTANCE,
                       firing=[_s("llm_simulator_queue_depth", INSTANCE).hold(10, 95),
                               _s("llm_simulator_queue_capacity", INSTANCE).hold(10, 100)],
                       silent=[_s("llm_simulator_queue_depth", INSTANCE).hold(10, 85),
                               _s("llm_simulator_queue_capacity", INSTANCE).hold(10, 100)]),
    *firing_and_silent(queue_growing, at="30m", labels=INSTANCE,   # +75 vs +30 in 15m
                       firing=[_s("llm_simulator_queue_depth", INSTANCE).count(35, 5)],
                       silent=[_s("llm_simulator_queue_depth", INSTANCE).count(35, 2)]),
    # SLO compliance (the budget alerts read the SLO's recorded series, given here as input)
    *firing_and_silent(availability_slo, at="75m",   # 99.8 % vs 99.95 % over 1h
                       firing=_requests(998, 2, steps=80), silent=_requests(999.5, 0.5, steps=80)),
    *firing_and_silent(latency_slo, at="80m",
                       firing=_latency({"1": 80, "2.5": 90, "5": 100, "+Inf": 100}, steps=85),
                       silent=_latency({"1": 80, "2.5": 94, "5": 100, "+Inf": 100}, steps=85)),
    *firing_and_silent(budget_low, at="20m", labels=BUDGET_LABELS,
                       firing=[_s("slo:period_error_budget_remaining:ratio", BUDGET_LABELS).hold(25, 0.2)],
                       silent=[_s("slo:period_error_budget_remaining:ratio", BUDGET_LABELS).hold(25, 0.3)]),
    *firing_and_silent(budget_exhausted, at="10m", labels=BUDGET_LABELS,
                       firing=[_s("slo:period_error_budget_remaining:ratio", BUDGET_LABELS).hold(15, -0.05)],
                       silent=[_s("slo:period_error_budget_remaining:ratio", BUDGET_LABELS).hold(15, 0.01)]),
    # capacity (max 20 replicas)
    *firing_and_silent(near_max, at="20m", labels=HPA_LABELS,
                       firing=_hpa(18, "kube_horizontalpodautoscaler_spec_max_replicas", 20),
                       silent=_hpa(17, "kube_horizontalpodautoscaler_spec_max_replicas", 20)),
    *firing_and_silent(at_max, at="20m", labels=HPA_LABELS,
                       firing=_hpa(20, "kube_horizontalpodautoscaler_spec_max_replicas", 20),
                       silent=_hpa(19, "kube_horizontalpodautoscaler_spec_max_replicas", 20)),
    *firing_and_silent(scaling_stuck, at="20m", labels=HPA_LABELS,
                       firing=_hpa(5, "kube_horizontalpodautoscaler_status_desired_replicas", 8),
                       silent=_hpa(5, "kube_horizontalpodautoscaler_status_desired_replicas", 5)),
    *firing_and_silent(rps_per_pod, at="25m",   # 2 pods; 110 vs 90 requests/s each
                       firing=[*_requests(13200, 0), _s("up", INSTANCE).hold(30, 1), _s("up", INSTANCE2).hold(30, 1)],
                       silent=[*_requests(10800, 0), _s("up", INSTANCE).hold(30, 1), _s("up", INSTANCE2).hold(30, 1)]),
]
