"""User alert and recording rules → ``prometheus/rules/<module-stem>-alerts.yml`` (one per definition
module) and/or (``[project] rule_output``, :mod:`obskit.targets.rule_check`) one PrometheusRule per rule group, ``kubernetes/<group>-rules-prometheusrule.yaml``
named ``<prefix>-<group>-rules``: the object's name follows the group's name, which the user
chose, so moving a group to another file keeps its object (docs/kubernetes.md)."""
from __future__ import annotations

from typing import Dict

from obskit.compile.rules import compile_groups, compile_rule_files
from obskit.errors import ToolError
from obskit.project import Project
from obskit.render import k8s_meta, kubernetes, prometheus_rules
from obskit.targets import rule_check


class AlertRules:
    name = "alert-rules"

    prometheus_version = "2.42"     # the project's floor, kept by render: verify checks with that promtool

    def __init__(self):
        self.included: tuple = ()
        self.unwritten: Dict[str, bytes] = {}    # rule files checked though not written (PrometheusRule only)

    def render(self, project: Project) -> Dict[str, bytes]:
        self.prometheus_version = project.settings.prometheus_version
        write_files, write_objects = rule_check.outputs(project)
        files: Dict[str, bytes] = {}
        for rf in compile_rule_files(project):
            files[f"prometheus/rules/{rf.name}.yml"] = prometheus_rules.render(rf)
        from obskit.model.rule_files import RuleFile     # included rule files: copied unchanged
        self.included = tuple(rf.output for rf in project.of(RuleFile))
        files.update((rf.output, rf.data) for rf in project.of(RuleFile))
        self.unwritten = {}
        if not write_files:
            self.unwritten, files = files, {}
        if not write_objects:
            return files
        root = str(project.root)
        for c in compile_groups(project):
            files[k8s_meta.group_rule_path(c.group.name)] = kubernetes.render_rule(
                (c.group,), k8s_meta.group_rule_name(project.settings, c.group.name),
                (c.source.location.relative_to(root).file,), project.settings,
                note=f"PrometheusRule of rule group {c.group.name!r}.")
        return files

    def verify(self, directory, files: Dict[str, bytes]) -> None:
        from obskit.compile import conventions as conv
        rules = [p for p in sorted(files)
                 if p.startswith("prometheus/rules/") and p.endswith(f"{conv.ALERT_RULE_FILE_SUFFIX}.yml")]
        rules += [p for p in self.included if p in files]
        if rules or self.unwritten:
            from obskit.verify.tools import for_target
            tool = for_target("promtool", self.prometheus_version)
            ok, output = rule_check.check_with_unwritten(directory, rules, self.unwritten, tool)
            if not ok:
                raise ToolError(f"{tool.label} check rules failed on the generated alert rules:\n" + output)


def check_object_names(project: Project):
    """PrometheusRule names must be valid and unique: rule groups whose names slug to the same
    object name (or to an SLO service's ``<prefix>-<service>``) would overwrite each other."""
    from obskit.errors import Diagnostic
    from obskit.model.rules import RuleGroup
    settings = project.settings
    root = str(project.root)
    seen: Dict[str, str] = {}
    diags = []
    for service in sorted({s.service for s in project.slos}):
        name = k8s_meta.slo_rule_name(settings, service)
        if len(name) > k8s_meta.MAX_NAME:
            first = next(s for s in project.slos if s.service == service)
            diags.append(Diagnostic("name-too-long", f"the PrometheusRule of service {service[:40]!r}... would be "
                                    f"named with {len(name)} characters; Kubernetes object names hold at most "
                                    f"{k8s_meta.MAX_NAME}", f"SLO {service[:40]}.../{first.name}", first.location,
                                    hint="shorten the service name"))
        seen.setdefault(name, f"the SLO rules of service {service!r}")
    for group in project.of(RuleGroup):
        name = k8s_meta.group_rule_name(settings, group.name)
        what = f"rule group {group.name!r}"
        if len(name) > k8s_meta.MAX_NAME:
            diags.append(Diagnostic("name-too-long", f"its PrometheusRule would be named with {len(name)} characters; "
                                    f"Kubernetes object names hold at most {k8s_meta.MAX_NAME}", what,
                                    group.location, hint="shorten the group name"))
            continue
        if not k8s_meta.slug(group.name):
            diags.append(Diagnostic("bad-object-name", f"gives no valid PrometheusRule name ({name!r})", what,
                                    group.location, hint="name the group with letters, digits and '-'"))
            continue
        if name in seen:
            diags.append(Diagnostic(
                "duplicate-object-name", f"its PrometheusRule would be named {name!r}, like {seen[name]}", what,
                group.location, hint="rename one of the groups (PrometheusRule names follow group names)"))
            continue
        seen[name] = f"{what} at {group.location.relative_to(root)}"
    return diags
