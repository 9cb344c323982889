"""Run tool-backed test files in parallel and collect readable outcomes."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from obskit.verify import promtool
from obskit.verify.promtool_tests import PromtoolTestFile
from obskit.verify.tools import Tool


@dataclass(frozen=True)
class Outcome:
    """The result of one tool run: which tests it held, which failed, and the tool's own report."""

    subject: str                      # what is proven, e.g. an SLO id or "alertmanager routes"
    name: str
    test_names: Tuple[str, ...]
    ok: bool
    output: str
    seconds: float
    failed_tests: frozenset = frozenset()
    tool: str = ""                    # the program that ran, e.g. "promtool 3.16.0"
    failures: Tuple = ()              # obskit.verify.failures.Failure: the failed expectations in words

    def describe(self, verbose: bool = True, root: Optional[str] = None) -> str:
        """Status; on failure the failed expectations in words (file:line, alert, labels, expected vs
        got) when promtool's report names them, and promtool's own report (always when ``verbose``, else
        only when it names no expectation, e.g. a rule file that did not load)."""
        status = "ok" if self.ok else "FAILED"
        text = f"{self.subject}: {self.name}: {status} ({self.seconds:.1f}s)"
        if not self.ok:
            for f in self.failures:
                text += f"\n    {f.test}:\n" + f.text("      ", root)
            if verbose or not self.failures:
                text += "\n" + "\n".join("    " + line for line in self.output.splitlines() if line.strip())
        return text


def _failed_names(output: str) -> frozenset:
    return frozenset(re.findall(r"^\s*name: (.*),\s*$", output, re.M))


#: a batch holds files worth at least this share of all the files' cost (see :func:`batches`)
MIN_BATCH_SHARE = 1 / 40
#: Go's GC target for promtool test runs unless GOGC is set: promtool's heap is small and churns, so
#: the default (100) collects very often; 200 measured 10-12 % less CPU (3.16.0, 24 files in one run:
#: 33.8 -> 30.9 CPU s) for 140 -> 210 MB peak
PROMTOOL_GOGC = "200"


def _promtool_env() -> dict:
    env = dict(os.environ)
    env.setdefault("GOGC", PROMTOOL_GOGC)
    return env


class _Batches:
    """Hands out batches of files, longest first, "guided": each batch is worth about the cost still
    left divided by twice the workers (so the long files go one by one at first, the many short ones
    many at a time, and the last batches are small enough that no core waits long for the others),
    and at least :data:`MIN_BATCH_SHARE` of the total (so the 208 files of a hundred SLOs take 13
    promtool runs on 2 cores, not 208)."""

    def __init__(self, files: Sequence[PromtoolTestFile], workers: int):
        self.order = sorted(range(len(files)), key=lambda i: (-files[i].cost, i))
        self.costs = [max(files[i].cost, 1) for i in range(len(files))]
        self.left = float(sum(self.costs))
        self.floor = self.left * MIN_BATCH_SHARE
        self.workers = workers
        self.lock = threading.Lock()

    def next(self) -> List[int]:
        with self.lock:
            want = max(self.left / (2 * self.workers), self.floor)
            batch: List[int] = []
            got = 0.0
            while self.order and (not batch or got + self.costs[self.order[0]] <= want):
                i = self.order.pop(0)
                batch.append(i)
                got += self.costs[i]
            self.left -= got
            return batch


def batches(files: Sequence[PromtoolTestFile], workers: int) -> List[List[int]]:
    """The batches :func:`run_files` hands out, in order (indexes into ``files``), for one worker
    asking after another."""
    b = _Batches(files, workers)
    out = []
    while True:
        nxt = b.next()
        if not nxt:
            return out
        out.append(nxt)


def run_files(files: Sequence[PromtoolTestFile], workers: Optional[int] = None,
              keep: Optional[Path] = None, tool: Optional[Tool] = None) -> List[Outcome]:
    """Run the files with ``promtool test rules`` (``tool``: one installed version, default
    :func:`~obskit.verify.tools.pick`), ``workers`` promtool processes at a time (default: CPU count).

    Several files go to one promtool run (:class:`_Batches`): promtool tests every file on its own
    (its own rule files, evaluation interval and tests) and exits 0 only when all passed, so a
    passing batch is every file passing. A batch that fails is run again one file per run, so each
    file's outcome, failed tests and failures (file:line of the expectation) are exactly what a run
    of that file alone reports.
    """
    workers = workers or os.cpu_count() or 1
    directory = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="obskit-test-"))
    directory.mkdir(parents=True, exist_ok=True)
    label = tool.label if tool else ""
    env = _promtool_env()

    def alone(f: PromtoolTestFile, path: Path) -> Outcome:
        from obskit.verify.failures import explain
        start = time.monotonic()
        res = promtool.test_rules([path.name], cwd=str(directory), tool=tool, env=env)
        failures = tuple(explain(f, res.output)) if not res.ok else ()
        failed = _failed_names(res.output) | {x.test for x in failures} if not res.ok else frozenset()
        return Outcome(f.subject, f.name, tuple(t.name for t in f.tests), res.ok, res.output,
                       time.monotonic() - start, frozenset(failed), label, failures)

    def batch(indexes: List[int]) -> List[Tuple[int, Outcome]]:
        chosen = [files[i] for i in indexes]
        paths = [f.write(directory) for f in chosen]
        if len(chosen) == 1:
            return [(indexes[0], alone(chosen[0], paths[0]))]
        start = time.monotonic()
        res = promtool.test_rules([p.name for p in paths], cwd=str(directory), tool=tool,
                                  timeout=900 * len(chosen), env=env)
        if not res.ok:            # which file, test and expectation: from runs of one file each
            return [(i, alone(f, p)) for i, f, p in zip(indexes, chosen, paths)]
        took = time.monotonic() - start
        total = float(sum(max(f.cost, 1) for f in chosen))
        return [(i, Outcome(f.subject, f.name, tuple(t.name for t in f.tests), True, res.output,
                            took * max(f.cost, 1) / total, frozenset(), label))
                for i, f in zip(indexes, chosen)]

    queue = _Batches(files, workers)

    def worker() -> List[Tuple[int, Outcome]]:
        done: List[Tuple[int, Outcome]] = []
        while True:
            indexes = queue.next()
            if not indexes:
                return done
            done.extend(batch(indexes))

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = dict(kv for part in pool.map(lambda _: worker(), range(min(workers, len(files))))
                           for kv in part)
        return [results[i] for i in range(len(files))]
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)


def assert_pass(files: Sequence[PromtoolTestFile], tool: Optional[Tool] = None) -> None:
    """For pytest: run the files and raise AssertionError with promtool's own report on failure."""
    failed = [r for r in run_files(files, tool=tool) if not r.ok]
    if failed:
        raise AssertionError("\n".join(r.describe() for r in failed))
