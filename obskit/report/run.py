"""Load a project, measure every SLO's tiers, write the report directory."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from obskit.compile.slo import compile_slo
from obskit.loader import load_project
from obskit.report.attributes import Measurement, measure
from obskit.report.writer import Section, index_html, markdown, plot_name


@dataclass(frozen=True)
class Report:
    out: Path
    measurements: List[Measurement]
    skipped: List[str]
    files: List[Path]

    def to_dict(self) -> dict:
        return {"out": str(self.out), "files": [str(f) for f in self.files], "skipped": self.skipped,
                "measurements": [{
                    "slo": m.scenario.slo_id, "tier": m.scenario.tier, "incident": m.scenario.label,
                    "burn": m.scenario.burn, "evaluation_interval_seconds": m.scenario.step,
                    "detection_seconds": m.detection, "workbook_detection_seconds": m.expected_detection,
                    "budget_at_detection": m.budget_at_detection, "reset_seconds": m.reset,
                    "plot": plot_name(m) if self.out / plot_name(m) in self.files else None}
                                 for m in self.measurements]}


def report(project_dir, out: Optional[Path] = None, *, only: Sequence[str] = (), plots: bool = True,
           workers: Optional[int] = None, progress: Optional[Callable[[str], None]] = None) -> Report:
    project = load_project(project_dir)
    slos = [s for s in project.slos if not only or s.id in only or f"{s.service}/{s.name}" in only]
    compiled = [compile_slo(s, project.settings) for s in slos]
    measurements, skipped = measure(compiled, workers=workers, progress=progress)
    # not under build/: `obskit build` replaces that directory as a whole
    out = Path(out) if out is not None else project.root / "report"
    out.mkdir(parents=True, exist_ok=True)
    files: List[Path] = []
    by_slo = {c.slo.id: c for c in compiled}
    sections = []
    for c in compiled:
        ms = [m for m in measurements if m.scenario.slo_id == c.slo.id]
        if ms:
            sections.append(Section(c.slo.id, f"{c.slo.service} / {c.slo.name} ({c.slo.objective:g}% over "
                                              f"{c.slo.period})", ms))
    if plots:
        from obskit.report.plots import plot
        for m in measurements:
            c = by_slo[m.scenario.slo_id]
            tier = next(t for t in c.slo.alerting.tiers if t.name == m.scenario.tier)
            files.append(plot(m, tier, c.slo.error_budget, c.slo.period.seconds, out / plot_name(m)))
            if progress:
                progress(f"plotted {plot_name(m)}")
    (out / "report.md").write_text(markdown(sections, skipped, plots=plots))
    (out / "index.html").write_text(index_html(sections, skipped, plots=plots))
    files += [out / "report.md", out / "index.html"]
    return Report(out, measurements, skipped, files)
