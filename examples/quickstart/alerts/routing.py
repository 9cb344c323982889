"""Where the quick-start's alerts go: SLO pages to the on-call webhook, tickets to the team's queue.

    obskit test examples/quickstart       # also routes these label sets through amtool
"""
from obskit.model.alertmanager import Alertmanager, Receiver, Route, RouteTest, Webhook

alertmanager = Alertmanager(
    route=Route(
        receiver="checkout-team",
        group_by=["alertname", "obskit_service", "obskit_slo"],
        routes=[Route(receiver="checkout-oncall", matchers=['obskit_service="checkout"', 'obskit_tier="page"'])],
    ),
    receivers=[
        Receiver(name="checkout-oncall", integrations=[Webhook(url="http://oncall.example.com/hooks/checkout")]),
        Receiver(name="checkout-team", integrations=[Webhook(url="http://tickets.example.com/hooks/checkout")]),
    ],
)

route_tests = [
    RouteTest(name="a checkout SLO page reaches the on-call webhook",
              labels={"alertname": "CheckoutAvailabilityBudgetBurn", "obskit_service": "checkout",
                      "obskit_slo": "availability", "obskit_tier": "page", "severity": "critical"},
              receivers=("checkout-oncall",)),
    RouteTest(name="a checkout SLO ticket goes to the team's queue",
              labels={"alertname": "CheckoutAvailabilityBudgetBurn", "obskit_service": "checkout",
                      "obskit_slo": "availability", "obskit_tier": "ticket", "severity": "warning"},
              receivers=("checkout-team",)),
]
