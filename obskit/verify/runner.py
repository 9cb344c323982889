"""Run promtool test files in parallel and collect readable results."""
from __future__ import annotations

import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence

from obskit.verify import promtool
from obskit.verify.promtool_tests import PromtoolTestFile


@dataclass(frozen=True)
class FileResult:
    file: PromtoolTestFile
    ok: bool
    output: str
    seconds: float

    @property
    def failed_tests(self) -> frozenset:
        """Names of the tests promtool reported as failed."""
        import re
        return frozenset(re.findall(r"^\s*name: (.*),\s*$", self.output, re.M)) if not self.ok else frozenset()

    def describe(self) -> str:
        status = "ok" if self.ok else "FAILED"
        text = f"{self.file.subject}: {self.file.name}: {status} ({self.seconds:.1f}s)"
        if not self.ok:
            text += "\n" + "\n".join("    " + line for line in self.output.splitlines())
        return text


def run_files(files: Sequence[PromtoolTestFile], workers: Optional[int] = None,
              keep: Optional[Path] = None) -> List[FileResult]:
    """Run each file with ``promtool test rules``, ``workers`` at a time (default: CPU count)."""
    workers = workers or os.cpu_count() or 1
    directory = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="obskit-test-"))
    directory.mkdir(parents=True, exist_ok=True)

    def one(f: PromtoolTestFile) -> FileResult:
        path = f.write(directory)
        start = time.monotonic()
        res = promtool.test_rules([path.name], cwd=str(directory))
        return FileResult(f, res.ok, res.output, time.monotonic() - start)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, files))
    finally:
        if not keep:
            import shutil
            shutil.rmtree(directory, ignore_errors=True)


def assert_pass(files: Sequence[PromtoolTestFile]) -> None:
    """For pytest: run the files and raise AssertionError with promtool's own report on failure."""
    failed = [r for r in run_files(files) if not r.ok]
    if failed:
        raise AssertionError("\n".join(r.describe() for r in failed))
