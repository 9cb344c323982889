"""obskit export"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from obskit.cli.common import EXIT_FAILED, EXIT_OK, add_project_dir


def register(sub) -> None:
    p = sub.add_parser("export", help="write the project's SLOs in another format (OpenSLO v1)",
                       description="Write every SLO of PROJECT_DIR as OpenSLO v1 YAML (Service and SLO objects, "
                                   "SLI and alert policies inline). What OpenSLO cannot express is kept as "
                                   "obskit.dev/ annotations or listed as findings.",
                       epilog="Exit codes: 0 exported; 1 something could not be expressed (nothing written "
                              "unless --allow-partial); 2 definition errors.")
    p.add_argument("format", choices=("openslo",))
    add_project_dir(p)
    p.add_argument("--out", type=Path, default=None, metavar="FILE", help="write to FILE (default: stdout)")
    p.add_argument("--allow-partial", action="store_true", help="write even when something could not be expressed")
    p.add_argument("--output", choices=("text", "json"), default="text",
                   help="json: print a summary object (with the document when --out is not given)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only findings and errors")
    p.set_defaults(func=run)


def run(args) -> int:
    from obskit.interop.driver import export_openslo
    from obskit.interop.findings import is_partial
    text, findings, count = export_openslo(Path(args.project_dir))
    refused = is_partial(findings) and not args.allow_partial
    if not refused and args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    if args.output == "json":
        out = {"written": not refused, "slos": count, "out": str(args.out) if args.out else None,
               "findings": [f.to_dict() for f in findings]}
        if args.out is None and not refused:
            out["document"] = text
        print(json.dumps(out, indent=2))
    else:
        for f in findings:
            print(str(f), file=sys.stderr)
        if refused:
            print("obskit: some SLOs cannot be expressed in OpenSLO (findings marked 'lost'); nothing was "
                  "written. Re-run with --allow-partial.", file=sys.stderr)
        elif args.out is None:
            sys.stdout.write(text)
        elif not args.quiet:
            print(f"obskit: exported {count} SLO(s) to {args.out}")
    return EXIT_FAILED if refused else EXIT_OK
