"""Imported promtool tests as obskit definitions (``obskit import promtool-tests``).

    RuleTest(
        name="ten percent errors page",
        rules=("api",),                      # the rule groups of alerts/api.py (imported from api.yml)
        evaluation_interval="1m", interval="1m",
        series=(Input('http_requests_total{job="api", code="500"}', "0+10x30"),),
        expect=(Silent(alert="HighErrorRate", at="3m"),
                Firing(alert="HighErrorRate", at="20m", labels={"job": "api", "severity": "critical"},
                       annotations={"summary": "api fails"}),
                Samples(expr="sum(up)", at="5m", samples={"{}": 1})),
    )

A ``RuleTest`` is an ``AlertTest`` (``obskit test`` runs it under every promtool from the floor) with
promtool's own semantics, so an imported test passes wherever the original passes:
- ``Firing`` labels and annotations are the complete expected alert, as promtool's ``exp_labels`` /
  ``exp_annotations`` (nothing is added; annotations are always compared, none given means none);
- ``Samples`` is ``promql_expr_test``: at ``at`` the expression returns exactly these samples;
- the file's ``evaluation_interval`` is kept (not the project's); expectations after a series' last
  sample are legal (within the lookback the last value is still read, after it the series is gone);
- ``rules`` names rule groups: the groups of an imported module (its stem, i.e. the rule file's stem)
  or a group name, in promtool's evaluation order (``group_eval_order`` when the file had one).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from obskit.compile.rules import compile_group
from obskit.duration import Duration
from obskit.location import Location
from obskit.model.base import Checked, Problems, freeze_labels, locate, set_attr
from obskit.verify.alert_tests import AlertTest, Firing, Silent, _when
from obskit.verify.promtool_tests import (AlertCheck, ExpectedAlert, ExprCheck, Origin, PromtoolTest,
                                          PromtoolTestFile)
from obskit.verify.series import Series

__all__ = ["RuleTest", "Samples", "Input", "Firing", "Silent", "parse_labels"]


@dataclass(init=False)
class Input(Series):
    """An input series exactly as promtool reads it: ``series`` text and ``values`` notation."""

    text: str = ""

    def __init__(self, series: str, values: str):
        metric, labels = parse_labels(series)
        super().__init__(metric=metric, labels=dict(labels))
        self.text = series
        self._tokens = [str(values)]
        self.samples = _count(str(values))

    @property
    def name(self) -> str:
        return self.text


def _count(values: str) -> int:
    n = 0
    for tok in values.split():
        m = re.fullmatch(r".*x(\d+)", tok)
        if m and not tok.startswith("{{"):
            n += int(m.group(1)) + (0 if tok.startswith("_") else 1)
        else:
            n += 1
    return n


_LABEL = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[a-zA-Z_][a-zA-Z0-9_]*)\s*(?:(=)\s*("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`))?\s*(,|$)')


def _unquote(text: str) -> str:
    if text.startswith("`"):
        return text[1:-1]
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def parse_labels(text: str) -> Tuple[str, Tuple[Tuple[str, str], ...]]:
    """``metric{a="b"}`` (or ``{a="b"}``, ``{"utf8.name", a="b"}``) → (metric, sorted labels with
    ``__name__`` when there is a name). ValueError when it is not a series."""
    text = text.strip()
    m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(.*)\})?", text, re.S)
    if not m or (m.group(1) is None and m.group(2) is None):
        raise ValueError(f"not a series: {text!r}")
    metric, body = m.group(1) or "", (m.group(2) or "").strip()
    labels: Dict[str, str] = {}
    pos = 0
    while pos < len(body):
        lm = _LABEL.match(body, pos)
        if not lm or lm.end() == pos:
            raise ValueError(f"not a series: {text!r}")
        key, eq, value = lm.group(1), lm.group(2), lm.group(3)
        if eq is None:                         # a quoted metric name inside the braces
            if not key.startswith('"') or metric:
                raise ValueError(f"not a series: {text!r}")
            metric = _unquote(key)
        else:
            labels[_unquote(key) if key.startswith('"') else key] = _unquote(value)
        pos = lm.end()
    if metric:
        labels["__name__"] = metric
    return metric, tuple(sorted(labels.items()))


@dataclass(frozen=True, kw_only=True, eq=False)
class Samples(Checked):
    """``promql_expr_test``: at ``at``, ``expr`` returns exactly ``samples`` (series text → value; an
    empty mapping: no result)."""

    expr: str
    at: str
    samples: Tuple[Tuple[str, float], ...] = ()
    alert: str = ""                           # none: read by obskit test's coverage list
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"expression check at {self.at}", locate(self))
        set_attr(self, "at", _when(p, self.at, "at") or self.at)
        items = tuple(self.samples.items()) if isinstance(self.samples, dict) else tuple(self.samples or ())
        parsed = []
        for labels, value in items:
            try:
                parsed.append((parse_labels(str(labels))[1], float(value)))
            except (TypeError, ValueError) as exc:
                p.add("bad-test", f"sample {labels!r}: {exc}")
        set_attr(self, "samples", items)
        set_attr(self, "_parsed", tuple(parsed))
        if not isinstance(self.expr, str) or not self.expr.strip():
            p.add("bad-test", "expr must be a PromQL expression")
        p.done()

    @property
    def last(self) -> Optional[Duration]:
        return self.at if isinstance(self.at, Duration) else None

    def describe(self) -> str:
        return f"Samples(expr={self.expr!r}, at=\"{self.at}\")"


@dataclass(frozen=True, kw_only=True, eq=False)
class RuleTest(AlertTest):
    """A promtool test with promtool's semantics (see the module docstring)."""

    rules: Tuple[object, ...] = ()
    evaluation_interval: str = "1m"

    def __post_init__(self):
        p = Problems(f"rule test {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not self.name.strip():
            p.add("bad-test", "name must be a non-empty string")
        rules = (self.rules,) if isinstance(self.rules, str) else tuple(self.rules or ())
        set_attr(self, "rules", rules)
        if not rules:
            p.add("bad-test", "rules= names the rule groups under test (an imported module's stem or a group name)")
        series = (self.series,) if isinstance(self.series, Series) else tuple(self.series or ())
        expect = (self.expect,) if isinstance(self.expect, (Firing, Silent, Samples)) else tuple(self.expect or ())
        set_attr(self, "series", series)
        set_attr(self, "expect", expect)
        set_attr(self, "interval", p.duration(self.interval, "interval") or self.interval)
        set_attr(self, "evaluation_interval",
                 p.duration(self.evaluation_interval, "evaluation_interval") or self.evaluation_interval)
        if not all(isinstance(s, Series) for s in series):
            p.add("bad-test", "series= takes Input(...) / Series(...) objects")
        bad = [e for e in expect if not isinstance(e, (Firing, Silent, Samples)) or
               (not isinstance(e, Samples) and e.at is None)]
        if bad:
            p.add("bad-test", "expect= takes Firing(at=...), Silent(at=...) and Samples(...) expectations")
        p.done()

    def _alert_rules(self):
        return ()

    @property
    def checks_annotations(self) -> bool:
        return True

    def groups(self, project):
        """The compiled rule groups ``rules`` names, in that order."""
        from obskit.interop.pycode import identifier
        from obskit.model.rules import RuleGroup
        from obskit.errors import DefinitionError, Diagnostic
        out = []
        known = project.of(RuleGroup) if project is not None else ()
        for ref in self.rules:
            if isinstance(ref, RuleGroup):
                found = [ref]
            else:
                found = [g for g in known if g.name == ref] or \
                        [g for g in known if g.location.file.endswith(f"/{identifier(str(ref))}.py")]
            if not found:
                raise DefinitionError([Diagnostic("bad-test", f"rules: {ref!r} is neither a rule group nor a "
                                                  "module of rule groups of this project", f"rule test {self.name!r}",
                                                  self.location)])
            out.extend(g for g in found if g not in out)
        return tuple(compile_group(g) for g in out)

    def group(self, project=None):
        return self.groups(project)[0]

    def test_file(self, project=None) -> PromtoolTestFile:
        from obskit.compile import conventions as conv
        groups = self.groups(project)
        checks: Dict[Tuple[int, str], List[ExpectedAlert]] = {}
        origins: Dict[Tuple[int, str], Origin] = {}
        exprs: List[ExprCheck] = []
        for e in self.expect:
            if isinstance(e, Samples):
                exprs.append(ExprCheck(e.at, e.expr, tuple(sorted(e._parsed)), Origin(e.location, e.describe())))
                continue
            key = (e.at.seconds, e.alert)
            origins.setdefault(key, Origin(e.location, e.describe(), e.alert))
            bucket = checks.setdefault(key, [])
            if isinstance(e, Firing):
                bucket.append(ExpectedAlert(tuple(sorted(e.labels)), tuple(sorted(e.annotations or ()))))
        alert_checks = tuple(AlertCheck(Duration(s), a, tuple(sorted(v, key=lambda x: x.labels)), origin=origins[(s, a)])
                             for (s, a), v in sorted(checks.items()))
        test = PromtoolTest(name=self.name, interval=self.interval, series=self.series,
                            alert_checks=alert_checks, expr_checks=tuple(exprs))
        return PromtoolTestFile(name=conv.alert_test_file_name(groups[0].name, self.name),
                                subject=f"rule test {self.name}", groups=groups,
                                evaluation_interval=self.evaluation_interval, tests=(test,))

