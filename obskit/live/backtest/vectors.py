"""PromQL's instant vectors over a grid of evaluation times, as ``{group key: values}``.

A key is the tuple of the SLI's ``by`` label values; a value is one float per evaluation time, NaN
where the vector has no element for that key at that time. The few operators the generated rules use
(``sum by``, ``or``, ``/``, ``-``, ``> 0``, ``* n``) follow PromQL's rules for vectors whose sides carry
the same labels: an arithmetic result exists where both sides do, ``a or b`` is ``a`` where it exists
and ``b`` elsewhere, a comparison without ``bool`` filters.
"""
from __future__ import annotations

from typing import Callable, Dict, Iterable, Sequence, Tuple

import numpy as np

from obskit.live.backtest.samples import Series

Key = Tuple[str, ...]
Vec = Dict[Key, np.ndarray]


def group_key(series: Series, by: Sequence[str]) -> Key:
    return tuple(series.label(name) for name in by)


def sum_by(series: Iterable[Series], by: Sequence[str], values: Callable[[Series], np.ndarray]) -> Vec:
    """``sum by (by) (f(series))``: present where any series of the group has a value."""
    out: Vec = {}
    for s in series:
        vals = values(s)
        key = group_key(s, by)
        acc = out.get(key)
        if acc is None:
            out[key] = vals.copy()
        else:
            both = ~np.isnan(acc) & ~np.isnan(vals)
            out[key] = np.where(both, acc + vals, np.where(np.isnan(acc), vals, acc))
    return out


def or_(a: Vec, b: Vec) -> Vec:
    out: Vec = {}
    for key in set(a) | set(b):
        x, y = a.get(key), b.get(key)
        out[key] = y.copy() if x is None else (x.copy() if y is None else np.where(np.isnan(x), y, x))
    return out


def _binary(a: Vec, b: Vec, op) -> Vec:
    with np.errstate(divide="ignore", invalid="ignore"):
        return {key: op(a[key], b[key]) for key in set(a) & set(b)}


def div(a: Vec, b: Vec) -> Vec:
    return _binary(a, b, np.divide)


def sub(a: Vec, b: Vec) -> Vec:
    return _binary(a, b, np.subtract)


def scale(a: Vec, factor: float) -> Vec:
    return {key: v * factor for key, v in a.items()}


def one_minus(a: Vec) -> Vec:
    return {key: 1 - v for key, v in a.items()}


def positive(a: Vec) -> Vec:
    """``a > 0`` (filtering)."""
    return {key: np.where(v > 0, v, np.nan) for key, v in a.items()}


def zero_of(a: Vec) -> Vec:
    """``0 * a``."""
    return {key: v * 0 for key, v in a.items()}


def compare(a: Vec, threshold: float, op: str) -> Dict[Key, np.ndarray]:
    """``a > threshold`` / ``a >= threshold`` as booleans (False where ``a`` has no element)."""
    with np.errstate(invalid="ignore"):
        return {key: (v > threshold) if op == ">" else (v >= threshold) for key, v in a.items()}


def all_of(parts: Sequence[Dict[Key, np.ndarray]]) -> Dict[Key, np.ndarray]:
    """``a and b and ...`` of boolean conditions on the same keys."""
    keys = set(parts[0]).intersection(*parts[1:]) if parts else set()
    out = {}
    for key in keys:
        acc = parts[0][key].copy()
        for p in parts[1:]:
            acc &= p[key]
        out[key] = acc
    return out


def any_of(parts: Sequence[Dict[Key, np.ndarray]]) -> Dict[Key, np.ndarray]:
    """``a or b or ...`` of boolean conditions."""
    out: Dict[Key, np.ndarray] = {}
    for p in parts:
        for key, v in p.items():
            out[key] = out[key] | v if key in out else v.copy()
    return out
