"""The rule groups a Prometheus runs (``/api/v1/rules``) as typed values, and the groups the build
writes in the same shape, so that :mod:`obskit.live.drift` compares like with like."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from obskit.compile.ir import AlertingRule, RuleGroup
from obskit.location import Location

Labels = Tuple[Tuple[str, str], ...]


@dataclass(frozen=True)
class LiveRule:
    """One rule, from the server or from the build: durations in seconds, labels sorted."""

    kind: str                          # "alert" or "record"
    name: str
    expr: str
    for_seconds: float = 0.0
    keep_firing_seconds: float = 0.0
    labels: Labels = ()
    annotations: Labels = ()
    health: str = ""                   # server only: ok, err, unknown
    last_error: str = ""

    @property
    def key(self) -> Tuple[str, str]:
        return (self.kind, self.name)

    def title(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class LiveGroup:
    name: str
    file: str                          # server: the file it was loaded from; build: the rule file's name
    rules: Tuple[LiveRule, ...]
    interval_seconds: Optional[float] = None   # build: None = the global evaluation interval
    limit: int = 0
    location: Optional[Location] = None        # build: where the group (or its SLO) is defined
    generated: bool = False                    # build: generated from an SLO


def _labels(value) -> Labels:
    return tuple(sorted((str(k), str(v)) for k, v in (value or {}).items()))


def from_api(data) -> Tuple[LiveGroup, ...]:
    """The ``data`` of ``/api/v1/rules``: ``{"groups": [{name, file, interval, limit, rules: [...]}]}``."""
    groups = []
    for g in (data or {}).get("groups") or []:
        rules = []
        for r in g.get("rules") or []:
            kind = "alert" if r.get("type") == "alerting" else "record"
            rules.append(LiveRule(kind=kind, name=str(r.get("name", "")), expr=str(r.get("query", "")),
                                  for_seconds=float(r.get("duration") or 0),
                                  keep_firing_seconds=float(r.get("keepFiringFor") or 0),
                                  labels=_labels(r.get("labels")), annotations=_labels(r.get("annotations")),
                                  health=str(r.get("health", "")), last_error=str(r.get("lastError") or "")))
        groups.append(LiveGroup(name=str(g.get("name", "")), file=str(g.get("file", "")), rules=tuple(rules),
                                interval_seconds=float(g["interval"]) if g.get("interval") is not None else None,
                                limit=int(g.get("limit") or 0)))
    return tuple(groups)


def from_build(group: RuleGroup, file: str, location: Optional[Location] = None,
               generated: bool = False) -> LiveGroup:
    """A group as the build writes it. Group-level ``labels`` (Prometheus 3) are given to every rule,
    as the server does when it loads the group (a rule's own label wins)."""
    rules = []
    for r in group.rules:
        labels = dict(group.labels)
        labels.update(dict(r.labels))
        if isinstance(r, AlertingRule):
            rules.append(LiveRule("alert", r.alert, r.expr, float(r.for_.seconds) if r.for_ else 0.0,
                                  float(r.keep_firing_for.seconds) if r.keep_firing_for else 0.0,
                                  _labels(labels), _labels(dict(r.annotations))))
        else:
            rules.append(LiveRule("record", r.record, r.expr, labels=_labels(labels)))
    return LiveGroup(name=group.name, file=file, rules=tuple(rules),
                     interval_seconds=float(group.interval.seconds) if group.interval else None,
                     limit=int(group.limit or 0), location=location, generated=generated)


def built_groups(project) -> Tuple[LiveGroup, ...]:
    """Every rule group ``obskit build`` writes for Prometheus: the SLOs' generated groups, the
    project's rule groups and the included rule files, each located at its definition."""
    from obskit.lint.subjects import collect
    subjects = collect(project)
    return tuple(from_build(s.group, s.file, subjects.where(s.location) if s.location else None, s.generated)
                 for s in subjects.groups)
