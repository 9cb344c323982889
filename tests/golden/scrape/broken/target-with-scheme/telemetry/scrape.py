# expect: bad-target at 5
from obskit.model.scrape import PrometheusConfig, ScrapeConfig

server = PrometheusConfig(rule_files=())
job = ScrapeConfig(job_name="api", targets=["http://api:8080/metrics"])
