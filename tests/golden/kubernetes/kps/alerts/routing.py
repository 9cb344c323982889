"""The team's routing: pages to the on-call, payments tickets to its own channel, the rest to the team."""
from obskit.model.alertmanager import Alertmanager, Receiver, Route, RouteTest, Secret, Slack, Webhook

alertmanager = Alertmanager(
    route=Route(
        receiver="checkout-team", group_by=["alertname", "obskit_service"],
        routes=[
            Route(receiver="checkout-oncall", matchers=['severity="critical"']),
            Route(receiver="payments-team", matchers=['obskit_service="payments"']),
        ],
    ),
    receivers=[
        Receiver(name="checkout-oncall", integrations=[Webhook(url="http://oncall.example.com/hooks/checkout")]),
        Receiver(name="checkout-team", integrations=[Slack(api_url=Secret(name="slack", key="url"),
                                                           channel="#checkout")]),
        Receiver(name="payments-team", integrations=[Slack(api_url=Secret(name="slack", key="url"),
                                                           channel="#payments")]),
    ],
)

route_tests = [
    RouteTest(name="a checkout page reaches the on-call",
              labels={"alertname": "CheckoutAvailabilityBudgetBurn", "obskit_service": "checkout",
                      "obskit_tier": "page", "severity": "critical"},
              receivers=("checkout-oncall",)),
    RouteTest(name="a payments ticket goes to the payments channel",
              labels={"alertname": "PaymentsAvailabilityBudgetBurn", "obskit_service": "payments",
                      "obskit_tier": "ticket", "severity": "warning"},
              receivers=("payments-team",)),
    RouteTest(name="a crash-looping pod goes to the team",
              labels={"alertname": "CheckoutPodCrashLooping", "service": "checkout", "severity": "warning"},
              receivers=("checkout-team",)),
]
