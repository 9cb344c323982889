"""LLM Inference Gateway, section 6 "Monitoring Infrastructure" → Prometheus Deployment
(docs/reference-deployments/llm-inference-gateway.md): the ``prometheus.yml`` of the
``prometheus-config`` ConfigMap, reproduced as written.

* ``rule_files: ['/etc/prometheus/rules/*.yml']``: in the write-up that folder holds the gateway's
  rules only. obskit builds every platform's rules into one ``rules/`` folder, where ``*.yml`` would
  make this server evaluate the simulator's and marketplace's alerts too (false pages: their absent
  alerts fire on a server that does not scrape them). ``platform="llm-gateway"`` loads the gateway's
  files only (``rules/llm-gateway.yml`` SLOs, ``rules/llm_gateway-alerts.yml``), relative to
  prometheus.yml as Prometheus resolves them.
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
    platform="llm-gateway",
    scrape_configs=[llm_gateway, redis, node_exporter],
    retention="30d",
)
