# expect: bad-duration at 5
from obskit.model.scrape import PrometheusConfig, ScrapeConfig

server = PrometheusConfig(rule_files=(), scrape_interval="10s")
job = ScrapeConfig(job_name="api", targets=["api:8080"], scrape_timeout="30s")
