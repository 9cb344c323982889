"""obskit status"""
from __future__ import annotations

import sys

from obskit.cli.common import add_output_options, add_project_dir, print_json


def register(sub) -> None:
    from obskit.live.connection import add_connection_arguments
    c = sub.add_parser(
        "status", help="budgets, burn rates, firing alerts and rule drift, read from a live Prometheus",
        description="Read PROJECT_DIR's SLOs and rules and a live Prometheus: for every SLO the budget left "
                    "over its period and the burn rate per window (from obskit's recording rules where the "
                    "server has run them over the whole window, else from the raw SLI; each figure says which), "
                    "the obskit alerts firing or pending now, and the drift between the rule groups the server "
                    "runs and those `obskit build` writes (missing, extra, changed; expressions compared in "
                    "normal form, so formatting is not drift). Exit codes: 0 every budget left and the rules "
                    "in sync; 3 the rules drifted; 4 a budget is exhausted (wins over 3: both are in --output "
                    "json); 1 the server could not be read; 2 the definitions are wrong. See docs/live.md.")
    add_project_dir(c)
    add_connection_arguments(c)
    c.add_argument("--at", metavar="TIME", help="read the figures at this time (RFC 3339 or Unix seconds) "
                                                "instead of now; alerts and rules are always the current ones")
    add_output_options(c)
    c.set_defaults(func=run)


def run(args) -> int:
    from obskit.live.connection import PrometheusAPI, parse_time
    from obskit.live.status import read_status, request_limit
    from obskit.live.status_output import as_json, text
    from obskit.loader import load_project

    project = load_project(args.project_dir)
    api = PrometheusAPI.from_args(args, max_requests=request_limit(project))
    at = _parse_at(args.at, parse_time) if args.at else None
    report = read_status(project, api, at)
    if args.output == "json":
        print_json(as_json(report))
    else:
        out = text(report)
        if args.quiet:
            out = out.splitlines()[-1]
        print(out, file=sys.stdout)
    return report.exit_code()


def _parse_at(value: str, seconds) -> float:
    from obskit.errors import DefinitionError, Diagnostic
    try:
        return seconds(value)
    except ValueError:
        raise DefinitionError(Diagnostic("bad-option", f"{value!r} is neither an RFC 3339 time nor Unix seconds",
                                         "--at", hint="e.g. 2026-01-31T12:00:00Z or 1769860800")) from None
