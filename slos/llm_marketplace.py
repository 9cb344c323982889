"""LLM Marketplace (docs/reference-deployments/llm-marketplace.md, section 6 and "Success
metrics"): 99.95 % uptime for the API, p95 latency under 200 ms.

The API is served through ingress-nginx, whose request counter is the availability SLI. The latency
objective "p95 < 200 ms" is the latency SLI "95 % of requests faster than 0.2 s"; the services'
`http_request_duration_seconds` histograms must have a 0.2 s bucket (obskit refuses a threshold that
is no bucket boundary), declared here.
"""
from obskit import SLO, AlertingPolicy, LatencySLI, presets

MARKETPLACE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0)

api_availability = SLO(
    service="llm-marketplace",
    name="api-availability",
    objective=99.95,
    description="Share of marketplace API requests through the ingress answered without a 5xx.",
    sli=presets.nginx_ingress_availability({"ingress": "llm-marketplace-api"}),
    owner="marketplace-team",
    runbook_url="https://runbooks.example.com/llm-marketplace/api-availability",
    labels={"team": "marketplace"},
    alerting=AlertingPolicy(min_events=100),
)

api_latency = SLO(
    service="llm-marketplace",
    name="api-latency",
    objective=95.0,
    description="p95 latency under 200 ms: 95 % of API requests complete within 0.2 s.",
    sli=LatencySLI(
        histogram='http_request_duration_seconds{namespace="llm-marketplace"}',
        threshold=0.2,
        buckets=MARKETPLACE_BUCKETS,
    ),
    owner="marketplace-team",
    runbook_url="https://runbooks.example.com/llm-marketplace/api-latency",
    labels={"team": "marketplace"},
    alerting=AlertingPolicy(min_events=100),
)
