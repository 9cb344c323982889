"""User alert and recording rules → ``prometheus/rules/<module-stem>-alerts.yml`` and
``kubernetes/<module-stem>-alerts-prometheusrule.yaml`` (one of each per definition module)."""
from __future__ import annotations

from typing import Dict

from obskit.compile.rules import compile_rule_files
from obskit.errors import ToolError
from obskit.project import Project
from obskit.render import kubernetes, prometheus_rules


class AlertRules:
    name = "alert-rules"

    prometheus_version = "2.42"     # the project's floor, kept by render: verify checks with that promtool

    def render(self, project: Project) -> Dict[str, bytes]:
        self.prometheus_version = project.settings.prometheus_version
        files: Dict[str, bytes] = {}
        for rf in compile_rule_files(project):
            files[f"prometheus/rules/{rf.name}.yml"] = prometheus_rules.render(rf)
            files[f"kubernetes/{rf.name}-prometheusrule.yaml"] = kubernetes.render(rf, project.settings.namespace)
        return files

    def verify(self, directory, files: Dict[str, bytes]) -> None:
        from obskit.compile import conventions as conv
        from obskit.verify import promtool
        rules = [str(directory / p) for p in sorted(files)
                 if p.startswith("prometheus/rules/") and p.endswith(f"{conv.ALERT_RULE_FILE_SUFFIX}.yml")]
        if rules:
            from obskit.verify.tools import for_target
            tool = for_target("promtool", self.prometheus_version)
            res = promtool.check_rules(rules, tool=tool)
            if not res.ok:
                raise ToolError(f"{tool.label} check rules failed on the generated alert rules:\n" + res.output)
