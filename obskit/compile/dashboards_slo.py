"""SLO dashboards generated from the SLOs: one overview of every SLO, one detail dashboard per service.

They read only the recording rules the SLO compiler records (``slo:*`` with ``obskit_service`` and
``obskit_slo``) and Prometheus' ``ALERTS`` series, through the ``${datasource}`` variable.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import List, Optional, Sequence, Tuple

from obskit.compile import conventions as conv
from obskit.compile.dashboards_ir import (DashboardSpec, DatasourceRef, Link, Panel, Query, Row, Threshold,
                                          Variable)
from obskit.compile.slo import windows_needed
from obskit.model.slo import SLO
from obskit.promql import fmt_number, quote

PROMETHEUS = DatasourceRef("prometheus", "${%s}" % conv.DATASOURCE_VARIABLE)
TAGS = (conv.DASHBOARD_TAG, "slo")
BURN_UNIT = "suffix:x"   # Grafana custom unit: 14.4x


def datasource_var() -> Variable:
    uid, name, _ = conv.GRAFANA_DATASOURCES["prometheus"]
    return Variable(name=conv.DATASOURCE_VARIABLE, kind="datasource", query="prometheus", label="Data source",
                    default=uid)


def selector(slo: SLO) -> str:
    return "{" + f"{conv.LABEL_SERVICE}={quote(slo.service)},{conv.LABEL_SLO}={quote(slo.name)}" + "}"


def q(expr: str, legend: str = "", instant: bool = False, table: bool = False) -> Query:
    return Query(expr=expr, datasource=PROMETHEUS, legend=legend, instant=instant, table=table)


def burn_rate_expr(slo: SLO, window, sel: str = "") -> str:
    sel = sel or selector(slo)
    return (f"{conv.error_ratio_record(window)}{sel}\n/ on({conv.LABEL_SERVICE}, {conv.LABEL_SLO}) group_left\n"
            f"{conv.ERROR_BUDGET}{sel}")


def firing_alerts_expr(slo: SLO) -> str:
    return (f'count({conv.ALERTS_METRIC}{{alertstate="firing",{conv.LABEL_SERVICE}={quote(slo.service)},'
            f'{conv.LABEL_SLO}={quote(slo.name)}}}) or vector(0)')


_BUDGET_THRESHOLDS = (Threshold(None, "red"), Threshold(0.25, "orange"), Threshold(0.5, "green"))


def _budget_thresholds() -> Tuple[Threshold, ...]:
    return _BUDGET_THRESHOLDS


def _burn_thresholds(slo: SLO) -> Tuple[Threshold, ...]:
    factors = sorted({w.factor_for(slo.period) for t in slo.alerting.tiers for w in t.windows})
    steps = [Threshold(None, "green"), Threshold(1, "yellow")]
    colors = ["orange", "red", "dark-red", "purple"]
    for i, f in enumerate(factors):
        if f > 1:
            steps.append(Threshold(float(fmt_number(f)), colors[min(i, len(colors) - 1)]))
    return tuple(steps)


@dataclass(frozen=True)
class _Facts:
    """What several panels of one SLO read, worked out once per dashboard."""

    sel: str
    burn: Tuple[Threshold, ...]
    windows: tuple


def _facts(slo: SLO) -> _Facts:
    return _Facts(selector(slo), _burn_thresholds(slo), windows_needed(slo))


def summary_panels(slo: SLO, width: int = 4, facts: Optional[_Facts] = None) -> Tuple[Panel, ...]:
    """Objective, SLI over the period, remaining budget, current burn rate, firing alerts."""
    facts = facts or _facts(slo)
    sel = facts.sel
    period = str(slo.period)
    name = f"{slo.service}/{slo.name}"
    return (
        Panel("stat", f"{name}: objective", (q(f"{conv.OBJECTIVE}{sel}", instant=True),),
              description=slo.description, unit="percentunit", decimals=3, width=width, height=4),
        Panel("stat", f"{name}: SLI ({period})",
              (q(f"1 - {conv.error_ratio_record(slo.period)}{sel}", instant=True),),
              unit="percentunit", decimals=3, width=width, height=4,
              thresholds=(Threshold(None, "red"), Threshold(slo.objective / 100, "green"))),
        Panel("stat", f"{name}: error budget left", (q(f"{conv.BUDGET_REMAINING}{sel}", instant=True),),
              unit="percentunit", decimals=1, width=width, height=4, thresholds=_budget_thresholds(),
              color_background=True),
        Panel("stat", f"{name}: burn rate ({conv.CURRENT_WINDOW})",
              (q(f"{conv.CURRENT_BURN_RATE}{sel}", instant=True),), unit=BURN_UNIT, decimals=2, width=width, height=4,
              thresholds=facts.burn),
        Panel("stat", f"{name}: firing alerts", (q(firing_alerts_expr(slo), instant=True),), unit="none",
              width=width, height=4, thresholds=(Threshold(None, "green"), Threshold(1, "red")),
              color_background=True),
    )


def burn_windows_panel(slo: SLO, kind: str, width: int, height: int, facts: Optional[_Facts] = None) -> Panel:
    facts = facts or _facts(slo)
    return Panel(kind, f"{slo.service}/{slo.name}: burn rate per window",
                 tuple(q(burn_rate_expr(slo, w, facts.sel), legend=str(w), instant=kind != "timeseries")
                       for w in facts.windows),
                 description="Error ratio over each window divided by the error budget: 1 spends the budget "
                             "exactly over the SLO period.",
                 unit=BURN_UNIT, decimals=2, width=width, height=height, thresholds=facts.burn)


def overview(slos: Sequence[SLO]) -> DashboardSpec:
    rows = []
    for service, items in groupby(sorted(slos, key=lambda s: (s.service, s.name)), key=lambda s: s.service):
        panels: List[Panel] = []
        for slo in items:
            facts = _facts(slo)
            panels.extend(summary_panels(slo, facts=facts))
            panels.append(burn_windows_panel(slo, "stat", width=4, height=4, facts=facts))
        rows.append(Row(service, tuple(panels)))
    return DashboardSpec(
        title=conv.SLO_OVERVIEW_TITLE,
        description="Every SLO: objective, SLI, remaining error budget, burn rates and firing alerts.",
        tags=TAGS, variables=(datasource_var(),), rows=tuple(rows),
        links=(Link("SLO dashboards", TAGS),), time_from="now-24h")


def detail(service: str, slos: Sequence[SLO]) -> DashboardSpec:
    rows = []
    for slo in sorted(slos, key=lambda s: s.name):
        facts = _facts(slo)
        sel = facts.sel
        text = (f"**{slo.service}/{slo.name}**: {fmt_number(slo.objective)} % over {slo.period}. "
                f"{slo.description}" + (f" Owner: {slo.owner}." if slo.owner else "")
                + (f" [Runbook]({slo.runbook_url})" if slo.runbook_url else ""))
        panels = [Panel("text", "About", text=text, width=24, height=2), *summary_panels(slo, width=4, facts=facts),
                  Panel("stat", "Error budget", (q(f"{conv.ERROR_BUDGET}{sel}", instant=True),),
                        unit="percentunit", decimals=3, width=4, height=4),
                  burn_windows_panel(slo, "timeseries", width=12, height=8, facts=facts),
                  Panel("timeseries", "Error budget left", (q(f"{conv.BUDGET_REMAINING}{sel}", "remaining"),),
                        unit="percentunit", width=12, height=8, thresholds=_budget_thresholds()),
                  Panel("timeseries", f"SLI ({conv.CURRENT_WINDOW} and {slo.period})",
                        (q(f"1 - {conv.error_ratio_record(conv.CURRENT_WINDOW)}{sel}", str(conv.CURRENT_WINDOW)),
                         q(f"1 - {conv.error_ratio_record(slo.period)}{sel}", str(slo.period))),
                        unit="percentunit", width=12, height=8,
                        thresholds=(Threshold(None, "red"), Threshold(slo.objective / 100, "green"))),
                  Panel("table", "Alerts",
                        (q(f'{conv.ALERTS_METRIC}{{{conv.LABEL_SERVICE}={quote(slo.service)},'
                           f'{conv.LABEL_SLO}={quote(slo.name)}}}', instant=True, table=True),),
                        description="Pending and firing alerts of this SLO.", width=12, height=8)]
        rows.append(Row(f"{slo.name}", tuple(panels)))
    return DashboardSpec(
        title=conv.slo_detail_title(service),
        description=f"SLOs of {service}: budgets, burn rates per alert window, alerts.",
        tags=TAGS + (service,), variables=(datasource_var(),), rows=tuple(rows),
        links=(Link("SLO dashboards", TAGS),), time_from="now-7d")
