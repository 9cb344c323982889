"""SLO rules → ``prometheus/rules/<service>.yml`` and/or ``kubernetes/<service>-prometheusrule.yaml`` (the
PrometheusRule ``<prefix>-<service>``, docs/kubernetes.md), as ``[project] rule_output`` chooses
(:mod:`obskit.targets.rule_check`); promtool checks the rules either way."""
from __future__ import annotations

from typing import Dict

from obskit.compile.project import compile_project
from obskit.errors import ToolError
from obskit.project import Project
from obskit.render import kubernetes, prometheus_rules
from obskit.targets import rule_check


class PrometheusRules:
    name = "prometheus-rules"

    prometheus_version = "2.42"     # the project's floor, kept by render: verify checks with that promtool

    def __init__(self):
        self.unwritten: Dict[str, bytes] = {}    # rule files checked though not written (PrometheusRule only)

    def render(self, project: Project) -> Dict[str, bytes]:
        self.prometheus_version = project.settings.prometheus_version
        write_files, write_objects = rule_check.outputs(project)
        files: Dict[str, bytes] = {}
        self.unwritten = {}
        for rf in compile_project(project).rule_files:
            (files if write_files else self.unwritten)[f"prometheus/rules/{rf.name}.yml"] = prometheus_rules.render(rf)
            if write_objects:
                files[f"kubernetes/{rf.name}-prometheusrule.yaml"] = kubernetes.render(rf, project.settings)
        return files

    def verify(self, directory, files: Dict[str, bytes]) -> None:
        rules = [p for p in sorted(files) if p.startswith("prometheus/rules/")]
        if rules or self.unwritten:
            from obskit.verify.tools import for_target
            tool = for_target("promtool", self.prometheus_version)
            ok, output = rule_check.check_with_unwritten(directory, rules, self.unwritten, tool)
            if not ok:
                raise ToolError(f"{tool.label} check rules failed on the generated files:\n" + output)
