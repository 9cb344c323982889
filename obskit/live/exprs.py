"""PromQL as the live commands read it: a normal form for comparing expressions (drift), and every
series selector an expression reads, with how it is used (under ``rate``, inside ``absent``, its
range), from the project's parser (promql-parser, the port of Prometheus' grammar)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional, Tuple

import promql_parser as pp

from obskit.promql import Matcher, Selector
from obskit.promql_ast import RANGE_RATE_FUNCTIONS

_OPS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}
#: functions whose argument is expected to be absent at times (a missing series there is the point)
ABSENT_FUNCTIONS = frozenset({"absent", "absent_over_time"})
#: functions that read a gauge's samples over a range
OVER_TIME_FUNCTIONS = frozenset({"avg_over_time", "min_over_time", "max_over_time", "sum_over_time",
                                 "count_over_time", "last_over_time", "quantile_over_time", "stddev_over_time",
                                 "stdvar_over_time", "present_over_time", "changes", "resets"})
#: what a Grafana template variable becomes before parsing: a name no real series has
VARIABLE_MARK = "obskit_grafana_variable"
_RANGE_VAR = re.compile(r"\[\s*\$(\{[^}]*\}|\w+)\s*(:\s*\$?(\{[^}]*\}|\w+))?\s*\]")
_VAR = re.compile(r"\$(\{[^}]*\}|\w+)|\[\[\w+(:\w+)?\]\]")
#: a range that stands for a Grafana variable ($__rate_interval): never checked against the scrape interval
VARIABLE_RANGE = 7 * 86400 + 1


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')


_SPACE = re.compile(r"\s+")


def _collapse(text: str) -> str:
    """Runs of whitespace as one space, except inside string literals."""
    out, pos = [], 0
    for m in _QUOTED.finditer(text):
        out.append(_SPACE.sub(" ", text[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_SPACE.sub(" ", text[pos:]))
    return "".join(out)


@lru_cache(maxsize=8192)
def normalise(expr: str) -> str:
    """One spelling per expression: the parser's canonical form (sorted matchers, ``by`` first,
    durations and numbers rewritten) with whitespace collapsed outside string literals. An expression
    that does not parse is only whitespace-collapsed (it then differs from any parsed one)."""
    try:
        text = pp.parse(expr).prettify()
    except ValueError:
        text = expr
    return _collapse(text).strip()


@dataclass(frozen=True)
class SelectorUse:
    """One series selector in an expression and how the expression uses it."""

    selector: Selector
    function: str = ""                  # the innermost function/aggregation over it ("" bare)
    range_seconds: Optional[float] = None   # the range of a range selector (None: an instant selector)
    in_absent: bool = False             # inside absent()/absent_over_time(): missing series expected

    @property
    def rated(self) -> bool:
        return self.function in RANGE_RATE_FUNCTIONS

    @property
    def recorded(self) -> bool:
        """A recording rule's output (``level:metric:operation``), not a scraped series."""
        return ":" in self.selector.metric

    @property
    def has_variables(self) -> bool:
        return VARIABLE_MARK in str(self.selector)


def grafana_readable(expr: str) -> str:
    """A panel query with its Grafana variables replaced so that it parses: ranges by a long range
    (:data:`VARIABLE_RANGE`, never checked), everything else by :data:`VARIABLE_MARK`."""
    text = _RANGE_VAR.sub(f"[{VARIABLE_RANGE}s]", expr)
    return _VAR.sub(VARIABLE_MARK, text)


def selector_uses(expr: str) -> List[SelectorUse]:
    """Every selector of ``expr`` with its use, in the order they appear; [] when it does not parse."""
    try:
        node = pp.parse(expr)
    except ValueError:
        return []
    out: List[SelectorUse] = []
    _visit(node, "", False, out)
    return out


def _selector(node) -> Optional[Selector]:
    name = node.name or ""
    matchers = []
    for m in node.matchers.matchers:
        op = _OPS[str(m.op).split(".")[-1]]
        if m.name == "__name__" and op == "=" and not name:
            name = m.value
            continue
        matchers.append(Matcher(m.name, op, m.value))
    if not name:
        return None                     # a selector by labels only ({job="x"}): no metric to check
    return Selector(name, tuple(matchers))


def _visit(node, function: str, in_absent: bool, out: List[SelectorUse], rng: Optional[float] = None) -> None:
    kind = type(node).__name__
    if kind == "VectorSelector":
        sel = _selector(node)
        if sel is not None:
            out.append(SelectorUse(sel, function, rng, in_absent))
    elif kind == "MatrixSelector":
        _visit(node.vector_selector, function, in_absent, out, node.range.total_seconds())
    elif kind == "Call":
        name = node.func.name
        for arg in node.args:
            _visit(arg, name, in_absent or name in ABSENT_FUNCTIONS, out)
    elif kind == "AggregateExpr":
        if node.param is not None:
            _visit(node.param, function, in_absent, out)
        _visit(node.expr, "", in_absent, out)
    elif kind in ("ParenExpr", "UnaryExpr"):
        _visit(node.expr, function, in_absent, out)
    elif kind == "SubqueryExpr":
        _visit(node.expr, "", in_absent, out)
    elif kind == "BinaryExpr":
        _visit(node.lhs, "", in_absent, out)
        _visit(node.rhs, "", in_absent, out)


def metric_names(expr: str) -> Tuple[str, ...]:
    return tuple(dict.fromkeys(u.selector.metric for u in selector_uses(expr)))
