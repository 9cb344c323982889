# expect: relabel-missing-field at 6
from obskit.model.scrape import PrometheusConfig, Relabel, ScrapeConfig

server = PrometheusConfig(rule_files=())
job = ScrapeConfig(job_name="api", targets=["api:8080"], relabel_configs=[
    Relabel(action="hashmod", source_labels=["__address__"], target_label="__tmp_shard"),
])
