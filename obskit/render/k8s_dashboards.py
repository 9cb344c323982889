"""Grafana dashboards as Kubernetes objects (``[kubernetes] dashboards``, docs/kubernetes.md):

- a ``ConfigMap`` per dashboard for the Grafana sidecar (k8s-sidecar, as the grafana and
  kube-prometheus-stack charts run it): labelled ``<dashboard_label>: "<dashboard_label_value>"``
  (``grafana_dashboard: "1"``, the charts' ``sidecar.dashboards.label``/``labelValue``), the folder
  title in the annotation ``dashboard_folder_annotation`` (``grafana_folder``; the sidecar writes
  the file into a sub-directory of that name when the chart sets
  ``sidecar.dashboards.folderAnnotation`` to it, and Grafana makes it a folder when the provider has
  ``foldersFromFilesStructure: true``); one data key ``<uid>.json``;
- or grafana-operator v5's ``GrafanaDashboard`` (grafana.integreatly.org/v1beta1), kept to the
  fields ``instanceSelector``, ``folder`` (the folder title) and ``json`` of its CRD.

The dashboard JSON is the Grafana target's own output, byte for byte. A ConfigMap holds at most
1 MiB of data (the API server refuses more); a dashboard that does not fit is refused at build with
its uid and title, since the sidecar reads one file per key and one dashboard cannot be split.
"""
from __future__ import annotations

import json
from typing import Dict, Iterable, List, Optional, Tuple

from obskit.project import Settings, dashboard_objects, kubernetes_namespace
from obskit.render import k8s_meta
from obskit.render.yamlfmt import dump

SOURCES = ("dashboards/ and slos/",)


def _namespace(settings: Settings) -> Optional[str]:
    return settings.kubernetes.dashboard_namespace or kubernetes_namespace(settings)


def data_size(data: Dict[str, str]) -> int:
    """Bytes the API server counts for a ConfigMap's ``data``: keys and values, UTF-8."""
    return sum(len(k.encode()) + len(v.encode()) for k, v in data.items())


def configmap_dict(settings: Settings, uid: str, folder_title: str, text: str) -> dict:
    k8s = settings.kubernetes
    annotations = ((k8s.dashboard_folder_annotation, folder_title),) if k8s.dashboard_folder_annotation else ()
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": k8s_meta.metadata(settings, k8s_meta.dashboard_configmap_name(settings, uid), _namespace(settings),
                                      extra_labels=((k8s.dashboard_label, k8s.dashboard_label_value),),
                                      extra_annotations=annotations),
        "data": {f"{uid}.json": text},
    }


def grafana_dashboard_dict(settings: Settings, uid: str, folder_title: str, text: str) -> dict:
    return {
        "apiVersion": "grafana.integreatly.org/v1beta1",
        "kind": "GrafanaDashboard",
        "metadata": k8s_meta.metadata(settings, k8s_meta.grafana_dashboard_name(settings, uid), _namespace(settings)),
        "spec": {
            "instanceSelector": {"matchLabels": dict(settings.kubernetes.grafana_instance_selector)},
            "folder": folder_title,
            "json": text,
        },
    }


def _header(uid: str, title: str, kind: str) -> str:
    return k8s_meta.header(SOURCES, f"{kind} of Grafana dashboard {uid!r} ({title}).")


def render(settings: Settings, dashboards: Iterable[Tuple[str, str, str]]
           ) -> Tuple[Dict[str, bytes], List[Tuple[str, str, int]]]:
    """``dashboards``: ``(uid, folder title, JSON text)``. Returns the files and the dashboards too
    big for a ConfigMap / object (``(uid, title, bytes)``); nothing is written for those."""
    fmt = dashboard_objects(settings)
    files: Dict[str, bytes] = {}
    too_big: List[Tuple[str, str, int]] = []
    for uid, folder_title, text in dashboards:
        title = str(json.loads(text).get("title", uid))
        size = data_size({f"{uid}.json": text})
        if size > k8s_meta.CONFIGMAP_MAX_BYTES:
            too_big.append((uid, title, size))
            continue
        if fmt in ("configmap", "both"):
            files[f"kubernetes/dashboards/{uid}-configmap.yaml"] = (
                _header(uid, title, "ConfigMap") + dump(configmap_dict(settings, uid, folder_title, text))).encode()
        if fmt in ("grafana-operator", "both"):
            files[f"kubernetes/dashboards/{uid}-grafanadashboard.yaml"] = (
                _header(uid, title, "GrafanaDashboard")
                + dump(grafana_dashboard_dict(settings, uid, folder_title, text))).encode()
    return files, too_big
