"""A stand-in for Grafana's HTTP API, for tests and for trying ``obskit apply`` without a Grafana
(``obskit grafana-standin``). It keeps everything in memory and listens on 127.0.0.1 by default.

It reproduces the documented behaviour obskit relies on, for two API generations sharing one store
(as Grafana's do):

**Legacy ``/api``** (Grafana docs ``developers/http_api/{dashboard,folder,data_source}.md`` and the
error table in ``pkg/services/dashboards/errors.go``), every version:

- auth: ``Authorization: Bearer <token>`` or basic auth, else 401 (``/api/health`` is open);
- dashboards: uid at most 40 characters of ``[a-zA-Z0-9_-]`` (400 ``uid too long, max 40 characters`` /
  ``uid contains illegal characters``), empty title 400, ``version`` starts at 1 and increments on every
  save, a stale ``version`` with ``overwrite: false`` is 412 ``version-mismatch``, an unknown
  ``folderUid`` is 404 ``Folder not found``, a save without ``folderUid``/``folderId`` moves the
  dashboard to the root, provisioned dashboards refuse saves (400 ``Cannot save provisioned dashboard``)
  and deletes (400), unknown uid 404, a schema v2 dashboard read through ``/api`` is 406;
- folders: 409 on an existing uid, 412 ``version-mismatch`` on a stale update, delete removes the
  dashboards inside (as Grafana does);
- datasources: 409 on a duplicate name or uid, 409 on a stale ``version``, 403 on read-only
  (provisioned) ones, ``secureJsonData`` is write-only (GET shows ``secureJsonFields``).

**Resource API ``/apis``** (Grafana 12 and later: docs ``developer-resources/api-reference/http-api/
{apis,dashboard,folder}.md``), only when ``version`` is 12 or newer:

- discovery: ``GET /apis`` (APIGroupList) and ``GET /apis/<group>`` (APIGroup) publish
  ``dashboard.grafana.app`` (12: v0alpha1, v1beta1, v2alpha1, v2beta1; 13: v1, v1beta1, v2beta1, v2)
  and ``folder.grafana.app`` (12: v1beta1; 13: v1, v1beta1);
- ``/apis/<group>/<version>/namespaces/<ns>/{dashboards,folders}[/<name>]``: list (``limit``,
  ``continue``), get, create (POST, 201), update (PUT, 200), delete (200, a Status); ``metadata.name``
  is the uid, ``metadata.resourceVersion`` changes on every write and a PUT with a stale one is 409
  ``Conflict``; a create of an existing name is 409 ``AlreadyExists``; errors are Kubernetes
  ``Status`` objects (``{"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404}``);
- the namespace is ``default`` for org 1, ``org-<id>`` for another org, ``stacks-<id>`` on Grafana
  Cloud (``stack_id``); any other namespace is 403;
- the folder of a dashboard (and the parent of a folder) is the annotation ``grafana.app/folder``;
  ``grafana.app/message`` is input-only; the manager annotations ``grafana.app/managedBy`` /
  ``grafana.app/managerId`` are kept, file-provisioned dashboards carry ``classic-file-provisioning``,
  and a write by another manager to a managed resource is refused (400 ``BadRequest``: "resource 'x'
  is managed by ...");
- v1 specs are classic dashboard JSON (without ``uid``, ``id``, ``version``); v2 specs must have
  ``title``, ``elements`` and ``layout``; a dashboard read through the other family answers its stored
  spec with ``status.conversion.failed`` (the stand-in converts nothing).

Every ``/api`` request is checked against the contract ``shared/schemas/grafana-http/openapi-subset.json``
when one is given (path and method exist, query parameters are declared, the JSON body validates against
the request schema) and every response body against the response schema of its status; every ``/apis``
request is checked against the Kubernetes conventions above (known path, known query parameters, a body
with ``apiVersion``/``kind``/``metadata``/``spec`` matching the URL). Mismatches are collected in
:attr:`GrafanaStandin.violations` (tests assert it stays empty). The tests pass the contract; the
packaged command takes it with ``--contract`` (the subset is Grafana's, AGPL, and not shipped).

Faults for retry tests: :meth:`GrafanaStandin.inject` queues ``500``, ``429`` (with ``Retry-After``),
``reset`` (connection dropped before handling), ``reset-after`` (handled, then the connection dropped:
the write landed but the client never hears it) and ``slow`` (delay) for matching requests.
"""
from __future__ import annotations

import base64
import json
import re
import secrets
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

import jsonschema

UID_MAX = 40
UID_CHARS = re.compile(r"^[a-zA-Z0-9_-]*$")

# Statuses Grafana documents (or its code returns) that the OpenAPI subset does not list.
def _default_contract() -> Path:
    """The contract next to the tests (a source checkout), for ``Contract()`` without arguments."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "tests" / "fixtures" / "grafana-http" / "openapi-subset.json"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("no Grafana HTTP contract (openapi-subset.json) found; pass its path")


KNOWN_GAPS = {
    ("DELETE", "/dashboards/uid/{uid}", 400),  # "provisioned dashboard cannot be deleted" (dashboards/errors.go)
    ("POST", "/datasources", 400),             # invalid uid / missing name (datasources API)
    ("PUT", "/datasources/uid/{uid}", 400),
    ("PUT", "/datasources/uid/{uid}", 404),    # "Data source not found"
    ("PUT", "/folders/{folder_uid}", 412),     # version-mismatch: folder.md and pkg/api/apierrors/folder.go
}


def load_contract(path: "str | Path") -> Dict[str, Any]:
    return json.loads(Path(path).read_text())


class Contract:
    """Path matching and schema validation against the OpenAPI subset."""

    def __init__(self, spec: "Optional[Dict[str, Any]] | str | Path" = None):
        if spec is None or isinstance(spec, (str, Path)):
            spec = load_contract(spec if spec is not None else _default_contract())
        self.spec = spec
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


# -- checking /apis requests and responses against the Kubernetes conventions ----------------------
_K8S_PATH = re.compile(r"^/apis(?:/(?P<group>[^/]+)(?:/(?P<version>[^/]+)(?:/namespaces/(?P<ns>[^/]+)/"
                       r"(?P<plural>[^/]+)(?:/(?P<name>[^/]+))?)?)?)?$")


def check_resource_request(standin: "GrafanaStandin", method: str, path: str, query: Dict[str, List[str]],
                           body: Any) -> List[str]:
    """What a well-behaved client of Grafana's resource API sends (problems as text)."""
    m = _K8S_PATH.match(path)
    if not m:
        return [f"{method} {path}: not a resource API path"]
    group, version, plural, name = m.group("group"), m.group("version"), m.group("plural"), m.group("name")
    problems = []
    if group and group not in standin.resource_versions:
        problems.append(f"{method} {path}: group {group!r} is not published by this server")
    elif version and version not in standin.resource_versions.get(group, ()):
        problems.append(f"{method} {path}: version {version!r} of {group} is not published by this server")
    if plural and group in RESOURCES and plural != RESOURCES[group][0]:
        problems.append(f"{method} {path}: {group} has no resource {plural!r}")
    collection = plural is not None and name is None
    allowed = {"GET": {"limit", "continue"} if collection else set(), "POST": set(), "PUT": set(), "DELETE": set()}
    if method not in allowed or (method == "POST" and not collection) or (method in ("PUT", "DELETE") and not name):
        problems.append(f"{method} {path}: method not allowed there")
        return problems
    for key in query:
        if key not in allowed[method]:
            problems.append(f"{method} {path}: undeclared query parameter {key!r}")
    if method in ("POST", "PUT"):
        kind = RESOURCES.get(group, ("", ""))[1]
        if not isinstance(body, dict):
            problems.append(f"{method} {path}: request body must be a {kind} object")
        else:
            if body.get("apiVersion") != f"{group}/{version}" or body.get("kind") != kind:
                problems.append(f"{method} {path}: apiVersion/kind {body.get('apiVersion')}/{body.get('kind')} do "
                                f"not match the URL")
            meta = body.get("metadata")
            if not isinstance(meta, dict) or not meta.get("name"):
                problems.append(f"{method} {path}: metadata.name missing")
            elif method == "PUT" and meta.get("name") != name:
                problems.append(f"{method} {path}: metadata.name differs from the URL")
            elif method == "PUT" and not meta.get("resourceVersion"):
                problems.append(f"{method} {path}: an update without metadata.resourceVersion overwrites blindly")
            if not isinstance(body.get("spec"), dict):
                problems.append(f"{method} {path}: spec missing")
            unknown = set(body) - {"apiVersion", "kind", "metadata", "spec", "status"}
            if unknown:
                problems.append(f"{method} {path}: unknown top-level fields {sorted(unknown)}")
    elif body is not None:
        problems.append(f"{method} {path}: no request body expected")
    return problems


def check_resource_response(method: str, path: str, status: int, body: Any) -> List[str]:
    """The stand-in's own answers: Kubernetes objects, lists and Status documents."""
    where = f"{method} {path} -> {status}"
    if not isinstance(body, dict) or not isinstance(body.get("kind"), str):
        return [f"{where}: not a Kubernetes object"]
    if status >= 400 or body.get("kind") == "Status":
        if body.get("kind") != "Status" or (status >= 400 and body.get("code") != status):
            return [f"{where}: an error must be a Status with its code"]
        return []
    if body["kind"].endswith("List") and body["kind"] not in ("APIGroupList", "APIResourceList"):
        if not isinstance(body.get("items"), list) or not isinstance(body.get("metadata"), dict):
            return [f"{where}: a list needs items and metadata"]
        return []
    if body["kind"] in ("APIGroupList", "APIGroup", "APIResourceList"):
        return []
    meta = body.get("metadata")
    if not isinstance(meta, dict) or not meta.get("name") or not meta.get("resourceVersion"):
        return [f"{where}: an object needs metadata.name and metadata.resourceVersion"]
    return []


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
STANDIN_TOKEN = "glsa_standin_0123456789abcdef"


def _major(version: str) -> int:
    m = re.match(r"(\d+)", version or "")
    return int(m.group(1)) if m else 0


def _release(version: "str | int") -> str:
    """``12`` -> ``12.0.0``; ``11.6`` -> ``11.6.0`` (what /api/health reports)."""
    parts = str(version).split(".")
    if not all(p.isdigit() for p in parts) or not 1 <= len(parts) <= 3:
        raise ValueError(f"not a Grafana release: {version!r} (expected e.g. 12 or 11.6.0)")
    return ".".join(parts + ["0"] * (3 - len(parts)))


class GrafanaStandin:
    """``version`` picks the APIs: below 12 the legacy ``/api`` only, from 12 also ``/apis``.
    ``contract`` (a path, a :class:`Contract` or None) checks every ``/api`` request and response."""

    def __init__(self, token: str = STANDIN_TOKEN, basic: Optional[Tuple[str, str]] = None,
                 latency: float = 0.0, version: str = "11.6.0", *, contract: "Contract | str | Path | None" = None,
                 org_id: int = 1, stack_id: Optional[int] = None, host: str = "127.0.0.1", port: int = 0,
                 resource_versions: Optional[Dict[str, Tuple[str, ...]]] = None):
        self.token = token
        self.basic = basic
        self.latency = latency
        self.version = _release(version)
        self.major = _major(self.version)
        self.contract = contract if isinstance(contract, Contract) or contract is None else Contract(contract)
        self.org_id, self.stack_id = org_id, stack_id
        self.namespace = f"stacks-{stack_id}" if stack_id else "default" if org_id == 1 else f"org-{org_id}"
        if resource_versions is not None:
            self.resource_versions = dict(resource_versions)
        elif self.major >= 12:
            self.resource_versions = dict(RESOURCE_VERSIONS[min(self.major, 13)])
        else:
            self.resource_versions = {}
        self.host, self.port = host, port
        self.lock = threading.RLock()
        self.folders: Dict[str, Dict[str, Any]] = {}
        self.dashboards: Dict[str, Dict[str, Any]] = {}    # uid -> {"json", "folderUid", "provisioned", "schema", ...}
        self.datasources: Dict[str, Dict[str, Any]] = {}   # uid -> stored datasource (with secure values)
        self.requests: List[Recorded] = []
        self.violations: List[str] = []
        self.faults: List[Fault] = []
        self.inflight = 0
        self.max_inflight = 0
        self._next_id = 1
        self._rv = 1000
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def resource_api(self) -> bool:
        return bool(self.resource_versions)

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> "GrafanaStandin":
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = _Server((self.host, self.port), handler)
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

    def _next_rv(self) -> int:
        self._rv += 1
        return self._rv

    def _new_record(self) -> Dict[str, Any]:
        return {"rv": self._next_rv(), "k8s_uid": str(uuid.uuid4()), "annotations": {}, "labels": {},
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}

    def add_folder(self, uid: str, title: str, parent: str = "") -> Dict[str, Any]:
        with self.lock:
            f = {"id": self._id(), "uid": uid, "title": title, "version": 1, "parentUid": parent,
                 **self._new_record()}
            self.folders[uid] = f
            return f

    def add_dashboard(self, dashboard: Dict[str, Any], folder_uid: str = "", provisioned: bool = False,
                      annotations: Optional[Dict[str, str]] = None) -> None:
        """Put a dashboard straight into the store (as a UI user, file provisioning or another tool would)."""
        with self.lock:
            d = json.loads(json.dumps(dashboard))
            old = self.dashboards.get(d["uid"])
            record = old if old else self._new_record()
            d["id"] = old["json"]["id"] if old else self._id()
            d["version"] = (old["json"]["version"] + 1) if old else 1
            record.update(json=d, folderUid=folder_uid, provisioned=provisioned, schema="v1", spec=None,
                          rv=self._next_rv())
            if provisioned:
                record["annotations"] = {ANNO_MANAGED_BY: "classic-file-provisioning",
                                         ANNO_MANAGER_ID: "standin-provisioning",
                                         "grafana.app/sourcePath": f"{d['uid']}.json"}
            if annotations:
                record["annotations"] = {**record["annotations"], **annotations}
            self.dashboards[d["uid"]] = record

    def edit_dashboard(self, uid: str, **changes: Any) -> None:
        """What saving in the UI does: change fields, bump the version (the frontend keeps tags)."""
        with self.lock:
            record = self.dashboards[uid]
            d = record["json"]
            if record["schema"] == "v2":
                record["spec"].update(changes)
                d.update({k: v for k, v in changes.items() if k in ("title", "tags")})
            else:
                d.update(changes)
            d["version"] += 1
            record["rv"] = self._next_rv()

    def add_datasource(self, body: Dict[str, Any], read_only: bool = False) -> Dict[str, Any]:
        with self.lock:
            ds = self._store_datasource(body, None)
            ds["readOnly"] = read_only
            return ds

    # -- behaviour -----------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: Dict[str, List[str]], body: Any) -> Tuple[int, Any]:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[:1] == ["apis"] and self.resource_api:
            with self.lock:
                return self._resource(method, parts[1:], query, body)
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
        record = existing if existing is not None else self._new_record()
        record.update(json=dash, folderUid=folder_uid, provisioned=False, schema="v1", spec=None, rv=self._next_rv())
        self.dashboards[uid] = record
        slug = _slug(title)
        return 200, {"id": dash["id"], "uid": uid, "url": f"/d/{uid}/{slug}", "status": "success",
                     "version": dash["version"], "slug": slug, "title": slug, "folderUid": folder_uid}

    def _get_dashboard(self, uid: str) -> Tuple[int, Any]:
        d = self.dashboards.get(uid)
        if d is None:
            return 404, {"message": "Dashboard not found", "status": "not-found"}
        if d["schema"] == "v2":
            versions = [v for v in self.resource_versions.get("dashboard.grafana.app", ()) if v.startswith("v2")]
            return 406, {"message": "dashboard api version not supported, use /apis/dashboard.grafana.app/"
                         f"{versions[-1] if versions else 'v2'} instead"}
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
        f["rv"] = self._next_rv()
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
        resource = path == "/apis" or path.startswith("/apis/")
        with s.lock:
            if resource and s.resource_api:
                s.violations.extend(check_resource_request(s, self.command, path, query, body))
            elif resource:
                pass          # a client probing /apis on a Grafana without it (it answers 404)
            elif s.contract is not None:
                s.violations.extend(s.contract.check_request(self.command, path, query, body))
        if path != "/api/health" and not s.authorised(authorization):
            self._record(path, query, body, 401, authorization)
            if resource:
                self._send(*s._status(401, "Unauthorized", "Unauthorized"), path)
            else:
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
                if path == "/apis" or path.startswith("/apis/"):
                    if s.resource_api:
                        s.violations.extend(check_resource_response(self.command, path, status, payload))
                elif s.contract is not None:
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


def main(argv: Optional[List[str]] = None, contract: "Contract | str | Path | None" = None) -> None:
    """Serve a stand-in in its own process (for bench/apply.py): prints ``URL TOKEN``, stops when stdin
    closes; exits 1 when the client broke the contract. (Users run ``obskit grafana-standin``.)"""
    import argparse
    import sys
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--version", default="11.6.0")
    args = ap.parse_args(argv)
    with GrafanaStandin(latency=args.latency, version=args.version, contract=contract) as g:
        print(g.url, g.token, flush=True)
        sys.stdin.read()
        if g.violations:
            print("\n".join(g.violations[:10]), file=sys.stderr)
            sys.exit(1)
