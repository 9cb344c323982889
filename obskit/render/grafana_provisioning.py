"""Grafana file provisioning: the folder list, the dashboard providers and the datasources.

Mount ``OUT_DIR/grafana/dashboards`` at :data:`DASHBOARDS_MOUNT` and ``OUT_DIR/grafana/provisioning``
at ``/etc/grafana/provisioning`` in the Grafana container. One dashboard provider per folder (not
``foldersFromFilesStructure``, which would title each folder with its directory name and give it a
random uid): each provider names the folder's title *and* uid, so file provisioning and
``obskit apply`` put dashboards in the same folder.
"""
from __future__ import annotations

import json
from typing import Dict, List, Mapping, Sequence, Tuple

from obskit.compile import conventions as conv
from obskit.compile.dashboards_ir import Folder
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


def datasource_plan(urls: "Mapping[str, str] | None") -> Tuple[List[Tuple[str, str]], List[str]]:
    """Which datasources to provision, with URLs: Prometheus and Loki always, Jaeger unless only Tempo
    is configured. Returns (kind, url) pairs and problems with the setting."""
    given = dict(urls or {})
    problems = []
    for key, value in sorted(given.items()):
        if key not in conv.GRAFANA_DATASOURCES:
            problems.append(f"grafana_datasources: unknown datasource {key!r}; known: "
                            f"{', '.join(sorted(conv.GRAFANA_DATASOURCES))}")
        elif not isinstance(value, str) or not value.startswith(("http://", "https://")):
            problems.append(f"grafana_datasources.{key}: {value!r} is not an http(s) URL")
    kinds = ["prometheus", "loki"]
    tracing = [k for k in TRACING if k in given] or ["jaeger"]
    kinds.extend(tracing)
    return [(k, given.get(k) or conv.GRAFANA_DATASOURCE_URLS[k]) for k in kinds], problems


def datasources(plan: Sequence[Tuple[str, str]], scrape_interval: int) -> bytes:
    uids: Dict[str, str] = {k: conv.GRAFANA_DATASOURCES[k][0] for k, _ in plan}
    tracing_uid = next((uids[k] for k in TRACING if k in uids), None)
    items = []
    for kind, url in plan:
        uid, name, plugin = conv.GRAFANA_DATASOURCES[kind]
        ds = {"name": name, "type": plugin, "uid": uid, "access": "proxy", "url": url, "orgId": 1,
              "isDefault": kind == "prometheus", "editable": False}
        if kind == "prometheus":
            ds["jsonData"] = {"timeInterval": f"{scrape_interval}s", "httpMethod": "POST"}
        elif kind == "loki" and tracing_uid:
            # "$$" escapes Grafana's environment-variable expansion in provisioning files
            ds["jsonData"] = {"derivedFields": [{"name": "TraceID", "matcherRegex": "trace_?id[=:\"]+(\\w+)",
                                                 "datasourceUid": tracing_uid, "url": "$${__value.raw}"}]}
        elif kind in TRACING:
            ds["jsonData"] = {"tracesToLogsV2": {"datasourceUid": uids["loki"], "filterByTraceID": True}}
        items.append(ds)
    return (_header("obskit.toml") + yamlfmt.dump({"apiVersion": 1, "datasources": items})).encode()
