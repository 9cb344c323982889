"""Build targets: each turns the project into output files and says how to verify them.

A target is a small object with ``render(project) -> {relative path: bytes}`` and
``verify(directory, files)`` (raise ToolError on failure). :data:`TARGETS` lists them in build order.
"""
from __future__ import annotations

from typing import Dict, Protocol

from obskit.project import Project


class Target(Protocol):
    name: str

    def render(self, project: Project) -> Dict[str, bytes]: ...

    def verify(self, directory, files: Dict[str, bytes]) -> None: ...


def targets() -> tuple:
    from obskit.targets.prometheus_rules import PrometheusRules
    from obskit.targets.alert_rules import AlertRules
    from obskit.targets.loki import LokiTarget
    from obskit.targets.tracing import TracingTarget
    from obskit.targets.alertmanager import AlertmanagerTarget
    from obskit.targets.prometheus_config import PrometheusConfigTarget
    from obskit.targets.kubernetes_dashboards import KubernetesDashboards
    from obskit.targets.scaleout import ScaleOut
    return (PrometheusRules(), AlertRules(), LokiTarget(), TracingTarget(), AlertmanagerTarget(), PrometheusConfigTarget(), KubernetesDashboards(), ScaleOut(),)
