"""The shared connection of the live commands (issue 17, item 4): every failure is one clear
PrometheusUnavailable (exit 1), every request is bounded in time, credentials are sent but never shown,
TLS verifies against a CA file (and presents a client certificate), range queries are chunked under
Prometheus' 11,000-points limit (a real server)."""
from __future__ import annotations

import argparse
import base64
import http.server
import json
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest

from obskit.errors import DefinitionError, ToolError
from obskit.live.connection import PrometheusAPI, PrometheusUnavailable, add_connection_arguments
from servers import ROOT, free_port

TOKEN = "s3cr3t-t0ken-value"
PASSWORD = "pa55-w0rd-value"
RULES_OK = {"status": "success", "data": {"groups": []}}


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers with what the test put in ``server.answer``: (status, content type, body bytes)."""

    def _answer(self):
        self.server.seen.append(dict(self.headers))
        status, ctype, body = self.server.answer(self)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    servers = []

    def start(answer, tls: "ssl.SSLContext | None" = None):
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        srv.answer, srv.seen = answer, []
        if tls is not None:
            srv.socket = tls.wrap_socket(srv.socket, server_side=True)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        scheme = "https" if tls else "http"
        srv.url = f"{scheme}://127.0.0.1:{srv.server_port}"
        return srv

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def _json(doc, status=200):
    return lambda handler: (status, "application/json", json.dumps(doc).encode())


def _message(call) -> str:
    with pytest.raises(PrometheusUnavailable) as info:
        call()
    assert isinstance(info.value, ToolError)           # exit 1 in the CLI
    return str(info.value)


def _status_cli(*args, env=None):
    import os
    return subprocess.run([sys.executable, "-m", "obskit", "status", str(ROOT / "examples" / "quickstart"), *args],
                          capture_output=True, text=True, cwd=str(ROOT), timeout=120,
                          env={**os.environ, **(env or {})})


def test_unreachable_port_is_one_message_and_exit_1():
    port = free_port()
    text = _message(lambda: PrometheusAPI(f"http://127.0.0.1:{port}").rules())
    assert text.startswith(f"Prometheus at http://127.0.0.1:{port} (/api/v1/rules) is unreachable")
    assert "Connection refused" in text and "\n" not in text
    r = _status_cli("--prometheus", f"http://127.0.0.1:{port}")
    assert r.returncode == 1 and "is unreachable" in r.stderr and "Traceback" not in r.stderr
    r = _status_cli("--prometheus", f"http://127.0.0.1:{port}", "--output", "json")
    assert r.returncode == 1 and json.loads(r.stdout)["exit_code"] == 1


@pytest.mark.parametrize("behaviour", ["silent", "trickle"])
def test_a_hung_or_trickling_server_is_abandoned_after_the_timeout(behaviour):
    """silent: accepts and never answers; trickle: sends the headers, then one byte every 0.1 s forever
    (each read succeeds, so only a deadline over the whole answer stops it)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            if behaviour == "trickle":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                while not stop.is_set():
                    try:
                        conn.sendall(b" ")
                    except OSError:
                        break
                    time.sleep(0.1)
            else:
                stop.wait()
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        started = time.monotonic()
        text = _message(lambda: PrometheusAPI(url, timeout=0.5).rules())
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        listener.close()
    assert "did not answer within --timeout 0.5s" in text
    assert elapsed < 2.0, elapsed


def test_non_json_and_http_errors_each_give_one_clear_message(http_server):
    html = http_server(lambda h: (200, "text/html", b"<html><body>Grafana login</body></html>"))
    text = _message(lambda: PrometheusAPI(html.url).rules())
    assert "did not answer with Prometheus API JSON (HTTP 200, text/html)" in text and "Grafana login" in text
    bad = http_server(_json({"status": "error", "errorType": "bad_data", "error": "parse error at char 3"}, 400))
    text = _message(lambda: PrometheusAPI(bad.url).query("rate(x[5m]"))
    assert "answered HTTP 400 bad_data: parse error at char 3" in text and "query rate(x[5m]" in text
    down = http_server(lambda h: (503, "text/plain", b"Service Unavailable"))
    assert "(HTTP 503, text/plain): 'Service Unavailable'" in _message(lambda: PrometheusAPI(down.url).alerts())


def test_warnings_mean_a_partial_answer_refused_unless_allowed(http_server):
    srv = http_server(_json({"status": "success", "data": {"resultType": "vector", "result": []},
                             "warnings": ["store 10.0.0.3:10901 unavailable: partial response"],
                             "infos": ["PromQL info: metric might not be a counter"]}))
    text = _message(lambda: PrometheusAPI(srv.url).query("up"))
    assert "answered with warnings, so the data may be partial: store 10.0.0.3:10901 unavailable" in text
    assert "--allow-partial" in text
    api = PrometheusAPI(srv.url, allow_partial=True)
    assert api.vector("up") == []
    assert api.warnings == [("query up", "store 10.0.0.3:10901 unavailable: partial response")]
    assert api.infos == [("query up", "PromQL info: metric might not be a counter")]


def _echo_auth(status):
    """A server that refuses, and (like some proxies) echoes the Authorization header it got."""
    return lambda h: (status, "application/json", json.dumps(
        {"status": "error", "errorType": "unauthorized", "error": f"bad credentials {h.headers.get('Authorization')}"}
    ).encode())


def _args(*argv):
    p = argparse.ArgumentParser()
    add_connection_arguments(p)
    return p.parse_args(list(argv))


def test_401_with_a_bearer_token_file_never_shows_the_token(http_server, tmp_path, monkeypatch):
    monkeypatch.delenv("OBSKIT_PROMETHEUS_TOKEN", raising=False)
    srv = http_server(_echo_auth(401))
    (tmp_path / "token").write_text(TOKEN + "\n")
    api = PrometheusAPI.from_args(_args("--prometheus", srv.url, "--bearer-token-file", str(tmp_path / "token")))
    text = _message(api.rules)
    assert srv.seen[-1]["Authorization"] == f"Bearer {TOKEN}"          # it was sent
    assert TOKEN not in text and TOKEN not in repr(api) and TOKEN not in repr(api.auth)
    assert "refused the request with HTTP 401" in text and "a bearer token from --bearer-token-file" in text
    assert "bad credentials Bearer <redacted>" in text
    r = _status_cli("--prometheus", srv.url, "--bearer-token-file", str(tmp_path / "token"))
    assert r.returncode == 1 and "HTTP 401" in r.stderr and TOKEN not in r.stderr + r.stdout


def test_basic_auth_from_the_environment_never_shows_the_password(http_server, monkeypatch):
    monkeypatch.setenv("OBSKIT_PROMETHEUS_USER", "obskit")
    monkeypatch.setenv("OBSKIT_PROMETHEUS_PASSWORD", PASSWORD)
    srv = http_server(_echo_auth(403))
    api = PrometheusAPI.from_args(_args("--prometheus", srv.url))
    text = _message(api.rules)
    encoded = base64.b64encode(f"obskit:{PASSWORD}".encode()).decode()
    assert srv.seen[-1]["Authorization"] == f"Basic {encoded}"
    assert PASSWORD not in text and encoded not in text
    assert "basic auth as user 'obskit' from $OBSKIT_PROMETHEUS_USER/$OBSKIT_PROMETHEUS_PASSWORD" in text


def test_credentials_on_the_command_line_are_refused():
    with pytest.raises(DefinitionError) as info:
        PrometheusAPI(f"http://obskit:{PASSWORD}@127.0.0.1:9090")
    assert PASSWORD not in str(info.value) and "--basic-auth-file" in str(info.value)
    for option in ("--bearer-token", "--token", "--basic-auth", "--password"):   # not an abbreviation of *-file
        r = _status_cli("--prometheus", "http://127.0.0.1:9", option, TOKEN)
        assert r.returncode == 2 and "never taken from the command line" in r.stderr
        assert TOKEN not in r.stderr + r.stdout
    r = _status_cli("--prometheus", f"http://obskit:{PASSWORD}@127.0.0.1:9")
    assert r.returncode == 2 and PASSWORD not in r.stderr + r.stdout


def test_the_request_bound_stops_a_command_before_it_sends_more(http_server):
    srv = http_server(_json(RULES_OK))
    api = PrometheusAPI(srv.url, max_requests=2)
    api.rules()
    api.rules()
    text = _message(api.rules)
    assert "bound of 2 requests" in text and len(srv.seen) == 2


# --------------------------------------------------------------------------- TLS
def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=str(cwd), check=True, capture_output=True, timeout=60)


@pytest.fixture
def pki(tmp_path):
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (and the cryptography package is not either)")
    d = tmp_path / "pki"
    d.mkdir()
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=obskit test CA", cwd=d)
    (d / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    for name, extra in (("server", ["-extfile", "san.cnf"]), ("client", [])):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={name}", cwd=d)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{name}.pem", "-days", "2", *extra, cwd=d)
    return d


def test_tls_with_a_ca_file_and_a_client_certificate(http_server, pki):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki / "server.pem", pki / "server.key")
    ctx.load_verify_locations(pki / "ca.pem")
    ctx.verify_mode = ssl.CERT_REQUIRED                       # mutual TLS: the client must present a cert
    srv = http_server(_json(RULES_OK), tls=ctx)
    text = _message(lambda: PrometheusAPI(srv.url).rules())  # the system store does not know the CA
    assert "TLS failed" in text and "--ca-file" in text
    api = PrometheusAPI.from_args(_args("--prometheus", srv.url, "--ca-file", str(pki / "ca.pem"),
                                        "--cert-file", str(pki / "client.pem"), "--key-file", str(pki / "client.key")))
    assert api.rules() == {"groups": []}
    no_cert = PrometheusAPI.from_args(_args("--prometheus", srv.url, "--ca-file", str(pki / "ca.pem")))
    assert "Prometheus at https://127.0.0.1" in _message(no_cert.rules)     # refused without a client cert


# --------------------------------------------------------------------------- a real server
@pytest.mark.tools
def test_matrix_splits_a_long_range_under_the_points_limit(tmp_path):
    from servers import require, start_prometheus
    prometheus = require("prometheus", "3.16")
    with start_prometheus(prometheus, tmp_path, "global:\n  scrape_interval: 1m\n") as server:
        api = PrometheusAPI(server.url, max_requests=3)
        end = 1_790_000_000
        start = end - 24_999 * 60
        with pytest.raises(PrometheusUnavailable) as info:
            api.query_range("vector(1)", start, end, 60)                 # one query: the server refuses
        assert "11,000" in str(info.value) or "11000" in str(info.value)
        api = PrometheusAPI(server.url, max_requests=3)
        (series,) = api.matrix("vector(1)", start, end, 60)
    assert len(series.timestamps) == 25_000 and series.timestamps[0] == start and series.timestamps[-1] == end
    assert all(b - a == 60 for a, b in zip(series.timestamps, series.timestamps[1:]))
    assert set(series.values) == {1.0} and api.requests_sent == 3
