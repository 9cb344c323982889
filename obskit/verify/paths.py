"""Every alert's path with amtool's routing: for each alert and each server that evaluates it, the
labels it arrives with (from the deployment model, :mod:`obskit.compile.deployment`) and the
receivers ``amtool config routes test`` gives for them on the project's built alertmanager.yml.
``obskit routes`` and ``obskit explain`` print it; CI can diff ``obskit routes --output json``
between two commits.

amtool ignores inhibition and time intervals (it routes; it does not notify). Labels the alert's
series carry (``job``, ``instance``, ...) are not known before the data exists and are not part of
the label sets routed here: a route that matches on them is shown as missed.
"""
from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from obskit.compile.deployment import Deployment, compile_deployment
from obskit.location import Location
from obskit.project import Project

Labels = Tuple[Tuple[str, str], ...]


@dataclass(frozen=True)
class RouteRow:
    alert: str
    source: str                      # "alert rule", "SLO svc/name", "Loki rules x"
    platform: str
    location: Location
    server: Optional[str]            # None: no server evaluates it
    labels: Optional[Labels]         # None: not sent (no server, alert relabelling drops it)
    receivers: Tuple[str, ...]       # amtool's answer, in routing-tree order
    note: str = ""

    def as_dict(self) -> dict:
        return {"alert": self.alert, "source": self.source, "platform": self.platform,
                "definition": str(self.location), "server": self.server,
                "labels": dict(self.labels) if self.labels is not None else None,
                "receivers": list(self.receivers), "note": self.note}


def _route_all(config: Path, label_sets, tool) -> Dict[Labels, Tuple[str, ...]]:
    from obskit.verify import amtool
    unique = sorted(set(label_sets))
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda labels: amtool.routes_test(config, labels, tool=tool).got, unique))
    return dict(zip(unique, got))


def route_rows(project: Project, tool=None, deployment: Optional[Deployment] = None) -> List[RouteRow]:
    """One row per (alert, evaluating server), plus one per alert no server evaluates; sorted by
    alert, then server. ``tool``: an amtool (default: the project's ``alertmanager_version`` floor)."""
    from obskit.compile.alertmanager import compile_alertmanager
    from obskit.verify.routing import write_config
    from obskit.verify.tools import for_target

    d = deployment or compile_deployment(project)
    root = str(project.root)
    rows: List[RouteRow] = []
    to_route = []
    evaluated = set()
    for p in d.paths:
        evaluated.add(id(p.alert))
        note = "" if p.labels is not None else "dropped by alert_relabel_configs"
        if p.labels is not None and not p.evaluator.alertmanagers:
            note = "no Alertmanager: never delivered"
        rows.append(RouteRow(p.alert.name, p.alert.source, p.alert.platform, p.alert.location.relative_to(root),
                             p.evaluator.name, p.labels, (), note))
        if not note:
            to_route.append(p.labels)
    for a in d.alerts:
        if id(a) not in evaluated:
            rows.append(RouteRow(a.name, a.source, a.platform, a.location.relative_to(root), None, None, (),
                                 "no server evaluates it"))
    ir = compile_alertmanager(project)
    if ir is not None and to_route:
        tool = tool or for_target("amtool", project.settings.alertmanager_version)
        directory = Path(tempfile.mkdtemp(prefix="obskit-routes-"))
        try:
            routed = _route_all(write_config(ir, directory), to_route, tool)
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        rows = [RouteRow(r.alert, r.source, r.platform, r.location, r.server, r.labels,
                         routed.get(r.labels, ()) if not r.note else (), r.note) for r in rows]
    elif ir is None:
        rows = [r if r.note else RouteRow(r.alert, r.source, r.platform, r.location, r.server, r.labels, (),
                                          "the project defines no Alertmanager") for r in rows]
    return sorted(rows, key=lambda r: (r.alert, r.server or "", r.location))


def _labels_text(labels: Optional[Labels]) -> str:
    if labels is None:
        return "-"
    return "{" + ", ".join(f'{k}="{v}"' for k, v in labels if k != "alertname") + "}"


def table(rows: List[RouteRow], wide: bool = False) -> str:
    """Fixed-width text: ALERT, SERVER, RECEIVERS (and LABELS with ``wide``)."""
    head = ["ALERT", "SERVER", "RECEIVERS"] + (["LABELS"] if wide else [])
    body = [[r.alert, r.server or "-", ", ".join(r.receivers) or f"({r.note})"]
            + ([_labels_text(r.labels)] if wide else []) for r in rows]
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head) - 1)]
    lines = []
    for cells in [head] + body:
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths)) + "  " + cells[-1])
    return "\n".join(line.rstrip() for line in lines)
