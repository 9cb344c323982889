"""``ScrapeConfig``: one scrape job of ``prometheus.yml`` (a Definition the loader finds)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Tuple

from obskit.location import Location
from obskit.model.base import Definition, Problems, locate, set_attr
from obskit.model.prometheus_config.discovery import FileSD, KubernetesSD, StaticConfig, check_target
from obskit.model.prometheus_config.relabel import Relabel

_JOB = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]*$")
SCHEMES = ("http", "https")


@dataclass(frozen=True, kw_only=True, eq=False)
class TLSConfig:
    """``tls_config`` of a scrape job: files as seen by the Prometheus server."""

    ca_file: Optional[str] = None
    cert_file: Optional[str] = None
    key_file: Optional[str] = None
    server_name: Optional[str] = None
    insecure_skip_verify: Optional[bool] = None
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems("tls_config", locate(self))
        if (self.cert_file is None) != (self.key_file is None):
            p.add("bad-tls", "cert_file and key_file go together (client certificate and its key)")
        if self.insecure_skip_verify is not None and not isinstance(self.insecure_skip_verify, bool):
            p.add("bad-tls", "insecure_skip_verify must be True or False")
        p.done()

    def items(self) -> Tuple[Tuple[str, object], ...]:
        return tuple((k, getattr(self, k)) for k in ("ca_file", "cert_file", "key_file", "server_name",
                                                      "insecure_skip_verify") if getattr(self, k) is not None)


@dataclass(frozen=True, kw_only=True, eq=False)
class ScrapeConfig(Definition):
    """A scrape job. Give targets through at least one of ``targets`` (shorthand for one
    ``static_configs`` entry), ``static_configs``, ``file_sd`` or ``kubernetes``.

    Durations left ``None`` take the server's ``global`` values.
    """

    job_name: str
    targets: Tuple[str, ...] = ()
    static_configs: Tuple[StaticConfig, ...] = ()
    file_sd: Tuple[FileSD, ...] = ()
    kubernetes: Tuple[KubernetesSD, ...] = ()
    relabel_configs: Tuple[Relabel, ...] = ()
    metric_relabel_configs: Tuple[Relabel, ...] = ()
    scrape_interval: Optional[str] = None
    scrape_timeout: Optional[str] = None
    metrics_path: Optional[str] = None
    scheme: Optional[str] = None
    honor_labels: Optional[bool] = None
    honor_timestamps: Optional[bool] = None
    params: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    sample_limit: Optional[int] = None
    keep_dropped_targets: Optional[int] = None
    tls_config: Optional[TLSConfig] = None
    bearer_token_file: Optional[str] = None
    description: str = ""
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"scrape config {self.job_name!r}", locate(self))
        if not isinstance(self.job_name, str) or not _JOB.match(self.job_name):
            p.add("bad-name", f"job_name {self.job_name!r} must be letters, digits, '_', '-', '.', ':'")
        targets = (self.targets,) if isinstance(self.targets, str) else tuple(self.targets or ())
        for t in targets:
            check_target(t, p, "targets")
        set_attr(self, "targets", targets)
        self._tuple(p, "static_configs", StaticConfig)
        self._tuple(p, "file_sd", FileSD)
        self._tuple(p, "kubernetes", KubernetesSD)
        self._tuple(p, "relabel_configs", Relabel)
        self._tuple(p, "metric_relabel_configs", Relabel)
        if not (self.targets or self.static_configs or self.file_sd or self.kubernetes):
            p.add("no-targets", "a scrape config needs targets=, static_configs=, file_sd= or kubernetes=")
        interval = timeout = None
        if self.scrape_interval is not None:
            interval = p.duration(self.scrape_interval, "scrape_interval")
            set_attr(self, "scrape_interval", interval or self.scrape_interval)
        if self.scrape_timeout is not None:
            timeout = p.duration(self.scrape_timeout, "scrape_timeout")
            set_attr(self, "scrape_timeout", timeout or self.scrape_timeout)
        if interval and timeout and timeout > interval:
            p.add("bad-duration", f"scrape_timeout {timeout} is longer than scrape_interval {interval}")
        if self.metrics_path is not None and (not isinstance(self.metrics_path, str)
                                              or not self.metrics_path.startswith("/")):
            p.add("bad-path", f"metrics_path {self.metrics_path!r} must start with '/'")
        if self.scheme is not None and self.scheme not in SCHEMES:
            p.add("bad-scheme", f"scheme {self.scheme!r} must be http or https")
        for name in ("honor_labels", "honor_timestamps"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), bool):
                p.add("bad-value", f"{name} must be True or False")
        for name in ("sample_limit", "keep_dropped_targets"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                p.add("bad-value", f"{name} must be a non-negative integer, got {v!r}")
        self._params(p)
        if self.tls_config is not None and not isinstance(self.tls_config, TLSConfig):
            p.add("bad-type", f"tls_config must be a TLSConfig, got {self.tls_config!r}")
        if self.bearer_token_file is not None and (not isinstance(self.bearer_token_file, str)
                                                   or not self.bearer_token_file):
            p.add("bad-value", "bearer_token_file must be a path")
        p.done()

    def _tuple(self, p: Problems, name: str, kind: type) -> None:
        value = getattr(self, name)
        items = (value,) if isinstance(value, kind) else tuple(value or ())
        for item in items:
            if not isinstance(item, kind):
                p.add("bad-type", f"{name} must hold {kind.__name__} objects, got {item!r}")
        set_attr(self, name, tuple(i for i in items if isinstance(i, kind)))

    def _params(self, p: Problems) -> None:
        raw = self.params
        items = raw.items() if hasattr(raw, "items") else raw
        out = []
        for key, values in items or ():
            values = (values,) if isinstance(values, str) else tuple(values)
            if not isinstance(key, str) or not all(isinstance(v, str) for v in values):
                p.add("bad-value", f"params must map strings to strings or lists of strings: {key!r}")
                continue
            out.append((key, values))
        set_attr(self, "params", tuple(sorted(out)))

    @property
    def all_relabels(self) -> Tuple[Relabel, ...]:
        return self.relabel_configs + self.metric_relabel_configs

    @property
    def uses_kubernetes(self) -> bool:
        return bool(self.kubernetes)
