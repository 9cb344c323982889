"""Scraping in the other reference write-ups (docs/reference-deployments/):

* llm-observatory.md: metrics retention 90 days (``RETENTION_METRICS_DAYS=90``) and traces 30 days.
  The trace side is Tempo's (see the tracing definitions); for Prometheus, retention is the server
  flag ``--storage.tsdb.retention.time``, which obskit writes into the generated file's header
  (``retention="90d"``). The collector (OTLP gRPC 4317 / HTTP 4318) is scraped through its pods.
* llm-marketplace.md §6: Prometheus, 2 pods for HA, 30-day retention, service discovery,
  "exporters for all databases" (PostgreSQL, Redis, the message queue and Jaeger's Elasticsearch).
  Both HA replicas scrape everything and evaluate every rule; the ``replica`` external label tells
  their series apart, and ``alert_relabel_configs`` drop it from alerts so that Alertmanager sees
  one alert, not two (it deduplicates identical label sets). The alerts also read
  kube-state-metrics, cAdvisor and kubelet volume statistics.
  The observatory's alerts (alerts/llm_observatory.py: spans/s, write latency, DB pool, CPU) read
  kube-state-metrics and cAdvisor too.
* high-production-deployment.md: "Prometheus scrapes metrics (API latency, CPU/GPU utilization)"
  of the FastAPI service on EKS with GPU nodes: the API pods (job ``validation-api``, the name the
  alerts and dashboards select, in namespace ``production``), NVIDIA's DCGM exporter, cAdvisor and
  kube-state-metrics for CPU, node-exporter.

Every server sends its alerts to the shared Alertmanager (alerts/routing.py), where each platform
has its own branch, and loads its own platform's rules (``rules/<platform>*.yml``, the default).
"""
from obskit.model.scrape import (
    PrometheusConfig, Relabel, ScrapeConfig, StaticConfig, kubernetes_nodes, kubernetes_pods,
    kubernetes_service_endpoints,
)
from telemetry.scrape_cluster import CADVISOR, KUBE_STATE_METRICS, KUBELET

# --- LLM Observatory ----------------------------------------------------------------------------
observatory_pods = kubernetes_pods(
    "llm-observatory", namespaces=["llm-observatory"],
    description="collector, storage and API pods that carry the prometheus.io/* annotations")
observatory_ksm = ScrapeConfig(**KUBE_STATE_METRICS)
observatory_cadvisor = ScrapeConfig(**CADVISOR)
observatory = PrometheusConfig(
    name="llm-observatory", scrape_interval="30s", evaluation_interval="30s",
    external_labels={"cluster": "llm-observatory"}, retention="90d",
    alertmanagers=["alertmanager:9093"],
    scrape_configs=[observatory_pods, observatory_ksm, observatory_cadvisor],
)

# --- LLM Marketplace ----------------------------------------------------------------------------
marketplace_services = kubernetes_service_endpoints(
    "llm-marketplace-services", namespaces=["llm-marketplace"],
    metric_relabel_configs=[Relabel(action="drop", source_labels=["__name__"], regex="go_gc_.*")])
marketplace_exporters = ScrapeConfig(
    job_name="llm-marketplace-exporters",
    static_configs=[
        StaticConfig(targets=["postgres-exporter:9187"], labels={"exporter": "postgres"}),
        StaticConfig(targets=["redis-exporter:9121"], labels={"exporter": "redis"}),
        StaticConfig(targets=["kafka-exporter:9308"], labels={"exporter": "kafka"}),
        StaticConfig(targets=["elasticsearch-exporter:9114"], labels={"exporter": "elasticsearch"}),
    ],
    relabel_configs=[
        # one instance label per exporter host, without the port
        Relabel(source_labels=["__address__"], regex="([^:]+):\\d+", target_label="instance"),
    ],
)
marketplace_ksm = ScrapeConfig(**KUBE_STATE_METRICS)
marketplace_cadvisor = ScrapeConfig(**CADVISOR)
marketplace_kubelet = ScrapeConfig(**KUBELET)
marketplace = PrometheusConfig(
    name="llm-marketplace", scrape_interval="15s", evaluation_interval="15s",
    external_labels={"cluster": "llm-marketplace"},
    replicas=["prometheus-0", "prometheus-1"], replica_label="replica",
    alert_relabel_configs=[Relabel(action="labeldrop", regex="replica")],
    alertmanagers=["alertmanager:9093"], retention="30d",
    scrape_configs=[marketplace_services, marketplace_exporters, marketplace_ksm, marketplace_cadvisor,
                    marketplace_kubelet],
)

# --- High Production Deployment -----------------------------------------------------------------
api_pods = kubernetes_pods("validation-api", namespaces=["production"], match_labels={"app": "validation-api"})
high_production_ksm = ScrapeConfig(**KUBE_STATE_METRICS)
high_production_cadvisor = ScrapeConfig(**CADVISOR)
dcgm_exporter = kubernetes_pods(
    "dcgm-exporter", match_labels={"app": "nvidia-dcgm-exporter"},
    annotation_scrape=False, annotation_port=False, annotation_path=False,
    relabel=[Relabel(action="keep", source_labels=["__meta_kubernetes_pod_container_port_number"],
                     regex="9400"),
             Relabel(source_labels=["__meta_kubernetes_pod_node_name"], target_label="node")],
)
high_production = PrometheusConfig(
    name="high-production", scrape_interval="15s", evaluation_interval="15s",
    external_labels={"cluster": "high-production"}, alertmanagers=["alertmanager:9093"],
    scrape_configs=[api_pods, dcgm_exporter, high_production_ksm, high_production_cadvisor,
                    kubernetes_nodes("gpu-node-exporter")],
)
