"""obskit backtest"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from obskit.cli.common import EXIT_DEFINITIONS, EXIT_OK, add_project_dir, print_json

EPILOG = """\
times: RFC 3339 (2026-09-03T10:00:00Z), Unix seconds, now, or now-DURATION (now-30d).

Every window and tier is computed locally from the raw samples, as the rules `obskit build` writes
compute them (docs/backtest.md); the server only returns stored samples.

exit codes:
  0  the backtest ran (whatever it found)
  1  the server is unreachable, slow or refused a query
  2  bad input: an unknown --slo, bad times, an unreadable incidents or samples file, a --policy that
     is not an AlertingPolicy, or errors in the project's definitions
"""


def register(sub) -> None:
    from obskit.live.connection import add_connection_arguments
    p = sub.add_parser("backtest", help="replay the SLO alerts (and alternative policies) on real history",
                       description="Fetch each SLO's raw SLI series from Prometheus (or an OpenMetrics file), "
                                   "compute every window and tier locally as the generated rules do, and report "
                                   "per tier the firing intervals, pages per week and, with --incidents, "
                                   "detection delay, budget spent at detection, missed incidents and alerts "
                                   "outside any incident.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_project_dir(p)
    p.add_argument("--slo", action="append", default=[], metavar="SERVICE/NAME",
                   help="only this SLO (repeatable; also SERVICE-NAME)")
    p.add_argument("--samples", type=Path, metavar="FILE.om",
                   help="read samples from an OpenMetrics file (as `promtool tsdb dump-openmetrics` writes it) "
                        "instead of a server")
    p.add_argument("--prometheus-version", default="3", metavar="VERSION",
                   help="with --samples: compute as this Prometheus version does (ranges are left-open from 3.0; "
                        "default 3); with --prometheus the server's own version is used")
    p.add_argument("--from", dest="start", required=True, metavar="T", help="start of the replay")
    p.add_argument("--to", dest="end", required=True, metavar="T", help="end of the replay")
    p.add_argument("--incidents", type=Path, metavar="FILE",
                   help="YAML or CSV of incidents (start, end, optional label) to score the alerts against")
    p.add_argument("--policy", action="append", default=[], metavar="MODULE:NAME",
                   help="also replay this AlertingPolicy (a module importable from PROJECT_DIR; repeatable)")
    p.add_argument("--output", choices=("text", "json"), default="text", help="json: one document on stdout")
    p.add_argument("--report", type=Path, metavar="DIR", help="write plots, report.md, index.html, backtest.json")
    p.add_argument("--no-plots", action="store_true", help="with --report: no PNG plots")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    add_connection_arguments(p, required=False)
    p.set_defaults(func=run)


def _time(text: str, what: str, now: float) -> float:
    from obskit.duration import Duration, DurationError
    from obskit.live.backtest.incidents import parse_time
    text = text.strip()
    if text == "now":
        return now
    if text.startswith("now-"):
        try:
            return now - Duration.parse(text[4:]).seconds
        except DurationError as exc:
            from obskit.live.backtest.errors import BacktestError
            raise BacktestError(f"{what} {text!r}: {exc}") from None
    return parse_time(text, what)


def _source(args, settings):
    from obskit.live.backtest.errors import BacktestError
    from obskit.live.backtest.fetch import FileSource, PrometheusSource
    from obskit.live.backtest.rate import Dialect
    if (args.samples is None) == (args.prometheus is None):
        raise BacktestError("give exactly one of --prometheus URL or --samples FILE.om")
    if args.samples is not None:
        return FileSource(args.samples, Dialect.for_version(args.prometheus_version))
    from obskit.live.connection import PrometheusAPI
    return PrometheusSource(PrometheusAPI.from_args(args), url=args.prometheus,
                            scrape_interval=settings.scrape_interval)


def run(args) -> int:
    from obskit.live.backtest.errors import BacktestError
    from obskit.live.backtest.incidents import load_incidents
    from obskit.live.backtest.output import table, to_dict
    from obskit.live.backtest.run import backtest, load_policy, select_slos
    from obskit.loader import load_project

    as_json = args.output == "json"
    try:
        now = time.time()
        start, end = _time(args.start, "--from", now), _time(args.end, "--to", now)
        if end <= start:
            raise BacktestError(f"--to ({args.end}) must be after --from ({args.start})")
        incidents = load_incidents(args.incidents) if args.incidents else ()
        project = load_project(args.project_dir)
        slos = select_slos(project, args.slo)
        policies = [load_policy(spec, project.root) for spec in args.policy]
        source = _source(args, project.settings)
        progress = None if (args.quiet or as_json) else (lambda m: print(f"obskit: {m}", file=sys.stderr))
        result = backtest(project, source, slos, start, end, incidents=incidents, policies=policies,
                          progress=progress)
    except BacktestError as exc:
        if as_json:
            print_json({"ok": False, "exit_code": EXIT_DEFINITIONS, "error": str(exc)})
        else:
            print(f"obskit: {exc}", file=sys.stderr)
        return EXIT_DEFINITIONS
    if args.report is not None:
        from obskit.live.backtest.plots import write_report
        write_report(result, args.report, plots=not args.no_plots)
    if as_json:
        print_json(to_dict(result))
    else:
        print(table(result))
        if args.report is not None:
            print(f"obskit: report in {args.report / 'index.html'}")
    return EXIT_OK
