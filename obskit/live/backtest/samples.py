"""Raw samples: one :class:`Series` per label set, and the reader of OpenMetrics sample files.

The file format is what ``promtool tsdb dump-openmetrics`` writes (and ``promtool tsdb
create-blocks-from openmetrics`` reads): ``name{label="value",...} value timestamp`` lines with the
timestamp in seconds, ``#`` comment lines (``# TYPE``, ``# HELP``, ``# UNIT``) and ``# EOF``. A ``NaN``
value is kept as a staleness marker (Prometheus writes its staleness markers as a NaN).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

import numpy as np

from obskit.live.backtest.errors import BacktestError
from obskit.promql import Selector

Labels = Tuple[Tuple[str, str], ...]       # sorted (name, value) pairs, without __name__


class SamplesError(BacktestError):
    """A sample file that cannot be read; the message names the file and line."""


@dataclass(frozen=True, eq=False)
class Series:
    """One series: ``t`` in milliseconds (sorted, int64), ``v`` float64 (NaN: a staleness marker)."""

    metric: str
    labels: Labels
    t: np.ndarray = field(repr=False)
    v: np.ndarray = field(repr=False)

    def label(self, name: str) -> str:
        return dict(self.labels).get(name, "")

    def clipped(self, start_ms: int, end_ms: int) -> "Series":
        lo, hi = np.searchsorted(self.t, start_ms, "left"), np.searchsorted(self.t, end_ms, "right")
        return Series(self.metric, self.labels, self.t[lo:hi], self.v[lo:hi])


def make_series(metric: str, labels: Dict[str, str], t: Iterable[int], v: Iterable[float]) -> Series:
    """A series from unsorted samples; a duplicate timestamp keeps its last value."""
    t_arr = np.asarray(list(t) if not isinstance(t, np.ndarray) else t, dtype=np.int64)
    v_arr = np.asarray(list(v) if not isinstance(v, np.ndarray) else v, dtype=np.float64)
    order = np.argsort(t_arr, kind="stable")
    t_arr, v_arr = t_arr[order], v_arr[order]
    if len(t_arr) > 1:
        keep = np.concatenate((t_arr[1:] != t_arr[:-1], [True]))
        t_arr, v_arr = t_arr[keep], v_arr[keep]
    pairs = tuple(sorted((k, val) for k, val in labels.items() if k != "__name__"))
    return Series(metric, pairs, t_arr, v_arr)


def select(series: Sequence[Series], selector: Selector) -> List[Series]:
    """The series an instant-vector selector matches."""
    return [s for s in series if selector.matches(s.metric, dict(s.labels))]


_LINE = re.compile(r'^([A-Za-z_:][A-Za-z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)(?:\s+(\S+))?\s*$')
_LABEL = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)*")\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')
_UNESCAPE = re.compile(r'\\(.)')


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def _labels(text: str, where: str) -> Dict[str, str]:
    out: Dict[str, str] = {}
    body, pos = text[1:-1], 0
    while pos < len(body):
        m = _LABEL.match(body, pos)
        if not m or m.end() == pos:
            raise SamplesError(f"{where}: cannot read the labels {text!r}")
        name = m.group(1)
        out[_unescape(name[1:-1]) if name.startswith('"') else name] = _unescape(m.group(2))
        pos = m.end()
    return out


def _number(text: str, what: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise SamplesError(f"{where}: the {what} {text!r} is not a number") from None


def read_openmetrics(path: "str | Path") -> List[Series]:
    """Every series of an OpenMetrics sample file, each sorted by time."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise SamplesError(f"{path}: cannot read the sample file: {exc.strerror or exc}") from None
    raw: Dict[Tuple[str, str], Tuple[str, Dict[str, str], List[int], List[float]]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        where = f"{path}:{number}"
        m = _LINE.match(line)
        if not m:
            raise SamplesError(f"{where}: not a sample line (name{{labels}} value timestamp): {line[:80]!r}")
        metric, label_text, value, stamp = m.groups()
        if stamp is None:
            raise SamplesError(f"{where}: the sample has no timestamp; a backtest needs timestamped samples "
                               "(as `promtool tsdb dump-openmetrics` writes them)")
        seconds = _number(stamp, "timestamp", where)
        if not math.isfinite(seconds):
            raise SamplesError(f"{where}: the timestamp {stamp!r} is not finite")
        key = (metric, label_text or "")
        entry = raw.get(key)
        if entry is None:
            entry = raw[key] = (metric, _labels(label_text, where) if label_text else {}, [], [])
        entry[2].append(int(round(seconds * 1000)))
        entry[3].append(_number(value, "value", where))
    return sorted((make_series(metric, labels, t, v) for metric, labels, t, v in raw.values()),
                  key=lambda s: (s.metric, s.labels))
