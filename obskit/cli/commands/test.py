"""obskit test"""
from __future__ import annotations

from pathlib import Path

from obskit.cli.common import EXIT_FAILED, EXIT_OK, add_output_options, add_project_dir, print_json


def register(sub) -> None:
    t = sub.add_parser("test", help="prove the alerts with promtool (and routing with amtool)",
                       description="Run the alert-timing tests generated for every SLO and the project's own "
                                   "tests (SLOScenario, ...) with the real tools; print a per-subject summary. "
                                   "The full per-tier timing proof runs once per distinct alerting policy; "
                                   "other SLOs with that policy get short runs of their own rules (outage "
                                   "and recovery, a burn below 1x, quiet service, missing data): see "
                                   "docs/slos.md. Everything runs once per installed promtool/amtool "
                                   "version the project supports (docs/versions.md).")
    add_project_dir(t)
    t.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="tool processes to run at once (default: number of CPUs)")
    t.add_argument("--keep", type=Path, default=None, metavar="DIR",
                   help="write the generated test files to DIR and keep them")
    t.add_argument("--promtool", action="append", default=[], metavar="VERSION",
                   help="run with this installed promtool version only (a prefix: 3, 3.5, 2.42.0; repeatable). "
                        "Default: every installed version from the project's prometheus_version up, or "
                        "obskit.toml's promtool_versions")
    t.add_argument("--amtool", action="append", default=[], metavar="VERSION",
                   help="run with this installed amtool version only (repeatable; default: every installed "
                        "version from alertmanager_version up, or obskit.toml's amtool_versions)")
    t.add_argument("-v", "--verbose", action="store_true",
                   help="with each failure, also print promtool's/amtool's own report (by default a failure shows "
                        "each failed expectation: the test's file:line, the alert and labels, expected vs got)")
    add_output_options(t)
    t.set_defaults(func=run)


def run(args) -> int:
    from obskit.testing import run_project_tests
    report = run_project_tests(args.project_dir, workers=args.jobs, keep=args.keep,
                               promtool=args.promtool, amtool=args.amtool)
    code = EXIT_OK if report.ok else EXIT_FAILED
    if args.output == "json":
        print_json({"ok": report.ok, "exit_code": code, "tools": list(report.tools), "skipped": list(report.skipped),
                    "uncovered": list(report.uncovered),
                    "runs": [{"tool": r.tool, "subject": r.subject, "name": r.name, "ok": r.ok, "seconds": round(r.seconds, 3),
                              "tests": list(r.test_names),
                              "failed": sorted(r.failed_tests) if r.failed_tests else
                              ([] if r.ok else list(r.test_names)),
                              "failures": [{"test": f.test, "expectation": f.origin.what if f.origin else None,
                                            "file": f.origin.location.file if f.origin and f.origin.location else None,
                                            "line": f.origin.location.line if f.origin and f.origin.location else None,
                                            "details": list(f.lines[1:])} for f in r.failures],
                              "output": "" if r.ok else r.output} for r in report.results]})
    else:
        print(report.text(quiet=args.quiet, verbose=args.verbose))
    return code
