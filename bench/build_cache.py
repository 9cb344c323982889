#!/usr/bin/env python3
"""Build-cache benchmark: `obskit build` of N generated SLOs (bench/build_scale.py's project), then
again with nothing changed, with a file touched (same bytes), and with one file changed.

    python bench/build_cache.py                  # 10,000 SLOs, verification on (the default build)
    python bench/build_cache.py 2000 --no-verify --compare

Each build is a fresh `python -m obskit build` process; its wall time includes Python's start and
obskit's import. "in-process" is the second build's `build()` call alone. Goal (issue #18): a second
build with nothing changed under 1 s at 10,000 SLOs. With --compare, OUT after the cached build is
compared byte for byte with a clean build (`--no-cache`) into another folder.

obskit's own files are part of the cache's key, so in a checkout that others edit while this runs a
"nothing changed" build may rightly be a full one. --frozen runs every build from a copy of the
obskit package taken at the start (same tools: OBSKIT_TOOLS_DIR points at this checkout's .tools/bin).
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOAL_S = 1.0


def _scale_module() -> str:
    spec = importlib.util.spec_from_file_location("build_scale", HERE / "build_scale.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.MODULE


RUN = {"cwd": HERE.parent, "env": None}


def freeze(tmp: Path) -> None:
    """Run obskit from a copy of its package from now on."""
    import shutil
    copy = tmp / "frozen"
    shutil.copytree(HERE.parent / "obskit", copy / "obskit", ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, PYTHONPATH=str(copy), OBSKIT_TOOLS_DIR=str(HERE.parent / ".tools" / "bin"))
    RUN.update(cwd=copy, env=env)


def _children_cpu() -> float:
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


CPU = []      # CPU seconds of each cli() call (its process and the tools it ran)


def cli(proj: Path, out: Path, *extra: str) -> tuple:
    c0 = _children_cpu()
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "obskit", "build", str(proj), "--out", str(out), "--output", "json",
                        *extra], capture_output=True, text=True, cwd=RUN["cwd"], env=RUN["env"])
    took = time.perf_counter() - t0
    CPU.append(_children_cpu() - c0)
    if r.returncode:
        raise SystemExit(r.stdout[-2000:] + r.stderr[-2000:])
    return took, json.loads(r.stdout)["cached"]


def tree_digest(out: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(out.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(out)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


IN_PROCESS = '''
import sys, time
from obskit.build import build
t = time.perf_counter()
r = build(sys.argv[1], sys.argv[2], verify=sys.argv[3] == "1")
print(time.perf_counter() - t, r.cached)
'''


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("slos", nargs="?", type=int, default=10000)
    ap.add_argument("--no-verify", action="store_true", help="build without promtool/amtool checks")
    ap.add_argument("--repeat", type=int, default=5, help="cached builds to time (min/median/max)")
    ap.add_argument("--compare", action="store_true", help="also compare with a clean build, byte for byte")
    ap.add_argument("--frozen", action="store_true", help="run obskit from a copy of its package (see above)")
    args = ap.parse_args()
    extra = ("--no-verify",) if args.no_verify else ()
    with tempfile.TemporaryDirectory() as tmp:
        proj, out = Path(tmp) / "p", Path(tmp) / "out"
        if args.frozen:
            freeze(Path(tmp))
        (proj / "slos").mkdir(parents=True)
        module = proj / "slos" / "generated.py"
        module.write_text(textwrap.dedent(_scale_module().format(n=args.slos)))
        print(f"SLOs: {args.slos}; verify: {not args.no_verify}; cores: {os.cpu_count()}; "
              f"load average at the start: {os.getloadavg()[0]:.1f}")
        full, _ = cli(proj, out, *extra)
        files = sum(1 for p in out.rglob("*") if p.is_file())
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        print(f"clean build:               {full:7.2f} s  ({CPU[-1]:.2f} CPU s; {files} files, {size / 1e6:.0f} MB)")
        times, hits = [], []
        del CPU[:]
        for _ in range(args.repeat):
            took, cached = cli(proj, out, *extra)
            times.append(took)
            hits.append(cached)
        print(f"nothing changed (CLI):     {min(times):7.2f} / {statistics.median(times):.2f} / {max(times):.2f} s "
              f"min/median/max of {args.repeat} ({statistics.median(CPU):.2f} CPU s median), "
              f"cached {sum(hits)} of {args.repeat}; "
              f"ratio to the {GOAL_S:.0f} s goal {statistics.median(times) / GOAL_S:.2f}")
        r = subprocess.run([sys.executable, "-c", IN_PROCESS, str(proj), str(out), "0" if args.no_verify else "1"],
                           capture_output=True, text=True, cwd=RUN["cwd"], env=RUN["env"])
        seconds, cached = r.stdout.split()
        print(f"nothing changed (build()): {float(seconds):7.3f} s  (cached: {cached})")
        os.utime(module, ns=(1, 1))
        took, cached = cli(proj, out, *extra)
        print(f"touched, same bytes (CLI): {took:7.2f} s  ({CPU[-1]:.2f} CPU s; cached: {cached})")
        module.write_text(module.read_text() + "\n# one more line\n")
        took, cached = cli(proj, out, *extra)
        print(f"one file changed (CLI):    {took:7.2f} s  ({CPU[-1]:.2f} CPU s; cached: {cached})")
        if args.compare:
            before = tree_digest(out)
            cli(proj, Path(tmp) / "clean", "--no-cache", *extra)
            print(f"cached OUT == clean build: {before == tree_digest(Path(tmp) / 'clean')}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
