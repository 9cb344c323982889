"""The report files: ``report.md`` (one table per SLO), PNG plots, ``index.html`` linking them all."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from obskit.duration import Duration
from obskit.report.attributes import Measurement

COLUMNS = ("tier", "incident", "detection (measured)", "Workbook: long × factor / burn",
           "budget spent at detection", "reset after recovery", "plot")


def human(seconds: Optional[float]) -> str:
    if seconds is None:
        return "never"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    return str(Duration(seconds // 60 * 60)) + (f"{seconds % 60}s" if seconds % 60 else "")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def plot_name(m: Measurement) -> str:
    sc = m.scenario
    return f"plots/{sc.slo_id}-{sc.tier}-{slug(sc.label)}.png"


def row(m: Measurement, plots: bool = True) -> List[str]:
    sc = m.scenario
    reset = m.reset
    reset_text = "—" if reset is None else (f"still firing after {human(sc.recovery)}" if reset < 0 else human(reset))
    budget = "—" if m.budget_at_detection is None else f"{m.budget_at_detection:.2%}"
    cells = [sc.tier, sc.label, human(m.detection), human(m.expected_detection), budget, reset_text]
    return cells + [f"[png]({plot_name(m)})"] if plots else cells


def columns(plots: bool = True):
    return COLUMNS if plots else COLUMNS[:-1]


@dataclass(frozen=True)
class Section:
    slo_id: str
    title: str
    measurements: Sequence[Measurement]


def markdown(sections: Sequence[Section], skipped: Sequence[str], plots: bool = True) -> str:
    """``plots=False`` (``obskit report --no-plots``): no plot column, no links to files not written."""
    out = ["# obskit report: alert behaviour per SLO", "",
           "Measured with promtool on synthetic traffic: clean history longer than the tier's longest window, "
           "then the incident (steady for one longest window), then recovery. Detection is the first "
           "evaluation step at which the tier's alert fires; the Workbook column is "
           "min over the tier's windows of long window × factor / burn (never when the burn is below "
           "every factor). They agree within one evaluation interval, plus at most half the base window "
           "when the SLO's windows are pre-aggregated (obskit's default). Input samples every minute; "
           "rules evaluated at the tier's interval (the measurement's resolution).", ""]
    for s in sections:
        cols = columns(plots)
        out += [f"## {s.title}", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        out += ["| " + " | ".join(row(m, plots)) + " |" for m in s.measurements]
        out.append("")
    if skipped:
        out += ["## Not measured", ""] + [f"- {s}" for s in skipped] + [""]
    return "\n".join(out)


def index_html(sections: Sequence[Section], skipped: Sequence[str], plots: bool = True) -> str:
    e = html.escape
    parts = ["<!doctype html>", "<html><head><meta charset='utf-8'><title>obskit report</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}img{max-width:48%;margin:4px}</style>",
             "</head><body>", "<h1>obskit report: alert behaviour per SLO</h1>",
             "<p>Detection and reset measured with promtool on synthetic incidents; "
             "see <a href='report.md'>report.md</a>.</p>"]
    for s in sections:
        parts.append(f"<h2 id='{e(slug(s.slo_id))}'>{e(s.title)}</h2><table><tr>"
                     + "".join(f"<th>{e(c)}</th>" for c in columns(plots)) + "</tr>")
        for m in s.measurements:
            cells = row(m, False) + ([f"<a href='{e(plot_name(m))}'>plot</a>"] if plots else [])
            parts.append("<tr>" + "".join(f"<td>{c if c.startswith('<a') else e(c)}</td>" for c in cells) + "</tr>")
        parts.append("</table>")
        if plots:
            parts.append("<div>" + "".join(
                f"<a href='{e(plot_name(m))}'><img src='{e(plot_name(m))}' alt='{e(m.scenario.name)}'></a>"
                for m in s.measurements) + "</div>")
    if skipped:
        parts.append("<h2>Not measured</h2><ul>" + "".join(f"<li>{e(x)}</li>" for x in skipped) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
