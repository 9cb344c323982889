"""An unreachable Grafana gives one message, not one per dashboard (#15 item 8), with real sockets on
127.0.0.1: a closed port, a name that does not resolve, a TLS handshake against a plain-HTTP listener,
a listener that never answers → one ``obskit:`` line naming the URL (the token never printed), exit 1,
and no request after the first; a Grafana that goes away in the middle of an apply (a TCP relay in front
of the stand-in, cut mid-run: the listener closed and every open connection reset) → what landed is
reported as landed, one line for the rest, and the next run against it converges."""
from __future__ import annotations

import functools
import io
import json
import socket
import struct
import threading
import time
from pathlib import Path
from typing import List

import pytest

from grafana_standin import GrafanaStandin, dashboard, write_output
from obskit.apply.client import RetryPolicy
from obskit.cli.commands import grafana_common as command_module
from obskit.cli.commands.grafana_common import run
from obskit.cli.main import parser

TOKEN = "glsa_unreachable_test_token_DO_NOT_PRINT"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    """The CLI's retry schedule, only faster (the count and the rules stay the CLI's)."""
    monkeypatch.setattr(command_module, "RetryPolicy", functools.partial(RetryPolicy, backoff=0.01, jitter=False))


@pytest.fixture
def out(tmp_path) -> Path:
    dash = {"f1": [dashboard(f"d{i}", f"Dashboard {i}") for i in range(6)], "f2": [dashboard("e0", "Other")]}
    return write_output(tmp_path / "out", {"f1": "Folder one", "f2": "Folder two"}, dash, [])


def cli(command: str, out: Path, url: str, *flags: str, token: str = TOKEN):
    args = parser().parse_args([command, "--from", str(out), "--grafana-url", url, *flags])
    o, e = io.StringIO(), io.StringIO()
    started = time.monotonic()
    rc = run(args, apply=command == "apply", stdout=o, stderr=e, environ={"GRAFANA_TOKEN": token})
    return rc, o.getvalue(), e.getvalue(), time.monotonic() - started


class Listener:
    """A TCP listener on 127.0.0.1 that counts connections; ``mode`` ``silent`` accepts and never answers,
    ``plain`` answers any bytes with a plain-HTTP page (so a TLS client fails its handshake)."""

    def __init__(self, mode: str):
        self.mode = mode
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.held: List[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            if self.mode == "silent":
                self.held.append(conn)          # never answered, closed at the end
                continue
            try:
                conn.settimeout(2)
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            except OSError:
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()
        for c in self.held:
            c.close()


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _one_error_line(err: str, url: str, why: str) -> None:
    lines = [line for line in err.splitlines() if line.startswith("obskit:") and "legacy /api" not in line]
    assert len(lines) == 1, err
    assert f"cannot reach Grafana at {url}: {why}" in lines[0], err
    assert TOKEN not in err
    assert "Traceback" not in err and "retrying" not in err


API = [pytest.param([], id="api-auto"), pytest.param(["--api", "legacy"], id="api-legacy")]


@pytest.mark.parametrize("flags", API)
@pytest.mark.parametrize("command", ["diff", "apply"])
def test_closed_port_is_one_message(out, command, flags, caplog):
    url = f"http://127.0.0.1:{closed_port()}"
    caplog.set_level("WARNING", logger="obskit.apply.client")
    rc, stdout, err, took = cli(command, out, url, *flags)
    assert rc == 1
    _one_error_line(err, url, "connection refused")
    assert [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()] == []    # not retried
    assert "dashboard" not in stdout and "Dashboard" not in err
    assert took < 5


@pytest.mark.parametrize("command", ["diff", "apply"])
def test_a_name_that_does_not_resolve_is_one_message(out, command):
    url = "http://grafana.invalid:3000"                 # .invalid never resolves (RFC 6761)
    rc, stdout, err, _ = cli(command, out, url, "--api", "legacy")
    assert rc == 1
    _one_error_line(err, url, "the host name does not resolve (DNS)")


@pytest.mark.parametrize("flags", API)
def test_tls_failure_is_one_message_and_one_connection(out, flags):
    listener = Listener("plain")
    try:
        url = f"https://127.0.0.1:{listener.port}"
        rc, _, err, _ = cli("apply", out, url, "--concurrency", "1", *flags)
        assert rc == 1
        _one_error_line(err, url, "TLS handshake failed")
        assert listener.connections == 1           # nothing retried, nothing more sent
        rc, _, err, _ = cli("apply", out, url, *flags)
        assert rc == 1 and listener.connections <= 1 + 4      # at most --concurrency (4) were on their way
    finally:
        listener.close()


@pytest.mark.parametrize("flags", API)
@pytest.mark.parametrize("command", ["diff", "apply"])
def test_a_listener_that_never_answers_times_out_once(out, command, flags):
    listener = Listener("silent")
    try:
        url = f"http://127.0.0.1:{listener.port}"
        rc, _, err, took = cli(command, out, url, "--timeout", "0.5", "--concurrency", "1", *flags)
        assert rc == 1
        _one_error_line(err, url, "no answer within 0.5s (--timeout)")
        assert listener.connections == 1 and took < 5, (listener.connections, took)
    finally:
        listener.close()


def test_json_output_carries_the_one_error(out):
    url = f"http://127.0.0.1:{closed_port()}"
    rc, stdout, err, _ = cli("apply", out, url, "--api", "legacy", "--output", "json", "--concurrency", "1")
    report = json.loads(stdout)
    assert rc == 1 and report["ok"] is False and report["writes"] == 0 and report["requests"] == 1
    assert report["error"].startswith(f"cannot reach Grafana at {url}: connection refused")


# --- a Grafana that goes away mid-apply ------------------------------------------------------------
class Relay:
    """A TCP relay on 127.0.0.1 in front of ``upstream``; :meth:`cut` closes its listener and resets every
    connection it carries (to the client, as a Grafana process that dies does)."""

    def __init__(self, upstream_port: int):
        self.upstream = upstream_port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.open: List[socket.socket] = []
        self.lock = threading.Lock()
        self.cut_done = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                if self.cut_done:
                    client.close()
                    return
                server = socket.create_connection(("127.0.0.1", self.upstream))
                self.open += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def cut(self) -> None:
        with self.lock:
            self.cut_done = True
            for s in [self.sock] + self.open:
                try:            # shutdown wakes the threads blocked in accept/recv (a bare close would not)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


def _watch(g: GrafanaStandin, relay: Relay, after: int, deadline: float) -> threading.Thread:
    def watch():
        while time.monotonic() < deadline:
            if sum(1 for r in g.writes() if 200 <= r.status < 300) >= after:
                relay.cut()
                return
            time.sleep(0.005)
    t = threading.Thread(target=watch, daemon=True)
    t.start()
    return t


@pytest.mark.parametrize("version", ["11.6", "12"])
def test_grafana_going_away_mid_apply_reports_what_landed_and_one_line_for_the_rest(out, version):
    with GrafanaStandin(version=version) as g:
        for p in (r"^/api/dashboards/db$", r"^/apis/.*/dashboards$"):
            g.inject("POST", p, "slow", times=100, delay=0.1)
        relay = Relay(int(g.url.rsplit(":", 1)[1]))
        watcher = _watch(g, relay, after=4, deadline=time.monotonic() + 30)
        rc, stdout, err, took = cli("apply", out, relay.url, "--concurrency", "2", "--output", "json",
                                    token=g.token)
        assert took < 15, took                               # no request waits for its read timeout
        watcher.join(timeout=1)
        assert relay.cut_done, err
        report = json.loads(stdout)
        assert rc == 1 and report["ok"] is False
        assert report["error"].startswith(f"Grafana at {relay.url} stopped answering"), report["error"]
        done = {o["uid"] for o in report["outcomes"] if o["outcome"] == "created"}
        stored = set(g.dashboards) | set(g.folders)
        assert done and done <= stored, (done, stored)       # nothing reported that did not land
        assert len(done) >= len(stored) - 2                  # at most the writes on the wire (2) are unconfirmed
        stopped = [o for o in report["outcomes"] if o["outcome"] == "failed"]
        assert stopped and all(o["message"] == "not attempted: the run stopped" or "stopped answering" in o["message"]
                               for o in stopped), stopped
        assert len(done) + len(stopped) == 9                 # 2 folders and 7 dashboards, each accounted for
        errors = [line for line in err.splitlines() if "stopped answering" in line]
        assert len(errors) == 1, err
        # the same in text: the landed writes listed, one summary line for the rest
        g.faults.clear()
        relay2 = Relay(int(g.url.rsplit(":", 1)[1]))
        rc, stdout, err, _ = cli("apply", out, relay2.url, token=g.token)
        assert rc == 0, (stdout, err)
        assert f"{9 - len(stored)} created" in stdout or len(stored) == 9
        rc, stdout, err, _ = cli("apply", out, relay2.url, token=g.token)
        assert rc == 0 and "0 write(s)" in stdout, stdout
        relay2.cut()


def test_text_report_after_going_away(out):
    with GrafanaStandin() as g:
        g.inject("POST", r"^/api/dashboards/db$", "slow", times=100, delay=0.1)
        relay = Relay(int(g.url.rsplit(":", 1)[1]))
        _watch(g, relay, after=3, deadline=time.monotonic() + 30)
        rc, stdout, err, _ = cli("apply", out, relay.url, "--concurrency", "1", token=g.token)
        assert rc == 1 and relay.cut_done
        created = [line for line in stdout.splitlines() if line.endswith(": created")]
        assert created and all(line.split()[2] in set(g.dashboards) | set(g.folders) for line in created), stdout
        stopped = [line for line in stdout.splitlines() if line.startswith("stopped:")]
        assert len(stopped) == 1 and "(no answer, see the obskit: line)" in stopped[0], stdout
        assert "failed:" not in stdout, stdout                # not one line per dashboard
        assert len([line for line in err.splitlines() if line.startswith("obskit:") and "stopped" in line]) == 1, err
