"""Threshold alerts and recording rules, grouped as Prometheus evaluates them.

    errors = AlertRule(
        name="HighErrorRate",
        expr='sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05',
        for_="5m", severity="critical",
        summary="High error rate", description="Error rate is {{ $value | humanizePercentage }}",
    )
    gateway = RuleGroup(name="llm-gateway", interval="30s", rules=(errors,))

Only :class:`RuleGroup` is a :class:`~obskit.model.base.Definition` (the loader collects groups; a
rule belongs to the group that lists it). What Prometheus would refuse is an error here, where the
rule is written (PromQL syntax, metric and label names, durations); conventions (CamelCase alert
names, ``level:metric:operations`` record names, the fixed severities, summary and description) are
the lint's warnings (``obskit.lint``), which ``lint_disable`` switches off, as are the policy checks
(templates, ranges, aggregated labels, ...).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Tuple

from obskit.duration import Duration
from obskit.location import Location
from obskit.model.base import Definition, Problems, check_text, freeze_labels, locate, set_attr
from obskit.promql import PromQLError, check_syntax, is_valid_metric_name

SEVERITIES = ("critical", "warning", "info")
ALERT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
#: level:metric:operations (https://prometheus.io/docs/practices/rules/)
RECORD_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+$")
RESERVED_ALERT_LABELS = ("severity", "alertname")
RESERVED_ANNOTATIONS = ("summary", "description", "runbook_url")

#: Rule-group fields that not every Prometheus loads: field → the release that added it (older ones
#: refuse the whole file). ``limit`` came with 2.31 (CHANGELOG 2.31.0), ``query_offset`` with 2.53,
#: group ``labels`` with 3.0. tests/test_version_gates.py checks every entry against the installed
#: promtool and Prometheus of each version (a wrong entry fails there).
GROUP_FIELD_VERSIONS = {"limit": (2, 31), "query_offset": (2, 53), "labels": (3, 0)}
#: Alert fields and the Prometheus release that added them (``keep_firing_for``: 2.42).
ALERT_FIELD_VERSIONS = {"keep_firing_for": (2, 42)}


def _expr(p: Problems, expr) -> str:
    if not isinstance(expr, str):
        p.add("bad-promql", f"expr must be a PromQL string, got {expr!r}")
        return expr
    try:
        check_syntax(expr)
    except PromQLError as exc:
        p.add("bad-promql", str(exc))
    return expr.strip()


def _disable(p: Problems, value) -> Tuple[str, ...]:
    if value is not None and not isinstance(value, (str, list, tuple, set, frozenset)):
        p.add("bad-type", f"lint_disable must be a lint code or a tuple of them, got {type(value).__name__} {value!r}")
        return ()
    items = (value,) if isinstance(value, str) else tuple(value or ())
    if not all(isinstance(c, str) and c for c in items):
        p.add("bad-lint-disable", f"lint_disable must be lint codes (strings), got {value!r}")
        return ()
    return tuple(sorted(set(items)))


def _optional_duration(p: Problems, obj, attr: str, zero: bool = False) -> None:
    value = getattr(obj, attr)
    if value is None:
        return
    if zero and (value == 0 or (isinstance(value, str) and re.fullmatch(r"\s*(0+[smhdwy]|0+ms)+\s*", value))):
        set_attr(obj, attr, Duration(0))   # ``for: 0s`` is valid Prometheus: the same as no ``for``
        return
    set_attr(obj, attr, p.duration(value, attr) or value)


def _optional_text(p: Problems, obj, attr: str) -> None:
    value = getattr(obj, attr)
    if value is None:
        set_attr(obj, attr, "")
    elif not isinstance(value, str):
        p.add("bad-annotation", f"{attr} must be a string (or None), got {value!r}")
    else:
        check_text(p, value, attr, "bad-annotation", allow="" if attr == "runbook_url" else "\n\t")


@dataclass(frozen=True, kw_only=True, eq=False)
class AlertRule:
    """An alerting rule. ``severity`` becomes the ``severity`` label; ``summary``, ``description`` and
    ``runbook_url`` become annotations (Prometheus templates such as ``{{ $labels.pod }}`` allowed).

    ``severity``, ``summary`` and ``description`` must be given, but may be ``None`` (a rule file
    imported as it is, without them); the lint warns about a missing or non-standard severity, a
    missing summary or description, and a name that is not CamelCase."""

    name: str
    expr: str
    severity: Optional[str]
    summary: Optional[str]
    description: Optional[str]
    for_: Optional[str] = None
    keep_firing_for: Optional[str] = None
    runbook_url: str = ""
    labels: Tuple[Tuple[str, str], ...] = ()
    annotations: Tuple[Tuple[str, str], ...] = ()
    lint_disable: Tuple[str, ...] = ()
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"alert {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not self.name.strip():
            p.add("bad-name", f"alert name {self.name!r} must be a non-empty string",
                  hint="for example 'HighErrorRate'")
        else:
            check_text(p, self.name, "the alert name", "bad-name", allow="")
        set_attr(self, "expr", _expr(p, self.expr))
        if self.severity is not None and (not isinstance(self.severity, str) or not self.severity):
            p.add("bad-severity", f"severity must be a label value (a non-empty string) or None, got {self.severity!r}")
        for attr in ("summary", "description", "runbook_url"):
            _optional_text(p, self, attr)
        _optional_duration(p, self, "for_", zero=True)
        _optional_duration(p, self, "keep_firing_for", zero=True)
        set_attr(self, "labels", freeze_labels(self.labels, p, reserved=RESERVED_ALERT_LABELS))
        set_attr(self, "annotations", freeze_labels(self.annotations, p, "annotations",
                                                    reserved=RESERVED_ANNOTATIONS))
        set_attr(self, "lint_disable", _disable(p, self.lint_disable))
        p.done()

    def newer_fields(self) -> Tuple[str, ...]:
        return tuple(f for f in ALERT_FIELD_VERSIONS if getattr(self, f) is not None)

    @property
    def all_labels(self) -> Tuple[Tuple[str, str], ...]:
        if self.severity is None:
            return self.labels
        return tuple(sorted(dict(self.labels, severity=self.severity).items()))

    @property
    def all_annotations(self) -> Tuple[Tuple[str, str], ...]:
        out = dict(self.annotations)
        for key in ("summary", "description"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.runbook_url:
            out["runbook_url"] = self.runbook_url
        return tuple(sorted(out.items()))


@dataclass(frozen=True, kw_only=True, eq=False)
class RecordingRule:
    """A recording rule. ``record`` must be a metric name; the lint warns (``record-name``) when it
    does not follow the ``level:metric:operations`` convention."""

    record: str
    expr: str
    labels: Tuple[Tuple[str, str], ...] = ()
    lint_disable: Tuple[str, ...] = ()
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"recording rule {self.record!r}", locate(self))
        if not isinstance(self.record, str) or not is_valid_metric_name(self.record):
            p.add("bad-name", f"record {self.record!r} is not a valid metric name")
        set_attr(self, "expr", _expr(p, self.expr))
        set_attr(self, "labels", freeze_labels(self.labels, p))
        set_attr(self, "lint_disable", _disable(p, self.lint_disable))
        p.done()

    @property
    def name(self) -> str:
        return self.record


@dataclass(frozen=True, kw_only=True, eq=False)
class RuleGroup(Definition):
    """A Prometheus rule group. Its rules land in ``prometheus/rules/<module>-alerts.yml``, one file
    per definition module. ``limit`` needs Prometheus 2.31, ``query_offset`` 2.53 and ``labels`` 3.0
    (:data:`GROUP_FIELD_VERSIONS`): the project's ``prometheus_version`` decides whether they may be used."""

    name: str
    rules: Tuple[object, ...]
    interval: Optional[str] = None
    limit: Optional[int] = None
    query_offset: Optional[str] = None
    labels: Tuple[Tuple[str, str], ...] = ()
    lint_disable: Tuple[str, ...] = ()
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"rule group {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not self.name.strip() or "\n" in self.name:
            p.add("bad-name", f"group name {self.name!r} must be a non-empty single-line string")
        else:
            check_text(p, self.name, "the group name", "bad-name", allow="")
        if isinstance(self.rules, (AlertRule, RecordingRule)) or not self.rules:
            rules = (self.rules,) if self.rules else ()
        elif isinstance(self.rules, (list, tuple, set, frozenset)):
            rules = tuple(self.rules)
        else:
            p.add("bad-type", f"rules must be a tuple of AlertRule and RecordingRule, got "
                              f"{type(self.rules).__name__} {self.rules!r}")
            rules = ()
        if not rules and not p.items:
            p.add("empty-group", "a rule group needs at least one rule")
        for r in rules:
            if not isinstance(r, (AlertRule, RecordingRule)):
                p.add("bad-rule", f"rules must be AlertRule or RecordingRule objects, got {r!r}")
        set_attr(self, "rules", rules)
        _optional_duration(p, self, "interval")
        _optional_duration(p, self, "query_offset")
        if self.limit is not None and (isinstance(self.limit, bool) or not isinstance(self.limit, int)
                                       or self.limit < 0):
            p.add("bad-limit", f"limit must be a whole number ≥ 0, got {self.limit!r}")
        set_attr(self, "labels", freeze_labels(self.labels, p, "group labels"))
        set_attr(self, "lint_disable", _disable(p, self.lint_disable))
        p.done()

    @property
    def alerts(self) -> Tuple[AlertRule, ...]:
        return tuple(r for r in self.rules if isinstance(r, AlertRule))

    def newer_fields(self) -> Tuple[str, ...]:
        """Fields set on this group that some Prometheus releases refuse (``limit=0`` is still written)."""
        return tuple(f for f in GROUP_FIELD_VERSIONS if getattr(self, f) not in (None, ()))


def parse_version(text: str) -> Tuple[int, ...]:
    """``"2.42"`` or ``"v3.1.0"`` → ``(2, 42)`` / ``(3, 1, 0)``; unknown parts are 0."""
    parts = re.findall(r"\d+", str(text))
    return tuple(int(x) for x in parts) or (0,)


def version_text(version: Tuple[int, ...]) -> str:
    return ".".join(str(v) for v in version)


__all__ = ["AlertRule", "RecordingRule", "RuleGroup", "SEVERITIES"]
