"""Benchmark obskit apply against the Grafana stand-in.

For each concurrency (1, 4, 8): a fresh stand-in, apply N dashboards (first run: everything is
created), then apply again (second run: the target is 0 writes). Prints wall time, requests and writes.

The stand-in runs in its own process (so it does not share the interpreter lock with the client) and
answers in about a millisecond; a real Grafana takes longer. ``--latency`` adds a fixed server-side
delay per request (default 5 ms) so the effect of concurrency is visible.

    python bench/apply.py [--dashboards 500] [--latency 0.005] [--concurrency 1 4 8]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from grafana_standin import dashboard, write_output  # noqa: E402
from obskit.apply.apply import execute  # noqa: E402
from obskit.apply.client import Credentials, GrafanaClient  # noqa: E402
from obskit.apply.local import read_output  # noqa: E402
from obskit.apply.plan import make_plan  # noqa: E402


def one_run(url: str, token: str, local, concurrency: int):
    client = GrafanaClient(url, Credentials("bearer", token), pool_size=concurrency)
    t0 = time.perf_counter()
    plan = make_plan(client, local, concurrency=concurrency)
    result = execute(client, plan, concurrency=concurrency)
    wall = time.perf_counter() - t0
    return wall, client.stats, result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dashboards", type=int, default=500)
    ap.add_argument("--folders", type=int, default=10)
    ap.add_argument("--latency", type=float, default=0.005, help="seconds added per request by the stand-in")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folders = {f"team-{i:02d}": f"Team {i:02d}" for i in range(args.folders)}
        names = sorted(folders)
        dash = {f: [] for f in names}
        for i in range(args.dashboards):
            dash[names[i % len(names)]].append(dashboard(f"bench-{i:04d}", f"Bench dashboard {i:04d}", panels=6))
        local = read_output(write_output(Path(tmp), folders, dash), environ={})

        print(f"obskit apply: {args.dashboards} dashboards in {args.folders} folders, "
              f"stand-in latency {args.latency * 1000:.1f} ms/request")
        print(f"{'concurrency':>11} {'run':>6} {'wall s':>8} {'requests':>9} {'writes':>7} "
              f"{'created':>8} {'unchanged':>10} {'failed':>7}")
        status = 0
        for n in args.concurrency:
            server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "grafana_standin.py"),
                                       "--latency", str(args.latency)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
            try:
                url, token = server.stdout.readline().split()
                for run in ("first", "second"):
                    wall, stats, result = one_run(url, token, local, n)
                    c = result.counts
                    print(f"{n:>11} {run:>6} {wall:>8.2f} {stats.requests:>9} {stats.writes:>7} "
                          f"{c['created']:>8} {c['unchanged']:>10} {c['failed']:>7}")
                    if run == "second" and stats.writes:
                        print("  !! the second apply wrote something", file=sys.stderr)
                        status = 1
            finally:
                server.stdin.close()
                if server.wait(timeout=30) != 0:
                    print("  !! the stand-in saw contract violations", file=sys.stderr)
                    status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
