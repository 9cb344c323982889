"""``obskit test``: every test provider's checks for a project, and the summary."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from obskit.compile.project import compile_project
from obskit.loader import load_project
from obskit.project import Project
from obskit.verify import timing
from obskit.verify.runner import Outcome, run_files
from obskit.tracing import span


@dataclass(frozen=True)
class TestReport:
    results: Tuple[Outcome, ...]
    skipped: Tuple[str, ...]
    tools: Tuple[str, ...] = ()      # e.g. "promtool 2.42.0"

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def text(self, quiet: bool = False) -> str:
        """The per-subject summary; ``quiet``: failures and the final line only."""
        by_subject = defaultdict(list)
        for r in self.results:
            by_subject[r.subject].append(r)
        lines = [f"obskit test ({', '.join(self.tools)})" if self.tools else "obskit test"]
        for subject in sorted(by_subject):
            rs = by_subject[subject]
            tests = sum(len(r.test_names) for r in rs)
            failed = [r for r in rs if not r.ok]
            status = "ok" if not failed else f"FAILED ({len(failed)} of {len(rs)} run(s))"
            lines.append(f"  {subject}: {status}: {tests} test(s) in {len(rs)} run(s), "
                         f"{sum(r.seconds for r in rs):.1f}s")
            if quiet and not failed:
                continue
            for r in rs:
                for name in r.test_names:
                    bad = name in r.failed_tests or (not r.ok and not r.failed_tests)
                    lines.append(f"      {'FAIL' if bad else 'ok  '} {name}")
            for r in failed:
                lines.append(r.describe())
        for s in () if quiet else self.skipped:
            lines.append(f"  skipped: {s}")
        total = len(self.results)
        bad = sum(not r.ok for r in self.results)
        lines.append(f"{total - bad}/{total} run(s) passed" + (f", {bad} failed" if bad else ""))
        return "\n".join(lines)


def slo_tests(project: Project, workers: Optional[int], keep: Optional[Path]):
    """Generated timing tests for every SLO, and the project's SLOScenarios, through promtool."""
    compiled = compile_project(project)
    files, skipped, proven = [], [], set()
    for c in compiled.slos:
        key = timing.policy_key(c.slo)
        p = timing.plan(c, full=key not in proven)
        proven.add(key)
        files.extend(p.files)
        skipped.extend(p.skipped)
    by_slo = {c.slo: c for c in compiled.slos}
    for sc in project.scenarios:
        files.append(sc.test_file(by_slo.get(sc.slo)))
    if not files:
        return [], skipped
    return run_files(files, workers=workers, keep=keep), skipped


#: Test providers: ``fn(project, workers, keep) -> (outcomes, skipped notes)``.
from obskit.verify.alert_tests import alert_tests  # noqa: E402

from obskit.verify.routing import routing_tests  # noqa: E402

PROVIDERS = (slo_tests, alert_tests, routing_tests)


@span("obskit.test")
def run_project_tests(project_dir, workers: Optional[int] = None, keep: Optional[Path] = None) -> TestReport:
    with span("obskit.load", project_dir=str(project_dir)):
        project = load_project(project_dir)
    results: List[Outcome] = []
    skipped: List[str] = []
    for provider in PROVIDERS:
        with span("obskit.test.provider", provider=getattr(provider, "__name__", str(provider))):
            r, s = provider(project, workers, keep)
        results.extend(r)
        skipped.extend(s)
    from obskit.verify.tools import tool_available, version
    tools = tuple(f"{t} {version(t)}" for t in ("promtool", "amtool") if tool_available(t))
    return TestReport(tuple(results), tuple(skipped), tools)
