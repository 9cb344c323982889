"""A quick-start project: one availability SLO, one latency SLO and a scenario test.

    obskit build examples/quickstart      # writes examples/quickstart/build/
    obskit test examples/quickstart       # proves the alerts with promtool
"""
from obskit import SLO, At, SLOScenario, healthy, outage, presets

availability = SLO(
    service="checkout",
    name="availability",
    objective=99.9,
    description="Checkout requests answered without a 5xx.",
    sli=presets.otel_http_availability({"service_name": "checkout"}),
    runbook_url="https://runbooks.example.com/checkout/availability",
)

latency = SLO(
    service="checkout",
    name="latency",
    objective=99.0,
    description="Checkout requests faster than 500 ms.",
    sli=presets.otel_http_latency(0.5, {"service_name": "checkout"}),
)

# A 15-minute outage after a healthy night pages within two minutes. It also opens a ticket (15 min
# of errors is 12.5 % of the 2h window): Alertmanager inhibits that ticket while the page fires. The
# page stops once the 30-minute window no longer sees the outage; the ticket stays for the 2h window.
short_outage = SLOScenario(
    name="a 15 minute outage pages, then clears",
    slo=availability,
    phases=(healthy("7h"), outage("15m"), healthy("1h")),
    expect=(
        At(time="7h"),
        At(time="7h2m", firing=("page", "ticket")),
        At(time="7h15m", firing=("page", "ticket")),
        At(time="7h50m", firing=("ticket",)),
        At(time="7h59m", firing=("ticket",)),
    ),
)
