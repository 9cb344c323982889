"""``PrometheusConfig``: the server part of ``prometheus.yml`` (a Definition the loader finds)."""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Optional, Tuple

from obskit.location import Location
from obskit.model.base import Definition, Problems, freeze_labels, locate, set_attr
from obskit.model.prometheus_config.discovery import check_target
from obskit.model.prometheus_config.job import SCHEMES, ScrapeConfig
from obskit.model.prometheus_config.relabel import Relabel
from obskit.model.prometheus_config.remote import RemoteWrite
from obskit.promql import is_valid_label_name

_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
#: the built rule files, relative to prometheus.yml (Prometheus resolves rule_files against the
#: directory of the configuration file)
BUILT_RULES = "rules/*.yml"


class DefaultRuleFiles(tuple):
    """The default of ``PrometheusConfig.rule_files``: "this server's platform's rule files", chosen
    at compile time (:mod:`obskit.compile.deployment`). A tuple holding :data:`BUILT_RULES`, so code
    that only asks whether a server loads rules keeps working; compile replaces it by the files."""


PLATFORM_RULES = DefaultRuleFiles((BUILT_RULES,))


@dataclass(frozen=True, kw_only=True, eq=False)
class Alertmanagers:
    """One ``alerting.alertmanagers`` entry: static Alertmanager targets."""

    targets: Tuple[str, ...]
    scheme: Optional[str] = None
    path_prefix: Optional[str] = None
    timeout: Optional[str] = None
    api_version: Optional[str] = None
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems("alertmanagers entry", locate(self))
        targets = (self.targets,) if isinstance(self.targets, str) else tuple(self.targets or ())
        if not targets:
            p.add("bad-target", "an alertmanagers entry needs at least one target")
        for t in targets:
            check_target(t, p, "alertmanagers")
        set_attr(self, "targets", targets)
        if self.scheme is not None and self.scheme not in SCHEMES:
            p.add("bad-scheme", f"scheme {self.scheme!r} must be http or https")
        if self.path_prefix is not None and not str(self.path_prefix).startswith("/"):
            p.add("bad-path", f"path_prefix {self.path_prefix!r} must start with '/'")
        if self.timeout is not None:
            set_attr(self, "timeout", p.duration(self.timeout, "timeout") or self.timeout)
        if self.api_version is not None and self.api_version != "v2":
            p.add("bad-value", f"api_version {self.api_version!r}: Alertmanager 0.25+ serves v2 only")
        p.done()


@dataclass(frozen=True, kw_only=True, eq=False)
class PrometheusConfig(Definition):
    """The Prometheus server configuration (``prometheus.yml``).

    One per project is the usual case (``name`` ``"prometheus"`` writes ``prometheus/prometheus.yml``
    and takes every :class:`ScrapeConfig` of the project). Projects describing several servers give
    each a ``name`` (written to ``prometheus/prometheus-<name>.yml``) and list their
    ``scrape_configs`` explicitly.

    ``rule_files`` are relative to the generated file: ``rules/*.yml`` is the rule files obskit builds.
    Left at its default, a server loads its ``platform``'s rules only: the rule files of the
    SLOs whose service is the platform and of the rule groups defined in ``alerts/<platform>.py``
    (``-`` and ``_`` alike). ``platform`` defaults to ``name`` when the project describes several
    servers; the only server of a project, and the unnamed one (``"prometheus"``), without an explicit
    platform load every built rule file (``rules/*.yml``).

    ``alert_relabel_configs`` run on every alert before it is sent (``alerting.alert_relabel_configs``).
    ``replicas`` makes an HA group: one file per replica (``prometheus-<name>-<replica>.yml``), each
    with the external label ``replica_label=<replica>``; the alerts of both reach Alertmanager, which
    deduplicates them only when ``alert_relabel_configs`` remove that label (obskit checks it).
    ``remote_write`` sends the samples to a central store (Thanos Receive, Cortex/Mimir).
    ``retention`` is not part of ``prometheus.yml`` (it is the server flag
    ``--storage.tsdb.retention.time``); obskit writes the flags to the generated file's header.
    """

    name: str = "prometheus"
    scrape_interval: Optional[str] = None
    scrape_timeout: Optional[str] = None
    evaluation_interval: Optional[str] = None
    external_labels: Tuple[Tuple[str, str], ...] = ()
    rule_files: Tuple[str, ...] = PLATFORM_RULES
    platform: Optional[str] = None
    alertmanagers: Tuple[Alertmanagers, ...] = ()
    alert_relabel_configs: Tuple[Relabel, ...] = ()
    remote_write: Tuple[RemoteWrite, ...] = ()
    replicas: Tuple[str, ...] = ()
    replica_label: str = "replica"
    scrape_configs: Optional[Tuple[ScrapeConfig, ...]] = None
    retention: Optional[str] = None
    retention_size: Optional[str] = None
    description: str = ""
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"Prometheus config {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            p.add("bad-name", f"name {self.name!r} must be lowercase letters, digits and '-'")
        values = {}
        for attr in ("scrape_interval", "scrape_timeout", "evaluation_interval", "retention"):
            if getattr(self, attr) is not None:
                values[attr] = p.duration(getattr(self, attr), attr)
                set_attr(self, attr, values[attr] or getattr(self, attr))
        interval = values.get("scrape_interval")
        timeout = values.get("scrape_timeout")
        if interval and timeout and timeout > interval:
            p.add("bad-duration", f"scrape_timeout {timeout} is longer than scrape_interval {interval}")
        if self.retention_size is not None and not re.fullmatch(r"\d+(B|KB|MB|GB|TB|PB|EB)", str(self.retention_size)):
            p.add("bad-value", f"retention_size {self.retention_size!r} must look like 512MB or 50GB")
        set_attr(self, "external_labels", freeze_labels(self.external_labels, p, "external_labels"))
        if not isinstance(self.rule_files, DefaultRuleFiles):
            self._rule_files(p)
        if self.platform is not None and (not isinstance(self.platform, str) or not _NAME.match(self.platform)):
            p.add("bad-name", f"platform {self.platform!r} must be lowercase letters, digits and '-'")
        self._alertmanagers(p)
        for attr, kind in (("alert_relabel_configs", Relabel), ("remote_write", RemoteWrite)):
            value = getattr(self, attr)
            items = (value,) if isinstance(value, kind) else tuple(value or ())
            for item in items:
                if not isinstance(item, kind):
                    p.add("bad-type", f"{attr} must hold {kind.__name__} objects, got {item!r}")
            set_attr(self, attr, tuple(i for i in items if isinstance(i, kind)))
        names = [w.name for w in self.remote_write if w.name]
        if len(set(names)) != len(names):
            p.add("duplicate-remote-write", f"remote_write names {names} are not all different")
        self._replicas(p)
        if self.scrape_configs is not None:
            items = tuple(self.scrape_configs)
            for s in items:
                if not isinstance(s, ScrapeConfig):
                    p.add("bad-type", f"scrape_configs must hold ScrapeConfig objects, got {s!r}")
            set_attr(self, "scrape_configs", tuple(s for s in items if isinstance(s, ScrapeConfig)))
        p.done()

    def _rule_files(self, p: Problems) -> None:
        files = (self.rule_files,) if isinstance(self.rule_files, str) else tuple(self.rule_files or ())
        for f in files:
            if not isinstance(f, str) or not f:
                p.add("bad-rule-files", f"rule_files entries must be paths, got {f!r}")
            elif posixpath.isabs(f) or f.startswith(".."):
                p.add("bad-rule-files", f"rule_files entry {f!r} must be relative to prometheus.yml and "
                                        "inside the build output, so obskit can check that it resolves",
                      hint=f"deploy prometheus.yml next to the rules/ folder and use {BUILT_RULES!r}")
            elif "*" in posixpath.dirname(f) or not f.endswith((".yml", ".yaml")):
                p.add("bad-rule-files", f"rule_files entry {f!r}: only the file name may be a glob, "
                                        "and it must end in .yml or .yaml")
        if len(set(files)) != len(files):
            p.add("bad-rule-files", f"rule_files {list(files)} lists a path twice")
        set_attr(self, "rule_files", files)

    def _replicas(self, p: Problems) -> None:
        replicas = (self.replicas,) if isinstance(self.replicas, str) else tuple(self.replicas or ())
        for r in replicas:
            if not isinstance(r, str) or not _NAME.match(r):
                p.add("bad-replica", f"replica {r!r} must be lowercase letters, digits and '-' (it names a file)")
        if len(set(replicas)) != len(replicas):
            p.add("bad-replica", f"replicas {list(replicas)} lists a replica twice")
        if len(replicas) == 1:
            p.add("bad-replica", "one replica is no HA group: give two or more replicas, or none")
        set_attr(self, "replicas", replicas)
        if not isinstance(self.replica_label, str) or not is_valid_label_name(self.replica_label) \
                or self.replica_label.startswith("__"):
            p.add("bad-label", f"replica_label {self.replica_label!r} is not a valid label name")
        elif replicas and self.replica_label in dict(self.external_labels):
            p.add("bad-replica", f"external_labels already set {self.replica_label!r}: each replica sets it "
                                 "to its own name", hint=f"drop {self.replica_label!r} from external_labels")

    def effective_platform(self, servers: int = 2) -> Optional[str]:
        """The platform whose rules this server loads by default, in a project of ``servers``
        servers (None: every rule file)."""
        if self.platform is not None:
            return self.platform
        return None if self.name == "prometheus" or servers <= 1 else self.name

    def _alertmanagers(self, p: Problems) -> None:
        raw = (self.alertmanagers,) if isinstance(self.alertmanagers, (str, Alertmanagers)) else tuple(self.alertmanagers or ())
        strings = tuple(a for a in raw if isinstance(a, str))
        sets = [a for a in raw if isinstance(a, Alertmanagers)]
        for a in raw:
            if not isinstance(a, (str, Alertmanagers)):
                p.add("bad-type", f"alertmanagers must be 'host:port' strings or Alertmanagers objects, got {a!r}")
        if strings:
            before = len(p.items)
            for t in strings:
                check_target(t, p, "alertmanagers")
            if len(p.items) == before:
                sets.insert(0, Alertmanagers(targets=strings))
        set_attr(self, "alertmanagers", tuple(sets))

    @property
    def server_flags(self) -> Tuple[str, ...]:
        """Command-line flags this configuration needs beside ``--config.file``."""
        flags = []
        if self.retention is not None:
            flags.append(f"--storage.tsdb.retention.time={self.retention}")
        if self.retention_size is not None:
            flags.append(f"--storage.tsdb.retention.size={self.retention_size}")
        return tuple(flags)
