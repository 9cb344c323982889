"""The build cache: a second build with nothing changed writes nothing and runs nothing.

After a build has put its output in place, it writes ``.OUT.obskit-cache`` beside OUT (the lock's
folder): the digests of everything the output depends on (obskit/build_inputs.py: the project's files
by bytes, what the definitions read, environment variables, obskit's code, packages, tools, the
command's options) and how each file of OUT looked when written (size, times, inode, mode). The next
build into the same OUT takes OUT's lock, computes the same digests and compares; when every one is
equal and OUT is exactly as written, the build is done: OUT is byte for byte what a clean build
would write. Anything else (one digest, an output file edited, added or deleted, a cache file that
does not parse, an uncacheable build) is a full build. docs/build-output.md says more.
"""
from __future__ import annotations

import contextlib
import glob
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Dict, Iterator, Optional, Set, Tuple

import obskit
from obskit import build_inputs as inputs
from obskit.errors import Diagnostic
from obskit.location import Location
from obskit.output import OutputDir
from obskit.tracing import span

#: bumped whenever what the cache file holds changes meaning
FORMAT = 1


def cache_path(out: Path) -> Path:
    return out.parent / f".{out.name}.obskit-cache"


def _sweep(out: Path) -> None:
    """Under OUT's lock: a cache file half-written by a build that was killed."""
    for tmp in out.parent.glob(f".{glob.escape(out.name)}.obskit-cache.tmp-*"):
        with contextlib.suppress(OSError):
            tmp.unlink()


def out_state(out: Path) -> Dict[str, list]:
    """How OUT looks: each entry's kind, size, modification and change times, inode and mode (a file
    edited, replaced, added or deleted changes it; the change time cannot be set back)."""
    state: Dict[str, list] = {}
    stack = [out]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for e in entries:
                s = e.stat(follow_symlinks=False)
                rel = os.path.relpath(e.path, out)
                if e.is_dir(follow_symlinks=False):
                    stack.append(Path(e.path))
                    state[rel + "/"] = ["dir", s.st_ino, s.st_ctime_ns, s.st_mode]
                else:
                    state[rel] = ["file" if e.is_file(follow_symlinks=False) else "other", s.st_size,
                                  s.st_mtime_ns, s.st_ctime_ns, s.st_ino, s.st_mode]
    s = os.stat(out)
    state["./"] = ["dir", s.st_ino, s.st_ctime_ns, s.st_mode]
    return state


class OutFiles(Mapping):
    """The files of a cached build, read from OUT when asked for (relative path → bytes)."""

    def __init__(self, out: Path, names: Tuple[str, ...]):
        self._out, self._names = out, names
        self._set = frozenset(names)

    def __getitem__(self, rel: str) -> bytes:
        if rel not in self._set:
            raise KeyError(rel)
        return (self._out / rel).read_bytes()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _diagnostic(d: dict) -> Diagnostic:
    loc = Location(d["file"], d["line"]) if d.get("file") is not None else None
    return Diagnostic(d["code"], d["message"], d["obj"], loc, d["hint"], d["severity"])


def _diagnostic_dict(d: Diagnostic) -> dict:
    return {"code": d.code, "message": d.message, "obj": d.obj, "hint": d.hint, "severity": d.severity,
            "file": d.location.file if d.location else None, "line": d.location.line if d.location else None}


class CachedBuildResult:
    """What :func:`obskit.build.build` returns when nothing changed (the attributes of its
    BuildResult): ``files`` are read from OUT when asked for, ``project`` is loaded when asked for."""

    cached = True

    def __init__(self, root: Path, out: Path, saved: dict):
        self.root, self.out, self._saved = root, out, saved
        self.files = OutFiles(out, tuple(saved["files"]))
        self._project = None

    @property
    def project(self):
        if self._project is None:
            from obskit.loader import load_project
            self._project = load_project(self.root)
        return self._project

    @property
    def definition_count(self) -> int:
        return self._saved["definitions"]

    @property
    def warnings(self) -> tuple:
        return tuple(_diagnostic(d) for d in self._saved["warnings"])


class Entry:
    """The cache of one build: :meth:`lookup` before it, :meth:`recording` around load and render,
    :meth:`store` once its output is in place (under OUT's lock)."""

    def __init__(self, project_dir, out, verify: bool, enabled: bool = True):
        self.root = Path(project_dir).resolve()
        self.out = (Path(out) if out is not None else self.root / "build").resolve()
        self.enabled = enabled
        self.options = {"format": FORMAT, "obskit": obskit.__version__, "root": str(self.root),
                        "out": str(self.out), "verify": bool(verify)}
        self.parts: Dict[str, str] = {}
        self.tree_files: Set[str] = set()
        self.recorder: Optional[inputs.Recorder] = None
        self.miss = "disabled (--no-cache)" if not enabled else ""
        self.looked_up = False

    # -- before the build ---------------------------------------------------------------------------
    def _static_parts(self) -> Dict[str, str]:
        """The digests computed before the definitions are loaded: what changes after this is seen
        by the next build (the safe direction)."""
        files = inputs.tree(self.root, self.out)
        self.tree_files = set(files)
        return {"options": inputs.digest(self.options), "tree": inputs.digest(files), "code": inputs.code(),
                "packages": inputs.packages(), "tools": inputs.tools()}

    def _saved(self) -> Optional[dict]:
        try:
            saved = json.loads(cache_path(self.out).read_text())
        except (OSError, ValueError):
            return None
        shapes = {"key": dict, "recorded": dict, "out": dict, "files": list, "definitions": int, "warnings": list}
        if not isinstance(saved, dict) or saved.get("format") != FORMAT or \
                not all(isinstance(saved.get(k), t) for k, t in shapes.items()):
            return None
        return saved

    def _changed(self, saved: dict) -> str:
        """What differs from the saved build ("" when nothing does)."""
        rec = saved.get("recorded", {})
        now = dict(self.parts, env=inputs.digest(inputs.env_now(rec.get("env", []))),
                   reads=inputs.digest(inputs.reads_now(rec.get("reads", []))),
                   listings=inputs.digest(inputs.listings_now(rec.get("listings", []))))
        for name in sorted(set(now) | set(saved["key"])):
            if now.get(name) != saved["key"].get(name):
                return f"{name} changed"
        try:
            if out_state(self.out) != saved["out"]:
                return "the output folder changed"
        except OSError:
            return "the output folder is missing"
        return ""

    def lookup(self, wait: bool = True, on_wait=None):
        """The cached result when nothing changed since the last build of OUT, else None (then
        :attr:`miss` says why)."""
        if not self.enabled or self.looked_up:
            return None
        self.looked_up = True
        with span("obskit.cache.lookup") as s:
            self.parts = self._static_parts()
            if not cache_path(self.out).exists() or not self.out.is_dir():
                self.miss = "no earlier build"
                return None
            with OutputDir(self.out, wait=wait, on_wait=on_wait):
                _sweep(self.out)
                saved = self._saved()
                try:
                    self.miss = "no earlier build" if saved is None else self._changed(saved)
                except (KeyError, TypeError, ValueError, AttributeError):
                    self.miss = "the cache file is not one this obskit wrote"
                if s is not None and hasattr(s, "set_attribute"):
                    s.set_attribute("miss", self.miss)
                return None if self.miss else CachedBuildResult(self.root, self.out, saved)

    # -- the build ------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        with inputs.recording([self.out]) as recorder:
            self.recorder = recorder
            yield

    def store(self, project, files: Dict[str, bytes]) -> None:
        """Called under OUT's lock, right after the new output was put in place."""
        path = cache_path(self.out)
        _sweep(self.out)
        if not self.enabled or self.recorder is None or self.recorder.uncacheable:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()             # it describes an output that is gone (and would not match)
            return
        rec = self.recorder
        reads = sorted(p for p in rec.reads if not inputs.covered_by_tree(Path(p), self.root, self.tree_files))
        env = inputs.env_now([k for k in rec.env])
        env.update(rec.env)
        saved = {
            "format": FORMAT,
            "key": dict(self.parts, env=inputs.digest(env),
                        reads=inputs.digest({p: rec.reads[p] for p in reads}),
                        listings=inputs.digest(rec.listings)),
            "recorded": {"env": sorted(rec.env), "reads": reads, "listings": sorted(rec.listings)},
            "out": out_state(self.out),
            "files": list(files),
            "definitions": len(project.definitions),
            "warnings": [_diagnostic_dict(w) for w in project.warnings],
        }
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        try:
            tmp.write_text(json.dumps(saved, sort_keys=True))
            os.replace(tmp, path)
        except OSError:                   # a cache that cannot be written is no cache: build next time
            with contextlib.suppress(OSError):
                tmp.unlink()
            with contextlib.suppress(OSError):
                path.unlink()
