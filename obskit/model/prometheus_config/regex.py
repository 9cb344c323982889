"""Regular expressions as Prometheus compiles them: Go's RE2 syntax, anchored as ``^(?:…)$``.

Checked with Google's RE2 (the ``google-re2`` package), whose syntax Go's ``regexp`` follows, plus the
few places where Go 1.19 (Debian's Prometheus 2.42 build) is stricter than the C++ library:
``(?<name>…)`` groups need Go 1.22 and ``\\C`` is not Go. Python-only constructs (lookaround,
backreferences, possessive quantifiers, ``\\Z``) are named in the message because they are the usual
reason a regex that works in Python fails in Prometheus.
"""
from __future__ import annotations

import re
from typing import Optional

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False

_PYTHON_ONLY = (
    (re.compile(r"\(\?<?[=!]"), "a lookahead/lookbehind assertion"),
    (re.compile(r"\(\?P=\w+\)"), "a named backreference"),
    (re.compile(r"(?<!\\)(?:\\\\)*\\[1-9]"), "a backreference (\\1 … \\9)"),
    (re.compile(r"\(\?>"), "an atomic group"),
    (re.compile(r"(?<!\\)(?:\\\\)*[*+?]\+"), "a possessive quantifier"),
    (re.compile(r"\(\?\("), "a conditional group"),
    (re.compile(r"(?<!\\)(?:\\\\)*\\Z"), "\\Z (Go writes \\z)"),
)
#: accepted by the C++ RE2 library but not by Go 1.19's regexp (Prometheus 2.42 on Debian)
_GO_REFUSES = (
    (re.compile(r"\(\?<(?![=!])"), "(?<name>…) groups need Go 1.22; write (?P<name>…)"),
    (re.compile(r"(?<!\\)(?:\\\\)*\\C"), "\\C (any byte) is not supported by Go's regexp"),
)


def problem(pattern: str) -> Optional[str]:
    """Why Prometheus would refuse ``pattern`` (None when it compiles)."""
    if not isinstance(pattern, str):
        return f"regex must be a string, got {pattern!r}"
    try:
        re2.compile(f"^(?:{pattern})$", _OPTIONS)
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        for rx, what in _PYTHON_ONLY:
            if rx.search(pattern):
                return (f"regex {pattern!r} uses {what}: Python's re has it, Prometheus' RE2 syntax "
                        f"does not ({detail})")
        return f"regex {pattern!r} does not compile as RE2: {detail}"
    for rx, what in _GO_REFUSES:
        if rx.search(pattern):
            return f"regex {pattern!r}: {what}"
    return None


def full_match(pattern: str, value: str) -> bool:
    """Whether Prometheus' anchored regex matches ``value`` (used by the reference checks)."""
    return re2.compile(f"^(?:{pattern})$", _OPTIONS).search(value) is not None


def literal_semicolons(pattern: str) -> Optional[int]:
    """How many ``;`` every match of the regex contains, or None when it cannot tell (alternation,
    or a ``;`` that is optional: quantified itself or inside a group that may be skipped)."""
    count, i, in_class, depth = 0, 0, False, 0
    optional_groups = any(q in pattern for q in (")?", ")*", "){0"))
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if pattern[i + 1:i + 2] != ";" or in_class:
                i += 2
                continue
            i += 1  # an escaped ';' is a literal ';' too
            c = ";"
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "]":
                i += 1
        elif c == "|":
            return None
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == ";":
            if pattern[i + 1:i + 2] in ("?", "*", "{") or (depth > 0 and optional_groups):
                return None
            count += 1
        i += 1
    return count
