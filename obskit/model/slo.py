"""The service level objective."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Tuple

from obskit.duration import Duration
from obskit.location import Location
from obskit.model.base import RESERVED_LABELS, Definition, Problems, check_text, freeze_labels, is_valid, locate, set_attr
from obskit.model.policy import AlertingPolicy
from obskit.model.sli import SLI, RawSLI
from obskit.promql import is_valid_metric_name

_NAME = re.compile(r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$")
_ALERT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")


@dataclass(frozen=True, kw_only=True, eq=False)
class SLO(Definition):
    """A service level objective.

    ``objective`` is a percentage (99.9 means 99.9 % of events are good over ``period``).
    """

    service: str
    name: str
    objective: float
    sli: SLI
    period: str = "30d"
    description: str = ""
    labels: Tuple[Tuple[str, str], ...] = ()
    owner: str = ""
    runbook_url: str = ""
    alerting: AlertingPolicy = field(default_factory=AlertingPolicy)
    alert_name: Optional[str] = None
    window_shape: str = "preaggregated"   # or "raw": see obskit/compile/windows.py
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"SLO {self.service}/{self.name}", locate(self))
        for attr in ("service", "name"):
            value = getattr(self, attr)
            if not isinstance(value, str) or not _NAME.match(value):
                p.add("bad-name", f"{attr} {value!r} must be lowercase letters, digits, '-' or '_'")
        objective = self.objective
        if isinstance(objective, bool) or not isinstance(objective, (int, float)):
            p.add("bad-objective", f"objective must be a number of percent, got {objective!r}")
        elif not 0 < objective < 100:
            p.add("bad-objective", f"objective {objective} is outside (0, 100): it is a percentage, "
                                   "e.g. 99.9 for 99.9 %")
        elif objective < 1:
            p.add("bad-objective", f"objective {objective:g} means {objective:g} %: the objective is a percentage",
                  hint=f"did you mean {objective * 100:g}?")
        else:
            set_attr(self, "objective", float(objective))
        period = p.duration(self.period, "period")
        set_attr(self, "period", period or self.period)
        set_attr(self, "labels", freeze_labels(self.labels, p, reserved=RESERVED_LABELS))
        if not (is_valid(self.sli) and is_valid(self.alerting)):
            set_attr(self, "_obskit_invalid", True)   # its parts reported their own errors
        if not isinstance(self.sli, SLI):
            p.add("bad-sli", f"sli must be an SLI (RatioSLI, LatencySLI, AvailabilitySLI, RawSLI), got {self.sli!r}")
        if self.runbook_url and not str(self.runbook_url).startswith(("http://", "https://")):
            p.add("bad-url", f"runbook_url {self.runbook_url!r} must be an http(s) URL")
        elif self.runbook_url and any(c.isspace() for c in str(self.runbook_url)):
            p.add("bad-url", f"runbook_url {self.runbook_url!r} holds whitespace: an annotation link and a "
                             "notification button cut it there", hint="percent-encode it (%20)")
        check_text(p, self.description, "description")
        check_text(p, self.owner, "owner", allow="")
        if self.alert_name is not None:
            if not isinstance(self.alert_name, str) or not is_valid_metric_name(self.alert_name):
                p.add("bad-name", f"alert_name {self.alert_name!r} is not a valid alert name (letters, digits, "
                                  "'_' and ':', not starting with a digit): Prometheus refuses the rule file",
                      hint="e.g. alert_name='ApiAvailabilityBudgetBurn'")
            elif not _ALERT_NAME.match(self.alert_name):     # a convention: a warning, never a failed build
                p.add("alert-name-style", f"alert_name {self.alert_name!r} is not CamelCase, the usual style of "
                                          "alert names", hint="e.g. 'ApiAvailabilityBudgetBurn'", severity="warning")
        if self.window_shape not in ("preaggregated", "raw"):
            p.add("bad-shape", f"window_shape must be 'preaggregated' or 'raw', got {self.window_shape!r}")
        if not isinstance(self.alerting, AlertingPolicy):
            p.add("bad-policy", f"alerting must be an AlertingPolicy, got {self.alerting!r}")
        elif isinstance(period, Duration) and isinstance(self.objective, float) and 1 <= self.objective < 100:
            self._check_policy(p, period)
        p.done()

    def _check_policy(self, p: Problems, period: Duration) -> None:
        budget = self.error_budget
        kept = set(getattr(self.sli, "by", ()) or ()) | {k for k, _ in self.labels}
        for tier in self.alerting.tiers:
            clash = sorted(kept & {k for k, _ in tier.labels})
            if clash:
                p.add("tier-label-clash", f"{tier.name} tier labels {', '.join(map(repr, clash))} are also the "
                                          "SLO's series labels (its labels or the SLI's by): on the alert the "
                                          "tier's value would replace every series' own and merge their alerts",
                      hint="give the label another name, or set it on the SLO only")
            for w in tier.windows:
                if not isinstance(w.long, Duration) or not isinstance(w.short, Duration):
                    continue
                if w.long > period:
                    p.add("bad-window", f"{tier.name} window {w.long} is longer than the SLO period {period}")
                factor = w.factor_for(period)
                if factor * budget >= 1:
                    p.add("alert-cannot-fire",
                          f"{tier.name} tier, window {w.long}: burn factor {factor:g} × error budget "
                          f"{budget:g} = {factor * budget:g} ≥ 100 % errors, so this alert can never fire",
                          hint="use a smaller budget_share/factor for this objective, or disable the tier")
        if self.alerting.min_events and isinstance(self.sli, RawSLI):
            p.add("bad-policy", "min_events needs event counts, which a RawSLI does not give")

    @property
    def id(self) -> str:
        return f"{self.service}-{self.name}"

    @property
    def error_budget(self) -> float:
        """Allowed error ratio, e.g. 0.001 for 99.9 %."""
        return round(1 - self.objective / 100, 12)
