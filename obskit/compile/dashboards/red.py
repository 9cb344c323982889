"""RED service overview (rate, errors, duration) generated from a service's SLI selectors.

A ratio SLI gives the request counter (``total``) and the errors (``errors`` or ``total - good``); a
latency SLI gives the histogram, read for the P50, P95 and P99. Availability and raw SLIs carry no
request counts, so a service with only those gets no RED dashboard.
"""
from __future__ import annotations

from typing import List, Optional, Sequence

from obskit.compile import conventions as conv
from obskit.compile.dashboards.ir import DashboardSpec, Link, Panel, Row
from obskit.compile.dashboards.slo import DEFAULT_DATASOURCE_UID, TAGS, datasource_var, q
from obskit.model.sli import LatencySLI, RatioSLI
from obskit.model.slo import SLO
from obskit.promql import sum_by

RATE = "$__rate_interval"
QUANTILES = (0.5, 0.95, 0.99)


def _rate(sel, by=()) -> str:
    return sum_by(by, f"rate({sel}[{RATE}])")


def has_red(slos: Sequence[SLO]) -> bool:
    """Whether :func:`red` gives these SLOs a dashboard (a ratio or latency SLI among them)."""
    return any(isinstance(s.sli, (RatioSLI, LatencySLI)) for s in slos)


def red(service: str, slos: Sequence[SLO], datasource_uid: str = DEFAULT_DATASOURCE_UID) -> Optional[DashboardSpec]:
    ratio = next((s.sli for s in sorted(slos, key=lambda s: s.name) if isinstance(s.sli, RatioSLI)), None)
    latency = next((s.sli for s in sorted(slos, key=lambda s: s.name) if isinstance(s.sli, LatencySLI)), None)
    panels: List[Panel] = []
    if ratio is not None:
        total = ratio.total
        panels.append(Panel("timeseries", "Request rate", (q(_rate(total), "requests/s"),), unit="reqps",
                            width=8))
        if ratio.errors is not None:
            err = f"{_rate(ratio.errors)}\n/\n{_rate(total)}"
        else:
            err = f"1 - {_rate(ratio.good)}\n/\n{_rate(total)}"
        panels.append(Panel("timeseries", "Error ratio", (q(err, "errors"),), unit="percentunit", width=8))
    elif latency is not None:
        if latency.native:   # a native histogram: its count is histogram_count of the summed rate
            rate = f"histogram_count({_rate(latency.native_histogram)})"
        else:
            rate = _rate(latency.histogram.renamed(latency.histogram.metric + "_count"))
        panels.append(Panel("timeseries", "Request rate", (q(rate, "requests/s"),), unit="reqps",
                            width=8))
    if latency is not None:
        if latency.native:
            summed = _rate(latency.native_histogram)
        else:
            summed = _rate(latency.histogram.renamed(latency.histogram.metric + "_bucket"), ("le",))
        panels.append(Panel("timeseries", "Duration percentiles",
                            tuple(q(f"histogram_quantile({qt}, {summed})", f"P{int(qt * 100)}")
                                  for qt in QUANTILES), unit="s", width=8))
    if not panels:
        return None
    return DashboardSpec(
        title=conv.red_title(service),
        description=f"Rate, errors and duration of {service}, from the selectors of its SLIs.",
        tags=(conv.DASHBOARD_TAG, "red", service), variables=(datasource_var(datasource_uid),),
        rows=(Row("RED", tuple(panels)),), links=(Link("SLO dashboards", TAGS),))
