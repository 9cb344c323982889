"""The deployment model: which server evaluates which alert, and what the alert looks like when it
reaches Alertmanager. Pure: project definitions in, an explicit, immutable model out.

* **Evaluators**: every Prometheus file (one per replica of an HA group), every Loki ruler, with
  ``ruler_layout`` the Thanos/Mimir ruler, and, when ``obskit.toml`` says where the PrometheusRule
  objects land (``[kubernetes] namespace`` or ``labels``), the operator's Prometheus that selects them. Each has the rule files it loads (the platform default
  of :class:`~obskit.model.prometheus_config.PrometheusConfig` resolved), its external labels, its
  ``alert_relabel_configs``, the Alertmanagers it sends to and what it scrapes (job names and the
  namespaces its discovery is limited to).
* **Alerts**: every alerting rule obskit builds (hand-written groups, SLO tiers and absent-data
  alerts, Loki ruler alerts), with the rule file it lives in, its static labels, its selectors.
* **Paths**: alert × evaluator that loads it, with the labels the alert arrives with: rule labels,
  then the evaluator's external labels where the alert has none of that name (Prometheus' rule),
  then ``alert_relabel_configs``. Labels from the series the expression returns are not known here
  (they depend on the data); routing on them is amtool's business (``obskit routes``).

The path checks over this model are :func:`obskit.compile.deployment_checks.check_paths`.
"""
from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from obskit.compile import conventions as conv
from obskit.compile import relabel
from obskit.compile.platforms import platform_key
from obskit.compile.prometheus_config import compile_scrape
from obskit.location import Location
from obskit.model.prometheus_config import PrometheusConfig
from obskit.project import Project

Labels = Tuple[Tuple[str, str], ...]

PROMETHEUS, LOKI, THANOS, MIMIR, OPERATOR = "prometheus", "loki", "thanos-ruler", "mimir-ruler", "prometheus-operator"


@dataclass(frozen=True)
class ScrapedJob:
    """What one scrape job of a server feeds it: the ``job`` values its series carry and the
    namespaces its targets come from (empty: not limited by the configuration)."""

    job_name: str
    jobs: Tuple[str, ...]
    namespaces: Tuple[str, ...]
    location: Location


@dataclass(frozen=True)
class Evaluator:
    kind: str                              # PROMETHEUS | LOKI | THANOS | MIMIR
    name: str                              # "llm-marketplace/prometheus-0", "loki llm-gateway"
    platform: Optional[str]
    config_path: str                       # the generated file (or "" for a ruler configured by flags)
    rule_files: Tuple[str, ...]            # built rule files it loads, relative to the build output
    external_labels: Labels
    alert_relabel: Tuple[object, ...]      # Relabel steps
    alertmanagers: Tuple[str, ...]         # where it sends alerts ("(flags)" when set outside obskit)
    scraped: Tuple[ScrapedJob, ...]
    global_view: bool                      # reads data it does not scrape (a ruler over Thanos/Mimir)
    location: Location
    group: Optional[str] = None            # HA group (server name) when one of several replicas
    replica_label: Optional[str] = None

    @property
    def jobs(self) -> Tuple[str, ...]:
        return tuple(sorted({j for s in self.scraped for j in s.jobs}))

    @property
    def namespaces(self) -> Tuple[str, ...]:
        """Namespaces the server's scrape configuration names (its platform's workloads)."""
        return tuple(sorted({n for s in self.scraped for n in s.namespaces}))


@dataclass(frozen=True)
class Selector:
    metric: Optional[str]
    matchers: Tuple[Tuple[str, str, str], ...]   # (label, op, value), op one of = != =~ !~

    def equal(self, name: str) -> Optional[str]:
        return next((v for n, op, v in self.matchers if n == name and op == "="), None)


@dataclass(frozen=True)
class Alert:
    name: str
    kind: str                              # PROMETHEUS (PromQL) | LOKI (LogQL)
    rule_file: str                         # relative to the build output
    group: str
    expr: str
    labels: Labels                         # static rule labels, severity included
    source: str                            # "alert rule", "SLO llm-gateway/errors", "Loki rules llm-gateway"
    platform: str
    location: Location
    lint_disable: Tuple[str, ...] = ()

    @property
    def selectors(self) -> Tuple[Selector, ...]:
        """The PromQL selectors of ``expr`` (none for LogQL), parsed when first read: only the checks of
        a server that scrapes jobs read them, and most alerts of a big project are evaluated by none."""
        found = self.__dict__.get("_selectors")
        if found is None:
            found = selectors(self.expr) if self.kind == PROMETHEUS else ()
            self.__dict__["_selectors"] = found      # frozen dataclass: cached beside the fields
        return found


@dataclass(frozen=True)
class AlertPath:
    alert: Alert
    evaluator: Evaluator
    labels: Optional[Labels]               # as it arrives at Alertmanager; None: alert_relabel drops it


@dataclass(frozen=True)
class Deployment:
    evaluators: Tuple[Evaluator, ...]
    alerts: Tuple[Alert, ...]
    paths: Tuple[AlertPath, ...]
    recorded: Tuple[Tuple[str, str], ...]  # (recorded metric, rule file)
    alertmanager: Optional[object]         # the project's Alertmanager definition

    def evaluators_of(self, alert: Alert) -> Tuple[Evaluator, ...]:
        return tuple(p.evaluator for p in self.paths if p.alert is alert)

    def paths_of(self, name: str) -> Tuple[AlertPath, ...]:
        return tuple(p for p in self.paths if p.alert.name == name)


# ----------------------------------------------------------------------------------- evaluators
def _scraped(job) -> ScrapedJob:
    jobs = {job.job_name}
    for step in job.relabel_configs:
        if step.target_label == "job" and step.effective_action == "replace" and step.replacement \
                and "$" not in step.replacement:
            jobs.add(step.replacement)
    namespaces = {n for sd in job.kubernetes for n in sd.namespaces}
    namespaces |= {dict(sc.labels)["namespace"] for sc in job.static_configs if "namespace" in dict(sc.labels)}
    return ScrapedJob(job.job_name, tuple(sorted(jobs)), tuple(sorted(namespaces)), job.location)


def _resolve(patterns, base: str, built: Tuple[str, ...]) -> Tuple[str, ...]:
    out = []
    for pattern in patterns:
        full = posixpath.normpath(posixpath.join(base, pattern))
        out += [f for f in built if fnmatch.fnmatchcase(f, full) and posixpath.dirname(f) == posixpath.dirname(full)]
    return tuple(sorted(set(out)))


def _prometheus_evaluators(project: Project, built: Tuple[str, ...]) -> List[Evaluator]:
    count = len(project.of(PrometheusConfig))
    out = []
    for pf in compile_scrape(project).files:
        server = pf.server
        out.append(Evaluator(
            kind=PROMETHEUS, name=pf.label, platform=server.effective_platform(count), config_path=pf.path,
            rule_files=_resolve(pf.rule_files, posixpath.dirname(pf.path), built),
            external_labels=pf.external_labels, alert_relabel=server.alert_relabel_configs,
            alertmanagers=tuple(t for am in server.alertmanagers for t in am.targets),
            scraped=tuple(_scraped(j) for j in pf.jobs), global_view=False, location=server.location,
            group=server.name if pf.replica else None,
            replica_label=server.replica_label if pf.replica else None))
    return out


def _loki_evaluators(project: Project) -> List[Evaluator]:
    from obskit.compile.loki import config_path, rule_path
    from obskit.model.loki import LokiConfig, LokiRules
    configs = project.of(LokiConfig)
    rules = project.of(LokiRules)
    out = []
    for c in configs:
        # a Loki ruler loads its tenants' rule files; obskit deploys a LokiRules beside the Loki
        # config of the same name (with one Loki config, beside that one)
        mine = [r for r in rules if len(configs) == 1 or platform_key(r.name) == platform_key(c.name)]
        out.append(Evaluator(
            kind=LOKI, name=f"loki {c.name}", platform=platform_key(c.name), config_path=config_path(c),
            rule_files=tuple(sorted(rule_path(r) for r in mine)), external_labels=(), alert_relabel=(),
            alertmanagers=(c.alertmanager_url,) if c.alertmanager_url else (), scraped=(), global_view=True,
            location=c.location))
    return out


def _ruler_evaluators(project: Project, built: Tuple[str, ...]) -> List[Evaluator]:
    out = []
    layout = getattr(project.settings, "ruler_layout", None)
    if layout in conv.RULER_LAYOUTS:
        kind = THANOS if layout == "thanos" else MIMIR
        out.append(Evaluator(kind=kind, name=kind, platform=None, config_path="", rule_files=built,
                             external_labels=(), alert_relabel=(), alertmanagers=("(flags)",), scraped=(),
                             global_view=True, location=Location("obskit.toml", 0)))
    k8s = getattr(project.settings, "kubernetes", None)
    from obskit.project import rule_outputs
    if k8s is not None and (k8s.namespace or k8s.labels) and rule_outputs(project.settings)[1]:
        # every rule file is also a PrometheusRule (kubernetes/); the operator's Prometheus selects them
        # by namespace and labels and sends to the Alertmanager it manages (its routing is checked by
        # the Kubernetes target: obskit/targets/alertmanager.py)
        out.append(Evaluator(kind=OPERATOR, name="prometheus-operator (PrometheusRule objects)", platform=None,
                             config_path="", rule_files=built, external_labels=(), alert_relabel=(),
                             alertmanagers=("(operator)",), scraped=(), global_view=False,
                             location=Location("obskit.toml", 0)))
    return out


# --------------------------------------------------------------------------------------- alerts
def selectors(expr: str) -> Tuple[Selector, ...]:
    """Every vector selector of a PromQL expression (empty when it does not parse)."""
    import promql_parser
    try:
        tree = promql_parser.parse(expr)
    except ValueError:
        return ()
    ops = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}
    found: List[Selector] = []

    def walk(node):
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif type(node).__name__ == "VectorSelector":
            ms = tuple((m.name, ops.get(str(m.op), str(m.op)), m.value) for m in node.matchers.matchers)
            found.append(Selector(node.name or None, tuple(sorted(ms))))
        elif node is not None:
            for attr in ("expr", "lhs", "rhs", "param", "args", "vector_selector"):
                if hasattr(node, attr):
                    walk(getattr(node, attr))
    walk(tree)
    return tuple(found)


def _alerts(project: Project) -> Tuple[List[Alert], List[Tuple[str, str]]]:
    from obskit.compile.ir import AlertingRule, RecordingRule
    from obskit.compile.project import compiled_slo
    from obskit.compile.rules import compile_groups
    from obskit.model.loki import LogAlert, LogRecord, LokiRules
    from obskit.compile.loki import rule_path

    alerts: List[Alert] = []
    recorded: List[Tuple[str, str]] = []
    for c in compile_groups(project):
        path = f"prometheus/rules/{c.file}.yml"
        for model_rule, rule in zip(c.source.rules, c.group.rules):
            if isinstance(rule, RecordingRule):
                recorded.append((rule.record, path))
            elif isinstance(rule, AlertingRule):
                labels = tuple(sorted(dict(c.group.labels, **dict(rule.labels)).items()))
                alerts.append(Alert(rule.alert, PROMETHEUS, path, c.group.name, rule.expr, labels, "alert rule",
                                    platform_key(c.file[:-len(conv.ALERT_RULE_FILE_SUFFIX)]), model_rule.location,
                                    tuple(model_rule.lint_disable) + tuple(c.source.lint_disable)))
    for slo in project.slos:
        compiled = compiled_slo(slo, project.settings)
        path = f"prometheus/rules/{conv.rule_file_name(slo.service)}.yml"
        for group in compiled.groups():
            for rule in group.rules:
                if isinstance(rule, RecordingRule):
                    recorded.append((rule.record, path))
                elif isinstance(rule, AlertingRule):
                    labels = tuple(sorted(dict(compiled.series_labels, **dict(rule.labels)).items()))
                    alerts.append(Alert(rule.alert, PROMETHEUS, path, group.name, rule.expr, labels,
                                        f"SLO {slo.service}/{slo.name}",
                                        platform_key(slo.service), slo.location))
    for r in project.of(LokiRules):
        path = rule_path(r)
        for g in r.groups:
            for rule in g.rules:
                if isinstance(rule, LogAlert):
                    labels = tuple(sorted(dict(rule.labels).items()))
                    alerts.append(Alert(rule.alert, LOKI, path, g.name, rule.expr, labels,
                                        f"Loki rules {r.name}", platform_key(r.name), r.location))
                elif isinstance(rule, LogRecord):
                    recorded.append((rule.record, path))
    return alerts, recorded


# ----------------------------------------------------------------------------------------- model
def arriving_labels(alert: Alert, evaluator: Evaluator) -> Optional[Labels]:
    """The alert's labels as the evaluator sends them (see the module docstring)."""
    labels = dict(alert.labels)
    labels["alertname"] = alert.name
    for k, v in evaluator.external_labels:
        labels.setdefault(k, v)
    out = relabel.apply(evaluator.alert_relabel, labels)
    return None if out is None else tuple(sorted(out.items()))


def compile_deployment(project: Project) -> Deployment:
    from obskit.compile.platforms import rule_file_platforms
    from obskit.model.alertmanager import Alertmanager

    built = tuple(f"prometheus/{f}" for f in rule_file_platforms(project))
    evaluators = (_prometheus_evaluators(project, built) + _loki_evaluators(project)
                  + _ruler_evaluators(project, built))
    alerts, recorded = _alerts(project)
    paths = []
    for alert in alerts:
        for e in evaluators:
            if alert.rule_file in e.rule_files and (alert.kind == LOKI) == (e.kind == LOKI):
                paths.append(AlertPath(alert, e, arriving_labels(alert, e)))
    ams = project.of(Alertmanager)
    return Deployment(tuple(evaluators), tuple(alerts), tuple(paths), tuple(recorded), ams[0] if ams else None)


def route_description(route, path: Tuple[int, ...]) -> str:
    """``root → {cluster="llm-simulator"} → {severity="critical"}: llm-simulator-pagerduty``."""
    node, parts, receiver = route, ["root"], route.receiver_name
    for i in path:
        node = node.routes[i]
        parts.append("{" + ", ".join(map(str, node.matchers)) + "}" if node.matchers else f"route {i + 1}")
        receiver = node.receiver_name or receiver
    return " → ".join(parts) + f": {receiver}"


def receivers_by_tree(route, labels: Labels) -> Tuple[Tuple[Tuple[int, ...], str], ...]:
    """(route path, receiver) of every route an alert ends on (obskit's walk of the tree; amtool
    has the last word and ``obskit routes`` asks it)."""
    out = []
    for path in route.matching(dict(labels)):
        node, receiver = route, route.receiver_name
        for i in path:
            node = node.routes[i]
            receiver = node.receiver_name or receiver
        out.append((path, receiver))
    return tuple(out)
