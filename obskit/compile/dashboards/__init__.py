"""Dashboards: the project's dashboards (the users', converted to current shapes, and the generated SLO and RED
ones) compiled to an intermediate model that the Grafana renderers write.

- :mod:`~obskit.compile.dashboards.project`   project → :class:`~.ir.CompiledDashboards` (folders, uids, checks)
- :mod:`~obskit.compile.dashboards.ir`        the intermediate model (specs, panels, queries, links)
- :mod:`~obskit.compile.dashboards.slo`       the generated SLO overview and per-service detail dashboards
- :mod:`~obskit.compile.dashboards.red`       the generated RED dashboards
- :mod:`~obskit.compile.dashboards.layout`    grid flow and row headers
- :mod:`~obskit.compile.dashboards.defaults`  panel defaults (units, thresholds) for authored panels
- :mod:`~obskit.compile.dashboards.uid`       stable uids from names
- :mod:`~obskit.compile.dashboards.upgrade`   old dashboard JSON → current shapes, as Grafana migrates on load
- :mod:`~obskit.compile.dashboards.legacy`    the oldest shapes (graph, singlestat, old table, rows) → current
"""
