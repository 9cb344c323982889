"""Traffic timelines: what happens to a service, phase by phase, independent of its metrics."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from obskit.duration import Duration


@dataclass(frozen=True)
class Phase:
    """``duration`` of traffic at ``rps`` requests/s with a share of errors.

    The error share is ``error_ratio`` or ``burn`` times the SLO's error budget. ``present=False``
    means the SLI's series have no samples at all (a scrape gap, or a service not deployed yet).
    """

    duration: Duration
    rps: float = 10.0
    error_ratio: Optional[float] = None
    burn: Optional[float] = None
    present: bool = True

    def errors(self, error_budget: float) -> float:
        if self.burn is not None:
            ratio = self.burn * error_budget
        else:
            ratio = self.error_ratio or 0.0
        if not 0 <= ratio <= 1:
            raise ValueError(f"a burn of {self.burn}x a budget of {error_budget} is an error ratio "
                             f"of {ratio}, outside [0, 1]")
        return ratio


def healthy(duration, rps: float = 10.0) -> Phase:
    """No errors."""
    return Phase(Duration.parse(duration), rps, error_ratio=0.0)


def burn(factor: float, duration, rps: float = 10.0) -> Phase:
    """Errors at ``factor`` times the rate that would spend exactly the budget over the period."""
    return Phase(Duration.parse(duration), rps, burn=factor)


def errors(ratio: float, duration, rps: float = 10.0) -> Phase:
    """A fixed share of errors."""
    return Phase(Duration.parse(duration), rps, error_ratio=ratio)


def outage(duration, rps: float = 10.0) -> Phase:
    """Every request fails."""
    return Phase(Duration.parse(duration), rps, error_ratio=1.0)


def quiet(duration) -> Phase:
    """The series exist but no request arrives (counters stay flat)."""
    return Phase(Duration.parse(duration), 0.0, error_ratio=0.0)


def gap(duration) -> Phase:
    """No samples at all."""
    return Phase(Duration.parse(duration), present=False)


def total_duration(phases: Tuple[Phase, ...]) -> Duration:
    return Duration(sum(p.duration.seconds for p in phases))
