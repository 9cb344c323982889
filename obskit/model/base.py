"""Shared machinery of user-facing definitions: where they were made, and validation."""
from __future__ import annotations

import threading
from typing import Callable, List, Optional

from obskit.duration import Duration, DurationError
from obskit.errors import Diagnostic, report
from obskit.location import Location, caller_location


_located = threading.local()


class Problems:
    """Problems found while validating one definition; reported together.

    ``Problems(description, locate(self))`` also remembers ``self`` (the object :func:`locate` just
    placed): when the loader collects errors instead of raising, an object with errors is marked
    invalid so that later steps (cross-checks, compile) never see it.
    """

    def __init__(self, obj: str, location: Location):
        self.obj, self.location, self.items = obj, location, []  # type: ignore[var-annotated]
        self.owner = getattr(_located, "obj", None)
        _located.obj = None

    def add(self, code: str, message: str, hint: str = "", severity: str = "error") -> None:
        self.items.append(Diagnostic(code, message, self.obj, self.location, hint, severity))

    def check(self, fn: Callable[[], object], code: str, prefix: str = "") -> Optional[object]:
        """Run ``fn``; on ValueError record it and return None."""
        try:
            return fn()
        except ValueError as exc:
            self.add(code, f"{prefix}{exc}")
            return None

    def duration(self, value, what: str) -> Optional[Duration]:
        try:
            return Duration.parse(value)
        except DurationError as exc:
            self.add("bad-duration", f"{what}: {exc}")
            return None

    def done(self) -> None:
        if any(d.severity == "error" for d in self.items) and self.owner is not None:
            set_attr(self.owner, "_obskit_invalid", True)
        if self.items:
            report(self.items)


class Definition:
    """Base of every top-level user definition the loader collects (SLOs, scenarios, rule groups,
    routing, dashboards, ...). Subclasses set ``location`` in ``__post_init__`` via :func:`locate`."""

    location: Location


def set_attr(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


def locate(obj: object) -> Location:
    loc = caller_location()
    set_attr(obj, "location", loc)
    _located.obj = obj
    return loc


def is_valid(obj: object) -> bool:
    """False for a definition that reported errors while the loader was collecting them."""
    return not getattr(obj, "_obskit_invalid", False)


def freeze_labels(labels, problems: Problems, what: str = "labels", reserved: tuple = ()) -> tuple:
    """Labels as a sorted tuple of (name, value) pairs, validated."""
    from obskit.promql import is_valid_label_name

    if labels is None:
        return ()
    items = labels.items() if hasattr(labels, "items") else labels
    out: List[tuple] = []
    for name, value in items:
        if not isinstance(name, str) or not is_valid_label_name(name) or name.startswith("__"):
            problems.add("bad-label", f"{what}: {name!r} is not a valid label name")
            continue
        if name in reserved or any(name.startswith(p) for p in reserved if p.endswith("_")):
            problems.add("reserved-label", f"{what}: label {name!r} is set by obskit and cannot be given")
            continue
        if not isinstance(value, str):
            problems.add("bad-label", f"{what}: value of {name!r} must be a string, got {value!r}")
            continue
        out.append((name, value))
    return tuple(sorted(out))
