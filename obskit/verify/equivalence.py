"""When does an alert fire? Measure it with promtool, to compare rule shapes (or anything else).

One promtool run per scenario: a silence check at every evaluation step; promtool reports each
step where the alert was firing instead, and those steps are the firing times.
"""
from __future__ import annotations

import re
from typing import Dict, List, Sequence, Tuple

from obskit.compile.ir import RuleGroup
from obskit.compile.slo import CompiledSLO
from obskit.duration import Duration
from obskit.verify.promtool_tests import AlertCheck, PromtoolTest, PromtoolTestFile
from obskit.verify.runner import run_files
from obskit.verify.synth import synthesize
from obskit.verify.timeline import Phase, total_duration

_FAIL = re.compile(r"alertname: (\S+), time: (\S+),")


def _seconds(text: str) -> int:
    return Duration.parse(text).seconds


def firing_steps(compiled: CompiledSLO, tier: str, phases: Sequence[Phase], evaluation: Duration,
                 series_interval: Duration = Duration(60)) -> List[int]:
    """Seconds (from the series start) of the evaluation steps at which the tier's alert fires."""
    slo = compiled.slo
    series = tuple(synthesize(slo.sli, phases, series_interval, slo.error_budget))
    alert = compiled.alert_for(tier)
    end = total_duration(phases).seconds
    checks = tuple(AlertCheck(Duration(t), alert.alert) for t in range(evaluation.seconds, end + 1, evaluation.seconds))
    groups = (RuleGroup(f"{slo.id}-{tier}-windows", compiled.windows_for(tier)),
              RuleGroup(f"{slo.id}-{tier}-alert", (alert,)))
    f = PromtoolTestFile(name=f"{slo.id}-{tier}-{slo.window_shape}-firing", subject=slo.id, groups=groups,
                         evaluation_interval=evaluation,
                         tests=(PromtoolTest(name="firing steps", interval=series_interval, series=series,
                                             alert_checks=checks),))
    (result,) = run_files([f])
    if result.ok:
        return []
    if "FAILED:" not in result.output:
        raise RuntimeError(result.output)
    return sorted({_seconds(t) for name, t in _FAIL.findall(result.output) if name == alert.alert})


def compare(a: Sequence[int], b: Sequence[int], tolerance: int) -> List[int]:
    """Steps where one shape fires and the other does not fire within ``tolerance`` seconds."""
    sa, sb = set(a), set(b)
    near = lambda t, other: any(abs(t - o) <= tolerance for o in other) or False  # noqa: E731
    return sorted([t for t in sa if not near(t, sb)] + [t for t in sb if not near(t, sa)])
