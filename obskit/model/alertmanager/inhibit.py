"""Inhibition rules: while an alert matching ``source`` fires, alerts matching ``target`` with the
same values of the ``equal`` labels are not notified."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Tuple

from obskit.location import Location
from obskit.model.alertmanager.matchers import CLASSIC_NAME, Matcher, parse_matchers
from obskit.model.base import Problems, locate, set_attr


@dataclass(frozen=True, kw_only=True, eq=False)
class Inhibit:
    source: Tuple[Matcher, ...]
    target: Tuple[Matcher, ...]
    equal: Tuple[str, ...] = ()
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems("inhibit rule", locate(self))
        for attr in ("source", "target"):
            matchers, errors = parse_matchers(getattr(self, attr), attr)
            for e in errors:
                p.add("bad-matcher", e)
            set_attr(self, attr, matchers)
            if not matchers and not errors:
                p.add("bad-inhibit", f"{attr} needs at least one matcher (an empty one matches every alert)")
        equal = (self.equal,) if isinstance(self.equal, str) else tuple(self.equal or ())
        set_attr(self, "equal", equal)
        for e in equal:
            if not isinstance(e, str) or not e:
                p.add("bad-inhibit", f"equal label {e!r} is not a label name")
        if not equal:
            p.add("inhibit-no-equal", "no equal labels: any source alert anywhere mutes every target alert",
                  hint="give equal=('alertname', 'service') or similar", severity="warning")
        p.done()

    @property
    def utf8_labels(self) -> Tuple[str, ...]:
        return tuple([m.name for m in self.source + self.target if m.utf8]
                     + [e for e in self.equal if not CLASSIC_NAME.match(e)])
