"""Alertmanager label matchers: ``name="value"``, ``name!="value"``, ``name=~"re"``, ``name!~"re"``.

Written as strings (the Alertmanager syntax), as ``{name: value}`` dicts (equality) or as
:class:`Matcher` objects; normalised to a sorted-by-position tuple of :class:`Matcher`.
Label names outside ``[a-zA-Z_][a-zA-Z0-9_]*`` are UTF-8 names, which need Alertmanager 0.27.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, List, Tuple

from obskit.model.prometheus_config import regex

OPS = ("=", "!=", "=~", "!~")
CLASSIC_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
UTF8_SINCE = (0, 27)

_QUOTED = r'"(?:[^"\\]|\\.)*"'
_MATCHER = re.compile(
    rf'^\s*(?P<name>{_QUOTED}|[^\s=!~"{{}},]+)\s*(?P<op>=~|!~|!=|=)\s*(?P<value>{_QUOTED}|[^"]*?)\s*$', re.S)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        body, out, i = text[1:-1], [], 0
        while i < len(body):
            c = body[i]
            if c == "\\" and i + 1 < len(body):
                nxt = body[i + 1]
                out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
                i += 2
                continue
            out.append(c)
            i += 1
        return "".join(out)
    return text


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@dataclass(frozen=True)
class Matcher:
    """One label matcher. ``op`` is one of ``=``, ``!=``, ``=~``, ``!~``."""

    name: str
    op: str
    value: str

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"matcher label name must be a non-empty string, got {self.name!r}")
        if self.op not in OPS:
            raise ValueError(f"matcher operator {self.op!r} is not one of {', '.join(OPS)}")
        if not isinstance(self.value, str):
            raise ValueError(f"matcher value for {self.name!r} must be a string, got {self.value!r}")
        if self.is_regex:
            why = regex.problem(self.value)     # Go's RE2 syntax, anchored, as Alertmanager compiles it
            if why:
                raise ValueError(f"matcher {self.name}{self.op}{quote(self.value)}: {why}")

    @classmethod
    def parse(cls, text: str) -> "Matcher":
        if not isinstance(text, str):
            raise ValueError(f"matcher must be a string like 'severity=\"critical\"', got {text!r}")
        m = _MATCHER.match(text)
        if not m:
            raise ValueError(f"cannot parse matcher {text!r}: expected name=\"value\", name!=\"value\", "
                             "name=~\"regex\" or name!~\"regex\"")
        return cls(_unquote(m.group("name")), m.group("op"), _unquote(m.group("value")))

    @property
    def is_regex(self) -> bool:
        return self.op in ("=~", "!~")

    @property
    def utf8(self) -> bool:
        """True when the label name needs Alertmanager 0.27's UTF-8 matchers."""
        return not CLASSIC_NAME.match(self.name)

    def matches(self, labels: dict) -> bool:
        """Alertmanager semantics: a missing label is the empty string; regexes are anchored."""
        v = labels.get(self.name, "")
        if self.op == "=":
            return v == self.value
        if self.op == "!=":
            return v != self.value
        hit = regex.full_match(self.value, v)
        return hit if self.op == "=~" else not hit

    def __str__(self) -> str:
        name = self.name if not self.utf8 else quote(self.name)
        return f"{name}{self.op}{quote(self.value)}"


def parse_matchers(value, what: str = "matchers") -> Tuple[Tuple[Matcher, ...], List[str]]:
    """Normalise matchers given as strings, a dict or Matcher objects. Returns (matchers, errors)."""
    if value is None:
        return (), []
    items: Iterable
    if isinstance(value, dict):
        items = [Matcher(k, "=", v) if isinstance(k, str) and isinstance(v, str) else (k, v)
                 for k, v in value.items()]
    elif isinstance(value, (str, Matcher)):
        items = [value]
    else:
        try:
            items = list(value)
        except TypeError:
            return (), [f"{what} must be a list of strings like 'severity=\"critical\"', got {value!r}"]
    out: List[Matcher] = []
    errors: List[str] = []
    for item in items:
        try:
            if isinstance(item, Matcher):
                out.append(item)
            elif isinstance(item, tuple):
                errors.append(f"{what}: {item[0]!r}: {item[1]!r} must be strings")
            else:
                out.append(Matcher.parse(item))
        except ValueError as exc:
            errors.append(f"{what}: {exc}")
    return tuple(out), errors
