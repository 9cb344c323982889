"""obskit test"""
from __future__ import annotations

from pathlib import Path

from obskit.cli.common import EXIT_FAILED, EXIT_OK, add_project_dir


def register(sub) -> None:
    t = sub.add_parser("test", help="prove the alerts with promtool (and routing with amtool)",
                       description="Run the alert-timing tests generated for every SLO and the project's own "
                                   "tests (SLOScenario, ...) with the real tools; print a per-subject summary.")
    add_project_dir(t)
    t.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="tool processes to run at once (default: number of CPUs)")
    t.add_argument("--keep", type=Path, default=None, metavar="DIR",
                   help="write the generated test files to DIR and keep them")
    t.set_defaults(func=run)


def run(args) -> int:
    from obskit.verify.project_tests import run_project_tests
    report = run_project_tests(args.project_dir, workers=args.jobs, keep=args.keep)
    print(report.text())
    return EXIT_OK if report.ok else EXIT_FAILED
