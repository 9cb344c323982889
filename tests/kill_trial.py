"""Kill ``obskit build`` at random points and check what is left (tests/test_build_faults.py and
bench/build_kills.py).

A trial builds version A of a generated project into OUT, then version B (one objective changed)
into a reference folder, then starts builds of B into OUT and SIGKILLs each at a random instant of
its run. After each kill OUT must be exactly A's or B's output (file for file, byte for byte), and
no build process may survive its parent. After the last kill one build runs to completion: OUT is
B's output and nothing is left beside it but the lock file.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent

MODULE = '''
from obskit import SLO, AlertingPolicy, RatioSLI, presets

SLOS = []
for i in range({n}):
    service = f"svc-{{i % 20}}"
    if i % 2:
        sli = RatioSLI(total=f'http_requests_total{{{{job="{{service}}",route="r{{i}}"}}}}',
                       errors=f'http_requests_total{{{{job="{{service}}",route="r{{i}}",code=~"5.."}}}}')
    else:
        sli = presets.prometheus_client_http_latency(0.25, {{"job": service, "route": f"r{{i}}"}})
    SLOS.append(SLO(service=service, name=f"slo-{{i}}", objective={objective}, sli=sli,
                    alerting=AlertingPolicy(min_events=100)))
'''


def write_project(path: Path, n: int, objective: float) -> Path:
    (path / "slos").mkdir(parents=True, exist_ok=True)
    (path / "slos" / "generated.py").write_text(textwrap.dedent(MODULE.format(n=n, objective=objective)))
    return path


def snapshot(out: Path) -> Optional[Dict[str, bytes]]:
    """Every file under OUT (relative path → bytes); None when OUT does not exist."""
    if not out.is_dir():
        return None
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def debris(out: Path) -> List[str]:
    """What a build left beside OUT besides OUT, its lock file and its cache file (obskit/build_cache.py)."""
    return sorted(p.name for p in out.parent.iterdir()
                  if p.name.startswith(f".{out.name}.") and p.name not in (f".{out.name}.lock",
                                                                           f".{out.name}.obskit-cache"))


def build_cmd(project: Path, out: Path, verify: bool = True) -> List[str]:
    """``--no-cache``: these trials are about the swap, and re-building a project onto its own output would be
    a cache hit that swaps nothing (the cache's own faults: tests/test_build_cache.py)."""
    cmd = [sys.executable, "-m", "obskit", "build", str(project), "--out", str(out), "-q", "--no-cache"]
    return cmd + ([] if verify else ["--no-verify"])


def run_build(project: Path, out: Path, verify: bool = True, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(build_cmd(project, out, verify), capture_output=True, text=True, cwd=ROOT, env=env)


def survivors(out: Path) -> List[int]:
    """PIDs of processes still running a build into OUT (a render worker left behind)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if os.fsencode(str(out)) in cmdline and b"build" in cmdline:
            found.append(int(entry.name))
    return found


@dataclass
class Trial:
    kills: int = 0
    old: int = 0                 # OUT was A's output after the kill
    new: int = 0                 # OUT was B's output after the kill
    broken: List[str] = field(default_factory=list)     # what was wrong, per kill
    leftover: List[str] = field(default_factory=list)   # debris after the final build
    orphans: List[int] = field(default_factory=list)
    build_seconds: float = 0.0


def trial(tmp: Path, n_slos: int, kills: int, seed: int = 0, verify: bool = True) -> Trial:
    rng = random.Random(seed)
    a = write_project(tmp / "a", n_slos, 99.9)
    b = write_project(tmp / "b", n_slos, 99.5)
    out, ref = tmp / "out", tmp / "ref"
    for project, dest in ((a, out), (b, ref)):
        t0 = time.perf_counter()
        done = run_build(project, dest, verify)
        assert done.returncode == 0, done.stderr
    result = Trial(build_seconds=time.perf_counter() - t0)
    want_a, want_b = snapshot(out), snapshot(ref)
    assert want_a != want_b
    current = want_a
    for i in range(kills):
        proc = subprocess.Popen(build_cmd(b, out, verify), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, cwd=ROOT)
        time.sleep(rng.uniform(0.05, result.build_seconds * 1.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        result.kills += 1
        time.sleep(0.05)
        left = survivors(out)
        if left:
            result.orphans.extend(left)
            for pid in left:
                os.kill(pid, signal.SIGKILL)
        got = snapshot(out)
        if got == want_a:
            result.old += 1
        elif got == want_b:
            result.new += 1
        else:
            what = "missing" if got is None else f"{len(got)} files, neither output"
            result.broken.append(f"kill {i}: OUT {what}")
        if got is not None:
            current = got
        if rng.random() < 0.3 and current == want_b:
            # go back to A now and then, so later kills can catch the swap again
            done = run_build(a, out, verify)
            assert done.returncode == 0, done.stderr
            current = want_a
    done = run_build(b, out, verify)
    assert done.returncode == 0, done.stderr
    if snapshot(out) != want_b:
        result.broken.append("final build: OUT is not B's output")
    result.leftover = debris(out)
    return result
