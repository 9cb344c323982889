# expect: bad-regex at 6
from obskit.model.scrape import PrometheusConfig, Relabel, ScrapeConfig

server = PrometheusConfig(rule_files=())
job = ScrapeConfig(job_name="api", targets=["api:8080"], metric_relabel_configs=[
    Relabel(action="drop", source_labels=["__name__"], regex="go_(?!info).*"),
])
