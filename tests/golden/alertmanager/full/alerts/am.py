"""Every feature of the Alertmanager model that 0.25 accepts."""
from obskit.model.alertmanager import (
    Alertmanager, Email, GlobalConfig, Inhibit, Opsgenie, PagerDuty, Period, Receiver, Route, RouteTest, Secret,
    Slack, Template, TimeInterval, Webhook, business_hours,
)

SECRET = "alertmanager-receivers"

am = Alertmanager(
    global_config=GlobalConfig(
        resolve_timeout="5m", smtp_smarthost="smtp.example.com:587", smtp_from="alertmanager@example.com",
        smtp_auth_username="alertmanager", smtp_auth_password=Secret(name=SECRET, key="smtp-password"),
        smtp_require_tls=True, slack_api_url=Secret(name=SECRET, key="slack-url"),
        opsgenie_api_key=Secret(name=SECRET, key="opsgenie-key"),
    ),
    templates=[Template(name="obskit", text='''\
{{ define "obskit.title" }}[{{ .Status | toUpper }}] {{ .GroupLabels.alertname }}{{ end }}
{{ define "obskit.text" }}{{ range .Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }}
{{ end }}{{ end }}
''')],
    route=Route(
        receiver="team-slack", group_by=["alertname", "service"],
        group_wait="30s", group_interval="5m", repeat_interval="4h",
        routes=[
            Route(receiver="pager", matchers=['severity="critical"'], continue_=True, group_wait="0s"),
            Route(receiver="opsgenie", matchers={"team": "platform"}, active_time_intervals=["business-hours"]),
            Route(receiver="team-email", matchers=['severity=~"warning|info"', 'env!="dev"'],
                  mute_time_intervals=["maintenance"], group_by=["..."],
                  routes=[Route(matchers=['service!~"test-.*"'], receiver="audit-hook")]),
        ],
    ),
    inhibit_rules=[Inhibit(source=['alertname="ClusterDown"'], target=['severity=~"warning|info"'], equal=["cluster"])],
    receivers=[
        Receiver(name="team-slack", integrations=[Slack(channel="#alerts", title='{{ template "obskit.title" . }}',
                                                        text='{{ template "obskit.text" . }}', send_resolved=True)]),
        Receiver(name="pager", integrations=[PagerDuty(routing_key=Secret(name=SECRET, key="pagerduty-routing-key"),
                                                       description="{{ .GroupLabels.alertname }}", severity="critical",
                                                       details={"service": "{{ .CommonLabels.service }}"})]),
        Receiver(name="opsgenie", integrations=[Opsgenie(message="{{ .GroupLabels.alertname }}", priority="P2",
                                                         tags="obskit,platform")]),
        Receiver(name="team-email", integrations=[Email(to="team@example.com", headers={"Subject": "[obskit] alert"},
                                                        send_resolved=True)]),
        Receiver(name="audit-hook", integrations=[Webhook(url="http://audit.monitoring.svc:8080/alerts",
                                                          max_alerts=20)]),
        Receiver(name="blackhole"),
    ],
    time_intervals=[
        business_hours(location="Europe/Berlin"),
        TimeInterval(name="maintenance", periods=[Period(weekdays=["saturday"], times=[("02:00", "04:00")]),
                                                 Period(days_of_month=["1", "-1"], months=["january:march"],
                                                        years=["2026:2027"])]),
    ],
)

tests = [
    RouteTest(name="critical pages and goes on", labels={"severity": "critical", "team": "platform"},
              receivers=["pager", "opsgenie"]),
    RouteTest(name="warning mails and audits", labels={"severity": "warning", "service": "api"},
              receivers=["audit-hook"]),
    RouteTest(name="warning of a test service only mails", labels={"severity": "warning", "service": "test-x"},
              receivers=["team-email"]),
    RouteTest(name="dev warnings go to slack", labels={"severity": "warning", "env": "dev"}, receivers=["team-slack"]),
]
