#!/usr/bin/env python3
"""Build-scale benchmark: `obskit build` of N generated SLOs, verified as the default build verifies
(promtool, amtool, Grafana schemas); prints wall time, peak memory, the ratio to the goal and the
phase table.

    python bench/build_scale.py                 # 1,000 and 10,000 SLOs
    python bench/build_scale.py 1000 10000 50000 --no-verify
    python bench/build_scale.py 2000 --no-phases

Each size runs in a fresh subprocess so that peak RSS (ru_maxrss) belongs to that build alone.
SLOs are spread over 100 services (one rule file each) and mix ratio and latency SLIs. "CPU s" is
the build's process time, "tools CPU s" that of the programs it ran (promtool, amtool): on a shared
machine they move less than the wall time. The goal (issue #18): 10,000 SLOs in at most 5 s and
600 MB on 2 cores, verification on; "x goal" is the figure divided by the goal (1 or less meets it),
for other sizes the time goal scaled linearly. The phase table gives each phase's wall and CPU
seconds (importing the definition modules, each project check, each target's render and verify,
writing); phases overlap (a forked render, verification threads and tools), phases under 0.01 s are
left out.
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
import collections, inspect, json, resource, sys, time
import obskit.build, obskit.loader
from obskit.build import build

phases = collections.Counter()
# a clean build every time: no second-build cache, if this obskit has one
CACHE_OFF = {"cache": False} if "cache" in inspect.signature(build).parameters else {}


walls = collections.Counter()


def timed(name, fn):
    def wrapper(*args, **kwargs):
        t, w = time.process_time(), time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            phases[name] += time.process_time() - t
            walls[name] += time.perf_counter() - w
    return wrapper


def timed_method(kind, cls):
    method = getattr(cls, kind)

    def wrapper(self, *args, **kwargs):
        return timed(f"{kind} {self.name}", method.__get__(self))(*args, **kwargs)
    return wrapper


if sys.argv[4] == "1":      # per-phase timings: the loader's steps, the checks, the targets (by class: a
    # target keeps its own attributes, so a forked render and verification beside the others still happen;
    # a forked render is timed in its child, so within "render (all targets)" only)
    obskit.loader._import = timed("import modules", obskit.loader._import)
    obskit.loader.PROJECT_CHECKS = tuple(timed(f"check {c.__name__}", c) for c in obskit.loader.PROJECT_CHECKS)
    for target in obskit.build.targets():
        for kind in ("render", "verify"):
            setattr(type(target), kind, timed_method(kind, type(target)))
    obskit.build.render_project = timed("render (all targets)", obskit.build.render_project)
    obskit.build.verify_files = timed("verify (all targets)", obskit.build.verify_files)
    obskit.build._write_tree = timed("write files", obskit.build._write_tree)
t0, c0 = time.perf_counter(), time.process_time()
result = build(sys.argv[1], sys.argv[2], verify=sys.argv[3] == "1", **CACHE_OFF)
elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
size = sum(len(b) for b in result.files.values())
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "tool_cpu_seconds": children.ru_utime + children.ru_stime,
                  "files": len(result.files), "bytes": size, "phases": dict(phases), "walls": dict(walls)}))
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


GOAL_SLOS, GOAL_SECONDS, GOAL_MB = 10_000, 5.0, 600


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    ap.add_argument("--no-verify", action="store_true",
                    help="do not verify (the default build runs promtool check rules, Grafana schema validation, ...)")
    ap.add_argument("--verify", action="store_true", help=argparse.SUPPRESS)     # the default, kept for old calls
    ap.add_argument("--no-phases", action="store_true", help="leave out the phase table")
    args = ap.parse_args()
    verify = not args.no_verify
    print(f"{'SLOs':>8} {'build s':>9} {'CPU s':>7} {'tools CPU s':>12} {'peak RSS MB':>12} {'files':>6} {'MB out':>7} "
          f"{'ms/SLO':>7} {'x goal s':>9} {'x goal MB':>10}" + ("" if verify else "   (not verified)"))
    for n in args.sizes:
        d = run(n, verify, not args.no_phases)
        goal_s = GOAL_SECONDS * n / GOAL_SLOS
        print(f"{n:>8} {d['seconds']:>9.2f} {d['cpu_seconds']:>7.2f} {d['tool_cpu_seconds']:>12.2f} "
              f"{d['peak_rss_mb']:>12.0f} {d['files']:>6} {d['bytes'] / 1e6:>7.1f} {1000 * d['seconds'] / n:>7.2f} "
              f"{d['seconds'] / goal_s:>9.2f} {d['peak_rss_mb'] / GOAL_MB:>10.2f}")
        if d["phases"]:
            print(f"{'':>8} {'wall s':>9} {'CPU s':>7}  phase")
        for name, seconds in sorted(d["phases"].items(), key=lambda kv: -d["walls"].get(kv[0], 0)):
            wall = d["walls"].get(name, 0)
            if max(seconds, wall) >= 0.01:
                print(f"{'':>8} {wall:>9.2f} {seconds:>7.2f}  {name}")
    print(f"goal: {GOAL_SLOS:,} SLOs built in <= {GOAL_SECONDS:g} s and <= {GOAL_MB} MB on 2 cores, verified "
          f"(x goal <= 1 meets it; the time goal scaled linearly for other sizes)")


if __name__ == "__main__":
    main()
