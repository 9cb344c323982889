"""The build's output directory: one writer at a time, replaced in one step, nothing left behind.

Guarantees (docs/build-output.md):

- **Lock.** A build holds an advisory lock (``flock``) on ``.OUT.lock`` beside OUT from before it
  looks at OUT until the new output is in place. A second build into the same OUT waits (saying for
  which process) or, with ``wait=False``, fails at once. The kernel drops the lock when its holder
  dies, however it dies, so a dead build's lock is simply taken over.
- **Atomic replacement.** The new output is written to a staging folder beside OUT and swapped in
  with one ``renameat2(RENAME_EXCHANGE)`` (Linux): at every instant OUT is the complete old or the
  complete new output, never missing. Where the exchange is not available (another OS, a file system
  without it) the swap is two renames with rollback on error, and a build that finds OUT missing
  and the previous output set aside by a dead build puts it back before anything else.
- **No debris.** Staging folders are named ``.OUT.new-<pid>-<random>`` and set-aside ones
  ``.OUT.old-<pid>-<random>``; holding the lock means every such folder belongs to a build that is
  gone, so the next build removes them.
- **File-system errors** (no space, read-only, permission, OUT is a file) are one
  :class:`OutputError` naming the path and the cause; the previous output is untouched.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import secrets
import shutil
import sys
from pathlib import Path
from typing import Callable, Iterator, Optional

from obskit.errors import OutputError

#: the file obskit writes into every output folder it owns (a list of its files)
MARKER = ".obskit-build"

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _libc():
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name, use_errno=True) if name else None


_LIBC = _libc() if sys.platform.startswith("linux") else None


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False where the system cannot (then nothing changed)."""
    fn = getattr(_LIBC, "renameat2", None)
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def fs_error(exc: OSError, what: str, path: "Path | str | None" = None) -> OutputError:
    where = path if path is not None else (exc.filename or "")
    cause = exc.strerror or str(exc)
    return OutputError(f"cannot {what} {where}: {cause}")


class OutputDir:
    """OUT, locked for the life of the ``with`` block.

    >>> with OutputDir(out) as od:                     # doctest: +SKIP
    ...     staging = od.staging()
    ...     (staging / "x.yml").write_text("...")
    ...     od.replace_with(staging)
    """

    def __init__(self, out: Path, wait: bool = True, on_wait: Optional[Callable[[str], None]] = None):
        self.out = Path(out)
        self.parent = self.out.parent
        self.lock_path = self.parent / f".{self.out.name}.lock"
        self.wait, self.on_wait = wait, on_wait
        self._fd: Optional[int] = None
        self._staged: list = []

    # lock ------------------------------------------------------------------------------------
    def __enter__(self) -> "OutputDir":
        if self.out.exists() and not self.out.is_dir():
            raise OutputError(f"cannot write build output to {self.out}: it is a file, not a directory")
        try:
            self.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise fs_error(exc, "create the build lock", self.lock_path) from None
        try:
            self._lock(fd)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        try:
            self._recover()
            self._sweep()
        except OSError as exc:
            self.__exit__(None, None, None)
            raise fs_error(exc, "clean up beside", self.out) from None
        return self

    def _lock(self, fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        holder = self._holder(fd)
        if not self.wait:
            raise OutputError(f"another build{holder} is writing {self.out} (lock {self.lock_path}); "
                              "not waiting (--no-wait)")
        if self.on_wait:
            self.on_wait(f"obskit: waiting for another build{holder} writing {self.out} ...")
        fcntl.flock(fd, fcntl.LOCK_EX)

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            pid = int(os.pread(fd, 32, 0).split()[0])
        except (OSError, ValueError, IndexError):
            return ""
        return f" (PID {pid})"

    def __exit__(self, *exc) -> None:
        for path in self._staged:
            shutil.rmtree(path, ignore_errors=True)
        self._staged = []
        if self._fd is not None:
            os.close(self._fd)          # releases the lock; the lock file stays (removing it races)
            self._fd = None

    # debris ----------------------------------------------------------------------------------
    def _debris(self, kind: str) -> Iterator[Path]:
        prefix = f".{self.out.name}.{kind}-"
        with os.scandir(self.parent) as entries:
            found = [Path(e.path) for e in entries if e.name.startswith(prefix)]
        return iter(sorted(found))

    def _recover(self) -> None:
        """OUT missing and a dead build's set-aside output beside it (the two-rename fallback was
        killed between its renames): put the newest back."""
        if self.out.exists():
            return
        kept = [p for p in self._debris("old") if (p / MARKER).exists()]
        if kept:
            newest = max(kept, key=lambda p: p.stat().st_mtime)
            os.rename(newest, self.out)

    def _sweep(self) -> None:
        """Holding the lock, every staging or set-aside folder belongs to a build that is gone."""
        for kind in ("new", "old"):
            for path in self._debris(kind):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        path.unlink()

    # staging and swap ------------------------------------------------------------------------
    def _name(self, kind: str) -> Path:
        return self.parent / f".{self.out.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"

    def staging(self) -> Path:
        """A new, empty folder beside OUT (same file system, so the swap is a rename)."""
        assert self._fd is not None, "OutputDir used outside its with block"
        path = self._name("new")
        try:
            path.mkdir(mode=0o755)
        except OSError as exc:
            raise fs_error(exc, "create the staging folder", path) from None
        self._staged.append(path)
        return path

    def replace_with(self, staging: Path) -> None:
        """Make ``staging`` OUT, in one step; the old output is removed afterwards."""
        assert self._fd is not None, "OutputDir used outside its with block"
        try:
            if not self.out.exists():
                os.rename(staging, self.out)
                self._staged.remove(staging)
                return
            if exchange(staging, self.out):
                return                  # staging now holds the old output; __exit__ removes it
            self._two_renames(staging)
        except OSError as exc:
            raise fs_error(exc, "replace the build output", self.out) from None

    def _two_renames(self, staging: Path) -> None:
        old = self._name("old")
        os.rename(self.out, old)
        try:
            os.rename(staging, self.out)
        except BaseException:
            os.rename(old, self.out)   # roll back
            raise
        self._staged.remove(staging)
        self._staged.append(old)
