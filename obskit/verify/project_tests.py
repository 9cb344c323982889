"""``obskit test``: generated timing tests for every SLO plus the project's scenarios."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from obskit.compile.project import compile_project
from obskit.loader import load_project
from obskit.verify import timing
from obskit.verify.runner import FileResult, run_files
from obskit.verify.tools import version


@dataclass(frozen=True)
class TestReport:
    results: Tuple[FileResult, ...]
    skipped: Tuple[str, ...]
    promtool_version: str

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def text(self) -> str:
        by_subject = defaultdict(list)
        for r in self.results:
            by_subject[r.file.subject].append(r)
        lines = [f"obskit test (promtool {self.promtool_version})"]
        for subject in sorted(by_subject):
            rs = by_subject[subject]
            tests = sum(len(r.file.tests) for r in rs)
            failed = [r for r in rs if not r.ok]
            status = "ok" if not failed else f"FAILED ({len(failed)} file(s))"
            lines.append(f"  {subject}: {status} — {tests} test(s) in {len(rs)} file(s), "
                         f"{sum(r.seconds for r in rs):.1f}s")
            for r in rs:
                for t in r.file.tests:
                    bad = t.name in r.failed_tests or (not r.ok and not r.failed_tests)
                    lines.append(f"      {'FAIL' if bad else 'ok  '} {t.name}")
            for r in failed:
                lines.append(r.describe())
        for s in self.skipped:
            lines.append(f"  skipped: {s}")
        total = len(self.results)
        bad = sum(not r.ok for r in self.results)
        lines.append(f"{total - bad}/{total} promtool file(s) passed" + ("" if not bad else f", {bad} failed"))
        return "\n".join(lines)


def run_project_tests(project_dir, workers: Optional[int] = None, keep: Optional[Path] = None) -> TestReport:
    project = load_project(project_dir)
    compiled = compile_project(project)
    files, skipped = [], []
    for c in compiled.slos:
        p = timing.plan(c)
        files.extend(p.files)
        skipped.extend(p.skipped)
    by_slo = {c.slo: c for c in compiled.slos}
    for sc in project.scenarios:
        files.append(sc.test_file(by_slo.get(sc.slo)))
    results = run_files(files, workers=workers, keep=keep)
    return TestReport(tuple(results), tuple(skipped), version("promtool"))
