# expect: too-new at 8
# obskit.toml targets Prometheus 2.40: keepequal arrived in 2.41
from obskit.model.scrape import PrometheusConfig, Relabel, ScrapeConfig

server = PrometheusConfig(rule_files=())
job = ScrapeConfig(job_name="api", targets=["api:8080"], relabel_configs=[
    Relabel(target_label="expected_port", replacement="8080"),
    Relabel(action="keepequal", source_labels=["__tmp_port"], target_label="expected_port"),
])
