"""Alert-timing tests generated for every SLO, run by promtool on synthetic series.

What they prove, per tier (SRE Workbook, "Alerting on SLOs"):

- a steady burn B above a window's factor F fires the tier no earlier than one evaluation interval
  before, and no later than one after, the Workbook time ``min over windows (long × F / B)``;
- a steady burn of 0.9× the tier's smallest factor fires nothing over the whole test;
- a 100 % outage pages within two evaluation intervals;
- paging stops no later than the longest short window plus one interval after recovery;
- a quiet service (zero traffic) fires nothing and records 0, not NaN; a missing SLI fires the
  absent alert; with a minimum-traffic guard, an outage on a near-idle service does not page;
- with the default quiet-service guard (obskit/policy/quiet.py), one failed request at 6 requests an
  hour fires no tier, and a complete outage at that traffic pages once the guard's errors are in.

The expected times come from the *definition* (``expected``), the rules under test from the compiled
output; a wrong factor or window in the compiled rules therefore fails these tests.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from obskit.compile.ir import RuleGroup
from obskit.compile.slo import CompiledSLO
from obskit.compile import conventions as conv
from obskit.duration import Duration
from obskit.model.policy import Tier
from obskit.model.slo import SLO
from obskit.policy import quiet as guards
from obskit.verify.promtool_tests import AlertCheck, ExprCheck, PromtoolTest, PromtoolTestFile, expected_alert
from obskit.verify.synth import Unsupported, group_labels, synthesize
from obskit.verify.timeline import gap, burn, healthy, outage, quiet, Phase
from obskit.verify.scenario import _absent_labels

_STEPS = (60, 120, 300, 600)
#: synthetic samples every minute, like a 1m scrape: the pre-aggregated base window (2 scrape
#: intervals) needs at least two samples; evaluation intervals are chosen per tier
SERIES_INTERVAL = Duration(60)
#: how long the per-SLO slow-burn check runs (a steady burn from t=0 shows every window the same
#: ratio as soon as the window holds a sample; window lengths are proven by the full per-policy plan)
SMOKE_BURN = Duration(1800)
#: traffic of the quiet service the default guard is proven on (obskit/policy/quiet.py): 6 requests an hour
QUIET_RPS = 6 / 3600
#: evaluation interval of that run: steady phases only, so any interval that leaves a recorded base
#: sample in the shortest derived window (5m - 2m + 30s with the defaults) gives the exact ratios
SMOKE_STEP = Duration(120)


#: multiples of a window's factor tried, in order, as the steady burn of its timing check
BURN_MULTIPLES = (2.0, 2.2, 1.8, 2.5, 3.0)


def clear_burn(factor: float, factors: Sequence[float], cap: float) -> float:
    """The steady burn a window's timing check uses: twice its factor (at most ``cap``, 100 % errors), or the
    next of :data:`BURN_MULTIPLES` when that equals (within 2 %) another window's factor of the tier: the rule
    compares with ``>``, and a burn equal to a factor on paper lands a hair above or below it in floating point,
    so that other window would fire at one evaluation or another (Pyrra's 14x/7x pair: 2 x 7 = 14)."""
    others = [f for f in factors if f != factor]
    for m in BURN_MULTIPLES:
        b = min(m * factor, cap)
        if all(abs(b - f) > 0.02 * f for f in others):
            return b
    return min(2 * factor, cap)


@dataclass(frozen=True)
class Plan:
    files: Tuple[PromtoolTestFile, ...]
    skipped: Tuple[str, ...]    # what could not be generated, and why


def tier_interval(tier: Tier) -> Duration:
    """The coarsest of 1m/2m/5m/10m that still samples the shortest window 24 times."""
    shortest = min(w.short.seconds for w in tier.windows)
    return Duration(max([s for s in _STEPS if s * 24 <= shortest] or [60]))


def _up(seconds: float, step: int) -> int:
    return int(-(-seconds // step) * step)


class _Builder:
    def __init__(self, compiled: CompiledSLO, expected: SLO):
        self.c, self.slo = compiled, expected
        self.budget = expected.error_budget

    def series(self, phases: Sequence[Phase], interval: Duration):
        s = tuple(synthesize(self.c.slo.sli, phases, interval, self.budget))
        return s, group_labels(s, self.c.slo.sli.by)

    def firing(self, tier: str, extra) -> tuple:
        return (expected_alert(self.c.alert_for(tier), self.c.series_labels, extra),)

    def silent_every(self, tier: str, start: int, end: int, step: int) -> List[AlertCheck]:
        name = self.c.alert_for(tier).alert
        return [AlertCheck(Duration(t), name) for t in range(max(start, step), end + 1, step)]

    def tier_groups(self, tier: str) -> Tuple[RuleGroup, ...]:
        return (RuleGroup(f"{self.slo.id}-{tier}-windows", self.c.windows_for(tier)),
                RuleGroup(f"{self.slo.id}-{tier}-alert", (self.c.alert_for(tier),)))

    # -- per tier ---------------------------------------------------------------------------------
    def tier_file(self, tier: Tier) -> PromtoolTestFile:
        e = tier_interval(tier)
        step = e.seconds
        longest = max(w.long.seconds for w in tier.windows)
        history = _up(longest + step, step)
        tests = []
        period = self.slo.period
        factors = [w.factor_for(period) for w in tier.windows]
        for w in tier.windows:
            factor = w.factor_for(period)
            b = clear_burn(factor, factors, 1 / self.budget)
            expect = tier.detection_time(period, b)
            if expect is None:
                continue
            burn_len = _up(expect + 3 * step, step)
            series, extra = self.series((healthy(history), burn(b, burn_len)), SERIES_INTERVAL)
            checks = [AlertCheck(Duration(t), self.c.alert_for(tier.name).alert)
                      for t in range(step, history, max(step, 3600 // step * step))]
            checks += self.silent_every(tier.name, history, int(history + expect - step), step)
            checks.append(AlertCheck(Duration(int(history + expect + step)), self.c.alert_for(tier.name).alert,
                                     self.firing(tier.name, extra)))
            tests.append(PromtoolTest(
                name=f"{tier.name}: a steady {b:g}x burn fires after {Duration(max(60, int(expect)))} "
                     f"(long window {w.long} x factor {factor:g} / burn), within one interval ({e})",
                interval=SERIES_INTERVAL, series=series, alert_checks=tuple(checks)))
        # A steady burn from t=0 shows every window the same ratio as soon as it holds a sample; a
        # healthy history before it would only lower what the longer windows see. So no history: the
        # burn runs until the longest window has been full of it for two intervals.
        slow = 0.9 * min(w.factor_for(period) for w in tier.windows)
        length = _up(longest + 2 * step, step)
        series, _ = self.series((burn(slow, length),), SERIES_INTERVAL)
        tests.append(PromtoolTest(
            name=f"{tier.name}: a steady {slow:g}x burn (0.9x the smallest factor) never fires",
            interval=SERIES_INTERVAL, series=series,
            alert_checks=tuple(self.silent_every(tier.name, step, length, step))))
        return PromtoolTestFile(name=f"{self.slo.id}-{tier.name}-timing", subject=self.slo.id,
                                groups=self.tier_groups(tier.name), evaluation_interval=e, tests=tuple(tests),
                                static_annotations=True)

    # -- outage and recovery on the fastest tier ----------------------------------------------------
    def outage_file(self, tier: Tier) -> PromtoolTestFile:
        e = Duration(60)
        step = 60
        history = _up(max(w.long.seconds for w in tier.windows) + step, step)
        shortest_recovery = max(w.short.seconds for w in tier.windows)
        name = self.c.alert_for(tier.name).alert
        # at 100 % errors a window condition holds after long × factor × budget (52 s for 99.9 %
        # and 14.4x over 1h); the alert must fire by then plus one interval, and within two intervals
        # when that time is under one interval
        detect = tier.detection_time(self.slo.period, 1 / self.budget) or 0
        fire_by = max(2 * step, _up(detect + step, step))
        series, extra = self.series((healthy(history), outage(fire_by + 5 * step)), e)
        tests = [PromtoolTest(
            name=f"{tier.name}: a 100% outage fires within {Duration(fire_by)} "
                 f"(max of two intervals and {detect:.0f}s + one interval)",
            interval=SERIES_INTERVAL, series=series,
            alert_checks=(AlertCheck(Duration(history), name),
                          AlertCheck(Duration(history + fire_by), name, self.firing(tier.name, extra))))]
        down, after = fire_by + 5 * step, _up(shortest_recovery + 3 * step, step)
        series, extra = self.series((healthy(history), outage(down), healthy(after)), e)
        recovered = history + down
        tests.append(PromtoolTest(
            name=f"{tier.name}: stops firing within {Duration(shortest_recovery)} (longest short window) "
                 f"+ one interval after recovery",
            interval=SERIES_INTERVAL, series=series,
            alert_checks=(AlertCheck(Duration(recovered), name, self.firing(tier.name, extra)),
                          *self.silent_every(tier.name, recovered + shortest_recovery + step,
                                             recovered + after, step))))
        if self.slo.alerting.min_events is not None:
            longest = max(w.long.seconds for w in tier.windows)
            rps = float(self.slo.alerting.min_events) / (2 * longest)
            series, _ = self.series((healthy(history, rps=rps), outage(fire_by + 5 * step, rps=rps)), e)
            tests.append(PromtoolTest(
                name=f"{tier.name}: an outage with fewer than min_events={self.slo.alerting.min_events:g} "
                     f"events per long window does not fire",
                interval=SERIES_INTERVAL, series=series,
                alert_checks=tuple(self.silent_every(tier.name, history, history + fire_by + 5 * step, step))))
        if self.guard_kind() == "errors":
            tests.append(self.quiet_outage_test(tier, history))
        return PromtoolTestFile(name=f"{self.slo.id}-{tier.name}-outage", subject=self.slo.id,
                                groups=self.tier_groups(tier.name), evaluation_interval=e, tests=tuple(tests),
                                static_annotations=True)

    # -- the default quiet-service guard (obskit/policy/quiet.py) ----------------------------------
    def guard_kind(self) -> Optional[str]:
        guard = guards.guard_for(self.slo)
        return guard.kind if guard is not None else None

    def quiet_outage_test(self, tier: Tier, history: int, step: int = 60) -> PromtoolTest:
        """A complete outage at QUIET_RPS fires ``tier`` once the long window holds the guard's errors
        (silent until then, which the ratio alone would not be), within the base window plus one
        interval of that time."""
        name = self.c.alert_for(tier.name).alert
        needed = int(guards.THRESHOLD / QUIET_RPS)           # seconds of outage until the guard opens
        base = 2 * 60                                       # the base window at the synthetic 1m scrape
        fire_by = _up(needed + base + step, step)
        series, extra = self.series((healthy(history, rps=QUIET_RPS), outage(fire_by + 5 * step, rps=QUIET_RPS)),
                                    SERIES_INTERVAL)
        checks = self.silent_every(tier.name, history, history + needed - 2 * step, step)
        checks.append(AlertCheck(Duration(history + fire_by), name, self.firing(tier.name, extra)))
        return PromtoolTest(
            name=f"{tier.name}: a complete outage at 6 requests an hour fires once {guards.MIN_ERRORS} requests "
                 f"failed (silent before {Duration(needed - 2 * step)}, firing by {Duration(fire_by)})",
            interval=SERIES_INTERVAL, series=series, alert_checks=tuple(checks))

    def one_failure_test(self, history: int, after: int = 3 * 3600) -> PromtoolTest:
        """One failed request at QUIET_RPS (a 167x burn of the hour for 99.9 %) fires no tier."""
        phases = (healthy(history, rps=QUIET_RPS), outage(60, rps=1 / 60), healthy(after, rps=QUIET_RPS))
        series, _ = self.series(phases, SERIES_INTERVAL)
        checks = [AlertCheck(Duration(t), n) for t in range(history, history + 60 + after + 1, 60)
                  for n in self.tier_alert_names()]
        return PromtoolTest(name="one failed request at 6 requests an hour fires no tier",
                            interval=SERIES_INTERVAL, series=series, alert_checks=tuple(checks))

    # -- quiet service and missing data, on the whole rule set -------------------------------------
    def quiet_tests(self, length: int = 2 * 3600, history: int = 1800, step: int = 60) -> List[PromtoolTest]:
        """Zero traffic for ``length``; SLI data that stops after ``history`` of healthy traffic
        (``step``: the file's evaluation interval)."""
        e = SERIES_INTERVAL
        series, extra = self.series((quiet(length),), e)
        checks = []
        for t in sorted({600, min(3600, length), length}):
            for name in self.tier_alert_names():
                checks.append(AlertCheck(Duration(t), name))
            if self.c.absent_alert:
                checks.append(AlertCheck(Duration(t), self.c.absent_alert.alert))
        labels = dict(self.c.series_labels)
        labels.update(extra)
        exprs = tuple(ExprCheck(Duration(length), f"{r.record}{{obskit_slo={self.slo.name!r}}}".replace("'", '"'),
                                ((tuple(sorted({**labels, "__name__": r.record}.items())), 0.0),))
                      for r in self.c.window_rules if r.record.endswith(("ratio_rate5m", "ratio_rate1h")))
        tests = [PromtoolTest(name="a quiet service (zero traffic) fires nothing and records 0, not NaN",
                              interval=SERIES_INTERVAL, series=series, alert_checks=tuple(checks), expr_checks=exprs)]
        rule = self.c.absent_alert
        if rule is not None:
            series, _ = self.series((healthy(history), gap(rule.for_.seconds + history)), e)
            fire_at = history + 300 + rule.for_.seconds + 2 * max(step, 60)
            tests.append(PromtoolTest(
                name=f"missing SLI data fires {rule.alert} after {rule.for_} (plus 5m staleness)",
                interval=SERIES_INTERVAL, series=series,
                alert_checks=(AlertCheck(Duration(history), rule.alert),
                              AlertCheck(Duration(fire_at), rule.alert,
                                         (expected_alert(rule, (), _absent_labels(rule.expr)),)))))
        return tests

    def tier_alert_names(self) -> List[str]:
        return sorted({a.alert for _, a in self.c.tier_alerts})

    def quiet_file(self) -> PromtoolTestFile:
        tests = self.quiet_tests()
        if self.guard_kind() == "errors" and self.slo.alerting.tiers:
            first = self.slo.alerting.tiers[0]
            tests.append(self.one_failure_test(_up(max(w.long.seconds for w in first.windows) + 60, 60)))
        return PromtoolTestFile(name=f"{self.slo.id}-quiet", subject=self.slo.id, groups=self.c.groups(),
                                evaluation_interval=Duration(60), tests=tuple(tests),
                                static_annotations=True)

    # -- the SLO's own rules when another SLO of the run proves its policy in full ------------------
    def _guard_rps(self, seconds: int) -> float:
        """Traffic that opens a min_events guard once ``seconds`` of data are in every long window."""
        need = self.slo.alerting.min_events
        return max(10.0, 4.0 * float(need) / seconds) if need is not None else 10.0

    def smoke_outage_file(self, tier: Tier) -> PromtoolTestFile:
        """Outage and recovery in one run, after a history as long as the tier's longest short window.

        A shorter history than the full proof's only raises what the long windows see during the
        outage, so the alert fires no later than the full proof's bound; recovery is bounded by the
        short windows alone, which the history fills.
        """
        e, step = Duration(60), 60
        shorts = max(w.short.seconds for w in tier.windows)
        history = _up(shorts + step, step)
        name = self.c.alert_for(tier.name).alert
        detect = tier.detection_time(self.slo.period, 1 / self.budget) or 0
        fire_by = max(2 * step, _up(detect + step, step))
        down, after = fire_by + 5 * step, _up(shorts + 3 * step, step)
        rps = self._guard_rps(history)
        series, extra = self.series((healthy(history, rps=rps), outage(down, rps=rps), healthy(after, rps=rps)), e)
        recovered = history + down
        firing = self.firing(tier.name, extra)
        checks = (AlertCheck(Duration(history), name),
                  AlertCheck(Duration(history + fire_by), name, firing),
                  AlertCheck(Duration(recovered), name, firing),
                  *self.silent_every(tier.name, recovered + shorts + step, recovered + after, step))
        test = PromtoolTest(
            name=f"{tier.name}: a 100% outage fires within {Duration(fire_by)} and stops within "
                 f"{Duration(shorts)} (longest short window) + one interval after recovery",
            interval=SERIES_INTERVAL, series=series, alert_checks=checks)
        return PromtoolTestFile(name=f"{self.slo.id}-{tier.name}-outage", subject=self.slo.id,
                                groups=self.tier_groups(tier.name), evaluation_interval=e, tests=(test,),
                                static_annotations=True)

    def smoke_step(self) -> int:
        """SMOKE_STEP when every ``*_over_time`` range of the window rules (over series recorded at
        each step) holds a sample that far apart (a wider step could leave a derived window empty, and
        an empty window is silent), else 1m. Ranges over raw series are sampled by SERIES_INTERVAL."""
        ranges = [Duration.parse(r).seconds for rule in self.c.window_rules
                  for r in re.findall(r"_over_time\([^\[]*\[([0-9smhdwy]+)\]", rule.expr)]
        return SMOKE_STEP.seconds if ranges and min(ranges) >= SMOKE_STEP.seconds * 3 // 2 else 60

    def smoke_silent_file(self) -> PromtoolTestFile:
        """On the whole rule set: a steady burn below every factor (and below 1x) fires nothing for
        SMOKE_BURN; a quiet service and missing data (shorter than the full proof's)."""
        step = self.smoke_step()
        tests = []
        tiers = self.slo.alerting.tiers
        if tiers:
            slow = 0.9 * min([1.0] + [w.factor_for(self.slo.period) for t in tiers for w in t.windows])
            length = SMOKE_BURN.seconds
            rps = self._guard_rps(length // 2)
            series, _ = self.series((burn(slow, length, rps=rps),), SERIES_INTERVAL)
            checks = [AlertCheck(Duration(t), n) for t in range(step, length + 1, step) for n in self.tier_alert_names()]
            tests.append(PromtoolTest(
                name=f"every tier: a steady {slow:g}x burn (0.9x the smallest factor, below 1x) fires nothing "
                     f"for {SMOKE_BURN}", interval=SERIES_INTERVAL, series=series, alert_checks=tuple(checks)))
        tests += self.quiet_tests(length=1800, history=600, step=step)
        return PromtoolTestFile(name=f"{self.slo.id}-silent", subject=self.slo.id, groups=self.c.groups(),
                                evaluation_interval=Duration(step), tests=tuple(tests), static_annotations=True)


def policy_key(slo: SLO) -> tuple:
    """What the burn-rate timing depends on: SLOs with equal keys get the same alert timing."""
    tiers = tuple((t.name, tuple((w.long.seconds, w.short.seconds, w.factor_for(slo.period)) for w in t.windows))
                  for t in slo.alerting.tiers)
    return (type(slo.sli).__name__, slo.objective, slo.period.seconds, tiers, slo.alerting.min_events,
            slo.window_shape)


def plan(compiled: CompiledSLO, expected: Optional[SLO] = None, full: bool = True) -> Plan:
    """The timing test files for one compiled SLO; expectations from ``expected`` (default: its own SLO).

    ``full`` (the first SLO of each distinct :func:`policy_key`): per tier, the Workbook detection
    time of every window and the 0.9x silence; outage, recovery and the traffic guard on the first
    tier; quiet service and missing data.

    ``full=False``, for an SLO whose policy another SLO of the run proves in full: two short runs
    prove the SLO's own rules (selectors, aggregation, labels, thresholds): an outage pages and
    recovery clears on the first tier; a steady burn below 1x fires no tier, a quiet service fires
    nothing and records 0, missing data fires the absent alert.
    """
    expected = expected or compiled.slo
    b = _Builder(compiled, expected)
    tiers = expected.alerting.tiers
    try:
        if full:
            files = [b.tier_file(t) for t in tiers]
            if tiers:
                files.append(b.outage_file(tiers[0]))
            files.append(b.quiet_file())
        else:
            files = [b.smoke_outage_file(tiers[0])] if tiers else []
            files.append(b.smoke_silent_file())
    except Unsupported as exc:
        return Plan((), (f"{expected.id}: no generated timing tests: {exc}",))
    return Plan(tuple(files), ())
