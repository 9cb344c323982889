#!/usr/bin/env python3
"""Backtest speed: `obskit backtest` of N SLOs over 30 days at a 1-minute step, end to end against a
real Prometheus on 127.0.0.1 holding backfilled history (queries included).

    python bench/backtest.py                  # 1 SLO, then 100 SLOs
    python bench/backtest.py --slos 1 10      # smaller
    python bench/backtest.py --prometheus 2.42

Each SLO reads two counters (200s and 500s of its own job, scraped every minute, with an incident), so
N SLOs are 2N series of 43,200 samples. The history is written as OpenMetrics and backfilled with
`promtool tsdb create-blocks-from openmetrics` before the server starts (not timed). Then the whole
command (`python -m obskit backtest PROJECT --prometheus URL --from --to --output json`) is timed as a
process, and the same backtest once more in this process for the split: seconds spent in queries
(request and JSON decoding) against seconds computing. Targets: 1 SLO < 60 s, 100 SLOs < 10 min (2 cores).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import backtest_server as bs  # noqa: E402
import servers  # noqa: E402
from obskit.live.backtest.fetch import PrometheusSource  # noqa: E402
from obskit.live.backtest.run import backtest  # noqa: E402
from obskit.live.connection import PrometheusAPI  # noqa: E402
from obskit.loader import load_project  # noqa: E402

START, DAYS, STEP = 1_788_220_800, 30, 60
SLO = '''SLO(service="svc{i}", name="availability", objective=99.9,
    sli=RatioSLI(total='http_requests_total{{job="svc{i}"}}', errors='http_requests_total{{job="svc{i}",code=~"5.."}}'))'''


def write_history(path: Path, n: int) -> None:
    rng = np.random.default_rng(7)
    t = START + np.arange(0, DAYS * 86400, STEP) + 13
    with path.open("w") as fh:
        fh.write("# TYPE http_requests counter\n")
        for i in range(n):
            requests = rng.poisson(600, len(t)).astype(float)
            share = np.full(len(t), 0.0002)
            at = int(rng.integers(5 * 1440, 25 * 1440))
            share[at:at + int(rng.integers(20, 300))] = rng.choice([0.02, 0.1, 1.0])
            errors = rng.binomial(requests.astype(int), share).astype(float)
            for code, inc in (("200", requests - errors), ("500", errors)):
                fh.write("".join(f'http_requests_total{{code="{code}",job="svc{i}"}} {v:.0f} {s}\n'
                                 for v, s in zip(np.cumsum(inc), t)))
        fh.write("# EOF\n")


def write_project(root: Path, n: int) -> None:
    (root / "slos").mkdir(parents=True)
    body = "\n".join(f"s{i} = " + SLO.format(i=i) for i in range(n))
    (root / "slos" / "bench.py").write_text("from obskit import SLO, RatioSLI\n\n" + body + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--slos", type=int, nargs="+", default=[1, 100])
    ap.add_argument("--prometheus", default="3.16", help="server version (default 3.16)")
    args = ap.parse_args()
    prom, tool = servers.tools.pick("prometheus", args.prometheus), servers.tools.pick("promtool", "2.42")
    tmp = Path(tempfile.mkdtemp(prefix="obskit-bench-backtest-"))
    frm, to = START + 4 * 86400, START + DAYS * 86400
    try:
        most = max(args.slos)
        t0 = time.time()
        write_history(tmp / "history.om", most)
        bs.backfill_raw(tool.path, tmp / "history.om", tmp / "data")
        print(f"history: {most} SLOs x 2 series x {DAYS * 1440:,} samples, backfilled in {time.time() - t0:.0f} s "
              f"(not timed below); Prometheus {prom.version}, replay {DAYS - 4} days at 1m after a 4-day warm-up")
        with servers.start_prometheus(prom, tmp, "global:\n  evaluation_interval: 60s\n",
                                      args=[bs.RETENTION]) as server:
            for n in args.slos:
                project_dir = tmp / f"project-{n}"
                write_project(project_dir, n)
                t1 = time.perf_counter()
                r = subprocess.run([sys.executable, "-m", "obskit", "backtest", str(project_dir), "--prometheus",
                                    server.url, "--from", str(frm), "--to", str(to), "--output", "json",
                                    "--timeout", "300"], capture_output=True, text=True, cwd=ROOT)
                wall = time.perf_counter() - t1
                if r.returncode != 0:
                    raise SystemExit(f"obskit backtest failed ({r.returncode}): {r.stderr[-2000:]}")
                project = load_project(project_dir)
                source = PrometheusSource(PrometheusAPI(server.url, timeout=300), url=server.url)
                t2 = time.perf_counter()
                bt = backtest(project, source, project.slos, frm, to)
                inproc = time.perf_counter() - t2
                q, c = bt.timings.query, bt.timings.compute
                print(f"{n:>4} SLOs: end to end {wall:6.1f} s ({wall / n:.2f} s per SLO); in process {inproc:.1f} s: "
                      f"queries {q:.1f} s ({q / inproc:.0%}, {bt.timings.requests} requests), "
                      f"computing {c:.1f} s ({c / inproc:.0%})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
