"""Finding and running the Prometheus tools (promtool now; amtool alongside)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Sequence

from obskit.errors import ToolError

INSTALL_HINT = {
    "promtool": "apt-get install -y prometheus",
    "amtool": "apt-get install -y prometheus-alertmanager",
}


@dataclass(frozen=True)
class ToolResult:
    args: tuple
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def output(self) -> str:
        return (self.stdout + self.stderr).strip()


def find_tool(name: str) -> str:
    """Path of a tool: ``$OBSKIT_<NAME>`` if set, else the PATH; a clear error when missing."""
    env = f"OBSKIT_{name.upper()}"
    path = os.environ.get(env) or shutil.which(name)
    if not path or not os.access(path, os.X_OK):
        raise ToolError(f"{name} not found (looked at ${env} and PATH). Install it with "
                        f"`{INSTALL_HINT.get(name, name)}` (Debian) or set {env} to its path.")
    return path


def tool_available(name: str) -> bool:
    try:
        find_tool(name)
        return True
    except ToolError:
        return False


def run(name: str, args: Sequence[str], timeout: float = 600, cwd: Optional[str] = None) -> ToolResult:
    cmd = (find_tool(name), *args)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired as exc:
        raise ToolError(f"{name} timed out after {timeout:.0f}s: {' '.join(cmd)}") from exc
    return ToolResult(tuple(cmd), proc.returncode, proc.stdout, proc.stderr)


@lru_cache(maxsize=None)
def _version(path: str) -> str:
    proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    m = re.search(r"version (\d+\.\d+\.\d+)", proc.stdout + proc.stderr)
    return m.group(1) if m else "unknown"


def version(name: str) -> str:
    """The tool's version, e.g. ``2.42.0``."""
    return _version(find_tool(name))


def version_tuple(name: str) -> tuple:
    v = version(name)
    return tuple(int(x) for x in v.split(".")) if v != "unknown" else (0,)
