"""Dashboards → ``grafana/dashboards/<folder_uid>/<uid>.json``, ``grafana/folders.json`` and provisioning
files; verified against Grafana's JSON schemas."""
from __future__ import annotations

from typing import Dict

from obskit.compile.dashboards.project import compile_dashboards, schema_version
from obskit.errors import DefinitionError, Diagnostic, ToolError
from obskit.project import Project
from obskit.render import grafana, grafana_provisioning as prov, grafana_v2


def dashboard_path(folder_uid: str, uid: str) -> str:
    return f"grafana/dashboards/{folder_uid}/{uid}.json"


class Grafana:
    name = "grafana"
    verify_alongside = True     # schema checks in Python, nothing printed: run beside the tool checks
    render_apart = True         # big projects: render in a forked process beside the rule targets

    def __init__(self):
        self.schema_version = None
        self.schema = "v1"
        self.api_version = None          # schema v2: the resources' apiVersion

    def render(self, project: Project) -> Dict[str, bytes]:
        compiled, diags = compile_dashboards(project)
        errors = [d for d in diags if d.severity == "error"]
        if errors:
            raise DefinitionError(errors)
        grafana_settings = project.settings.grafana
        version = schema_version(grafana_settings.target_version)
        self.schema_version = version
        self.schema = grafana_settings.schema
        files: Dict[str, bytes] = {}
        if not compiled.dashboards:
            return files                 # no dashboards (no SLOs either): no grafana/ output
        if grafana_settings.schema == "v2":
            api_version = self.api_version = grafana_v2.api_version(grafana_settings.target_version)
            for d in compiled.dashboards:
                try:
                    files[dashboard_path(d.folder.uid, d.uid)] = grafana_v2.render(d, api_version)
                except grafana_v2.ConversionError as exc:    # something of the author's v2 has no place for
                    raise DefinitionError(Diagnostic("dashboard-v2", str(exc), f"dashboard {d.title!r}",
                                                     d.sources[0] if d.sources else None,
                                                     hint='use schema = "v1" or change the dashboard')) from None
        else:
            for d in compiled.dashboards:
                files[dashboard_path(d.folder.uid, d.uid)] = grafana.render(d, version)
        files["grafana/folders.json"] = prov.folders_json(compiled.folders)
        files["grafana/provisioning/dashboards/obskit.yaml"] = prov.dashboard_providers(compiled.folders)
        datasources = prov.datasources(prov.datasource_plan(grafana_settings), project.settings.scrape_interval,
                                       grafana_settings)
        if datasources is not None:      # only the datasources obskit.toml asks for
            files["grafana/provisioning/datasources/obskit.yaml"] = datasources
        from obskit.verify import dashboard_queries     # user-written dashboards: errors at their panel's line
        problems = dashboard_queries.check(project, files, version, grafana_settings.schema, self.api_version)
        if problems:
            raise DefinitionError(problems)
        return files

    def verify(self, directory, files: Dict[str, bytes]) -> None:
        from obskit.verify.grafana_schema import SchemasMissing, validate_files
        try:
            problems = validate_files(files, self.schema_version, self.schema, self.api_version)
        except SchemasMissing as exc:
            raise ToolError(str(exc)) from None
        if problems:
            raise ToolError("generated dashboards do not match Grafana's JSON schemas:\n" + "\n".join(problems))
