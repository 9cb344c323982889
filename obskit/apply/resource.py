"""Grafana's resource API (``/apis``, Grafana 12 and later) behind the interface the plan and the writer
use for the legacy ``/api`` (:class:`~obskit.apply.client.GrafanaClient`), and choosing between them.

- Dashboards: ``/apis/dashboard.grafana.app/<version>/namespaces/<ns>/dashboards[/<uid>]`` with
  ``metadata.name`` = uid and the folder in the annotation ``grafana.app/folder``; classic JSON through
  ``v1`` (Grafana 13) or ``v1beta1`` (Grafana 12), schema v2 dashboards through ``v2``, ``v2beta1`` or
  ``v2alpha1``, whichever the server publishes (``GET /apis``).
- Folders: ``/apis/folder.grafana.app/<v1|v1beta1>/namespaces/<ns>/folders[/<uid>]``.
- Datasources stay on the legacy ``/api/datasources`` (kept by Grafana 12 and 13).
- Every update sends the ``metadata.resourceVersion`` obskit read: a change in between is a 409
  ``Conflict``, reported and never overwritten (also with ``--force``).
- Every write carries the manager annotations Grafana documents for tools that write through its API
  (``grafana.app/managedBy: kubectl``, ``grafana.app/managerId: obskit`` or ``obskit-<owner>``), so Grafana
  shows the resource as managed; dashboards keep obskit's tags and ``obskitAppliedHash`` in their spec
  (v1) or the annotation :data:`ANNO_HASH` (v2, whose schema has no room for it).

Namespace: ``default`` for org 1, ``org-<id>`` for another org, ``stacks-<id>`` on Grafana Cloud.

About 400 lines on purpose: one backend, :class:`ResourceBackend` (244 lines: the client interface
method by method), with the discovery that decides whether it is used (:func:`discover`,
:func:`select`) and the Kubernetes-object checks its answers pass; they share the group/version
constants above and change together when Grafana publishes a new API version.
"""
from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from obskit.apply import normalise as N
from obskit.apply.client import GrafanaClient, GrafanaError, OBJECT, Response, Shape, _seg

DASHBOARD_GROUP = "dashboard.grafana.app"
FOLDER_GROUP = "folder.grafana.app"
CLASSIC_VERSIONS = ("v1", "v1beta1")              # classic dashboard JSON, newest first
V2_VERSIONS = ("v2", "v2beta1", "v2alpha1")       # schema v2 (elements + layout)
FOLDER_VERSIONS = ("v1", "v1beta1")
RESOURCE_API_SINCE = 12                           # dashboard.grafana.app is GA (on by default) from Grafana 12

ANNO_FOLDER = "grafana.app/folder"
ANNO_MESSAGE = "grafana.app/message"               # input-only: the version history message
ANNO_MANAGED_BY = "grafana.app/managedBy"
ANNO_MANAGER_ID = "grafana.app/managerId"
ANNO_HASH = "obskit/applied-hash"
#: the manager kind Grafana documents for tools that apply resources through the API themselves
#: (Kubernetes-manifest tools; Terraform uses ``terraform``, Git Sync and file provisioning ``repo``)
MANAGER_KIND = "kubectl"
#: managers whose resources Grafana refuses to change through the API (file provisioning, Git Sync)
PROVISIONING_MANAGERS = ("classic-file-provisioning", "repo")
PAGE = 500

K8S_OBJECT = Shape(dict, (("metadata", dict), ("spec", dict)))
K8S_LIST = Shape(dict, (("items", list), ("metadata", dict)))


def manager_id(owner: str) -> str:
    return "obskit" if owner == N.DEFAULT_OWNER else f"obskit-{owner}"


def namespace_for(org_id: Optional[int] = None, stack_id: Optional[int] = None) -> str:
    if stack_id:
        return f"stacks-{stack_id}"
    return "default" if not org_id or org_id == 1 else f"org-{org_id}"


def grafana_major(version: Any) -> Optional[int]:
    m = re.match(r"v?(\d+)\.", str(version or "") + ".")
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class ApiInfo:
    """Which API a run uses, for messages and ``--output json``."""
    api: str                        # "legacy" | "resource"
    grafana_version: str = ""
    namespace: str = ""
    dashboards: str = ""            # group/version for classic JSON
    dashboards_v2: str = ""         # group/version for schema v2 ("" when the server has none)
    folders: str = ""
    note: str = ""

    def describe(self) -> str:
        head = f"Grafana {self.grafana_version}" if self.grafana_version else "Grafana"
        if self.api == "legacy":
            return f"{head}: legacy /api" + (f" ({self.note})" if self.note else "")
        v2 = f", {self.dashboards_v2}" if self.dashboards_v2 else ""
        return f"{head}: resource API ({self.dashboards}{v2}, {self.folders}, namespace {self.namespace})"

    def as_json(self) -> Dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v}


class ApiError(Exception):
    """The requested API cannot be used on this server (one line, exit 1)."""


def discover(client: GrafanaClient) -> Dict[str, List[str]]:
    """``GET /apis``: group -> the versions the server publishes."""
    body = client.request("GET", "/apis", shape=Shape(dict, (("groups", list),))).body
    groups: Dict[str, List[str]] = {}
    for g in body["groups"]:
        if isinstance(g, dict) and isinstance(g.get("name"), str):
            groups[g["name"]] = [v.get("version") for v in g.get("versions") or []
                                 if isinstance(v, dict) and isinstance(v.get("version"), str)]
    return groups


def _pick(published: List[str], preference: Tuple[str, ...]) -> str:
    return next((v for v in preference if v in published), "")


def select(client: GrafanaClient, mode: str = "auto", *, namespace: str = "default",
           owner: str = N.DEFAULT_OWNER) -> "Tuple[Any, ApiInfo]":
    """The backend for ``--api legacy|resource|auto``: the client itself (legacy ``/api``) or a
    :class:`ResourceBackend`. ``auto`` asks ``/api/health`` for the version and uses the resource API
    from Grafana 12 on, when the server publishes it. Raises :class:`ApiError` or :class:`GrafanaError`."""
    if mode == "legacy":
        return client, ApiInfo("legacy", note="--api legacy")
    try:
        health = client.health()
    except GrafanaError as exc:
        if exc.fatal:
            raise
        raise ApiError(f"cannot detect the Grafana version: {exc}; pass --api legacy or --api resource") from None
    version = str(health.get("version") or "")
    major = grafana_major(version)
    if mode == "auto" and (major is None or major < RESOURCE_API_SINCE):
        why = "no version in /api/health" if major is None else f"the resource API needs Grafana {RESOURCE_API_SINCE}+"
        return client, ApiInfo("legacy", version, note=why)
    try:
        groups = discover(client)
    except GrafanaError as exc:
        if exc.fatal:
            raise
        if mode == "auto" and exc.status == 404:
            return client, ApiInfo("legacy", version, note="the server publishes no /apis")
        raise ApiError(f"cannot read the resource API's groups: {exc}"
                       + ("; pass --api legacy" if mode == "auto" else "")) from None
    classic = _pick(groups.get(DASHBOARD_GROUP, []), CLASSIC_VERSIONS)
    folders = _pick(groups.get(FOLDER_GROUP, []), FOLDER_VERSIONS)
    if not classic or not folders:
        missing = ", ".join(g for g, v in ((DASHBOARD_GROUP, classic), (FOLDER_GROUP, folders)) if not v)
        if mode == "auto":
            return client, ApiInfo("legacy", version, note=f"the server does not publish {missing}")
        raise ApiError(f"Grafana {version or '(unknown version)'} does not publish {missing} "
                       f"({'/'.join(CLASSIC_VERSIONS)} / {'/'.join(FOLDER_VERSIONS)}): use --api legacy")
    v2 = _pick(groups.get(DASHBOARD_GROUP, []), V2_VERSIONS)
    backend = ResourceBackend(client, namespace, classic, v2, folders, owner)
    return backend, ApiInfo("resource", version, namespace, f"{DASHBOARD_GROUP}/{classic}",
                            f"{DASHBOARD_GROUP}/{v2}" if v2 else "", f"{FOLDER_GROUP}/{folders}")


def _unexpected(method: str, path: str, status: int, problem: str) -> GrafanaError:
    return GrafanaError(method, path, status, f"unexpected answer: {problem}", unexpected=True)


def _annotations(obj: Dict[str, Any], method: str, path: str, status: int) -> Dict[str, str]:
    meta = obj["metadata"]
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise _unexpected(method, path, status, "metadata.name missing")
    if not isinstance(meta.get("resourceVersion"), str) or not meta["resourceVersion"]:
        raise _unexpected(method, path, status, "metadata.resourceVersion missing")
    ann = meta.get("annotations") or {}
    if not isinstance(ann, dict):
        raise _unexpected(method, path, status, "metadata.annotations is not an object")
    return {k: v for k, v in ann.items() if isinstance(v, str)}


class ResourceBackend:
    """The interface of :class:`GrafanaClient` (as the plan and the writer use it) over ``/apis``."""

    api = "resource"
    supports_v2 = True

    def __init__(self, client: GrafanaClient, namespace: str, dashboards: str, dashboards_v2: str,
                 folders: str, owner: str = N.DEFAULT_OWNER):
        self.client = client
        self.namespace = namespace
        self.dash_version, self.dash_v2_version, self.folder_version = dashboards, dashboards_v2, folders
        self.supports_v2 = bool(dashboards_v2)
        self.manager = {ANNO_MANAGED_BY: MANAGER_KIND, ANNO_MANAGER_ID: manager_id(owner)}
        self._seen: Dict[Tuple[str, str], Dict[str, Any]] = {}   # the objects read, for their metadata
        self._lock = threading.Lock()

    # what the rest of obskit reads from a client
    @property
    def stats(self):
        return self.client.stats

    @property
    def fatal(self):
        return self.client.fatal

    @property
    def url(self) -> str:
        return self.client.url

    def request(self, *args, **kwargs) -> Response:
        return self.client.request(*args, **kwargs)

    # paths
    def _dash_path(self, name: Optional[str] = None, schema: str = "v1") -> str:
        version = self.dash_v2_version if schema == "v2" else self.dash_version
        base = f"/apis/{DASHBOARD_GROUP}/{version}/namespaces/{_seg(self.namespace)}/dashboards"
        return base if name is None else f"{base}/{_seg(name)}"

    def _folder_path(self, name: Optional[str] = None) -> str:
        base = f"/apis/{FOLDER_GROUP}/{self.folder_version}/namespaces/{_seg(self.namespace)}/folders"
        return base if name is None else f"{base}/{_seg(name)}"

    def _get(self, path: str) -> Optional[Dict[str, Any]]:
        r = self.client.request("GET", path, ok=(200, 404), shape=K8S_OBJECT)
        if r.status == 404:
            return None
        _annotations(r.body, "GET", path, r.status)
        return r.body

    def _list(self, path: str) -> List[Dict[str, Any]]:
        items: List[Dict[str, Any]] = []
        token = ""
        while True:
            params: Dict[str, Any] = {"limit": PAGE}
            if token:
                params["continue"] = token
            body = self.client.request("GET", path, params=params, shape=K8S_LIST).body
            for item in body["items"]:
                if not isinstance(item, dict) or not isinstance(item.get("metadata"), dict) \
                        or not isinstance(item.get("spec"), dict):
                    raise _unexpected("GET", path, 200, "a list item is not an object with metadata and spec")
                _annotations(item, "GET", path, 200)
                items.append(item)
            token = body["metadata"].get("continue") or ""
            if not isinstance(token, str) or not token:
                return items

    def _write(self, method: str, path: str, obj: Dict[str, Any], name: str, ok=(200, 201)) -> Response:
        r = self.client.request(method, path, json_body=obj, ok=ok, shape=K8S_OBJECT)
        if r.status in (200, 201):
            _annotations(r.body, method, path, r.status)
            if r.body["metadata"].get("name") != name:
                raise _unexpected(method, path, r.status, f"metadata.name is {r.body['metadata'].get('name')!r}, "
                                  f"expected {name!r}")
        return r

    def _remember(self, kind: str, name: str, obj: Optional[Dict[str, Any]]) -> None:
        with self._lock:
            if obj is None:
                self._seen.pop((kind, name), None)
            else:
                self._seen[(kind, name)] = obj

    def _kept_annotations(self, kind: str, name: str) -> Dict[str, str]:
        """Annotations of the object as read (other tools' and Grafana's), minus those obskit sets."""
        with self._lock:
            obj = self._seen.get((kind, name))
        ann = dict((obj or {}).get("metadata", {}).get("annotations") or {})
        for key in (ANNO_FOLDER, ANNO_MESSAGE, ANNO_HASH, ANNO_MANAGED_BY, ANNO_MANAGER_ID):
            ann.pop(key, None)
        return {k: v for k, v in ann.items() if isinstance(v, str) and not k.startswith("grafana.app/created")
                and not k.startswith("grafana.app/updated")}

    # -- health --------------------------------------------------------------------------------
    def health(self) -> Dict[str, Any]:
        return self.client.health()

    # -- dashboards ----------------------------------------------------------------------------
    def get_dashboard(self, uid: str, schema: str = "v1") -> Optional[Dict[str, Any]]:
        """The legacy shape ``{"dashboard": model, "meta": {...}}`` (model = spec + uid + hash marker)."""
        obj = self._get(self._dash_path(uid, schema))
        self._remember("dashboard", uid, obj)
        return None if obj is None else self._as_legacy(obj, schema)

    def _as_legacy(self, obj: Dict[str, Any], schema: str) -> Dict[str, Any]:
        meta = obj["metadata"]
        ann = meta.get("annotations") or {}
        model = copy.deepcopy(obj["spec"])
        for key in ("id", "version"):
            model.pop(key, None)
        model["uid"] = meta["name"]
        if N.HASH_FIELD not in model and isinstance(ann.get(ANNO_HASH), str):
            model[N.HASH_FIELD] = ann[ANNO_HASH]
        managed_by, manager = ann.get(ANNO_MANAGED_BY, ""), ann.get(ANNO_MANAGER_ID, "")
        conversion = ((obj.get("status") or {}).get("conversion") or {}) if isinstance(obj.get("status"), dict) else {}
        return {"dashboard": model, "meta": {
            "folderUid": ann.get(ANNO_FOLDER, ""), "resourceVersion": meta["resourceVersion"],
            "generation": meta.get("generation"), "managedBy": managed_by, "managerId": manager,
            "provisioned": managed_by in PROVISIONING_MANAGERS,
            "managerMissing": (managed_by, manager) != (self.manager[ANNO_MANAGED_BY], self.manager[ANNO_MANAGER_ID]),
            "storedSchemaDiffers": bool(isinstance(conversion, dict) and conversion.get("failed")),
            "schema": schema}}

    def save_dashboard(self, dashboard: Dict[str, Any], folder_uid: str, *, overwrite: bool, message: str,
                       version: Any = None, schema: str = "v1") -> Response:
        """Create (``version`` None) or update with ``metadata.resourceVersion = version``; a 409 (stale
        resourceVersion, or a create over an existing name) raises :class:`GrafanaError`. ``overwrite``
        (``--force``) does not drop the resourceVersion: a change since the plan read it is a conflict."""
        uid = dashboard["uid"]
        spec = {k: copy.deepcopy(v) for k, v in dashboard.items() if k not in ("uid", "id", "version")}
        digest = spec.get(N.HASH_FIELD, "")
        if schema == "v2":
            spec.pop(N.HASH_FIELD, None)
        annotations = {**self._kept_annotations("dashboard", uid), **self.manager, ANNO_MESSAGE: message}
        if digest:
            annotations[ANNO_HASH] = digest
        if folder_uid:
            annotations[ANNO_FOLDER] = folder_uid
        version_name = self.dash_v2_version if schema == "v2" else self.dash_version
        metadata: Dict[str, Any] = {"name": uid, "annotations": annotations}
        obj = {"apiVersion": f"{DASHBOARD_GROUP}/{version_name}", "kind": "Dashboard", "metadata": metadata,
               "spec": spec}
        if version is None:
            r = self._write("POST", self._dash_path(None, schema), obj, uid)
        else:
            metadata["resourceVersion"] = str(version)
            r = self._write("PUT", self._dash_path(uid, schema), obj, uid)
        self._remember("dashboard", uid, r.body)
        return r

    def delete_dashboard(self, uid: str) -> Response:
        path = self._dash_path(uid)
        r = self.client.request("DELETE", path, ok=(200, 202, 404), shape=OBJECT)
        self._remember("dashboard", uid, None)
        return Response(404 if r.status == 404 else 200, r.body, r.attempts)

    def search(self, *, tag: Optional[str] = None, folder_uids: Optional[List[str]] = None,
               kind: str = "dash-db", page_size: int = PAGE) -> List[Dict[str, Any]]:
        """Hits like ``/api/search``'s (uid, title, tags, folderUid) from the dashboard list."""
        hits = []
        for item in self._list(self._dash_path()):
            spec, ann = item["spec"], item["metadata"].get("annotations") or {}
            tags = spec.get("tags") if isinstance(spec.get("tags"), list) else []
            folder = ann.get(ANNO_FOLDER, "") if isinstance(ann, dict) else ""
            if tag and tag not in tags:
                continue
            if folder_uids is not None and folder not in folder_uids:
                continue
            hits.append({"uid": item["metadata"]["name"], "title": str(spec.get("title", "")), "tags": tags,
                         "folderUid": folder, "type": "dash-db"})
        return hits

    # -- folders -------------------------------------------------------------------------------
    def _folder_dict(self, obj: Dict[str, Any]) -> Dict[str, Any]:
        meta, spec = obj["metadata"], obj["spec"]
        if not isinstance(spec.get("title"), str):
            raise _unexpected("GET", self._folder_path(meta.get("name")), 200, "spec.title is not a string")
        ann = meta.get("annotations") or {}
        return {"uid": meta["name"], "title": spec["title"], "version": meta["resourceVersion"],
                "parentUid": ann.get(ANNO_FOLDER, ""), "managedBy": ann.get(ANNO_MANAGED_BY, "")}

    def get_folder(self, uid: str) -> Optional[Dict[str, Any]]:
        obj = self._get(self._folder_path(uid))
        self._remember("folder", uid, obj)
        return None if obj is None else self._folder_dict(obj)

    def child_folders(self, parent_uid: str) -> List[Dict[str, Any]]:
        return [self._folder_dict(o) for o in self._list(self._folder_path())
                if (o["metadata"].get("annotations") or {}).get(ANNO_FOLDER) == parent_uid]

    def _folder_object(self, uid: str, title: str, resource_version: Optional[str]) -> Dict[str, Any]:
        with self._lock:
            seen = self._seen.get(("folder", uid))
        parent = ((seen or {}).get("metadata", {}).get("annotations") or {}).get(ANNO_FOLDER, "")
        annotations = {**self._kept_annotations("folder", uid), **self.manager}
        if parent:
            annotations[ANNO_FOLDER] = parent        # a rename must not move the folder
        metadata: Dict[str, Any] = {"name": uid, "annotations": annotations}
        if resource_version:
            metadata["resourceVersion"] = resource_version
        return {"apiVersion": f"{FOLDER_GROUP}/{self.folder_version}", "kind": "Folder", "metadata": metadata,
                "spec": {"title": title}}

    def create_folder(self, uid: str, title: str) -> Response:
        r = self._write("POST", self._folder_path(), self._folder_object(uid, title, None), uid, ok=(200, 201, 409))
        if r.status == 409:
            return r
        self._remember("folder", uid, r.body)
        return Response(200, self._folder_dict(r.body), r.attempts)

    def update_folder(self, uid: str, title: str, *, version: Any, overwrite: bool) -> Response:
        """A rename with the resourceVersion read by the plan (``overwrite`` changes nothing: a change in
        between is a 409, never overwritten)."""
        rv = version
        if rv is None:
            with self._lock:
                seen = self._seen.get(("folder", uid))
            rv = (seen or {}).get("metadata", {}).get("resourceVersion")
        r = self._write("PUT", self._folder_path(uid), self._folder_object(uid, title, rv), uid, ok=(200, 409))
        if r.status == 409:
            return r
        self._remember("folder", uid, r.body)
        return Response(200, self._folder_dict(r.body), r.attempts)

    def delete_folder(self, uid: str) -> Response:
        r = self.client.request("DELETE", self._folder_path(uid), ok=(200, 202, 404), shape=OBJECT)
        self._remember("folder", uid, None)
        return Response(404 if r.status == 404 else 200, r.body, r.attempts)

    # -- datasources: the legacy API (Grafana 12 and 13 keep it) -------------------------------
    def list_datasources(self):
        return self.client.list_datasources()

    def get_datasource(self, uid: str):
        return self.client.get_datasource(uid)

    def create_datasource(self, body):
        return self.client.create_datasource(body)

    def update_datasource(self, uid: str, body):
        return self.client.update_datasource(uid, body)

    def delete_datasource(self, uid: str):
        return self.client.delete_datasource(uid)
