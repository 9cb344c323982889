"""The explicit project object: every definition found in a project directory, and its settings."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Tuple

from obskit.model.slo import SLO


@dataclass(frozen=True)
class Settings:
    """Project settings from ``obskit.toml`` (all optional)."""

    namespace: Optional[str] = None          # Kubernetes namespace of generated objects
    prometheus_version: str = "2.42"         # the oldest Prometheus the output must load in
    evaluation_interval: int = 60            # seconds; used by generated tests


@dataclass(frozen=True)
class Project:
    root: Path
    settings: Settings = field(default_factory=Settings)
    slos: Tuple[SLO, ...] = ()
    scenarios: Tuple[object, ...] = ()
