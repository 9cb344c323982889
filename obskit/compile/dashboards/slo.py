"""SLO dashboards generated from the SLOs: one overview of every SLO, one detail dashboard per service.

The overview is a constant number of panels whatever the number of SLOs: one table row per SLO, from
instant queries that return every SLO at once. A detail dashboard has one row per SLO, repeated by
Grafana from a row per kind of SLO over a template variable (its size follows the kinds of SLOs, not
their number); above a few SLOs the rows are collapsed under a table of the service's SLOs.

They read only the recording rules the SLO compiler records (``slo:*`` with ``obskit_service`` and
``obskit_slo``) and Prometheus' ``ALERTS`` series, through the ``${datasource}`` variable.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from obskit.compile import conventions as conv
from obskit.compile.dashboards.ir import (DashboardSpec, DataLink, DatasourceRef, FieldOverride, Link, Merge,
                                          Organize, Panel, Query, Row, Threshold, Variable)
from obskit.model.dashboard_uid import uid_from_name
from obskit.compile.slo import windows_needed
from obskit.model.slo import SLO
from obskit.project import DEFAULT_DATASOURCE_UIDS
from obskit.promql import fmt_number, quote

DEFAULT_DATASOURCE_UID = DEFAULT_DATASOURCE_UIDS["prometheus"]

PROMETHEUS = DatasourceRef("prometheus", "${%s}" % conv.DATASOURCE_VARIABLE)
TAGS = (conv.DASHBOARD_TAG, "slo")
BURN_UNIT = "suffix:x"   # Grafana custom unit: 14.4x
ALL_VALUE = "$__all"     # a variable's "All" option (obskit.render.grafana.ALL)


def datasource_var(uid: str = DEFAULT_DATASOURCE_UID) -> Variable:
    """The ``datasource`` variable every generated panel queries through: Prometheus datasources,
    ``uid`` (``[grafana] prometheus_datasource_uid``) selected by default."""
    return Variable(name=conv.DATASOURCE_VARIABLE, kind="datasource", query="prometheus", label="Data source",
                    default=uid)


def selector(slo: SLO, name: Optional[str] = None) -> str:
    """``{obskit_service="<service>",obskit_slo="<name>"}``; ``name`` (e.g. ``${slo}``, a template
    variable) stands for the SLO's name."""
    return "{" + f"{conv.LABEL_SERVICE}={quote(slo.service)},{conv.LABEL_SLO}={quote(name or slo.name)}" + "}"


def q(expr: str, legend: str = "", instant: bool = False, table: bool = False) -> Query:
    return Query(expr=expr, datasource=PROMETHEUS, legend=legend, instant=instant, table=table)


def burn_rate_expr(slo: SLO, window, sel: str = "") -> str:
    sel = sel or selector(slo)
    return (f"{conv.error_ratio_record(window)}{sel}\n/ on({conv.LABEL_SERVICE}, {conv.LABEL_SLO}) group_left\n"
            f"{conv.ERROR_BUDGET}{sel}")


def alerts_selector(slo: SLO, name: Optional[str] = None, firing: bool = False) -> str:
    state = 'alertstate="firing",' if firing else ""
    return (f"{conv.ALERTS_METRIC}{{{state}{conv.LABEL_SERVICE}={quote(slo.service)},"
            f"{conv.LABEL_SLO}={quote(name or slo.name)}}}")


def firing_alerts_expr(slo: SLO, name: Optional[str] = None) -> str:
    return f"count({alerts_selector(slo, name, firing=True)}) or vector(0)"


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
    """What the panels of one SLO read: its selector and what its panels show besides its name."""

    sel: str
    burn: Tuple[Threshold, ...]
    windows: tuple
    name: str          # the SLO's name in titles and queries: the name itself or ``${<variable>}``


def _facts(slo: SLO, name: Optional[str] = None) -> _Facts:
    return _Facts(selector(slo, name), _burn_thresholds(slo), windows_needed(slo), name or slo.name)


def summary_panels(slo: SLO, width: int = 4, facts: Optional[_Facts] = None) -> Tuple[Panel, ...]:
    """Objective, SLI over the period, remaining budget, current burn rate, firing alerts."""
    facts = facts or _facts(slo)
    sel = facts.sel
    period = str(slo.period)
    name = f"{slo.service}/{facts.name}"
    about = slo.description if facts.name == slo.name else ""     # a repeated row shows it above (notes)
    return (
        Panel("stat", f"{name}: objective", (q(f"{conv.OBJECTIVE}{sel}", instant=True),),
              description=about, unit="percentunit", decimals=3, width=width, height=4),
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
        Panel("stat", f"{name}: firing alerts", (q(firing_alerts_expr(slo, facts.name), instant=True),), unit="none",
              width=width, height=4, thresholds=(Threshold(None, "green"), Threshold(1, "red")),
              color_background=True),
    )


def burn_windows_panel(slo: SLO, kind: str, width: int, height: int, facts: Optional[_Facts] = None) -> Panel:
    facts = facts or _facts(slo)
    return Panel(kind, f"{slo.service}/{facts.name}: burn rate per window",
                 tuple(q(burn_rate_expr(slo, w, facts.sel), legend=str(w), instant=kind != "timeseries")
                       for w in facts.windows),
                 description="Error ratio over each window divided by the error budget: 1 spends the budget "
                             "exactly over the SLO period.",
                 unit=BURN_UNIT, decimals=2, width=width, height=height, thresholds=facts.burn)


# --- overview: one table row per SLO ---------------------------------------------------------------
#: a detail dashboard with more SLOs than this collapses its rows (the browser renders opened rows only)
COLLAPSE_ABOVE = 3
_BY = f"{conv.LABEL_SERVICE}, {conv.LABEL_SLO}"
_ANY_SELECTED = f'{conv.LABEL_SERVICE}=~"${conv.SERVICE_VARIABLE}"'     # the services the variable selects
_SERVICE_SELECTOR = "{" + _ANY_SELECTED + "}"
#: table columns: (query refId, column title); the label columns come first
COLUMNS = (("A", "Objective"), ("B", "SLI (own period)"), ("C", "Error budget left"),
           ("D", f"Burn rate ({conv.CURRENT_WINDOW})"), ("E", "Firing alerts"))


def service_var() -> Variable:
    """Multi-select service filter (with All, standing for any service) read by every overview query."""
    return Variable(name=conv.SERVICE_VARIABLE, kind="query", label="Service",
                    query=f"label_values({conv.OBJECTIVE}, {conv.LABEL_SERVICE})", datasource=PROMETHEUS,
                    default="$__all", multi=True, include_all=True, all_value=".+")


def overview_exprs(matcher: str = _ANY_SELECTED) -> Tuple[str, ...]:
    """The queries of the overview table, in :data:`COLUMNS` order, for the SLOs of the services
    ``matcher`` selects. Each returns one sample per SLO labelled with exactly ``obskit_service`` and
    ``obskit_slo`` (aggregated by them, which also drops the metric name: the table's ``merge`` joins
    rows on these two columns)."""
    sel = "{" + matcher + "}"
    return (
        f"max by ({_BY}) ({conv.OBJECTIVE}{sel})",
        # the SLI over each SLO's own period, from records that do not name the period
        f"1 - max by ({_BY}) (\n  {conv.PERIOD_BURN_RATE}{sel}\n  * on({_BY})\n  {conv.ERROR_BUDGET}{sel}\n)",
        f"max by ({_BY}) ({conv.BUDGET_REMAINING}{sel})",
        f"max by ({_BY}) ({conv.CURRENT_BURN_RATE}{sel})",
        f'count by ({_BY}) ({conv.ALERTS_METRIC}{{alertstate="firing",{matcher}}})'
        f"\nor on({_BY})\n0 * max by ({_BY}) ({conv.OBJECTIVE}{sel})",
    )


def overview_counts() -> Tuple[Panel, ...]:
    """Three small figures above the table: SLOs shown, out of budget, burning faster than budgeted."""
    sel = _SERVICE_SELECTOR
    return (
        Panel("stat", "SLOs", (q(f"count({conv.OBJECTIVE}{sel}) or vector(0)", instant=True),), unit="none",
              width=8, height=4),
        Panel("stat", "SLOs out of error budget",
              (q(f"count({conv.BUDGET_REMAINING}{sel} <= 0) or vector(0)", instant=True),), unit="none",
              description="SLOs whose error budget for their period is spent.", width=8, height=4,
              thresholds=(Threshold(None, "green"), Threshold(1, "red")), color_background=True),
        Panel("stat", f"SLOs burning faster than budgeted ({conv.CURRENT_WINDOW})",
              (q(f"count({conv.CURRENT_BURN_RATE}{sel} > 1) or vector(0)", instant=True),), unit="none",
              description="SLOs whose current burn rate is above 1x: at that pace the budget is spent before the "
                          "end of the period.", width=8, height=4,
              thresholds=(Threshold(None, "green"), Threshold(1, "orange")), color_background=True),
    )


def detail_link(services: Sequence[str]) -> DataLink:
    """From a row to its service's detail dashboard. Its uid is ``slos-<service>`` unless the service
    name holds a character the uid rule replaces or is too long: then the link opens the dashboard
    search for the service's tag (the detail dashboards carry it), which lists that one dashboard."""
    field = "${__data.fields.%s}" % conv.LABEL_SERVICE
    prefix = uid_from_name(conv.slo_detail_title("x"))[:-1]
    keep = "&".join(f"var-{v}=${{{v}}}" for v in (conv.DATASOURCE_VARIABLE,))
    if all(uid_from_name(conv.slo_detail_title(s)) == prefix + s for s in services):
        url = f"/d/{prefix}{field}?${{__url_time_range}}&{keep}"
    else:
        url = "/dashboards?" + "&".join(f"tag={t}" for t in TAGS[1:]) + f"&tag={field}"
    return DataLink("SLOs of ${__data.fields.%s}" % conv.LABEL_SERVICE, url)


def _common_burn_thresholds(slos: Sequence[SLO]) -> Tuple[Threshold, ...]:
    """Burn-rate colours at the alert factors every SLO shares (1x alone when they share none)."""
    per_slo = [set(_burn_thresholds(s)) for s in slos]
    common = set.intersection(*per_slo) if per_slo else set()
    return tuple(sorted(common | {Threshold(None, "green"), Threshold(1, "yellow")},
                        key=lambda t: -1.0 if t.value is None else t.value))


def overview_table(slos: Sequence[SLO], matcher: str = _ANY_SELECTED, links: bool = True) -> Panel:
    """One row per SLO of the services ``matcher`` selects; ``links``: Service and SLO cells open the
    service's detail dashboard."""
    link = (detail_link(sorted({s.service for s in slos})),) if links else ()
    value = {ref: f"Value #{ref}" for ref, _ in COLUMNS}
    title = dict(COLUMNS)
    rename = ((conv.LABEL_SERVICE, "Service"), (conv.LABEL_SLO, "SLO")) + tuple(
        (value[ref], title[ref]) for ref, _ in COLUMNS)
    overrides = tuple(FieldOverride(column, links=link) for column in ("Service", "SLO") if link) + (
        FieldOverride(title["A"], unit="percentunit", decimals=3),
        FieldOverride(title["B"], unit="percentunit", decimals=3),
        FieldOverride(title["C"], unit="percentunit", decimals=1, thresholds=_budget_thresholds(),
                      cell="color-background"),
        FieldOverride(title["D"], unit=BURN_UNIT, decimals=2, thresholds=_common_burn_thresholds(slos),
                      cell="color-text"),
        FieldOverride(title["E"], unit="none", decimals=0, thresholds=(Threshold(None, "green"), Threshold(1, "red")),
                      cell="color-background"),
    )
    return Panel(
        "table", "Service level objectives",
        tuple(q(expr, instant=True, table=True) for expr in overview_exprs(matcher)),
        description="One row per SLO. SLI and error budget are over each SLO's own period; the burn rate is "
                    f"the error ratio over {conv.CURRENT_WINDOW} divided by the error budget (1x spends the budget "
                    "exactly over the period)." + (" Click a service or an SLO for its detail dashboard." if links
                                                     else ""),
        width=24, height=20 if links else min(20, 3 + len(slos)),
        transformations=(Merge(), Organize(hide=("Time",), rename=rename,
                                           order=(conv.LABEL_SERVICE, conv.LABEL_SLO) + tuple(value.values()))),
        overrides=overrides, sort_by=((title["C"], False),))


def overview(slos: Sequence[SLO], datasource_uid: str = DEFAULT_DATASOURCE_UID) -> DashboardSpec:
    """Every SLO in one table (a constant number of panels, whatever the number of SLOs)."""
    return DashboardSpec(
        title=conv.SLO_OVERVIEW_TITLE,
        description="Every SLO, one table row each: objective, SLI and remaining error budget over its period, "
                    "current burn rate and firing alerts.",
        tags=TAGS, variables=(datasource_var(datasource_uid), service_var()),
        rows=(Row("SLOs", overview_counts() + (overview_table(slos),)),),
        links=(Link("SLO dashboards", TAGS),), time_from="now-24h")


#: the detail dashboard's template variable over a service's SLOs (``slo2``, ... when its SLOs differ
#: in what their rows show: one variable and one repeated row per kind)
SLO_VARIABLE = "slo"


def _shape(slo: SLO) -> tuple:
    """What an SLO's detail row shows besides its name (objective, period, alert factors, windows):
    the SLOs of a service alike in these share one row repeated over them."""
    return (slo.objective, slo.period, _burn_thresholds(slo), windows_needed(slo))


def _notes(slo: SLO) -> str:
    return (f"{slo.description}" + (f" Owner: {slo.owner}." if slo.owner else "")
            + (f" [Runbook]({slo.runbook_url})" if slo.runbook_url else "")).strip()


def _row_panels(slo: SLO, facts: _Facts) -> Tuple[Panel, ...]:
    """The panels of one SLO's row; ``facts.name`` is its name or the row's variable."""
    sel = facts.sel
    notes = _notes(slo) if facts.name == slo.name else ""
    text = (f"**{slo.service}/{facts.name}**: {fmt_number(slo.objective)} % over {slo.period}."
            + (f" {notes}" if notes else ""))
    return (Panel("text", "About", text=text, width=24, height=2), *summary_panels(slo, width=4, facts=facts),
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
            Panel("table", "Alerts", (q(alerts_selector(slo, facts.name), instant=True, table=True),),
                  description="Pending and firing alerts of this SLO.", width=12, height=8))


def _kinds(slos: Sequence[SLO]) -> Tuple[Tuple[SLO, ...], ...]:
    """The service's SLOs by :func:`_shape`, in name order (kinds in the order of their first SLO)."""
    kinds: dict = {}
    for slo in sorted(slos, key=lambda s: s.name):
        kinds.setdefault(_shape(slo), []).append(slo)
    return tuple(tuple(k) for k in kinds.values())


def _slo_variable(name: str, kind: Sequence[SLO], label: str) -> Variable:
    """A custom variable listing ``kind``'s SLO names, all selected: its row repeats once per SLO."""
    return Variable(name=name, kind="custom", query=",".join(s.name for s in kind), label=label, default=ALL_VALUE,
                    multi=True, include_all=True)


def detail(service: str, slos: Sequence[SLO], datasource_uid: str = DEFAULT_DATASOURCE_UID) -> DashboardSpec:
    """One row per SLO of the service, from one row per kind of SLO (:func:`_shape`) repeated over a
    template variable listing that kind's SLOs: the dashboard's size follows the kinds, not the SLOs.
    The SLOs' descriptions, owners and runbooks, which differ per SLO, are notes above the rows; above a
    few SLOs the rows are collapsed under a table of the service's SLOs."""
    kinds = _kinds(slos)
    collapsed = len(slos) > COLLAPSE_ABOVE
    variables, rows = [datasource_var(datasource_uid)], []
    said = [(k[0].objective, k[0].period) for k in kinds]
    for i, kind in enumerate(kinds):
        name = SLO_VARIABLE if i == 0 else f"{SLO_VARIABLE}{i + 1}"
        first = kind[0]
        label = "SLO" if len(kinds) == 1 else f"SLO ({fmt_number(first.objective)} % over {first.period}" + (
            f", kind {i + 1})" if said.count(said[i]) > 1 else ")")     # kinds alike but in alert windows
        variables.append(_slo_variable(name, kind, label))
        facts = _facts(first, "${%s}" % name)
        rows.append(Row("${%s}" % name, _row_panels(first, facts), collapsed=collapsed, repeat=name))
    notes = [f"**{s.name}**: {_notes(s)}" for s in sorted(slos, key=lambda s: s.name) if _notes(s)]
    top = [Panel("text", "About these SLOs", text="\n\n".join(notes), width=24, height=min(8, 1 + len(notes)))] \
        if notes else []
    if collapsed:                     # collapsed rows: every SLO at a glance above them
        top.append(overview_table(slos, f"{conv.LABEL_SERVICE}={quote(service)}", links=False))
    if top:
        rows.insert(0, Row("Summary", tuple(top)))
    return DashboardSpec(
        title=conv.slo_detail_title(service),
        description=f"SLOs of {service}: budgets, burn rates per alert window, alerts.",
        tags=TAGS + (service,), variables=tuple(variables), rows=tuple(rows),
        links=(Link("SLO dashboards", TAGS),), time_from="now-7d")
