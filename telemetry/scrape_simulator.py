"""LLM-Simulator (../shared/reference-deployments/llm-simulator.md): "prometheus.yml — 6 scrape
configs", a 15 s scrape interval, one Prometheus per region feeding Thanos/Cortex, Alertmanager.

The write-up gives the count but not the jobs. These six are the ones its 30+ alerts need:
simulator pods (availability, latency, errors, queue depth), kube-state-metrics (restarts, replicas,
HPA max), cAdvisor (CPU, memory, OOM, throttling), node-exporter, and Prometheus and Alertmanager
themselves. Pods live in the ``llm-devops`` namespace (its quick-start commands) and are found by
the ``prometheus.io/*`` annotations. ``region`` is an external label so Thanos can tell the regional
Prometheus servers apart.
"""
from obskit.model.scrape import PrometheusConfig, Relabel, ScrapeConfig, kubernetes_nodes, kubernetes_pods
from telemetry.scrape_cluster import CADVISOR, KUBE_STATE_METRICS

simulator = kubernetes_pods(
    "llm-simulator", namespaces=["llm-devops"], match_labels={"app.kubernetes.io/name": "llm-simulator"},
    description="simulator pods of the Deployment, StatefulSet and DaemonSet variants",
    metric_relabel_configs=[Relabel(action="drop", source_labels=["__name__"], regex="go_gc_.*")],
)
kube_state_metrics = ScrapeConfig(**KUBE_STATE_METRICS)
cadvisor = ScrapeConfig(**CADVISOR)
node_exporter = kubernetes_nodes("node-exporter", port=9100)
prometheus_self = ScrapeConfig(job_name="prometheus", targets=["localhost:9090"])
alertmanager = ScrapeConfig(job_name="alertmanager", targets=["alertmanager:9093"])

server = PrometheusConfig(
    name="llm-simulator",
    description="one per region; Thanos/Cortex gives the central view",
    scrape_interval="15s",
    evaluation_interval="15s",
    external_labels={"cluster": "llm-simulator", "region": "us-east-1"},
    alertmanagers=["alertmanager:9093"],
    scrape_configs=[simulator, kube_state_metrics, cadvisor, node_exporter, prometheus_self, alertmanager],
)
