"""obskit check"""
from __future__ import annotations

import sys

from obskit.cli.common import EXIT_DEFINITIONS, EXIT_OK, add_output_options, add_project_dir, diagnostic_dict, print_json


def register(sub) -> None:
    c = sub.add_parser("check", help="load the definitions and lint the rules, offline (writes nothing)",
                       description="Load PROJECT_DIR's definitions and run every check `obskit build` runs "
                                   "before writing, including the pint-style lint of alert and recording "
                                   "rules (conditions, templates, rate ranges vs. the scrape interval, "
                                   "duplicates, group interval and size, severity, summary/description). "
                                   "Prints each finding as FILE:LINE: SEVERITY [CODE] OBJECT: MESSAGE. "
                                   "Exit 2 when there are errors; warnings alone exit 0.")
    add_project_dir(c)
    add_output_options(c)
    c.set_defaults(func=run)


def run(args) -> int:
    from obskit.errors import DefinitionError
    from obskit.loader import load_project
    try:
        project = load_project(args.project_dir)
    except DefinitionError as exc:
        return _report(exc.diagnostics, as_json=args.output == "json")
    return _report(list(project.warnings), definitions=len(project.definitions), as_json=args.output == "json")


def _report(diagnostics, definitions: int = -1, as_json: bool = False) -> int:
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    if as_json:
        print_json({"ok": not errors, "exit_code": EXIT_DEFINITIONS if errors else EXIT_OK, "errors": errors,
                    "warnings": warnings, "definitions": definitions if definitions >= 0 else None,
                    "diagnostics": [diagnostic_dict(d) for d in diagnostics]})
        return EXIT_DEFINITIONS if errors else EXIT_OK
    for d in diagnostics:
        print(str(d), file=sys.stderr)
    loaded = f"{definitions} definition(s), " if definitions >= 0 else ""
    print(f"obskit check: {loaded}{errors} error(s), {warnings} warning(s)")
    return EXIT_DEFINITIONS if errors else EXIT_OK
