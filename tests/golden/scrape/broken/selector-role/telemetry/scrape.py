# expect: bad-k8s-selector at 5
from obskit.model.scrape import KubernetesSD, KubernetesSelector, PrometheusConfig, ScrapeConfig

server = PrometheusConfig(rule_files=())
sd = KubernetesSD(role="pod", selectors=[KubernetesSelector(role="service", label="app=x")])
job = ScrapeConfig(job_name="pods", kubernetes=[sd])
