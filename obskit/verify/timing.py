"""Alert-timing tests generated for every SLO, run by promtool on synthetic series.

What they prove, per tier (SRE Workbook, "Alerting on SLOs"):

- a steady burn B above a window's factor F fires the tier no earlier than one evaluation interval
  before, and no later than one after, the Workbook time ``min over windows (long × F / B)``;
- a steady burn of 0.9× the tier's smallest factor fires nothing over the whole test;
- a 100 % outage pages within two evaluation intervals;
- paging stops no later than the longest short window plus one interval after recovery;
- a quiet service (zero traffic) fires nothing and records 0, not NaN; a missing SLI fires the
  absent alert; with a minimum-traffic guard, an outage on a near-idle service does not page.

The expected times come from the *definition* (``expected``), the rules under test from the compiled
output; a wrong factor or window in the compiled rules therefore fails these tests.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from obskit.compile.ir import RuleGroup
from obskit.compile.slo import CompiledSLO
from obskit.compile import conventions as conv
from obskit.duration import Duration
from obskit.model.policy import Tier
from obskit.model.slo import SLO
from obskit.verify.promtool_tests import AlertCheck, ExprCheck, PromtoolTest, PromtoolTestFile, expected_alert
from obskit.verify.synth import Unsupported, group_labels, synthesize
from obskit.verify.timeline import gap, burn, healthy, outage, quiet, Phase
from obskit.verify.scenario import _absent_labels

_STEPS = (60, 120, 300, 600)
#: synthetic samples every minute, like a 1m scrape: the pre-aggregated base window (2 scrape
#: intervals) needs at least two samples; evaluation intervals are chosen per tier
SERIES_INTERVAL = Duration(60)


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
    def tier_file(self, tier: Tier, full: bool = True) -> PromtoolTestFile:
        e = tier_interval(tier)
        step = e.seconds
        longest = max(w.long.seconds for w in tier.windows)
        history = _up(longest + step, step)
        tests = []
        period = self.slo.period
        for w in (tier.windows if full else ()):
            factor = w.factor_for(period)
            b = min(2 * factor, 1 / self.budget)
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
        slow = 0.9 * min(w.factor_for(period) for w in tier.windows)
        length = _up(longest + 2 * step, step)
        series, _ = self.series((healthy(history), burn(slow, length)), SERIES_INTERVAL)
        tests.append(PromtoolTest(
            name=f"{tier.name}: a steady {slow:g}x burn (0.9x the smallest factor) never fires",
            interval=SERIES_INTERVAL, series=series,
            alert_checks=tuple(self.silent_every(tier.name, step, history + length, step))))
        return PromtoolTestFile(name=f"{self.slo.id}-{tier.name}-timing", subject=self.slo.id,
                                groups=self.tier_groups(tier.name), evaluation_interval=e, tests=tuple(tests))

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
        return PromtoolTestFile(name=f"{self.slo.id}-{tier.name}-outage", subject=self.slo.id,
                                groups=self.tier_groups(tier.name), evaluation_interval=e, tests=tuple(tests))

    # -- quiet service and missing data, on the whole rule set -------------------------------------
    def quiet_file(self) -> PromtoolTestFile:
        e = Duration(60)
        length = 2 * 3600
        series, extra = self.series((quiet(length),), e)
        checks = []
        tier_names = [n for n, _ in self.c.tier_alerts]
        for t in (600, 3600, length):
            if tier_names:
                checks.append(AlertCheck(Duration(t), self.c.alert_for(tier_names[0]).alert))
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
            series, _ = self.series((healthy(1800), gap(rule.for_.seconds + 1800)), e)
            fire_at = 1800 + 300 + rule.for_.seconds + 2 * 60
            tests.append(PromtoolTest(
                name=f"missing SLI data fires {rule.alert} after {rule.for_} (plus 5m staleness)",
                interval=SERIES_INTERVAL, series=series,
                alert_checks=(AlertCheck(Duration(1800), rule.alert),
                              AlertCheck(Duration(fire_at), rule.alert,
                                         (expected_alert(rule, (), _absent_labels(rule.expr)),)))))
        return PromtoolTestFile(name=f"{self.slo.id}-quiet", subject=self.slo.id, groups=self.c.groups(),
                                evaluation_interval=e, tests=tuple(tests))


def policy_key(slo: SLO) -> tuple:
    """What the burn-rate timing depends on: SLOs with equal keys get the same alert timing."""
    tiers = tuple((t.name, tuple((w.long.seconds, w.short.seconds, w.factor_for(slo.period)) for w in t.windows))
                  for t in slo.alerting.tiers)
    return (type(slo.sli).__name__, slo.objective, slo.period.seconds, tiers, slo.alerting.min_events,
            slo.window_shape)


def plan(compiled: CompiledSLO, expected: Optional[SLO] = None, full: bool = True) -> Plan:
    """The timing test files for one compiled SLO; expectations from ``expected`` (default: its own SLO).

    ``full=False`` leaves out the per-window timing tests (kept: the 0.9x silence per tier, outage,
    recovery, traffic guard, quiet service, absent data) for an SLO whose policy another SLO of the
    run already proves in full (see :func:`policy_key`).
    """
    expected = expected or compiled.slo
    b = _Builder(compiled, expected)
    try:
        files = [b.tier_file(t, full) for t in expected.alerting.tiers]
        if expected.alerting.tiers:
            files.append(b.outage_file(expected.alerting.tiers[0]))
        files.append(b.quiet_file())
    except Unsupported as exc:
        return Plan((), (f"{expected.id}: no generated timing tests: {exc}",))
    return Plan(tuple(files), ())
