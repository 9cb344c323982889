"""obskit routes"""
from __future__ import annotations

import sys

from obskit.cli.common import EXIT_DEFINITIONS, EXIT_FAILED, EXIT_OK, add_project_dir, diagnostic_dict, print_json


def register(sub) -> None:
    c = sub.add_parser("routes", help="every alert: the servers that evaluate it and the receivers it reaches",
                       description="For every alert of PROJECT_DIR (rule groups, SLO tiers and absent-data alerts, "
                                   "Loki ruler alerts): each server that evaluates it, the labels it arrives with "
                                   "at Alertmanager (rule labels, then the server's external labels, then its "
                                   "alert_relabel_configs) and the receivers amtool's own routing gives for them "
                                   "on the built alertmanager.yml (amtool of the project's alertmanager_version "
                                   "unless --amtool). Labels of the alert's series are not known offline. "
                                   "--output json for CI: diff it between two commits. Exit 2 on definition "
                                   "errors, 1 when amtool is missing.")
    add_project_dir(c)
    add_common(c)
    c.set_defaults(func=run)


def add_common(c) -> None:
    c.add_argument("--output", choices=("text", "json"), default="text", help="json: one JSON document on stdout")
    c.add_argument("--amtool", metavar="V", default=None, help="route with the installed amtool of version V")
    c.add_argument("--wide", action="store_true", help="text: add the labels each alert arrives with")


def rows_or_exit(args, names=None):
    """(project, rows) or an exit code after printing what went wrong."""
    from obskit.errors import DefinitionError, ToolError
    from obskit.loader import load_project
    from obskit.verify.paths import route_rows
    from obskit.verify.tools import pick
    try:
        project = load_project(args.project_dir)
    except DefinitionError as exc:
        if args.output == "json":
            print_json({"ok": False, "exit_code": EXIT_DEFINITIONS,
                        "diagnostics": [diagnostic_dict(d) for d in exc.diagnostics]})
        else:
            for d in exc.diagnostics:
                print(str(d), file=sys.stderr)
        return None, EXIT_DEFINITIONS
    try:
        rows = route_rows(project, tool=pick("amtool", args.amtool) if args.amtool else None)
    except ToolError as exc:
        print(f"obskit: {exc}", file=sys.stderr)
        return None, EXIT_FAILED
    return project, rows


def run(args) -> int:
    from obskit.verify.paths import table
    _, rows = rows_or_exit(args)
    if isinstance(rows, int):
        return rows
    if args.output == "json":
        print_json({"ok": True, "exit_code": EXIT_OK, "routes": [r.as_dict() for r in rows]})
    else:
        print(table(rows, wide=args.wide))
    return EXIT_OK
