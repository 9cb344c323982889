"""obskit import (module ``import_``: ``import`` is a Python keyword)"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from obskit.cli.common import EXIT_DEFINITIONS, EXIT_FAILED, EXIT_OK

#: partial conversion (something was not carried over) without --allow-partial
EXIT_PARTIAL = EXIT_FAILED


def add_output_options(p) -> None:
    p.add_argument("--output", choices=("text", "json"), default="text",
                   help="text (default) or json on stdout, for CI")
    p.add_argument("-q", "--quiet", action="store_true", help="print only findings and errors")


def register(sub) -> None:
    p = sub.add_parser("import", help="convert Sloth or OpenSLO documents into obskit Python definitions",
                       description="Convert Sloth specs (prometheus/v1, PrometheusServiceLevel) or OpenSLO v1 "
                                   "documents into obskit SLO definitions, one Python module per service. What "
                                   "cannot be converted is listed (and written as comments); a partial "
                                   "conversion writes nothing unless --allow-partial.",
                       epilog="Exit codes: 0 converted; 1 partial conversion refused (see findings); "
                              "2 input that is not of the format, or files in the way.")
    p.add_argument("format", choices=("sloth", "openslo"))
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--out", type=Path, default=Path("slos"), metavar="DIR",
                   help="directory for the generated modules (default: ./slos)")
    p.add_argument("--allow-partial", action="store_true",
                   help="write the modules even when something could not be converted")
    p.add_argument("--force", action="store_true", help="overwrite existing modules")
    p.add_argument("--sloth-windows", action="store_true",
                   help="sloth: give the SLOs window_shape='raw', Sloth's exact rule shape (every window over "
                        "the raw series) instead of obskit's pre-aggregated windows")
    add_output_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from obskit.interop.driver import SourceError, import_files
    try:
        result = import_files(args.format, args.files, args.out, allow_partial=args.allow_partial, force=args.force,
                              window_shape="raw" if args.sloth_windows else None)
    except SourceError as exc:
        if args.output == "json":
            print(json.dumps({"written": False, "error": str(exc)}, indent=2))
        else:
            print(f"obskit: {exc}", file=sys.stderr)
        return EXIT_DEFINITIONS
    code = EXIT_OK
    if not result.written:
        blocked = [r for r in result.refused if "exist" in r or "no SLO" in r]
        code = EXIT_DEFINITIONS if blocked else EXIT_PARTIAL
    if args.output == "json":
        print(json.dumps(result.to_dict(), indent=2))
        return code
    for f in result.findings:
        print(str(f), file=sys.stderr)
    for r in result.refused:
        print(f"obskit: {r}", file=sys.stderr)
    if result.written and not args.quiet:
        n = sum(len(m.slos) for m in result.modules)
        lost = sum(f.kind == "lost" for f in result.findings)
        print(f"obskit: imported {n} SLO(s) into {len(result.files)} module(s)"
              + (f"; {lost} thing(s) not carried over (comments in the files)" if lost else ""))
        for path in result.files:
            print(f"  {path}")
    return code
