"""What a build's output depends on, as digests: the inputs half of the build cache (obskit/build_cache.py).

A build reads more than its definition files: helper modules they import, data files they open,
environment variables, obskit's own code, the installed promtool/amtool. Each is a *part* of the key,
and each part is a digest of content (never of a time stamp alone):

- ``tree``: every file under the project directory, by path and bytes (so a new, deleted or changed
  file is seen however a definition found it, ``Path.exists()`` included); left out are folders whose
  name starts with ``.`` (``.git``, ``.venv``, ``.obskit``), ``__pycache__``, ``node_modules``,
  virtual environments (``pyvenv.cfg``), obskit output folders (a ``.obskit-build`` file in them)
  and OUT, and obskit's lock and cache files beside an OUT;
- ``reads`` and ``listings``: files opened and folders listed while the definitions were imported and
  the output rendered, outside what ``tree`` covers (a helper in ``../shared/``, a data file in a
  dot-folder), by bytes and by names; recorded with an audit hook (:func:`sys.addaudithook`);
- ``env``: the environment variables read meanwhile (a definition iterating the whole environment
  makes it the whole environment), ``PATH`` and every ``OBSKIT_*``; recorded with a stand-in for
  ``os.environ``;
- ``code``: obskit's own files by bytes, its version, the Python version and executable;
- ``packages``: every ``sys.path`` folder outside the project with its modification time (installing,
  upgrading or removing a package changes it);
- ``tools``: the promtool/amtool/... executables verification may pick, by path, size, time and inode.

While recording, a definition that starts a process or opens a network connection makes the build
*uncacheable* (its output may depend on what came back): :attr:`Recorder.uncacheable` says why.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Set

import obskit
from obskit.output import MARKER

#: obskit's files beside an OUT (``.OUT.lock``, ``.OUT.obskit-cache``): not inputs
_OWN_FILES = re.compile(r"^\..+\.(lock|obskit-cache)(\.tmp-\d+)?$")
#: ... and what a build puts beside OUT while it runs (obskit/output.py's staging and set-aside folders)
_OWN_BESIDE = re.compile(r"^\..+\.(lock|obskit-cache(\.tmp-\d+)?|new-\d+-[0-9a-f]+|old-\d+-[0-9a-f]+)$")
_SKIP_DIRS = {"__pycache__", "node_modules"}
_UNCACHEABLE_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                       "socket.connect", "socket.getaddrinfo", "urllib.Request")
_TOOL_NAMES = ("promtool", "amtool", "prometheus", "alertmanager", "prometheus-alertmanager", "otelcol",
               "jaeger", "thanos")
_PACKAGE_DIR = Path(obskit.__file__).resolve().parent


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def file_digest(path: "str | Path") -> str:
    """sha256 of a file's bytes; ``missing`` / ``unreadable: ...`` when it cannot be read."""
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except FileNotFoundError:
        return "missing"
    except IsADirectoryError:
        return "directory"
    except OSError as exc:
        return f"unreadable: {exc.errno}"


# -- the project tree -------------------------------------------------------------------------------
def _skipped_dir(entry: os.DirEntry, out: Path) -> bool:
    if entry.name.startswith(".") or entry.name in _SKIP_DIRS:
        return True
    path = Path(entry.path)
    return path == out or (path / MARKER).exists() or (path / "pyvenv.cfg").exists()


def tree(root: Path, out: Path) -> Dict[str, str]:
    """Every file of the project (see the module docstring for what is left out): relative path →
    digest of its bytes (a symlink to a folder: its target)."""
    found: Dict[str, str] = {}
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            found[os.path.relpath(folder, root) + "/"] = f"unlistable: {exc.errno}"
            continue
        for entry in entries:
            rel = os.path.relpath(entry.path, root)
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not _skipped_dir(entry, out):
                        stack.append(Path(entry.path))
                elif entry.is_symlink() and entry.is_dir():
                    found[rel] = "link: " + os.readlink(entry.path)
                elif not _OWN_FILES.match(entry.name) and not entry.name.endswith(".pyc"):
                    found[rel] = file_digest(entry.path)
            except OSError as exc:
                found[rel] = f"unreadable: {exc.errno}"
    return found


def covered_by_tree(path: Path, root: Path, files: Set[str]) -> bool:
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return False
    return rel in files


# -- obskit, Python, packages, tools ----------------------------------------------------------------
def code() -> str:
    """obskit's own files (code and data) by bytes, its version, Python's version and executable."""
    parts = [obskit.__version__, sys.version, sys.executable]
    for path in sorted(_PACKAGE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            parts.append(f"{path.relative_to(_PACKAGE_DIR)} {file_digest(path)}")
    return _digest(parts)


def packages() -> str:
    """Each folder packages are installed in (``sys.path`` entries under Python's prefixes or named
    ``site-packages``/``dist-packages``), with its modification time: installing, upgrading or
    removing a package changes it. Modules imported from other folders during a build are among its
    recorded reads."""
    prefixes = tuple(str(Path(p).resolve()) + os.sep for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})
    parts = []
    for entry in sys.path:
        p = str(Path(entry).resolve()) if entry else ""
        if entry and (p.startswith(prefixes) or {"site-packages", "dist-packages"} & set(Path(p).parts)):
            try:
                parts.append((p, os.stat(p).st_mtime_ns))
            except OSError:
                parts.append((p, None))
    return _digest(parts)


def tools() -> str:
    """The executables verification may pick (obskit/verify/tools.py): every folder searched, and in
    it every file named like a program obskit runs, by size, modification time and inode; and the
    ``OBSKIT_<NAME>`` pins."""
    from obskit.verify.tools import search_dirs
    parts: List[object] = [(k, v) for k, v in sorted(os.environ.items()) if k.startswith("OBSKIT_")]
    for d in search_dirs():
        try:
            with os.scandir(d) as entries:
                for e in sorted(entries, key=lambda e: e.name):
                    if e.name.startswith(_TOOL_NAMES):
                        s = e.stat()
                        parts.append((str(d), e.name, s.st_size, s.st_mtime_ns, s.st_ino, s.st_mode))
        except OSError:
            parts.append((str(d), None))
    return _digest(parts)


# -- what the build read ----------------------------------------------------------------------------
def env_now(names: Sequence[str]) -> Dict[str, Optional[str]]:
    """The current values of ``names`` (``*``: every variable), PATH and every OBSKIT_* variable."""
    environ = dict(os.environ)
    if "*" in names:
        return {"*": json.dumps(sorted(environ.items()))}
    wanted = set(names) | {"PATH"} | {k for k in environ if k.startswith("OBSKIT_")}
    return {k: environ.get(k) for k in sorted(wanted)}


def reads_now(paths: Sequence[str]) -> Dict[str, str]:
    return {p: file_digest(p) for p in sorted(set(paths))}


def _names(path: str) -> str:
    """The names in a folder, without obskit's own: its lock, cache, staging and output folders (a
    first build creates OUT in the folder it lists, which must not make the second one a full build)."""
    try:
        names = sorted(os.listdir(path))
    except OSError as exc:
        return f"unlistable: {exc.errno}"
    return "\n".join(n for n in names if not _OWN_BESIDE.match(n)
                     and not os.path.exists(os.path.join(path, n, MARKER)))


def listings_now(paths: Sequence[str]) -> Dict[str, str]:
    return {p: _names(p) for p in sorted(set(paths))}


def digest(mapping: Dict[str, Optional[str]]) -> str:
    return _digest(sorted(mapping.items()))


class Recorder:
    """While active: each file opened for reading with a digest of its bytes just before it was read,
    each folder listed with its names, each environment variable read with its value when first read;
    :attr:`uncacheable` says why the output may depend on something else (a process was started, a
    connection opened)."""

    def __init__(self, ignore: Sequence[Path]):
        self.ignore = tuple(str(p) for p in ignore if str(p) != os.sep)
        self.reads: Dict[str, str] = {}
        self.listings: Dict[str, str] = {}
        self.env: Dict[str, Optional[str]] = {}
        self.uncacheable: Optional[str] = None
        self._busy = False

    def _keep(self, path) -> Optional[str]:
        try:
            p = os.path.abspath(os.fsdecode(path))
        except (TypeError, ValueError):
            return None                           # a file descriptor: opened from a path we saw
        if "/__pycache__/" in p and p.endswith(".pyc"):     # the module's source is what matters
            folder, name = os.path.split(os.path.dirname(p))[0], os.path.basename(p)
            p = os.path.join(folder, name.split(".")[0] + ".py")
        if any(p == i or p.startswith(i + os.sep) for i in self.ignore):
            return None
        return p

    def event(self, name: str, args: tuple) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            if name == "open":
                path, mode, flags = args
                if isinstance(mode, str):     # builtins.open, io.open_code: r+, w+ and a+ read too
                    writing = any(c in mode for c in "wax") and "+" not in mode
                else:                         # os.open
                    writing = isinstance(flags, int) and flags & os.O_ACCMODE == os.O_WRONLY
                kept = None if writing else self._keep(path)
                if kept and kept not in self.reads:
                    self.reads[kept] = file_digest(kept)
            elif name in ("os.listdir", "os.scandir"):
                kept = self._keep(args[0] if args and args[0] is not None else ".")
                if kept and kept not in self.listings:
                    self.listings[kept] = _names(kept)
            elif self.uncacheable is None:
                self.uncacheable = f"the build ran {name} {args[0] if args else ''}".rstrip()
        finally:
            self._busy = False

    def read_env(self, key, environ) -> None:
        """``key`` of ``environ`` (the real ``os.environ``) is about to be read."""
        if "*" not in self.env:
            self.env.setdefault(str(key), environ.get(key))

    def read_whole_env(self, environ) -> None:
        if "*" not in self.env:
            self.env.clear()
            self.env["*"] = json.dumps(sorted(dict(environ).items()))


_ACTIVE: List[Recorder] = []
_HOOKED = False


def _hook(name: str, args: tuple) -> None:
    if _ACTIVE and (name == "open" or name.startswith(("os.listdir", "os.scandir")) or
                    name.startswith(_UNCACHEABLE_EVENTS)):
        try:
            _ACTIVE[-1].event(name, args)
        except Exception:       # noqa: BLE001 - an audit hook must never break the build
            _ACTIVE[-1].uncacheable = _ACTIVE[-1].uncacheable or "an access the cache could not read"


class _RecordingEnviron(os._Environ):        # type: ignore[name-defined,misc]
    """``os.environ`` that notes which variables are read (every one, when it is iterated); it shares
    the real one's storage, so what is set through it is set."""

    def __init__(self, original, recorder: Recorder):
        super().__init__(original._data, original.encodekey, original.decodekey,
                         original.encodevalue, original.decodevalue)
        self._original, self._recorder = original, recorder

    def __getitem__(self, key):
        self._recorder.read_env(key, self._original)
        return super().__getitem__(key)

    def __iter__(self):
        self._recorder.read_whole_env(self._original)
        return super().__iter__()

    def __len__(self):
        self._recorder.read_whole_env(self._original)
        return super().__len__()

    def __repr__(self):
        self._recorder.read_whole_env(self._original)
        return super().__repr__()


@contextlib.contextmanager
def recording(ignore: Sequence[Path]) -> Iterator[Recorder]:
    """Record what the code run inside reads (files and folders under ``ignore`` and Python's own
    installation are left out: the other parts of the key cover them)."""
    global _HOOKED
    if not _HOOKED:
        sys.addaudithook(_hook)       # for the life of the process; it does nothing when not recording
        _HOOKED = True
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    system = [Path("/proc"), Path("/sys"), Path("/dev")]
    recorder = Recorder([*ignore, _PACKAGE_DIR, *prefixes, *system])
    original = os.environ
    os.environ = _RecordingEnviron(original, recorder)
    _ACTIVE.append(recorder)
    try:
        yield recorder
    finally:
        _ACTIVE.remove(recorder)
        os.environ = original
