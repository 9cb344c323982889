"""Scenario tests for an SLO: a traffic timeline and which alerts must be firing when.

Write them in the project's definition modules (``obskit test`` runs them) or in pytest
(``obskit.verify.runner.assert_pass([scenario.test_file()])``).

    SLOScenario(
        name="short outage pages, then clears",
        slo=api_availability,
        phases=(healthy("7h"), outage("15m"), healthy("1h")),
        expect=(At(time="7h"), At(time="7h3m", firing=("page",)), At(time="8h", firing=())),
    )

Besides that exact form: ``At(time=..., not_firing=...)``, ``At(by=..., fired=...)``,
``At(between=(a, b), never=...)`` and ``At(between=(a, b), first_fires=...)`` (see :class:`At`). A
failure names the expectation's file:line and what differed (obskit/verify/failures.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence, Tuple

from obskit.compile.slo import CompiledSLO, compile_slo
from obskit.duration import Duration
from obskit.location import Location
from obskit.model.base import Checked, Definition, Problems, as_tuple, is_valid, locate, set_attr
from obskit.model.slo import SLO
from obskit.promql import Selector
from obskit.verify.promtool_tests import (AlertCheck, Origin, PromtoolTest, PromtoolTestFile, alerts_selector,
                                          expected_alert, firing_between)
from obskit.verify.series import Series
from obskit.verify.synth import group_labels, synthesize
from obskit.verify.timeline import Phase, total_duration

TIERS = ("page", "ticket", "absent")


def _tiers(p: Problems, value, what: str) -> Tuple[str, ...]:
    return as_tuple(p, value, what, str, 'a tier name or a tuple of them ("page", "ticket", "absent")')


def _time(p: Problems, value, what: str) -> Optional[Duration]:
    """A duration from the first sample; ``"0s"``/``0`` allowed (the start)."""
    if value in (0, "0", "0s"):
        return Duration(0)
    return p.duration(value, what)


@dataclass(frozen=True, kw_only=True, eq=False)
class At(Checked):
    """What the SLO's alerts do (tiers: ``"page"``, ``"ticket"``, ``"absent"``), in one of five forms:

    - ``At(time="7h2m", firing=("page",))``: at that time exactly these tiers are firing (the
      default ``firing=()``: none);
    - ``At(time="9h", not_firing="page")``: at that time the page is not firing (other tiers: any);
    - ``At(by="7h10m", fired="page")``: the page has fired at some time up to then;
    - ``At(between=("0s", "7h"), never=("page", "ticket"))``: neither fires at any time in between;
    - ``At(between=("7h", "7h5m"), first_fires="page")``: the page does not fire before 7h and fires
      at some time from 7h to 7h5m.

    Times are from the first sample. An alert's state at a time is that of the last rule evaluation
    (every ``interval`` of the scenario) at or before it; the range forms check every evaluation in
    the range, through the ``ALERTS`` series that rule evaluation writes, and give the same answer in
    Prometheus 2 and 3 (obskit/verify/promtool_tests.py: ``firing_between``).
    """

    time: Optional[str] = None
    firing: Tuple[str, ...] = ()
    not_firing: Tuple[str, ...] = ()
    by: Optional[str] = None
    fired: Tuple[str, ...] = ()
    between: Optional[Tuple[str, str]] = None
    never: Tuple[str, ...] = ()
    first_fires: Tuple[str, ...] = ()
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"expectation {self._words()}", locate(self))
        for name in ("firing", "not_firing", "fired", "never", "first_fires"):
            set_attr(self, name, _tiers(p, getattr(self, name), name))
        given = [n for n in ("firing", "not_firing", "fired", "never", "first_fires") if getattr(self, n)]
        form = self.form
        allowed = {"exact": {"firing"}, "not_firing": {"not_firing"}, "fired": {"fired"},
                   "never": {"never"}, "first_fires": {"first_fires"}}.get(form, set())
        if form is None:
            p.add("bad-scenario", "give time= (with firing= or not_firing=), by= (with fired=) or "
                                  "between=(start, end) (with never= or first_fires=)",
                  hint='e.g. At(time="7h2m", firing=("page",)), At(by="7h10m", fired="page"), '
                       'At(between=("0s", "7h"), never="page")')
        elif set(given) - allowed or (form != "exact" and not given):
            what = {"exact": "time=", "not_firing": "time=", "fired": "by=", "never": "between=",
                    "first_fires": "between="}[form]
            want = {"exact": "firing=", "not_firing": "not_firing=", "fired": "fired=",
                    "never": "never= or first_fires=", "first_fires": "never= or first_fires="}[form]
            p.add("bad-scenario", f"{what} goes with {want}" + (f", not {', '.join(n + '=' for n in given)}" if given else ""),
                  hint='the forms: At(time=t, firing=...), At(time=t, not_firing=...), At(by=t, fired=...), '
                       'At(between=(a, b), never=...), At(between=(a, b), first_fires=...)')
        if self.time is not None:
            set_attr(self, "time", _time(p, self.time, "time") or self.time)
        if self.by is not None:
            set_attr(self, "by", _time(p, self.by, "by") or self.by)
        if self.between is not None:
            pair = self.between
            if isinstance(pair, str) or not isinstance(pair, (tuple, list)) or len(pair) != 2:
                p.add("bad-scenario", f"between= must be (start, end), e.g. (\"7h\", \"7h5m\"); got {pair!r}")
            else:
                a, b = _time(p, pair[0], "between start"), _time(p, pair[1], "between end")
                set_attr(self, "between", (a or pair[0], b or pair[1]))
                if a is not None and b is not None and not a < b:
                    p.add("bad-scenario", f"between=({a}, {b}): the start must be before the end")
        for t in [t for n in given for t in getattr(self, n)]:
            if t not in TIERS:
                p.add("bad-scenario", f"unknown tier {t!r}; use one of {TIERS}")
        p.done()

    @property
    def form(self) -> Optional[str]:
        """``exact``, ``not_firing``, ``fired``, ``never`` or ``first_fires`` (None: no valid form)."""
        keys = [k for k in ("time", "by", "between") if getattr(self, k) is not None]
        if len(keys) != 1:
            return None
        if keys[0] == "time":
            return "not_firing" if self.not_firing else "exact"
        if keys[0] == "by":
            return "fired"
        return "first_fires" if self.first_fires and not self.never else "never"

    @property
    def tiers(self) -> Tuple[str, ...]:
        """The tiers the expectation speaks about (the exact form: every tier)."""
        return {"exact": self.firing, "not_firing": self.not_firing, "fired": self.fired, "never": self.never,
                "first_fires": self.first_fires}.get(self.form or "", ())

    @property
    def last(self) -> Optional[Duration]:
        """The latest time the expectation reads."""
        value = self.between[1] if self.between is not None else (self.by if self.by is not None else self.time)
        return value if isinstance(value, Duration) else None

    def _words(self) -> str:
        if isinstance(self.between, (tuple, list)) and len(self.between) == 2:
            return f"between {self.between[0]} and {self.between[1]}"
        if self.between is not None:
            return f"between {self.between!r}"
        if self.by is not None:
            return f"by {self.by}"
        return f"at {self.time}" if self.time is not None else "(no time)"

    def describe(self) -> str:
        """As written: ``At(by="7h10m", fired=("page",))``."""
        def q(v):
            return f'"{v}"'
        parts = []
        if self.time is not None:
            parts.append(f"time={q(self.time)}")
        if self.by is not None:
            parts.append(f"by={q(self.by)}")
        if self.between is not None:
            parts.append(f"between=({q(self.between[0])}, {q(self.between[1])})")
        for name in ("firing", "not_firing", "fired", "never", "first_fires"):
            value = getattr(self, name)
            if value:
                parts.append(f"{name}=(" + ", ".join(q(v) for v in value) + ("," if len(value) == 1 else "") + ")")
        return "At(" + ", ".join(parts) + ")"


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
        set_attr(self, "phases", as_tuple(p, self.phases, "phases", Phase,
                                          'a tuple of phases (healthy("1h"), outage("15m"), ...)', allow_none=False))
        set_attr(self, "expect", as_tuple(p, self.expect, "expect", At, "a tuple of At(...) expectations"))
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
                if isinstance(a, At) and a.last is not None and a.last > end:
                    p.add("bad-scenario", f"expectation {a.describe()} reads {a.last}, after the end of the "
                                          f"series ({end})")
        if isinstance(self.slo, SLO) and not is_valid(self.slo):
            set_attr(self, "_obskit_invalid", True)     # the SLO reported its own errors: no cascade
        elif isinstance(self.slo, SLO):
            have = {t.name for t in self.slo.alerting.tiers} | ({"absent"} if self.slo.alerting.absent_for else set())
            for a in self.expect:
                missing = [t for t in a.tiers if t in TIERS and t not in have]
                if missing:
                    p.add("bad-scenario", f"{a.describe()}: the SLO has no {', '.join(missing)} "
                                          f"{'tier' if missing != ['absent'] else 'alert'} "
                                          f"(it has: {', '.join(sorted(have)) or 'none'})")
            if interval:
                for a in self.expect:
                    if isinstance(a, At) and a.between is not None and all(isinstance(x, Duration) for x in a.between):
                        first, last = _grid_range(a, interval.seconds)
                        if first > last:
                            p.add("bad-scenario", f"{a.describe()}: no rule evaluation between {a.between[0]} "
                                                  f"and {a.between[1]} (every {interval})")
        p.done()

    @property
    def subject(self) -> str:
        return self.slo.id

    def test_file(self, compiled: Optional[CompiledSLO] = None) -> PromtoolTestFile:
        compiled = compiled or compile_slo(self.slo)
        slo = self.slo
        series = self.series or tuple(synthesize(slo.sli, self.phases, self.interval, slo.error_budget))
        extra = group_labels(series, slo.sli.by)
        step = self.interval.seconds
        alerts = _TierAlerts(compiled, extra)
        checks, exprs = [], []
        for at in sorted(self.expect, key=lambda a: (a.last or Duration(0)).seconds):
            if at.form == "exact":
                tiers = [(n, a) for n, a in compiled.tier_alerts]
                if tiers:
                    name = tiers[0][1].alert
                    checks.append(AlertCheck(at.time, name, tuple(
                        expected_alert(a, compiled.series_labels, extra) for n, a in tiers if n in at.firing),
                        origin=Origin(at.location, at.describe(), name)))
                if compiled.absent_alert is not None:
                    rule = compiled.absent_alert
                    absent = ()
                    if "absent" in at.firing:
                        absent = (expected_alert(rule, (), _absent_labels(rule.expr)),)
                    checks.append(AlertCheck(at.time, rule.alert, absent,
                                             origin=Origin(at.location, at.describe(), rule.alert)))
                continue
            for tier in at.tiers:
                exprs.extend(alerts.checks(at, tier, step))
        test = PromtoolTest(name=self.name, interval=self.interval, series=series, alert_checks=tuple(checks),
                            expr_checks=tuple(exprs))
        safe = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")[:60]
        return PromtoolTestFile(name=f"scenario-{slo.id}-{safe}", subject=slo.id, groups=compiled.groups(),
                                evaluation_interval=self.interval, tests=(test,), static_annotations=True)


def _grid_range(at: At, step: int) -> Tuple[int, int]:
    """The evaluations (on the ``step`` grid, in seconds) a ``between=`` form reads: for ``never``, those
    whose state covers some instant of [start, end] (from the last one at or before the start); for
    ``first_fires``, those after the evaluations that decide the state before the start."""
    a, b = at.between[0].seconds, at.between[1].seconds
    last = b // step * step
    first = a // step * step if at.form == "never" else -(-a // step) * step
    return first, last


class _TierAlerts:
    """How each tier's alert appears in the ``ALERTS`` series, and the range checks of an :class:`At`."""

    def __init__(self, compiled: CompiledSLO, extra):
        self.rules = {n: a for n, a in compiled.tier_alerts}
        self.labels = {n: expected_alert(a, compiled.series_labels, extra).labels for n, a in compiled.tier_alerts}
        if compiled.absent_alert is not None:
            rule = compiled.absent_alert
            self.rules["absent"] = rule
            self.labels["absent"] = expected_alert(rule, (), _absent_labels(rule.expr)).labels

    def checks(self, at: At, tier: str, step: int):
        rule = self.rules.get(tier)
        if rule is None:          # reported by SLOScenario's validation
            return []
        labels = dict(self.labels[tier])
        labels.update(alertname=rule.alert, alertstate="firing")
        match = [("obskit_tier", tier)] if tier != "absent" else []
        selector = alerts_selector(rule.alert, match)
        shown = f"{rule.alert}{{obskit_tier=\"{tier}\"}}" if tier != "absent" else rule.alert

        def origin(meaning: str) -> Origin:
            return Origin(at.location, at.describe(), shown, meaning)

        form = at.form
        if form == "not_firing":
            t = at.time.seconds // step * step
            return [firing_between(selector, t, t, step, (), origin(f"not firing at {at.time}"))]
        if form == "fired":
            return [firing_between(selector, 0, at.by.seconds // step * step, step, (labels,),
                                   origin(f"to have fired by {at.by}"))]
        first, last = _grid_range(at, step)
        a, b = at.between
        if form == "never":
            return [firing_between(selector, first, last, step, (), origin(f"not to fire between {a} and {b}"))]
        out = []
        if first > 0:
            out.append(firing_between(selector, 0, first - step, step, (), origin(f"not to fire before {a}")))
        out.append(firing_between(selector, first, last, step, (labels,), origin(f"to fire between {a} and {b}")))
        return out


def _absent_labels(expr: str) -> dict:
    """absent(sel) takes the labels of the selector's equality matchers."""
    inner = expr[len("absent("):-1]
    try:
        sel = Selector.parse(inner)
    except ValueError:
        return {}
    return {m.name: m.value for m in sel.matchers if m.op == "="}
