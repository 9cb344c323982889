from obskit.model.tracing.tempo import TempoConfig, TempoS3Storage

tempo = TempoConfig(
    name="gateway",
    retention="30d",
    storage=TempoS3Storage(bucket="gateway-traces", endpoint="minio.storage:9000", insecure=True,
                           forcepathstyle=True, access_key="${TEMPO_S3_ACCESS_KEY}",
                           secret_key="${TEMPO_S3_SECRET_KEY}"),
    otlp_http=None,
)
