"""obskit check"""
from __future__ import annotations

import sys

from obskit.cli.common import EXIT_DEFINITIONS, EXIT_OK, add_output_options, add_project_dir, diagnostic_dict, print_json


def register(sub) -> None:
    c = sub.add_parser("check", help="run every check `obskit build` runs, writing nothing",
                       description="Load PROJECT_DIR's definitions and run every check `obskit build` runs, "
                                   "without writing the output: the definitions' own checks, the cross-checks "
                                   "and the pint-style lint of alert and recording rules (conditions, templates, "
                                   "rate ranges vs. the scrape interval, duplicates, group interval and size, "
                                   "severity, summary/description), every build target's render (dashboards: "
                                   "Grafana's schemas and the PromQL and LogQL of panel queries, reported at the "
                                   "panel's line; Kubernetes names, ...) and, unless --no-verify, the checks of "
                                   "the generated files with promtool, amtool and the other tools (in a temporary "
                                   "directory). Prints each finding as FILE:LINE: SEVERITY [CODE] OBJECT: "
                                   "MESSAGE. Exit 2 when there are definition errors (exactly when `obskit "
                                   "build` refuses with 2), 1 when a tool check fails or a tool is missing, "
                                   "warnings alone exit 0. With --prometheus URL, also every selector of the "
                                   "SLIs, rules and dashboards against that server's series, metadata and "
                                   "targets (metric and labels exist, types fit, errors within total, rate ranges "
                                   "vs. the real scrape interval; docs/live.md): its findings are located like the "
                                   "others, an error only where the definition is certainly broken there.")
    add_project_dir(c)
    c.add_argument("--no-verify", action="store_true",
                   help="skip the tool checks of the generated files (promtool, amtool, ...), as `build --no-verify`")
    from obskit.live.connection import add_connection_arguments
    add_connection_arguments(c, required=False)
    c.add_argument("--lookback", metavar="DURATION", default="1d",
                   help="with --prometheus: how far back a series counts as existing (default 1d)")
    add_output_options(c)
    c.set_defaults(func=run)


def run(args) -> int:
    from obskit.errors import DefinitionError
    from obskit.loader import load_project
    as_json = args.output == "json"
    try:
        project = load_project(args.project_dir)
    except DefinitionError as exc:
        return _report(exc.diagnostics, as_json=as_json)
    found = list(project.warnings)
    try:
        _build_checks(project, verify=not args.no_verify)
    except DefinitionError as exc:
        found += _relative(exc.diagnostics, project.root)
    live = _live_checks(project, args) if getattr(args, "prometheus", None) else None
    if live is not None:
        found += live[0]
    return _report(found, definitions=len(project.definitions), as_json=as_json, live=live)


def _live_checks(project, args):
    """(diagnostics, summary) of the selectors against the server (obskit/live/live_check.py)."""
    from obskit.duration import Duration, DurationError
    from obskit.errors import DefinitionError, Diagnostic
    from obskit.live.connection import PrometheusAPI
    from obskit.live.live_check import check_live, request_limit
    try:
        lookback = Duration.parse(args.lookback).seconds
    except DurationError as exc:
        raise DefinitionError(Diagnostic("bad-option", str(exc), "--lookback", hint="e.g. 1d or 6h")) from None
    api = PrometheusAPI.from_args(args, max_requests=request_limit(project))
    diagnostics = check_live(project, api, lookback=float(lookback))
    notes = [f"{what}: {text}" for what, text in api.warnings + api.infos]
    return diagnostics, {"url": api.base, "requests": api.requests_sent, "server_notes": list(dict.fromkeys(notes))}


def _build_checks(project, verify: bool) -> None:
    """What `obskit build` does after loading, up to (not including) replacing the output: every target's
    render, then every target's verify step on the files written to a temporary directory."""
    import tempfile
    from pathlib import Path

    from obskit.build import render_project, verify_files
    from obskit.targets import targets

    chosen = targets()                  # the same objects render and verify (a target may keep state)
    files = render_project(project, chosen)
    if not verify:
        return
    with tempfile.TemporaryDirectory(prefix="obskit-check-") as tmp:
        for rel, data in files.items():
            path = Path(tmp) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        verify_files(Path(tmp), files, chosen)


def _relative(diagnostics, root):
    from dataclasses import replace
    return [replace(d, location=d.location.relative_to(str(root))) if d.location else d for d in diagnostics]


def _report(diagnostics, definitions: int = -1, as_json: bool = False, live=None) -> int:
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    if as_json:
        doc = {"ok": not errors, "exit_code": EXIT_DEFINITIONS if errors else EXIT_OK, "errors": errors,
               "warnings": warnings, "definitions": definitions if definitions >= 0 else None,
               "diagnostics": [diagnostic_dict(d) for d in diagnostics]}
        if live is not None:
            doc["prometheus"] = live[1]
        print_json(doc)
        return EXIT_DEFINITIONS if errors else EXIT_OK
    for d in diagnostics:
        print(str(d), file=sys.stderr)
    if live is not None:
        for note in live[1]["server_notes"]:
            print(f"server note: {note}", file=sys.stderr)
        print(f"obskit check: selectors checked against {live[1]['url']} with {live[1]['requests']} request(s)")
    loaded = f"{definitions} definition(s), " if definitions >= 0 else ""
    print(f"obskit check: {loaded}{errors} error(s), {warnings} warning(s)")
    return EXIT_DEFINITIONS if errors else EXIT_OK
