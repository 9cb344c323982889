"""Routing tests: an alert's labels and the receivers it must reach, proven with
``amtool config routes test``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Tuple

from obskit.location import Location
from obskit.model.base import Definition, Problems, freeze_labels, locate, set_attr


@dataclass(frozen=True, kw_only=True, eq=False)
class RouteTest(Definition):
    """``labels`` of an alert → the ``receivers`` it reaches, in routing-tree order (the order
    amtool prints and compares)."""

    name: str
    labels: Tuple[Tuple[str, str], ...]
    receivers: Tuple[str, ...]
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"route test {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not self.name.strip():
            p.add("bad-name", "a route test needs a name")
        set_attr(self, "labels", freeze_labels(self.labels, p))
        receivers = (self.receivers,) if isinstance(self.receivers, str) else tuple(self.receivers or ())
        set_attr(self, "receivers", receivers)
        if not receivers:
            p.add("bad-test", "expected receivers are missing (every alert reaches at least the root receiver)")
        for r in receivers:
            if not isinstance(r, str) or not r:
                p.add("bad-test", f"receiver {r!r} must be a receiver name")
        p.done()
