"""SLO rules → ``prometheus/rules/<service>.yml`` and ``kubernetes/<service>-prometheusrule.yaml`` (the
PrometheusRule ``<prefix>-<service>``, docs/kubernetes.md)."""
from __future__ import annotations

from typing import Dict

from obskit.compile.project import compile_project
from obskit.errors import ToolError
from obskit.project import Project
from obskit.render import kubernetes, prometheus_rules


class PrometheusRules:
    name = "prometheus-rules"

    prometheus_version = "2.42"     # the project's floor, kept by render: verify checks with that promtool

    def render(self, project: Project) -> Dict[str, bytes]:
        self.prometheus_version = project.settings.prometheus_version
        files: Dict[str, bytes] = {}
        for rf in compile_project(project).rule_files:
            files[f"prometheus/rules/{rf.name}.yml"] = prometheus_rules.render(rf)
            files[f"kubernetes/{rf.name}-prometheusrule.yaml"] = kubernetes.render(rf, project.settings)
        return files

    def verify(self, directory, files: Dict[str, bytes]) -> None:
        from obskit.verify import promtool
        rules = [str(directory / p) for p in sorted(files) if p.startswith("prometheus/rules/")]
        if rules:
            from obskit.verify.tools import for_target
            tool = for_target("promtool", self.prometheus_version)
            res = promtool.check_rules(rules, tool=tool)
            if not res.ok:
                raise ToolError(f"{tool.label} check rules failed on the generated files:\n" + res.output)
