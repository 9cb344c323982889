"""promtool unit-test files as typed objects, rendered to the YAML promtool 2.42 reads strictly."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from obskit.compile.ir import AlertingRule, Labels, RuleFile, RuleGroup
from obskit.duration import Duration
from obskit.location import Location
from obskit.render import prometheus_rules
from obskit.render.yamlfmt import dump
from obskit.verify.series import Series


@dataclass(frozen=True)
class ExpectedAlert:
    labels: Labels
    annotations: Labels = ()


@dataclass(frozen=True)
class Origin:
    """The user's expectation a check comes from: where it was written and how it reads
    (``At(by="7h5m", fired=("page",))``); failures are reported with it (obskit/verify/failures.py)."""

    location: Optional[Location]
    what: str
    alert: str = ""           # the alert it is about
    meaning: str = ""         # the check's claim in words, e.g. "fired between 7h and 7h10m"


@dataclass(frozen=True)
class AlertCheck:
    """At ``eval_time``, exactly ``alerts`` of ``alertname`` are firing (none: it is silent)."""

    eval_time: Duration
    alertname: str
    alerts: Tuple[ExpectedAlert, ...] = ()
    origin: Optional[Origin] = field(default=None, compare=False)


@dataclass(frozen=True)
class ExprCheck:
    eval_time: Duration
    expr: str
    samples: Tuple[Tuple[Labels, float], ...]
    origin: Optional[Origin] = field(default=None, compare=False)


def firing_between(selector: str, first: int, last: int, step: int, expected: Sequence,
                   origin: Optional[Origin] = None) -> ExprCheck:
    """A check over the ``ALERTS`` series that rule evaluation writes (promtool 2.42 and 3.x alike):
    among the evaluations at ``first``, ``first + step``, ..., ``last`` seconds (on the ``step`` grid),
    the alerts of ``selector`` that were firing at one of them are exactly ``expected`` (none: silent
    at every one).

    ``max_over_time`` at ``last`` over a range reaching half a step before ``first``: no sample lies on
    the range's start, so Prometheus 2 (closed ranges) and 3 (left-open) select the same evaluations."""
    span_ms = (last - first) * 1000 + step * 500
    expr = f"max_over_time({selector}[{span_ms}ms])"
    return ExprCheck(Duration(last) if last else ZERO, expr,
                     tuple((l, 1.0) for l in sorted(tuple(sorted(dict(x).items())) for x in expected)), origin)


def alerts_selector(alertname: str, matchers: Sequence[Tuple[str, str]] = ()) -> str:
    """``ALERTS{alertname="X", alertstate="firing", ...}``."""
    from obskit.promql import quote
    pairs = [("alertname", alertname), ("alertstate", "firing")] + [m for m in matchers
                                                                    if m[0] not in ("alertname", "alertstate")]
    return "ALERTS{" + ",".join(f"{k}={quote(v)}" for k, v in pairs) + "}"


ZERO = Duration(0)     # an evaluation at the first sample


@dataclass(frozen=True)
class PromtoolTest:
    name: str
    interval: Duration
    series: Tuple[Series, ...]
    alert_checks: Tuple[AlertCheck, ...] = ()
    expr_checks: Tuple[ExprCheck, ...] = ()


@dataclass(frozen=True)
class PromtoolTestFile:
    """A promtool test file with its own rule file. ``subject`` groups results (e.g. an SLO id).

    ``static_annotations``: the rule file keeps only the alerts' annotations without a template
    (generated SLO alerts: their summary and description render the current value, which a test
    cannot know in advance; :func:`expected_alert` expects the same)."""

    name: str
    subject: str
    groups: Tuple[RuleGroup, ...]
    evaluation_interval: Duration
    tests: Tuple[PromtoolTest, ...]
    static_annotations: bool = False

    @property
    def cost(self) -> int:
        """Rule evaluations promtool will run: every rule at every step up to each test's last check
        (what its run time grows with; used to start the longest files first)."""
        rules = sum(len(g.rules) for g in self.groups)
        step = self.evaluation_interval.seconds
        ends = [max([c.eval_time.seconds for c in t.alert_checks] + [c.eval_time.seconds for c in t.expr_checks] + [0])
                for t in self.tests]
        return rules * sum(end // step + 1 for end in ends)

    def write(self, directory: Path) -> Path:
        rules = directory / f"{self.name}.rules.yml"
        groups = tuple(_static(g) for g in self.groups) if self.static_annotations else self.groups
        rules.write_bytes(prometheus_rules.render(RuleFile(self.name, groups)))
        test = directory / f"{self.name}.test.yml"
        test.write_text(dump(self.to_dict(rules.name)))
        return test

    def to_dict(self, rules_name: str) -> dict:
        return {
            "rule_files": [rules_name],
            "evaluation_interval": str(self.evaluation_interval),
            # promtool would otherwise evaluate groups in any order; Prometheus runs them concurrently,
            # so in production an alert may read its recordings one interval late.
            "group_eval_order": [g.name for g in self.groups],
            "tests": [_test_dict(t, i) for i, t in enumerate(self.tests)],
        }


def _test_dict(t: PromtoolTest, index: int = 0) -> dict:
    out: Dict[str, object] = {
        "name": t.name,
        "interval": str(t.interval),   # always set: without it promtool 2.42 loads every sample at t=0
        "input_series": [s.to_input() for s in t.series],
    }
    if t.alert_checks:
        out["alert_rule_test"] = [
            {"eval_time": str(c.eval_time), "alertname": c.alertname,
             "exp_alerts": [{"exp_labels": dict(a.labels), **({"exp_annotations": dict(a.annotations)}
                                                              if a.annotations else {})}
                            for a in c.alerts]}
            for c in t.alert_checks]
    if t.expr_checks:
        # promtool names no test on an expression's failure: the comment says which check it was
        out["promql_expr_test"] = [
            {"expr": f"{c.expr} {check_tag(index, i)}", "eval_time": str(c.eval_time),
             "exp_samples": [{"labels": _labels_text(l), "value": v} for l, v in c.samples]}
            for i, c in enumerate(t.expr_checks)]
    return out


def check_tag(test: int, check: int) -> str:
    """The PromQL comment that marks an expression check (indexes of its test in the file and of the
    check in the test)."""
    return f"# obskit check {test}.{check}"


def _labels_text(labels: Labels) -> str:
    from obskit.promql import quote
    name = dict(labels).get("__name__", "")
    rest = [(k, v) for k, v in labels if k != "__name__"]
    return name + "{" + ", ".join(f"{k}={quote(v)}" for k, v in sorted(rest)) + "}"


def expected_alert(rule: AlertingRule, series_labels: Labels, extra: Dict[str, str]) -> ExpectedAlert:
    """A generated alert as promtool reports it, with its static annotations (for a file written with
    ``static_annotations=True``)."""
    labels = dict(series_labels)
    labels.update(extra)
    labels.update(dict(rule.labels))
    return ExpectedAlert(tuple(sorted(labels.items())), static_annotations(rule.annotations))


def static_annotations(annotations: Labels) -> Labels:
    """The annotations without a template (``{{``)."""
    return tuple((k, v) for k, v in annotations if "{{" not in v)


def _static(group: RuleGroup) -> RuleGroup:
    rules = tuple(dataclasses.replace(r, annotations=static_annotations(r.annotations))
                  if isinstance(r, AlertingRule) else r for r in group.rules)
    return dataclasses.replace(group, rules=rules)
