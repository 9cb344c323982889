"""obskit report"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from obskit.cli.common import EXIT_OK, add_project_dir


def register(sub) -> None:
    p = sub.add_parser("report", help="measure when each SLO alert fires (Workbook attributes), with plots",
                       description="For every SLO and alert tier, run promtool on synthetic incidents (100 % "
                                   "outage, 14.4x, 6x and 2x burns) and measure detection time, budget spent at "
                                   "detection and reset time; write report.md, PNG plots and index.html.")
    add_project_dir(p)
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output directory (default: PROJECT_DIR/report)")
    p.add_argument("--slo", action="append", default=[], metavar="SERVICE/NAME",
                   help="only this SLO (repeatable; also SERVICE-NAME)")
    p.add_argument("--no-plots", action="store_true", help="tables only (no matplotlib needed)")
    p.add_argument("-j", "--jobs", type=int, default=None, metavar="N", help="promtool runs at once")
    p.add_argument("--output", choices=("text", "json"), default="text", help="json: the measurements on stdout")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def run(args) -> int:
    from obskit.report.attributes import stderr_progress
    from obskit.report.run import report
    r = report(args.project_dir, args.out, only=args.slo, plots=not args.no_plots, workers=args.jobs,
               progress=None if args.quiet else stderr_progress)
    if args.output == "json":
        print(json.dumps(r.to_dict(), indent=2))
    elif not args.quiet:
        print(f"obskit: measured {len(r.measurements)} incident(s); report in {r.out / 'index.html'}")
        for s in r.skipped:
            print(f"  skipped: {s}")
    return EXIT_OK
