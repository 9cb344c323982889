#!/usr/bin/env python3
"""Build-scale benchmark: `obskit build` of N generated SLOs; prints wall time and peak memory.

    python bench/build_scale.py                 # 1,000 and 10,000 SLOs
    python bench/build_scale.py 1000 10000 50000 --verify
    python bench/build_scale.py 2000 --phases     # CPU time per phase

Each size runs in a fresh subprocess so that peak RSS (ru_maxrss) belongs to that build alone.
SLOs are spread over 100 services (one rule file each) and mix ratio and latency SLIs. "CPU s" is
the build's process time: on a shared machine it moves less than the wall time. With --phases, the
CPU seconds of each phase (importing the definition modules, each project check, each target's
render and verify, writing) follow the totals; phases under 0.01 s are left out.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

MODULE = '''
from obskit import SLO, AlertingPolicy, RatioSLI, presets

SLOS = []
for i in range({n}):
    service = f"svc-{{i % 100}}"
    if i % 2:
        sli = RatioSLI(total=f'http_requests_total{{{{job="{{service}}",route="r{{i}}"}}}}',
                       errors=f'http_requests_total{{{{job="{{service}}",route="r{{i}}",code=~"5.."}}}}')
    else:
        sli = presets.prometheus_client_http_latency(0.25, {{"job": service, "route": f"r{{i}}"}})
    SLOS.append(SLO(service=service, name=f"slo-{{i}}", objective=99.9, sli=sli,
                    alerting=AlertingPolicy(min_events=100)))
'''

CHILD = '''
import collections, json, resource, sys, time
import obskit.build, obskit.loader
from obskit.build import build

phases = collections.Counter()


def timed(name, fn):
    def wrapper(*args, **kwargs):
        t = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            phases[name] += time.process_time() - t
    return wrapper


class Timed:
    def __init__(self, target):
        self.target, self.name = target, target.name
        self.render = timed(f"render {target.name}", target.render)
        self.verify = timed(f"verify {target.name}", target.verify)


if sys.argv[4] == "1":      # per-phase timings: wrap the loader's steps, the checks and the targets
    obskit.loader._import = timed("import modules", obskit.loader._import)
    obskit.loader.PROJECT_CHECKS = tuple(timed(f"check {c.__name__}", c) for c in obskit.loader.PROJECT_CHECKS)
    targets = obskit.build.targets
    obskit.build.targets = lambda: tuple(Timed(t) for t in targets())
    obskit.build._write_tree = timed("write files", obskit.build._write_tree)
t0, c0 = time.perf_counter(), time.process_time()
result = build(sys.argv[1], sys.argv[2], verify=sys.argv[3] == "1")
elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
size = sum(len(b) for b in result.files.values())
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "files": len(result.files), "bytes": size, "phases": dict(phases)}))
'''


def run(n: int, verify: bool, phases: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        proj = Path(tmp) / "p"
        (proj / "slos").mkdir(parents=True)
        (proj / "slos" / "generated.py").write_text(textwrap.dedent(MODULE.format(n=n)))
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD, str(proj), str(Path(tmp) / "out"), "1" if verify else "0",
                              "1" if phases else "0"],
                             capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(out.stderr)
        data = json.loads(out.stdout.strip().splitlines()[-1])
        data["process_seconds"] = time.perf_counter() - t0
        return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    ap.add_argument("--verify", action="store_true",
                    help="also verify (promtool check rules, Grafana schema validation, ...)")
    ap.add_argument("--phases", action="store_true", help="print the time spent in each build phase")
    args = ap.parse_args()
    print(f"{'SLOs':>8} {'build s':>9} {'CPU s':>7} {'process s':>10} {'peak RSS MB':>12} {'files':>6} {'MB out':>7} "
          f"{'ms/SLO':>7}")
    for n in args.sizes:
        d = run(n, args.verify, args.phases)
        print(f"{n:>8} {d['seconds']:>9.2f} {d['cpu_seconds']:>7.2f} {d['process_seconds']:>10.2f} {d['peak_rss_mb']:>12.0f} "
              f"{d['files']:>6} {d['bytes'] / 1e6:>7.1f} {1000 * d['seconds'] / n:>7.2f}")
        for name, seconds in sorted(d["phases"].items(), key=lambda kv: -kv[1]):
            if seconds >= 0.01:
                print(f"{'':>8} {'':>9} {seconds:>7.2f}  {name}")


if __name__ == "__main__":
    main()
