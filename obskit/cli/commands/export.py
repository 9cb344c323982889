"""obskit export"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from obskit.cli.common import EXIT_DEFINITIONS, EXIT_FAILED, EXIT_OK, add_project_dir


def register(sub) -> None:
    p = sub.add_parser("export", help="write the project's SLOs in another format (OpenSLO v1, Sloth, Pyrra)",
                       description="Write the SLOs of PROJECT_DIR in another tool's format.\n"
                                   "openslo: one OpenSLO v1 YAML stream (Service and SLO objects, SLI and alert "
                                   "policies inline); what OpenSLO cannot express is kept as obskit.dev/ "
                                   "annotations or listed as findings.\n"
                                   "sloth: one Sloth prometheus/v1 spec per service in one YAML stream; what "
                                   "Sloth cannot express (other windows or periods, min_events, owner) is "
                                   "listed as findings.\n"
                                   "pyrra: one Pyrra ServiceLevelObjective (pyrra.dev/v1alpha1) per SLO, a file "
                                   "each in --out DIR (<namespace>.<name>.yaml; earlier exported files no longer "
                                   "produced are removed) or one stream on stdout. An SLO Pyrra cannot express "
                                   "(a RawSLI, burn-rate windows other than Pyrra's or the Workbook's, one tier "
                                   "alone, other severities, a tier's own labels) is an 'unsupported' finding at "
                                   "its file:line and is skipped; --lossy exports it without what Pyrra cannot "
                                   "say, listing each loss.",
                       epilog="Exit codes: 0 exported; 1 something could not be expressed (openslo, sloth: nothing "
                              "written unless --allow-partial; pyrra: the other SLOs are written, the "
                              "unsupported ones skipped); 2 definition errors.")
    p.add_argument("format", choices=("openslo", "sloth", "pyrra"))
    add_project_dir(p)
    p.add_argument("-o", "--out", type=Path, default=None, metavar="PATH",
                   help="openslo, sloth: write to this FILE; pyrra: write one file per SLO into this DIR "
                        "(default: stdout)")
    p.add_argument("--allow-partial", action="store_true",
                   help="openslo, sloth: write even when something could not be expressed")
    p.add_argument("--lossy", action="store_true",
                   help="pyrra: export SLOs Pyrra cannot express fully, without what it cannot say (each loss "
                        "a finding)")
    p.add_argument("--output", choices=("text", "json"), default="text",
                   help="json: print a summary object (with the document when --out is not given)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only findings and errors")
    p.set_defaults(func=run)


def run(args) -> int:
    wrong = "--lossy" if args.lossy and args.format != "pyrra" else \
        "--allow-partial" if args.allow_partial and args.format == "pyrra" else None
    if wrong:
        print(f"obskit: {wrong} is not an option of export {args.format} (pyrra: --lossy; openslo, sloth: "
              "--allow-partial)", file=sys.stderr)
        return EXIT_DEFINITIONS
    if args.format == "pyrra":
        return _pyrra(args)
    from obskit.interop.driver import export_openslo
    from obskit.interop.findings import is_partial
    text, findings, count = export_openslo(Path(args.project_dir), args.format)
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
            name = "OpenSLO" if args.format == "openslo" else "Sloth"
            print(f"obskit: some SLOs cannot be expressed in {name} (findings marked 'lost'); nothing was "
                  "written. Re-run with --allow-partial.", file=sys.stderr)
        elif args.out is None:
            sys.stdout.write(text)
        elif not args.quiet:
            print(f"obskit: exported {count} SLO(s) to {args.out}")
    return EXIT_FAILED if refused else EXIT_OK


def _pyrra(args) -> int:
    from obskit.interop import pyrra_export
    from obskit.interop.driver import export_pyrra
    exported, findings, count = export_pyrra(Path(args.project_dir), lossy=args.lossy)
    skipped = [f.subject for f in findings if f.kind == "unsupported"]
    files = [str(p) for p in pyrra_export.write(exported, args.out)] if args.out is not None else []
    if args.output == "json":
        out = {"exported": [e.slo_id for e in exported], "skipped": skipped, "slos": count,
               "files": files, "findings": [f.to_dict() for f in findings]}
        if args.out is None:
            out["document"] = pyrra_export.stream(exported)
        print(json.dumps(out, indent=2))
    else:
        for f in findings:
            if not (args.quiet and f.kind == "changed"):
                print(str(f), file=sys.stderr)
        if args.out is None:
            sys.stdout.write(pyrra_export.stream(exported))
        elif not args.quiet:
            print(f"obskit: exported {len(exported)} of {count} SLO(s) to {args.out}"
                  + (f"; {len(skipped)} skipped as unsupported (--lossy exports them without what Pyrra cannot "
                     "say)" if skipped else ""))
    return EXIT_FAILED if skipped else EXIT_OK
