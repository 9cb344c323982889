"""LLM-Simulator (docs/reference-deployments/llm-simulator.md, "Operational Excellence"):
availability SLO 99.9 % ("3 nines"), error budget 0.1 % per month."""
from obskit import SLO, AlertingPolicy, presets

availability = SLO(
    service="llm-simulator",
    name="availability",
    objective=99.9,
    period="30d",
    description="Share of simulator API requests answered without a 5xx error.",
    sli=presets.prometheus_client_http_availability({"job": "llm-simulator"}),
    owner="platform-sre",
    runbook_url="https://runbooks.example.com/llm-simulator/availability",
    labels={"team": "platform-sre"},
    alerting=AlertingPolicy(min_events=100),
)
