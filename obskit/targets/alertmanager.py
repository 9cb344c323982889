"""Alertmanager → ``alertmanager/alertmanager.yml`` (+ templates) and
``kubernetes/alertmanager-config.yaml``, verified with ``amtool check-config``."""
from __future__ import annotations

from typing import Dict

from obskit.compile import conventions as conv
from obskit.compile.alertmanager import compile_alertmanager
from obskit.errors import ToolError
from obskit.project import Project
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
        files[conv.ALERTMANAGER_CONFIG_FILE] = render.render_crd(ir, project.settings.namespace)
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
