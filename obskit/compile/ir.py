"""The intermediate model: what compile produces and render reads. Plain, immutable, target-neutral."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

from obskit.duration import Duration
from obskit.location import Location

Labels = Tuple[Tuple[str, str], ...]


@dataclass(frozen=True)
class RecordingRule:
    record: str
    expr: str
    labels: Labels = ()


@dataclass(frozen=True)
class AlertingRule:
    alert: str
    expr: str
    for_: Optional[Duration] = None
    keep_firing_for: Optional[Duration] = None
    labels: Labels = ()
    annotations: Labels = ()


Rule = "RecordingRule | AlertingRule"


@dataclass(frozen=True)
class RuleGroup:
    name: str
    rules: Tuple[object, ...]
    interval: Optional[Duration] = None
    limit: Optional[int] = None
    query_offset: Optional[Duration] = None   # Prometheus 2.53+
    labels: Labels = ()                       # Prometheus 3.0+


@dataclass(frozen=True)
class RuleFile:
    """One Prometheus rule file; ``name`` becomes the file name (``<name>.yml``)."""

    name: str
    groups: Tuple[RuleGroup, ...]
    sources: Tuple[Location, ...] = field(default=(), compare=False)
