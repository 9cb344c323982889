"""obskit import (module ``import_``: ``import`` is a Python keyword)"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from obskit.cli.common import EXIT_DEFINITIONS, EXIT_FAILED, EXIT_OK

#: partial conversion (something was not carried over) without --allow-partial
EXIT_PARTIAL = EXIT_FAILED

#: format → (default --out, what it converts)
FORMATS = {
    "sloth": ("slos", "Sloth specs (prometheus/v1, sloth.slok.dev/v1 PrometheusServiceLevel and "
                      "ManagedPrometheusServiceLevel) → SLOs, per-alert labels and annotations as the tiers' own"),
    "openslo": ("slos", "OpenSLO v1 documents (SLO, SLI, AlertPolicy, AlertCondition, Service, DataSource; also "
                        "v1alpha, as Sloth reads it) → SLOs"),
    "pyrra": ("slos", "Pyrra ServiceLevelObjective objects (ratio, latency, latencyNative, bool_gauge) → SLOs with "
                      "Pyrra's burn-rate windows"),
    "prometheus-rules": ("alerts", "Prometheus rule files and PrometheusRule objects → RuleGroup/AlertRule/"
                                   "RecordingRule definitions that build into the same rules"),
    "rules": ("alerts", "alias of prometheus-rules"),
    "promtool-tests": ("alerts", "promtool test files → RuleTest definitions (alert_rule_test: Firing/Silent, "
                                 "promql_expr_test: Samples) run by obskit test with promtool's semantics"),
    "grafana-dashboard": ("dashboards", "Grafana dashboard JSON files or folders (also exports with __inputs, any "
                                        "schemaVersion) → Dashboard definitions, migrated as Grafana does on load"),
    "alertmanager": ("alerts", "an alertmanager.yml → one Alertmanager definition (routes, receivers with "
                               "Secret references, inhibit rules, time intervals, templates)"),
}


def add_output_options(p) -> None:
    p.add_argument("--output", choices=("text", "json"), default="text",
                   help="text (default) or json on stdout, for CI")
    p.add_argument("-q", "--quiet", action="store_true", help="print only findings and errors")


def register(sub) -> None:
    formats = "\n".join(f"  {name:<17} {what} (default --out {out}/)" for name, (out, what) in FORMATS.items())
    import argparse
    p = sub.add_parser("import", help="convert Sloth, OpenSLO, Pyrra, Prometheus rule files, an alertmanager.yml "
                                      "or Grafana dashboards into obskit Python definitions",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Convert documents of another tool into obskit Python definitions, one module "
                                   "per service (SLOs) or per input file (rules). What cannot be converted is listed "
                                   "(and written as comments); a partial conversion writes nothing unless "
                                   "--allow-partial.\n\nformats:\n" + formats +
                                   "\n\nTo keep a rule file as YAML instead, include it unchanged: "
                                   "RuleFile.include(\"rules.yml\") (docs/interop.md).",
                       epilog="Exit codes: 0 converted; 1 partial conversion refused (see findings); "
                              "2 input that is not of the format or that Prometheus would refuse (located "
                              "file:line), or files in the way.")
    p.add_argument("format", choices=tuple(FORMATS))
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="directory for the generated modules (default: ./slos for SLOs, ./alerts for rules and "
                        "Alertmanager, ./dashboards for dashboards)")
    p.add_argument("--allow-partial", action="store_true",
                   help="write the modules even when something could not be converted")
    p.add_argument("--force", action="store_true", help="overwrite existing modules")
    p.add_argument("--folder", default="Imported", metavar="TITLE",
                   help="grafana-dashboard: the Grafana folder of the imported dashboards (default: Imported)")
    p.add_argument("--sloth-windows", action="store_true",
                   help="sloth: give the SLOs window_shape='raw', Sloth's exact rule shape (every window over "
                        "the raw series) instead of obskit's pre-aggregated windows")
    add_output_options(p)
    p.set_defaults(func=run)


def _source_error(args, exc) -> int:
    if args.output == "json":
        print(json.dumps({"written": False, "error": str(exc)}, indent=2))
    else:
        print(f"obskit: {exc}", file=sys.stderr)
    return EXIT_DEFINITIONS


def run(args) -> int:
    from obskit.interop.driver import SourceError
    out = args.out if args.out is not None else Path(FORMATS[args.format][0])
    try:
        if args.format in ("prometheus-rules", "rules"):
            from obskit.interop.driver import import_rules
            return _report_code(args, import_rules(args.files, out, force=args.force,
                                                   allow_partial=args.allow_partial))
        if args.format == "promtool-tests":
            from obskit.interop.driver import import_promtool_tests
            return _report_code(args, import_promtool_tests(args.files, out, force=args.force,
                                                            allow_partial=args.allow_partial))
        if args.format == "grafana-dashboard":
            from obskit.interop.driver import import_dashboards
            return _report_code(args, import_dashboards(args.files, out, folder=args.folder, force=args.force,
                                                        allow_partial=args.allow_partial))
        if args.format == "alertmanager":
            from obskit.interop.driver import import_alertmanager
            return _report_code(args, import_alertmanager(args.files, out, force=args.force,
                                                          allow_partial=args.allow_partial))
        from obskit.interop.driver import import_files
        result = import_files(args.format, args.files, out, allow_partial=args.allow_partial, force=args.force,
                              window_shape="raw" if args.sloth_windows else None)
    except SourceError as exc:
        return _source_error(args, exc)
    code = EXIT_OK
    if not result.written:
        blocked = [r for r in result.refused if "exist" in r or "no SLO" in r]
        code = EXIT_DEFINITIONS if blocked else EXIT_PARTIAL
    if args.output == "json":
        print(json.dumps(result.to_dict(), indent=2))
        return code
    for f in result.findings:
        print(str(f), file=sys.stderr)
    for r in result.refused:
        print(f"obskit: {r}", file=sys.stderr)
    if result.written and not args.quiet:
        n = sum(len(m.slos) for m in result.modules)
        lost = sum(f.kind == "lost" for f in result.findings)
        print(f"obskit: imported {n} SLO(s) into {len(result.files)} module(s)"
              + (f"; {lost} thing(s) not carried over (comments in the files)" if lost else ""))
        for path in result.files:
            print(f"  {path}")
    return code


def _report_code(args, result) -> int:
    """Exit code and output of an import that writes code (rules, routing, ...)."""
    code = EXIT_OK
    if not result.written:
        blocked = result.errors or any("exist" in r for r in result.refused)
        code = EXIT_DEFINITIONS if blocked else EXIT_PARTIAL
    if args.output == "json":
        print(json.dumps(result.to_dict(), indent=2))
        return code
    for d in result.errors:
        print(str(d), file=sys.stderr)
    for f in result.findings:
        print(str(f), file=sys.stderr)
    for r in result.refused:
        print(f"obskit: {r}", file=sys.stderr)
    if result.written and not args.quiet:
        print(f"obskit: {result.summary}")
        for path in result.files:
            print(f"  {path}")
    return code
