"""``check --prometheus``: every selector the project reads (:mod:`obskit.live.selectors`) against the
series, metadata and targets of a live server (:mod:`obskit.live.server_facts`), as Diagnostics located
at the definition.

Severity follows one rule: an **error** only where the definition is certainly broken on this server,
a **warning** where it may be fine (the series may appear later):

- errors: a matcher on a label that no series of the metric carries (it can never match); an SLI's
  errors selector matching series its total does not (the ratio counts other series' errors); a
  latency SLI over a metric the server types as a counter, gauge or summary, with no ``_bucket``
  series; a ``rate`` range shorter than two of the real scrape intervals of the targets it reads;
- warnings: a metric with no series over the lookback (not deployed yet, scraped by another server,
  or misspelt: close names are suggested); a selector whose label values match no series (a value not
  seen yet); an errors (good) selector matching nothing while the total counted events (no errors yet,
  or a wrong selector that reads as 100 % good, 100 % bad for good=); the metric type of a ``rate``
  argument that is not a counter.
"""
from __future__ import annotations

import difflib
from typing import Callable, Dict, List, Optional, Sequence

from obskit.duration import Duration
from obskit.errors import Diagnostic
from obskit.live.exprs import VARIABLE_MARK, VARIABLE_RANGE
from obskit.live.selectors import BUCKET, COUNT, ERRORS, GAUGE, GOOD, NATIVE, TOTAL, Read
from obskit.live.server_facts import Series, ServerFacts
from obskit.promql import Matcher

NOT_COUNTERS = ("gauge", "info", "stateset", "histogram", "gaugehistogram", "summary")
HISTOGRAMS = ("histogram", "gaugehistogram")


def _needs_label(m: Matcher) -> bool:
    """Whether the matcher can only match series that carry the label (a missing label reads as "")."""
    if VARIABLE_MARK in m.value:
        return False
    return not m.matches("")


def _matches(read: Read, s: Series) -> bool:
    return all(m.matches(s.get(m.name)) for m in read.use.selector.matchers if VARIABLE_MARK not in m.value)


def matched(read: Read, facts: ServerFacts) -> List[Series]:
    return [s for s in facts.series.get(read.use.selector.metric, []) if _matches(read, s)]


def _values(series: Sequence[Series], label: str, limit: int = 8) -> str:
    values = sorted({s[label] for s in series if label in s})
    shown = ", ".join(repr(v) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _labels(series: Sequence[Series]) -> str:
    return ", ".join(sorted({k for s in series for k in s})) or "none"


def _window(facts: ServerFacts) -> str:
    return str(Duration(int(facts.lookback)))


class Checker:
    """Runs the checks; ``events(read)`` counts a total selector's events over the lookback (a query)."""

    def __init__(self, facts: ServerFacts, settings, events: Callable[[Read], float]):
        self.facts, self.settings, self.events = facts, settings, events
        self.out: List[Diagnostic] = []

    def add(self, read: Read, code: str, message: str, hint: str = "", severity: str = "warning",
            obj: Optional[str] = None, whole: bool = False) -> None:
        """A finding at the read's line, or (``whole``) at the SLI's own line, about the whole SLI;
        none when the rule disabled the code (``lint_disable``)."""
        if code in read.disabled:
            return
        where = (read.definition or read.location) if whole else read.location
        self.out.append(Diagnostic(code, message, obj or read.obj, where, hint, severity))

    # ------------------------------------------------------------------ every selector
    def selector(self, read: Read) -> None:
        sel, facts = read.use.selector, self.facts
        if VARIABLE_MARK in sel.metric:
            return
        series = facts.series.get(sel.metric, [])
        if not series:
            if not read.use.in_absent and read.role not in (ERRORS, GOOD, BUCKET, COUNT):
                close = difflib.get_close_matches(sel.metric, facts.names(), n=3, cutoff=0.75)
                self.add(read, "live-metric-missing",
                         f"{sel.metric} has no series on the server over the last {_window(facts)}: not "
                         f"deployed yet, scraped by another server, or misspelt",
                         hint=("did you mean " + " or ".join(close) + "?") if close else "")
            return
        missing = [m for m in sel.matchers if _needs_label(m) and not any(m.name in s for s in series)]
        for m in missing:
            self.add(read, "live-label-missing",
                     f"{sel}: no series of {sel.metric} has a {m.name!r} label, so {m} never matches "
                     f"(its labels: {_labels(series)})", severity="error",
                     hint="use one of the metric's labels" + (f", e.g. {_close(m.name, series)!r}"
                                                              if _close(m.name, series) else ""))
        if missing:
            return
        found = matched(read, facts)
        if not found and not read.use.in_absent and read.role not in (ERRORS, GOOD):
            present = {k for s in series for k in s}
            values = "; ".join(f"{m.name} is {_values(series, m.name)}" for m in sel.matchers
                               if VARIABLE_MARK not in m.value and m.name in present)
            self.add(read, "live-no-match",
                     f"{sel} matches none of the {len(series)} series of {sel.metric} over the last "
                     f"{_window(facts)}" + (f" ({values})" if values else ""),
                     hint="a value not seen yet is fine; otherwise fix the matcher")
        self._type(read)
        self._range(read, found or series)

    def _type(self, read: Read) -> None:
        use = read.use
        family, kind = self.facts.family(use.selector.metric)
        if kind is None or read.role in (BUCKET, COUNT, NATIVE):
            return
        if use.rated and kind in NOT_COUNTERS and not use.selector.metric.endswith(("_count", "_bucket", "_sum")):
            self.add(read, "live-type-mismatch",
                     f"{use.function}() of {use.selector.metric}, which the server's metadata types as a {kind} "
                     f"(family {family}): {use.function}() reads counters",
                     hint="rate() a counter; for a gauge use deriv() or *_over_time()")
        elif read.role == GAUGE and kind in ("counter", "histogram", "summary"):
            self.add(read, "live-type-mismatch",
                     f"{use.selector.metric} is a {kind} on the server (metadata), but an availability SLI "
                     f"averages a 0/1 gauge", hint="use RatioSLI(total=..., errors=...) for counters")

    def _range(self, read: Read, series: Sequence[Series]) -> None:
        use = read.use
        if not use.rated or use.range_seconds is None or use.range_seconds >= VARIABLE_RANGE or use.recorded:
            return
        interval = self.facts.interval_of(series)
        if interval is None or use.range_seconds >= 2 * interval:
            return
        rng, real = Duration(int(use.range_seconds)), Duration(int(interval))
        jobs = ", ".join(sorted({s.get("job", "") for s in series if s.get("job")})[:3])
        if read.origin == "sli":
            own = Duration(self.settings.scrape_interval)
            self.add(read, "live-rate-range-too-short",
                     f"the generated rules rate {use.selector.metric} over {rng} (from scrape_interval {own} in "
                     f"obskit.toml), but the server scrapes it every {real} (job {jobs}): fewer than two samples "
                     f"at times, so the SLI returns nothing part of the time", severity="error",
                     hint=f'set scrape_interval = "{real}" in obskit.toml', obj=read.obj.split(" (")[0], whole=True)
        else:
            self.add(read, "live-rate-range-too-short",
                     f"{use.function}({use.selector}[{rng}]) covers less than two scrape intervals: the "
                     f"server scrapes it every {real} (job {jobs})", severity="error",
                     hint=f"use a range of at least {Duration(int(2 * interval))} (4 x the interval is safer)")

    # ------------------------------------------------------------------ per SLI
    def sli(self, reads: Sequence[Read]) -> None:
        by_role: Dict[str, Read] = {r.role: r for r in reads}
        total = by_role.get(TOTAL)
        for role in (ERRORS, GOOD):
            if total is not None and role in by_role:
                self._part(total, by_role[role])
        hist = by_role.get(BUCKET)
        if hist is not None:
            self._latency(hist)

    def _part(self, total: Read, part: Read) -> None:
        facts = self.facts
        part_series = facts.series.get(part.use.selector.metric, [])
        if any(_needs_label(m) and part_series and not any(m.name in s for s in part_series)
               for m in part.use.selector.matchers):
            return                                   # live-label-missing said it
        of_part, of_total = matched(part, facts), matched(total, facts)
        if of_part:
            same = part.use.selector.metric == total.use.selector.metric
            if same:
                outside = [s for s in of_part if s not in of_total]
            else:
                common = {k for s in of_part for k in s} & {k for s in of_total for k in s}
                keys = {tuple(sorted((k, v) for k, v in s.items() if k in common)) for s in of_total}
                outside = [s for s in of_part if tuple(sorted((k, v) for k, v in s.items() if k in common)) not in keys]
            if outside:
                example = "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(outside[0].items())) + "}"
                self.add(part, f"live-{part.role}-not-subset",
                         f"{part.use.selector} matches {len(outside)} series that total {total.use.selector} does "
                         f"not (e.g. {example}): the ratio counts other series' events",
                         severity="error" if same else "warning",
                         hint=f"give {part.role}= the matchers of total= plus the ones that pick the {part.role}")
            return
        if not of_total:
            return                                   # the total's own findings say it
        counted = self.events(total)
        if counted <= 0:
            return
        reads_as = "100 % good" if part.role == ERRORS else "100 % bad"
        self.add(part, f"live-{part.role}-match-nothing",
                 f"{part.use.selector} matches no series while total counted {counted:.0f} events over the last "
                 f"{_window(facts)}: either there were no {'errors' if part.role == ERRORS else 'good events'} yet "
                 f"or the selector is wrong (it then reads as {reads_as}, silently)",
                 hint=_part_hint(part, of_total))

    def _latency(self, bucket: Read) -> None:
        base, facts = bucket.histogram, self.facts
        kind = next((facts.metadata[n] for n in (base, base + "_total", base + "_bucket") if n in facts.metadata),
                    None)
        has_buckets = bool(facts.series.get(base + "_bucket"))
        if kind in HISTOGRAMS or kind in (None, "unknown"):
            if not has_buckets:
                close = difflib.get_close_matches(base, facts.names(), n=3, cutoff=0.75)
                self.add(bucket, "live-metric-missing",
                         f"the histogram {base} has no {base}_bucket series on the server over the last "
                         f"{_window(facts)}: not deployed yet, scraped by another server, or misspelt",
                         hint=("did you mean " + " or ".join(close) + "?") if close else "",
                         obj=bucket.obj.rsplit(" (", 1)[0])
            return
        self.add(bucket, "live-latency-not-histogram",
                 f"{base} is a {kind} on the server (metadata), not a histogram: a latency SLI reads {base}_bucket "
                 f"and {base}_count" + ("" if has_buckets else ", which do not exist"),
                 severity="warning" if has_buckets else "error", obj=bucket.obj.rsplit(" (", 1)[0],
                 hint="point histogram= at a histogram's base name, or count slow events with RatioSLI")


def _close(name: str, series: Sequence[Series]) -> str:
    found = difflib.get_close_matches(name, sorted({k for s in series for k in s}), n=1, cutoff=0.5)
    return found[0] if found else ""


def _part_hint(part: Read, total_series: Sequence[Series]) -> str:
    notes = []
    for m in part.use.selector.matchers:
        values = _values(total_series, m.name)
        if values:
            notes.append(f"the total's {m.name} values are {values}")
    return "; ".join(notes) if notes else ""


def check(reads: Sequence[Read], facts: ServerFacts, settings, events: Callable[[Read], float]) -> List[Diagnostic]:
    """Every finding for ``reads``, deduplicated, in definition order."""
    c = Checker(facts, settings, events)
    for r in reads:
        c.selector(r)
    by_slo: Dict[int, List[Read]] = {}
    for r in reads:
        if r.origin == "sli" and r.slo is not None:
            by_slo.setdefault(id(r.slo), []).append(r)
    for group in by_slo.values():
        c.sli(group)
    unique = list(dict.fromkeys(c.out))
    return sorted(unique, key=lambda d: ((d.location.file, d.location.line) if d.location else ("", 0), d.code,
                                         d.message))

