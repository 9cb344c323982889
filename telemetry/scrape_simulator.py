"""LLM-Simulator (docs/reference-deployments/llm-simulator.md): "prometheus.yml — 6 scrape
configs", a 15 s scrape interval, one Prometheus per region feeding Thanos/Cortex, Alertmanager.

The write-up gives the count but not the jobs. These six are the ones its 30+ alerts need:
simulator pods (availability, latency, errors, queue depth), kube-state-metrics (restarts, replicas,
HPA max), cAdvisor (CPU, memory, OOM, throttling), node-exporter, and Prometheus and Alertmanager
themselves. Pods live in the ``llm-devops`` namespace (its quick-start commands) and are found by
the ``prometheus.io/*`` annotations.

"Multi-Region Architecture": one Prometheus per region (US-East-1 and US-West-2), each evaluating
the simulator's rules on its own region's data and alerting the shared Alertmanager; ``region`` is
an external label, so alerts and the central view tell the regions apart. The "Centralized
Observability (Thanos/Cortex)" box is fed by ``remote_write`` to Thanos Receive (tenant header,
password from a mounted Secret, series the central view does not need dropped, a queue sized for
a 15 s scrape of 10-50 pods). Endpoint and credentials paths are our choice: the write-up names none.
"""
from obskit.model.scrape import (
    BasicAuth, PrometheusConfig, QueueConfig, Relabel, RemoteWrite, ScrapeConfig, kubernetes_nodes, kubernetes_pods,
)
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

central = RemoteWrite(
    name="thanos-receive",
    url="http://thanos-receive.observability.svc:19291/api/v1/receive",
    headers={"THANOS-TENANT": "llm-simulator"},
    basic_auth=BasicAuth(username="llm-simulator", password_file="/etc/prometheus/secrets/thanos-receive-password"),
    write_relabel_configs=[Relabel(action="drop", source_labels=["__name__"], regex="go_.*|process_.*|promhttp_.*")],
    queue_config=QueueConfig(capacity=10000, max_shards=20, max_samples_per_send=2000, batch_send_deadline="5s"),
)


def region(name: str) -> PrometheusConfig:
    return PrometheusConfig(
        name=f"llm-simulator-{name}",
        platform="llm-simulator",
        description=f"the {name} region; Thanos gives the central view",
        scrape_interval="15s",
        evaluation_interval="15s",
        external_labels={"cluster": "llm-simulator", "region": name},
        alertmanagers=["alertmanager:9093"],
        scrape_configs=[simulator, kube_state_metrics, cadvisor, node_exporter, prometheus_self, alertmanager],
        remote_write=[central],
    )


regions = [region("us-east-1"), region("us-west-2")]
