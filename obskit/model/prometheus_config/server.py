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

_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
#: the built rule files, relative to prometheus.yml (Prometheus resolves rule_files against the
#: directory of the configuration file)
BUILT_RULES = "rules/*.yml"


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
    ``retention`` is not part of ``prometheus.yml`` (it is the server flag
    ``--storage.tsdb.retention.time``); obskit writes the flags to the generated file's header.
    """

    name: str = "prometheus"
    scrape_interval: Optional[str] = None
    scrape_timeout: Optional[str] = None
    evaluation_interval: Optional[str] = None
    external_labels: Tuple[Tuple[str, str], ...] = ()
    rule_files: Tuple[str, ...] = (BUILT_RULES,)
    alertmanagers: Tuple[Alertmanagers, ...] = ()
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
        self._rule_files(p)
        self._alertmanagers(p)
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
