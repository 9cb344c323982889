"""The SRE Workbook's attributes of each SLO alert tier, measured with promtool.

For every tier, four incidents on synthetic traffic: a 100 % outage and steady 14.4x, 6x and 2x burns.
Each starts after clean history longer than the tier's longest window, lasts one longest window (plus
two steps: long enough for any burn above a factor to fire) and is followed by recovery. A silence
check at every evaluation step (one promtool run per incident) gives the firing periods, from which:

- detection time: first firing step after the incident starts;
- budget consumed at detection: burn × detection time / SLO period;
- reset time: from recovery until the alert stops firing.
"""
from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from obskit.compile.ir import RuleGroup
from obskit.compile.slo import CompiledSLO
from obskit.duration import Duration
from obskit.model.policy import Tier
from obskit.report.measure import Probe, firing, firing_times, probe_file
from obskit.verify.synth import Unsupported, synthesize
from obskit.verify.timeline import Phase, burn, healthy, outage
from obskit.verify.timing import SERIES_INTERVAL, tier_interval

BURNS = (("100% outage", None), ("14.4x burn", 14.4), ("6x burn", 6.0), ("2x burn", 2.0))
#: Each burn runs 0.1 % above its nominal value: a burn exactly equal to a factor puts the window's
#: error ratio exactly on the threshold, where ``>`` is decided by floating-point rounding.
NUDGE = 1.001


def _up(seconds: float, step: int) -> int:
    return int(-(-seconds // step) * step)


@dataclass(frozen=True)
class Scenario:
    slo_id: str
    tier: str
    label: str                 # "6x burn"
    burn: float                # in multiples of the error budget rate
    step: int                  # evaluation interval (s)
    history: int               # clean traffic before the incident (s)
    length: int                # incident length (s)
    recovery: int              # clean traffic after it (s)
    phases: Tuple[Phase, ...]

    @property
    def start(self) -> int:
        return self.history

    @property
    def end(self) -> int:
        return self.history + self.length

    @property
    def total(self) -> int:
        return self.history + self.length + self.recovery

    @property
    def name(self) -> str:
        return f"{self.slo_id} {self.tier}: {self.label}"


@dataclass(frozen=True)
class Measurement:
    scenario: Scenario
    firing: Tuple[int, ...]                 # eval times (s) at which the tier's alert fired
    expected_detection: Optional[float]     # Workbook: min over windows of long × factor / burn
    period: int

    @property
    def detection(self) -> Optional[int]:
        after = [t for t in self.firing if t > self.scenario.start]
        return after[0] - self.scenario.start if after else None

    @property
    def budget_at_detection(self) -> Optional[float]:
        d = self.detection
        return None if d is None else self.scenario.burn * d / self.period

    @property
    def reset(self) -> Optional[int]:
        """Seconds from recovery until the alert stopped firing (None: it never fired; -1: still firing)."""
        if not self.firing:
            return None
        last = self.firing[-1]
        if last >= self.scenario.total:
            return -1
        return max(0, last + self.scenario.step - self.scenario.end)


def scenarios(c: CompiledSLO, tier: Tier) -> List[Scenario]:
    slo = c.slo
    step = tier_interval(tier).seconds
    longest = max(w.long.seconds for w in tier.windows)
    longest_short = max(w.short.seconds for w in tier.windows)
    history = _up(longest + step, step)
    length = _up(longest + 2 * step, step)
    recovery = _up(2 * longest_short + 2 * step, step)
    out = []
    for label, b in BURNS:
        b = 1 / slo.error_budget if b is None else b * NUDGE
        if b * slo.error_budget > 1 + 1e-9:
            continue                 # more errors than requests: this burn cannot happen
        incident = outage(Duration(length)) if label.startswith("100%") else burn(b, Duration(length))
        out.append(Scenario(slo.id, tier.name, label, b, step, history, length, recovery,
                            (healthy(Duration(history)), incident, healthy(Duration(recovery)))))
    return out


def _groups(c: CompiledSLO, tier: str) -> Tuple[RuleGroup, ...]:
    # windows_for gives the window rules the alert reads and the rules those read, in evaluation order
    return (RuleGroup(f"{c.slo.id}-{tier}-windows", c.windows_for(tier)),
            RuleGroup(f"{c.slo.id}-{tier}-alert", (c.alert_for(tier),)))


def measure(compiled: Sequence[CompiledSLO], workers: Optional[int] = None,
            progress: Optional[Callable[[str], None]] = None) -> Tuple[List[Measurement], List[str]]:
    """Measure every tier of every SLO; returns the measurements and what was skipped (and why)."""
    jobs, skipped = [], []
    for c in compiled:
        for tier in c.slo.alerting.tiers:
            for sc in scenarios(c, tier):
                try:
                    # samples every minute (a pre-aggregated base rate needs two per base window);
                    # rules evaluated at the tier's interval
                    series = tuple(synthesize(c.slo.sli, sc.phases, SERIES_INTERVAL, c.slo.error_budget))
                except Unsupported as exc:
                    note = f"{c.slo.id}: {exc}"
                    if note not in skipped:
                        skipped.append(note)
                    break
                probe = Probe(sc.name, series, c.alert_for(tier.name).alert,
                              tuple(range(sc.start, sc.total + 1, sc.step)))
                f = probe_file(f"report-{c.slo.id}-{tier.name}-{sc.label.split()[0].replace('%', 'pct')}",
                               c.slo.id, _groups(c, tier.name), Duration(sc.step), (probe,), SERIES_INTERVAL)
                jobs.append((c, tier, sc, f))
    results: List[Measurement] = []
    done = [0]

    def one(job):
        c, tier, sc, f = job
        found = firing([f], workers=1)[sc.name]
        m = Measurement(sc, tuple(firing_times(found, {"obskit_tier": tier.name})),
                        tier.detection_time(c.slo.period, sc.burn), c.slo.period.seconds)
        done[0] += 1
        if progress:
            det = "never" if m.detection is None else str(Duration(m.detection))
            progress(f"[{done[0]}/{len(jobs)}] {sc.name}: fires after {det}")
        return m

    with ThreadPoolExecutor(max_workers=workers or 2) as pool:
        results = list(pool.map(one, jobs))
    return results, skipped


def stderr_progress(line: str) -> None:
    print(f"obskit report: {line}", file=sys.stderr, flush=True)
