#!/usr/bin/env python3
"""Test-speed benchmark: `obskit test` on N generated SLOs, and bare promtool on the same files.

    python bench/test_speed.py              # 100 SLOs, 4 distinct alerting policies
    python bench/test_speed.py --slos 20

Prints obskit's wall time, the number of promtool runs, the wall time of running the very same
test files with bare `promtool test rules` (same parallelism), and obskit's overhead ratio.
"""
from __future__ import annotations

import argparse
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


def _children_cpu() -> float:
    """User + system CPU seconds of finished child processes (promtool runs included)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--slos", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proj, keep = Path(tmp) / "p", Path(tmp) / "files"
        (proj / "slos").mkdir(parents=True)
        (proj / "slos" / "generated.py").write_text(textwrap.dedent(MODULE.format(n=args.slos)))
        c0 = _children_cpu()
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "obskit", "test", str(proj), "-j", str(args.jobs), "--keep", str(keep)],
                           capture_output=True, text=True)
        obskit_s = time.perf_counter() - t0
        obskit_cpu = _children_cpu() - c0
        # bare promtool gets the same head start obskit gives itself: longest files first
        tests = sorted(keep.glob("*.test.yml"), key=lambda p: (-p.stat().st_size, p.name))
        full = sum(1 for p in tests if p.name.endswith("-timing.test.yml"))

        def bare(path: Path) -> int:
            return subprocess.run(["promtool", "test", "rules", path.name], cwd=keep, capture_output=True).returncode

        c1 = _children_cpu()
        t1 = time.perf_counter()
        with ThreadPoolExecutor(args.jobs) as pool:
            codes = list(pool.map(bare, tests))
        bare_s = time.perf_counter() - t1
        bare_cpu = _children_cpu() - c1
        print(f"SLOs: {args.slos}; promtool files: {len(tests)} ({full} per-tier timing files); "
              f"parallel jobs: {args.jobs}; load average at the end: {os.getloadavg()[0]:.1f}")
        print(f"obskit test:        {obskit_s:7.1f} s wall, {obskit_cpu:7.1f} s CPU  (exit {r.returncode})")
        print(f"bare promtool:      {bare_s:7.1f} s wall, {bare_cpu:7.1f} s CPU  "
              f"({sum(c != 0 for c in codes)} failing files)")
        print(f"obskit / promtool:  {obskit_s / bare_s:7.2f}  (target <= 1.2; obskit test target <= 120 s for 100 SLOs)")
        if r.returncode:
            print(r.stdout[-2000:], r.stderr[-2000:])


if __name__ == "__main__":
    main()
