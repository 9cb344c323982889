"""obskit diff"""
from __future__ import annotations


def register(sub) -> None:
    from obskit.cli.commands.grafana_common import add_arguments
    p = sub.add_parser(
        "diff", help="show what obskit apply would change on a Grafana server",
        description="Build PROJECT_DIR (or read --from OUT_DIR), read the matching folders, dashboards and "
                    "datasources from Grafana's HTTP API and print a unified diff per resource that differs. "
                    "Writes nothing. Exit codes: 0 the server matches the build, 3 differences (changes, "
                    "drift or conflicts), 1 failure, 2 definition errors.")
    add_arguments(p)
    p.add_argument("--stat", action="store_true", help="one line per resource that differs, no diff bodies")
    p.set_defaults(func=run)


def run(args) -> int:
    from obskit.cli.commands.grafana_common import run as run_command
    from obskit.tracing import span
    with span("obskit.diff", project_dir=str(args.project_dir)):
        return run_command(args, apply=False)
