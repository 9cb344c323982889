"""Finding and running the real programs obskit proves its output with, in every installed version.

A program may be installed in several versions at once: Debian's ``promtool`` (2.42, the floor) on
``PATH`` and ``promtool-3.16.0`` / ``promtool-3.5.1`` built by ``scripts/build-tools.sh`` into
``.tools/bin``. :func:`installed` lists them all; :func:`pick` chooses one by version prefix;
:func:`run` runs one. Where each is looked for, in order:

1. ``$OBSKIT_<NAME>`` (e.g. ``OBSKIT_PROMTOOL``): a pin; when set, it is the only one used;
2. the folders of ``$OBSKIT_TOOLS_DIR`` (``:``-separated), ``./.tools/bin`` and the ``.tools/bin`` of
   the obskit checkout this package runs from;
3. ``PATH``.

A file is taken as a version of NAME when it is called ``NAME`` or ``NAME-X.Y.Z``; the version comes
from the file name, else from ``NAME --version``.
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional, Sequence, Tuple

from obskit.errors import ToolError

#: How each program is installed: Debian's package for the floor, scripts/build-tools.sh for the rest.
INSTALL_HINT = {
    "promtool": "apt-get install -y prometheus",
    "prometheus": "apt-get install -y prometheus",
    "amtool": "apt-get install -y prometheus-alertmanager",
    "alertmanager": "apt-get install -y prometheus-alertmanager",
}
DEBIAN_VERSION = {"promtool": "2.42", "prometheus": "2.42", "amtool": "0.25", "alertmanager": "0.25"}
GO_BUILT = {"promtool": "Prometheus", "prometheus": "Prometheus", "amtool": "Alertmanager",
            "alertmanager": "Alertmanager", "otelcol": "the OpenTelemetry Collector", "jaeger": "Jaeger v2",
            "thanos": "Thanos"}
#: Other names a program is installed under (Debian calls the Alertmanager server prometheus-alertmanager).
ALIASES = {"alertmanager": ("prometheus-alertmanager",)}
_VERSIONED = re.compile(r"^(?P<name>[a-z][a-z0-9_-]*?)-(?P<version>\d+\.\d+\.\d+)$")


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


@dataclass(frozen=True)
class Tool:
    """One installed version of a program."""

    name: str              # promtool, amtool, prometheus, alertmanager, otelcol, jaeger
    version: str           # "3.16.0"; "unknown" when it could not be read
    path: str

    @property
    def version_tuple(self) -> Tuple[int, ...]:
        return parse_version(self.version)

    @property
    def label(self) -> str:
        """``promtool 3.16.0``: how reports name the program that ran."""
        return f"{self.name} {self.version}"

    def matches(self, want: str) -> bool:
        """``want`` is a version prefix: ``3`` (any 3.x), ``3.5``, ``2.42.0``."""
        w = parse_version(want)
        return self.version_tuple[:len(w)] == w


def parse_version(text: str) -> Tuple[int, ...]:
    m = re.match(r"v?(\d+(?:\.\d+)*)", str(text).strip())
    return tuple(int(x) for x in m.group(1).split(".")) if m else ()


def _checkout_root() -> Path:
    return Path(__file__).resolve().parents[2]


def search_dirs() -> Tuple[Path, ...]:
    dirs = [Path(d) for d in os.environ.get("OBSKIT_TOOLS_DIR", "").split(os.pathsep) if d]
    dirs += [Path.cwd() / ".tools" / "bin", _checkout_root() / ".tools" / "bin"]
    dirs += [Path(d) for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    seen, out = set(), []
    for d in dirs:
        key = str(d.resolve()) if d.exists() else str(d)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return tuple(out)


@lru_cache(maxsize=None)
def _probe_version(path: str) -> str:
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    m = re.search(r"version:? v?(\d+\.\d+\.\d+)", proc.stdout + proc.stderr)
    return m.group(1) if m else "unknown"


def _executable(p: Path) -> bool:
    return p.is_file() and os.access(p, os.X_OK)


def _candidates(name: str, dirs: Iterable[Path]):
    names = (name, *ALIASES.get(name, ()))
    for d in dirs:
        if not d.is_dir():
            continue
        for n in names:
            p = d / n
            if _executable(p):
                yield Tool(name, _probe_version(str(p)), str(p))
        try:
            entries = sorted(d.iterdir())
        except OSError:
            continue
        for p in entries:
            m = _VERSIONED.match(p.name)
            if m and m.group("name") in names and _executable(p):
                yield Tool(name, m.group("version"), str(p))


def _env_pin(name: str) -> Optional[Tool]:
    env = f"OBSKIT_{name.upper()}"
    path = os.environ.get(env)
    if not path:
        return None
    if not _executable(Path(path)):
        raise ToolError(f"${env} is set to {path}, which is not an executable file. Unset it, point it at "
                        f"{name}, or install {name} with {install_hint(name)}.")
    return Tool(name, _probe_version(path), path)


def installed(name: str) -> Tuple[Tool, ...]:
    """Every installed version of ``name``, oldest first (one per version: the first found)."""
    pin = _env_pin(name)
    if pin:
        return (pin,)
    by_version = {}
    for t in _candidates(name, search_dirs()):
        by_version.setdefault(t.version, t)
    return tuple(sorted(by_version.values(), key=lambda t: (t.version_tuple, t.version)))


def install_hint(name: str, version: Optional[str] = None) -> str:
    """The command that installs ``name`` (in ``version``)."""
    floor, built = INSTALL_HINT.get(name), GO_BUILT.get(name)
    debian = DEBIAN_VERSION.get(name)
    if floor and (not built or (version and parse_version(version) == parse_version(debian)[:len(parse_version(version))])):
        return f"`{floor}` (Debian's {debian})"
    text = f"`scripts/build-tools.sh` (builds {built} from the pinned Go modules in tools/; needs Go)"
    return text + (f", or `{floor}` for Debian's {debian}" if floor and not version else "")


def missing_message(name: str, version: Optional[str] = None, found: Sequence[Tool] = ()) -> str:
    what = f"{name} {version}" if version else name
    have = ", ".join(t.version for t in found) or "none"
    return (f"{what} not found (installed versions: {have}; looked at $OBSKIT_{name.upper()}, $OBSKIT_TOOLS_DIR, "
            f".tools/bin and PATH). Install it with {install_hint(name, version)}, or set "
            f"OBSKIT_{name.upper()} to its path.")


def pick(name: str, version: Optional[str] = None) -> Tool:
    """The installed ``name`` matching the version prefix (the newest such); without a version, the
    default one: ``$OBSKIT_<NAME>``, else plain ``NAME`` on PATH, else the oldest installed."""
    pin = _env_pin(name)
    if pin:
        return pin
    found = installed(name)
    if version is None:
        for d in os.environ.get("PATH", "").split(os.pathsep):
            for n in (name, *ALIASES.get(name, ())):
                p = Path(d) / n if d else None
                if p is not None and _executable(p):
                    return Tool(name, _probe_version(str(p)), str(p))
        if found:
            return found[0]
        raise ToolError(missing_message(name))
    matching = [t for t in found if t.matches(version)]
    if not matching:
        raise ToolError(missing_message(name, version, found))
    return matching[-1]


def for_target(name: str, target: str) -> Tool:
    """The program to check output made for ``target`` (the oldest version it must load in): the
    installed version of that release line, else the oldest installed one newer than it
    (``$OBSKIT_<NAME>``, when set, is used whatever its version)."""
    pin = _env_pin(name)
    if pin:
        return pin
    found = installed(name)
    want = parse_version(target)
    same = [t for t in found if t.version_tuple[:len(want)] == want]
    if same:
        return same[-1]
    newer = [t for t in found if t.version_tuple > want]
    if newer:
        return newer[0]
    raise ToolError(missing_message(name, target, found).replace(f"{name} {target} not found",
                                                                 f"{name} {target} or newer not found", 1))


def at_least(name: str, floor: str, only: Sequence[str] = ()) -> Tuple[Tool, ...]:
    """Installed versions of ``name`` that output made for ``floor`` must load in (all ≥ the floor's
    release line), optionally only those matching one of the ``only`` prefixes."""
    f = parse_version(floor)
    out = [t for t in installed(name) if t.version_tuple[:len(f)] >= f]
    if only:
        out = [t for t in out if any(t.matches(v) for v in only)]
    return tuple(out)


def find_tool(name: str) -> str:
    """Path of the default ``name`` (see :func:`pick`); a clear error when missing."""
    return pick(name).path


def tool_available(name: str, version: Optional[str] = None) -> bool:
    try:
        pick(name, version)
        return True
    except ToolError:
        return False


def run(name: str, args: Sequence[str], timeout: float = 600, cwd: Optional[str] = None,
        tool: Optional[Tool] = None, env: Optional[dict] = None) -> ToolResult:
    """Run ``tool`` (default: :func:`pick(name) <pick>`) with ``args`` (``env``: its environment,
    default this process's)."""
    path = tool.path if tool else find_tool(name)
    cmd = (path, *args)
    label = tool.label if tool else name
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env)
    except subprocess.TimeoutExpired as exc:
        raise ToolError(f"{label} timed out after {timeout:.0f}s: {' '.join(cmd)}") from exc
    except OSError as exc:
        raise ToolError(f"{label} could not be started ({path}): {exc}") from exc
    return ToolResult(tuple(cmd), proc.returncode, proc.stdout, proc.stderr)


def version(name: str) -> str:
    """The default tool's version, e.g. ``2.42.0``."""
    return pick(name).version


def version_tuple(name: str) -> tuple:
    v = version(name)
    return parse_version(v) if v != "unknown" else (0,)
