"""``obskit test``: load the project, then run every test provider's checks once per installed program
version, and the summary. It composes like :mod:`obskit.build` (load → compile → verify), so it stands
beside it, above the layers it calls; the providers themselves live in :mod:`obskit.verify`."""
from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from obskit.compile import conventions as conv
from obskit.compile.project import compile_project
from obskit.errors import DefinitionError, Diagnostic, ObskitError, ToolError
from obskit.interop.pycode import identifier
from obskit.loader import load_project
from obskit.location import Location
from obskit.model.rule_files import RuleFile
from obskit.model.rules import RuleGroup
from obskit.model.sli import RawSLI
from obskit.project import Project
from obskit.targets.alert_rules import AlertRules
from obskit.targets.prometheus_rules import PrometheusRules
from obskit.tracing import span
from obskit.verify import timing, tools
from obskit.verify.alert_tests import AlertTest, Firing, alert_tests
from obskit.verify.promtool_files import BUILT, discover, load
from obskit.verify.routing import routing_tests
from obskit.verify.runner import Outcome, run_files
from obskit.verify.scenario import SLOScenario
from obskit.verify.tools import Tool


@dataclass(frozen=True)
class TestReport:
    results: Tuple[Outcome, ...]
    skipped: Tuple[str, ...]
    tools: Tuple[str, ...] = ()      # every program version that ran, e.g. "promtool 2.42.0", "promtool 3.16.0"
    uncovered: Tuple[str, ...] = ()  # alerts no test covers (see uncovered_alerts)
    root: str = ""                   # the project directory: failures' file:line relative to it

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def by_tool(self) -> Dict[str, List[Outcome]]:
        out: Dict[str, List[Outcome]] = {t: [] for t in self.tools}
        for r in self.results:
            out.setdefault(r.tool, []).append(r)
        return out

    def text(self, quiet: bool = False, verbose: bool = False) -> str:
        """Per program version, the per-subject summary and a ``promtool 3.16.0: 23 passed`` line;
        ``quiet``: failures and the closing lines only. A failure shows each failed expectation (the
        test's file:line, the alert and labels, expected against got); ``verbose`` adds promtool's own
        report (always shown when it names no expectation)."""
        lines = [f"obskit test ({', '.join(self.tools)})" if self.tools else "obskit test"]
        totals = []
        for tool, rs in self.by_tool().items():
            by_subject = defaultdict(list)
            for r in rs:
                by_subject[r.subject].append(r)
            if tool and not quiet:
                lines.append(f"{tool}:")
            for subject in sorted(by_subject):
                srs = by_subject[subject]
                tests = sum(len(r.test_names) for r in srs)
                failed = [r for r in srs if not r.ok]
                status = "ok" if not failed else f"FAILED ({len(failed)} of {len(srs)} run(s))"
                if quiet and not failed:
                    continue
                lines.append(f"  {subject}: {status}: {tests} test(s) in {len(srs)} run(s), "
                             f"{sum(r.seconds for r in srs):.1f}s")
                if not quiet:
                    for r in srs:
                        for name in r.test_names:
                            bad = name in _failed(r)
                            lines.append(f"      {'FAIL' if bad else 'ok  '} {name}")
                for r in failed:
                    lines.append(r.describe(verbose=verbose, root=self.root or None))
            n = sum(len(r.test_names) for r in rs)
            bad = sum(len(_failed(r)) for r in rs)
            totals.append(f"{tool or 'tools'}: {n - bad} passed" + (f", {bad} failed" if bad else ""))
        for s in () if quiet else self.skipped:
            lines.append(f"  skipped: {s}")
        for u in () if quiet else self.uncovered:
            lines.append(f"  not covered: {u}")
        lines.extend(totals)
        total = len(self.results)
        bad = sum(not r.ok for r in self.results)
        lines.append(f"{total - bad}/{total} run(s) passed" + (f", {bad} failed" if bad else ""))
        return "\n".join(lines)


def _failed(r: Outcome):
    return r.failed_tests if r.failed_tests or r.ok else r.test_names


@dataclass(frozen=True)
class ToolPlan:
    """Which installed versions ``obskit test`` runs, and why others are not run."""

    promtool: Tuple[Tool, ...]
    amtool: Tuple[Tool, ...]
    skipped: Tuple[str, ...]


def plan_tools(settings, promtool: Sequence[str] = (), amtool: Sequence[str] = ()) -> ToolPlan:
    """Every installed promtool/amtool that the project's output must work in (versions from the
    project's ``prometheus_version`` / ``alertmanager_version`` floor up), or only those named on the
    command line (``promtool``/``amtool``: version prefixes) or in ``obskit.toml``
    (``promtool_versions`` / ``amtool_versions``)."""
    chosen, skipped = {}, []
    for name, floor, named in (("promtool", settings.prometheus_version, tuple(promtool) or settings.promtool_versions),
                               ("amtool", settings.alertmanager_version, tuple(amtool) or settings.amtool_versions)):
        try:
            found = tools.installed(name)
        except ObskitError as exc:
            skipped.append(str(exc))
            found = ()
        usable = tools.at_least(name, floor, named) if found else ()
        for t in found:
            if t not in usable and not named:
                skipped.append(f"{t.label}: older than the project's floor {floor} "
                               f"({'prometheus' if name == 'promtool' else 'alertmanager'}_version)")
        pinned = tuple(promtool if name == "promtool" else amtool)
        for want in named:
            if not any(t.matches(want) for t in usable):
                why = (f"older than the project's floor {floor}" if any(t.matches(want) for t in found)
                       else f"not installed (installed: {', '.join(t.version for t in found) or 'none'}); "
                            f"install it with {tools.install_hint(name, want)}")
                if want in pinned:      # asked for on the command line: an error, not a note
                    raise ToolError(f"--{name} {want}: {why}")
                skipped.append(f"{name} {want} (obskit.toml {name}_versions): {why}")
        current, line = CURRENT[name]
        if not named and found and not any(t.version_tuple >= current for t in found):
            skipped.append(f"{name} {line}: not installed, so the current release line is not proven; install it "
                           f"with {tools.install_hint(name, line)}")
        chosen[name] = usable
    return ToolPlan(chosen["promtool"], chosen["amtool"], tuple(skipped))


#: The current release lines: a run with none of them says so.
CURRENT = {"promtool": ((3,), "3.x"), "amtool": ((0, 27), "0.27 or newer")}


def slo_tests(project: Project, workers: Optional[int], keep: Optional[Path], tool: Optional[Tool] = None):
    """Generated timing tests for every SLO, and the project's SLOScenarios, through promtool."""
    compiled = compile_project(project)
    files, skipped, proven = [], [], set()
    for c in compiled.slos:
        key = timing.policy_key(c.slo)
        p = timing.plan(c, full=key not in proven)
        proven.add(key)
        files.extend(p.files)
        skipped.extend(p.skipped)
    by_slo = {c.slo: c for c in compiled.slos}
    for sc in project.of(SLOScenario):
        files.append(sc.test_file(by_slo.get(sc.slo)))
    if not files:
        return [], skipped
    return run_files(files, workers=workers, keep=keep, tool=tool), skipped


def _built_rule_files(project) -> Tuple[Dict[str, bytes], Dict[str, str], Dict[str, str]]:
    """The built rule files (path → bytes), included source → built path, imported stem → built path."""
    files: Dict[str, bytes] = {}
    for target in (PrometheusRules(), AlertRules()):
        rendered = {**target.render(project), **target.unwritten}   # unwritten: rules written as PrometheusRule only
        files.update({k: v for k, v in rendered.items() if k.startswith("prometheus/rules/")})
    included = {str(rf.source_path.resolve()): rf.output for rf in project.of(RuleFile)}
    suffix = f"{conv.ALERT_RULE_FILE_SUFFIX}.yml"
    imported = {}
    for rel in files:
        name = Path(rel).name
        if name.endswith(suffix):
            imported[name[:-len(suffix)]] = rel
    return files, included, {k: v for k, v in imported.items() if k == identifier(k)}


def user_promtool_tests(project, workers, keep, tool=None):
    """``obskit test`` provider: the team's promtool test files (obskit/verify/promtool_files.py), as
    they are, against the built rules."""
    found = discover(project)
    if not found:
        return [], []
    built, included, imported = _built_rule_files(project)
    scratch = None
    if keep:
        built_dir = str(Path(keep).resolve() / BUILT)
    else:
        scratch = tempfile.TemporaryDirectory(prefix="obskit-user-tests-")
        built_dir = str(Path(scratch.name) / BUILT)
    try:
        errors: List[Diagnostic] = []
        files = []
        for path, declared in found:
            try:
                files.append(load(path, declared, project, built, included, imported, built_dir))
            except DefinitionError as exc:
                errors += exc.diagnostics
        if errors:
            raise DefinitionError(errors)
        return run_files(files, workers=workers, keep=keep, tool=tool), []
    finally:
        if scratch is not None:
            scratch.cleanup()


def run_paths(paths: Sequence[Path], project, tool=None):
    """For pytest: the outcomes of some of the team's promtool test files against ``project``'s built rules."""
    built, included, imported = _built_rule_files(project)
    with tempfile.TemporaryDirectory(prefix="obskit-user-tests-") as d:
        files = [load(Path(p).resolve(), Location(str(p), 1), project, built, included, imported, str(Path(d) / BUILT))
                 for p in paths]
        return run_files(files, tool=tool)


#: Test providers: ``fn(project, workers, keep, tool) -> (outcomes, skipped notes)``, each with the
#: program it runs (once per installed version of it that the project supports).
PROVIDERS = (slo_tests, alert_tests, user_promtool_tests, routing_tests)
PROGRAM = {slo_tests: "promtool", alert_tests: "promtool", user_promtool_tests: "promtool", routing_tests: "amtool"}


@span("obskit.test")
def run_project_tests(project_dir, workers: Optional[int] = None, keep: Optional[Path] = None,
                      promtool: Sequence[str] = (), amtool: Sequence[str] = ()) -> TestReport:
    """Every provider's tests, once per installed promtool/amtool version the project supports
    (``promtool``/``amtool``: only these version prefixes)."""
    with span("obskit.load", project_dir=str(project_dir)):
        project = load_project(project_dir)
    plan = plan_tools(project.settings, promtool, amtool)
    results: List[Outcome] = []
    skipped: List[str] = list(plan.skipped)
    ran = []
    for provider in PROVIDERS:
        versions = getattr(plan, PROGRAM[provider])
        if not versions:
            skipped.append(f"{provider.__name__}: no {PROGRAM[provider]} to run it with")
        for i, tool in enumerate(versions):
            sub_keep = Path(keep) / tool.label.replace(" ", "-") if keep else None
            with span("obskit.test.provider", provider=provider.__name__, tool=tool.label):
                r, s = provider(project, workers, sub_keep, tool)
            results.extend(r)
            if i == 0:
                skipped.extend(s)
            if r and tool.label not in ran:
                ran.append(tool.label)
    order = {t.label: i for i, t in enumerate(plan.promtool + plan.amtool)}
    return TestReport(tuple(results), tuple(skipped), tuple(sorted(ran, key=lambda t: order.get(t, 0))),
                      tuple(uncovered_alerts(project)), str(project.root))


def uncovered_alerts(project: Project) -> List[str]:
    """Alerts that no test covers, each with where it is defined: an alert rule that no AlertTest
    expectation names (or only ``Silent`` ones: never shown to fire), and the alerts of an SLO whose
    timing tests cannot be generated (a RawSLI) and that no SLOScenario tests."""
    root = str(project.root)
    named: Dict[str, set] = defaultdict(set)
    for t in project.of(AlertTest):
        for e in t.expect:
            named[e.alert].add("firing" if isinstance(e, Firing) else "silent")
    out = []
    for g in project.of(RuleGroup):
        for r in g.alerts:
            where = r.location.relative_to(root)
            if r.name not in named:
                out.append(f"alert {r.name} ({where}, group {g.name}): no AlertTest names it")
            elif "firing" not in named[r.name]:
                out.append(f"alert {r.name} ({where}, group {g.name}): AlertTests only expect it silent, "
                           "none shows it firing")
    scenarios = {sc.slo for sc in project.of(SLOScenario)}
    for slo in project.slos:
        if isinstance(slo.sli, RawSLI) and slo not in scenarios:
            out.append(f"SLO {slo.service}/{slo.name} ({slo.location.relative_to(root)}): its alerts have no "
                       "generated timing tests (a RawSLI) and no SLOScenario tests them")
    return out
