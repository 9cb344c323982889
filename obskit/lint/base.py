"""Shared pieces of the lint checks: the finding type (parsed expressions: :func:`obskit.promql_ast.parsed`)."""
from __future__ import annotations

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

