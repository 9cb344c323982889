"""A grafana-foundation-sdk builder and a plain dict, in one module and one folder."""
from grafana_foundation_sdk.builders import dashboard as sdk
from grafana_foundation_sdk.builders import prometheus, timeseries

from obskit.model.dashboards import Dashboard

built = Dashboard(
    sdk.Dashboard("SDK dashboard").uid("sdk-dash").tags(["team-a"])
    .with_panel(timeseries.Panel().title("Up").unit("short")
                .with_target(prometheus.Dataquery().expr("sum(up)").legend_format("up"))),
    folder="Team A",
)

plain = Dashboard(
    {
        "title": "Plain dict with a very long title that needs a shortened stable uid",
        "panels": [
            {"type": "row", "title": "Logs", "collapsed": True, "panels": [
                {"type": "logs", "title": "Errors", "datasource": "Loki",
                 "targets": [{"expr": '{app="api"} |= "error"'}]}]},
            {"type": "text", "title": "Notes", "mode": "markdown", "content": "Hello", "gridPos": {"w": 24, "h": 3}},
            {"type": "stat", "title": "Targets", "datasource": {"type": "prometheus", "uid": "prometheus"},
             "targets": [{"expr": "count(up)", "refId": "A"}]},
        ],
    },
    folder="Team A",
)
