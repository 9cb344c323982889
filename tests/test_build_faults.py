"""Faults during ``obskit build``, with real processes: kills at random points and inside the swap,
concurrent builds, a full disk, a read-only file system, SIGTERM. After every fault OUT is exactly the
old or the new output, and the next build leaves nothing beside OUT but its lock file
(obskit/output.py, docs/build-output.md)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kill_trial import ROOT, build_cmd, debris, run_build, snapshot, survivors, trial, write_project
from obskit.errors import OutputError
from obskit.output import MARKER, OutputDir

IN_CI = bool(os.environ.get("CI"))


def need(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        if IN_CI:
            pytest.fail(f"{program} is required under CI (Debian package {program}; scripts/setup.sh installs it)")
        pytest.skip(f"{program} not installed")
    return path


@pytest.fixture
def two(tmp_path):
    """Project A built into OUT; project B (one objective changed) built into a reference folder."""
    a = write_project(tmp_path / "a", 4, 99.9)
    b = write_project(tmp_path / "b", 4, 99.5)
    out, ref = tmp_path / "out", tmp_path / "ref"
    for project, dest in ((a, out), (b, ref)):
        done = run_build(project, dest)
        assert done.returncode == 0, done.stderr
    return a, b, out, snapshot(out), snapshot(ref)


def strace_build(project: Path, out: Path, *injects: str) -> subprocess.CompletedProcess:
    """The build under strace, with faults injected into its system calls (Debian's strace)."""
    cmd = [need("strace"), "-f", "-qq", "-o", "/dev/null"]
    for inject in injects:
        cmd += ["-e", f"inject={inject}"]
    cmd += build_cmd(project, out)
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)


def one_line_error(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("obskit: "), done.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


# --- kills --------------------------------------------------------------------------------------

def test_random_kills_leave_old_or_new_output_and_no_debris(tmp_path):
    """600 SLOs: the dashboards render in a forked worker, which must die with the build."""
    result = trial(tmp_path, n_slos=600, kills=6, seed=20)
    assert result.broken == []
    assert result.orphans == []
    assert result.leftover == []
    assert result.old + result.new == result.kills


def test_kill_at_the_swap(two):
    """SIGKILL when the build enters renameat2 (the exchange): OUT is still A; the next build
    puts B in place and removes the dead build's staging folder."""
    a, b, out, want_a, want_b = two
    done = strace_build(b, out, "renameat2:signal=KILL:when=1")
    assert done.returncode == -signal.SIGKILL or done.returncode == 128 + signal.SIGKILL, done
    assert snapshot(out) == want_a
    assert debris(out), "the killed build should have left its staging folder (else this tests nothing)"
    assert run_build(b, out).returncode == 0
    assert snapshot(out) == want_b and debris(out) == []


def test_kill_after_the_swap(two):
    """SIGKILL while the old output is being removed (after the exchange): OUT is already B."""
    a, b, out, want_a, want_b = two
    done = strace_build(b, out, "unlinkat:signal=KILL:when=1")
    assert done.returncode != 0
    assert snapshot(out) in (want_a, want_b)
    assert run_build(a, out).returncode == 0
    assert snapshot(out) == want_a and debris(out) == []


def test_swap_without_exchange_rolls_back_and_recovers(two):
    """Where renameat2(RENAME_EXCHANGE) is refused (EINVAL: the file system lacks it) the swap is two
    renames. Killed between them, OUT is missing for a moment; the next build puts the old output
    back before anything else, then swaps in the new."""
    a, b, out, want_a, want_b = two
    # rename #1 sets OUT aside, rename #2 would move the staging folder in: kill at #2
    done = strace_build(b, out, "renameat2:error=EINVAL", "rename:signal=KILL:when=2")
    assert done.returncode != 0
    assert snapshot(out) is None, "the kill should have come between the two renames"
    with OutputDir(out):
        assert snapshot(out) == want_a       # recovered under the lock
    assert run_build(b, out).returncode == 0
    assert snapshot(out) == want_b and debris(out) == []


def test_fallback_swap_without_kill(two):
    a, b, out, want_a, want_b = two
    done = strace_build(b, out, "renameat2:error=EINVAL")
    assert done.returncode == 0, done.stderr
    assert snapshot(out) == want_b and debris(out) == []


def test_sigterm_cleans_up(tmp_path):
    a = write_project(tmp_path / "a", 300, 99.9)
    out = tmp_path / "out"
    assert run_build(a, out).returncode == 0
    want = snapshot(out)
    b = write_project(tmp_path / "b", 300, 99.5)
    proc = subprocess.Popen(build_cmd(b, out), cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not debris(out) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)      # until the build has its staging folder
    proc.send_signal(signal.SIGTERM)
    stderr = proc.communicate(timeout=60)[1]
    if proc.returncode == 0:
        pytest.skip("the build finished before SIGTERM arrived")
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert "Traceback" not in stderr
    assert snapshot(out) == want and debris(out) == []


# --- lock ---------------------------------------------------------------------------------------

def test_second_build_fails_fast_with_no_wait(two):
    a, b, out, want_a, want_b = two
    with OutputDir(out):
        done = subprocess.run(build_cmd(b, out) + ["--no-wait"], capture_output=True, text=True, cwd=ROOT)
    one_line_error(done, "another build", f"PID {os.getpid()}", "--no-wait")
    assert snapshot(out) == want_a


def test_second_build_waits_for_the_first(two):
    a, b, out, want_a, want_b = two
    with OutputDir(out):
        proc = subprocess.Popen(build_cmd(b, out), cwd=ROOT, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert proc.poll() is None, "the build should wait for the lock"
        assert snapshot(out) == want_a
    stderr = proc.communicate(timeout=60)[1]
    assert proc.returncode == 0, stderr
    assert f"waiting for another build (PID {os.getpid()})" in stderr
    assert snapshot(out) == want_b and debris(out) == []


def test_lock_of_a_dead_build_is_taken_over(two):
    a, b, out, want_a, want_b = two
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from obskit.output import OutputDir\n"
        "with OutputDir(Path(sys.argv[1])): print('locked', flush=True); time.sleep(600)"), str(out)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.wait()
    done = subprocess.run(build_cmd(b, out) + ["--no-wait"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert snapshot(out) == want_b


def test_concurrent_builds(two):
    """Four builds at once into one OUT (two of A, two of B): all succeed one after the other, OUT
    is one complete output, nothing is left beside it."""
    a, b, out, want_a, want_b = two
    procs = [subprocess.Popen(build_cmd(p, out), cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for p in (a, b, a, b)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    assert snapshot(out) in (want_a, want_b)
    assert debris(out) == []


# --- file-system errors -------------------------------------------------------------------------

def test_out_is_a_file(tmp_path):
    a = write_project(tmp_path / "a", 1, 99.9)
    (tmp_path / "out").write_text("not a folder")
    one_line_error(run_build(a, tmp_path / "out"), "is a file", str(tmp_path / "out"))
    assert (tmp_path / "out").read_text() == "not a folder"


@pytest.fixture
def mounted(tmp_path):
    """A small tmpfs, or a read-only bind mount, under tmp_path (root only)."""
    made = []

    def mount(*args):
        target = tmp_path / f"mnt{len(made)}"
        target.mkdir()
        done = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
        if done.returncode:
            if IN_CI:
                pytest.fail(f"mount {args} failed under CI: {done.stderr}")
            pytest.skip(f"cannot mount here: {done.stderr.strip()}")
        made.append(target)
        return target

    yield mount
    for target in reversed(made):
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def test_disk_full(tmp_path, mounted):
    small = mounted("-t", "tmpfs", "-o", "size=512k", "tmpfs")
    a = write_project(tmp_path / "a", 1, 99.9)
    big = write_project(tmp_path / "big", 300, 99.9)
    out = small / "out"
    assert run_build(a, out).returncode == 0
    want = snapshot(out)
    one_line_error(run_build(big, out), "No space left on device")
    assert snapshot(out) == want and debris(out) == []


def test_read_only_parent(tmp_path, mounted):
    a = write_project(tmp_path / "a", 1, 99.9)
    b = write_project(tmp_path / "b", 1, 99.5)
    parent = tmp_path / "parent"
    parent.mkdir()
    assert run_build(a, parent / "out").returncode == 0
    want = snapshot(parent / "out")
    ro = mounted("--bind", "-o", "ro", str(parent))
    one_line_error(run_build(b, ro / "out"), "Read-only file system")
    assert snapshot(ro / "out") == want


# --- OutputDir on its own -----------------------------------------------------------------------

def test_staging_and_set_aside_folders_of_dead_builds_are_swept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("")
    for name in (".out.new-99999999-abcd", ".out.old-99999999-abcd", ".out.new-x3k9"):   # the last: old naming
        (tmp_path / name).mkdir()
        (tmp_path / name / "f").write_text("x")
    (tmp_path / ".outer.new-1-a").mkdir()           # another OUT's: not ours
    with OutputDir(out):
        pass
    assert debris(out) == []
    assert (tmp_path / ".outer.new-1-a").exists()


def test_error_inside_leaves_out_and_no_staging(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep").write_text("old")
    with pytest.raises(RuntimeError):
        with OutputDir(out) as od:
            (od.staging() / "new").write_text("new")
            raise RuntimeError("verify failed")
    assert snapshot(out) == {"keep": b"old"} and debris(out) == []


def test_output_error_is_an_obskit_error_with_the_path(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(OutputError, match="is a file"):
        with OutputDir(tmp_path / "f"):
            pass


def test_orphan_check_sees_a_running_build(two):
    """survivors() must see a running build, else the orphan assertions above test nothing."""
    a, b, out, want_a, want_b = two
    with OutputDir(out):
        proc = subprocess.Popen(build_cmd(b, out), cwd=ROOT, stderr=subprocess.DEVNULL)
        time.sleep(1.5)
        try:
            assert proc.pid in survivors(out)
        finally:
            proc.kill()
            proc.wait()
