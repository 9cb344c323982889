"""Dashboards: the project's dashboards (the users', converted to current shapes, and the generated SLO and RED
ones) compiled to an intermediate model that the Grafana renderers write. Uids come from
:mod:`obskit.model.dashboard_uid` (a Dashboard checks and knows its own).

- :mod:`~obskit.compile.dashboards.project`   project → :class:`~.ir.CompiledDashboards` (folders, uids, checks)
- :mod:`~obskit.compile.dashboards.ir`        the intermediate model (specs, panels, queries, links)
- :mod:`~obskit.compile.dashboards.slo`       the generated SLO overview and per-service detail dashboards
- :mod:`~obskit.compile.dashboards.red`       the generated RED dashboards
- :mod:`~obskit.compile.dashboards.layout`    grid flow and row headers
- :mod:`~obskit.compile.dashboards.defaults`  panel defaults (units, thresholds) for authored panels
- :mod:`~obskit.compile.dashboards.upgrade`   old dashboard JSON → current shapes, as Grafana migrates on load
- :mod:`~obskit.compile.dashboards.legacy`    plugin-level migrations before the upgrade, clean-up after it
- :mod:`~obskit.compile.dashboards.migrate`   one module per old panel family (graph, singlestat, table, ...)
"""
