"""Shared pieces of the lint checks: the finding type, and parsed expressions."""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

from obskit.errors import Diagnostic
from obskit.lint.subjects import GroupSubject, RuleSubject

ERROR, WARNING = "error", "warning"


def finding(subject: "RuleSubject | GroupSubject", code: str, message: str, hint: str = "",
            severity: str = ERROR) -> Optional[Diagnostic]:
    """A Diagnostic for ``subject``, or None when the subject disabled ``code`` (``lint_disable``)."""
    if code in subject.disabled:
        return None
    if subject.generated:
        message += " (in rules generated from this SLO)"
    return Diagnostic(code, message, subject.obj, subject.location, hint, severity)


@lru_cache(maxsize=4096)
def parsed(expr: str):
    """The AST of ``expr``, or None when it does not parse (the model reported that already)."""
    from obskit.lint.promql_ast import parse
    try:
        return parse(expr)
    except ValueError:
        return None
