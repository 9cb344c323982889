"""Jaeger and OpenTelemetry Collector files."""
from __future__ import annotations

from typing import Dict

from obskit.project import Project


class TracingTarget:
    name = "tracing"

    def render(self, project: Project) -> Dict[str, bytes]:
        return {}

    def verify(self, directory, files: Dict[str, bytes]) -> None:
        return None
