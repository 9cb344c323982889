"""What a real Prometheus says about a backfilled history: the firing intervals of obskit's alerts.

1. the raw history (OpenMetrics) is backfilled with ``promtool tsdb create-blocks-from openmetrics``
   into the data directory before the server starts;
2. the recording rules are backfilled with ``promtool tsdb create-blocks-from rules`` against the
   running server, one dependency level at a time: the rule backfiller evaluates every rule with range
   queries against the server, and the blocks it writes are not part of that server's TSDB, so a rule
   reading another recording rule sees nothing of it in the same run (found with 3.16 and 2.42:
   the window rules backfilled together with the base rates come out empty). After each level the
   blocks are moved into the data directory and the server is restarted, so that the next level reads
   them;
3. each alert's expression is read with ``/api/v1/query_range`` at its group's interval, on the same
   grid (multiples of the interval) the rule backfiller used, and its ``for:`` applied.

Used by tests/test_backtest_server.py and bench/backtest.py.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from obskit.compile.ir import RecordingRule, RuleFile, RuleGroup
from obskit.render import prometheus_rules

_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
#: the servers keep backfilled history whatever its age
RETENTION = "--storage.tsdb.retention.time=100y"


def rule_levels(groups: Sequence[RuleGroup]) -> List[List[RuleGroup]]:
    """The recording rules of ``groups`` split by dependency level (0: reads only raw series), each
    level as groups named like the originals and keeping their interval: the backfiller evaluates a
    group at the live server's times, ``interval`` multiples shifted by a hash of the group's name and
    file, so every level of a group, written to the same file, lands on the same times."""
    rules = [(g, r) for g in groups for r in g.rules if isinstance(r, RecordingRule)]
    records = {r.record for _, r in rules}
    level: Dict[str, int] = {}

    def depth(rule: RecordingRule, seen=()) -> int:
        if rule.record in level:
            return level[rule.record]
        reads = [n for n in set(_NAME.findall(rule.expr)) if n in records and n != rule.record]
        d = 1 + max((depth(by_name[n], seen + (rule.record,)) for n in reads), default=-1)
        level[rule.record] = d
        return d

    by_name = {r.record: r for _, r in rules}
    for _, r in rules:
        depth(r)
    out: List[List[RuleGroup]] = []
    for lv in range(max(level.values(), default=-1) + 1):
        groups_at = []
        for g in groups:
            picked = tuple(r for r in g.rules if isinstance(r, RecordingRule) and level[r.record] == lv)
            if picked:
                groups_at.append(RuleGroup(g.name, picked, interval=g.interval))
        out.append(groups_at)
    return out


def alert_groups(compiled) -> List[RuleGroup]:
    """The rule groups of compiled SLOs cut to the recording rules their alerts read (the base rates and
    windows; not the period window and the figures only dashboards read, the costliest to backfill)."""
    out = []
    for c in compiled:
        needed = {r.record for tier, _ in c.tier_alerts for r in c.windows_for(tier)}
        for g in c.groups():
            rules = tuple(r for r in g.rules if isinstance(r, RecordingRule) and r.record in needed)
            if rules:
                out.append(RuleGroup(g.name, rules, interval=g.interval))
    return out


def backfill_raw(promtool: str, openmetrics: Path, data_dir: Path, block_hours: int = 6) -> None:
    """Raw history into TSDB blocks. ``create-blocks-from openmetrics`` parses the whole input once per
    2-hour block it writes (a month: 360 passes), so the input is first cut into files of
    ``block_hours`` (metadata lines copied into each): 3 passes each at 6 hours, and 120 processes."""
    tmp = data_dir.parent / "raw-blocks"
    parts = data_dir.parent / "raw-parts"
    parts.mkdir(parents=True, exist_ok=True)
    span = block_hours * 3600
    files: Dict[int, object] = {}
    comments: List[str] = []
    try:
        with open(openmetrics) as fh:
            for line in fh:
                if line.startswith("#"):
                    if line.startswith("# EOF"):
                        continue
                    comments.append(line)
                    for f in files.values():
                        f.write(line)
                    continue
                key = int(float(line.rsplit(" ", 1)[1])) // span
                f = files.get(key)
                if f is None:
                    f = files[key] = open(parts / f"{key}.om", "w")
                    f.writelines(comments)
                f.write(line)
    finally:
        for f in files.values():
            f.write("# EOF\n")
            f.close()
    for key in sorted(files):
        subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", "-q", str(parts / f"{key}.om"),
                        str(tmp)], check=True, capture_output=True, text=True)
    shutil.rmtree(parts, ignore_errors=True)
    _move_blocks(tmp, data_dir)


def _move_blocks(src: Path, data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    for block in sorted(src.iterdir()):
        if block.is_dir():
            shutil.move(str(block), str(data_dir / block.name))
    shutil.rmtree(src, ignore_errors=True)


# The block lengths promtool's backfill can write (tsdb.ExponentialBlockRanges(2h, 10, 3)): it rounds
# ``--max-block-duration`` (a hidden flag of `create-blocks-from`, 2.42 and 3.x alike) down to one of these.
BLOCK_HOURS = (2, 6, 18, 54, 162, 486)
MAX_POINTS = 11_000          # the query API's limit on the points of one range query


def rule_block(level: Sequence[RuleGroup], eval_interval: int) -> int:
    """The longest block (hours) whose range query at the level's shortest evaluation interval stays
    within the API's point limit. The rule backfill issues one range query per rule and block: at the
    default 2 h, a month at 60 s is 360 queries per rule and as many blocks for the server to open;
    at 162 h it is 5."""
    step = min(g.interval.seconds if g.interval else eval_interval for g in level)
    return max(h for h in BLOCK_HOURS if h * 3600 // step < MAX_POINTS)


def backfill_rules(promtool: str, url: str, level: Sequence[RuleGroup], start: int, end: int,
                   workdir: Path, data_dir: Path, eval_interval: int) -> None:
    """One level's recording rules, evaluated by the server at ``url``, into ``data_dir``, in blocks as
    long as one range query of the level's shortest interval allows (see ``rule_block``)."""
    rules = workdir / "level.yml"
    rules.write_bytes(prometheus_rules.render(RuleFile("level", tuple(level))))
    out = workdir / "rule-blocks"
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run([promtool, "tsdb", "create-blocks-from", "rules", f"--url={url}", f"--start={start}",
                        f"--end={end}", f"--output-dir={out}", f"--eval-interval={eval_interval}s",
                        f"--max-block-duration={rule_block(level, eval_interval)}h", str(rules)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"rule backfill failed: {r.stderr[-2000:]}")
    _move_blocks(out, data_dir)


def firing(api_get, expr: str, start: int, end: int, step: int) -> Dict[Tuple, List[int]]:
    """Evaluation times (s) at which ``expr`` has a result, per label set (before ``for:``), read with
    range queries of at most 11,000 points."""
    out: Dict[Tuple, List[int]] = {}
    lo = start
    while lo <= end:
        hi = min(end, lo + step * 10_000)
        data = api_get("/api/v1/query_range", {"query": expr, "start": lo, "end": hi, "step": step})
        for s in data["result"]:
            labels = tuple(sorted((k, v) for k, v in s["metric"].items()))
            out.setdefault(labels, []).extend(float(t) for t, _ in s["values"])
        lo = hi + step
    return {k: sorted(set(v)) for k, v in out.items()}
