"""Shared machinery of user-facing definitions: where they were made, and validation."""
from __future__ import annotations

import os
import sys
import threading
from typing import Callable, List, Optional

from obskit.duration import Duration, DurationError
from obskit.errors import DefinitionError, Diagnostic, report
from obskit.location import Location, _own
from obskit.promql import is_valid_label_name


_located = threading.local()


class Checked:
    """Constructor arguments checked before ``__init__`` runs: an unknown keyword (with "did you mean"),
    a missing required argument or arguments given by position where keywords are needed give one
    located definition error (``bad-argument``) instead of Python's bare TypeError. Raised at once, also
    while the loader collects errors (``__init__`` cannot run with such arguments)."""

    __slots__ = ()

    def __new__(cls, *args, **kwargs):
        if args or kwargs:     # copy/pickle call __new__ without arguments
            problem = _signature_problem(cls, args, kwargs)
            if problem is not None:
                message, hint = problem
                raise DefinitionError([Diagnostic("bad-argument", message, cls.__name__, locate_call(), hint)])
        return super().__new__(cls)


_SIGNATURES: dict = {}


def _signature(cls):
    sig = _SIGNATURES.get(cls)
    if sig is None:
        import inspect
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
        kinds = inspect.Parameter
        positional = [p.name for p in params if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)]
        names = {p.name for p in params if p.kind != kinds.VAR_POSITIONAL and p.kind != kinds.VAR_KEYWORD}
        required = [p.name for p in params if p.default is kinds.empty
                    and p.kind not in (kinds.VAR_POSITIONAL, kinds.VAR_KEYWORD)]
        any_kw = any(p.kind == kinds.VAR_KEYWORD for p in params)
        any_pos = any(p.kind == kinds.VAR_POSITIONAL for p in params)
        sig = _SIGNATURES[cls] = (positional, names, required, any_kw, any_pos)
    return sig


def _signature_problem(cls, args, kwargs):
    import difflib
    positional, names, required, any_kw, any_pos = _signature(cls)
    name = cls.__name__
    if len(args) > len(positional) and not any_pos:
        taken = ", ".join(f"{n}=" for n in positional) or "none"
        return (f"{name}() takes its arguments by keyword ({len(args)} given by position; by position: {taken})",
                f"write {name}({', '.join(f'{n}=...' for n in required[:3]) or '...'})")
    if not any_kw:
        for key in kwargs:
            if key not in names:
                close = difflib.get_close_matches(key, sorted(names), n=1)
                return (f"{name}() has no argument {key!r}",
                        f"did you mean {close[0]}=?" if close else f"its arguments: {', '.join(sorted(names))}")
    given = set(positional[:len(args)]) | set(kwargs)
    missing = [n for n in required if n not in given]
    if missing:
        return (f"{name}() needs {', '.join(m + '=' for m in missing)}",
                f"its required arguments: {', '.join(r + '=' for r in required)}")
    return None


class Problems:
    """Problems found while validating one definition; reported together.

    ``Problems(description, locate(self))`` also remembers ``self`` (the object :func:`locate` just
    placed): when the loader collects errors instead of raising, an object with errors is marked
    invalid so that later steps (cross-checks, compile) never see it.
    """

    def __init__(self, obj: str, location: Location):
        self.obj, self.location, self.items = obj + made_in(), location, []  # type: ignore[var-annotated]
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


def had_invalid(project, kind: type) -> bool:
    """Whether the project's definition modules (as the loader last imported them) hold a ``kind`` that
    reported errors: a cross-check that misses such a definition must stay silent (the loader left it
    out; its own error says why), so one mistake gives one message."""
    import re
    root = os.path.realpath(str(project.root)) + os.sep
    latest: dict = {}
    for name, module in list(sys.modules.items()):
        m = re.match(_DEFINITION_MODULE + r"(\d+)\.", name)
        file = getattr(module, "__file__", None)
        if m and file and os.path.realpath(file).startswith(root):
            n = int(m.group(1))
            if latest.get(file, (-1,))[0] < n:
                latest[file] = (n, module)
    for _, module in latest.values():
        for value in list(vars(module).values()):
            items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else (value,)
            if any(isinstance(v, kind) and not is_valid(v) for v in items):
                return True
    return False


class Definition(Checked):
    """Base of every top-level user definition the loader collects (SLOs, scenarios, rule groups,
    routing, dashboards, ...). Subclasses set ``location`` in ``__post_init__`` via :func:`locate`."""

    location: Location


def set_attr(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


def locate(obj: object) -> Location:
    loc = locate_call()
    set_attr(obj, "location", loc)
    _located.obj = obj
    return loc


#: module names the loader gives the definition modules it imports (obskit/loader.py)
_DEFINITION_MODULE = "_obskit_defs_"


def locate_call() -> Location:
    """Where the user made the object: the innermost frame outside obskit, or, when that frame is in a
    helper (a function or module other than the definition module the loader is importing), the line of
    the definition module that called the helper; the message then names the helper's line too
    (:func:`made_in`)."""
    frame = sys._getframe(1)
    inner = None
    while frame is not None:
        filename = frame.f_code.co_filename
        if inner is None:
            if not _is_own(filename):
                inner = frame
                if frame.f_globals.get("__name__", "").startswith(_DEFINITION_MODULE) and frame.f_code.co_name == "<module>":
                    break
        elif frame.f_globals.get("__name__", "").startswith(_DEFINITION_MODULE) and not _is_own(filename):
            _made_in.value = (Location(inner.f_code.co_filename, inner.f_lineno), inner.f_code.co_name)
            return Location(filename, frame.f_lineno)
        frame = frame.f_back
    _made_in.value = None
    if inner is None:
        return Location("<unknown>", 0)
    return Location(inner.f_code.co_filename, inner.f_lineno)


_made_in = threading.local()


def made_in() -> str:
    """`` (made by helper() at slos/_lib.py:3)`` for the object :func:`locate_call` just placed at a
    helper's call site, else ''."""
    info = getattr(_made_in, "value", None)
    if not info:
        return ""
    loc, func = info
    root = sys.path[0] if sys.path and sys.path[0] and loc.file.startswith(sys.path[0] + os.sep) else None
    where = loc.relative_to(root) if root else loc
    what = f"{func}()" if func != "<module>" else "module"
    return f" (made by {what} at {where})"


def _is_own(filename: str) -> bool:
    return _own(filename)


def is_valid(obj: object) -> bool:
    """False for a definition that reported errors while the loader was collecting them."""
    return not getattr(obj, "_obskit_invalid", False)


def type_name(value) -> str:
    return "None" if value is None else type(value).__name__


def got(value) -> str:
    """``int 5``, ``str 'x'``, ``None``: how a wrong value reads in a message."""
    text = repr(value)
    return "None" if value is None else f"{type(value).__name__} {text if len(text) <= 80 else text[:77] + '...'}"


def as_tuple(problems: Problems, value, what: str, kind, expected: str, allow_none: bool = True) -> tuple:
    """``value`` as a tuple of ``kind`` instances: one instance, or a list/tuple/set of them (None: empty
    when ``allow_none``). Anything else, or an item of another type, is a ``bad-type`` error naming the
    parameter and ``expected`` (e.g. "a tuple of BurnWindow"); the bad items are left out."""
    if value is None and allow_none:
        return ()
    if isinstance(value, kind):
        return (value,)
    if not isinstance(value, (list, tuple, set, frozenset)):
        problems.add("bad-type", f"{what} must be {expected}, got {got(value)}")
        return ()
    items = tuple(value)
    wrong = [v for v in items if not isinstance(v, kind)]
    if wrong:
        problems.add("bad-type", f"{what} must be {expected}; item {wrong[0]!r} is a {type_name(wrong[0])}")
    return tuple(v for v in items if isinstance(v, kind))


_LINE_BREAKS = {"\n": "a newline", "\r": "a carriage return", "\t": "a tab"}


def control_character(text: str, allow: str = "") -> str:
    """How the first control character of ``text`` (outside ``allow``) reads, e.g. ``a newline
    (U+000A) at position 4``; '' when there is none. Control characters pass promtool but Alertmanager
    matchers, Kubernetes objects, Grafana and the people reading a page do not carry them."""
    for i, ch in enumerate(text):
        if ch in allow:
            continue
        code = ord(ch)
        if code < 0x20 or 0x7f <= code < 0xa0 or ch in "\u2028\u2029":
            return f"{_LINE_BREAKS.get(ch, 'a control character')} (U+{code:04X}) at position {i}"
    return ""


def check_text(problems: Problems, value, what: str, code: str = "bad-text", allow: str = "\n\t") -> None:
    """A control character in a free text (newlines and tabs allowed by default) is an error."""
    if isinstance(value, str):
        bad = control_character(value, allow)
        if bad:
            problems.add(code, f"{what} holds {bad}: {value!r}", hint="remove it (control characters are not carried "
                                                                       "into every output)")


#: labels obskit sets on SLO series and alerts (a prefix when it ends in ``_``): users cannot give them
RESERVED_LABELS = ("obskit_", "severity", "alertname")


def freeze_labels(labels, problems: Problems, what: str = "labels", reserved: tuple = ()) -> tuple:
    """Labels as a sorted tuple of (name, value) pairs, validated."""

    if labels is None:
        return ()
    items = labels.items() if hasattr(labels, "items") else labels
    if isinstance(labels, (str, bytes)) or not hasattr(items, "__iter__") or not all(
            isinstance(i, (tuple, list)) and len(i) == 2 for i in items):
        problems.add("bad-type", f"{what} must be a dict of label name to value (or (name, value) pairs), "
                                 f"got {got(labels)}", hint=f'e.g. {what}={{"team": "payments"}}')
        return ()
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
        bad = control_character(value, "\n\t" if what == "annotations" else "")
        if bad:
            problems.add("bad-label-value", f"{what}: the value of {name!r} holds {bad}: {value!r}",
                         hint="label values must be single-line text without control characters: Alertmanager "
                              "matchers, routing keys and notifications do not carry them")
            continue
        out.append((name, value))
    return tuple(sorted(out))
