"""The quiet-service guard: a burn-rate tier fires only on enough evidence of errors.

The Workbook's condition ``ratio(long) > F x budget`` asks for ``F x budget x N`` errors in a long
window that saw ``N`` events. On a busy service that is many errors; on a quiet one it is less than
one, so any single failure fires: at 6 requests an hour a 99.9 % SLO's page tier (14.4x over 1h)
asks for 0.09 errors, and one failed request is a 1/6 error ratio, a 167x burn.

The default guard: the long window must also hold at least :data:`MIN_ERRORS` (2) errors. From first
principles:

- one failure is not a rate. An SLO measured in whole requests cannot tell a one-off from a burn
  with one error, and a service meeting its objective at 6 requests an hour fails a request every
  7 days on average, which without the guard pages about 4 times a month;
- the guard costs a busy service nothing: the ratio condition already asks for more than
  :data:`MIN_ERRORS` errors as soon as the window saw ``MIN_ERRORS / (F x budget)`` events (the
  traffic floor, :func:`traffic_floor`: 139 events an hour for 99.9 % at 14.4x), so above that floor
  the guard is always true when the ratio is, and every tier's timing is the Workbook's;
- a complete outage of a quiet service still fires, once the second failed request is in the window
  (20 minutes at 6 requests an hour), and a service with no traffic has no errors and fires nothing.

Counts come from ``rate()`` (or its pre-aggregated sums), which extrapolates, so the PromQL compares
with :data:`THRESHOLD` = 1.5: halfway between one error and two.

``AlertingPolicy(min_events=N)`` replaces the guard with a traffic floor of your own (the long
window must have seen ``N`` events: quiet services then never fire), ``min_events=0`` switches every
guard off (the Workbook's and Sloth's rules). SLIs without event counts get no default guard: an
``AvailabilitySLI`` counts gauge samples, which arrive at the scrape rate whatever the traffic, and a
``RawSLI`` has no counts at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

#: Errors the long window must hold for a tier to fire (the default guard).
MIN_ERRORS = 2
#: What the rules compare the estimated error count with (counts from rate() are estimates).
THRESHOLD = MIN_ERRORS - 0.5


@dataclass(frozen=True)
class Guard:
    """``kind``: ``"errors"`` (the default: errors in the long window) or ``"events"`` (``min_events``)."""

    kind: str
    minimum: float

    @property
    def threshold(self) -> float:
        return THRESHOLD if self.kind == "errors" else self.minimum

    def describe(self) -> str:
        if self.kind == "errors":
            return f"at least {MIN_ERRORS} errors in the long window"
        return f"at least {self.minimum:g} events in the long window (min_events)"


def guard_for(slo) -> Optional[Guard]:
    """The guard an SLO's tiers carry (None: none)."""
    from obskit.model.sli import LatencySLI, RatioSLI

    wanted = slo.alerting.min_events
    if wanted is None:
        return Guard("errors", MIN_ERRORS) if isinstance(slo.sli, (RatioSLI, LatencySLI)) else None
    if float(wanted) == 0:
        return None
    return Guard("events", float(wanted))


def traffic_floor(objective: float, factor: float, minimum: float = MIN_ERRORS) -> float:
    """Events per long window from which the ratio condition alone asks for ``minimum`` errors
    (``minimum / (factor x error budget)``): at and above it the default guard changes nothing."""
    budget = 1 - objective / 100
    return minimum / (factor * budget)
