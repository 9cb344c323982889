"""Helpers the panel migrations share."""
from __future__ import annotations

from typing import Optional

#: old value reducers (singlestat ``valueName``, piechart, table aggregations) → current reducer ids
REDUCERS = {"current": "lastNotNull", "avg": "mean", "total": "sum", "min": "min", "max": "max",
            "first": "firstNotNull", "delta": "delta", "diff": "diff", "range": "range", "count": "count",
            "name": "lastNotNull", "last_time": "lastNotNull"}


def number(value) -> Optional[float]:
    """``value`` as a number (ints stay ints), None when it is not one (old editors wrote strings)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        num = float(value)
    except (TypeError, ValueError):
        return None
    return int(num) if num == int(num) else num


def matcher(pattern: str) -> dict:
    """A series name or ``/regex/`` as a field matcher."""
    if len(pattern) > 2 and pattern.startswith("/") and pattern.endswith("/"):
        return {"id": "byRegexp", "options": pattern[1:-1]}
    return {"id": "byName", "options": pattern}


def override(series: str, props: list) -> dict:
    return {"matcher": matcher(series), "properties": props}


def legend_calcs(legend: dict) -> list:
    """An old legend's value columns as current legend calcs."""
    return [c for k, c in (("current", "lastNotNull"), ("min", "min"), ("max", "max"), ("avg", "mean"),
                           ("total", "sum")) if legend.get(k)]
