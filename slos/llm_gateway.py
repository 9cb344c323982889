"""LLM Inference Gateway (../shared/reference-deployments/llm-inference-gateway.md, section 6):
its alerts say errors stay under 5 % and P99 latency under 10 s. As SLOs: 95 % of requests succeed,
and 99 % of requests complete within 10 s, over 30 days, on the metrics those alerts read."""
from obskit import SLO, AlertingPolicy, presets

errors = SLO(
    service="llm-gateway",
    name="errors",
    objective=95.0,
    description="Share of gateway requests without a 5xx (the HighErrorRate alert's 5 % threshold).",
    sli=presets.prometheus_client_http_availability({"job": "llm-gateway"}),
    owner="gateway-team",
    runbook_url="https://runbooks.example.com/llm-gateway/errors",
    labels={"team": "gateway"},
    alerting=AlertingPolicy(min_events=100),
)

latency = SLO(
    service="llm-gateway",
    name="latency-p99",
    objective=99.0,
    description="99 % of gateway requests complete within 10 s (the HighLatency alert's P99 threshold).",
    sli=presets.prometheus_client_http_latency(10, {"job": "llm-gateway"}),
    owner="gateway-team",
    runbook_url="https://runbooks.example.com/llm-gateway/latency",
    labels={"team": "gateway"},
    alerting=AlertingPolicy(min_events=100),
)
