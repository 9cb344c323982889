from obskit import SLO, LatencySLI, RatioSLI

availability = SLO(
    service="api", name="availability", objective=99.9,
    description="Requests answered without a 5xx.",
    sli=RatioSLI(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}'),
    owner="api-team", runbook_url="https://runbooks.example.com/api",
)
latency = SLO(
    service="api", name="latency", objective=99.0,
    sli=LatencySLI(histogram='http_request_duration_seconds{job="api"}', threshold=0.5,
                   buckets=(0.1, 0.25, 0.5, 1.0)),
)
uptime = SLO(
    service="probe", name="uptime", objective=99.5, period="28d",
    sli=RatioSLI(total='probe_total{target="home"}', good='probe_success_total{target="home"}'),
)
