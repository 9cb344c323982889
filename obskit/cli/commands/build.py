"""obskit build"""
from __future__ import annotations

import sys

from obskit.cli.common import EXIT_OK, add_output_options, add_project_dir, diagnostic_dict, print_json


def register(sub) -> None:
    b = sub.add_parser("build", help="compile the project into deployable files",
                       description="Load slos/, alerts/, dashboards/ of PROJECT_DIR, compile them and write "
                                   "OUT_DIR (prometheus/rules/*.yml, kubernetes/*.yaml, ...). On definition "
                                   "errors nothing is written and the previous output stays as it was. "
                                   "OUT_DIR is replaced in one step (never missing, even if the build is "
                                   "killed) and one build writes it at a time. When nothing changed since "
                                   "the last build of OUT_DIR (definitions, helpers and files they read, "
                                   "obskit.toml, environment, obskit, tools, options) and OUT_DIR is as it "
                                   "wrote it, nothing is done (docs/build-output.md).")
    add_project_dir(b)
    b.add_argument("--out", metavar="OUT_DIR", default=None,
                   help="output directory (default: PROJECT_DIR/build); replaced as a whole")
    b.add_argument("--no-verify", action="store_true",
                   help="do not check the generated files with promtool/amtool")
    b.add_argument("--no-wait", action="store_true",
                   help="fail at once (exit 1) when another build is writing OUT_DIR, instead of waiting")
    b.add_argument("--no-cache", action="store_true",
                   help="build in full even when nothing changed since the last build (and keep no cache)")
    b.add_argument("--phases", action="store_true",
                   help="print the wall and CPU seconds of each phase (imports, each check, each target's "
                        "render and verify, writing) to stderr: where a big build's time goes")
    add_output_options(b)
    b.set_defaults(func=run)


def run(args) -> int:
    from obskit.build_cache import Entry
    on_wait = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    entry = Entry(args.project_dir, args.out, verify=not args.no_verify, enabled=not args.no_cache)
    result = entry.lookup(wait=not args.no_wait, on_wait=on_wait)   # before importing the build itself
    found: dict = {}
    if result is None:
        from obskit.build import build
        from obskit.phases import recording, table
        with recording() as found:
            result = build(args.project_dir, args.out, verify=not args.no_verify, wait=not args.no_wait,
                           on_wait=on_wait, cache=entry)
        if args.phases and args.output != "json":
            print(table(found), file=sys.stderr)
    if args.output == "json":
        print_json({"ok": True, "exit_code": EXIT_OK, "out": str(result.out), "verified": not args.no_verify,
                    "definitions": result.definition_count, "files": list(result.files),
                    "cached": result.cached, "warnings": [diagnostic_dict(w) for w in result.warnings],
                    **({"phases": {k: {"wall_seconds": round(w, 3), "cpu_seconds": round(c, 3)}
                                   for k, (w, c) in found.items()}} if args.phases else {})})
        return EXIT_OK
    for warning in result.warnings:   # lint warnings do not stop a build
        print(str(warning), file=sys.stderr)
    verified = "" if args.no_verify else ", verified"
    cached = " (nothing changed since the last build: kept as it was)" if result.cached else ""
    print(f"obskit: built {result.definition_count} definition(s) into {result.out}: "
          f"{len(result.files)} file(s){verified}{cached}")
    if not args.quiet:
        for path in result.files:
            print(f"  {path}")
    return EXIT_OK
