"""What every command shares: exit codes and common arguments."""
from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_DEFINITIONS = 0, 1, 2


def add_project_dir(parser) -> None:
    parser.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR",
                        help="project directory (default: current directory)")
