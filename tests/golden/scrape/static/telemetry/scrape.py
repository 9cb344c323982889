"""Static targets, file_sd and every relabel action Prometheus 2.42 knows."""
from obskit.model.scrape import (
    Alertmanagers, FileSD, PrometheusConfig, Relabel, ScrapeConfig, StaticConfig, TLSConfig,
)

server = PrometheusConfig(
    scrape_interval="30s", scrape_timeout="10s", evaluation_interval="1m",
    external_labels={"cluster": "golden", "env": "test"},
    alertmanagers=[Alertmanagers(targets=["am-0:9093", "am-1:9093"], scheme="http", path_prefix="/am",
                                 timeout="10s", api_version="v2")],
    rule_files=(),
)

api = ScrapeConfig(
    job_name="api",
    targets=["api-0:8080", "api-1:8080"],
    static_configs=[StaticConfig(targets=["api-canary:8080"], labels={"track": "canary"})],
    scrape_interval="15s", scrape_timeout="5s", metrics_path="/internal/metrics", scheme="https",
    honor_labels=False, honor_timestamps=True, params={"format": ["prometheus"]}, sample_limit=50000,
    tls_config=TLSConfig(ca_file="/etc/prometheus/ca.crt", server_name="api.internal"),
    bearer_token_file="/etc/prometheus/token",
    relabel_configs=[
        Relabel(action="replace", source_labels=["__address__"], regex="([^:]+):\\d+", target_label="host",
                replacement="$1"),
        Relabel(action="keep", source_labels=["__address__"], regex="api-.*"),
        Relabel(action="drop", source_labels=["track", "__address__"], separator="/", regex="canary/.*:9999"),
        Relabel(action="hashmod", source_labels=["__address__"], modulus=4, target_label="__tmp_shard"),
        Relabel(action="keep", source_labels=["__tmp_shard"], regex="[0-3]"),
        Relabel(action="lowercase", source_labels=["track"], target_label="track_lower"),
        Relabel(action="uppercase", source_labels=["cluster_hint"], target_label="cluster_hint_upper"),
        Relabel(action="keepequal", source_labels=["__address__"], target_label="__address__"),
        Relabel(action="dropequal", source_labels=["host"], target_label="track"),
        Relabel(action="labelmap", regex="__param_(.+)", replacement="param_$1"),
        Relabel(target_label="team", replacement="platform"),
    ],
    metric_relabel_configs=[
        Relabel(action="drop", source_labels=["__name__"], regex="go_gc_duration_seconds.*"),
        Relabel(action="labeldrop", regex="pod_template_hash"),
        Relabel(action="labelkeep", regex="__name__|job|instance|le|quantile|code|method|track|team|host"),
    ],
)

files = ScrapeConfig(
    job_name="batch-jobs",
    file_sd=[FileSD(files=["/etc/prometheus/targets/*.json", "/etc/prometheus/extra.yml"], refresh_interval="2m")],
)
