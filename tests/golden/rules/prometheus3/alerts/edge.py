"""Golden case: group fields only Prometheus 3.0 loads (query_offset: 2.53, labels: 3.0)."""
from obskit.model.rules import AlertRule, RuleGroup

edge = RuleGroup(name="edge", query_offset="1m", labels={"team": "edge"}, rules=(
    AlertRule(name="EdgeDown", expr='up{job="edge"} == 0', for_="2m", severity="critical",
              summary="Edge proxy down", description="{{ $labels.instance }} is down."),
))
