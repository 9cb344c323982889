"""Every series selector the project reads, with how it reads it and where it is defined, for
``obskit check --prometheus``:

- SLIs: each selector of the SLI as the generated rules use it (a ratio's ``total``, ``errors``,
  ``good`` under ``rate`` over the shortest range the rules take; a classic histogram's ``_bucket``
  with the threshold's ``le`` and its ``_count``; a gauge under ``avg_over_time``; a raw SLI's query
  at its shortest window), located at the SLI;
- the project's hand-written rules and the included rule files, located at the rule (a rule's
  ``lint_disable`` switches the live-* codes it names off, as it does the lint's);
- the Prometheus queries of user-written dashboards, located at the panel (Grafana variables become a
  placeholder, their matchers and ranges are not checked).

The generated SLO rules and dashboards read obskit's own recorded series (``slo:...``), which exist once
the server runs the rules: that is ``obskit status``'s drift report, not a selector check. A selector
of a series the project's own recording rules write is skipped the same way.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import FrozenSet, List, Optional, Tuple

from obskit.compile.sli import le_matcher, queries
from obskit.compile.slo import windows_needed
from obskit.compile.windows import base_window
from obskit.live.exprs import SelectorUse, grafana_readable, selector_uses
from obskit.location import Location
from obskit.model.sli import AvailabilitySLI, LatencySLI, RatioSLI, RawSLI
from obskit.promql import Selector

#: roles of an SLI's selectors
TOTAL, ERRORS, GOOD, BUCKET, COUNT, NATIVE, GAUGE, RAW = ("total", "errors", "good", "bucket", "count", "native",
                                                         "gauge", "raw")


@dataclass(frozen=True)
class Read:
    """One selector as one definition reads it."""

    use: SelectorUse
    origin: str                         # sli, rule, dashboard
    obj: str                            # the object a finding names
    location: Optional[Location]
    role: str = ""                      # an SLI's selectors: total, errors, good, bucket, count, native, gauge, raw
    slo: Optional[object] = None        # the SLO of an SLI read
    histogram: str = ""                 # a latency SLI's histogram base name
    definition: Optional[Location] = None   # an SLI read: the SLI's own line (findings about the whole SLI)
    disabled: FrozenSet[str] = frozenset()  # a rule's lint_disable codes (live-* codes included)


def _sli_range(slo, settings) -> float:
    """The shortest range the generated rules rate the SLI's raw series over."""
    if slo.window_shape == "raw" or queries(slo.sli).rates("5m") is None:
        return float(min(windows_needed(slo)).seconds)
    return float(base_window(settings.scrape_interval).seconds)


#: the SLI argument each role's selector comes from
ARGUMENT = {TOTAL: "total", ERRORS: "errors", GOOD: "good", BUCKET: "histogram", COUNT: "histogram",
            NATIVE: "native_histogram", GAUGE: "gauge", RAW: "error_ratio"}


@lru_cache(maxsize=256)
def _lines(path: str) -> Tuple[str, ...]:
    try:
        return tuple(Path(path).read_text().splitlines())
    except (OSError, UnicodeDecodeError):
        return ()


def _first_line(file: str, texts) -> Optional[int]:
    """The 1-based number of the first line of ``file`` holding one of ``texts`` (tried in order)."""
    lines = _lines(file)
    for text in texts:
        if len(text) < 3:
            continue
        for i, line in enumerate(lines):
            if text in line or json.dumps(text)[1:-1] in line:
                return i + 1
    return None


def _argument_line(location: Location, role: str, span: int = 12) -> Location:
    """The line of the SLI's ``<argument>=`` for ``role`` (within ``span`` lines of the SLI's own line),
    else the SLI's line."""
    pattern = re.compile(rf"\b{ARGUMENT[role]}\s*=(?!=)")
    lines = _lines(location.file)
    for i in range(max(location.line - 1, 0), min(len(lines), location.line - 1 + span)):
        if pattern.search(lines[i]):
            return Location(location.file, i + 1)
    return location


def _sli_reads(slo, settings, root: str) -> List[Read]:
    sli = slo.sli
    defined = getattr(sli, "location", None) or getattr(slo, "location", None)
    obj = f"SLO {slo.service}/{slo.name}"
    rng = _sli_range(slo, settings)

    def where(role):
        if defined is None:
            return None
        at = _argument_line(defined, role)
        return at.relative_to(root) if root else at

    own = defined.relative_to(root) if defined is not None and root else defined

    def read(sel, role, function="rate", histogram=""):
        return Read(SelectorUse(sel, function, rng), "sli", f"{obj} ({sli.kind} SLI {role})", where(role), role,
                    slo, histogram, own)

    out: List[Read] = []
    if isinstance(sli, RatioSLI):
        for role in (TOTAL, ERRORS, GOOD):
            sel = getattr(sli, role)
            if isinstance(sel, Selector):
                out.append(read(sel, role))
    elif isinstance(sli, LatencySLI) and sli.native:
        if isinstance(sli.native_histogram, Selector):
            out.append(read(sli.native_histogram, NATIVE, histogram=sli.native_histogram.metric))
    elif isinstance(sli, LatencySLI):
        if isinstance(sli.histogram, Selector):
            base = sli.histogram.metric
            bucket = sli.histogram.renamed(base + "_bucket").with_matchers(le_matcher(sli.threshold))
            out.append(read(bucket, BUCKET, histogram=base))
            out.append(read(sli.histogram.renamed(base + "_count"), COUNT, histogram=base))
    elif isinstance(sli, AvailabilitySLI):
        if isinstance(sli.gauge, Selector):
            out.append(Read(SelectorUse(sli.gauge, "avg_over_time", rng), "sli", f"{obj} (availability SLI gauge)",
                            where(GAUGE), GAUGE, slo, definition=own))
    elif isinstance(sli, RawSLI):
        text = sli.query(str(min(windows_needed(slo))))
        out += [Read(u, "sli", f"{obj} (raw SLI)", where(RAW), RAW, slo, definition=own) for u in selector_uses(text)]
    return out


def _rule_reads(project) -> List[Read]:
    from obskit.lint.subjects import collect
    subjects = collect(project)
    out = []
    for s in subjects.rules:
        if s.generated:
            continue
        where = subjects.where(s.location) if s.location else None
        out += [Read(u, "rule", s.obj, where, disabled=frozenset(s.disabled)) for u in selector_uses(s.rule.expr)]
    return out


def _panels(panels):
    for p in panels or []:
        if isinstance(p, dict):
            yield p
            yield from _panels(p.get("panels"))


def _panel_line(dashboard, panel: dict, expr: str) -> Optional[Location]:
    """The line of the dashboard's module holding the panel's query (or its title), else the
    ``Dashboard(...)`` line."""
    loc = getattr(dashboard, "location", None)
    if loc is None:
        return None
    title = panel.get("title") if isinstance(panel.get("title"), str) else ""
    first = expr.strip().splitlines()[0] if expr.strip() else ""
    line = _first_line(loc.file, (expr, first, f'"{title}"', f"'{title}'"))
    return Location(loc.file, line) if line else loc


def _dashboard_reads(project) -> List[Read]:
    from obskit.model.dashboards import Dashboard
    out = []
    root = str(project.root)
    for d in project.of(Dashboard):
        try:
            doc = json.loads(d.document)
        except ValueError:
            continue
        for panel in _panels(doc.get("panels") if isinstance(doc, dict) else None):
            ds = panel.get("datasource")
            panel_type = ds.get("type") if isinstance(ds, dict) else None
            for t in panel.get("targets") or []:
                if not isinstance(t, dict) or not isinstance(t.get("expr"), str):
                    continue
                tds = t.get("datasource")
                if (tds.get("type") if isinstance(tds, dict) else panel_type) not in (None, "prometheus"):
                    continue
                where = _panel_line(d, panel, t["expr"])
                obj = f"dashboard {d.title!r} panel {str(panel.get('title') or '')!r}"
                out += [Read(u, "dashboard", obj, where.relative_to(root) if where else None)
                        for u in selector_uses(grafana_readable(t["expr"]))]
    return out


def recorded_names(project) -> Tuple[str, ...]:
    """Series names the project's own recording rules write."""
    from obskit.compile.ir import RecordingRule
    from obskit.lint.subjects import collect
    return tuple(sorted({s.rule.record for s in collect(project).rules if isinstance(s.rule, RecordingRule)}))


def collect_reads(project) -> List[Read]:
    """Every selector read of the project (see the module's doc), SLIs first, then rules, dashboards."""
    root = str(project.root)
    mine = set(recorded_names(project))
    out: List[Read] = []
    for slo in project.slos:
        out += _sli_reads(slo, project.settings, root)
    out += _rule_reads(project) + _dashboard_reads(project)
    return [r for r in out if r.use.selector.metric not in mine]
