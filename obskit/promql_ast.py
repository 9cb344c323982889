"""What obskit reads from a PromQL expression, through promql-parser's AST: which labels its result
series can carry, whether it filters (has a condition), and the ranges given to ``rate()``-like
functions. The lint (:mod:`obskit.lint`), the generated inhibit rules (which labels an alert can
carry, :func:`obskit.compile.alertmanager.known_alerts`) and :mod:`obskit.live` read it; it needs
nothing of obskit, so it stands in the bottom layer beside :mod:`obskit.promql`, which writes PromQL.

About 400 lines on purpose: one walk over one AST; the label, condition and range questions are
small functions over the same node kinds (binary operators, aggregations, functions, selectors), and
each reads best next to the others' handling of the same node.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import FrozenSet, Iterator, List, Optional, Tuple

import promql_parser as pp

COMPARISONS = frozenset({"==", "!=", ">", "<", ">=", "<="})
#: functions that need at least two samples in their range
RANGE_RATE_FUNCTIONS = frozenset({"rate", "irate", "increase", "delta", "idelta", "deriv"})
#: functions whose result carries no labels of their argument
LABELLESS_FUNCTIONS = frozenset({"vector", "time", "scalar", "pi", "minute", "hour", "day_of_month",
                                 "day_of_week", "day_of_year", "days_in_month", "month", "year"})


@dataclass(frozen=True)
class LabelSet:
    """The labels a result series may carry: exactly ``names`` (``exact``) or any label except
    ``names`` (not ``exact``; the input's labels are unknown)."""

    exact: bool
    names: FrozenSet[str] = frozenset()

    @classmethod
    def anything(cls) -> "LabelSet":
        return cls(False, frozenset())

    @classmethod
    def only(cls, names) -> "LabelSet":
        return cls(True, frozenset(names))

    def has(self, name: str) -> bool:
        return (name in self.names) if self.exact else (name not in self.names)

    def keep(self, names) -> "LabelSet":
        names = frozenset(names)
        return LabelSet.only(self.names & names) if self.exact else LabelSet.only(n for n in names if self.has(n))

    def drop(self, names) -> "LabelSet":
        names = frozenset(names)
        return LabelSet.only(self.names - names) if self.exact else LabelSet(False, self.names | names)

    def add(self, names) -> "LabelSet":
        names = frozenset(names)
        return LabelSet.only(self.names | names) if self.exact else LabelSet(False, self.names - names)

    def union(self, other: "LabelSet") -> "LabelSet":
        if self.exact and other.exact:
            return LabelSet.only(self.names | other.names)
        if not self.exact and not other.exact:
            return LabelSet(False, self.names & other.names)
        ex, inex = (self, other) if self.exact else (other, self)
        return LabelSet(False, inex.names - ex.names)

    def describe(self) -> str:
        if self.exact:
            return "{" + ", ".join(sorted(self.names)) + "}" if self.names else "no labels"
        return "any labels" + (f" except {', '.join(sorted(self.names))}" if self.names else "")


def parse(expr: str):
    return pp.parse(expr)


@lru_cache(maxsize=4096)
def parsed(expr: str):
    """The AST of ``expr``, or None when it does not parse (the model reported that already)."""
    try:
        return parse(expr)
    except ValueError:
        return None


def _kind(node) -> str:
    return type(node).__name__


def _op(node) -> str:
    return str(node.op)


def _is_scalar(node) -> bool:
    k = _kind(node)
    if k in ("NumberLiteral", "StringLiteral"):
        return True
    if k in ("ParenExpr", "UnaryExpr"):
        return _is_scalar(node.expr)
    if k == "Call":
        return node.func.name in ("scalar", "time", "pi") or (
            node.func.name in LABELLESS_FUNCTIONS and node.func.name != "vector" and not node.args)
    if k == "BinaryExpr":
        return _is_scalar(node.lhs) and _is_scalar(node.rhs)
    return False


def _equality_labels(selector) -> FrozenSet[str]:
    return frozenset(m.name for m in selector.matchers.matchers
                     if str(m.op).split(".")[-1] == "Equal" and m.name != "__name__")


def output_labels(node) -> LabelSet:
    """The labels the result of ``node`` may carry (``__name__`` ignored)."""
    k = _kind(node)
    if k in ("VectorSelector", "MatrixSelector"):
        return LabelSet.anything()
    if k in ("NumberLiteral", "StringLiteral"):
        return LabelSet.only(())
    if k in ("ParenExpr", "UnaryExpr", "SubqueryExpr"):
        return output_labels(node.expr)
    if k == "AggregateExpr":
        return _aggregate_labels(node)
    if k == "Call":
        return _call_labels(node)
    if k == "BinaryExpr":
        return _binary_labels(node)
    return LabelSet.anything()


def _aggregate_labels(node) -> LabelSet:
    op = _op(node)
    inner = output_labels(node.expr)
    if op in ("topk", "bottomk", "limitk", "limit_ratio"):
        return inner
    mod = node.modifier
    extra = ()
    if op == "count_values" and node.param is not None:
        extra = (str(node.param).strip('"\''),)
    if mod is None:
        return LabelSet.only(extra)
    labels = list(mod.labels)
    if str(mod.type).endswith("By"):
        return inner.keep(labels).add(extra)
    return inner.drop(labels).add(extra)


def _call_labels(node) -> LabelSet:
    name = node.func.name
    args = list(node.args)
    if name in ("absent", "absent_over_time"):
        arg = args[0] if args else None
        if arg is not None and _kind(arg) == "MatrixSelector":
            arg = arg.vector_selector
        if arg is not None and _kind(arg) == "VectorSelector":
            return LabelSet.only(_equality_labels(arg))
        return LabelSet.only(())
    if name in LABELLESS_FUNCTIONS:
        return LabelSet.only(())
    if name in ("label_replace", "label_join") and len(args) >= 2:
        dst = str(args[1]).strip().strip('"\'')
        return output_labels(args[0]).add((dst,))
    if name == "histogram_quantile" and len(args) >= 2:
        return output_labels(args[1]).drop(("le",))
    vectors = [a for a in args if not _is_scalar(a)]
    return output_labels(vectors[0]) if vectors else LabelSet.only(())


def _binary_labels(node) -> LabelSet:
    op = _op(node)
    lhs_s, rhs_s = _is_scalar(node.lhs), _is_scalar(node.rhs)
    if lhs_s and rhs_s:
        return LabelSet.only(())
    if lhs_s:
        return output_labels(node.rhs)
    if rhs_s:
        return output_labels(node.lhs)
    lhs, rhs = output_labels(node.lhs), output_labels(node.rhs)
    if op == "or":
        return lhs.union(rhs)
    if op in ("and", "unless"):
        return lhs
    mod = node.modifier
    matching = getattr(mod, "matching", None) if mod is not None else None
    card = str(getattr(mod, "card", "")) if mod is not None else ""
    on = matching is not None and str(matching.type).endswith("Include")
    labels = list(matching.labels) if matching is not None else []
    include = list(getattr(mod, "group_labels", []) or []) if mod is not None else []
    if card.endswith("ManyToOne"):
        return lhs.add(l for l in include if rhs.has(l))
    if card.endswith("OneToMany"):
        return rhs.add(l for l in include if lhs.has(l))
    if on:
        return lhs.keep(labels)
    return lhs.drop(labels)


def has_condition(node) -> bool:
    """Whether the expression can return nothing while its inputs exist (a filtering comparison,
    ``absent()``, a set operation): an alert without one fires whenever its series exist."""
    k = _kind(node)
    if k in ("ParenExpr", "UnaryExpr", "SubqueryExpr"):
        return has_condition(node.expr)
    if k == "AggregateExpr":
        return has_condition(node.expr)
    if k == "Call":
        if node.func.name in ("absent", "absent_over_time"):
            return True
        return any(has_condition(a) for a in node.args)
    if k == "MatrixSelector":
        return False
    if k == "BinaryExpr":
        op = _op(node)
        if op in COMPARISONS:
            returns_bool = bool(getattr(node.modifier, "return_bool", False)) if node.modifier else False
            if not returns_bool and not (_is_scalar(node.lhs) and _is_scalar(node.rhs)):
                return True
            return has_condition(node.lhs) or has_condition(node.rhs)
        if op == "or":
            return has_condition(node.lhs) and has_condition(node.rhs)
        if op in ("and", "unless"):
            return True
        if _is_scalar(node.lhs):
            return has_condition(node.rhs)
        if _is_scalar(node.rhs):
            return has_condition(node.lhs)
        return has_condition(node.lhs) or has_condition(node.rhs)
    return False


def is_constant(node) -> bool:
    """A scalar/``vector(...)`` of literals only: the alert fires at every evaluation."""
    k = _kind(node)
    if k == "NumberLiteral":
        return True
    if k in ("ParenExpr", "UnaryExpr"):
        return is_constant(node.expr)
    if k == "Call" and node.func.name == "vector":
        return all(is_constant(a) for a in node.args)
    if k == "BinaryExpr":
        return is_constant(node.lhs) and is_constant(node.rhs)
    return False


@dataclass(frozen=True)
class RangeUse:
    function: str
    metric: str
    seconds: float


def range_uses(node) -> Iterator[RangeUse]:
    """Every ``rate``-like call over a plain range selector (not subqueries)."""
    found: List[RangeUse] = []

    def visit(n):
        if _kind(n) == "Call" and n.func.name in RANGE_RATE_FUNCTIONS:
            for a in n.args:
                if _kind(a) == "MatrixSelector":
                    found.append(RangeUse(n.func.name, a.vector_selector.name or "",
                                          a.range.total_seconds()))
        return True

    pp.walk(node, visit, None)
    return iter(found)


def top_labels_hint(node) -> Optional[Tuple[str, ...]]:
    ls = output_labels(node)
    return tuple(sorted(ls.names)) if ls.exact else None


# --- the values a label can take in every result series (for duplicate-rule) -----------------------
@dataclass(frozen=True)
class ValuePattern:
    """A set of label values: exactly ``text`` (``exact``) or any value starting with it."""

    text: str
    exact: bool

    def disjoint(self, other: "ValuePattern") -> bool:
        if self.exact and other.exact:
            return self.text != other.text
        if self.exact:
            return not self.text.startswith(other.text)
        if other.exact:
            return not other.text.startswith(self.text)
        return not (self.text.startswith(other.text) or other.text.startswith(self.text))


_REGEX_SPECIAL = set(".[]{}()*+?^$|")
_QUANTIFIERS = set("*+?{")


def regex_patterns(regex: str) -> Optional[FrozenSet[ValuePattern]]:
    """The values an anchored Prometheus regex can match, as literal prefixes: ``a|b`` → {a, b},
    ``5..`` → anything starting with 5; None when the regex is too complex to say (groups, classes)."""
    if any(c in regex for c in "()[]"):
        return None
    out = []
    for alt in regex.split("|"):
        prefix, exact, i = [], True, 0
        while i < len(alt):
            c = alt[i]
            if c == "\\":
                if i + 1 >= len(alt) or alt[i + 1].isalnum():
                    return None          # \d, \w, ... classes
                prefix.append(alt[i + 1])
                i += 2
                continue
            if c in _REGEX_SPECIAL:
                if c in _QUANTIFIERS and prefix:
                    prefix.pop()         # the char before a quantifier is optional or repeated
                exact = False
                break
            prefix.append(c)
            i += 1
        out.append(ValuePattern("".join(prefix), exact))
    return frozenset(out)


Pins = dict   # label name -> FrozenSet[ValuePattern]


def _selector_pins(selector) -> Pins:
    if selector.matchers.or_matchers:
        return {}
    pins: Pins = {}
    for m in selector.matchers.matchers:
        if m.name == "__name__":
            continue
        op = str(m.op).split(".")[-1]
        if op == "Equal":
            found = frozenset({ValuePattern(m.value, True)})
        elif op == "Re":
            found = regex_patterns(m.value)
            if found is None:
                continue
        else:
            continue
        pins[m.name] = found if m.name not in pins else _intersect(pins[m.name], found)
    return pins


def _intersect(a, b):
    # a conservative intersection: the patterns of a that some pattern of b may overlap
    return frozenset(p for p in a if any(not p.disjoint(q) for q in b))


def label_pins(node) -> Pins:
    """For each label whose value is constrained in every result series of ``node``, the patterns
    that value matches (only labels the result keeps)."""
    k = _kind(node)
    if k == "VectorSelector":
        pins = _selector_pins(node)
    elif k == "MatrixSelector":
        pins = _selector_pins(node.vector_selector)
    elif k in ("ParenExpr", "UnaryExpr", "SubqueryExpr"):
        pins = label_pins(node.expr)
    elif k == "AggregateExpr":
        pins = label_pins(node.expr)
        if _op(node) == "count_values" and node.param is not None:
            pins.pop(str(node.param).strip('"\''), None)
    elif k == "Call":
        name, args = node.func.name, list(node.args)
        if name in LABELLESS_FUNCTIONS:
            pins = {}
        elif name in ("absent", "absent_over_time"):
            pins = label_pins(args[0]) if args else {}
        elif name in ("label_replace", "label_join") and len(args) >= 2:
            pins = label_pins(args[0])
            pins.pop(str(args[1]).strip().strip('"\''), None)
        elif name == "histogram_quantile" and len(args) >= 2:
            pins = label_pins(args[1])
        else:
            vectors = [a for a in args if not _is_scalar(a)]
            pins = label_pins(vectors[0]) if vectors else {}
    elif k == "BinaryExpr":
        pins = _binary_pins(node)
    else:
        pins = {}
    result = output_labels(node)
    return {name: values for name, values in pins.items() if result.has(name)}


def _binary_pins(node) -> Pins:
    if _is_scalar(node.lhs):
        return label_pins(node.rhs)
    if _is_scalar(node.rhs):
        return label_pins(node.lhs)
    lhs, rhs = label_pins(node.lhs), label_pins(node.rhs)
    if _op(node) == "or":
        return {n: lhs[n] | rhs[n] for n in lhs.keys() & rhs.keys()}
    card = str(getattr(node.modifier, "card", "")) if node.modifier is not None else ""
    return rhs if card.endswith("OneToMany") else lhs


def may_overlap(a, b) -> bool:
    """False when no result series of ``a`` can have the labels of one of ``b``: some label both
    keep is pinned to disjoint values (``code="500"`` vs ``code="200"``, or absent on one side)."""
    la, lb = output_labels(a), output_labels(b)
    pa, pb = label_pins(a), label_pins(b)
    absent = frozenset({ValuePattern("", True)})
    for name in set(pa) | set(pb) | set(la.names if la.exact else ()) | set(lb.names if lb.exact else ()):
        va = pa.get(name) if la.has(name) else absent
        vb = pb.get(name) if lb.has(name) else absent
        if va is None or vb is None:
            continue
        if all(p.disjoint(q) for p in va for q in vb):
            return False
    return True
