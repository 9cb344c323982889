"""The routing tree."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Optional, Tuple

from obskit.duration import Duration
from obskit.location import Location
from obskit.model.alertmanager.matchers import CLASSIC_NAME, Matcher, parse_matchers
from obskit.model.alertmanager.receivers import Receiver
from obskit.model.alertmanager.time_intervals import TimeInterval
from obskit.model.base import Problems, locate, set_attr

ALL_LABELS = "..."


def _names(value, kind) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (str, kind)):
        value = (value,)
    return tuple(v.name if isinstance(v, kind) else v for v in value)


@dataclass(frozen=True, kw_only=True, eq=False)
class Route:
    """One node of the routing tree.

    ``receiver`` is a receiver name or :class:`Receiver` (a child without one inherits its parent's).
    ``matchers``: strings like ``'severity="critical"'``, a ``{label: value}`` dict or Matchers.
    ``group_by=("...",)`` groups by every label. ``continue_=True`` keeps matching later siblings.
    ``mute_time_intervals`` / ``active_time_intervals``: names or :class:`TimeInterval` objects.
    """

    receiver: Optional[str] = None
    matchers: Tuple[Matcher, ...] = ()
    group_by: Optional[Tuple[str, ...]] = None
    continue_: bool = False
    group_wait: Optional[Duration] = None
    group_interval: Optional[Duration] = None
    repeat_interval: Optional[Duration] = None
    mute_time_intervals: Tuple[str, ...] = ()
    active_time_intervals: Tuple[str, ...] = ()
    routes: Tuple["Route", ...] = ()
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems("route" + (f" to {self.receiver_name!r}" if self.receiver_name else ""), locate(self))
        if isinstance(self.receiver, Receiver):
            set_attr(self, "receiver", self.receiver.name)
        elif self.receiver is not None and not isinstance(self.receiver, str):
            p.add("bad-route", f"receiver must be a receiver name or Receiver, got {self.receiver!r}")
        matchers, errors = parse_matchers(self.matchers)
        for e in errors:
            p.add("bad-matcher", e)
        set_attr(self, "matchers", matchers)
        if self.group_by is not None:
            gb = (self.group_by,) if isinstance(self.group_by, str) else tuple(self.group_by)
            set_attr(self, "group_by", gb)
            if ALL_LABELS in gb and len(gb) > 1:
                p.add("bad-route", "group_by '...' (all labels) must be alone")
            dup = sorted({g for g in gb if gb.count(g) > 1})
            if dup:
                p.add("bad-route", f"group_by repeats {dup}")
            for g in gb:
                if g != ALL_LABELS and (not isinstance(g, str) or not g):
                    p.add("bad-route", f"group_by label {g!r} is not a label name")
        if not isinstance(self.continue_, bool):
            p.add("bad-route", f"continue_ must be True or False, got {self.continue_!r}")
        for attr in ("group_wait", "group_interval", "repeat_interval"):
            value = getattr(self, attr)
            if attr == "group_wait" and value in (0, "0", "0s"):
                set_attr(self, attr, Duration(0))      # notify at once
            elif value is not None:
                set_attr(self, attr, p.duration(value, attr))
        for attr in ("mute_time_intervals", "active_time_intervals"):
            set_attr(self, attr, _names(getattr(self, attr), TimeInterval))
        routes = (self.routes,) if isinstance(self.routes, Route) else tuple(self.routes or ())
        set_attr(self, "routes", routes)
        for r in routes:
            if not isinstance(r, Route):
                p.add("bad-route", f"routes entries must be Route objects, got {r!r}")
        p.done()

    @property
    def receiver_name(self) -> Optional[str]:
        return self.receiver.name if isinstance(self.receiver, Receiver) else self.receiver

    @property
    def utf8_labels(self) -> Tuple[str, ...]:
        names = [m.name for m in self.matchers if m.utf8]
        names += [g for g in (self.group_by or ()) if g != ALL_LABELS and not CLASSIC_NAME.match(g)]
        return tuple(names)

    def walk(self) -> Iterator["Route"]:
        yield self
        for r in self.routes:
            yield from r.walk()

    def matching(self, labels: dict, path: Tuple[int, ...] = ()) -> Tuple[Tuple[int, ...], ...]:
        """Paths (child indexes from this route) of the routes an alert ends on, in order."""
        if not all(m.matches(labels) for m in self.matchers):
            return ()
        found = []
        for i, child in enumerate(self.routes):
            got = child.matching(labels, path + (i,))
            found.extend(got)
            if got and not child.continue_:
                break
        return tuple(found) or (path,)

    def paths(self, path: Tuple[int, ...] = ()) -> Iterator[Tuple[Tuple[int, ...], "Route"]]:
        """Every (path, route), depth first; a route shared by two parents appears under each."""
        yield path, self
        for i, child in enumerate(self.routes):
            yield from child.paths(path + (i,))

    def match(self, labels: dict, parent_receiver: Optional[str] = None) -> Tuple[str, ...]:
        """Receivers an alert with ``labels`` reaches (Alertmanager's tree walk; no inhibition or
        time intervals). Used for quick checks; amtool has the last word."""
        receiver = self.receiver or parent_receiver
        if not all(m.matches(labels) for m in self.matchers):
            return ()
        found = []
        for child in self.routes:
            got = child.match(labels, receiver)
            found.extend(got)
            if got and not child.continue_:
                break
        return tuple(found) or ((receiver,) if receiver else ())
