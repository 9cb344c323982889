"""The Grafana target's dashboards as Kubernetes objects: ``kubernetes/dashboards/<uid>-configmap.yaml``
(Grafana sidecar) and/or ``<uid>-grafanadashboard.yaml`` (grafana-operator v5), per
``[kubernetes] dashboards`` (obskit/render/k8s_dashboards.py, docs/kubernetes.md); by default only in a
project with Kubernetes settings (:func:`~obskit.project.dashboard_objects`).

:class:`KubernetesDashboards` is the Grafana target: it renders and verifies exactly what that
target does and adds the objects, built from the files it rendered
(``grafana/dashboards/<folder uid>/<uid>.json`` and ``grafana/folders.json``), so the dashboards are
compiled once and the JSON in the cluster is the JSON that was schema-checked.
"""
from __future__ import annotations

import json
from typing import Dict, List, Tuple

from obskit.errors import DefinitionError, Diagnostic
from obskit.project import Project, dashboard_objects
from obskit.render import k8s_dashboards, k8s_meta
from obskit.targets.grafana import Grafana

DASHBOARDS_DIR = "grafana/dashboards/"
FOLDERS_FILE = "grafana/folders.json"


def dashboards_in(files: Dict[str, bytes]) -> List[Tuple[str, str, str]]:
    """``(uid, folder title, JSON text)`` of every dashboard file the Grafana target rendered."""
    titles = {f["uid"]: f["title"] for f in json.loads(files[FOLDERS_FILE])} if FOLDERS_FILE in files else {}
    out = []
    for path in sorted(files):
        if not (path.startswith(DASHBOARDS_DIR) and path.endswith(".json")):
            continue
        folder_uid, _, name = path[len(DASHBOARDS_DIR):].rpartition("/")
        text = files[path].decode()
        uid = str(json.loads(text).get("uid") or name[:-len(".json")])
        out.append((uid, titles.get(folder_uid, folder_uid), text))
    return out


class KubernetesDashboards(Grafana):
    """The Grafana target (same name, files, state and verification), plus its dashboards as
    ConfigMaps / GrafanaDashboards."""

    def render(self, project: Project) -> Dict[str, bytes]:
        files = dict(super().render(project))
        if dashboard_objects(project.settings) == "none":
            return files
        dashboards = dashboards_in(files)
        diags = _name_clashes(project, dashboards)
        objects, too_big = k8s_dashboards.render(project.settings, dashboards)
        for uid, title, size in too_big:
            diags.append(Diagnostic(
                "dashboard-too-large",
                f"is {size} bytes of JSON; a Kubernetes ConfigMap (and an object in etcd) holds at most "
                f"{k8s_meta.CONFIGMAP_MAX_BYTES} bytes (1 MiB), and one dashboard cannot be split across ConfigMaps",
                f"dashboard {uid!r} ({title})", _location(project, uid),
                hint="split the dashboard into smaller ones (fewer panels or rows), or set "
                     '[kubernetes] dashboards = "none" and provision it from files or with obskit apply'))
        if diags:
            raise DefinitionError(diags)
        files.update(objects)
        return files


def _name_clashes(project: Project, dashboards) -> List[Diagnostic]:
    seen: Dict[str, str] = {}
    diags = []
    for uid, _, _ in dashboards:
        name = k8s_meta.dashboard_configmap_name(project.settings, uid)
        if name in seen:
            diags.append(Diagnostic("duplicate-object-name",
                                    f"its ConfigMap would be named {name!r}, like that of dashboard {seen[name]!r}",
                                    f"dashboard {uid!r}", _location(project, uid),
                                    hint="give the dashboards uids that differ in more than case and '_'/'-'"))
        seen.setdefault(name, uid)
    return diags


def _location(project: Project, uid: str):
    """Where the dashboard is defined, when it is an authored one."""
    from obskit.model.dashboards import Dashboard
    for d in project.of(Dashboard):
        try:
            if d.effective_uid == uid:
                return d.location.relative_to(str(project.root))
        except (ValueError, TypeError):
            continue
    return None
