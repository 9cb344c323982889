"""Golden case: every field of the rule model, two groups in one module."""
from obskit.model.rules import AlertRule, RecordingRule, RuleGroup

recordings = RuleGroup(
    name="api-recordings",
    interval="1m",
    rules=(
        RecordingRule(record="job:http_requests:rate5m",
                      expr='sum by (job) (rate(http_requests_total{job="api"}[5m]))'),
        RecordingRule(record="job:http_errors:ratio_rate5m",
                      expr="""
sum by (job) (rate(http_requests_total{job="api",code=~"5.."}[5m]))
  /
sum by (job) (rate(http_requests_total{job="api"}[5m]))""",
                      labels={"team": "api"}),
    ),
)

alerts = RuleGroup(
    name="api-alerts",
    interval="30s",
    limit=100,
    rules=(
        AlertRule(name="ApiErrorRateHigh", expr="job:http_errors:ratio_rate5m > 0.05", for_="5m",
                  keep_firing_for="10m", severity="critical", summary="API error rate above 5%",
                  description="{{ $labels.job }}: {{ $value | humanizePercentage }} of requests fail.",
                  runbook_url="https://runbooks.example.com/api/errors",
                  labels={"team": "api"}, annotations={"dashboard": "https://grafana.example.com/d/api"}),
        AlertRule(name="ApiDown", expr='up{job="api"} == 0', for_="1m", severity="warning",
                  summary="API target down", description="{{ $labels.instance }} is down."),
    ),
)
