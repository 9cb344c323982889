"""Scenario tests for an SLO: a traffic timeline and which alerts must be firing when.

Write them in the project's definition modules (``obskit test`` runs them) or in pytest
(``obskit.verify.runner.assert_pass([scenario.test_file()])``).

    SLOScenario(
        name="short outage pages, then clears",
        slo=api_availability,
        phases=(healthy("7h"), outage("15m"), healthy("1h")),
        expect=(At(time="7h"), At(time="7h3m", firing=("page",)), At(time="8h", firing=())),
    )
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence, Tuple

from obskit.compile.slo import CompiledSLO, compile_slo
from obskit.duration import Duration
from obskit.location import Location
from obskit.model.base import Definition, Problems, locate, set_attr
from obskit.model.slo import SLO
from obskit.verify.promtool_tests import AlertCheck, PromtoolTest, PromtoolTestFile, expected_alert
from obskit.verify.series import Series
from obskit.verify.synth import group_labels, synthesize
from obskit.verify.timeline import Phase, total_duration

TIERS = ("page", "ticket", "absent")


@dataclass(frozen=True, kw_only=True, eq=False)
class At:
    """At ``time`` (from the start of the series), exactly the ``firing`` tiers are firing."""

    time: str
    firing: Tuple[str, ...] = ()
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"expectation at {self.time}", locate(self))
        set_attr(self, "time", p.duration(self.time, "time") or self.time)
        set_attr(self, "firing", (self.firing,) if isinstance(self.firing, str) else tuple(self.firing))
        for t in self.firing:
            if t not in TIERS:
                p.add("bad-scenario", f"unknown tier {t!r}; use one of {TIERS}")
        p.done()


@dataclass(frozen=True, kw_only=True, eq=False)
class SLOScenario(Definition):
    name: str
    slo: SLO
    phases: Tuple[Phase, ...]
    expect: Tuple[At, ...]
    interval: str = "1m"
    series: Optional[Tuple[Series, ...]] = None   # hand-written series instead of synthesised ones
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"scenario {self.name!r}", locate(self))
        set_attr(self, "phases", tuple(self.phases))
        set_attr(self, "expect", tuple(self.expect))
        interval = p.duration(self.interval, "interval")
        set_attr(self, "interval", interval or self.interval)
        if not isinstance(self.slo, SLO):
            p.add("bad-scenario", "slo= must be an SLO")
        if interval and self.phases:
            for ph in self.phases:
                if ph.duration.seconds % interval.seconds:
                    p.add("bad-scenario", f"phase of {ph.duration} is not a multiple of interval {interval}")
            end = total_duration(self.phases)
            for a in self.expect:
                if isinstance(a.time, Duration) and a.time > end:
                    p.add("bad-scenario", f"expectation at {a.time} is after the end of the series ({end})")
        p.done()

    @property
    def subject(self) -> str:
        return self.slo.id

    def test_file(self, compiled: Optional[CompiledSLO] = None) -> PromtoolTestFile:
        compiled = compiled or compile_slo(self.slo)
        slo = self.slo
        series = self.series or tuple(synthesize(slo.sli, self.phases, self.interval, slo.error_budget))
        extra = group_labels(series, slo.sli.by)
        checks = []
        for at in sorted(self.expect, key=lambda a: a.time):
            tiers = [(n, a) for n, a in compiled.tier_alerts]
            if tiers:
                name = tiers[0][1].alert
                checks.append(AlertCheck(at.time, name, tuple(
                    expected_alert(a, compiled.series_labels, extra) for n, a in tiers if n in at.firing)))
            if compiled.absent_alert is not None:
                rule = compiled.absent_alert
                absent = ()
                if "absent" in at.firing:
                    absent = (expected_alert(rule, (), _absent_labels(rule.expr)),)
                checks.append(AlertCheck(at.time, rule.alert, absent))
        test = PromtoolTest(name=self.name, interval=self.interval, series=series, alert_checks=tuple(checks))
        safe = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")[:60]
        return PromtoolTestFile(name=f"scenario-{slo.id}-{safe}", subject=slo.id, groups=compiled.groups(),
                                evaluation_interval=self.interval, tests=(test,))


def _absent_labels(expr: str) -> dict:
    """absent(sel) takes the labels of the selector's equality matchers."""
    from obskit.promql import Selector
    inner = expr[len("absent("):-1]
    try:
        sel = Selector.parse(inner)
    except ValueError:
        return {}
    return {m.name: m.value for m in sel.matchers if m.op == "="}
