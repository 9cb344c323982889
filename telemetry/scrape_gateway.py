"""LLM Inference Gateway, section 6 "Monitoring Infrastructure" → Prometheus Deployment
(../shared/reference-deployments/llm-inference-gateway.md): the ``prometheus.yml`` of the
``prometheus-config`` ConfigMap, reproduced as written.

* ``rule_files: ['/etc/prometheus/rules/*.yml']`` becomes ``rules/*.yml``: Prometheus resolves
  rule_files against the directory of prometheus.yml, which the write-up mounts at /etc/prometheus,
  so both name the same files; the relative form lets obskit check that they are the built rules.
* ``--storage.tsdb.retention.time=30d`` is a flag of the Prometheus Deployment, not part of
  prometheus.yml: ``retention="30d"`` writes it into the generated file's header.
* The ``__address__`` step reads only the port annotation but its regex expects
  ``<address>;<port>``: it never matches, so Prometheus keeps scraping every declared container port
  (8080 and 9090) at /metrics. obskit refuses such a step (``relabel-never-matches``);
  ``check_separators=False`` keeps it exactly as the write-up has it. The corrected step is
  :func:`obskit.model.scrape.address_from_annotation` (``__address__`` first), used by the other
  reference configs.
"""
from obskit.model.scrape import KubernetesSD, PrometheusConfig, Relabel, ScrapeConfig

llm_gateway = ScrapeConfig(
    job_name="llm-gateway",
    description="LLM Gateway pods",
    kubernetes=[KubernetesSD(role="pod", namespaces=["llm-gateway"])],
    relabel_configs=[
        Relabel(source_labels=["__meta_kubernetes_pod_label_app"], action="keep", regex="llm-gateway"),
        Relabel(source_labels=["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], action="keep",
                regex="true"),
        Relabel(source_labels=["__meta_kubernetes_pod_annotation_prometheus_io_port"], action="replace",
                target_label="__address__", regex=r"([^:]+)(?::\d+)?;(\d+)", replacement="$1:$2",
                check_separators=False),  # as written; see the module docstring
        Relabel(source_labels=["__meta_kubernetes_pod_annotation_prometheus_io_path"], action="replace",
                target_label="__metrics_path__", regex="(.+)"),
    ],
)

redis = ScrapeConfig(job_name="redis", targets=["redis-service:6379"])

node_exporter = ScrapeConfig(
    job_name="node-exporter",
    kubernetes=[KubernetesSD(role="node")],
    relabel_configs=[
        Relabel(source_labels=["__address__"], regex="(.*):10250", replacement="${1}:9100",
                target_label="__address__"),
    ],
)

prometheus = PrometheusConfig(
    description="llm-gateway-monitoring/prometheus-config",
    scrape_interval="15s",
    evaluation_interval="15s",
    external_labels={"cluster": "llm-gateway-prod", "environment": "production"},
    alertmanagers=["alertmanager:9093"],
    rule_files=["rules/*.yml"],
    scrape_configs=[llm_gateway, redis, node_exporter],
    retention="30d",
)
