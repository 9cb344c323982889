"""What every command shares: exit codes and common arguments."""
from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_DEFINITIONS = 0, 1, 2


def add_project_dir(parser) -> None:
    parser.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR",
                        help="project directory (default: current directory)")


def add_output_options(parser) -> None:
    """``--output json`` (one JSON document on stdout, for CI) and ``--quiet`` (errors and the
    final line only). obskit never prints colour codes."""
    parser.add_argument("--output", choices=("text", "json"), default="text",
                        help="json: one JSON document on stdout (errors included), for CI")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only failures and summary lines")


def diagnostic_dict(d) -> dict:
    return {"severity": d.severity, "code": d.code, "object": d.obj, "message": d.message, "hint": d.hint,
            "file": d.location.file if d.location else None, "line": d.location.line if d.location else None}


def print_json(data, stream=None) -> None:
    import json
    print(json.dumps(data, indent=2, sort_keys=True), file=stream)
