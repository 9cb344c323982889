"""Real servers for the tests, on 127.0.0.1 only: every version the project supports.

The versions come from one place: Debian's floor (:data:`FLOOR`) and ``tools/tools.tsv`` (what
``scripts/build-tools.sh`` builds). :func:`require` returns the installed program of one version, or
skips (laptop) / fails (``CI=true``) with the command that installs it. :class:`Server` starts a
process, waits until it answers, shows its last log lines when it does not, and is always stopped
(``with`` block or the session-end hook in conftest.py).
"""
from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

from obskit.errors import ToolError
from obskit.verify import tools
from obskit.verify.tools import Tool

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

#: Debian's packages: the oldest versions obskit supports.
FLOOR = {"prometheus": "2.42", "promtool": "2.42", "alertmanager": "0.25", "amtool": "0.25"}
#: tools.tsv folder prefix → the programs it builds
_PROGRAMS = {"prometheus": ("prometheus", "promtool"), "alertmanager": ("alertmanager", "amtool"),
             "otelcol": ("otelcol",), "jaeger": ("jaeger",), "thanos": ("thanos",)}


def _built() -> Dict[str, List[str]]:
    out: Dict[str, List[str]] = {}
    for line in (ROOT / "tools" / "tools.tsv").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        folder, version = line.split("\t")[:2]
        for prefix, programs in _PROGRAMS.items():
            if folder.startswith(prefix):
                for p in programs:
                    out.setdefault(p, []).append(version)
    return out


def versions(name: str) -> Tuple[str, ...]:
    """Every version of ``name`` the tests run, oldest first: ``("2.42", "3.5.1", "3.16.0")``."""
    vs = ([FLOOR[name]] if name in FLOOR else []) + _built().get(name, [])
    return tuple(sorted(vs, key=tools.parse_version))


def require(name: str, version: Optional[str] = None) -> Tool:
    """The installed ``name`` of ``version`` (a prefix); skip, or fail under CI=true, when missing."""
    try:
        return tools.pick(name, version)
    except ToolError as exc:
        if IN_CI:
            pytest.fail(f"{exc} CI must have it.", pytrace=False)
        pytest.skip(str(exc))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_RUNNING: List["Server"] = []


class Server:
    """A program started for a test; ``ready`` is an HTTP URL that answers 200 once it is up."""

    def __init__(self, label: str, cmd: Sequence[str], ready: str, workdir: Path, timeout: float = 60.0,
                 env: Optional[dict] = None):
        self.label, self.cmd, self.ready, self.workdir = label, list(map(str, cmd)), ready, Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / f"{label.replace(' ', '-')}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self._log, stderr=subprocess.STDOUT, cwd=str(self.workdir),
                                     env={**os.environ, **(env or {})}, start_new_session=True)
        _RUNNING.append(self)
        try:
            self._wait(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited with {self.proc.returncode} before it was ready:\n"
                                   + self.log_tail())
            try:
                with urllib.request.urlopen(self.ready, timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError) as exc:
                last = str(exc)
            time.sleep(0.2)
        raise RuntimeError(f"{self.label} not ready at {self.ready} after {timeout:.0f}s ({last}):\n" + self.log_tail())

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join("    " + line for line in text[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()
        if self in _RUNNING:
            _RUNNING.remove(self)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def stop_all() -> None:
    """Stop every server still running (conftest.py calls this at session end, also after failures)."""
    for s in list(_RUNNING):
        s.stop()


def get_json(url: str, timeout: float = 10) -> dict:
    import json
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def start_prometheus(tool: Tool, workdir: Path, config_text: str, args: Sequence[str] = (),
                     port: Optional[int] = None) -> Server:
    """``prometheus`` of ``tool``'s version on 127.0.0.1 with ``config_text`` as prometheus.yml."""
    port = port or free_port()
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "prometheus.yml").write_text(config_text)
    server = Server(tool.label, [tool.path, "--config.file=prometheus.yml", f"--storage.tsdb.path={workdir / 'data'}",
                                 f"--web.listen-address=127.0.0.1:{port}", *args],
                    f"http://127.0.0.1:{port}/-/ready", workdir)
    server.url = f"http://127.0.0.1:{port}"
    return server


def start_alertmanager(tool: Tool, workdir: Path, config_text: str, port: Optional[int] = None) -> Server:
    """``alertmanager`` of ``tool``'s version on 127.0.0.1 (no clustering) with ``config_text``."""
    port = port or free_port()
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "alertmanager.yml").write_text(config_text)
    server = Server(tool.label, [tool.path, "--config.file=alertmanager.yml", f"--storage.path={workdir / 'data'}",
                                 f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
                    f"http://127.0.0.1:{port}/-/ready", workdir)
    server.url = f"http://127.0.0.1:{port}"
    return server


def start_otelcol(tool: Tool, workdir: Path, config: bytes, ready: str, label: str = "") -> Server:
    """A collector (or Jaeger v2, also a collector) of ``tool`` running ``config`` (written as
    ``<name>.yaml`` in ``workdir``); ``ready`` is a URL of it that answers 200 once it is up."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    name = f"{tool.name}.yaml"
    (workdir / name).write_bytes(config)
    return Server(label or tool.label, [tool.path, f"--config={name}"], ready, workdir)


def start_jaeger(tool: Tool, workdir: Path, config: bytes, query_port: int) -> Server:
    """Jaeger v2 of ``tool`` with ``config``; ready once its query API answers on ``query_port``."""
    server = start_otelcol(tool, workdir, config, f"http://127.0.0.1:{query_port}/api/services")
    server.url = f"http://127.0.0.1:{query_port}"
    return server
