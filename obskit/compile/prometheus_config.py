"""PrometheusConfig and ScrapeConfig definitions → the files to write (typed, no rendering here).

Also the project-wide checks that need more than one definition or the project's settings:
one PrometheusConfig per name, every ScrapeConfig in some server, unique job names, features newer
than ``Settings.prometheus_version``, scrape timeouts against the effective interval. The loader runs
them through :func:`obskit.compile.deployment_checks.check_scrape_and_paths`, which then checks every
alert's path over the deployment.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from obskit.compile import conventions as conv
from obskit.duration import Duration
from obskit.errors import Diagnostic
from obskit.location import Location
from obskit.model.base import is_valid
from obskit.model.prometheus_config import versions
from obskit.model.prometheus_config.discovery import KubernetesSD
from obskit.model.prometheus_config.job import ScrapeConfig
from obskit.model.prometheus_config.server import BUILT_RULES, DefaultRuleFiles, PrometheusConfig
from obskit.project import Project

#: Prometheus' defaults for the global block
DEFAULT_SCRAPE_INTERVAL = Duration(60)
DEFAULT_SCRAPE_TIMEOUT = Duration(10)
#: Kubernetes discovery roles with a Prometheus Operator equivalent
MONITOR_KINDS = {"pod": "PodMonitor", "endpoints": "ServiceMonitor", "endpointslice": "ServiceMonitor"}


@dataclass(frozen=True)
class PrometheusFile:
    """One ``prometheus.yml`` to write: a server, or one replica of an HA group."""

    path: str
    server: PrometheusConfig
    jobs: Tuple[ScrapeConfig, ...]
    sources: Tuple[Location, ...] = ()      # definition files, relative to the project root
    replica: Optional[str] = None
    external_labels: Tuple[Tuple[str, str], ...] = ()   # the server's, plus the replica label
    rule_files: Tuple[str, ...] = ()                    # resolved (the platform default applied)

    @property
    def label(self) -> str:
        """How findings and ``obskit routes`` name this server: ``llm-marketplace/prometheus-0``."""
        return self.server.name + (f"/{self.replica}" if self.replica else "")

    @property
    def kubernetes_jobs(self) -> Tuple[str, ...]:
        return tuple(j.job_name for j in self.jobs if j.kubernetes)


@dataclass(frozen=True)
class Monitor:
    """A Prometheus Operator PodMonitor/ServiceMonitor standing for one Kubernetes SD entry of a job."""

    kind: str
    name: str
    path: str
    job: ScrapeConfig
    sd: KubernetesSD
    sources: Tuple[Location, ...] = ()


@dataclass(frozen=True)
class CompiledScrape:
    files: Tuple[PrometheusFile, ...]
    monitors: Tuple[Monitor, ...]
    #: (job name, role) of Kubernetes SD entries with no operator equivalent (node, service, ingress)
    without_monitor: Tuple[Tuple[str, str], ...] = ()


def monitor_kind(job: ScrapeConfig, sd: KubernetesSD):
    """The Prometheus Operator object that can stand for this discovery entry, or None: node,
    service and ingress roles have none; field selectors, selectors on objects the monitor cannot
    filter, and (for PodMonitors) credential files on the Prometheus host cannot be expressed."""
    kind = MONITOR_KINDS.get(sd.role)
    if kind is None or any(s.field for s in sd.selectors):
        return None
    selectable = "pod" if kind == "PodMonitor" else "service"
    if any(s.role != selectable for s in sd.selectors):
        return None
    if kind == "PodMonitor" and (job.tls_config is not None or job.bearer_token_file is not None):
        return None
    return kind


def _servers(project: Project) -> Tuple[PrometheusConfig, ...]:
    return project.of(PrometheusConfig)


def _jobs_of(server: PrometheusConfig, project: Project) -> Tuple[ScrapeConfig, ...]:
    if server.scrape_configs is not None:
        return tuple(j for j in server.scrape_configs if is_valid(j))
    return project.of(ScrapeConfig)


def _sources(project: Project, *objs) -> Tuple[Location, ...]:
    return tuple(sorted({o.location.relative_to(str(project.root)) for o in objs}))


def replica_config_path(name: str, replica: str) -> str:
    """Where one replica of an HA group is written: beside the others, so rule_files resolve alike."""
    return conv.prometheus_config_path(name).replace(".yml", f"-{replica}.yml")


def resolved_rule_files(server: PrometheusConfig, project: Project) -> Tuple[str, ...]:
    """The server's rule_files with the platform default applied (see :class:`PrometheusConfig`)."""
    if not isinstance(server.rule_files, DefaultRuleFiles):
        return tuple(server.rule_files)
    platform = server.effective_platform(len(_servers(project)))
    if platform is None:
        return (BUILT_RULES,)
    from obskit.compile.platforms import platform_rule_files
    return platform_rule_files(project, platform)


def server_files(server: PrometheusConfig, project: Project) -> Tuple[PrometheusFile, ...]:
    """The file(s) of one server: one, or one per replica."""
    jobs = _jobs_of(server, project)
    sources = _sources(project, server, *jobs)
    rules = resolved_rule_files(server, project)
    if not server.replicas:
        return (PrometheusFile(conv.prometheus_config_path(server.name), server, jobs, sources,
                               external_labels=server.external_labels, rule_files=rules),)
    return tuple(PrometheusFile(replica_config_path(server.name, r), server, jobs, sources, r,
                                tuple(sorted(dict(server.external_labels, **{server.replica_label: r}).items())),
                                rules)
                 for r in server.replicas)


def compile_scrape(project: Project) -> CompiledScrape:
    files = []
    seen: Dict[int, ScrapeConfig] = {}
    for server in _servers(project):
        jobs = _jobs_of(server, project)
        files.extend(server_files(server, project))
        for job in jobs:
            seen.setdefault(id(job), job)
    monitors: List[Monitor] = []
    without: List[Tuple[str, str]] = []
    for job in sorted(seen.values(), key=lambda j: j.location):
        for i, sd in enumerate(job.kubernetes):
            kind = monitor_kind(job, sd)
            if kind is None:
                without.append((job.job_name, sd.role))
                continue
            name = conv.monitor_name(job.job_name, i)
            monitors.append(Monitor(kind, name, conv.monitor_path(kind, name), job, sd, _sources(project, job)))
    return CompiledScrape(tuple(files), tuple(monitors), tuple(without))


# --- project checks ---------------------------------------------------------------------------------

def _diag(code: str, message: str, obj: str, location: Location, hint: str = "") -> Diagnostic:
    return Diagnostic(code, message, obj, location, hint)


def check_project(project: Project) -> List[Diagnostic]:
    """Checks across scrape definitions (registered in ``obskit.loader.PROJECT_CHECKS``)."""
    diags: List[Diagnostic] = []
    servers = _servers(project)
    try:
        target = versions.parse(project.settings.prometheus_version)
    except ValueError as exc:
        return [Diagnostic("bad-config", str(exc), "obskit.toml")]
    names: Dict[str, PrometheusConfig] = {}
    for server in servers:
        if server.name in names:
            diags.append(_diag("duplicate-prometheus-config",
                               f"a PrometheusConfig named {server.name!r} is already defined at "
                               f"{names[server.name].location.relative_to(str(project.root))}", f"Prometheus config {server.name!r}",
                               server.location, hint="give each server its own name="))
        names.setdefault(server.name, server)
    claimed = set()
    monitor_names: Dict[str, ScrapeConfig] = {}
    paths: Dict[str, PrometheusConfig] = {}
    for server in servers:
        jobs = _jobs_of(server, project)
        diags += _check_server(server, jobs, str(project.root), _assumed_interval(project))
        diags += _check_server_versions(server, target)
        for pf in server_files(server, project):
            other = paths.get(pf.path)
            if other is not None and other is not server and other.name != server.name:
                diags.append(_diag("duplicate-prometheus-config",
                                   f"writes {pf.path}, as Prometheus config {other.name!r} does",
                                   f"Prometheus config {server.name!r}", server.location,
                                   hint="rename the server or its replicas"))
            paths.setdefault(pf.path, server)
        claimed.update(id(j) for j in jobs)
    all_jobs = {id(j): j for j in project.of(ScrapeConfig)}
    for server in servers:
        for j in _jobs_of(server, project):
            all_jobs.setdefault(id(j), j)
    for job in sorted(all_jobs.values(), key=lambda j: j.location):
        obj = f"scrape config {job.job_name!r}"
        if id(job) not in claimed:
            where = "there is no (valid) PrometheusConfig" if not servers else \
                "no PrometheusConfig lists it in scrape_configs"
            diags.append(_diag("unused-scrape-config", f"this scrape job is written nowhere: {where}", obj,
                               job.location, hint="add PrometheusConfig() to telemetry/ (it takes every "
                                                  "ScrapeConfig) or list the job in its scrape_configs"))
        diags += _check_versions(job, target)
        for i, sd in enumerate(job.kubernetes):
            if sd.role in MONITOR_KINDS:
                name = conv.monitor_name(job.job_name, i)
                other = monitor_names.get(name)
                if other is not None and other is not job:
                    diags.append(_diag("duplicate-monitor", f"job names {other.job_name!r} and {job.job_name!r} "
                                                            f"both become the Kubernetes object name {name!r}",
                                       obj, job.location))
                monitor_names[name] = job
    return diags


def _check_server(server: PrometheusConfig, jobs: Tuple[ScrapeConfig, ...], root: str,
                  assumed: int = 0) -> List[Diagnostic]:
    diags: List[Diagnostic] = []
    first: Dict[str, ScrapeConfig] = {}
    interval = server.scrape_interval if isinstance(server.scrape_interval, Duration) else DEFAULT_SCRAPE_INTERVAL
    for job in jobs:
        obj = f"scrape config {job.job_name!r}"
        if job.job_name in first:
            diags.append(_diag("duplicate-job", f"job_name {job.job_name!r} is already used at "
                                                f"{first[job.job_name].location.relative_to(root)} in Prometheus config "
                                                f"{server.name!r}", obj, job.location))
        first.setdefault(job.job_name, job)
        job_interval = job.scrape_interval if isinstance(job.scrape_interval, Duration) else interval
        if assumed and job_interval.seconds > assumed:
            diags.append(Diagnostic(
                "scrape-slower-than-assumed",
                f"scraped every {job_interval} by Prometheus config {server.name!r}, but obskit.toml's "
                f"scrape_interval is {assumed}s: the rate() windows obskit derives from it (SLO base "
                f"windows are 2 × scrape_interval) may hold fewer than two samples of this job",
                obj, job.location, hint=f"set scrape_interval = {job_interval.seconds} in obskit.toml's "
                                        "[project] (or scrape this job faster)", severity="warning"))
        if isinstance(job.scrape_timeout, Duration) and job.scrape_timeout > job_interval:
            diags.append(_diag("bad-duration", f"scrape_timeout {job.scrape_timeout} is longer than the "
                                               f"scrape interval {job_interval} it gets from Prometheus config "
                                               f"{server.name!r}", obj, job.location))
    if server.scrape_timeout is not None and server.scrape_interval is None \
            and isinstance(server.scrape_timeout, Duration) and server.scrape_timeout > DEFAULT_SCRAPE_INTERVAL:
        diags.append(_diag("bad-duration", f"scrape_timeout {server.scrape_timeout} is longer than the default "
                                           f"scrape_interval {DEFAULT_SCRAPE_INTERVAL}",
                           f"Prometheus config {server.name!r}", server.location))
    return diags


def _assumed_interval(project: Project) -> int:
    value = getattr(project.settings, "scrape_interval", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _check_versions(job: ScrapeConfig, target: versions.Version) -> List[Diagnostic]:
    diags: List[Diagnostic] = []
    for step in job.all_relabels:
        since = versions.RELABEL_ACTION_SINCE.get(step.effective_action)
        if since and since > target:
            diags.append(_diag("too-new", f"relabel action {step.effective_action!r} needs Prometheus "
                                          f"{versions.fmt(since)} or later; the project targets "
                                          f"{versions.fmt(target)}",
                               f"relabel step in scrape config {job.job_name!r}", step.location,
                               hint="raise prometheus_version in obskit.toml, or use replace/keep/drop"))
    for name, since in versions.SCRAPE_FIELD_SINCE.items():
        if getattr(job, name) is not None and since > target:
            diags.append(_diag("too-new", f"{name} needs Prometheus {versions.fmt(since)} or later; the "
                                          f"project targets {versions.fmt(target)}",
                               f"scrape config {job.job_name!r}", job.location,
                               hint="raise prometheus_version in obskit.toml or drop the field"))
    return diags


def _check_server_versions(server: PrometheusConfig, target: versions.Version) -> List[Diagnostic]:
    """remote_write, queue_config and relabel fields of the server newer than the project's floor."""
    diags: List[Diagnostic] = []
    obj = f"Prometheus config {server.name!r}"
    hint = "raise prometheus_version in obskit.toml or drop the field"

    def too_new(what: str, since, location) -> None:
        diags.append(_diag("too-new", f"{what} needs Prometheus {versions.fmt(since)} or later; the project "
                                      f"targets {versions.fmt(target)}", obj, location, hint=hint))

    for w in server.remote_write:
        for name, since in versions.REMOTE_WRITE_FIELD_SINCE.items():
            if getattr(w, name) is not None and since > target:
                too_new(f"remote_write {name}", since, w.location)
        if w.queue_config is not None:
            for name, since in versions.QUEUE_FIELD_SINCE.items():
                if getattr(w.queue_config, name) is not None and since > target:
                    too_new(f"queue_config {name}", since, w.queue_config.location)
    for kind, steps in (("alert_relabel_configs", server.alert_relabel_configs),
                        ("write_relabel_configs", tuple(s for w in server.remote_write for s in w.write_relabel_configs))):
        for step in steps:
            since = versions.RELABEL_ACTION_SINCE.get(step.effective_action)
            if since and since > target:
                too_new(f"relabel action {step.effective_action!r} ({kind})", since, step.location)
    return diags
