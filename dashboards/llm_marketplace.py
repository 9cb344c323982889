"""LLM Marketplace dashboards (docs/reference-deployments/llm-marketplace.md, section 6,
"Dashboards"): six dashboards.

1. Service Overview (RPS, latency, errors, SLOs) and 2. Infrastructure (CPU, memory, disk, network)
are written with grafana-foundation-sdk builders; 3. Database, 4. Cache, 5. Message Queue and
6. Business Metrics as plain dicts. Metrics: the services' ``http_request_duration_seconds``
histogram (namespace ``llm-marketplace``, as in slos/llm_marketplace.py), ingress-nginx,
node_exporter, postgres_exporter, redis_exporter, kafka_exporter, and the application's
``marketplace_*`` business counters; the per-service error ratio and the connection pools
(``db_client_connections_*``) are read as alerts/llm_marketplace.py reads them. Thresholds are the write-up's alert thresholds (errors 0.5 % /
1 %, P95 500 ms / 1 s, disk 80 %, memory 85 %) and targets (P95 < 200 ms, cache hit rate > 90 %,
500 database connections).
"""
from grafana_foundation_sdk.builders import common as sdk_common
from grafana_foundation_sdk.builders import dashboard as sdk
from grafana_foundation_sdk.builders import prometheus, stat, timeseries
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm

from obskit.model.dashboards import Dashboard

FOLDER = "LLM Marketplace"
NS = 'namespace="llm-marketplace"'
DS = cm.DataSourceRef(type_val="prometheus", uid="${datasource}")


def _variable():
    return (sdk.DatasourceVariable("datasource").label("Data source").type("prometheus")
            .current(dm.VariableOption(text="Prometheus", value="prometheus")))


def _q(expr, legend="", ref="A"):
    return prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref).datasource(DS)


def _steps(*pairs):
    return sdk.ThresholdsConfig().mode(dm.ThresholdsMode.ABSOLUTE).steps(
        [dm.Threshold(value=v, color=c) for v, c in pairs])


def _ts(title, unit, *queries, thresholds=None, span=12):
    p = timeseries.Panel().title(title).unit(unit).datasource(DS).span(span).height(8)
    for i, (expr, legend) in enumerate(queries):
        p = p.with_target(_q(expr, legend, chr(65 + i)))
    if thresholds:
        p = p.thresholds(_steps(*thresholds)).thresholds_style(
            sdk_common.GraphThresholdsStyleConfig().mode(cm.GraphThresholdsStyleMode.DASHED))
    return p


def _stat(title, unit, expr, *thresholds, span=6):
    return (stat.Panel().title(title).unit(unit).datasource(DS).span(span).height(4)
            .with_target(_q(expr).instant())
            .reduce_options(sdk_common.ReduceDataOptions().calcs(["lastNotNull"]))
            .thresholds(_steps(*(thresholds or ((None, "green"),)))))


# 1. Service overview: RPS, latency, errors, SLOs
_hist = f"http_request_duration_seconds_bucket{{{NS}}}"
_ingress = 'nginx_ingress_controller_requests{ingress="llm-marketplace-api"}'
_ingress_5xx = 'nginx_ingress_controller_requests{ingress="llm-marketplace-api",status=~"5.."}'
service_overview = Dashboard(
    sdk.Dashboard("LLM Marketplace - Service Overview").tags(["llm-marketplace"]).refresh("1m")
    .time("now-6h", "now").with_variable(_variable())
    .with_row(sdk.Row("SLOs"))
    .with_panel(_stat("API availability SLO: budget left", "percentunit",
                      'slo:period_error_budget_remaining:ratio{obskit_service="llm-marketplace",obskit_slo="api-availability"}',
                      (None, "red"), (0.25, "orange"), (0.5, "green")))
    .with_panel(_stat("API availability (30d)", "percentunit",
                      '1 - slo:sli_error:ratio_rate30d{obskit_service="llm-marketplace",obskit_slo="api-availability"}',
                      (None, "red"), (0.9995, "green")))
    .with_panel(_stat("API latency SLO: budget left", "percentunit",
                      'slo:period_error_budget_remaining:ratio{obskit_service="llm-marketplace",obskit_slo="api-latency"}',
                      (None, "red"), (0.25, "orange"), (0.5, "green")))
    .with_panel(_stat("Requests within 200 ms (30d)", "percentunit",
                      '1 - slo:sli_error:ratio_rate30d{obskit_service="llm-marketplace",obskit_slo="api-latency"}',
                      (None, "red"), (0.95, "green")))
    .with_row(sdk.Row("Traffic"))
    .with_panel(_ts("Requests per second by service", "reqps",
                    (f"sum by (service) (rate(http_request_duration_seconds_count{{{NS}}}[5m]))", "{{service}}")))
    .with_panel(_ts("P95 latency by service", "s",
                    (f"histogram_quantile(0.95, sum by (service, le) (rate({_hist}[5m])))", "{{service}}"),
                    thresholds=((None, "green"), (0.2, "yellow"), (0.5, "orange"), (1, "red"))))
    .with_panel(_ts("API error rate (ingress 5xx)", "percentunit",
                    (f"sum(rate({_ingress_5xx}[5m])) / sum(rate({_ingress}[5m]))", "5xx"),
                    thresholds=((None, "green"), (0.005, "orange"), (0.01, "red"))))
    .with_panel(_ts("Error rate by service", "percentunit",
                    (f'sum by (service) (rate(http_requests_total{{{NS},status=~"5.."}}[5m]))\n'
                     f"/ sum by (service) (rate(http_requests_total{{{NS}}}[5m]))", "{{service}}"),
                    thresholds=((None, "green"), (0.005, "orange"), (0.01, "red")))),
    folder=FOLDER,
)

# 2. Infrastructure: CPU, memory, disk, network
infrastructure = Dashboard(
    sdk.Dashboard("LLM Marketplace - Infrastructure").tags(["llm-marketplace"]).with_variable(_variable())
    .with_panel(_ts("CPU utilisation by node", "percentunit",
                    ('1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))', "{{instance}}"),
                    thresholds=((None, "green"), (0.8, "orange"))))
    .with_panel(_ts("Memory utilisation by node", "percentunit",
                    ("1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", "{{instance}}"),
                    thresholds=((None, "green"), (0.85, "orange"))))
    .with_panel(_ts("Disk usage", "percentunit",
                    ('1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay"}',
                     "{{instance}} {{mountpoint}}"),
                    thresholds=((None, "green"), (0.8, "orange"))))
    .with_panel(_ts("Network traffic", "Bps",
                    ('sum by (instance) (rate(node_network_receive_bytes_total{device!="lo"}[5m]))', "{{instance}} in"),
                    ('sum by (instance) (rate(node_network_transmit_bytes_total{device!="lo"}[5m]))', "{{instance}} out"))),
    folder=FOLDER,
)


# 3-6 as plain dicts
def _panel(kind, title, unit, *queries, steps=((None, "green"),), w=12, h=8):
    return {
        "type": kind, "title": title, "gridPos": {"x": 0, "y": 0, "w": w, "h": h},
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "targets": [{"refId": chr(65 + i), "expr": e, "legendFormat": lf} for i, (e, lf) in enumerate(queries)],
        "fieldConfig": {"defaults": {"unit": unit, "thresholds": {
            "mode": "absolute", "steps": [{"value": v, "color": c} for v, c in steps]}}, "overrides": []},
    }


def _dict_dashboard(title, panels):
    # lay the panels out two per line (x, y computed here; obskit checks them)
    for i, p in enumerate(panels):
        p["gridPos"] = {"x": (i % 2) * 12, "y": (i // 2) * 8, "w": 12, "h": 8}
    return {"title": title, "tags": ["llm-marketplace"], "time": {"from": "now-6h", "to": "now"},
            "templating": {"list": [{"type": "datasource", "name": "datasource", "label": "Data source",
                                     "query": "prometheus",
                                     "current": {"text": "Prometheus", "value": "prometheus"}}]},
            "annotations": {"list": []}, "panels": panels}


database = Dashboard(_dict_dashboard("LLM Marketplace - Database Performance", [
    _panel("timeseries", "Connections", "short",
           ('sum(pg_stat_activity_count{datname="marketplace"})', "connections"),
           ("max(pg_settings_max_connections)", "max"), steps=((None, "green"), (450, "orange"), (500, "red"))),
    _panel("timeseries", "Longest running transaction (slow queries)", "s",
           ('max by (instance) (pg_stat_activity_max_tx_duration{datname="marketplace"})', "{{instance}}"),
           steps=((None, "green"), (1, "orange"), (5, "red"))),
    _panel("timeseries", "Replication lag", "s", ("max by (instance) (pg_replication_lag)", "{{instance}}"),
           steps=((None, "green"), (10, "orange"), (60, "red"))),
    _panel("timeseries", "Connection pool use (1 = exhausted)", "percentunit",
           (f'sum by (service, pool_name) (db_client_connections_usage{{{NS},state="used"}})\n'
            f"/ sum by (service, pool_name) (db_client_connections_max{{{NS}}})", "{{service}} {{pool_name}}"),
           steps=((None, "green"), (0.8, "orange"), (1, "red"))),
    _panel("timeseries", "Transactions per second", "ops",
           ('sum(rate(pg_stat_database_xact_commit{datname="marketplace"}[5m]))', "commits"),
           ('sum(rate(pg_stat_database_xact_rollback{datname="marketplace"}[5m]))', "rollbacks")),
]), folder=FOLDER)

cache = Dashboard(_dict_dashboard("LLM Marketplace - Cache", [
    _panel("stat", "Hit rate", "percentunit",
           ("sum(rate(redis_keyspace_hits_total[5m])) / (sum(rate(redis_keyspace_hits_total[5m])) "
            "+ sum(rate(redis_keyspace_misses_total[5m])))", "hit rate"),
           steps=((None, "red"), (0.9, "green"))),
    _panel("timeseries", "Memory usage", "percentunit",
           ("redis_memory_used_bytes / redis_memory_max_bytes", "{{instance}}"),
           steps=((None, "green"), (0.85, "orange"))),
    _panel("timeseries", "Evictions", "ops", ("sum by (instance) (rate(redis_evicted_keys_total[5m]))", "{{instance}}")),
    _panel("timeseries", "Connected clients", "short", ("sum by (instance) (redis_connected_clients)", "{{instance}}")),
]), folder=FOLDER)

message_queue = Dashboard(_dict_dashboard("LLM Marketplace - Message Queue", [
    _panel("timeseries", "Consumer group lag", "short",
           ("sum by (consumergroup, topic) (kafka_consumergroup_lag)", "{{consumergroup}} / {{topic}}")),
    _panel("timeseries", "Throughput (messages in)", "short",
           ("sum by (topic) (rate(kafka_topic_partition_current_offset[5m]))", "{{topic}}")),
    _panel("table", "Consumer groups", "short", ("sum by (consumergroup) (kafka_consumergroup_members)", "")),
    _panel("timeseries", "Under-replicated partitions", "short",
           ("sum by (topic) (kafka_topic_partition_under_replicated_partition)", "{{topic}}"),
           steps=((None, "green"), (1, "red"))),
]), folder=FOLDER)

business = Dashboard(_dict_dashboard("LLM Marketplace - Business Metrics", [
    _panel("timeseries", "API usage by consumer", "reqps",
           ("topk(10, sum by (consumer) (rate(marketplace_api_requests_total[5m])))", "{{consumer}}")),
    _panel("timeseries", "Service consumption by LLM service", "short",
           ("sum by (service) (increase(marketplace_service_consumption_total[1h]))", "{{service}}")),
    _panel("stat", "Revenue (24h)", "currencyUSD", ("sum(increase(marketplace_revenue_usd_total[24h]))", "revenue")),
    _panel("stat", "Active consumers (24h)", "short",
           ("count(sum by (consumer) (increase(marketplace_api_requests_total[24h])) > 0)", "consumers")),
]), folder=FOLDER)
