"""The explicit project object: every definition found in a project directory, and its settings."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Tuple, Type, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class KubernetesSettings:
    """``obskit.toml``'s ``[kubernetes]`` table: how generated Kubernetes objects land in a cluster
    (docs/kubernetes.md)."""


@dataclass(frozen=True)
class GrafanaSettings:
    """``obskit.toml``'s ``[grafana]`` table: the Grafana the dashboards land in (docs/dashboards.md)."""


#: obskit.toml tables besides ``[project]``, each read into its own settings class
TABLES = {"kubernetes": KubernetesSettings, "grafana": GrafanaSettings}


@dataclass(frozen=True)
class Settings:
    """Project settings from ``obskit.toml``'s ``[project]`` table (all optional)."""

    namespace: Optional[str] = None          # Kubernetes namespace of generated objects
    prometheus_version: str = "2.42"         # the oldest Prometheus the output must load in
    alertmanager_version: str = "0.25"       # the oldest Alertmanager the output must load in
    grafana_version: str = "12"              # Grafana major version dashboards target (11 or 12)
    scrape_interval: int = 60                # seconds; used by lint checks of rate() ranges
    evaluation_interval: int = 60            # seconds; used by generated tests
    loki_version: str = "3.0"                # the oldest Loki the Loki configs must load in (2.x or 3.x)
    grafana_datasources: Optional[dict] = None  # {prometheus|loki|jaeger|tempo: URL}; see docs/dashboards.md
    ruler_layout: Optional[str] = None       # "mimir" (also Cortex) or "thanos": scale-out rule files, docs/scale-out.md
    promtool_versions: Tuple[str, ...] = ()  # obskit test: only these installed promtool versions (prefixes, "3.5")
    amtool_versions: Tuple[str, ...] = ()    # obskit test: only these installed amtool versions (prefixes, "0.35")
    kubernetes: KubernetesSettings = field(default_factory=KubernetesSettings)   # [kubernetes]
    grafana: GrafanaSettings = field(default_factory=GrafanaSettings)            # [grafana]

    def __post_init__(self):
        for name in ("promtool_versions", "amtool_versions"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(str(v) for v in value))


@dataclass(frozen=True)
class Project:
    """What the loader found, in definition order (file, line)."""

    root: Path
    settings: Settings = field(default_factory=Settings)
    definitions: Tuple[object, ...] = ()
    warnings: Tuple[object, ...] = field(default=(), compare=False)   # Diagnostics of severity "warning"

    def of(self, kind: Type[T]) -> Tuple[T, ...]:
        """Every definition of one type (subclasses included)."""
        return tuple(d for d in self.definitions if isinstance(d, kind))

    @property
    def slos(self):
        from obskit.model.slo import SLO
        return self.of(SLO)

    @property
    def scenarios(self):
        from obskit.verify.scenario import SLOScenario
        return self.of(SLOScenario)
