"""Two Prometheus servers in one project, each with its own jobs and retention flags. The main server
evaluates the rules and alerts Alertmanager; the long-term one only keeps data (no rule files)."""
from obskit.model.scrape import PrometheusConfig, ScrapeConfig

web = ScrapeConfig(job_name="web", targets=["web:8080"])
db = ScrapeConfig(job_name="db", targets=["postgres-exporter:9187"])
blackbox = ScrapeConfig(job_name="blackbox", targets=["blackbox-exporter:9115"], metrics_path="/probe",
                        params={"module": ["http_2xx"], "target": ["https://example.com"]})

main = PrometheusConfig(scrape_interval="15s", scrape_configs=[web, blackbox], retention="15d",
                        alertmanagers=["alertmanager:9093"])
long_term = PrometheusConfig(name="long-term", scrape_interval="1m", scrape_configs=[web, db],
                             retention="400d", retention_size="500GB", rule_files=[])
