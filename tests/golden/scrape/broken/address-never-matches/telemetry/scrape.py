# expect: relabel-never-matches at 7
from obskit.model.scrape import KubernetesSD, PrometheusConfig, Relabel, ScrapeConfig

server = PrometheusConfig(rule_files=())
job = ScrapeConfig(job_name="pods", kubernetes=[KubernetesSD(role="pod")], relabel_configs=[
    Relabel(action="keep", source_labels=["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], regex="true"),
    Relabel(source_labels=["__meta_kubernetes_pod_annotation_prometheus_io_port"],
            regex=r"([^:]+)(?::\d+)?;(\d+)", replacement="$1:$2", target_label="__address__"),
])
