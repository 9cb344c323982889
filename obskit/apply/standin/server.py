"""The stand-in itself: :class:`GrafanaStandin` (the in-memory store, the HTTP server on a thread,
test helpers, faults and auth) and the request handler that records, checks and answers every
request. The two API families are its mixins, :class:`~obskit.apply.standin.legacy.LegacyAPI` and
:class:`~obskit.apply.standin.resource.ResourceAPI`."""
from __future__ import annotations

import base64
import json
import re
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

from obskit.apply.standin.contract import Contract, check_resource_request, check_resource_response
from obskit.apply.standin.legacy import LegacyAPI
from obskit.apply.standin.resource import ANNO_MANAGED_BY, ANNO_MANAGER_ID, RESOURCE_VERSIONS, ResourceAPI

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


class GrafanaStandin(LegacyAPI, ResourceAPI):
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
        return self._legacy(method, parts[1:], query, body)

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
        if len(raw) < length:
            # the client went away before its whole body arrived (killed mid-write): a real server never
            # handles such a request, so neither is it recorded nor checked against the contract
            self.close_connection = True
            return
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

