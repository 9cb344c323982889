"""A grafanalib dashboard with legacy shapes: rows with span, graph and singlestat panels."""
from grafanalib import core as g

from obskit.model.dashboards import Dashboard

legacy = Dashboard(
    g.Dashboard(
        title="Legacy grafanalib",
        sharedCrosshair=True,
        rows=[
            g.Row(title="Traffic", showTitle=True, panels=[
                g.Graph(title="Requests", dataSource="Prometheus", span=8, stack=True, fill=2,
                        targets=[g.Target(expr='sum by (code) (rate(http_requests_total[5m]))',
                                          legendFormat="{{code}}")],
                        legend=g.Legend(current=True, max=True, alignAsTable=True, rightSide=True),
                        tooltip=g.Tooltip(shared=False, sort=2),
                        yAxes=g.YAxes(left=g.YAxis(format="reqps", min=0)),
                        aliasColors={"500": "red"},
                        seriesOverrides=[{"alias": "/4../", "yaxis": 2, "linewidth": 3}],
                        thresholds=[g.GraphThreshold(value=100.0, colorMode="critical")]),
                g.SingleStat(title="Uptime", span=4, format="percentunit", valueName="current",
                             thresholds="0.99,0.999", colorBackground=True,
                             sparkline=g.SparkLine(show=True),
                             targets=[g.Target(expr="avg(up)")]),
            ]),
            g.Row(title="Saturation", showTitle=True, height=g.Pixels(320), panels=[
                g.SingleStat(title="Queue", gauge=g.Gauge(show=True, maxValue=500), postfix=" jobs",
                             valueMaps=[g.ValueMap(op="=", text="empty", value="0")],
                             targets=[g.Target(expr="sum(queue_depth)")]),
                g.Graph(title="Memory", bars=True, targets=[g.Target(expr="sum(process_resident_memory_bytes)")],
                        yAxes=g.YAxes(left=g.YAxis(format="bytes", logBase=2))),
            ]),
        ],
    ),
    folder="Legacy",
)
