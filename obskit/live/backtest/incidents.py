"""The incidents file: when things were really broken, to score the alerts against.

YAML (a list, or ``incidents:`` holding one) of ``{start, end, label}``, or CSV with a ``start,end[,label]``
header. Times are RFC 3339 (``2026-09-03T10:00:00Z``; no zone: UTC) or Unix seconds. Every problem
names the file and line.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Tuple

from obskit.live.backtest.errors import BacktestError


@dataclass(frozen=True)
class Incident:
    start: float          # Unix seconds
    end: float
    label: str
    where: str = ""       # file:line


def parse_time(value, what: str, where: str = "") -> float:
    """RFC 3339 or Unix seconds (also ``now``-free: every time is absolute) to Unix seconds."""
    prefix = f"{where}: " if where else ""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    if isinstance(value, bool) or value is None:
        raise BacktestError(f"{prefix}{what} is missing or not a time: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BacktestError(f"{prefix}{what} {text!r} is not a time: give RFC 3339 (2026-09-03T10:00:00Z) "
                            "or Unix seconds") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).timestamp()


def _checked(start, end, label, where: str) -> Incident:
    s, e = parse_time(start, "start", where), parse_time(end, "end", where)
    if e <= s:
        raise BacktestError(f"{where}: the incident ends ({end}) before it starts ({start})")
    return Incident(s, e, str(label or ""), where)


def _yaml(path: Path, text: str) -> List[Incident]:
    import yaml

    class _Lines(yaml.SafeLoader):
        pass

    def mapping(loader, node):
        out = loader.construct_mapping(node, deep=True)
        out["__line__"] = node.start_mark.line + 1
        return out

    _Lines.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        doc = yaml.load(text, Loader=_Lines)         # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise BacktestError(f"{path}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if isinstance(doc, dict) and "incidents" in doc:
        doc = doc["incidents"]
    if not isinstance(doc, list):
        raise BacktestError(f"{path}:1: expected a list of incidents ({{start, end, label}}), "
                            f"got {type(doc).__name__}")
    out = []
    for i, item in enumerate(doc):
        if not isinstance(item, dict):
            raise BacktestError(f"{path}: incident {i + 1} is not a mapping with start and end")
        where = f"{path}:{item.pop('__line__', '?')}"
        unknown = sorted(set(item) - {"start", "end", "label"})
        if unknown:
            raise BacktestError(f"{where}: unknown key {unknown[0]!r} (an incident has start, end, label)")
        out.append(_checked(item.get("start"), item.get("end"), item.get("label", f"incident {i + 1}"), where))
    return out


def _csv(path: Path, text: str) -> List[Incident]:
    rows = list(csv.reader(io.StringIO(text)))
    header = [c.strip().lower() for c in rows[0]] if rows else []
    if header[:2] != ["start", "end"] or not set(header) <= {"start", "end", "label"}:
        raise BacktestError(f"{path}:1: the CSV header must be start,end[,label], got {','.join(header)!r}")
    out = []
    for number, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < 2 or len(row) > len(header):
            raise BacktestError(f"{path}:{number}: expected {len(header)} columns ({','.join(header)}), got {len(row)}")
        label = row[2] if len(row) > 2 else f"incident {len(out) + 1}"
        out.append(_checked(row[0], row[1], label, f"{path}:{number}"))
    return out


def load_incidents(path: "str | Path") -> Tuple[Incident, ...]:
    """The incidents of a YAML or CSV file (by suffix: ``.csv`` is CSV), sorted by start."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise BacktestError(f"{path}: cannot read the incidents file: {exc.strerror or exc}") from None
    found = _csv(path, text) if path.suffix.lower() == ".csv" else _yaml(path, text)
    return tuple(sorted(found, key=lambda i: (i.start, i.end, i.label)))
