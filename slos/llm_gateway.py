"""LLM Inference Gateway (docs/reference-deployments/llm-inference-gateway.md).

The write-up's explicit targets, over 30 days:

* availability 99.9 % ("High Availability (Production)": "Production workloads requiring 99.9%
  uptime"): share of requests answered without a 5xx;
* latency p95 < 2 s (the k6 load test's ``http_req_duration: ['p(95)<2000']``): 95 % of requests
  complete within 2 s. The gateway's histogram must have a 2 s bucket (obskit refuses a threshold
  that is no bucket boundary): :data:`GATEWAY_BUCKETS`, declared here, are the gateway's buckets
  (our assumption; the write-up's alerts and tests read 1, 5, 10 and 30 s too).

And the ones its section 6 alerts imply: errors under 5 % (95 % succeed) and P99 under 10 s
(99 % within 10 s), on the metrics those alerts read."""
from obskit import SLO, AlertingPolicy, presets

JOB = {"job": "llm-gateway"}
GATEWAY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
COMMON = dict(service="llm-gateway", owner="gateway-team", labels={"team": "gateway"},
              alerting=AlertingPolicy(min_events=100))

availability = SLO(
    name="availability",
    objective=99.9,
    description="99.9 % of gateway requests are answered without a 5xx (the write-up's uptime target).",
    sli=presets.prometheus_client_http_availability(JOB),
    runbook_url="https://runbooks.example.com/llm-gateway/availability",
    **COMMON,
)

latency_p95 = SLO(
    name="latency-p95",
    objective=95.0,
    description="p95 < 2 s: 95 % of gateway requests complete within 2 s (the k6 threshold).",
    sli=presets.prometheus_client_http_latency(2, JOB, buckets=GATEWAY_BUCKETS),
    runbook_url="https://runbooks.example.com/llm-gateway/latency",
    **COMMON,
)

errors = SLO(
    name="errors",
    objective=95.0,
    description="Share of gateway requests without a 5xx (the HighErrorRate alert's 5 % threshold).",
    sli=presets.prometheus_client_http_availability(JOB),
    runbook_url="https://runbooks.example.com/llm-gateway/errors",
    **COMMON,
)

latency = SLO(
    name="latency-p99",
    objective=99.0,
    description="99 % of gateway requests complete within 10 s (the HighLatency alert's P99 threshold).",
    sli=presets.prometheus_client_http_latency(10, JOB, buckets=GATEWAY_BUCKETS),
    runbook_url="https://runbooks.example.com/llm-gateway/latency",
    **COMMON,
)
