"""``obskit`` command line.

Exit codes: 0 success; 1 a tool failed or a test failed (promtool missing, check or test failure);
2 the definitions are wrong (every problem is reported, nothing is written).
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

from obskit import __version__
from obskit.cli.commands import COMMANDS
from obskit.errors import DefinitionError, OutputError, ToolError

from obskit.cli.common import EXIT_DEFINITIONS, EXIT_FAILED, diagnostic_dict, print_json


def _print_definition_errors(exc: DefinitionError) -> None:
    errors = [d for d in exc.diagnostics if d.severity == "error"]
    for d in exc.diagnostics:
        print(str(d), file=sys.stderr)
    print(f"obskit: {len(errors)} definition error(s); nothing was written", file=sys.stderr)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="obskit",
        description="Observability as code: compile SLOs and monitoring defined in Python into "
                    "Prometheus rules and more, and prove them with promtool.",
        epilog="Exit codes: 0 ok, 1 tool or test failure, 2 definition errors.")
    p.add_argument("--version", action="version", version=f"obskit {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for name in COMMANDS:
        importlib.import_module(f"obskit.cli.commands.{name}").register(sub)
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    as_json = getattr(args, "output", "text") == "json"
    try:
        return args.func(args)
    except DefinitionError as exc:
        if as_json:
            print_json({"ok": False, "exit_code": EXIT_DEFINITIONS,
                        "diagnostics": [diagnostic_dict(d) for d in exc.diagnostics]})
        else:
            _print_definition_errors(exc)
        return EXIT_DEFINITIONS
    except (ToolError, OutputError) as exc:
        if as_json:
            print_json({"ok": False, "exit_code": EXIT_FAILED, "error": str(exc)})
        else:
            print(f"obskit: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("obskit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
