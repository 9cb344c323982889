"""The fields the reference write-ups need, at the floor (Prometheus 2.42, Tempo 2.0/2.1, Loki 2.9):
an HA pair deduplicated by alert relabelling, two regions writing to a central store with queue
tuning, write relabelling and secret-file authentication; Tempo on GCS and Azure; Loki's cache."""
from obskit.model.loki import LokiConfig, S3Storage
from obskit.model.scrape import (
    BasicAuth, PrometheusConfig, QueueConfig, Relabel, RemoteWrite, ScrapeConfig, TLSConfig,
)
from obskit.model.tracing.tempo import TempoAzureStorage, TempoConfig, TempoGCSStorage

api = ScrapeConfig(job_name="api", targets=["api:8080"])

ha = PrometheusConfig(
    name="shop", scrape_interval="15s", external_labels={"cluster": "shop"},
    replicas=["prometheus-0", "prometheus-1"],
    alert_relabel_configs=[Relabel(action="labeldrop", regex="replica")],
    alertmanagers=["alertmanager:9093"], scrape_configs=[api],
)

CENTRAL = RemoteWrite(
    name="central", url="https://thanos-receive.observability:19291/api/v1/receive", remote_timeout="30s",
    headers={"X-Scope-OrgID": "shop"},
    basic_auth=BasicAuth(username="shop", password_file="/etc/prometheus/secrets/remote-write-password"),
    tls_config=TLSConfig(ca_file="/etc/prometheus/secrets/ca.crt"),
    write_relabel_configs=[Relabel(action="drop", source_labels=["__name__"], regex="go_gc_.*")],
    queue_config=QueueConfig(capacity=10000, max_shards=30, min_shards=2, max_samples_per_send=2000,
                             batch_send_deadline="5s", min_backoff="30ms", max_backoff="5s",
                             retry_on_http_429=True),
)
east = PrometheusConfig(name="shop-us-east-1", external_labels={"cluster": "shop", "region": "us-east-1"},
                        alertmanagers=["alertmanager:9093"], scrape_configs=[api], remote_write=[CENTRAL])
west = PrometheusConfig(name="shop-us-west-2", external_labels={"cluster": "shop", "region": "us-west-2"},
                        alertmanagers=["alertmanager:9093"], scrape_configs=[api], remote_write=[RemoteWrite(
                            name="cortex", url="http://cortex-distributor:8080/api/v1/push",
                            credentials_file="/etc/prometheus/secrets/cortex-token", send_exemplars=True)])

tempo_gcs = TempoConfig(name="traces-gcp", retention="720h",
                        storage=TempoGCSStorage(bucket_name="shop-traces", chunk_buffer_size=10485760))
tempo_azure = TempoConfig(name="traces-azure", version="2.1",
                          storage=TempoAzureStorage(container_name="shop-traces", storage_account_name="shoptraces",
                                                    use_federated_token=True))
tempo_azure_key = TempoConfig(name="traces-azure-key", storage=TempoAzureStorage(
    container_name="shop-traces", storage_account_name="shoptraces", storage_account_key="${AZURE_STORAGE_KEY}",
    endpoint_suffix="blob.core.usgovcloudapi.net"))

loki = LokiConfig(name="shop", version="2.9", schema_from="2023-01-01",
                  storage=S3Storage(bucket="shop-logs", region="us-east-1"),
                  active_index_directory="/loki/index", cache_location="/loki/cache")
