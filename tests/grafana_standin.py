"""A stand-in for Grafana's HTTP API (folders, dashboards, search, datasources, health) for tests.

No Grafana server can be installed here, so this reproduces the documented behaviour obskit relies on
(Grafana docs ``developers/http_api/{dashboard,folder,data_source}.md`` and the error table in
``pkg/services/dashboards/errors.go``):

- auth: ``Authorization: Bearer <token>`` or basic auth, else 401 (``/api/health`` is open);
- dashboards: uid at most 40 characters of ``[a-zA-Z0-9_-]`` (400 ``uid too long, max 40 characters`` /
  ``uid contains illegal characters``), empty title 400, ``version`` starts at 1 and increments on every
  save, a stale ``version`` with ``overwrite: false`` is 412 ``version-mismatch``, an unknown
  ``folderUid`` is 404 ``Folder not found``, a save without ``folderUid``/``folderId`` moves the
  dashboard to the root, provisioned dashboards refuse saves (400 ``Cannot save provisioned dashboard``)
  and deletes (400), unknown uid 404;
- folders: 409 on an existing uid, 412 ``version-mismatch`` on a stale update, delete removes the
  dashboards inside (as Grafana does);
- datasources: 409 on a duplicate name or uid, 409 on a stale ``version``, 403 on read-only
  (provisioned) ones, ``secureJsonData`` is write-only (GET shows ``secureJsonFields``).

Every request is checked against the contract ``shared/schemas/grafana-http/openapi-subset.json``
(path and method exist, query parameters are declared, the JSON body validates against the request
schema) and every response body against the response schema of its status; mismatches are collected
in :attr:`GrafanaStandin.violations` (tests assert it stays empty).

Faults for retry tests: :meth:`GrafanaStandin.inject` queues ``500``, ``429`` (with ``Retry-After``),
``reset`` (connection dropped before handling), ``reset-after`` (handled, then the connection dropped:
the write landed but the client never hears it) and ``slow`` (delay) for matching requests.
"""
from __future__ import annotations

import base64
import json
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

import jsonschema

CONTRACT = Path(__file__).resolve().parent / "fixtures" / "grafana-http" / "openapi-subset.json"

UID_MAX = 40
UID_CHARS = re.compile(r"^[a-zA-Z0-9_-]*$")

# Statuses Grafana documents (or its code returns) that the OpenAPI subset does not list.
KNOWN_GAPS = {
    ("DELETE", "/dashboards/uid/{uid}", 400),  # "provisioned dashboard cannot be deleted" (dashboards/errors.go)
    ("POST", "/datasources", 400),             # invalid uid / missing name (datasources API)
    ("PUT", "/datasources/uid/{uid}", 400),
    ("PUT", "/datasources/uid/{uid}", 404),    # "Data source not found"
    ("PUT", "/folders/{folder_uid}", 412),     # version-mismatch: folder.md and pkg/api/apierrors/folder.go
}


def load_contract() -> Dict[str, Any]:
    return json.loads(CONTRACT.read_text())


class Contract:
    """Path matching and schema validation against the OpenAPI subset."""

    def __init__(self, spec: Optional[Dict[str, Any]] = None):
        self.spec = spec or load_contract()
        self.base = self.spec.get("servers", [{"url": "/api"}])[0]["url"].rstrip("/")
        self.routes: List[Tuple[re.Pattern, str]] = []
        for template in self.spec["paths"]:
            rx = "^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template)) + "$"
            self.routes.append((re.compile(rx), template))
        self._validators: Dict[str, Any] = {}

    def match(self, path: str) -> Optional[str]:
        if not path.startswith(self.base + "/"):
            return None
        rel = path[len(self.base):]
        for rx, template in self.routes:
            if rx.match(rel):
                return template
        return None

    def _validator(self, schema: Dict[str, Any]):
        key = json.dumps(schema, sort_keys=True)
        v = self._validators.get(key)
        if v is None:
            full = {**schema, "components": self.spec["components"]}
            v = jsonschema.Draft202012Validator(full)
            self._validators[key] = v
        return v

    def operation(self, template: str, method: str) -> Optional[Dict[str, Any]]:
        return self.spec["paths"].get(template, {}).get(method.lower())

    def check_request(self, method: str, path: str, query: Dict[str, List[str]], body: Any) -> List[str]:
        template = self.match(path)
        if template is None:
            return [f"{method} {path}: path not in the contract"]
        op = self.operation(template, method)
        if op is None:
            return [f"{method} {template}: method not in the contract"]
        problems = []
        declared = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
        for name in query:
            if name not in declared:
                problems.append(f"{method} {template}: undeclared query parameter {name!r}")
        rb = op.get("requestBody")
        if rb is not None:
            schema = rb["content"]["application/json"]["schema"]
            if body is None and rb.get("required"):
                problems.append(f"{method} {template}: request body required")
            elif body is not None:
                for e in self._validator(schema).iter_errors(body):
                    problems.append(f"{method} {template}: request body: {e.message} at {list(e.absolute_path)}")
        elif body is not None:
            problems.append(f"{method} {template}: the contract takes no request body")
        return problems

    def response_schema(self, template: str, method: str, status: int) -> Optional[Dict[str, Any]]:
        op = self.operation(template, method)
        if op is None:
            return None
        resp = op.get("responses", {}).get(str(status))
        if resp is None:
            return None
        if "$ref" in resp:
            resp = self.spec["components"]["responses"][resp["$ref"].rsplit("/", 1)[1]]
        content = resp.get("content", {}).get("application/json")
        return content["schema"] if content else {}

    def check_response(self, method: str, path: str, status: int, body: Any) -> List[str]:
        template = self.match(path)
        if template is None:
            return []
        op = self.operation(template, method)
        if op is None:
            return []
        if str(status) not in op.get("responses", {}):
            if (method, template, status) in KNOWN_GAPS:
                return []
            return [f"{method} {template}: status {status} not in the contract"]
        schema = self.response_schema(template, method, status)
        if not schema:
            return []
        return [f"{method} {template} -> {status}: response body: {e.message}"
                for e in self._validator(schema).iter_errors(body)]


@dataclass
class Fault:
    method: str
    path: str            # regex matched against the request path (without query)
    kind: str            # 500 | 429 | reset | reset-after | slow
    times: int = 1
    retry_after: Optional[str] = None
    delay: float = 0.0


@dataclass
class Recorded:
    method: str
    path: str
    query: Dict[str, List[str]]
    body: Any
    status: int
    authorization: str = field(repr=False, default="")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:  # dropped connections are expected
        pass


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


class GrafanaStandin:
    def __init__(self, token: str = "glsa_standin_0123456789abcdef", basic: Optional[Tuple[str, str]] = None,
                 latency: float = 0.0, version: str = "12.0.0"):
        self.token = token
        self.basic = basic
        self.latency = latency
        self.version = version
        self.contract = Contract()
        self.lock = threading.RLock()
        self.folders: Dict[str, Dict[str, Any]] = {}
        self.dashboards: Dict[str, Dict[str, Any]] = {}    # uid -> {"json", "folderUid", "provisioned", "id"}
        self.datasources: Dict[str, Dict[str, Any]] = {}   # uid -> stored datasource (with secure values)
        self.requests: List[Recorded] = []
        self.violations: List[str] = []
        self.faults: List[Fault] = []
        self.inflight = 0
        self.max_inflight = 0
        self._next_id = 1
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> "GrafanaStandin":
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="grafana-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "GrafanaStandin":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- test helpers --------------------------------------------------------------------------
    def inject(self, method: str, path: str, kind: str, times: int = 1, retry_after: Optional[str] = None,
               delay: float = 0.0) -> None:
        with self.lock:
            self.faults.append(Fault(method.upper(), path, kind, times, retry_after, delay))

    def reset_log(self) -> None:
        with self.lock:
            self.requests.clear()
            self.max_inflight = 0

    def writes(self) -> List[Recorded]:
        return [r for r in self.requests if r.method != "GET"]

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add_folder(self, uid: str, title: str) -> Dict[str, Any]:
        with self.lock:
            f = {"id": self._id(), "uid": uid, "title": title, "version": 1}
            self.folders[uid] = f
            return f

    def add_dashboard(self, dashboard: Dict[str, Any], folder_uid: str = "", provisioned: bool = False) -> None:
        """Put a dashboard straight into the store (as a UI user or file provisioning would)."""
        with self.lock:
            d = json.loads(json.dumps(dashboard))
            old = self.dashboards.get(d["uid"])
            d["id"] = old["id"] if old else self._id()
            d["version"] = (old["json"]["version"] + 1) if old else 1
            self.dashboards[d["uid"]] = {"json": d, "folderUid": folder_uid, "provisioned": provisioned}

    def edit_dashboard(self, uid: str, **changes: Any) -> None:
        """What saving in the UI does: change fields, bump the version (the frontend keeps tags)."""
        with self.lock:
            d = self.dashboards[uid]["json"]
            d.update(changes)
            d["version"] += 1

    def add_datasource(self, body: Dict[str, Any], read_only: bool = False) -> Dict[str, Any]:
        with self.lock:
            ds = self._store_datasource(body, None)
            ds["readOnly"] = read_only
            return ds

    # -- behaviour -----------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: Dict[str, List[str]], body: Any) -> Tuple[int, Any]:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[:1] != ["api"]:
            return 404, {"message": "Not found"}
        p = parts[1:]
        with self.lock:
            if p == ["health"] and method == "GET":
                return 200, {"commit": "standin", "database": "ok", "version": self.version}
            if p == ["dashboards", "db"] and method == "POST":
                return self._save_dashboard(body)
            if len(p) == 3 and p[:2] == ["dashboards", "uid"]:
                if method == "GET":
                    return self._get_dashboard(p[2])
                if method == "DELETE":
                    return self._delete_dashboard(p[2])
            if p == ["search"] and method == "GET":
                return 200, self._search(query)
            if p == ["folders"]:
                if method == "GET":
                    return 200, self._list_folders(query)
                if method == "POST":
                    return self._create_folder(body)
            if len(p) == 2 and p[0] == "folders":
                if method == "GET":
                    f = self.folders.get(p[1])
                    return (200, self._folder_dto(f)) if f else (404, {"message": "folder not found"})
                if method == "PUT":
                    return self._update_folder(p[1], body)
                if method == "DELETE":
                    return self._delete_folder(p[1])
            if p == ["datasources"]:
                if method == "GET":
                    return 200, [self._ds_list_item(d) for d in sorted(self.datasources.values(), key=lambda d: d["name"])]
                if method == "POST":
                    return self._create_datasource(body)
            if len(p) == 3 and p[:2] == ["datasources", "uid"]:
                if method == "GET":
                    ds = self.datasources.get(p[2])
                    return (200, self._ds_dto(ds)) if ds else (404, {"message": "Data source not found"})
                if method == "PUT":
                    return self._update_datasource(p[2], body)
                if method == "DELETE":
                    return self._delete_datasource(p[2])
        return 404, {"message": "Not found"}

    # dashboards
    def _folder_of(self, body: Dict[str, Any]) -> Tuple[Optional[str], Optional[Tuple[int, Any]]]:
        fuid = body.get("folderUid")
        if fuid:
            if fuid not in self.folders:
                return None, (404, {"message": "Folder not found"})
            return fuid, None
        fid = body.get("folderId") or 0
        if fid:
            for f in self.folders.values():
                if f["id"] == fid:
                    return f["uid"], None
            return None, (404, {"message": "Folder not found"})
        return "", None  # neither: the root folder ("General"), also for updates

    def _save_dashboard(self, body: Any) -> Tuple[int, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("dashboard"), dict):
            return 400, {"message": "bad request data"}
        dash = json.loads(json.dumps(body["dashboard"]))
        title = dash.get("title")
        if not isinstance(title, str) or not title.strip():
            return 400, {"message": "Dashboard title cannot be empty", "status": "empty-name"}
        uid = dash.get("uid") or ""
        if len(uid) > UID_MAX:
            return 400, {"message": "uid too long, max 40 characters"}
        if not UID_CHARS.match(uid):
            return 400, {"message": "uid contains illegal characters"}
        if uid and uid in self.folders:
            return 400, {"message": "A dashboard with the same uid already exists"}
        folder_uid, err = self._folder_of(body)
        if err:
            return err
        if not uid:
            uid = f"gen{self._id():08d}"
            dash["uid"] = uid
        existing = self.dashboards.get(uid)
        if existing is not None:
            if existing["provisioned"]:
                return 400, {"message": "Cannot save provisioned dashboard"}
            current = existing["json"]["version"]
            if dash.get("version", 0) != current and not body.get("overwrite"):
                return 412, {"message": "The dashboard has been changed by someone else", "status": "version-mismatch"}
            dash["id"] = existing["json"]["id"]
            dash["version"] = current + 1
        else:
            dash["id"] = self._id()
            dash["version"] = 1
        self.dashboards[uid] = {"json": dash, "folderUid": folder_uid, "provisioned": False}
        slug = _slug(title)
        return 200, {"id": dash["id"], "uid": uid, "url": f"/d/{uid}/{slug}", "status": "success",
                     "version": dash["version"], "slug": slug, "title": slug, "folderUid": folder_uid}

    def _get_dashboard(self, uid: str) -> Tuple[int, Any]:
        d = self.dashboards.get(uid)
        if d is None:
            return 404, {"message": "Dashboard not found", "status": "not-found"}
        f = self.folders.get(d["folderUid"]) if d["folderUid"] else None
        slug = _slug(d["json"].get("title", ""))
        meta = {"type": "db", "canSave": not d["provisioned"], "canEdit": True, "canAdmin": True, "canStar": True,
                "canDelete": True, "slug": slug, "url": f"/d/{uid}/{slug}", "expires": "0001-01-01T00:00:00Z",
                "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z", "updatedBy": "admin",
                "createdBy": "admin", "version": d["json"]["version"], "hasAcl": False, "isFolder": False,
                "folderId": f["id"] if f else 0, "folderUid": d["folderUid"],
                "folderTitle": f["title"] if f else "Dashboards", "folderUrl": f"/dashboards/f/{f['uid']}/" if f else "",
                "provisioned": d["provisioned"], "provisionedExternalId": f"{uid}.json" if d["provisioned"] else ""}
        return 200, {"dashboard": d["json"], "meta": meta}

    def _delete_dashboard(self, uid: str) -> Tuple[int, Any]:
        d = self.dashboards.get(uid)
        if d is None:
            return 404, {"message": "Dashboard not found", "status": "not-found"}
        if d["provisioned"]:
            return 400, {"message": "provisioned dashboard cannot be deleted"}
        del self.dashboards[uid]
        title = d["json"].get("title", "")
        return 200, {"title": title, "message": f"Dashboard {title} deleted", "uid": uid}

    def _search(self, query: Dict[str, List[str]]) -> List[Dict[str, Any]]:
        kind = (query.get("type") or [""])[0]
        tags = query.get("tag") or []
        folder_uids = query.get("folderUIDs")
        uids = query.get("dashboardUIDs")
        text = (query.get("query") or [""])[0].lower()
        limit = int((query.get("limit") or ["1000"])[0])
        page = int((query.get("page") or ["1"])[0])
        hits: List[Dict[str, Any]] = []
        if kind in ("", "dash-folder") and not tags:
            for f in self.folders.values():
                if text in f["title"].lower():
                    hits.append({"id": f["id"], "uid": f["uid"], "title": f["title"], "type": "dash-folder",
                                 "uri": f"db/{_slug(f['title'])}", "url": f"/dashboards/f/{f['uid']}/",
                                 "tags": [], "isStarred": False, "slug": _slug(f["title"])})
        if kind in ("", "dash-db"):
            for uid, d in self.dashboards.items():
                j = d["json"]
                dtags = j.get("tags") or []
                if any(t not in dtags for t in tags):
                    continue
                if folder_uids is not None and d["folderUid"] not in folder_uids:
                    continue
                if uids is not None and uid not in uids:
                    continue
                if text not in j.get("title", "").lower():
                    continue
                f = self.folders.get(d["folderUid"])
                hit = {"id": j["id"], "uid": uid, "title": j.get("title", ""), "type": "dash-db",
                       "uri": f"db/{_slug(j.get('title', ''))}", "url": f"/d/{uid}/", "slug": _slug(j.get("title", "")),
                       "tags": dtags, "isStarred": False}
                if f:
                    hit.update(folderId=f["id"], folderUid=f["uid"], folderTitle=f["title"],
                               folderUrl=f"/dashboards/f/{f['uid']}/")
                hits.append(hit)
        hits.sort(key=lambda h: (h["title"].lower(), h["uid"]))
        return hits[(page - 1) * limit: page * limit]

    # folders
    def _folder_dto(self, f: Dict[str, Any]) -> Dict[str, Any]:
        return {"id": f["id"], "uid": f["uid"], "title": f["title"], "url": f"/dashboards/f/{f['uid']}/",
                "hasAcl": False, "canSave": True, "canEdit": True, "canAdmin": True, "canDelete": True,
                "createdBy": "admin", "created": "2026-01-01T00:00:00Z", "updatedBy": "admin",
                "updated": "2026-01-01T00:00:00Z", "version": f["version"]}

    def _list_folders(self, query: Dict[str, List[str]]) -> List[Dict[str, Any]]:
        if (query.get("parentUid") or [""])[0]:
            return []  # no nested folders in the stand-in
        limit = int((query.get("limit") or ["1000"])[0])
        page = int((query.get("page") or ["1"])[0])
        items = sorted(self.folders.values(), key=lambda f: f["title"].lower())
        return [{"id": f["id"], "uid": f["uid"], "title": f["title"]} for f in items][(page - 1) * limit: page * limit]

    def _create_folder(self, body: Any) -> Tuple[int, Any]:
        if not isinstance(body, dict):
            return 400, {"message": "bad request data"}
        title = body.get("title") or ""
        uid = body.get("uid") or ""
        if not title.strip():
            return 400, {"message": "folder title cannot be empty"}
        if len(uid) > UID_MAX or not UID_CHARS.match(uid):
            return 400, {"message": "invalid uid for folder provided"}
        if uid and (uid in self.folders or uid in self.dashboards):
            return 409, {"message": "a folder with the same uid already exists"}
        if not uid:
            uid = f"f{self._id():08d}"
        return 200, self._folder_dto(self.add_folder(uid, title))

    def _update_folder(self, uid: str, body: Any) -> Tuple[int, Any]:
        f = self.folders.get(uid)
        if f is None:
            return 404, {"message": "folder not found"}
        if not isinstance(body, dict) or not (body.get("title") or "").strip():
            return 400, {"message": "folder title cannot be empty"}
        if not body.get("overwrite") and body.get("version") != f["version"]:
            return 412, {"message": "the folder has been changed by someone else", "status": "version-mismatch"}
        f["title"] = body["title"]
        f["version"] += 1
        return 200, self._folder_dto(f)

    def _delete_folder(self, uid: str) -> Tuple[int, Any]:
        f = self.folders.get(uid)
        if f is None:
            return 404, {"message": "folder not found"}
        for duid in [u for u, d in self.dashboards.items() if d["folderUid"] == uid]:
            del self.dashboards[duid]   # Grafana deletes the folder's dashboards with it
        del self.folders[uid]
        return 200, {"message": "Folder deleted", "id": f["id"], "title": f["title"]}

    # datasources
    def _store_datasource(self, body: Dict[str, Any], existing: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        ds = {"id": existing["id"] if existing else self._id(), "orgId": 1, "uid": body.get("uid") or f"ds{self._id()}",
              "name": body["name"], "type": body.get("type", ""), "typeLogoUrl": "", "access": body.get("access", "proxy"),
              "url": body.get("url", ""), "user": body.get("user", ""), "database": body.get("database", ""),
              "basicAuth": bool(body.get("basicAuth")), "basicAuthUser": body.get("basicAuthUser", ""),
              "withCredentials": bool(body.get("withCredentials")), "isDefault": bool(body.get("isDefault")),
              "jsonData": body.get("jsonData") or {}, "readOnly": existing["readOnly"] if existing else False,
              "version": (existing["version"] + 1) if existing else 1,
              "secure": dict(existing["secure"]) if existing else {}}
        ds["secure"].update(body.get("secureJsonData") or {})
        self.datasources[ds["uid"]] = ds
        return ds

    def _ds_dto(self, ds: Dict[str, Any]) -> Dict[str, Any]:
        out = {k: v for k, v in ds.items() if k != "secure"}
        out["secureJsonFields"] = {k: True for k in ds["secure"]}
        return out

    def _ds_list_item(self, ds: Dict[str, Any]) -> Dict[str, Any]:
        keys = ("id", "orgId", "uid", "name", "type", "typeLogoUrl", "access", "url", "user", "database",
                "basicAuth", "isDefault", "jsonData", "readOnly")
        return {k: ds[k] for k in keys}

    def _create_datasource(self, body: Any) -> Tuple[int, Any]:
        if not isinstance(body, dict) or not body.get("name"):
            return 400, {"message": "Required field 'name' is missing"}
        uid = body.get("uid") or ""
        if len(uid) > UID_MAX or not UID_CHARS.match(uid):
            return 400, {"message": "Failed to add datasource: invalid UID"}
        if any(d["name"] == body["name"] for d in self.datasources.values()):
            return 409, {"message": "data source with the same name already exists"}
        if uid and uid in self.datasources:
            return 409, {"message": "data source with the same uid already exists"}
        ds = self._store_datasource(body, None)
        return 200, {"datasource": self._ds_dto(ds), "id": ds["id"], "message": "Datasource added", "name": ds["name"]}

    def _update_datasource(self, uid: str, body: Any) -> Tuple[int, Any]:
        ds = self.datasources.get(uid)
        if ds is None:
            return 404, {"message": "Data source not found"}
        if ds["readOnly"]:
            return 403, {"message": "Cannot update read-only data source"}
        if not isinstance(body, dict) or not body.get("name"):
            return 400, {"message": "Required field 'name' is missing"}
        if any(d["name"] == body["name"] and d["uid"] != uid for d in self.datasources.values()):
            return 409, {"message": "data source with the same name already exists"}
        version = body.get("version") or 0
        if version and version < ds["version"]:
            return 409, {"message": "Datasource has already been updated by someone else. Please reload and try again"}
        body = {**body, "uid": uid}
        new = self._store_datasource(body, ds)
        return 200, {"datasource": self._ds_dto(new), "id": new["id"], "message": "Datasource updated", "name": new["name"]}

    def _delete_datasource(self, uid: str) -> Tuple[int, Any]:
        ds = self.datasources.get(uid)
        if ds is None:
            return 404, {"message": "Data source not found"}
        if ds["readOnly"]:
            return 403, {"message": "Cannot delete read-only data source"}
        del self.datasources[uid]
        return 200, {"message": "Data source deleted"}

    # auth & faults
    def authorised(self, header: str) -> bool:
        if header == f"Bearer {self.token}":
            return True
        if self.basic and header.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return False
            return (user, password) == self.basic
        return False

    def take_fault(self, method: str, path: str) -> Optional[Fault]:
        with self.lock:
            for f in self.faults:
                if f.times > 0 and f.method == method and re.search(f.path, path):
                    f.times -= 1
                    return f
        return None


class _Handler(BaseHTTPRequestHandler):
    standin: GrafanaStandin
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True   # keep-alive + small writes would otherwise wait for delayed ACKs

    def log_message(self, *args) -> None:  # quiet
        pass

    def _dispatch(self) -> None:
        s = self.standin
        with s.lock:
            s.inflight += 1
            s.max_inflight = max(s.max_inflight, s.inflight)
        try:
            self._serve()
        finally:
            with s.lock:
                s.inflight -= 1

    def _serve(self) -> None:
        s = self.standin
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                self._send(400, {"message": "bad request data"}, path)
                return
        if s.latency:
            time.sleep(s.latency)
        fault = s.take_fault(self.command, path)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
            fault = None
        if fault is not None and fault.kind == "reset":
            self._record(path, query, body, 0)
            self._drop()
            return
        if fault is not None and fault.kind in ("500", "429"):
            status = int(fault.kind)
            payload = {"message": "Too many requests" if status == 429 else "Internal Server Error"}
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            self._record(path, query, body, status)
            self._send(status, payload, path, headers, check=False)
            return
        authorization = self.headers.get("Authorization", "")
        with s.lock:
            s.violations.extend(s.contract.check_request(self.command, path, query, body))
        if path != "/api/health" and not s.authorised(authorization):
            self._record(path, query, body, 401, authorization)
            self._send(401, {"message": "Unauthorized"}, path)
            return
        status, payload = s.handle(self.command, path, query, body)
        self._record(path, query, body, status, authorization)
        if fault is not None and fault.kind == "reset-after":
            self._drop()
            return
        self._send(status, payload, path)

    def _record(self, path: str, query, body, status: int, authorization: str = "") -> None:
        with self.standin.lock:
            self.standin.requests.append(Recorded(self.command, path, query, body, status, authorization))

    def _send(self, status: int, payload: Any, path: str, headers: Optional[Dict[str, str]] = None,
              check: bool = True) -> None:
        s = self.standin
        if check:
            with s.lock:
                s.violations.extend(s.contract.check_response(self.command, path, status, payload))
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        """Close the TCP connection with a reset, no response."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = _dispatch


# -- build-output fixtures (the layout the dashboards target writes) ---------------------------
def dashboard(uid: str, title: str, panels: int = 1, **extra: Any) -> Dict[str, Any]:
    d = {"uid": uid, "title": title, "schemaVersion": 42, "tags": ["slo"], "timezone": "browser",
         "panels": [{"id": i + 1, "type": "timeseries", "title": f"panel {i + 1}",
                     "gridPos": {"x": 0, "y": i * 8, "w": 24, "h": 8},
                     "datasource": {"type": "prometheus", "uid": "${datasource}"},
                     "targets": [{"refId": "A", "expr": f"sum(rate(http_requests_total[5m])) * {i + 1}"}]}
                    for i in range(panels)],
         "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
         "time": {"from": "now-6h", "to": "now"}}
    d.update(extra)
    return d


def write_output(out: "Path | str", folders: Dict[str, str], dashboards: Dict[str, List[Dict[str, Any]]],
                 datasources: Optional[List[Dict[str, Any]]] = None) -> Path:
    """Write ``OUT_DIR/grafana/...``: ``folders`` uid -> title, ``dashboards`` folder uid -> models."""
    import shutil
    import yaml
    out = Path(out)
    root = out / "grafana"
    if root.exists():
        shutil.rmtree(root)
    (root / "dashboards").mkdir(parents=True)
    (root / "folders.json").write_text(json.dumps(
        [{"uid": u, "title": t} for u, t in sorted(folders.items())], indent=2) + "\n")
    for fuid, models in dashboards.items():
        d = root / "dashboards" / fuid
        d.mkdir(parents=True, exist_ok=True)
        for m in models:
            (d / f"{m['uid']}.json").write_text(json.dumps(m, indent=2, sort_keys=True) + "\n")
    if datasources is not None:
        p = root / "provisioning" / "datasources"
        p.mkdir(parents=True)
        (p / "obskit.yaml").write_text(yaml.safe_dump({"apiVersion": 1, "datasources": datasources}, sort_keys=False))
    return out


def main(argv: Optional[List[str]] = None) -> None:
    """Serve a stand-in in its own process (for bench/apply.py): prints ``URL TOKEN``, stops when stdin closes."""
    import argparse
    import sys
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.0)
    args = ap.parse_args(argv)
    with GrafanaStandin(latency=args.latency) as g:
        print(g.url, g.token, flush=True)
        sys.stdin.read()
        if g.violations:
            print("\n".join(g.violations[:10]), file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
