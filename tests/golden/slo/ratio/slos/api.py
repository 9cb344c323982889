from obskit import SLO, RatioSLI

availability = SLO(
    service="api", name="availability", objective=99.9,
    sli=RatioSLI(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}'),
    runbook_url="https://runbooks.example.com/api",
)
