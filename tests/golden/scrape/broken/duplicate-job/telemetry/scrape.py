# expect: duplicate-job at 6
from obskit.model.scrape import PrometheusConfig, ScrapeConfig

server = PrometheusConfig(rule_files=())
a = ScrapeConfig(job_name="api", targets=["api-0:8080"])
b = ScrapeConfig(job_name="api", targets=["api-1:8080"])
