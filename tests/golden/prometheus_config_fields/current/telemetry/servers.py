"""Fields newer than the 2.42 floor (this project targets Prometheus 3.5): the Remote-Write 2.0
message (2.54) and the queue's sample age limit (2.50)."""
from obskit.model.scrape import PrometheusConfig, QueueConfig, RemoteWrite, ScrapeConfig

api = ScrapeConfig(job_name="api", targets=["api:8080"])
central = PrometheusConfig(
    name="edge", scrape_configs=[api], rule_files=[],   # forwards samples; evaluates nothing
    remote_write=[RemoteWrite(url="http://mimir-distributor:8080/api/v1/push", name="mimir",
                              protobuf_message="io.prometheus.write.v2.Request", send_native_histograms=True,
                              headers={"X-Scope-OrgID": "edge"},
                              queue_config=QueueConfig(sample_age_limit="10m", max_samples_per_send=5000))],
)
