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
