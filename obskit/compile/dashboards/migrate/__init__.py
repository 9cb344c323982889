"""Old panel families → current panels, one module per family, the way Grafana migrates them on load
(its ``DashboardMigrator`` and each panel plugin's migration handler):

- :mod:`.graph`       ``graph`` → ``timeseries`` (or ``histogram`` for a histogram x-axis), series overrides
- :mod:`.singlestat`  ``singlestat`` → ``stat`` / ``gauge``
- :mod:`.table`       the old table (``styles``, ``table-old``) → ``table`` with overrides
- :mod:`.heatmap`     the pre-9 heatmap → the heatmap's options
- :mod:`.piechart`    ``grafana-piechart-panel`` → ``piechart``
- :mod:`.worldmap`    ``grafana-worldmap-panel`` → ``geomap``
- :mod:`.singlevalue` pre-7 ``gauge``/``bargauge``/``stat`` field options → ``fieldConfig``, ``reduceOptions``
- :mod:`.lists`       the pre-7.5 ``alertlist`` and ``dashlist`` top-level keys → their ``options``
- :mod:`.grid`        old ``rows`` → row panels and ``gridPos``; layout checks; panel ids
- :mod:`.common`      helpers they share (numbers, matchers, reducers)

:mod:`obskit.compile.dashboards.legacy` runs the plugin-level migrations before the upgrade,
:mod:`obskit.compile.dashboards.upgrade` the graph and singlestat conversions during it.
"""
