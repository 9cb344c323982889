"""Alertmanager → ``alertmanager/alertmanager.yml`` (+ templates) and
``kubernetes/alertmanager-config.yaml``, verified with ``amtool check-config``.

:func:`check_operator_routing` (a project check) refuses alerts that the AlertmanagerConfig would
never route once the Prometheus Operator has added its ``namespace`` matcher (docs/kubernetes.md).
"""
from __future__ import annotations

from typing import Dict, List

from obskit.compile import conventions as conv
from obskit.compile.alertmanager import compile_alertmanager
from obskit.errors import Diagnostic, ToolError
from obskit.project import Project, alert_namespace
from obskit.render import alertmanager as render


class AlertmanagerTarget:
    name = "alertmanager"

    alertmanager_version = "0.25"   # the project's floor, kept by render: verify checks with that amtool

    def render(self, project: Project) -> Dict[str, bytes]:
        self.alertmanager_version = project.settings.alertmanager_version
        ir = compile_alertmanager(project)
        if ir is None:
            return {}
        base = conv.ALERTMANAGER_FILE.rsplit("/", 1)[0]
        files = {conv.ALERTMANAGER_FILE: render.render(ir)}
        files.update({f"{base}/{p}": data for p, data in render.render_templates(ir).items()})
        if not _file_only_secrets(project):     # an AlertmanagerConfig can refer to Kubernetes Secrets only
            files[conv.ALERTMANAGER_CONFIG_FILE] = render.render_crd(ir, settings=project.settings)
        return files

    def verify(self, directory, files: Dict[str, bytes]) -> None:
        if conv.ALERTMANAGER_FILE not in files:
            return
        from obskit.verify import amtool
        from obskit.verify.tools import for_target
        tool = for_target("amtool", self.alertmanager_version)
        res = amtool.check_config(directory / conv.ALERTMANAGER_FILE, tool=tool)
        if not res.ok:
            raise ToolError(f"{tool.label} check-config failed on {conv.ALERTMANAGER_FILE}: {amtool.failure_reason(res)}")


def _file_only_secrets(project: Project) -> bool:
    """Whether the Alertmanager definition reads a secret from a file only (``Secret(path=...)``)."""
    import dataclasses
    from obskit.model.alertmanager import Alertmanager, Secret

    def walk(value, depth=0) -> bool:
        if isinstance(value, Secret):
            return value.file_only
        if depth > 8:
            return False
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return any(walk(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
        if isinstance(value, (list, tuple)):
            return any(walk(v, depth + 1) for v in value)
        if isinstance(value, dict):
            return any(walk(v, depth + 1) for v in value.values())
        return False

    return any(walk(am) for am in project.of(Alertmanager))


def check_operator_routing(project: Project) -> List[Diagnostic]:
    """Every alert the project defines must carry ``namespace="<ns>"`` when the AlertmanagerConfig
    in ``<ns>`` is rewritten with a namespace matcher (``[kubernetes] matcher_strategy``): any other
    alert never reaches its route tree. SLO alerts get the label as a rule label by default
    (``namespace_label``); hand-written ones must set it."""
    from obskit.model.alertmanager import Alertmanager
    from obskit.model.rules import RuleGroup
    settings = project.settings
    namespace = alert_namespace(settings)
    if namespace is None or not project.of(Alertmanager):
        return []
    k8s = settings.kubernetes
    where = (f'the AlertmanagerConfig {namespace}/{k8s.alertmanager_config_name} only routes alerts labelled '
             f'namespace="{namespace}" (the operator adds that matcher to its top route under matcher_strategy '
             f'{k8s.matcher_strategy!r}), so the deployed Alertmanager would never route it')
    other = ('or set [kubernetes] matcher_strategy = "None" in obskit.toml if the Alertmanager object sets '
             'alertmanagerConfigMatcherStrategy: {type: None}')
    diags: List[Diagnostic] = []
    for group in project.of(RuleGroup):
        group_labels = dict(group.labels)
        for rule in group.alerts:
            labels = {**group_labels, **dict(rule.all_labels)}
            got = labels.get("namespace")
            if got == namespace:
                continue
            what = "has no namespace label" if got is None else f'is labelled namespace="{got}"'
            diags.append(Diagnostic(
                "unrouted-alert", f"{what}: {where}", f"alert {rule.name}", rule.location,
                hint=f'add labels={{"namespace": "{namespace}"}} to the AlertRule (or its RuleGroup; a rule label '
                     f'replaces the namespace its query returns), {other}'))
    for slo in project.slos:
        if "namespace" in slo.sli.by:
            why = "its SLI keeps a namespace label (by=) that obskit does not overwrite"
        elif not k8s.namespace_label:
            why = "[kubernetes] namespace_label = false leaves its alerts without a namespace label"
        else:
            continue
        diags.append(Diagnostic(
            "unrouted-alert", f"{why}: {where}", f"SLO {slo.service}/{slo.name}", slo.location,
            hint=f"remove namespace from by= or set namespace_label = true, {other}"))
    return diags
