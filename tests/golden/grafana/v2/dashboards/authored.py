"""An authored dashboard converted to schema v2: rows (one collapsed, one repeated), a repeated
panel, every variable kind obskit converts, datasource names, a variable and a direct uid."""
from obskit.model.dashboards import Dashboard

fleet = Dashboard(
    {
        "title": "Fleet",
        "uid": "fleet",
        "graphTooltip": 0,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": [
            {"type": "datasource", "name": "datasource", "query": "prometheus", "label": "Data source"},
            {"type": "query", "name": "instance", "datasource": {"type": "prometheus", "uid": "${datasource}"},
             "query": "label_values(up, instance)", "multi": True, "includeAll": True, "allValue": ".+",
             "current": {"text": ["All"], "value": ["$__all"]}, "refresh": 2, "sort": 1},
            {"type": "custom", "name": "quantile", "query": "0.5,0.9,0.99",
             "current": {"text": "0.9", "value": "0.9"},
             "options": [{"text": "0.5", "value": "0.5"}, {"text": "0.9", "value": "0.9"},
                         {"text": "0.99", "value": "0.99"}]},
            {"type": "interval", "name": "window", "query": "1m,5m,1h", "current": {"text": "5m", "value": "5m"}},
            {"type": "constant", "name": "job", "query": "api", "hide": 2},
            {"type": "textbox", "name": "filter", "query": ""},
        ]},
        "panels": [
            {"type": "stat", "title": "Targets up", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4},
             "datasource": "$datasource", "targets": [{"expr": 'count(up{job="$job"} == 1)'}]},
            {"type": "row", "title": "Per instance", "gridPos": {"x": 0, "y": 4, "w": 24, "h": 1},
             "repeat": "instance", "panels": []},
            {"type": "timeseries", "title": "Up: $instance", "gridPos": {"x": 0, "y": 5, "w": 12, "h": 8},
             "datasource": "Prometheus", "repeat": "instance", "repeatDirection": "h", "maxPerRow": 4,
             "targets": [{"expr": 'up{instance=~"$instance"}', "legendFormat": "{{instance}}"}]},
            {"type": "row", "title": "Logs", "collapsed": True, "gridPos": {"x": 0, "y": 13, "w": 24, "h": 1},
             "panels": [{"type": "logs", "title": "Errors", "datasource": "Loki",
                         "gridPos": {"x": 0, "y": 14, "w": 24, "h": 8},
                         "targets": [{"expr": '{job="$job"} |= "$filter"'}]}]},
        ],
    },
    folder="Platform",
)
