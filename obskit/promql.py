"""Small typed helpers to build PromQL, and its syntax check.

Generated PromQL is assembled from :class:`Selector` objects and a few functions here instead of
strings glued in many places. Syntax is checked with the ``promql-parser`` package (a port of
Prometheus' own grammar); promtool has the last word at build time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional, Tuple

import promql_parser

_OPS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


class PromQLError(ValueError):
    pass


# expressions found valid: a build checks many twice (dashboard queries shared by the overview and
# the detail dashboards, rule expressions); bounded
_VALID: "set[str]" = set()


def check_syntax(expr: str) -> None:
    """Raise :class:`PromQLError` if ``expr`` is not valid PromQL."""
    if type(expr) is str and expr in _VALID:
        return
    if not expr or not expr.strip():
        raise PromQLError("empty PromQL expression")
    try:
        promql_parser.parse(expr)
    except ValueError as exc:
        raise PromQLError(f"PromQL syntax error in {expr!r}: {exc}") from None
    if type(expr) is str and len(_VALID) < 200_000:
        _VALID.add(expr)


# --- Grafana template variables in queries -------------------------------------------------------
_RANGE_VAR = re.compile(r"\[\s*\$(\{[^}]*\}|\w+)\s*(:\s*\$?(\{[^}]*\}|\w+))?\s*\]")
_OFFSET_VAR = re.compile(r"\boffset\s+-?\$(\{[^}]*\}|\w+)")
_VAR = re.compile(r"\$(\{[^}]*\}|\w+)|\[\[\w+(:\w+)?\]\]")
#: aggregations and functions whose first argument is a scalar: ``topk($n, ...)`` is a number there
_SCALAR_FIRST = re.compile(r"\b(topk|bottomk|limitk|limit_ratio|quantile|quantile_over_time|histogram_quantile)"
                           r"(\s*\(\s*)\$(\{[^}]*\}|\w+)")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')


def _outside_quotes(text: str, fn) -> str:
    """``fn`` applied to the parts of ``text`` outside PromQL string literals."""
    out, pos = [], 0
    for m in _QUOTED.finditer(text):
        out.append(fn(text[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(fn(text[pos:]))
    return "".join(out)


def grafana_query_problem(expr: str) -> Optional[str]:
    """Why a Grafana panel's Prometheus query cannot parse once Grafana has put its variables in
    (None when it can). Ranges (``[$__rate_interval]``) and offsets become ``5m``; a variable in a
    scalar position (``topk($topk, ...)``, ``quantile($q, ...)``, ``clamp_max(x, $max)``) is a number
    there; elsewhere (label values, names) a name. The query is accepted when one of those readings
    parses: Grafana's variables are text, and obskit does not know their values."""
    text = _RANGE_VAR.sub("[5m]", expr)
    text = _OFFSET_VAR.sub("offset 5m", text)
    readings = (
        _VAR.sub("x", text),                                                      # names
        _VAR.sub("x", _SCALAR_FIRST.sub(lambda m: m.group(1) + m.group(2) + "1", text)),  # topk($n, ...)
        _outside_quotes(text, lambda part: _VAR.sub("1", part)),                  # every bare one a number
    )
    first = None
    for reading in dict.fromkeys(readings):
        try:
            check_syntax(_VAR.sub("x", reading))
            return None
        except PromQLError as exc:
            first = first or str(exc)
    return first


def quote(value: str) -> str:
    """A PromQL double-quoted string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def is_utf8_selector(sel: "Selector") -> bool:
    """Whether ``sel`` needs Prometheus 3's UTF-8 syntax (a metric or label name outside the legacy
    character set, written quoted: ``{"http.server.request.duration_seconds_count"}``)."""
    return not is_valid_metric_name(sel.metric) or any(not is_valid_label_name(m.name) for m in sel.matchers)


def is_valid_label_name(name: str) -> bool:
    return bool(_LABEL_NAME.match(name))


def is_valid_metric_name(name: str) -> bool:
    return bool(_METRIC_NAME.match(name))


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str
    value: str

    def __str__(self) -> str:
        # a label name outside the legacy character set is written quoted (Prometheus 3 UTF-8 syntax)
        name = self.name if is_valid_label_name(self.name) else quote(self.name)
        return f"{name}{self.op}{quote(self.value)}"

    def matches(self, value: Optional[str]) -> bool:
        """Whether a label value (None when the label is absent) satisfies this matcher."""
        value = value or ""
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        hit = re.fullmatch(self.value, value) is not None
        return hit if self.op == "=~" else not hit


@dataclass(frozen=True)
class Selector:
    """An instant-vector selector: a metric name and label matchers."""

    metric: str
    matchers: Tuple[Matcher, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "Selector":
        if not isinstance(text, str) or not text.strip():
            raise PromQLError("empty selector: give a metric name with optional label matchers, "
                              "for example 'http_requests_total{job=\"api\"}'")
        try:
            node = promql_parser.parse(text)
        except ValueError as exc:
            raise PromQLError(f"PromQL syntax error in selector {text!r}: {exc}") from None
        if type(node).__name__ != "VectorSelector":
            raise PromQLError(f"{text!r} is not a plain series selector (got a {type(node).__name__})")
        if getattr(node, "offset", None) or getattr(node, "at", None):
            raise PromQLError(f"selector {text!r} must not use offset or @")
        name = node.name
        found = list(node.matchers.matchers)
        if not name:
            # Prometheus 3's quoted metric name, {"http.server.request.duration_seconds"}: the parser
            # gives it as a __name__ equality matcher
            named = [m for m in found if m.name == "__name__" and _OPS[str(m.op).split(".")[-1]] == "="]
            if len(named) == 1:
                name = named[0].value
                found = [m for m in found if m is not named[0]]
        if not name:
            raise PromQLError(f"selector {text!r} needs a metric name")
        matchers = []
        for m in found:
            op = _OPS[str(m.op).split(".")[-1]]
            if op in ("=~", "!~"):
                try:
                    re.compile(m.value)
                except re.error as exc:
                    raise PromQLError(f"selector {text!r}: regex {m.value!r} does not compile: {exc}") from None
            matchers.append(Matcher(m.name, op, m.value))
        return cls(name, tuple(matchers))

    def with_matchers(self, *extra: Matcher) -> "Selector":
        return Selector(self.metric, self.matchers + tuple(extra))

    def renamed(self, metric: str) -> "Selector":
        return Selector(metric, self.matchers)

    def __str__(self) -> str:
        # immutable: written once, kept beside the fields (an SLO's selectors go into every window's rule)
        text = self.__dict__.get("_text")
        if text is None:
            text = self._text_of()
            object.__setattr__(self, "_text", text)
        return text

    def _text_of(self) -> str:
        if not is_valid_metric_name(self.metric):
            # Prometheus 3 UTF-8 syntax: the quoted name first inside the braces
            return "{" + ",".join([quote(self.metric)] + [str(m) for m in self.matchers]) + "}"
        if not self.matchers:
            return self.metric
        return self.metric + "{" + ",".join(str(m) for m in self.matchers) + "}"

    def matches(self, metric: str, labels: dict) -> bool:
        return metric == self.metric and all(m.matches(labels.get(m.name)) for m in self.matchers)


def by_clause(labels: Iterable[str]) -> str:
    labels = list(labels)
    return f" by ({', '.join(labels)})" if labels else ""


def sum_by(labels: Iterable[str], expr: str) -> str:
    by = by_clause(labels)
    return f"sum{by} ({expr})" if by else f"sum({expr})"


def range_fn(fn: str, selector: "Selector | str", window: str) -> str:
    return f"{fn}({selector}[{window}])"


def fmt_number(value: float) -> str:
    """A float written shortly and exactly enough for PromQL (no exponent surprises)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return format(float(value), ".12g")
