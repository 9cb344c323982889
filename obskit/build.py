"""load → compile → render → verify → write atomically."""
from __future__ import annotations

import contextlib
import contextvars
import gc
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, Optional

from obskit import build_cache
from obskit.errors import DefinitionError, Diagnostic, ToolError
from obskit.loader import load_project
from obskit import output as output_dir
from obskit.output import MARKER, OutputDir, fs_error
from obskit.phases import phase
from obskit.project import Project
from obskit.targets import targets
from obskit.tracing import span


@dataclass(frozen=True)
class BuildResult:
    project: Project
    files: Dict[str, bytes]      # relative path → content
    out: Optional[Path] = None
    cached: bool = False         # nothing changed since the last build of OUT (obskit/build_cache.py)

    @property
    def definition_count(self) -> int:
        return len(self.project.definitions)

    @property
    def warnings(self) -> tuple:
        return self.project.warnings


#: from this many SLOs on, a target marked ``render_apart`` renders in a forked process while this
#: one renders the others (forking costs ~50 ms; below this the whole render takes less)
FORK_FROM_SLOS = 500

_FORKED: tuple = ()     # (project, targets) for the forked child; set just before forking


def _die_with_parent(parent: int) -> None:
    """Pool initializer: the kernel kills this worker when the build process dies (Linux), so a
    killed build never leaves a render worker behind."""
    if output_dir._LIBC is not None:
        output_dir._LIBC.prctl(1, signal.SIGKILL)        # PR_SET_PDEATHSIG
    if os.getppid() != parent:               # the parent died before prctl took effect
        os._exit(1)


def _render_in_child(index: int):
    project, apart = _FORKED
    target = apart[index]
    files = target.render(project)
    return files, dict(vars(target))     # the target's state too: verify may read it


def _forkable(project: Project) -> bool:
    return (len(project.slos) >= FORK_FROM_SLOS and "fork" in multiprocessing.get_all_start_methods()
            and not os.environ.get("OBSKIT_NO_FORK"))


def render_project(project: Project, chosen: Optional[tuple] = None) -> Dict[str, bytes]:
    """Every target's files; two targets writing the same path is a bug.

    In big projects (:data:`FORK_FROM_SLOS`), targets with ``render_apart = True`` (the dashboards)
    render in a forked child process, on another core, while this process renders the rest; the
    child returns the files and the target's state, and raises what the target raised.
    """
    global _FORKED
    chosen = chosen if chosen is not None else targets()
    apart = tuple(t for t in chosen if getattr(t, "render_apart", False)) if _forkable(project) else ()
    futures = {}
    pool = None
    if apart:
        _FORKED = (project, apart)
        pool = ProcessPoolExecutor(max_workers=len(apart), mp_context=multiprocessing.get_context("fork"),
                                   initializer=_die_with_parent, initargs=(os.getpid(),))
        futures = {id(t): pool.submit(_render_in_child, i) for i, t in enumerate(apart)}
    files: Dict[str, bytes] = {}
    try:
        order = [t for t in chosen if id(t) not in futures] + [t for t in chosen if id(t) in futures]
        results = {}
        for target in order:
            forked = id(target) in futures
            with span("obskit.render", target=target.name, forked=forked), \
                    phase(f"render {target.name}" + (" (forked: time waited)" if forked else "")):
                if id(target) in futures:
                    rendered, state = futures[id(target)].result()
                    vars(target).update(state)
                else:
                    rendered = target.render(project)
            results[id(target)] = rendered
    finally:
        _FORKED = ()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    for target in chosen:
        for path, data in results[id(target)].items():
            if path in files:
                raise RuntimeError(f"two build targets write {path}")
            files[path] = data
    return dict(sorted(files.items()))


def verify_files(staging: Path, files: Dict[str, bytes], chosen: Optional[tuple] = None) -> None:
    """Every target's verify step; the first failure in target order is raised.

    A target with ``verify_alongside = True`` (pure Python, prints nothing: the Grafana schema check)
    is verified in a thread while the others run their tools one after the other: their tool
    processes run on other cores, and what they print keeps its order.
    """
    chosen = chosen if chosen is not None else targets()
    failures: Dict[int, BaseException] = {}

    def run(i: int, target) -> None:
        try:
            with span("obskit.verify", target=target.name), phase(f"verify {target.name}"):
                target.verify(staging, files)
        except BaseException as exc:   # noqa: BLE001 - re-raised below, in target order
            failures[i] = exc

    alongside = [threading.Thread(target=contextvars.copy_context().run, args=(run, i, t),
                                  name=f"obskit-verify-{t.name}", daemon=True)
                 for i, t in enumerate(chosen) if getattr(t, "verify_alongside", False)]
    for thread in alongside:
        thread.start()
    try:
        for i, target in enumerate(chosen):
            if not getattr(target, "verify_alongside", False):
                run(i, target)
                if i in failures:
                    break
    finally:
        for thread in alongside:
            thread.join()
    if failures:
        raise failures[min(failures)]


def _write_tree(dest: Path, files: Dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (dest / MARKER).write_text("".join(f"{p}\n" for p in files))


def _check_out_dir(out: Path) -> None:
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise DefinitionError(Diagnostic(
            "out-not-empty", f"{out} exists, is not empty and was not written by obskit; "
            "refusing to replace it (choose another --out or empty it)"))


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cycle collector off while a build loads, renders and verifies.

    A big build makes millions of small, long-lived objects (definitions, rules, dashboard panels,
    parsed dashboards when verifying); each full collection walks all of them, which cost a fifth of
    the build time. What a build makes is freed by reference counting; cycles left over are
    collected when the collector is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """SIGTERM raises SystemExit in the main thread, so the staging folder is removed and the lock
    released as on Ctrl-C (KeyboardInterrupt) and on errors."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@span("obskit.build")
def build(project_dir: "str | Path" = ".", out: "str | Path | None" = None, verify: bool = True,
          wait: bool = True, on_wait=None, cache: "bool | build_cache.Entry" = True) -> BuildResult:
    """Build a project. Raises DefinitionError or ToolError (nothing written), OutputError (a
    file-system error or, with ``wait=False``, another build holding OUT; the previous output stays).

    ``on_wait(message)`` is called once when another build holds OUT's lock and this one waits.
    ``cache``: when nothing changed since the last build of OUT, do nothing (obskit/build_cache.py);
    an Entry: the one the caller already looked up.
    """
    with _gc_paused(), _terminate_cleanly():
        return _build(project_dir, out, verify, wait, on_wait, cache)


def _build(project_dir: "str | Path", out: "str | Path | None", verify: bool, wait: bool, on_wait,
           cache: "bool | build_cache.Entry" = True) -> BuildResult:
    entry = cache if isinstance(cache, build_cache.Entry) else build_cache.Entry(project_dir, out, verify, cache)
    hit = entry.lookup(wait, on_wait)
    if hit is not None:
        return hit
    with entry.recording():             # what load and render read: the cache's key
        with span("obskit.load", project_dir=str(project_dir)):
            project = load_project(project_dir)
        chosen = targets()              # the same objects render and verify (a target may keep state)
        files = render_project(project, chosen)
    out_path = Path(out) if out is not None else project.root / "build"
    out_path = out_path.resolve()
    with OutputDir(out_path, wait=wait, on_wait=on_wait) as output:
        _check_out_dir(out_path)
        staging = output.staging()
        with span("obskit.write", files=len(files)), phase("write files"):
            try:
                _write_tree(staging, files)
            except OSError as exc:
                raise fs_error(exc, "write the build output to", exc.filename or staging) from None
        if verify:
            verify_files(staging, files, chosen)
        output.replace_with(staging)
        entry.store(project, files)
    return BuildResult(project, files, out_path)
