"""``obskit import`` / ``obskit export`` without the argument parsing: convert, then write or refuse."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from obskit.interop import openslo, openslo_export, sloth, sloth_export
from obskit.interop.common import SourceError
from obskit.interop.findings import Finding, ImportedModule, is_partial
from obskit.interop.pycode import module_code

FORMATS = ("sloth", "openslo", "pyrra")


@dataclass(frozen=True)
class ImportResult:
    modules: Tuple[ImportedModule, ...]
    files: Dict[str, str]                  # path → Python source (written unless refused)
    findings: Tuple[Finding, ...]
    written: bool
    refused: Tuple[str, ...] = ()          # why nothing was written

    @property
    def partial(self) -> bool:
        return is_partial(self.findings)

    def to_dict(self) -> dict:
        return {"written": self.written, "partial": self.partial, "files": sorted(self.files),
                "slos": [f"{i.slo.service}/{i.slo.name}" for m in self.modules for i in m.slos],
                "findings": [f.to_dict() for f in self.findings], "refused": list(self.refused)}


def convert(fmt: str, paths: Sequence[Path], window_shape: Optional[str] = None) -> List[ImportedModule]:
    if fmt == "sloth":
        return [m for p in paths for m in sloth.convert(Path(p), window_shape)]
    if fmt == "openslo":
        return openslo.convert([Path(p) for p in paths])
    if fmt == "pyrra":
        from obskit.interop import pyrra
        return pyrra.convert([Path(p) for p in paths])
    raise ValueError(f"unknown format {fmt!r}; use one of {FORMATS}")


def _unique_alert_names(modules: List[ImportedModule]) -> List[ImportedModule]:
    """Sloth (and OpenSLO's alert-name annotation) let SLOs share an alert name; obskit refuses two
    SLOs with one generated alert name (``duplicate-alert``). A repeated name gets the SLO's name
    appended, with a finding, so the written code builds."""
    from dataclasses import replace
    from obskit.compile import conventions as conv
    from obskit.interop.findings import Finding
    seen: Dict[str, str] = {}
    out = []
    for m in modules:
        items, extra = [], []
        for item in m.slos:
            slo = item.slo
            name = slo.alert_name or conv.burn_alert_name(slo.service, slo.name)
            if name in seen:
                new, n = name + conv.camel(slo.name), 2
                while new in seen:
                    new, n = f"{name}{conv.camel(slo.name)}{n}", n + 1
                f = Finding(m.source, f"SLO {slo.service}/{slo.name}", "changed",
                            f"alert name {name!r} is also the alert of SLO {seen[name]} (the source allows that; "
                            f"obskit needs one alert name per SLO): written alert_name={new!r}")
                slo = replace(slo, alert_name=new)
                item = replace(item, slo=slo, findings=item.findings + (f,))
                extra.append(f)
                name = new
            seen[name] = f"{slo.service}/{slo.name}"
            items.append(item)
        out.append(replace(m, slos=tuple(items), findings=m.findings + tuple(extra)) if extra else m)
    return out


def _merge(modules: List[ImportedModule]) -> Dict[str, List[ImportedModule]]:
    by_name: Dict[str, List[ImportedModule]] = {}
    for m in modules:
        by_name.setdefault(m.module, []).append(m)
    return by_name


def import_files(fmt: str, paths: Sequence[Path], out: Path, *, allow_partial: bool = False,
                 force: bool = False, window_shape: Optional[str] = None) -> ImportResult:
    """Convert ``paths``; write one module per service into ``out`` unless the conversion is partial
    (and ``allow_partial`` is not set) or a file exists (and ``force`` is not set). Raises SourceError
    when a file is not of the format at all."""
    modules = _unique_alert_names(convert(fmt, paths, window_shape))
    files: Dict[str, str] = {}
    note = sloth.ABSENT_NOTE if fmt == "sloth" else ""
    for name, group in sorted(_merge(modules).items()):
        for i, m in enumerate(group):    # two files for one service: <service>.py, <service>_2.py
            stem = name if i == 0 else f"{name}_{i + 1}"
            files[str(Path(out) / f"{stem}.py")] = module_code(m, note)
    findings = tuple(f for m in modules for f in m.findings)
    refused = []
    if is_partial(findings) and not allow_partial:
        refused.append("the conversion is partial (findings marked 'lost'); nothing was written. "
                       "Re-run with --allow-partial to write what converts, with the findings as comments.")
    existing = [p for p in files if Path(p).exists()]
    if existing and not force:
        refused.append(f"{', '.join(existing)} exist(s); use --force to overwrite")
    if not modules or not any(m.slos or m.unconverted for m in modules):
        refused.append("no SLO found in the input")
    if refused:
        return ImportResult(tuple(modules), files, findings, False, tuple(refused))
    for path, text in files.items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text)
    return ImportResult(tuple(modules), files, findings, True)


def export_openslo(project_dir: Path, fmt: str = "openslo") -> Tuple[str, List[Finding], int]:
    """The project's SLOs as one OpenSLO v1 (or, ``fmt="sloth"``, Sloth prometheus/v1) YAML stream."""
    from obskit.loader import load_project
    project = load_project(project_dir)
    export = sloth_export.export if fmt == "sloth" else openslo_export.export
    text, findings = export(project.slos, source=f"the SLOs of {Path(project_dir).resolve().name}")
    return text, findings, len(project.slos)


def export_pyrra(project_dir: Path, lossy: bool = False):
    """The project's SLOs as Pyrra objects: (exported, findings, number of SLOs). Objects go in the
    ``[kubernetes]`` namespace when one is set (else each SLO's service) with its labels."""
    from obskit.interop import pyrra_export
    from obskit.loader import load_project
    from obskit.project import kubernetes_namespace
    project = load_project(project_dir)
    exported, findings = pyrra_export.export(
        project.slos, k8s_labels=project.settings.kubernetes.labels, namespace=kubernetes_namespace(project.settings),
        lossy=lossy, root=str(Path(project_dir).resolve()))
    return exported, findings, len(project.slos)


__all__ = ["FORMATS", "ImportResult", "SourceError", "convert", "import_files", "export_openslo", "export_pyrra"]


# --- files that become other definitions than SLOs (rule files, Alertmanager configs, ...) ---------
@dataclass(frozen=True)
class CodeImportResult:
    """An import that writes Python modules of rule groups, routing, ...: what it wrote or why not."""

    what: str                              # "rule groups", ...
    files: Dict[str, str]                  # path → Python source
    findings: Tuple[Finding, ...]
    errors: Tuple[object, ...]             # Diagnostics (located in the source): nothing written
    written: bool
    refused: Tuple[str, ...] = ()
    summary: str = ""

    @property
    def partial(self) -> bool:
        return is_partial(self.findings)

    def to_dict(self) -> dict:
        return {"written": self.written, "partial": self.partial, "files": sorted(self.files),
                "summary": self.summary, "findings": [f.to_dict() for f in self.findings],
                "errors": [str(d) for d in self.errors], "refused": list(self.refused)}


def write_code(what: str, files: Dict[str, str], findings, errors, *, force: bool, allow_partial: bool,
               summary: str) -> CodeImportResult:
    """Write ``files`` unless there are errors, a partial conversion (without ``allow_partial``) or
    existing files (without ``force``)."""
    errors = tuple(d for d in errors if getattr(d, "severity", "error") == "error")
    findings = tuple(findings)
    refused = []
    if errors:
        refused.append(f"the input has {len(errors)} error(s); nothing was written")
    if is_partial(findings) and not allow_partial:
        refused.append("the conversion is partial (findings marked 'lost'); nothing was written. "
                       "Re-run with --allow-partial to write what converts, with the findings as comments.")
    existing = [p for p in files if Path(p).exists()]
    if existing and not force:
        refused.append(f"{', '.join(existing)} exist(s); use --force to overwrite")
    if refused:
        return CodeImportResult(what, files, findings, errors, False, tuple(refused), summary)
    for path, text in files.items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text)
    return CodeImportResult(what, files, findings, errors, True, (), summary)


def import_rules(paths: Sequence[Path], out: Path, *, force: bool = False,
                 allow_partial: bool = False) -> CodeImportResult:
    """Prometheus rule files / PrometheusRule objects → ``out/<file stem>.py``. SourceError when a
    file is not a rule file (or promtool would refuse it: unknown keys, a rule without expr, ...)."""
    from obskit.interop.rules_code import convert as convert_rules
    modules, diags = convert_rules(paths)
    files = {str(Path(out) / f"{m.module}.py"): m.code for m in modules}
    findings = [f for m in modules for f in m.findings]
    summary = (f"imported {sum(m.rules for m in modules)} rule(s) in {sum(m.groups for m in modules)} group(s) "
               f"into {len(files)} module(s)")
    return write_code("rule groups", files, findings, diags, force=force, allow_partial=allow_partial,
                      summary=summary)


def import_alertmanager(paths: Sequence[Path], out: Path, *, force: bool = False,
                        allow_partial: bool = False) -> CodeImportResult:
    """alertmanager.yml → ``out/<file stem>.py`` (one Alertmanager definition). SourceError when a
    file is not an Alertmanager configuration."""
    from obskit.interop import alertmanager as am
    if len(paths) != 1:
        raise SourceError("give one alertmanager.yml: a project has one Alertmanager configuration")
    result = am.convert(Path(paths[0]))
    files = {str(Path(out) / f"{result.module}.py"): result.code}
    summary = f"imported {result.receivers} receiver(s) and {result.routes} route(s) into {len(files)} module(s)"
    return write_code("alertmanager", files, result.findings, result.diagnostics, force=force,
                      allow_partial=allow_partial, summary=summary)


def import_dashboards(paths: Sequence[Path], out: Path, *, folder: str = "Imported", force: bool = False,
                      allow_partial: bool = False) -> CodeImportResult:
    """Grafana dashboard JSON files (or folders of them) → ``out/<file stem>.py``, one Dashboard each."""
    from obskit.errors import Diagnostic
    from obskit.interop import grafana
    from obskit.location import Location
    taken: set = set()
    results = [grafana.convert(p, folder, taken) for p in grafana.files_of(paths)]
    files = {str(Path(out) / f"{r.module}.py"): r.code for r in results}
    errors = [Diagnostic("dashboard-import", problem, f"dashboard {r.title!r}", Location(r.source, 1))
              for r in results for problem in r.problems]
    findings = [f for r in results for f in r.findings]
    return write_code("dashboards", files, findings, errors, force=force, allow_partial=allow_partial,
                      summary=f"imported {len(results)} dashboard(s) into {len(files)} module(s)")


def import_promtool_tests(paths: Sequence[Path], out: Path, *, force: bool = False,
                          allow_partial: bool = False) -> CodeImportResult:
    """promtool test files → ``out/<file stem>_tests.py``, one RuleTest per test (their rule_files
    imported with ``obskit import prometheus-rules`` first, or included)."""
    from obskit.interop.promtool_import import convert_all
    modules, diags = convert_all(paths)
    files = {str(Path(out) / f"{m.module}.py"): m.code for m in modules}
    findings = [f for m in modules for f in m.findings]
    return write_code("promtool tests", files, findings, diags, force=force, allow_partial=allow_partial,
                      summary=f"imported {sum(m.tests for m in modules)} promtool test(s) into {len(files)} module(s)")
