"""Path checks over the deployment model (:mod:`obskit.compile.deployment`), run when the project
loads (so ``obskit build`` and ``obskit check`` refuse a broken path before writing anything).

Errors, each naming the alert, the server and the route, located at the definition to change:

* ``alert-not-evaluated``: an alert rule no server (Prometheus, Loki ruler, Thanos/Mimir ruler) loads;
* ``no-alertmanager``: a server that evaluates alerts and sends them nowhere;
* ``job-not-scraped``: a selector ``job="x"`` on a server that scrapes no job ``x`` (a warning on
  a ruler over a global view, where obskit cannot know what the data holds);
* ``recorded-elsewhere``: a selector of a series recorded by a rule file the server does not load;
* ``namespace-not-scraped``: a selector ``namespace="x"`` on a server whose scrape configuration
  names other namespaces only (it can never match the platform's workloads);
* ``default-route-only``: an alert whose arriving labels reach only the root route's receiver of a
  tree that routes by platform (the alert falls through every branch);
* ``ha-no-dedup``: an HA group whose ``alert_relabel_configs`` keep the replica label, so
  Alertmanager receives the alert twice and deduplicates nothing.

An alert rule's ``lint_disable`` silences these codes for that rule, as it does the lint's.
"""
from __future__ import annotations

from typing import Dict, List

from obskit.compile import relabel
from obskit.compile.deployment import (
    LOKI, OPERATOR, Alert, Deployment, Evaluator, compile_deployment, receivers_by_tree, route_description,
)
from obskit.compile.prometheus_config import check_project
from obskit.errors import Diagnostic
from obskit.project import Project


def _obj(alert: Alert) -> str:
    return f"alert {alert.name!r}" + (f" ({alert.source})" if alert.source != "alert rule" else "")


def check_scrape_and_paths(project: Project) -> List[Diagnostic]:
    """The loader's project check of the scrape configs (:func:`obskit.compile.prometheus_config.check_project`)
    and, when those found no error, of the alert paths (rule → server → Alertmanager → receivers) over
    the whole deployment (:func:`check_paths`)."""
    diags = check_project(project)
    if not any(d.severity == "error" for d in diags):
        diags += check_paths(project)
    return diags


def check_paths(project: Project) -> List[Diagnostic]:
    try:
        deployment = compile_deployment(project)
    except Exception as exc:  # noqa: BLE001 - an earlier check reports what broke; never crash the load
        return [Diagnostic("deployment-model", f"the deployment model could not be built: {exc}", severity="warning")]
    return check_deployment(deployment)


def check_deployment(d: Deployment) -> List[Diagnostic]:
    out: List[Diagnostic] = []
    evaluated: Dict[int, List[Evaluator]] = {}
    for p in d.paths:
        evaluated.setdefault(id(p.alert), []).append(p.evaluator)
    recorded_in = {}
    for metric, path in d.recorded:
        recorded_in.setdefault(metric, set()).add(path)

    def add(alert: Alert, code: str, message: str, hint: str = "", severity: str = "error"):
        if code not in alert.lint_disable:
            out.append(Diagnostic(code, message, _obj(alert), alert.location, hint, severity))

    described = {e.kind == LOKI for e in d.evaluators}
    for alert in d.alerts:
        servers = evaluated.get(id(alert), [])
        if not servers:
            if (alert.kind == LOKI) not in described:
                continue    # the project describes no server of this kind: it is deployed elsewhere
            loads = "Loki ruler" if alert.kind == LOKI else "Prometheus (or ruler)"
            add(alert, "alert-not-evaluated", f"no {loads} loads {alert.rule_file}: this alert never fires",
                hint=f"give a server platform={alert.platform!r} (its default rule_files load this file) "
                     "or list the file in its rule_files")
            continue
        for e in servers:
            _check_selectors(alert, e, recorded_in, add)
    _check_servers(d, evaluated, out)
    _check_routes(d, add)
    return out


def _check_selectors(alert: Alert, e: Evaluator, recorded_in, report) -> None:
    """One finding per code and value for this alert on this server."""
    jobs = set(e.jobs)
    names = set(e.namespaces)
    said = set()

    def add(alert, code, message, hint="", severity="error"):
        if (code, message) not in said:
            said.add((code, message))
            report(alert, code, message, hint, severity)
    for sel in alert.selectors:
        if sel.metric in recorded_in:
            if not recorded_in[sel.metric] & set(e.rule_files):
                add(alert, "recorded-elsewhere",
                    f"reads {sel.metric}, recorded by {', '.join(sorted(recorded_in[sel.metric]))}, which "
                    f"Prometheus {e.name!r} does not load: the series is absent there",
                    hint="load the recording rules on the same server, or move the alert beside them")
            continue
        job = sel.equal("job")
        if job is not None and e.scraped and job not in jobs:
            add(alert, "job-not-scraped",
                f"selects job=\"{job}\" on Prometheus {e.name!r}, which scrapes only "
                f"{', '.join(sorted(jobs))}: the alert reads data that is not there (absent() fires, "
                "thresholds never do)",
                hint="evaluate this alert where the job is scraped (the server of its platform)")
        elif job is not None and not e.scraped and e.global_view:
            add(alert, "job-not-scraped", f"selects job=\"{job}\" on {e.name}, which reads a global view: "
                                         "obskit cannot tell whether that job's series reach it",
                severity="warning")
        namespace = sel.equal("namespace")
        if namespace is not None and names and namespace not in names:
            add(alert, "namespace-not-scraped",
                f"selects namespace=\"{namespace}\" on Prometheus {e.name!r}, whose scrape configs discover "
                f"the platform's targets in {', '.join(sorted(names))} only: it can never match",
                hint="select the namespace the platform is deployed in")


def _check_servers(d: Deployment, evaluated, out: List[Diagnostic]) -> None:
    loads_alerts: Dict[str, List[str]] = {}
    for p in d.paths:
        loads_alerts.setdefault(p.evaluator.name, []).append(p.alert.name)
    groups: Dict[str, List[Evaluator]] = {}
    for e in d.evaluators:
        names = sorted(set(loads_alerts.get(e.name, [])))
        if names and not e.alertmanagers and (e.group is None or e is groups.get(e.group, [e])[0]):
            listed = f"{', '.join(names[:3])}{', ...' if len(names) > 3 else ''}"
            if e.kind == LOKI:
                # Loki's ruler also takes -ruler.alertmanager-url on its command line: obskit cannot know
                out.append(Diagnostic(
                    "no-alertmanager", f"evaluates {len(names)} alert(s) ({listed}) and its config names no "
                                       "Alertmanager: they are delivered only if Loki is started with "
                                       "-ruler.alertmanager-url", f"Loki config {e.name[5:]!r}", e.location,
                    hint="set alertmanager_url", severity="warning"))
            else:
                out.append(Diagnostic(
                    "no-alertmanager", f"evaluates {len(names)} alert(s) ({listed}) but sends them to no "
                                       "Alertmanager (no alerting section): they are never delivered",
                    f"Prometheus config {e.group or e.name!r}", e.location, hint="set alertmanagers=[...]"))
        if e.group:
            groups.setdefault(e.group, []).append(e)
    for name, replicas in sorted(groups.items()):
        e = replicas[0]
        probe = dict(e.external_labels, alertname="Probe")
        after = relabel.apply(e.alert_relabel, probe)
        if after is not None and e.replica_label in after:
            out.append(Diagnostic(
                "ha-no-dedup", f"the {len(replicas)} replicas ({', '.join(r.name for r in replicas)}) send every "
                               f"alert with a different {e.replica_label} label: Alertmanager sees "
                               f"{len(replicas)} alerts and pages {len(replicas)} times",
                f"Prometheus config {name!r}", e.location,
                hint=f"alert_relabel_configs=[Relabel(action=\"labeldrop\", regex=\"{e.replica_label}\")]"))


def _check_routes(d: Deployment, add) -> None:
    am = d.alertmanager
    if am is None or not am.route.routes:
        return
    seen = set()
    for p in d.paths:
        if p.labels is None or not p.evaluator.alertmanagers or p.evaluator.kind == OPERATOR:
            continue    # the operator rewrites the tree (namespace matchers): its own check routes those
        ends = receivers_by_tree(am.route, p.labels)
        key = (id(p.alert), tuple(ends))
        if ends != (((), am.route.receiver_name),) or key in seen:
            continue
        seen.add(key)
        labels = ", ".join(f'{k}="{v}"' for k, v in p.labels if k != "alertname")
        add(p.alert, "default-route-only",
            f"evaluated by {p.evaluator.name}, it arrives with {{{labels}}} and matches no branch of the "
            f"routing tree: it reaches only {route_description(am.route, ())}, not its platform's receivers",
            hint="give the alert (or its server's external_labels) the label its platform's route matches, "
                 "or add a route for the platform")
