"""Two services of one team: each SLO's alerts must reach the team through the operator's tree."""
from obskit import SLO, presets

availability = SLO(
    service="checkout", name="availability", objective=99.9,
    sli=presets.prometheus_client_http_availability({"job": "checkout"}),
    runbook_url="https://runbooks.example.com/checkout/availability",
)

payments = SLO(
    service="payments", name="availability", objective=99.5,
    sli=presets.prometheus_client_http_availability({"job": "payments"}),
)
