"""obskit apply"""
from __future__ import annotations


def register(sub) -> None:
    from obskit.cli.commands.grafana_common import add_arguments
    p = sub.add_parser(
        "apply", help="push the build's Grafana folders, dashboards and datasources to a Grafana server",
        description="Build PROJECT_DIR (or read --from OUT_DIR) and write to Grafana only what differs. "
                    "Resources obskit manages carry an ownership marker; anything else with the same uid is "
                    "reported and never touched. A resource changed on the server since obskit applied it is "
                    "not overwritten without --force. Exit codes: 0 all applied, 1 something failed, 2 "
                    "definition errors (nothing sent), 3 nothing failed but something was skipped (drift, "
                    "conflict, provisioned).")
    add_arguments(p)
    p.add_argument("--dry-run", action="store_true", help="plan and summarise, write nothing")
    p.set_defaults(func=run)


def run(args) -> int:
    from obskit.cli.commands.grafana_common import run as run_command
    from obskit.tracing import span
    with span("obskit.apply", project_dir=str(args.project_dir)):
        return run_command(args, apply=True)
