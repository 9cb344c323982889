"""Alerting policy: multiwindow, multi-burn-rate tiers (SRE Workbook, "Alerting on SLOs")."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

from obskit.duration import Duration
from obskit.location import Location
from obskit.model.base import RESERVED_LABELS, Checked, Problems, as_tuple, freeze_labels, is_valid, locate, set_attr
from obskit.policy.workbook import PAGE, TICKET

SEVERITIES = ("critical", "warning", "info")


@dataclass(frozen=True, kw_only=True, eq=False)
class BurnWindow(Checked):
    """One alert condition: the error ratio over both ``long`` and ``short`` exceeds factor × budget.

    Give ``budget_share`` (the share of the whole period's error budget spent in ``long`` when the
    condition starts to hold; the factor then scales with the SLO period) or a fixed ``factor``.
    ``short`` defaults to ``long / 12`` as in the Workbook.
    """

    long: str
    short: Optional[str] = None
    budget_share: Optional[float] = None
    factor: Optional[float] = None
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"burn window {self.long}", locate(self))
        long = p.duration(self.long, "long")
        set_attr(self, "long", long)
        if self.short is None and long is not None:
            if long.seconds % 12:
                p.add("bad-window", f"long window {long} is not divisible by 12; give short= explicitly")
            else:
                set_attr(self, "short", Duration(long.seconds // 12))
        else:
            short = p.duration(self.short, "short")
            set_attr(self, "short", short)
            if short is not None and long is not None and short >= long:
                p.add("bad-window", f"short window {short} must be shorter than long window {long}")
        numbers = [n for n in ("budget_share", "factor") if getattr(self, n) is not None
                   and (isinstance(getattr(self, n), bool) or not isinstance(getattr(self, n), (int, float)))]
        for n in numbers:
            p.add("bad-type", f"{n} must be a number, got {type(getattr(self, n)).__name__} {getattr(self, n)!r}")
        if numbers:
            pass
        elif (self.budget_share is None) == (self.factor is None):
            p.add("bad-window", "give exactly one of budget_share= or factor=")
        elif self.budget_share is not None and not (0 < float(self.budget_share) <= 1):
            p.add("bad-window", f"budget_share must be in (0, 1], got {self.budget_share!r}")
        elif self.factor is not None and not float(self.factor) > 0:
            p.add("bad-window", f"factor must be positive, got {self.factor!r}")
        p.done()

    def factor_for(self, period: Duration) -> float:
        """Burn factor for an SLO period: ``budget_share × period / long`` unless fixed."""
        if self.factor is not None:
            return float(self.factor)
        return round(float(self.budget_share) * period.seconds / self.long.seconds, 6)

    def detection_time(self, period: Duration, burn: float) -> Optional[float]:
        """Seconds after a steady burn of ``burn``× starts until this condition holds (None: never; the
        rule compares with a strict ``>``, so a burn of exactly the factor never fires)."""
        factor = self.factor_for(period)
        return None if burn <= factor else self.long.seconds * factor / burn


@dataclass(frozen=True, kw_only=True, eq=False)
class Tier(Checked):
    """An alert tier (page or ticket): any of its windows firing fires the tier."""

    name: str
    windows: Tuple[BurnWindow, ...]
    severity: str
    #: extra labels and annotations of this tier's alert only (Sloth's ``page_alert``/``ticket_alert``
    #: ``labels``/``annotations``); an annotation given here replaces obskit's of the same name
    labels: Tuple[Tuple[str, str], ...] = ()
    annotations: Tuple[Tuple[str, str], ...] = ()
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"tier {self.name!r}", locate(self))
        set_attr(self, "windows", as_tuple(p, self.windows, "windows", BurnWindow, "a tuple of BurnWindow",
                                           allow_none=False))
        set_attr(self, "labels", freeze_labels(self.labels, p, reserved=RESERVED_LABELS))
        set_attr(self, "annotations", freeze_labels(self.annotations, p, what="annotations"))
        if not self.windows and not p.items:
            p.add("bad-policy", "a tier needs at least one burn window")
        if not isinstance(self.severity, str) or not self.severity:
            p.add("bad-policy", f"severity must be a non-empty string, got {self.severity!r}")
        if not all(is_valid(w) for w in self.windows):
            set_attr(self, "_obskit_invalid", True)
        if self.name not in ("page", "ticket"):
            p.add("bad-policy", f"tier name must be 'page' or 'ticket', got {self.name!r}")
        p.done()

    @classmethod
    def page(cls, severity: str = "critical", **kw) -> "Tier":
        """The Workbook's page tier (2 % of the budget in 1 h, 5 % in 6 h), e.g.
        ``Tier.page(labels={"team": "payments"})``."""
        return cls(name="page", severity=severity, windows=tuple(BurnWindow(**w) for w in PAGE), **kw)

    @classmethod
    def ticket(cls, severity: str = "warning", **kw) -> "Tier":
        """The Workbook's ticket tier (10 % of the budget in 3 d), e.g. ``Tier.ticket(severity="info")``."""
        return cls(name="ticket", severity=severity, windows=tuple(BurnWindow(**w) for w in TICKET), **kw)

    def detection_time(self, period: Duration, burn: float) -> Optional[float]:
        times = [t for t in (w.detection_time(period, burn) for w in self.windows) if t is not None]
        return min(times) if times else None


def _workbook_page(severity: str = "critical") -> Tier:
    return Tier.page(severity)


def _workbook_ticket(severity: str = "warning") -> Tier:
    return Tier.ticket(severity)


_DEFAULT = object()


@dataclass(frozen=True, kw_only=True, eq=False)
class AlertingPolicy(Checked):
    """How an SLO alerts.

    - ``page`` / ``ticket``: tiers (Workbook defaults); ``None`` disables a tier.
    - ``min_events``: the quiet-service guard (obskit/policy/quiet.py). ``None`` (default): a tier
      fires only when its long window holds at least 2 errors, so one failed request on a quiet
      service does not page while a full outage still does (ratio and latency SLIs; busy services'
      timing is unchanged). A number: instead, the long window must have seen at least this many
      events. ``0``: no guard (every single failure can fire, as in the Workbook's and Sloth's rules).
    - ``absent_for``: alert when the SLI has had no data for this long (``None`` disables it).
    - ``absent_severity``: severity of that alert.
    """

    page: Optional[Tier] = _DEFAULT  # type: ignore[assignment]
    ticket: Optional[Tier] = _DEFAULT  # type: ignore[assignment]
    min_events: Optional[float] = None
    absent_for: Optional[str] = "10m"
    absent_severity: str = "warning"
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems("alerting policy", locate(self))
        if self.page is _DEFAULT:
            set_attr(self, "page", _workbook_page())
        if self.ticket is _DEFAULT:
            set_attr(self, "ticket", _workbook_ticket())
        if self.page is not None and (not isinstance(self.page, Tier) or self.page.name != "page"):
            p.add("bad-policy", "page= must be a Tier named 'page' (or None)")
        if self.ticket is not None and (not isinstance(self.ticket, Tier) or self.ticket.name != "ticket"):
            p.add("bad-policy", "ticket= must be a Tier named 'ticket' (or None)")
        if not all(is_valid(t) for t in (self.page, self.ticket) if t is not None):
            set_attr(self, "_obskit_invalid", True)
        if self.min_events is not None and (isinstance(self.min_events, bool)
                                            or not isinstance(self.min_events, (int, float))
                                            or not self.min_events >= 0):
            p.add("bad-policy", f"min_events must be a number of events (0 switches the quiet-service guard off, "
                                f"None keeps the default guard), got {self.min_events!r}")
        if self.absent_for is not None:
            set_attr(self, "absent_for", p.duration(self.absent_for, "absent_for"))
        p.done()

    @property
    def tiers(self) -> Tuple[Tier, ...]:
        return tuple(t for t in (self.page, self.ticket) if isinstance(t, Tier))

    @classmethod
    def workbook(cls, *, page_severity: str = "critical", ticket_severity: str = "warning", **kw) -> "AlertingPolicy":
        """The SRE Workbook defaults with custom severities."""
        return cls(page=_workbook_page(page_severity), ticket=_workbook_ticket(ticket_severity), **kw)
