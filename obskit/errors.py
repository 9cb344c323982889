"""Error types and diagnostics.

Every problem with a user's definitions becomes a :class:`Diagnostic` that names the object and the
file:line where it was defined. Model constructors raise :class:`DefinitionError` immediately, except
inside :func:`collecting`, which the project loader uses so that one run reports every problem.
"""
from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass
from typing import Iterator, Optional

from obskit.location import Location


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the definitions."""

    code: str
    message: str
    obj: str = ""
    location: Optional[Location] = None
    hint: str = ""
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        what = f"{self.obj}: " if self.obj else ""
        text = f"{where}{self.severity} [{self.code}] {what}{self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class ObskitError(Exception):
    """Base of obskit's own exceptions."""


class DefinitionError(ObskitError):
    """One or more problems in user definitions (CLI exit code 2)."""

    def __init__(self, diagnostics: "list[Diagnostic] | Diagnostic"):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    def __reduce__(self):
        # rebuilt from the diagnostics, not the message (errors cross process boundaries in a build)
        return type(self), (self.diagnostics,)


class ToolError(ObskitError):
    """An external tool (promtool, amtool) is missing or failed (CLI exit code 1)."""


class OutputError(ObskitError):
    """The output could not be written or locked: a file-system error or another build (exit code 1).

    The previous output is untouched (obskit/output.py)."""


_collector: contextvars.ContextVar[Optional[list]] = contextvars.ContextVar("obskit_collector", default=None)


@contextlib.contextmanager
def collecting() -> Iterator[list]:
    """Collect definition errors instead of raising them (used by the project loader)."""
    bucket: list = []
    token = _collector.set(bucket)
    try:
        yield bucket
    finally:
        _collector.reset(token)


def report(diagnostics: "list[Diagnostic]") -> None:
    """Raise the diagnostics, or record them when inside :func:`collecting`."""
    errors = [d for d in diagnostics if d.severity == "error"]
    bucket = _collector.get()
    if bucket is not None:
        bucket.extend(diagnostics)
        return
    if errors:
        raise DefinitionError(diagnostics)
