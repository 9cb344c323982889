"""Golden case: a second module gets its own rule file."""
from obskit.model.rules import AlertRule, RuleGroup

batch = RuleGroup(name="batch", rules=(
    AlertRule(name="BatchJobFailed", expr='kube_job_status_failed{namespace="batch"} > 0', severity="info",
              summary="A batch job failed", description="Job {{ $labels.job_name }} failed."),
))
