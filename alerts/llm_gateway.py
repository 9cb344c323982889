"""LLM Inference Gateway: the six alert rules of section 6 ("Prometheus Alerts",
docs/reference-deployments/llm-inference-gateway.md), thresholds, `for` durations, severities
and the group's 30s interval as written there.

One deliberate change: HighErrorRate's description read ``for {{ $labels.instance }}``, but its query
sums over every instance, so the label is always empty (obskit's lint reports it as
``template-label-missing``). The description names the job instead.

Each alert has a test that fires it and one that keeps it silent, with series just past and just
short of its threshold (``obskit test``).
"""
from obskit.model.rules import AlertRule, RuleGroup
from obskit.verify.alert_tests import firing_and_silent
from obskit.verify.series import Series

JOB = {"job": "llm-gateway"}
RUNBOOKS = "https://runbooks.example.com/llm-gateway"

high_error_rate = AlertRule(
    name="HighErrorRate",
    expr="""
(
  sum(rate(http_requests_total{job="llm-gateway",status=~"5.."}[5m]))
  /
  sum(rate(http_requests_total{job="llm-gateway"}[5m]))
) > 0.05""",
    for_="5m",
    severity="critical",
    summary="High error rate detected",
    description="Error rate is {{ $value | humanizePercentage }} for job llm-gateway",
    runbook_url=f"{RUNBOOKS}/high-error-rate",
)

high_latency = AlertRule(
    name="HighLatency",
    expr="""
histogram_quantile(0.99,
  sum(rate(http_request_duration_seconds_bucket{job="llm-gateway"}[5m])) by (le)
) > 10""",
    for_="10m",
    severity="warning",
    summary="High request latency",
    description="P99 latency is {{ $value }}s",
    runbook_url=f"{RUNBOOKS}/high-latency",
)

pod_down = AlertRule(
    name="PodDown",
    expr='up{job="llm-gateway"} == 0',
    for_="2m",
    severity="critical",
    summary="Pod is down",
    description="Pod {{ $labels.instance }} is down",
)

high_memory = AlertRule(
    name="HighMemoryUsage",
    expr="""
(
  container_memory_working_set_bytes{pod=~"llm-gateway-.*"}
  /
  container_spec_memory_limit_bytes{pod=~"llm-gateway-.*"}
) > 0.9""",
    for_="5m",
    severity="warning",
    summary="High memory usage",
    description="Memory usage is {{ $value | humanizePercentage }} for {{ $labels.pod }}",
)

provider_unhealthy = AlertRule(
    name="ProviderUnhealthy",
    expr='llm_provider_health_status{job="llm-gateway"} == 0',
    for_="3m",
    severity="warning",
    summary="LLM Provider unhealthy",
    description="Provider {{ $labels.provider }} is unhealthy",
)

rate_limit_exceeded = AlertRule(
    name="RateLimitExceeded",
    expr='rate(llm_provider_rate_limit_exceeded_total{job="llm-gateway"}[5m]) > 10',
    for_="5m",
    severity="warning",
    summary="Rate limits frequently exceeded",
    description="Provider {{ $labels.provider }} rate limits exceeded {{ $value }} times/sec",
)

gateway = RuleGroup(
    name="llm-gateway",
    interval="30s",
    rules=(high_error_rate, high_latency, pod_down, high_memory, provider_unhealthy, rate_limit_exceeded),
)


# --- tests: series at 1m steps; each alert fires just above its threshold, stays silent just below --
def _requests(status: str, per_minute: float) -> Series:
    return Series("http_requests_total", {**JOB, "status": status}).count(30, per_minute)


def _latency(le_counts) -> list:
    """Cumulative bucket counters from {le: requests per minute at or under le}."""
    return [Series("http_request_duration_seconds_bucket", {**JOB, "le": le}).count(30, n)
            for le, n in le_counts.items()]


POD = {"namespace": "llm-gateway", "pod": "llm-gateway-7d9f-abcde", "container": "gateway"}
INSTANCE = {**JOB, "instance": "10.0.0.12:8080"}
PROVIDER = {**JOB, "provider": "openai"}

tests = [
    # 6 % of requests fail vs 4 %
    *firing_and_silent(high_error_rate, at="20m",
                       firing=[_requests("500", 6), _requests("200", 94)],
                       silent=[_requests("500", 4), _requests("200", 96)]),
    # 2 % of requests take 10-30 s (P99 ≈ 20 s) vs 0.5 % (P99 inside the 5-10 s bucket)
    *firing_and_silent(high_latency, at="25m",
                       firing=_latency({"1": 90, "5": 95, "10": 98, "30": 100, "+Inf": 100}),
                       silent=_latency({"1": 90, "5": 95, "10": 99.5, "30": 100, "+Inf": 100})),
    *firing_and_silent(pod_down, at="5m", labels=INSTANCE,
                       firing=[Series("up", INSTANCE).hold(10, 0)],
                       silent=[Series("up", INSTANCE).hold(10, 1)]),
    # working set 92 % vs 88 % of the limit
    *firing_and_silent(high_memory, at="10m", labels=POD,
                       firing=[Series("container_memory_working_set_bytes", POD).hold(15, 920e6),
                               Series("container_spec_memory_limit_bytes", POD).hold(15, 1e9)],
                       silent=[Series("container_memory_working_set_bytes", POD).hold(15, 880e6),
                               Series("container_spec_memory_limit_bytes", POD).hold(15, 1e9)]),
    *firing_and_silent(provider_unhealthy, at="6m", labels=PROVIDER,
                       firing=[Series("llm_provider_health_status", PROVIDER).hold(10, 0)],
                       silent=[Series("llm_provider_health_status", PROVIDER).hold(10, 1)]),
    # 11 vs 9 rate-limit rejections per second
    *firing_and_silent(rate_limit_exceeded, at="15m", labels=PROVIDER,
                       firing=[Series("llm_provider_rate_limit_exceeded_total", PROVIDER).count(20, 660)],
                       silent=[Series("llm_provider_rate_limit_exceeded_total", PROVIDER).count(20, 540)]),
]
