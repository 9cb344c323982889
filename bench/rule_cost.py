#!/usr/bin/env python3
"""Rule-cost benchmark: Sloth's rule shape, Pyrra's and obskit's default, each in its own real
Prometheus on 127.0.0.1 over the same backfilled history, under every Prometheus version given.

    python bench/rule_cost.py                      # 100 SLOs x 30 series, 74 h, 5 runs, 3.16.0 and 2.42
    python bench/rule_cost.py --slos 20 --runs 3   # quicker

Two figures per shape:

- **samples touched per minute** (deterministic): Prometheus's own query statistics (``stats=all`` on
  the query API, ``totalQueryableSamples``) of every rule's expression evaluated at one instant on the
  evaluation grid, the same for every shape, times how often its group runs per minute. The same data
  and code give the same count on every run and machine.
- **CPU per evaluation cycle** (noisy): the Prometheus process's user+system CPU over a span that holds
  a whole number of every group's evaluations (its groups' least common interval, at least 4m), divided
  into cycles of the global evaluation interval; min/median/max over ``--runs`` runs. In each run all the
  shapes (and versions) run side by side, started in an order that rotates from run to run, so a change
  in the machine's load falls on every shape alike; missed group iterations (a group that overran its
  interval) are counted and reported, since they would make a shape look cheaper than it is.

History (bench/rule_history.py): raw counters for N SLOs (15 instances x 2 status codes, 1m samples)
and the recorded series the shapes read back over long windows (obskit's base rates, Sloth's 5m ratio
behind its 30-day mean), backfilled once with promtool and compacted as a running Prometheus holds
them; each Prometheus gets hard links to those blocks (its own compaction off, so they stay as they
are) and scrapes the same counters, continuing live, from an exporter on 127.0.0.1. The 30-day windows
read only the history there is (74 h by default): the raw shapes' long windows are undercounted, so
the ratios against them are conservative. A run whose Prometheus logs discarded results or errors is
reported: its figures would be wrong.
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from obskit import SLO, RatioSLI  # noqa: E402
from obskit.compile.ir import RuleFile, RuleGroup  # noqa: E402
from obskit.compile.slo import compile_slo  # noqa: E402
from obskit.project import Settings  # noqa: E402
from obskit.render import prometheus_rules  # noqa: E402
from obskit.verify.tools import pick  # noqa: E402
from rule_history import INSTANCES, Counters, compact, free_port, has, write_openmetrics  # noqa: E402
from rule_shapes import pyrra_groups, sloth_groups  # noqa: E402

SHAPES = ("sloth", "pyrra", "obskit", "idle")   # idle: no rules, the process's own CPU
MIN_SPAN = 240


def slos(n: int) -> List[SLO]:
    return [SLO(service=f"svc{i}", name="availability", objective=99.9,
                sli=RatioSLI(total=f'http_requests_total{{job="svc{i}"}}',
                             errors=f'http_requests_total{{job="svc{i}",code=~"5.."}}')) for i in range(n)]


def groups_for(shape: str, definitions: Sequence[SLO], interval: int) -> Tuple[RuleGroup, ...]:
    if shape == "sloth":
        return tuple(g for s in definitions for g in sloth_groups(s))
    if shape == "pyrra":
        return tuple(g for s in definitions for g in pyrra_groups(s))
    if shape == "idle":
        return ()
    settings = Settings(evaluation_interval=interval)
    return tuple(g for s in definitions for g in compile_slo(s, settings).groups())


def _every(group: RuleGroup, interval: int) -> int:
    return group.interval.seconds if group.interval is not None else interval


def span_for(groups: Sequence[RuleGroup], interval: int, minimum: int = MIN_SPAN) -> int:
    """The shortest span (at least MIN_SPAN) holding a whole number of every group's evaluations."""
    lcm = 1
    for every in {_every(g, interval) for g in groups} or {interval}:
        lcm = lcm * every // math.gcd(lcm, every)
    return lcm * max(1, -(-minimum // lcm))


class _Run:
    """One Prometheus of one version with one shape's rules on hard links to the backfilled blocks."""

    def __init__(self, tool, shape: str, blocks: Path, workdir: Path, interval: int, span: int):
        self.tool, self.shape, self.span = tool, shape, span
        data = workdir / "data"
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        for block in blocks.iterdir():
            if (block / "meta.json").exists():          # blocks only: never another process's WAL
                shutil.copytree(block, data / block.name, copy_function=os.link)
        self.port = free_port()
        self.log = (workdir / "prometheus.log").open("w")
        self.proc = subprocess.Popen(
            [tool.path, f"--config.file={workdir / 'prometheus.yml'}", f"--storage.tsdb.path={data}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=60d",
             "--storage.tsdb.min-block-duration=2h", "--storage.tsdb.max-block-duration=2h", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=self.log, cwd=workdir)
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir

    def wait_ready(self, timeout: float = 300) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"{self.tool.label} ({self.shape}) did not start:\n"
                         + (self.workdir / "prometheus.log").read_text()[-3000:])

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def get(self, path: str, **params) -> dict:
        url = f"{self.url}{path}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=120) as r:
            return json.load(r)

    def metric_sum(self, name: str) -> float:
        return sum(float(v["value"][1]) for v in self.get("/api/v1/query", query=name)["data"]["result"])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def samples_per_minute(run: _Run, groups: Sequence[RuleGroup], at: int, interval: int) -> Tuple[float, int]:
    """Sum over rules of the samples each expression touches at ``at``, times its group's runs a minute."""
    total, rules = 0.0, 0
    for g in groups:
        per_minute = 60 / _every(g, interval)
        for r in g.rules:
            stats = run.get("/api/v1/query", query=r.expr, time=at, stats="all")["data"]["stats"]
            total += stats["samples"]["totalQueryableSamples"] * per_minute
            rules += 1
    return total, rules


def prepare(args, tmp: Path) -> Tuple[Path, Dict[str, Tuple[RuleGroup, ...]], int]:
    now = int(time.time())
    at = now // args.interval * args.interval               # the instant of the sample counts, on the grid
    start, end = at - args.hours * 3600, at     # history up to now; the exporter serves the counters from then on
    t0 = time.time()
    lines = write_openmetrics(tmp / "data.om", args.slos, start, end, args.interval)
    t1 = time.time()
    promtool = pick("promtool", "3").path if has("promtool", "3") else pick("promtool").path
    subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(tmp / "data.om"), str(tmp / "blocks")],
                   check=True, capture_output=True)
    (tmp / "data.om").unlink()
    t2 = time.time()
    print(f"history: {args.slos} SLOs x {2 * INSTANCES} series, {args.hours} h, {lines:,} samples "
          f"(write {t1 - t0:.0f} s, backfill {t2 - t1:.0f} s with {promtool})", flush=True)
    blocks = compact(tmp / "blocks", tmp / "compact")
    print(f"compacted promtool's 2h blocks into {blocks} (as a running Prometheus holds them) "
          f"in {time.time() - t2:.0f} s", flush=True)
    definitions = slos(args.slos)
    return tmp / "blocks", {s: groups_for(s, definitions, args.interval) for s in args.shapes}, at, start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--slos", type=int, default=100)
    ap.add_argument("--hours", type=int, default=74)
    ap.add_argument("--runs", type=int, default=5, help="CPU runs per shape and version (min/median/max)")
    ap.add_argument("--interval", type=int, default=30, help="global evaluation interval in seconds")
    ap.add_argument("--versions", default="3.16.0,2.42", help="Prometheus versions, comma-separated")
    ap.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated subset of " + ", ".join(SHAPES))
    ap.add_argument("--min-span", type=int, default=MIN_SPAN, help="shortest CPU span in seconds")
    args = ap.parse_args()
    args.shapes = [s for s in args.shapes.split(",") if s]
    tools = [pick("prometheus", v) for v in args.versions.split(",") if v]
    tmp = Path(tempfile.mkdtemp(prefix="obskit-rule-cost-"))
    try:
        blocks, groups, at, start = prepare(args, tmp)
        counters = Counters(args.slos, start)
        spans = {s: span_for(groups[s], args.interval, args.min_span) for s in args.shapes}
        if "idle" in spans:               # the idle process is measured over the longest span of the run
            spans["idle"] = max(spans.values())
        for s in args.shapes:
            d = tmp / s
            d.mkdir()
            prometheus_rules_file = d / "rules.yml"
            prometheus_rules_file.write_bytes(prometheus_rules.render(RuleFile(s, groups[s])))
            (d / "prometheus.yml").write_text(
                f"global:\n  evaluation_interval: {args.interval}s\nrule_files:\n  - rules.yml\n"
                + counters.scrape_config())
        cpu: Dict[Tuple[str, str], List[float]] = {}
        missed: Dict[Tuple[str, str], float] = {}
        samples: Dict[Tuple[str, str], Tuple[float, int]] = {}
        loads = []
        for n in range(args.runs):
            order = args.shapes[n % len(args.shapes):] + args.shapes[:n % len(args.shapes)]
            runs = []
            for s in order:
                for tool in tools:
                    work = tmp / s / tool.version
                    work.mkdir(exist_ok=True)
                    for f in ("rules.yml", "prometheus.yml"):
                        shutil.copy(tmp / s / f, work / f)
                    runs.append(_Run(tool, s, blocks, work, args.interval, spans[s]))
            try:
                for r in runs:
                    r.wait_ready()
                time.sleep(3)
                begin = {id(r): (time.time(), r.cpu(), r.metric_sum("prometheus_rule_group_iterations_missed_total"))
                         for r in runs}
                loads.append(os.getloadavg()[0])
                pending = sorted(runs, key=lambda r: begin[id(r)][0] + r.span)
                for r in pending:
                    t0, c0, m0 = begin[id(r)]
                    time.sleep(max(0.0, t0 + r.span - time.time()))
                    used, elapsed = r.cpu() - c0, time.time() - t0
                    key = (r.shape, r.tool.version)
                    cpu.setdefault(key, []).append(used / elapsed * args.interval)
                    missed[key] = missed.get(key, 0) + r.metric_sum("prometheus_rule_group_iterations_missed_total") - m0
                if n == 0:
                    for r in runs:
                        samples[(r.shape, r.tool.version)] = samples_per_minute(r, groups[r.shape], at, args.interval)
            finally:
                for r in runs:
                    r.stop()
            for r in runs:
                log = (r.workdir / "prometheus.log").read_text()
                if "discarded" in log or "level=error" in log or "level=ERROR" in log:
                    print(f"warning: {r.tool.label} ({r.shape}) logged problems, the figures may be wrong:\n"
                          + log[:1500], flush=True)
            print(f"run {n + 1}/{args.runs} (order {', '.join(order)}): "
                  + ", ".join(f"{s}@{v} {c[-1]:.4f}" for (s, v), c in sorted(cpu.items())), flush=True)
        report(args, tools, groups, spans, cpu, missed, samples, loads)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _net(cpu, shape: str, version: str) -> List[float]:
    """CPU per cycle beyond the idle Prometheus of the same run (the rules' own cost)."""
    idle = cpu.get(("idle", version))
    return [c - i for c, i in zip(cpu[(shape, version)], idle)] if idle else cpu[(shape, version)]


def _ratio(cpu, a: str, b: str, version: str, net: bool) -> str:
    pick_ = (lambda s: _net(cpu, s, version)) if net else (lambda s: cpu[(s, version)])
    x, y = pick_(a), pick_(b)
    per_run = sorted(p / q for p, q in zip(x, y))
    return f"{statistics.median(x) / statistics.median(y):.3f} (per run {per_run[0]:.3f}-{per_run[-1]:.3f})"


def report(args, tools, groups, spans, cpu, missed, samples, loads) -> None:
    print(f"\n{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{os.cpu_count()} cores, load average {min(loads):.1f}-{max(loads):.1f} during the runs; "
          f"{args.slos} SLOs x {2 * INSTANCES} series, {args.hours} h history, evaluation interval {args.interval}s, "
          f"{args.runs} runs")
    for tool in tools:
        v = tool.version
        print(f"\nPrometheus {v} ({tool.path}); CPU s per {args.interval}s cycle, 'net' = beyond the idle process")
        print(f"{'shape':8}{'rules':>7}{'/SLO':>6}{'evals/min/SLO':>14}{'samples/min':>14}{'CPU min':>9}{'median':>8}{'max':>8}"
              f"{'net min':>9}{'median':>8}{'max':>8}{'span':>6}{'missed':>7}")
        for s in args.shapes:
            c, n = cpu[(s, v)], _net(cpu, s, v)
            smp, nrules = samples.get((s, v), (float("nan"), 0))
            evals = sum(len(g.rules) * 60 / _every(g, args.interval) for g in groups[s]) / args.slos
            print(f"{s:8}{nrules:>7}{nrules / args.slos:>6.1f}{evals:>14.1f}{smp:>14,.0f}{min(c):>9.4f}{statistics.median(c):>8.4f}"
                  f"{max(c):>8.4f}{min(n):>9.4f}{statistics.median(n):>8.4f}{max(n):>8.4f}{spans[s]:>5}s"
                  f"{missed[(s, v)]:>7.0f}")
        for other in ("sloth", "pyrra"):
            if other in args.shapes and "obskit" in args.shapes:
                goal = "; goal <= 0.15" if other == "sloth" else ""
                print(f"obskit / {other}: CPU {_ratio(cpu, 'obskit', other, v, False)}, "
                      f"net {_ratio(cpu, 'obskit', other, v, True)}{goal}; samples "
                      f"{samples[('obskit', v)][0] / samples[(other, v)][0]:.4f}")


if __name__ == "__main__":
    main()
