"""A hand-written alert: its query keeps the workload's namespace, so it sets the AlertmanagerConfig's."""
from obskit.model.rules import AlertRule, RuleGroup

pods = RuleGroup(name="checkout-pods", rules=(
    AlertRule(name="CheckoutPodCrashLooping",
              expr='increase(kube_pod_container_status_restarts_total{namespace="checkout"}[15m]) > 3',
              for_="5m", severity="warning", summary="A checkout pod is crash looping",
              description="{{ $labels.pod }} restarted more than 3 times in 15 minutes.",
              labels={"namespace": "checkout", "service": "checkout"}),
))
