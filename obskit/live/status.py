"""``obskit status``: every SLO's budget and burn rates, the obskit alerts firing now, and the drift
between the rules the server runs and the rules the build writes, as one :class:`StatusReport`.

Exit codes (:meth:`StatusReport.exit_code`): 0 every budget left and the rules in sync; 3 drift;
4 a budget exhausted (at least one SLO series has spent its whole period's budget). When both hold,
4 wins: an exhausted budget is about users now, drift is about the next deploy; the JSON report always
carries both flags. (1 and 2 keep their meaning: the server could not be read, the definitions are wrong.)
"""
from __future__ import annotations

import time as _time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from obskit.compile import conventions as conv
from obskit.live.budgets import BudgetReader, SLOStatus, request_bound
from obskit.live.connection import PrometheusAPI
from obskit.live.drift import Drift, compare
from obskit.live.server_rules import LiveGroup, built_groups, from_api

EXIT_DRIFT = 3
EXIT_BUDGET_EXHAUSTED = 4


@dataclass(frozen=True)
class FiringAlert:
    alert: str
    state: str                          # firing or pending
    labels: Tuple[Tuple[str, str], ...]
    active_at: str
    service: str = ""                   # the SLO it belongs to, when it carries obskit's labels
    slo: str = ""


@dataclass(frozen=True)
class StatusReport:
    at: float
    slos: Tuple[SLOStatus, ...]
    alerts: Tuple[FiringAlert, ...]     # obskit's alerts (alert names the build writes), firing or pending
    drift: Drift
    requests: int                       # requests sent to the server
    warnings: Tuple[str, ...] = ()      # the server's warnings (with --allow-partial) and infos

    @property
    def exhausted(self) -> Tuple[SLOStatus, ...]:
        return tuple(s for s in self.slos if s.exhausted)

    def exit_code(self) -> int:
        if self.exhausted:
            return EXIT_BUDGET_EXHAUSTED
        if self.drift.drifted:
            return EXIT_DRIFT
        return 0


def request_limit(project) -> int:
    """The bound of a status run's requests (documented in docs/live.md)."""
    return request_bound(project.slos)


def obskit_alerts(data, built: Sequence[LiveGroup]) -> Tuple[FiringAlert, ...]:
    """The alerts of ``/api/v1/alerts`` whose names are alerting rules the build writes."""
    names = {r.name for g in built for r in g.rules if r.kind == "alert"}
    out = []
    for a in (data or {}).get("alerts") or []:
        labels = {str(k): str(v) for k, v in (a.get("labels") or {}).items()}
        name = labels.get("alertname", "")
        if name not in names:
            continue
        out.append(FiringAlert(name, str(a.get("state", "")), tuple(sorted(labels.items())),
                               str(a.get("activeAt") or ""), labels.get(conv.LABEL_SERVICE, ""),
                               labels.get(conv.LABEL_SLO, "")))
    order = {"firing": 0, "pending": 1}
    return tuple(sorted(out, key=lambda f: (order.get(f.state, 2), f.alert, f.labels)))


def read_status(project, api: PrometheusAPI, at: Optional[float] = None) -> StatusReport:
    """Everything ``obskit status`` shows, read from ``api`` at time ``at`` (default: now)."""
    at = _time.time() if at is None else float(at)
    built = built_groups(project)
    server = from_api(api.rules())
    alerts = obskit_alerts(api.alerts(), built)
    drift = compare(built, server, float(project.settings.evaluation_interval))
    reader = BudgetReader(api, server, at, root=str(project.root))
    slos = tuple(reader.read(s) for s in sorted(project.slos, key=lambda s: (s.service, s.name)))
    notes = [f"{what}: {text}" for what, text in api.warnings + api.infos]
    return StatusReport(at, slos, alerts, drift, api.requests_sent, tuple(dict.fromkeys(notes)))


def alerts_by_slo(report: StatusReport) -> Dict[Tuple[str, str], List[FiringAlert]]:
    out: Dict[Tuple[str, str], List[FiringAlert]] = {}
    for a in report.alerts:
        out.setdefault((a.service, a.slo), []).append(a)
    return out
