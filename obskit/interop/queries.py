"""Recognising the query shapes other tools write, so they become selectors instead of raw PromQL.

Sloth (and Sloth-style OpenSLO documents) write the range of a query as ``{{.window}}``; obskit's
:class:`~obskit.model.sli.RawSLI` writes it as ``$window``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Tuple

from obskit.promql import PromQLError, Selector

_WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")
_PLAIN = re.compile(
    r"^\s*sum\s*(?:by\s*\((?P<by1>[^)]*)\)\s*)?\(\s*(?P<fn>rate|increase)\s*\(\s*(?P<sel>[^\[]+?)\s*"
    r"\[\s*\$window\s*\]\s*\)\s*\)\s*(?:by\s*\((?P<by2>[^)]*)\))?\s*$", re.S)
_SUM_SELECTOR = re.compile(r"^\s*sum\s*\(\s*(?P<sel>[^()\[\]]+?)\s*\)\s*$", re.S)


def to_dollar_window(query: str) -> str:
    """``{{.window}}`` → ``$window`` (obskit's placeholder)."""
    return _WINDOW.sub("$window", query)


def to_sloth_window(query: str) -> str:
    return query.replace("$window", "{{.window}}")


def has_window(query: str) -> bool:
    return bool(_WINDOW.search(query)) or "$window" in query


@dataclass(frozen=True)
class PlainRate:
    """``sum [by (...)] (rate(SELECTOR[window]))``: a counter summed over a window."""

    selector: Selector
    by: Tuple[str, ...]
    function: str


def plain_rate(query: str) -> Optional[PlainRate]:
    """The selector of a ``sum(rate(SEL[{{.window}}]))``-shaped query, or None for anything else."""
    m = _PLAIN.match(to_dollar_window(query))
    if not m:
        return None
    try:
        sel = Selector.parse(m.group("sel"))
    except PromQLError:
        return None
    by_text = m.group("by1") if m.group("by1") is not None else m.group("by2")
    by = tuple(sorted(b.strip() for b in (by_text or "").split(",") if b.strip()))
    return PlainRate(sel, by, m.group("fn"))


def counter_selector(query: str) -> Optional[Selector]:
    """A counter given without a range, as OpenSLO documents do: ``SEL`` or ``sum(SEL)``."""
    m = _SUM_SELECTOR.match(query)
    text = m.group("sel") if m else query
    try:
        return Selector.parse(text.strip())
    except PromQLError:
        return None


def _top_level_minus(text: str) -> Optional[Tuple[str, str]]:
    """``A - B`` split at its one top-level ``-`` (outside brackets and quotes), else None."""
    depth, quote, found = 0, "", []
    for i, c in enumerate(text):
        if quote:
            quote = "" if c == quote and text[i - 1] != "\\" else quote
        elif c in "\"'`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "-" and depth == 0:
            found.append(i)
    if len(found) != 1:
        return None
    return text[:found[0]], text[found[0] + 1:]


def _unwrap(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for c in text:
        depth += c == "("
        depth -= c == ")"
        if depth < 0:
            return False
    return depth == 0


@dataclass(frozen=True)
class LatencyShape:
    """``(sum(rate(H_count{m}[w])) - sum(rate(H_bucket{m,le="t"}[w]))) / sum(rate(H_count{m}[w]))``:
    the share of requests slower than ``t`` of a classic histogram ``H{m}``."""

    histogram: Selector
    threshold: float
    by: Tuple[str, ...]


def latency_shape(error_query: str, total_query: str) -> Optional[LatencyShape]:
    """The histogram and threshold of Sloth's latency SLI shape (errors = all − fast), or None."""
    parts = _top_level_minus(_unwrap(to_dollar_window(error_query)))
    total = plain_rate(total_query)
    if parts is None or total is None:
        return None
    count, bucket = plain_rate(parts[0]), plain_rate(parts[1])
    if count is None or bucket is None or not (count.by == bucket.by == total.by):
        return None
    if str(count.selector) != str(total.selector) or not count.selector.metric.endswith("_count") \
            or bucket.selector.metric != count.selector.metric[:-len("_count")] + "_bucket":
        return None
    le = [m for m in bucket.selector.matchers if m.name == "le"]
    rest = tuple(m for m in bucket.selector.matchers if m.name != "le")
    if len(le) != 1 or le[0].op != "=" or set(map(str, rest)) != set(map(str, count.selector.matchers)):
        return None
    try:
        threshold = float(le[0].value)
    except ValueError:
        return None
    return LatencyShape(Selector(count.selector.metric[:-len("_count")], count.selector.matchers), threshold,
                        count.by)
