#!/usr/bin/env python3
"""Kill `obskit build` at random instants and check that OUT survives (issue #20's trial).

Builds a generated project of N SLOs (default 2,000) into OUT, then starts builds of a changed
version and SIGKILLs each at a random point of its run (load, render, the forked dashboard worker,
verify with promtool/amtool, the swap). After each kill OUT must be exactly the old or the new
output and no build process may be left running; after the last, one build runs to completion and
nothing may be left beside OUT but its lock file. Prints the counts; exit 1 when any check failed.

    .venv/bin/python bench/build_kills.py [--slos 2000] [--kills 50] [--seed 0] [--no-verify]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from kill_trial import trial  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slos", type=int, default=2000)
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-verify", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        r = trial(Path(tmp), args.slos, args.kills, args.seed, verify=not args.no_verify)
    print(f"{args.slos} SLOs, one build {r.build_seconds:.1f} s; {r.kills} kills: "
          f"OUT old {r.old}, new {r.new}, broken {len(r.broken)}; orphaned workers {len(r.orphans)}; "
          f"debris after the next build {r.leftover or 'none'}; {time.perf_counter() - t0:.0f} s in all")
    for line in r.broken:
        print("  " + line)
    return 1 if r.broken or r.orphans or r.leftover else 0


if __name__ == "__main__":
    sys.exit(main())
