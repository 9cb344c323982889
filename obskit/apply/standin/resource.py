"""Grafana's resource API ``/apis`` (Grafana 12 and later) as the stand-in answers it: discovery,
and list/get/create/update/delete of dashboards and folders as Kubernetes-style objects sharing the
legacy API's store (the rules are listed in :mod:`obskit.apply.standin`). A mixin of
:class:`~obskit.apply.standin.server.GrafanaStandin`."""
from __future__ import annotations

import base64
import json
import secrets
from typing import Any, Dict, List, Optional, Tuple

from obskit.apply.standin.legacy import UID_CHARS, UID_MAX

# Resource API groups and versions the stand-in publishes, per Grafana major release (docs: 12.x documents
# dashboard.grafana.app/v1beta1 and folder.grafana.app/v1beta1, 13.x documents v1 for both and v2 for
# dashboards). The first classic version listed is the preferred one.
RESOURCE_VERSIONS = {
    12: {"dashboard.grafana.app": ("v1beta1", "v0alpha1", "v2alpha1", "v2beta1"),
         "folder.grafana.app": ("v1beta1",)},
    13: {"dashboard.grafana.app": ("v1", "v1beta1", "v2beta1", "v2"),
         "folder.grafana.app": ("v1", "v1beta1")},
}
RESOURCES = {"dashboard.grafana.app": ("dashboards", "Dashboard"), "folder.grafana.app": ("folders", "Folder")}
ANNO_FOLDER = "grafana.app/folder"
ANNO_MESSAGE = "grafana.app/message"
ANNO_MANAGED_BY = "grafana.app/managedBy"
ANNO_MANAGER_ID = "grafana.app/managerId"
PROVISIONING_MANAGERS = ("classic-file-provisioning", "repo")


class ResourceAPI:
    """``/apis/...`` requests; ``p`` is the path after ``apis``."""

    # -- the resource API (/apis) -------------------------------------------------------------
    def _status(self, code: int, reason: str, message: str, name: Optional[str] = None,
                group: str = "", resource: str = "") -> Tuple[int, Dict[str, Any]]:
        """A Kubernetes ``Status`` (what every /apis error answers)."""
        body: Dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                "status": "Failure", "message": message, "reason": reason, "code": code}
        if name is not None:
            body["details"] = {"name": name, "group": group, "kind": resource}
        return code, body

    def _group_doc(self, group: str) -> Dict[str, Any]:
        versions = self.resource_versions[group]
        gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}

    def _resource(self, method: str, p: List[str], query: Dict[str, List[str]], body: Any) -> Tuple[int, Any]:
        if not p and method == "GET":
            return 200, {"kind": "APIGroupList", "apiVersion": "v1",
                         "groups": [self._group_doc(g) for g in sorted(self.resource_versions)]}
        group = p[0] if p else ""
        if group not in self.resource_versions or group not in RESOURCES:
            return self._status(404, "NotFound", "the server could not find the requested resource")
        if len(p) == 1 and method == "GET":
            return 200, {"kind": "APIGroup", "apiVersion": "v1", **self._group_doc(group)}
        version = p[1]
        if version not in self.resource_versions[group]:
            return self._status(404, "NotFound", "the server could not find the requested resource")
        plural, kind = RESOURCES[group]
        if len(p) == 2 and method == "GET":
            return 200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}",
                         "resources": [{"name": plural, "singularName": kind.lower(), "namespaced": True,
                                        "kind": kind, "verbs": ["create", "delete", "get", "list", "update"]}]}
        if len(p) not in (5, 6) or p[2] != "namespaces" or p[4] != plural:
            return self._status(404, "NotFound", "the server could not find the requested resource")
        if p[3] != self.namespace:
            return self._status(403, "Forbidden", f"{plural}.{group} is forbidden: namespace {p[3]!r} does not "
                                f"match the namespace of this identity ({self.namespace!r})")
        ctx = (group, version, plural, kind)
        if len(p) == 5:
            if method == "GET":
                return self._k8s_list(ctx, query)
            if method == "POST":
                return self._k8s_write(ctx, None, body)
        else:
            name = p[5]
            if method == "GET":
                store = self.dashboards if plural == "dashboards" else self.folders
                if name not in store:
                    return self._status(404, "NotFound", f'{plural}.{group} "{name}" not found', name, group, plural)
                return 200, self._k8s_object(ctx, name)
            if method == "PUT":
                return self._k8s_write(ctx, name, body)
            if method == "DELETE":
                return self._k8s_delete(ctx, name)
        return self._status(405, "MethodNotAllowed", f"the server does not allow this method on {plural}")

    def _k8s_object(self, ctx, name: str) -> Dict[str, Any]:
        group, version, plural, kind = ctx
        if plural == "dashboards":
            d = self.dashboards[name]
            annotations = dict(d["annotations"])
            parent = d["folderUid"]
            generation = d["json"]["version"]
            if d["schema"] == "v2":
                spec = json.loads(json.dumps(d["spec"]))
            else:
                spec = {k: v for k, v in json.loads(json.dumps(d["json"])).items() if k not in ("id", "uid", "version")}
        else:
            d = self.folders[name]
            annotations = dict(d["annotations"])
            parent = d.get("parentUid") or ""
            generation = d["version"]
            spec = {"title": d["title"]}
        if parent:
            annotations[ANNO_FOLDER] = parent
        annotations.setdefault("grafana.app/createdBy", "service-account:standin")
        obj = {"kind": kind, "apiVersion": f"{group}/{version}",
               "metadata": {"name": name, "namespace": self.namespace, "uid": d["k8s_uid"],
                            "resourceVersion": str(d["rv"]), "generation": generation,
                            "creationTimestamp": d["created"], "labels": dict(d["labels"]),
                            "annotations": annotations},
               "spec": spec}
        if plural == "dashboards":
            stored = d["schema"]
            wanted = "v2" if version.startswith("v2") else "v1"
            obj["status"] = {}
            if stored != wanted:
                obj["status"] = {"conversion": {"failed": True, "storedVersion": d.get("storedVersion", ""),
                                                "error": f"the stand-in does not convert a schema {stored} "
                                                         f"dashboard to {version}"}}
        return obj

    def _k8s_list(self, ctx, query: Dict[str, List[str]]) -> Tuple[int, Any]:
        group, version, plural, kind = ctx
        store = self.dashboards if plural == "dashboards" else self.folders
        names = sorted(store)
        try:
            limit = int((query.get("limit") or ["0"])[0])
            offset = int(base64.urlsafe_b64decode((query.get("continue") or [""])[0] or "MA==").decode())
        except ValueError:
            return self._status(400, "BadRequest", "invalid limit or continue token")
        end = len(names) if limit <= 0 else offset + limit
        meta: Dict[str, Any] = {"resourceVersion": str(self._rv)}
        if end < len(names):
            meta["continue"] = base64.urlsafe_b64encode(str(end).encode()).decode()
        return 200, {"kind": f"{kind}List", "apiVersion": f"{group}/{version}", "metadata": meta,
                     "items": [self._k8s_object(ctx, n) for n in names[offset:end]]}

    def _k8s_invalid(self, ctx, name: Optional[str], body: Any) -> Optional[Tuple[int, Any]]:
        group, version, plural, kind = ctx
        if not isinstance(body, dict):
            return self._status(400, "BadRequest", "the body of the request was not a JSON object")
        if body.get("apiVersion") != f"{group}/{version}" or body.get("kind") != kind:
            return self._status(400, "BadRequest", f"the API version in the data ({body.get('apiVersion')}) and "
                                f"kind ({body.get('kind')}) do not match {group}/{version} {kind}")
        meta, spec = body.get("metadata"), body.get("spec")
        if not isinstance(meta, dict) or not isinstance(spec, dict):
            return self._status(400, "BadRequest", "metadata and spec must be objects")
        given = meta.get("name") or ""
        if name is not None and given != name:
            return self._status(400, "BadRequest", f"the name of the object ({given}) does not match the name on "
                                f"the URL ({name})")
        if meta.get("namespace") not in (None, "", self.namespace):
            return self._status(400, "BadRequest", "the namespace of the object does not match the namespace "
                                "on the request")
        if given and (len(given) > UID_MAX or not UID_CHARS.match(given)):
            return self._status(422, "Invalid", f'{kind} "{given}" is invalid: metadata.name: must be at most '
                                f"{UID_MAX} characters of [a-zA-Z0-9_-]", given, group, plural)
        title = spec.get("title")
        if not isinstance(title, str) or not title.strip():
            return self._status(422, "Invalid", f'{kind} "{given}" is invalid: spec.title: Required value',
                                given, group, plural)
        if plural == "dashboards" and version.startswith("v2"):
            if not isinstance(spec.get("elements"), dict) or not isinstance(spec.get("layout"), dict):
                return self._status(422, "Invalid", f'{kind} "{given}" is invalid: a {version} spec needs '
                                    "elements and layout", given, group, plural)
        annotations = meta.get("annotations") or {}
        if not isinstance(annotations, dict) or not all(isinstance(v, str) for v in annotations.values()):
            return self._status(400, "BadRequest", "metadata.annotations must map strings to strings")
        parent = annotations.get(ANNO_FOLDER, "")
        if parent and parent not in self.folders:
            return self._status(400, "BadRequest", f"folder {parent!r} not found")
        return None

    def _manager_refusal(self, ctx, name: str, stored: Dict[str, str], asked: Dict[str, str]):
        group, version, plural, kind = ctx
        current = (stored.get(ANNO_MANAGED_BY, ""), stored.get(ANNO_MANAGER_ID, ""))
        request = (asked.get(ANNO_MANAGED_BY, ""), asked.get(ANNO_MANAGER_ID, ""))
        if not current[0] or current == request:
            return None
        if current[0] in PROVISIONING_MANAGERS or request[0]:
            return self._status(400, "BadRequest", f"resource '{name}' is managed by {current[0]} '{current[1]}' "
                                f"and cannot be modified by {request[0] or 'a user'} '{request[1]}'",
                                name, group, plural)
        return None

    def _k8s_write(self, ctx, name: Optional[str], body: Any) -> Tuple[int, Any]:
        group, version, plural, kind = ctx
        problem = self._k8s_invalid(ctx, name, body)
        if problem:
            return problem
        meta, spec = body["metadata"], json.loads(json.dumps(body["spec"]))
        store = self.dashboards if plural == "dashboards" else self.folders
        annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                       if k not in (ANNO_MESSAGE, ANNO_FOLDER, "grafana.app/createdBy")}
        parent = (meta.get("annotations") or {}).get(ANNO_FOLDER, "")
        rv = meta.get("resourceVersion") or ""
        if name is None:                              # create
            name = meta.get("name") or ""
            if not name and meta.get("generateName"):
                name = f"{meta['generateName']}{secrets.token_hex(4)}"[:UID_MAX]
            if not name:
                return self._status(422, "Invalid", f"{kind}: metadata.name: Required value")
            if rv:
                return self._status(400, "BadRequest", "resourceVersion should not be set on objects to be created")
            if name in store:
                return self._status(409, "AlreadyExists", f'{plural}.{group} "{name}" already exists',
                                    name, group, plural)
            record = self._new_record()
            existing = None
            status = 201
        else:                                         # update
            existing = store.get(name)
            if existing is None:
                return self._status(404, "NotFound", f'{plural}.{group} "{name}" not found', name, group, plural)
            refused = self._manager_refusal(ctx, name, existing["annotations"], annotations)
            if refused:
                return refused
            if rv and rv != str(existing["rv"]):
                return self._status(409, "Conflict", f'Operation cannot be fulfilled on {plural}.{group} "{name}": '
                                    "the object has been modified; please apply your changes to the latest "
                                    "version and try again", name, group, plural)
            record = existing
            if not annotations.get(ANNO_MANAGED_BY):   # a plain user save keeps the manager it had
                keep = {k: v for k, v in existing["annotations"].items() if k.startswith("grafana.app/manage")}
                annotations = {**annotations, **keep}
            status = 200
        record["annotations"] = annotations
        record["labels"] = dict(meta.get("labels") or {})
        record["rv"] = self._next_rv()
        if plural == "folders":
            if existing is None:
                record.update(id=self._id(), uid=name, version=1)
            else:
                record["version"] += 1
            record.update(title=spec["title"], parentUid=parent)
            store[name] = record
        else:
            schema = "v2" if version.startswith("v2") else "v1"
            number = existing["json"]["version"] + 1 if existing else 1
            ident = existing["json"]["id"] if existing else self._id()
            if schema == "v2":
                mirror = {"uid": name, "title": spec["title"], "tags": list(spec.get("tags") or []),
                          "id": ident, "version": number}
                record.update(json=mirror, spec=spec, schema="v2", storedVersion=version)
            else:
                record.update(json={**spec, "uid": name, "id": ident, "version": number}, spec=None, schema="v1",
                              storedVersion=version)
            record.update(folderUid=parent, provisioned=record.get("provisioned", False) and existing is not None)
            store[name] = record
        return status, self._k8s_object(ctx, name)

    def _k8s_delete(self, ctx, name: str) -> Tuple[int, Any]:
        group, version, plural, kind = ctx
        store = self.dashboards if plural == "dashboards" else self.folders
        record = store.get(name)
        if record is None:
            return self._status(404, "NotFound", f'{plural}.{group} "{name}" not found', name, group, plural)
        if record["annotations"].get(ANNO_MANAGED_BY) in PROVISIONING_MANAGERS:
            return self._status(400, "BadRequest", f"resource '{name}' is managed by "
                                f"{record['annotations'][ANNO_MANAGED_BY]} and cannot be deleted", name, group, plural)
        if plural == "folders":
            for duid in [u for u, d in self.dashboards.items() if d["folderUid"] == name]:
                del self.dashboards[duid]   # Grafana deletes the folder's dashboards with it
        del store[name]
        return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                     "details": {"name": name, "group": group, "kind": plural, "uid": record["k8s_uid"]}}

