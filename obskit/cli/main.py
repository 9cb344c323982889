"""``obskit`` command line.

Exit codes: 0 success; 1 a tool failed or a test failed (promtool missing, check or test failure);
2 the definitions are wrong (every problem is reported, nothing is written).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from obskit import __version__
from obskit.errors import DefinitionError, ToolError

EXIT_OK, EXIT_FAILED, EXIT_DEFINITIONS = 0, 1, 2


def _print_definition_errors(exc: DefinitionError) -> None:
    errors = [d for d in exc.diagnostics if d.severity == "error"]
    for d in exc.diagnostics:
        print(str(d), file=sys.stderr)
    print(f"obskit: {len(errors)} definition error(s); nothing was written", file=sys.stderr)


def cmd_build(args) -> int:
    from obskit.build import build
    result = build(args.project_dir, args.out, verify=not args.no_verify)
    verified = "" if args.no_verify else ", checked with promtool"
    print(f"obskit: built {len(result.project.slos)} SLO(s) into {result.out}: "
          f"{len(result.files)} file(s){verified}")
    for path in result.files:
        print(f"  {path}")
    return EXIT_OK


def cmd_test(args) -> int:
    from obskit.verify.project_tests import run_project_tests
    report = run_project_tests(args.project_dir, workers=args.jobs, keep=args.keep)
    print(report.text())
    return EXIT_OK if report.ok else EXIT_FAILED


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="obskit",
        description="Observability as code: compile SLOs and monitoring defined in Python into "
                    "Prometheus rules and more, and prove them with promtool.",
        epilog="Exit codes: 0 ok, 1 tool or test failure, 2 definition errors.")
    p.add_argument("--version", action="version", version=f"obskit {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="compile the project into deployable files",
                       description="Load slos/, alerts/, dashboards/ of PROJECT_DIR, compile them and write "
                                   "OUT_DIR/prometheus/rules/*.yml and OUT_DIR/kubernetes/*.yaml. "
                                   "On definition errors nothing is written and the previous output stays.")
    b.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR",
                   help="project directory (default: current directory)")
    b.add_argument("--out", metavar="OUT_DIR", default=None,
                   help="output directory (default: PROJECT_DIR/build); replaced as a whole")
    b.add_argument("--no-verify", action="store_true",
                   help="do not run promtool check rules on the generated rule files")
    b.set_defaults(func=cmd_build)

    t = sub.add_parser("test", help="prove the alerts with promtool on synthetic series",
                       description="Run the alert-timing tests generated for every SLO and the project's "
                                   "SLOScenario tests with promtool test rules; print a per-SLO summary.")
    t.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR",
                   help="project directory (default: current directory)")
    t.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="promtool processes to run at once (default: number of CPUs)")
    t.add_argument("--keep", type=Path, default=None, metavar="DIR",
                   help="write the generated promtool test files to DIR and keep them")
    t.set_defaults(func=cmd_test)
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except DefinitionError as exc:
        _print_definition_errors(exc)
        return EXIT_DEFINITIONS
    except ToolError as exc:
        print(f"obskit: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
