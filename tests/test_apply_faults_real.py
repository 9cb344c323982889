"""Faults with real processes on 127.0.0.1 (issue #20): ``obskit apply`` / ``diff`` through an injecting
HTTP proxy in front of the stand-in (resets, 5xx, 429 Retry-After, slow and truncated answers), against
wrong answers (HTML with 200, JSON of the wrong shape, 302/307 redirects to another host) and with
SIGKILL mid-write.

Every test asserts the one invariant that matters: **nothing is reported done that was not done**
(every ``created``/``updated``/``deleted`` is on the server as obskit wanted it, and a write for it
reached the server in that run), and that a re-run converges (third run: 0 writes).
"""
from __future__ import annotations

import functools
import http.client
import io
import json
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

from grafana_standin import GrafanaStandin, dashboard, write_output
from obskit.cli.commands import grafana_common as command_module
from obskit.apply import normalise as N
from obskit.apply.client import RetryPolicy
from obskit.cli.commands.grafana_common import run
from obskit.apply.local import read_output
from obskit.cli.main import parser

ROOT = Path(__file__).resolve().parent.parent
SECRET = "loki-password-Zx81"

DATASOURCES = [
    {"name": "Loki", "type": "loki", "uid": "loki", "url": "http://loki:3100", "access": "proxy",
     "basicAuth": True, "basicAuthUser": "grafana", "secureJsonData": {"basicAuthPassword": "$LOKI_PW"}},
]


# -- the injecting proxy ---------------------------------------------------------------------------
class _Quiet(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request, client_address) -> None:
        pass


def _reset(conn: socket.socket) -> None:
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


HTML = b"<!doctype html><html><head><title>Grafana</title></head><body>Bad Gateway</body></html>\n"


class FaultProxy:
    """An HTTP proxy on 127.0.0.1 in front of ``upstream`` that injects faults per request.

    Rules (``add``) match a method and a path regex and fire ``times`` times; ``randomise`` adds a
    seeded random fault on each request with probability ``p`` (at most ``budget`` in all). Kinds:
    ``reset`` (RST, nothing forwarded), ``reset-after`` (forwarded, then RST: the write landed, the
    answer is lost), ``500``/``502``/``503`` (an HTML error page, nothing forwarded), ``429`` (with
    ``Retry-After``), ``slow`` (forwarded, the answer held back ``delay`` s), ``truncate`` (forwarded,
    half the body sent under the full Content-Length, then closed), ``html200`` (200 with an HTML page,
    nothing forwarded), ``json200``/``json403``/... (that status with ``body`` as JSON, nothing forwarded), ``redirect302`` /
    ``redirect307`` (to ``location`` + the path, nothing forwarded)."""

    RANDOM_KINDS = ("reset", "reset-after", "500", "502", "503", "429", "slow", "truncate")

    def __init__(self, upstream: str):
        self.upstream = upstream.split("//", 1)[1]
        self.rules: List[Dict[str, Any]] = []
        self.log: List[Tuple[str, str, str]] = []      # (method, path, fault or "")
        self.lock = threading.Lock()
        self.rng: Optional[random.Random] = None
        self.p, self.budget, self.delay = 0.0, 0, 1.0
        self._server: Optional[_Quiet] = None

    def add(self, method: str, path: str, kind: str, times: int = 1, **extra: Any) -> None:
        with self.lock:
            self.rules.append({"method": method, "path": path, "kind": kind, "times": times, **extra})

    def randomise(self, seed: int, p: float, budget: int, delay: float = 1.0) -> None:
        with self.lock:
            self.rng, self.p, self.budget, self.delay = random.Random(seed), p, budget, delay

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()
            self.rng, self.budget = None, 0

    def pick(self, method: str, path: str, body: bytes = b"") -> Optional[Dict[str, Any]]:
        with self.lock:
            for r in self.rules:
                if r["times"] > 0 and r["method"] in (method, "*") and re.search(r["path"], path):
                    if r.get("first_only"):          # only the first attempt of each distinct request
                        seen = r.setdefault("seen", set())
                        if (method, path, body) in seen:
                            continue
                        seen.add((method, path, body))
                    r["times"] -= 1
                    return r
            if self.rng is not None and self.budget > 0 and self.rng.random() < self.p:
                self.budget -= 1
                return {"kind": self.rng.choice(self.RANDOM_KINDS), "delay": self.delay, "retry_after": "0"}
        return None

    def start(self) -> "FaultProxy":
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *a) -> None:
                pass

            def _answer(self, status: int, body: bytes, ctype: str, headers: Dict[str, str] = {}) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _forward(self, body: bytes) -> Tuple[int, List[Tuple[str, str]], bytes]:
                conn = http.client.HTTPConnection(proxy.upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                r = conn.getresponse()
                data = r.read()
                keep = [(k, v) for k, v in r.getheaders() if k.lower() in ("content-type", "retry-after", "location")]
                conn.close()
                return r.status, keep, data

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                rule = proxy.pick(self.command, path, body)
                kind = rule["kind"] if rule else ""
                with proxy.lock:
                    proxy.log.append((self.command, path, kind))
                if kind == "reset":
                    _reset(self.connection)
                    self.close_connection = True
                    return
                if kind in ("500", "502", "503"):
                    self._answer(int(kind), HTML, "text/html; charset=utf-8")
                    return
                if kind == "429":
                    self._answer(429, b'{"message":"Too many requests"}', "application/json",
                                 {"Retry-After": rule.get("retry_after", "0")})
                    return
                if kind == "html200":
                    self._answer(200, HTML, "text/html; charset=utf-8")
                    return
                if kind.startswith("json"):
                    self._answer(int(kind[4:]), json.dumps(rule["body"]).encode(), "application/json")
                    return
                if kind.startswith("redirect"):
                    self._answer(int(kind[-3:]), b"", "text/html", {"Location": rule["location"] + self.path})
                    return
                status, headers, data = self._forward(body)
                if kind == "reset-after":
                    _reset(self.connection)
                    self.close_connection = True
                    return
                if kind == "slow":
                    time.sleep(rule.get("delay", 1.0))
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if kind == "truncate":
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    _reset(self.connection)
                    self.close_connection = True
                    return
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self._server = _Quiet(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def faults(self) -> List[str]:
        with self.lock:
            return [k for _, _, k in self.log if k]


class OtherHost:
    """Where a redirect points: another host (127.0.0.2) that records anything that reaches it and
    answers every request 200 with JSON a careless client would take for success."""

    def __init__(self):
        self.received: List[Tuple[str, str, bytes, str]] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                host.received.append((self.command, self.path, body, self.headers.get("Authorization", "")))
                data = json.dumps({"id": 1, "uid": "x", "status": "success", "version": 1, "url": "/d/x",
                                   "slug": "x", "title": "x", "message": "ok", "name": "x",
                                   "datasource": {"uid": "x"}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        try:
            self._server = _Quiet(("127.0.0.2", 0), Handler)
        except OSError:   # no 127.0.0.2 on this machine: another port is still another origin
            self._server = _Quiet(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- fixtures and helpers --------------------------------------------------------------------------
def build_out(out: Path, n: int = 3) -> Path:
    dash = {"f1": [dashboard(f"d{i}", f"Dashboard {i}", panels=1 + i % 2) for i in range(n)],
            "f2": [dashboard("e0", "Other folder")]}
    return write_output(out, {"f1": "Folder one", "f2": "Folder two"}, dash, DATASOURCES)


class Rig:
    def __init__(self, g: GrafanaStandin, proxy: FaultProxy, out: Path):
        self.g, self.proxy, self.out = g, proxy, out
        self.env = {"GRAFANA_TOKEN": g.token, "LOKI_PW": SECRET}

    def cli(self, command: str, *flags: str, direct: bool = False, token: Optional[str] = None):
        url = self.g.url if direct else self.proxy.url
        args = parser().parse_args([command, "--from", str(self.out), "--grafana-url", url, "--output", "json",
                                    *flags])
        out, err = io.StringIO(), io.StringIO()
        self.g.reset_log()
        env = dict(self.env, GRAFANA_TOKEN=token) if token else self.env
        rc = run(args, apply=command == "apply", stdout=out, stderr=err, environ=env)
        text = out.getvalue()
        report = json.loads(text) if text.strip().startswith("{") else {}
        return rc, report, err.getvalue()


@pytest.fixture(params=["11.6"])
def rig(request, tmp_path, monkeypatch):
    """The stand-in behind the proxy: Grafana 11 (legacy /api) unless a test asks for 12 (resource API)."""
    # the CLI's retry schedule, only faster (the count and the rules stay the CLI's)
    monkeypatch.setattr(command_module, "RetryPolicy", functools.partial(RetryPolicy, backoff=0.01, jitter=False))
    with GrafanaStandin(version=request.param) as g:
        proxy = FaultProxy(g.url).start()
        try:
            yield Rig(g, proxy, build_out(tmp_path / "out"))
        finally:
            proxy.stop()
        assert g.violations == [], g.violations


def _write_uids(g: GrafanaStandin) -> Dict[Tuple[str, str], List[int]]:
    """(kind, uid) -> statuses of the writes for it that reached the stand-in in this run."""
    seen: Dict[Tuple[str, str], List[int]] = {}
    for r in g.writes():
        parts = r.path.strip("/").split("/")
        if parts[0] == "apis":           # /apis/<group>/<v>/namespaces/<ns>/<plural>[/<name>]
            kind = "dashboard" if parts[1].startswith("dashboard.") else "folder"
            name = parts[6] if len(parts) > 6 else (r.body or {}).get("metadata", {}).get("name", "")
            seen.setdefault((kind, name), []).append(r.status)
            continue
        if r.path == "/api/dashboards/db":
            key = ("dashboard", (r.body or {}).get("dashboard", {}).get("uid", ""))
        elif parts[:2] == ["api", "dashboards"]:
            key = ("dashboard", parts[-1])
        elif r.path == "/api/folders":
            key = ("folder", (r.body or {}).get("uid", ""))
        elif parts[:2] == ["api", "folders"]:
            key = ("folder", parts[-1])
        elif r.path == "/api/datasources":
            key = ("datasource", (r.body or {}).get("uid", ""))
        else:
            key = ("datasource", parts[-1])
        seen.setdefault(key, []).append(r.status)
    return seen


def assert_reported_is_done(report: Dict[str, Any], g: GrafanaStandin, out: Path, owner: str = "default") -> int:
    """Every created/updated/deleted outcome is on the server as obskit wanted it, and a write for it
    landed (2xx at the stand-in) in this run. Returns how many were reported done."""
    local = read_output(out, environ={"LOKI_PW": SECRET})
    dashboards = {d.uid: d for d in local.dashboards}
    folders = {f.uid: f for f in local.folders}
    landed = _write_uids(g)
    done = 0
    for o in report.get("outcomes", []):
        if o["outcome"] not in ("created", "updated", "deleted"):
            continue
        done += 1
        key = (o["kind"], o["uid"])
        assert any(200 <= s < 300 for s in landed.get(key, [])), f"reported {o['outcome']} but no write landed: {o}"
        if o["outcome"] == "deleted":
            store = {"dashboard": g.dashboards, "folder": g.folders, "datasource": g.datasources}[o["kind"]]
            assert o["uid"] not in store, o
        elif o["kind"] == "dashboard":
            d = dashboards[o["uid"]]
            want = N.content_hash(N.dashboard_state(N.desired_dashboard(d.model, owner), d.folder_uid))
            stored = g.dashboards[o["uid"]]
            assert N.applied_hash(stored["json"]) == want, o
            assert N.content_hash(N.dashboard_state(stored["json"], stored["folderUid"])) == want, o
        elif o["kind"] == "folder":
            assert g.folders[o["uid"]]["title"] == folders[o["uid"]].title, o
        else:
            ds = g.datasources[o["uid"]]
            assert N.datasource_applied_hash(ds) == N.content_hash(N.remote_datasource_state(g._ds_dto(ds))), o
    return done


def converge(rig: Rig) -> None:
    """Faults off: the next run lands what is left, the one after writes nothing."""
    rig.proxy.clear()
    rc, report, err = rig.cli("apply")
    assert rc == 0, (report, err)
    assert_reported_is_done(report, rig.g, rig.out)
    rc, report, err = rig.cli("apply")
    assert rc == 0 and report["writes"] == 0 and rig.g.writes() == [], (report, err)
    assert report["counts"]["unchanged"] == 7


def lines_with(text: str, needle: str) -> List[str]:
    return [line for line in text.splitlines() if needle in line]


# -- defect 4: redirects -------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["302", "307"])
def test_redirect_is_an_error_and_no_body_reaches_the_other_host(rig, status):
    other = OtherHost()
    try:
        rig.proxy.add("POST", r"^/api/(dashboards/db|datasources)$", f"redirect{status}", times=100,
                      location=other.url)
        rc, report, err = rig.cli("apply")
        assert rc == 1
        assert other.received == [], other.received            # not one request, so no body and no secret
        assert SECRET.encode() not in b"".join(r[2] for r in other.received)
        # one clear line: method, path, status and where it pointed
        [line] = lines_with(err, "redirect")
        assert f"HTTP {status}" in line and other.url in line and re.search(r"POST /api/(dashboards/db|datasources)", line)
        assert "Traceback" not in err
        reported = {(o["kind"], o["uid"]) for o in report["outcomes"] if o["outcome"] in ("created", "updated")}
        assert not any(k in ("dashboard", "datasource") for k, _ in reported), report["outcomes"]
        assert_reported_is_done(report, rig.g, rig.out)
        assert rig.g.dashboards == {} and rig.g.datasources == {}
    finally:
        other.stop()
    converge(rig)


def test_redirect_on_a_read_is_an_error_too(rig):
    other = OtherHost()
    try:
        rig.proxy.add("GET", r"^/api/datasources$", "redirect302", location=other.url)
        rc, report, err = rig.cli("diff")
        assert rc == 1 and other.received == []
        assert len(lines_with(err, "GET /api/datasources: HTTP 302")) == 1 and other.url in err
    finally:
        other.stop()


# -- defect 5: unexpected answers ----------------------------------------------------------------
def test_html_with_200_on_a_write_is_never_a_success(rig):
    rig.proxy.add("POST", r"^/api/dashboards/db$", "html200", times=100)
    rc, report, err = rig.cli("apply")
    assert rc == 1 and "Traceback" not in err
    by_kind = {}
    for o in report["outcomes"]:
        by_kind.setdefault(o["kind"], set()).add(o["outcome"])
    assert by_kind["dashboard"] == {"failed"}, report["outcomes"]
    messages = [o["message"] for o in report["outcomes"] if o["kind"] == "dashboard"]
    assert all("POST /api/dashboards/db: HTTP 200" in m and "text/html" in m for m in messages), messages
    assert assert_reported_is_done(report, rig.g, rig.out) == 3     # the two folders and the datasource
    assert rig.g.dashboards == {}
    converge(rig)


WRONG = [
    # (method, path, fault, command flags)
    ("GET", r"^/api/datasources$", {"kind": "html200"}, ()),
    ("GET", r"^/api/datasources$", {"kind": "json200", "body": {"datasources": []}}, ()),
    ("GET", r"^/api/datasources$", {"kind": "json200", "body": 42}, ()),
    ("GET", r"^/api/datasources$", {"kind": "json200", "body": [{"name": "no uid"}, "x"]}, ()),
    ("GET", r"^/api/search$", {"kind": "html200"}, ("--prune",)),
    ("GET", r"^/api/search$", {"kind": "json200", "body": {"hits": []}}, ("--prune",)),
    ("GET", r"^/api/search$", {"kind": "json200", "body": [1, 2, 3]}, ("--prune",)),
    ("GET", r"^/api/dashboards/uid/d0$", {"kind": "json200", "body": []}, ()),
    ("GET", r"^/api/folders/f1$", {"kind": "json200", "body": "f1"}, ()),
]


@pytest.mark.parametrize("command", ["diff", "apply"])
@pytest.mark.parametrize("method,path,fault,flags", WRONG, ids=[f"{p}-{f.get('body', f['kind'])}"[:40]
                                                             for _, p, f, _ in WRONG])
def test_wrong_answers_are_one_clear_line_never_a_traceback(rig, command, method, path, fault, flags):
    assert rig.cli("apply", direct=True)[0] == 0            # something to read (and to prune)
    write_output(rig.out, {"f1": "Folder one"}, {"f1": [dashboard("d0", "Dashboard 0 v2")]}, DATASOURCES)
    fault = dict(fault)
    rig.proxy.add(method, path, fault.pop("kind"), times=100, **fault)
    rc, report, err = rig.cli(command, *flags)              # an exception here is the defect
    assert rc == 1, (report, err)
    text = err + json.dumps(report)
    assert "Traceback" not in text
    shown = path.strip("^$").replace("\\", "")
    assert re.search(rf"{method} {re.escape(shown)}[^ ]*: HTTP 200: unexpected answer", text), text
    if command == "apply":
        assert_reported_is_done(report, rig.g, rig.out)


def test_cli_prints_no_traceback_when_every_answer_is_html(rig, tmp_path):
    rig.proxy.add("*", r".", "html200", times=1000)
    env = {**os.environ, "GRAFANA_TOKEN": rig.g.token, "LOKI_PW": SECRET}
    for command in ("diff", "apply"):
        p = subprocess.run([sys.executable, "-m", "obskit", command, "--from", str(rig.out), "--grafana-url",
                            rig.proxy.url, "--prune"], capture_output=True, text=True, env=env, cwd=str(ROOT),
                           timeout=60)
        assert p.returncode == 1, p.stdout + p.stderr
        assert "Traceback" not in p.stdout + p.stderr
        assert "unexpected answer" in p.stdout + p.stderr
        assert " created" not in p.stdout.replace("0 created", "")
    assert rig.g.writes() == []


def test_401_stops_the_run_with_one_line(rig):
    rc, report, err = rig.cli("apply", "--concurrency", "1", token="glsa_wrong_token_DO_NOT_PRINT")
    assert rc == 1
    assert "glsa_wrong_token_DO_NOT_PRINT" not in err + json.dumps(report)
    assert len(lines_with(err, "401")) == 1, err
    assert "token" in err and len([r for r in rig.g.requests if r.status == 401]) == 1
    for command in ("diff", "apply"):
        rc, report, err = rig.cli(command, token="glsa_wrong", )
        assert rc == 1 and len(lines_with(err, "401")) == 1, err
        assert len([r for r in rig.g.requests if r.status == 401]) <= 4     # at most --concurrency in flight


def test_403_on_writes_stops_the_run_with_one_line(rig):
    # a Viewer token: reads work, every write is refused
    body = {"message": "You'll need additional permissions to perform this action. Permissions needed: dashboards:create"}
    for m in ("POST", "PUT", "DELETE"):
        rig.proxy.add(m, r".", "json403", times=100, body=body)
    rc, report, err = rig.cli("apply", "--concurrency", "1")
    assert rc == 1
    [line] = lines_with(err, "403")
    assert "scopes" in line or "permission" in line.lower()
    assert "org" in line
    assert assert_reported_is_done(report, rig.g, rig.out) == 0
    assert len([1 for _, _, k in rig.proxy.log if k == "json403"]) == 1   # the run stopped at the first
    converge(rig)


# -- the injecting proxy: retries, lost answers, convergence -------------------------------------
@pytest.mark.parametrize("rig,seed", [("11.6", 1), ("11.6", 2), ("11.6", 3), ("12", 4), ("13", 5)],
                         indirect=["rig"])
def test_random_faults_never_report_what_did_not_happen_and_converge(rig, seed):
    rig.proxy.randomise(seed, p=0.35, budget=6, delay=0.5)
    rc, report, err = rig.cli("apply", "--retries", "3", "--timeout", "0.25")
    assert "Traceback" not in err
    assert rc in (0, 1), (report, err)
    assert_reported_is_done(report, rig.g, rig.out)
    assert rig.proxy.faults(), "the seed injected nothing"
    # a second faulty round over what landed, with prune and a changed build
    write_output(rig.out, {"f1": "Folder one", "f2": "Folder two"},
                 {"f1": [dashboard(f"d{i}", f"Dashboard {i} v2") for i in range(3)],
                  "f2": [dashboard("e0", "Other folder")]}, DATASOURCES)
    rig.proxy.randomise(seed + 100, p=0.35, budget=6, delay=0.5)
    rc, report, err = rig.cli("apply", "--retries", "3", "--timeout", "0.25", "--prune")
    assert "Traceback" not in err and rc in (0, 1), (report, err)
    assert_reported_is_done(report, rig.g, rig.out)
    converge(rig)


@pytest.mark.parametrize("rig,kind", [("11.6", "truncate"), ("11.6", "reset-after"), ("11.6", "slow"),
                                      ("12", "truncate"), ("12", "slow")], indirect=["rig"])
def test_lost_answer_of_every_write_is_confirmed_not_assumed(rig, kind):
    """Each write lands, its answer is lost (cut short, reset, or too slow): the retry meets a conflict,
    obskit re-reads, and only then reports it done."""
    for m, p in (("POST", r"^/api/(folders|datasources|dashboards/db)$|^/apis/.*/(folders|dashboards)$"),):
        rig.proxy.add(m, p, kind, times=7, delay=0.6, first_only=True)
    rc, report, err = rig.cli("apply", "--timeout", "0.3")
    assert rc == 0, (report, err)
    assert assert_reported_is_done(report, rig.g, rig.out) == 7
    assert all("confirmed" in o["message"] for o in report["outcomes"]), report["outcomes"]
    converge(rig)


def test_429_and_5xx_pages_are_retried(rig):
    rig.proxy.add("GET", r"^/api/dashboards/uid/", "429", times=2, retry_after="0")
    rig.proxy.add("POST", r"^/api/dashboards/db$", "502", times=2)
    rig.proxy.add("POST", r"^/api/folders$", "503", times=1)
    rc, report, err = rig.cli("apply")
    assert rc == 0 and report["retries"] == 5, (report, err)
    assert assert_reported_is_done(report, rig.g, rig.out) == 7
    converge(rig)


# -- SIGKILL mid-write ---------------------------------------------------------------------------
@pytest.mark.parametrize("version,after", [("11.6", 1), ("11.6", 4), ("12", 4)])
def test_sigkill_mid_write_then_rerun_converges(tmp_path, version, after):
    out = build_out(tmp_path / "out", n=6)
    with GrafanaStandin(latency=0.0, version=version) as g:
        for p in (r"^/api/dashboards/db$", r"^/api/folders$", r"^/api/datasources$", r"^/apis/.*/(folders|dashboards)$"):
            g.inject("POST", p, "slow", times=100, delay=0.15)
        env = {**os.environ, "GRAFANA_TOKEN": g.token, "LOKI_PW": SECRET}
        cmd = [sys.executable, "-m", "obskit", "apply", "--from", str(out), "--grafana-url", g.url,
               "--concurrency", "2", "--output", "json"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(ROOT))
        deadline = time.monotonic() + 30
        while len(g.writes()) < after and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        # writes already on the wire finish on the server (slowed by the fault): wait until the count
        # has stayed the same for 0.5 s (bounded), so a loaded machine does not change the answer
        landed, stable_since, deadline = -1, time.monotonic(), time.monotonic() + 10
        while time.monotonic() < deadline:
            now = len(g.dashboards) + len(g.folders) + len(g.datasources)
            if now != landed:
                landed, stable_since = now, time.monotonic()
            elif time.monotonic() - stable_since >= 0.5:
                break
            time.sleep(0.02)
        assert 0 < landed < 10
        g.faults.clear()

        def again():
            g.reset_log()
            p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=60)
            return p.returncode, json.loads(p.stdout), p.stderr

        rc, report, err = again()
        assert rc == 0, (report, err)
        assert report["counts"]["created"] == 10 - landed and report["counts"]["unchanged"] == landed
        done = assert_reported_is_done(report, g, out)
        assert done == 10 - landed
        rc, report, err = again()
        assert rc == 0 and report["writes"] == 0 and g.writes() == [], (report, err)
        assert g.violations == []
