"""obskit explain ALERT"""
from __future__ import annotations

import sys

from obskit.cli.common import EXIT_FAILED, EXIT_OK, add_project_dir, print_json
from obskit.cli.commands.routes import add_common, rows_or_exit


def register(sub) -> None:
    c = sub.add_parser("explain", help="one alert's whole path: definition, servers, labels, receivers",
                       description="Where ALERT (an alert name of PROJECT_DIR) is defined, which servers evaluate "
                                   "it, the labels it reaches Alertmanager with from each, and the receivers "
                                   "amtool's routing gives for them (as `obskit routes`, for one alert). "
                                   "Exit 1 when no alert has that name.")
    c.add_argument("alert", metavar="ALERT", help="alert name, e.g. LLMSimulatorUnavailable")
    add_project_dir(c)
    add_common(c)
    c.set_defaults(func=run)


def run(args) -> int:
    _, rows = rows_or_exit(args)
    if isinstance(rows, int):
        return rows
    mine = [r for r in rows if r.alert == args.alert]
    if not mine:
        close = sorted({r.alert for r in rows if args.alert.lower() in r.alert.lower()})[:5]
        print(f"obskit: no alert named {args.alert!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""),
              file=sys.stderr)
        return EXIT_FAILED
    if args.output == "json":
        print_json({"ok": True, "exit_code": EXIT_OK, "alert": args.alert, "paths": [r.as_dict() for r in mine]})
        return EXIT_OK
    first = mine[0]
    print(f"{args.alert}: {first.source}, defined at {first.location} (platform {first.platform})")
    for r in mine:
        print(f"  server:    {r.server or '(none)'}")
        if r.labels is not None:
            print("  labels:    " + ", ".join(f'{k}="{v}"' for k, v in r.labels))
        print(f"  receivers: {', '.join(r.receivers) or '(' + r.note + ')'}")
    return EXIT_OK
