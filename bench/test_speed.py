#!/usr/bin/env python3
"""Test-speed benchmark: `obskit test` on N generated SLOs, per promtool version, and bare promtool
on the same files.

    python bench/test_speed.py                      # 100 SLOs, 4 distinct alerting policies, every promtool
    python bench/test_speed.py --slos 20 --promtool 2.42

For each installed promtool version (or each ``--promtool`` prefix): obskit's wall time (``obskit
test --promtool V``), the promtool invocations and test files it ran, the wall time of running the
very same files with that bare promtool (one file per invocation, the same parallelism), and the
ratio. The goal (issue #18) is <= 60 s per promtool version for 100 SLOs on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

MODULE = '''
from obskit import SLO, AlertingPolicy, RatioSLI, presets

OBJECTIVES = (99.9, 99.5, 99.0, 99.95)
SLOS = []
for i in range({n}):
    service = f"svc-{{i}}"
    SLOS.append(SLO(service=service, name="availability", objective=OBJECTIVES[i % len(OBJECTIVES)],
                    sli=RatioSLI(total=f'http_requests_total{{{{job="{{service}}"}}}}',
                                 errors=f'http_requests_total{{{{job="{{service}}",code=~"5.."}}}}'),
                    alerting=AlertingPolicy(min_events=100)))
'''

GOAL_S = 60.0


def _children_cpu() -> float:
    """User + system CPU seconds of finished child processes (promtool runs included)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _versions(wanted):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from obskit.verify import tools
    found = tools.installed("promtool")
    return [t for t in found if not wanted or any(t.matches(w) for w in wanted)]


def planned_runs(proj: Path, jobs: int) -> tuple:
    """(promtool runs, files) of the generated timing tests, as obskit.verify.runner batches them."""
    from obskit.compile.project import compile_project
    from obskit.loader import load_project
    from obskit.verify import runner, timing
    files, proven = [], set()
    for c in compile_project(load_project(proj)).slos:
        key = timing.policy_key(c.slo)
        files += timing.plan(c, full=key not in proven).files
        proven.add(key)
    return len(runner.batches(files, jobs)), len(files)


def one_version(proj: Path, tmp: Path, tool, jobs: int, bare: bool) -> None:
    keep = tmp / f"files-{tool.version}"
    c0 = _children_cpu()
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "obskit", "test", str(proj), "-j", str(jobs), "--keep", str(keep),
                        "--promtool", tool.version, "--output", "json"],
                       capture_output=True, text=True)
    obskit_s = time.perf_counter() - t0
    obskit_cpu = _children_cpu() - c0
    try:
        report = json.loads(r.stdout)
    except ValueError:
        print(r.stdout[-2000:], r.stderr[-2000:])
        raise SystemExit(f"obskit test --promtool {tool.version} did not report (exit {r.returncode})")
    runs = [x for x in report["runs"] if x["tool"] == tool.label]
    tests = sum(len(x["tests"]) for x in runs)
    failed = sum(len(x["failed"]) for x in runs)
    files = sorted(keep.rglob("*.test.yml"), key=lambda p: (-p.stat().st_size, str(p)))
    print(f"{tool.label}: obskit test {obskit_s:6.1f} s wall, {obskit_cpu:6.1f} s CPU (exit {r.returncode}); "
          f"{len(files)} test files, {tests} tests, {failed} failed; "
          f"ratio to the {GOAL_S:.0f} s goal {obskit_s / GOAL_S:.2f}")
    if not bare:
        return

    def run_bare(path: Path) -> int:
        return subprocess.run([tool.path, "test", "rules", path.name], cwd=path.parent, capture_output=True).returncode

    c1 = _children_cpu()
    t1 = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        codes = list(pool.map(run_bare, files))
    bare_s = time.perf_counter() - t1
    print(f"{'':>{len(tool.label)}}  bare promtool, one file a run: {bare_s:6.1f} s wall, "
          f"{_children_cpu() - c1:6.1f} s CPU ({sum(c != 0 for c in codes)} failing files); "
          f"obskit / bare {obskit_s / bare_s:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--slos", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--promtool", action="append", default=[], metavar="VERSION",
                    help="only this installed promtool version (a prefix; repeatable)")
    ap.add_argument("--no-bare", action="store_true", help="skip the bare-promtool comparison")
    args = ap.parse_args()
    versions = _versions(args.promtool)
    if not versions:
        raise SystemExit("no promtool found")
    with tempfile.TemporaryDirectory() as tmp:
        proj = Path(tmp) / "p"
        (proj / "slos").mkdir(parents=True)
        (proj / "slos" / "generated.py").write_text(textwrap.dedent(MODULE.format(n=args.slos)))
        runs, count = planned_runs(proj, args.jobs)
        print(f"SLOs: {args.slos}; parallel jobs: {args.jobs}; cores: {os.cpu_count()}; "
              f"load average at the start: {os.getloadavg()[0]:.1f}; generated timing tests: {count} files "
              f"in {runs} promtool runs per version")
        for tool in versions:
            one_version(proj, Path(tmp), tool, args.jobs, not args.no_bare)
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
