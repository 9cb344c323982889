"""obskit init"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from obskit.cli.common import EXIT_DEFINITIONS, EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("init", help="create a new project with a working example",
                       description="Create DIR (default: the current directory, which must be empty) with one "
                                   "example SLO, alert, dashboard and Alertmanager routing, obskit.toml, README.md "
                                   "and a tests/ example. It builds and tests green at once.",
                       epilog="Exit codes: 0 created; 2 DIR is not empty.")
    p.add_argument("directory", nargs="?", default=".", type=Path, metavar="DIR")
    p.add_argument("--output", choices=("text", "json"), default="text", help="json: the files written")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=run)


def run(args) -> int:
    from obskit.scaffold import InitError, init
    try:
        files = init(args.directory)
    except InitError as exc:
        if args.output == "json":
            print(json.dumps({"created": False, "error": str(exc)}))
        else:
            print(f"obskit: {exc}", file=sys.stderr)
        return EXIT_DEFINITIONS
    if args.output == "json":
        print(json.dumps({"created": True, "files": [str(f) for f in files]}, indent=2))
    elif not args.quiet:
        print(f"obskit: created a project in {args.directory}; next: cd {args.directory} && obskit build && obskit test")
        for f in files:
            print(f"  {f}")
    return EXIT_OK
