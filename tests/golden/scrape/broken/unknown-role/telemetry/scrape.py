# expect: bad-k8s-role at 5
from obskit.model.scrape import KubernetesSD, PrometheusConfig, ScrapeConfig

server = PrometheusConfig(rule_files=())
job = ScrapeConfig(job_name="pods", kubernetes=[KubernetesSD(role="pods")])
