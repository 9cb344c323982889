# expect: bad-rule-files at 4
from obskit.model.scrape import PrometheusConfig, ScrapeConfig

server = PrometheusConfig(rule_files=["/etc/prometheus/rules/*.yml"])
job = ScrapeConfig(job_name="api", targets=["api:8080"])
