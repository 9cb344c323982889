"""Run tool-backed test files in parallel and collect readable outcomes."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
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


def run_files(files: Sequence[PromtoolTestFile], workers: Optional[int] = None,
              keep: Optional[Path] = None, tool: Optional[Tool] = None) -> List[Outcome]:
    """Run each file with ``promtool test rules`` (``tool``: one installed version, default
    :func:`~obskit.verify.tools.pick`), ``workers`` at a time (default: CPU count)."""
    workers = workers or os.cpu_count() or 1
    directory = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="obskit-test-"))
    directory.mkdir(parents=True, exist_ok=True)

    def one(f: PromtoolTestFile) -> Outcome:
        from obskit.verify.failures import explain
        path = f.write(directory)
        start = time.monotonic()
        res = promtool.test_rules([path.name], cwd=str(directory), tool=tool)
        failures = tuple(explain(f, res.output)) if not res.ok else ()
        failed = _failed_names(res.output) | {x.test for x in failures} if not res.ok else frozenset()
        return Outcome(f.subject, f.name, tuple(t.name for t in f.tests), res.ok, res.output,
                       time.monotonic() - start, frozenset(failed), tool.label if tool else "", failures)

    # Longest first: a long file started last would leave the other cores idle at the end.
    order = sorted(range(len(files)), key=lambda i: -files[i].cost)
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = dict(zip(order, pool.map(one, [files[i] for i in order])))
        return [done[i] for i in range(len(files))]
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)


def assert_pass(files: Sequence[PromtoolTestFile], tool: Optional[Tool] = None) -> None:
    """For pytest: run the files and raise AssertionError with promtool's own report on failure."""
    failed = [r for r in run_files(files, tool=tool) if not r.ok]
    if failed:
        raise AssertionError("\n".join(r.describe() for r in failed))
