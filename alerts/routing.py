"""Alertmanager routing of the reference deployments (docs/reference-deployments/), one
configuration for the repository, routed by service:

- llm-simulator.md, "Alert Flow": Slack (immediate), PagerDuty (critical only), email (all alerts),
  webhook (custom integrations).
- llm-inference-gateway.md, section 6 "Alert Manager Configuration": group by alertname, cluster,
  service; group_wait 10s, group_interval 10s, repeat_interval 12h; default receiver Slack
  #llm-gateway-alerts; critical → PagerDuty with continue; warning → Slack.
- llm-marketplace.md, section 6 "Alerting": critical → PagerDuty, warnings → Slack
  (#llm-marketplace-ops).
- high-production-deployment.md ("configure alerts in Grafana") and llm-observatory.md name no
  receivers: critical → PagerDuty, the rest → Slack (#high-production-alerts, #llm-observatory-alerts)
  is our choice, the same shape as the marketplace's.

Which platform an alert belongs to: every platform's Prometheus sets a ``cluster`` external label
(telemetry/: ``llm-simulator``, ``llm-gateway-prod`` as in the gateway write-up, ``llm-marketplace``,
``high-production``, ``llm-observatory``); alerts evaluated elsewhere (a central ruler, Loki's ruler)
are recognised by their rule labels (the simulator's and gateway's ``service``, the marketplace's
``product``) or, for SLO alerts, ``obskit_service``. ``obskit routes`` lists where every alert of the
project goes (amtool's routing of the labels each server sends); the build refuses an alert that
reaches only the default receiver. Alertmanager cannot
OR labels in one route, so each platform has one route per selector, with the same children; the first
that matches takes the alert.
Secrets are references to the Kubernetes Secret ``alertmanager-receivers``, never literals.
"""
from obskit.model.alertmanager import (
    Alertmanager, Email, GlobalConfig, PagerDuty, Receiver, Route, RouteTest, Secret, Slack, Template, Webhook,
)

SECRET = "alertmanager-receivers"

#: how each platform's alerts are recognised: (label, value) selectors, tried in order
PLATFORMS = {
    "llm-simulator": (("cluster", "llm-simulator"), ("service", "llm-simulator"), ("obskit_service", "llm-simulator")),
    "llm-gateway": (("cluster", "llm-gateway-prod"), ("service", "llm-gateway"), ("obskit_service", "llm-gateway")),
    "llm-marketplace": (("cluster", "llm-marketplace"), ("product", "llm-marketplace"),
                        ("obskit_service", "llm-marketplace")),
    "high-production": (("cluster", "high-production"), ("service", "validation-api")),
    "llm-observatory": (("cluster", "llm-observatory"), ("service", "llm-observatory"),
                        ("obskit_service", "llm-observatory")),
}


def per_platform(platform: str, **route) -> tuple:
    """The same subtree under each of the platform's selectors."""
    return tuple(Route(matchers={label: value}, **route) for label, value in PLATFORMS[platform])


templates = Template(name="obskit", text='''\
{{ define "obskit.slack.title" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .GroupLabels.alertname }}{{ end }}
{{ define "obskit.description" }}{{ range .Alerts }}{{ .Annotations.description }}
{{ end }}{{ end }}
''')

receivers = [
    Receiver(name="default", integrations=[Slack(channel="#alerts", title='{{ template "obskit.slack.title" . }}',
                                                 text='{{ template "obskit.description" . }}')]),
    # llm-simulator
    Receiver(name="llm-simulator-slack", integrations=[Slack(
        channel="#llm-simulator-alerts", title='{{ template "obskit.slack.title" . }}',
        text='{{ template "obskit.description" . }}', send_resolved=True)]),
    Receiver(name="llm-simulator-pagerduty", integrations=[PagerDuty(
        routing_key=Secret(name=SECRET, key="llm-simulator-pagerduty-routing-key"),
        description='{{ .GroupLabels.alertname }}', severity="critical")]),
    Receiver(name="llm-simulator-email", integrations=[Email(to="llm-simulator-oncall@example.com",
                                                             send_resolved=True)]),
    Receiver(name="llm-simulator-webhook", integrations=[Webhook(
        url="http://alert-integrations.llm-simulator.svc:8080/alertmanager", max_alerts=50)]),
    # llm-inference-gateway, section 6
    Receiver(name="llm-gateway-default", integrations=[Slack(
        channel="#llm-gateway-alerts", title="LLM Gateway Alert",
        text="{{ range .Alerts }}{{ .Annotations.description }}{{ end }}")]),
    Receiver(name="llm-gateway-slack", integrations=[Slack(
        channel="#llm-gateway-alerts", title="{{ .GroupLabels.alertname }}",
        text="{{ range .Alerts }}{{ .Annotations.description }}{{ end }}")]),
    Receiver(name="llm-gateway-pagerduty", integrations=[PagerDuty(
        service_key=Secret(name=SECRET, key="llm-gateway-pagerduty-service-key"),
        description="{{ .GroupLabels.alertname }}")]),
    # llm-marketplace, section 6
    Receiver(name="llm-marketplace-pagerduty", integrations=[PagerDuty(
        routing_key=Secret(name=SECRET, key="llm-marketplace-pagerduty-routing-key"),
        description='{{ .GroupLabels.alertname }}')]),
    Receiver(name="llm-marketplace-slack", integrations=[Slack(
        channel="#llm-marketplace-ops", title='{{ template "obskit.slack.title" . }}',
        text='{{ template "obskit.description" . }}')]),
    # high-production and llm-observatory (receivers our choice, see above)
    *(r for platform in ("high-production", "llm-observatory") for r in (
        Receiver(name=f"{platform}-pagerduty", integrations=[PagerDuty(
            routing_key=Secret(name=SECRET, key=f"{platform}-pagerduty-routing-key"),
            description='{{ .GroupLabels.alertname }}')]),
        Receiver(name=f"{platform}-slack", integrations=[Slack(
            channel=f"#{platform}-alerts", title='{{ template "obskit.slack.title" . }}',
            text='{{ template "obskit.description" . }}', send_resolved=True)]),
    )),
]

simulator = per_platform(
    "llm-simulator", receiver="llm-simulator-slack",
    routes=[
        Route(receiver="llm-simulator-pagerduty", matchers=['severity="critical"'], continue_=True),
        Route(receiver="llm-simulator-email", continue_=True),             # email: all alerts
        Route(receiver="llm-simulator-webhook", continue_=True),           # custom integrations
        Route(receiver="llm-simulator-slack", group_wait="0s"),            # Slack: immediate
    ],
)

gateway = per_platform(
    "llm-gateway", receiver="llm-gateway-default",
    group_by=["alertname", "cluster", "service"], group_wait="10s", group_interval="10s", repeat_interval="12h",
    routes=[
        Route(receiver="llm-gateway-pagerduty", matchers=['severity="critical"'], continue_=True),
        Route(receiver="llm-gateway-slack", matchers=['severity="warning"']),
    ],
)

marketplace = per_platform(
    "llm-marketplace", receiver="llm-marketplace-slack",
    routes=[
        Route(receiver="llm-marketplace-pagerduty", matchers=['severity="critical"']),
        Route(receiver="llm-marketplace-slack", matchers=['severity="warning"']),
    ],
)

def pagerduty_and_slack(platform: str) -> tuple:
    """Critical → the platform's PagerDuty, everything else → its Slack."""
    return per_platform(platform, receiver=f"{platform}-slack", routes=[
        Route(receiver=f"{platform}-pagerduty", matchers=['severity="critical"']),
    ])


high_production = pagerduty_and_slack("high-production")
observatory = pagerduty_and_slack("llm-observatory")

alertmanager = Alertmanager(
    global_config=GlobalConfig(
        resolve_timeout="5m",
        slack_api_url=Secret(name=SECRET, key="slack-api-url"),
        smtp_smarthost="smtp.example.com:587", smtp_from="alertmanager@example.com",
        smtp_auth_username="alertmanager", smtp_auth_password=Secret(name=SECRET, key="smtp-password"),
    ),
    templates=[templates],
    route=Route(
        receiver="default",
        group_by=["alertname", "cluster", "service"],
        group_wait="30s", group_interval="5m", repeat_interval="4h",
        routes=simulator + gateway + marketplace + high_production + observatory,
    ),
    receivers=receivers,
)

SIM_ALL = ("llm-simulator-email", "llm-simulator-webhook", "llm-simulator-slack")

route_tests = [
    # llm-simulator: PagerDuty for critical only; email, webhook and Slack for every alert
    RouteTest(name="simulator critical: PagerDuty, email, webhook, Slack",
              labels={"alertname": "LLMSimulatorErrorRateCritical", "cluster": "llm-simulator",
                      "service": "llm-simulator", "severity": "critical"},
              receivers=("llm-simulator-pagerduty",) + SIM_ALL),
    RouteTest(name="simulator warning: email, webhook, Slack (no PagerDuty)",
              labels={"alertname": "LLMSimulatorHighCPU", "cluster": "llm-simulator", "service": "llm-simulator",
                      "severity": "warning"},
              receivers=SIM_ALL),
    RouteTest(name="simulator alert from a central ruler (no cluster label)",
              labels={"alertname": "LLMSimulatorQueueDepthHigh", "service": "llm-simulator", "severity": "warning"},
              receivers=SIM_ALL),
    RouteTest(name="simulator SLO page: PagerDuty, email, webhook, Slack",
              labels={"alertname": "LlmSimulatorAvailabilityBudgetBurn", "obskit_service": "llm-simulator",
                      "obskit_slo": "availability", "obskit_tier": "page", "severity": "critical"},
              receivers=("llm-simulator-pagerduty",) + SIM_ALL),
    # llm-inference-gateway: critical → PagerDuty (continue), warning → Slack, else the default
    RouteTest(name="gateway critical: PagerDuty",
              labels={"alertname": "HighErrorRate", "cluster": "llm-gateway-prod", "environment": "production",
                      "severity": "critical"},
              receivers=("llm-gateway-pagerduty",)),
    RouteTest(name="gateway warning: Slack",
              labels={"alertname": "HighLatency", "cluster": "llm-gateway-prod", "severity": "warning"},
              receivers=("llm-gateway-slack",)),
    RouteTest(name="gateway without severity: default receiver",
              labels={"alertname": "Watchdog", "cluster": "llm-gateway-prod"}, receivers=("llm-gateway-default",)),
    RouteTest(name="gateway SLO ticket from a central ruler: Slack",
              labels={"alertname": "LlmGatewayErrorsBudgetBurn", "obskit_service": "llm-gateway",
                      "obskit_slo": "errors", "obskit_tier": "ticket", "severity": "warning"},
              receivers=("llm-gateway-slack",)),
    # llm-marketplace: critical → PagerDuty, warning → Slack
    RouteTest(name="marketplace critical: PagerDuty",
              labels={"alertname": "MarketplaceServiceDown", "cluster": "llm-marketplace", "job": "orders",
                      "product": "llm-marketplace", "severity": "critical"},
              receivers=("llm-marketplace-pagerduty",)),
    RouteTest(name="marketplace warning: Slack",
              labels={"alertname": "MarketplaceDiskUsageHigh", "cluster": "llm-marketplace",
                      "product": "llm-marketplace", "severity": "warning"},
              receivers=("llm-marketplace-slack",)),
    RouteTest(name="marketplace alert from a central ruler (product label only)",
              labels={"alertname": "MarketplaceErrorRateCritical", "product": "llm-marketplace", "service": "orders",
                      "severity": "critical"},
              receivers=("llm-marketplace-pagerduty",)),
    RouteTest(name="marketplace SLO page: PagerDuty",
              labels={"alertname": "LlmMarketplaceApiAvailabilityBudgetBurn", "obskit_service": "llm-marketplace",
                      "obskit_tier": "page", "severity": "critical"},
              receivers=("llm-marketplace-pagerduty",)),
    # each platform's other selectors (alerts without the cluster label), so that every route is tested
    RouteTest(name="simulator critical from a central ruler",
              labels={"alertname": "LLMSimulatorUnavailable", "service": "llm-simulator", "severity": "critical"},
              receivers=("llm-simulator-pagerduty",) + SIM_ALL),
    RouteTest(name="gateway critical by service label",
              labels={"alertname": "PodDown", "service": "llm-gateway", "severity": "critical"},
              receivers=("llm-gateway-pagerduty",)),
    RouteTest(name="gateway warning by service label",
              labels={"alertname": "ProviderUnhealthy", "service": "llm-gateway", "severity": "warning"},
              receivers=("llm-gateway-slack",)),
    RouteTest(name="gateway SLO page from a central ruler: PagerDuty",
              labels={"alertname": "LlmGatewayLatencyP99BudgetBurn", "obskit_service": "llm-gateway",
                      "obskit_slo": "latency-p99", "obskit_tier": "page", "severity": "critical"},
              receivers=("llm-gateway-pagerduty",)),
    RouteTest(name="marketplace warning from a central ruler (product label only)",
              labels={"alertname": "MarketplaceLatencyHigh", "product": "llm-marketplace", "service": "search",
                      "severity": "warning"},
              receivers=("llm-marketplace-slack",)),
    RouteTest(name="marketplace SLO ticket: Slack",
              labels={"alertname": "LlmMarketplaceApiLatencyBudgetBurn", "obskit_service": "llm-marketplace",
                      "obskit_tier": "ticket", "severity": "warning"},
              receivers=("llm-marketplace-slack",)),
    # high-production and llm-observatory: critical → PagerDuty, the rest → Slack
    RouteTest(name="high-production critical: PagerDuty",
              labels={"alertname": "ValidationApiDown", "cluster": "high-production", "service": "validation-api",
                      "severity": "critical"}, receivers=("high-production-pagerduty",)),
    RouteTest(name="high-production warning: Slack",
              labels={"alertname": "ValidationGPUUtilizationHigh", "cluster": "high-production",
                      "service": "validation-api", "severity": "warning"}, receivers=("high-production-slack",)),
    RouteTest(name="high-production critical from a central ruler (service label only)",
              labels={"alertname": "ValidationApiLatencyCritical", "service": "validation-api",
                      "severity": "critical"}, receivers=("high-production-pagerduty",)),
    RouteTest(name="high-production warning from a central ruler (service label only)",
              labels={"alertname": "ValidationApiLatencyHigh", "service": "validation-api",
                      "severity": "warning"}, receivers=("high-production-slack",)),
    RouteTest(name="observatory critical: PagerDuty",
              labels={"alertname": "LLMObservatoryCollectorDown", "cluster": "llm-observatory",
                      "service": "llm-observatory", "severity": "critical"}, receivers=("llm-observatory-pagerduty",)),
    RouteTest(name="observatory warning: Slack",
              labels={"alertname": "LLMObservatoryCollectorCPUHigh", "cluster": "llm-observatory",
                      "service": "llm-observatory", "severity": "warning"}, receivers=("llm-observatory-slack",)),
    RouteTest(name="observatory critical from a central ruler (service label only)",
              labels={"alertname": "LLMObservatoryDatabasePoolExhausted", "service": "llm-observatory",
                      "severity": "critical"}, receivers=("llm-observatory-pagerduty",)),
    RouteTest(name="observatory warning from a central ruler (service label only)",
              labels={"alertname": "LLMObservatorySpanIngestHigh", "service": "llm-observatory",
                      "severity": "warning"}, receivers=("llm-observatory-slack",)),
    RouteTest(name="observatory SLO page: PagerDuty",
              labels={"alertname": "LlmObservatoryIngestAvailabilityBudgetBurn", "obskit_service": "llm-observatory",
                      "obskit_tier": "page", "severity": "critical"}, receivers=("llm-observatory-pagerduty",)),
    RouteTest(name="observatory SLO ticket: Slack",
              labels={"alertname": "LlmObservatoryIngestAvailabilityBudgetBurn", "obskit_service": "llm-observatory",
                      "obskit_tier": "ticket", "severity": "warning"}, receivers=("llm-observatory-slack",)),
    # anything else
    RouteTest(name="unknown platform: default receiver",
              labels={"alertname": "Watchdog", "cluster": "staging", "severity": "critical"}, receivers=("default",)),
]
