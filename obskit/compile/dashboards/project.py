"""Project → dashboards: the users' (converted to current shapes) and the generated ones, with folders.

Pure: the same project gives the same result. Problems come back as diagnostics naming the
dashboard's definition (``check_dashboards`` reports them at load time, exit code 2).
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from obskit.compile import conventions as conv
from obskit.compile.dashboards.ir import (AuthoredDocument, CompiledDashboard, CompiledDashboards, DashboardSpec,
                                          Folder)
from obskit.compile.dashboards.red import has_red, red
from obskit.compile.dashboards.slo import detail, overview
from obskit.model.dashboard_uid import uid_from_name
from obskit.compile.dashboards.legacy import convert
from obskit.errors import Diagnostic
from obskit.location import Location
from obskit.model.dashboards import Dashboard, _to_json_text, source_kind
from obskit.project import GRAFANA_ALIASES, GrafanaSettings, Project

#: Grafana major version → the classic dashboard schemaVersion obskit writes for it. 13 gets 12's 42
#: (the schemas in shared/ are 42's; Grafana migrates any older schemaVersion when it loads a dashboard)
SCHEMA_VERSIONS = {11: 41, 12: 42, 13: 42}


def schema_version(grafana_version: str) -> int:
    """The dashboard schemaVersion of a Grafana release ("12", "11.6", ...); ValueError if unsupported."""
    try:
        major = int(str(grafana_version).split(".")[0])
    except ValueError:
        major = -1
    if major not in SCHEMA_VERSIONS:
        known = sorted(SCHEMA_VERSIONS)
        raise ValueError(f"grafana_version {grafana_version!r} is not supported: obskit targets Grafana "
                         f"{', '.join(str(v) for v in known[:-1])} and {known[-1]} ([grafana] version)")
    return SCHEMA_VERSIONS[major]


def datasource_refs(grafana: Optional[GrafanaSettings] = None) -> Dict[str, dict]:
    """Legacy datasource names ("Prometheus", "Loki", "Jaeger", "Tempo") → ``{type, uid}`` references with
    the configured uids (``[grafana] <type>_datasource_uid``)."""
    grafana = grafana or GrafanaSettings()
    return {name: {"type": plugin, "uid": grafana.datasource_uid(kind)}
            for kind, (_, name, plugin) in conv.GRAFANA_DATASOURCES.items()}


def folder(title: str) -> Folder:
    return Folder(uid_from_name(title), title)


@dataclass(frozen=True)
class _Planned:
    """A dashboard the project will have: its identity now, its content when ``make()`` is called
    (the loader's checks need only the identities of the generated dashboards)."""

    uid: str
    title: str
    folder: Folder
    sources: Tuple[Location, ...]
    make: Callable[[], CompiledDashboard]


def _authored(d: Dashboard, version: int, grafana: GrafanaSettings, diags: List[Diagnostic]) -> CompiledDashboard:
    converted = convert(json.loads(d.document), version, datasource_refs(grafana), grafana.prometheus_datasource_uid)
    doc = converted.doc
    obj = f"dashboard {d.title!r}"
    hint = "obskit converts old shapes as Grafana does on load (docs/dashboards.md, \"grafanalib\")"
    for problem in converted.problems:
        diags.append(Diagnostic("dashboard-convert", problem, obj, d.problem_location(problem), hint=hint))
    for warning in converted.warnings:
        diags.append(Diagnostic("dashboard-dropped", warning, obj, d.problem_location(warning), severity="warning"))
    for note in converted.unknown_uids:
        diags.append(Diagnostic(
            "dashboard-datasource-unknown", note, obj, d.problem_location(note), severity="warning",
            hint="fine when the Grafana it deploys to has a datasource with this uid (an existing instance's own); "
                 "otherwise its panels show 'datasource not found'. Name it in [grafana] (prometheus_datasource_uid "
                 "= ...) or use '${datasource}'"))
    uid = d.effective_uid
    doc["uid"] = uid
    return CompiledDashboard(
        uid=uid, title=d.title, folder=folder(d.folder),
        content=AuthoredDocument(json.dumps(doc, sort_keys=True, ensure_ascii=False), d.kind),
        sources=(d.location,))


def _ready(d: CompiledDashboard) -> _Planned:
    return _Planned(d.uid, d.title, d.folder, d.sources, lambda: d)


def _generating(title: str, where: Folder, locs: Tuple[Location, ...], spec: Callable[[], DashboardSpec]) -> _Planned:
    uid = uid_from_name(title)
    return _Planned(uid, title, where, locs,
                    lambda: CompiledDashboard(uid, title, where, spec(), locs, generated=True))


def _generated(project: Project) -> List[_Planned]:
    slos = project.slos
    if not slos:
        return []
    out = []
    slo_folder, svc_folder = folder(conv.SLO_FOLDER), folder(conv.SERVICES_FOLDER)
    uid = project.settings.grafana.prometheus_datasource_uid      # the ${datasource} variable's default
    out.append(_generating(conv.SLO_OVERVIEW_TITLE, slo_folder, tuple(sorted({s.location for s in slos})),
                           lambda: overview(slos, uid)))
    for service, items in groupby(sorted(slos, key=lambda s: (s.service, s.name)), key=lambda s: s.service):
        items = list(items)
        locs = tuple(sorted({s.location for s in items}))
        out.append(_generating(conv.slo_detail_title(service), slo_folder, locs,
                               lambda service=service, items=items: detail(service, items, uid)))
        if has_red(items):
            out.append(_generating(conv.red_title(service), svc_folder, locs,
                                   lambda service=service, items=items: red(service, items, uid)))
    return out


def _plan(project: Project) -> Tuple[Optional[List[_Planned]], List[Diagnostic]]:
    """Every dashboard of the project (None on a bad grafana_version) and the problems found."""
    diags: List[Diagnostic] = []
    grafana = project.settings.grafana
    try:
        version = schema_version(grafana.target_version)
    except ValueError as exc:
        return None, [Diagnostic("bad-config", str(exc), "obskit.toml")]
    dashboards = [_ready(_authored(d, version, grafana, diags)) for d in project.of(Dashboard)] + _generated(project)
    seen: Dict[str, _Planned] = {}
    for d in dashboards:
        other = seen.get(d.uid)
        if other is not None:
            where = other.sources[0] if other.sources else "a generated dashboard"
            diags.append(Diagnostic("duplicate-uid", f"uid {d.uid!r} is also the uid of dashboard "
                                    f"{other.title!r} ({where})", f"dashboard {d.title!r}",
                                    d.sources[0] if d.sources else None, hint="give one of them uid="))
        else:
            seen[d.uid] = d
    titles: Dict[str, str] = {}
    for d in dashboards:
        if d.folder.uid == "general":
            diags.append(Diagnostic("reserved-folder", f"folder {d.folder.title!r} would get uid 'general', "
                                    "which Grafana reserves for its root folder", f"dashboard {d.title!r}",
                                    d.sources[0] if d.sources else None, hint="choose another folder title"))
        known = titles.setdefault(d.folder.uid, d.folder.title)
        if known != d.folder.title:
            diags.append(Diagnostic("folder-clash", f"folder {d.folder.title!r} gets uid {d.folder.uid!r}, "
                                    f"like folder {known!r}", f"dashboard {d.title!r}",
                                    d.sources[0] if d.sources else None, hint="use one spelling of the folder title"))
    return dashboards, diags


def _unique(dashboards: List[_Planned]) -> List[_Planned]:
    seen: Dict[str, _Planned] = {}
    for d in dashboards:
        seen.setdefault(d.uid, d)
    return list(seen.values())


def compile_dashboards(project: Project) -> Tuple[CompiledDashboards, List[Diagnostic]]:
    dashboards, diags = _plan(project)
    if dashboards is None:
        return CompiledDashboards((), ()), diags
    folders = tuple(sorted({d.folder for d in dashboards}, key=lambda f: (f.uid, f.title)))
    ordered = tuple(d.make() for d in sorted(_unique(dashboards), key=lambda d: (d.folder.uid, d.uid)))
    return CompiledDashboards(folders, ordered), diags


def check_dashboards(project: Project) -> List[Diagnostic]:
    """Loader check: conversion problems, duplicate uids, folder clashes, bare dashboards, deprecated
    Grafana settings. The generated dashboards' contents are not built here (only the Grafana target
    needs them)."""
    return _plan(project)[1] + check_bare_dashboards(project) + check_grafana_settings(project)


def check_grafana_settings(project: Project) -> List[Diagnostic]:
    """A warning per deprecated ``[project]`` Grafana key obskit.toml still uses (they keep working)."""
    where = Location(str(project.root / "obskit.toml"), 0)
    return [Diagnostic("deprecated-setting", f"[project] {old} is deprecated: it is now [grafana] {GRAFANA_ALIASES[old]} "
                       "(same meaning)", "obskit.toml", where, severity="warning",
                       hint=f"move it: [grafana] {GRAFANA_ALIASES[old]} = ...")
            for old in project.settings.deprecated_keys]


def _is_bare_dashboard(value: object) -> bool:
    kind = source_kind(value)
    return kind in ("grafanalib", "foundation-sdk") and type(value).__name__ == "Dashboard"


def check_bare_dashboards(project: Project) -> List[Diagnostic]:
    """A grafanalib or foundation-sdk dashboard left bare at module level in ``dashboards/`` is not
    collected (it has no folder): report it instead of silently leaving it out. Names starting with
    ``_`` are private and skipped. Reads the modules the loader imported for this project (the most
    recent import of each file)."""
    base = project.root / "dashboards"
    latest: Dict[Path, Tuple[int, object]] = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        match = re.match(r"_obskit_defs_(\d+)\.", name)
        if not match or not file or base not in Path(file).resolve().parents:
            continue
        path, n = Path(file).resolve(), int(match.group(1))
        if path not in latest or latest[path][0] < n:
            latest[path] = (n, module)
    titles = {d.title for d in project.of(Dashboard)}
    diags = []
    for path, (_, module) in sorted(latest.items()):
        for var, value in vars(module).items():
            if var.startswith("_") or not _is_bare_dashboard(value):
                continue
            title = getattr(value, "title", None) if source_kind(value) == "grafanalib" else None
            if title is None:
                try:
                    title = json.loads(_to_json_text(value, source_kind(value))).get("title")
                except (TypeError, ValueError, AttributeError):
                    title = None
            if title in titles:
                continue                 # wrapped (perhaps after .auto_panel_ids()) by a Dashboard
            diags.append(Diagnostic(
                "bare-dashboard", f"module variable {var!r} is a {source_kind(value)} dashboard that obskit does not "
                f"collect", f"dashboard {title!r}", Location(str(path), _assignment_line(path, var)),
                hint=f"wrap it: {var} = Dashboard({var}, folder=\"...\") (from obskit.model.dashboards), "
                     "or name it with a leading underscore"))
    return diags


def _assignment_line(path: Path, var: str) -> int:
    """The line of the last top-level assignment to ``var`` (0 when not found)."""
    line = 0
    try:
        for n, text in enumerate(path.read_text().splitlines(), 1):
            if re.match(rf"{re.escape(var)}\s*(:[^=]*)?=(?!=)", text):
                line = n
    except OSError:
        pass
    return line
