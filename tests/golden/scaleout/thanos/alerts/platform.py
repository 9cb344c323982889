"""Golden case: hand-written rules get the namespace of their module's rule file."""
from obskit.model.rules import AlertRule, RecordingRule, RuleGroup

platform = RuleGroup(name="platform", interval="30s", rules=(
    RecordingRule(record="job:up:sum", expr="sum by (job) (up)"),
    AlertRule(name="JobDown", expr="job:up:sum == 0", for_="5m", severity="critical",
              summary="A job is down", description="{{ $labels.job }} has no target up."),
))
