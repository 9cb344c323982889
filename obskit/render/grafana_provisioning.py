"""Grafana file provisioning: the folder list, the dashboard providers and the datasources asked for.

Mount ``OUT_DIR/grafana/dashboards`` at :data:`DASHBOARDS_MOUNT` and ``OUT_DIR/grafana/provisioning``
at ``/etc/grafana/provisioning`` in the Grafana container. One dashboard provider per folder (not
``foldersFromFilesStructure``, which would title each folder with its directory name and give it a
random uid): each provider names the folder's title *and* uid, so file provisioning and
``obskit apply`` put dashboards in the same folder.
"""
from __future__ import annotations

import json
from typing import List, Optional, Sequence, Tuple

from obskit.compile import conventions as conv
from obskit.compile.dashboards.ir import Folder
from obskit.project import GrafanaSettings
from obskit.render import yamlfmt

DASHBOARDS_MOUNT = "/var/lib/grafana/dashboards/obskit"
TRACING = ("jaeger", "tempo")


def folders_json(folders: Sequence[Folder]) -> bytes:
    """``grafana/folders.json``: a list of ``{uid, title}`` sorted by uid (read by ``obskit apply``)."""
    items = [{"uid": f.uid, "title": f.title} for f in sorted(folders, key=lambda f: f.uid)]
    return (json.dumps(items, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _header(sources: str) -> str:
    return conv.GENERATED_HEADER.format(sources=sources)


def dashboard_providers(folders: Sequence[Folder]) -> bytes:
    providers = [{
        "name": f"{conv.GRAFANA_PROVIDER_NAME}-{f.uid}",
        "orgId": 1,
        "folder": f.title,
        "folderUid": f.uid,
        "type": "file",
        "disableDeletion": False,
        "allowUiUpdates": False,
        "updateIntervalSeconds": 30,
        "options": {"path": f"{DASHBOARDS_MOUNT}/{f.uid}", "foldersFromFilesStructure": False},
    } for f in sorted(folders, key=lambda f: f.uid)]
    return (_header("dashboards/ and slos/") + yamlfmt.dump({"apiVersion": 1, "providers": providers})).encode()


#: the order provisioned datasources are written in
ORDER = ("prometheus", "loki", "jaeger", "tempo")


def datasource_plan(grafana: GrafanaSettings) -> List[Tuple[str, str]]:
    """The datasources to provision, as (type, URL) pairs: exactly those ``[grafana] datasources``
    asks for (none by default: dashboards then use the datasources the Grafana already has, through
    the configured uids). The URLs were checked by :class:`~obskit.project.GrafanaSettings`."""
    given = dict(grafana.datasources or ())
    return [(kind, given[kind]) for kind in ORDER if kind in given]


def datasources(plan: Sequence[Tuple[str, str]], scrape_interval: int, grafana: GrafanaSettings) -> Optional[bytes]:
    """``grafana/provisioning/datasources/obskit.yaml`` for the planned datasources (None when none is
    planned: no file). Each gets the uid dashboards use for its type (``[grafana] <type>_datasource_uid``).
    Loki's trace-id link and the tracing datasource's link back to Loki are written only when both ends
    are provisioned here."""
    if not plan:
        return None
    kinds = [k for k, _ in plan]
    tracing_uid = next((grafana.datasource_uid(k) for k in TRACING if k in kinds), None)
    items = []
    for kind, url in plan:
        _, name, plugin = conv.GRAFANA_DATASOURCES[kind]
        ds = {"name": name, "type": plugin, "uid": grafana.datasource_uid(kind), "access": "proxy", "url": url,
              "orgId": 1, "isDefault": kind == "prometheus", "editable": False}
        if kind == "prometheus":
            ds["jsonData"] = {"timeInterval": f"{scrape_interval}s", "httpMethod": "POST"}
        elif kind == "loki" and tracing_uid:
            # "$$" escapes Grafana's environment-variable expansion in provisioning files
            ds["jsonData"] = {"derivedFields": [{"name": "TraceID", "matcherRegex": "trace_?id[=:\"]+(\\w+)",
                                                 "datasourceUid": tracing_uid, "url": "$${__value.raw}"}]}
        elif kind in TRACING and "loki" in kinds:
            ds["jsonData"] = {"tracesToLogsV2": {"datasourceUid": grafana.datasource_uid("loki"),
                                                 "filterByTraceID": True}}
        items.append(ds)
    return (_header("obskit.toml") + yamlfmt.dump({"apiVersion": 1, "datasources": items})).encode()
