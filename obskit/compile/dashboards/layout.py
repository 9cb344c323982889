"""Automatic layout on Grafana's 24-column grid, and checks of given ``gridPos``.

Panels flow left to right and wrap when the next one does not fit; a line is as tall as its tallest
panel. A row header takes a full-width line of height 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

COLUMNS = 24


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    def as_json(self) -> dict:
        return {"h": self.h, "w": self.w, "x": self.x, "y": self.y}

    def overlaps(self, other: "Box") -> bool:
        return (self.x < other.x + other.w and other.x < self.x + self.w
                and self.y < other.y + other.h and other.y < self.y + self.h)


def flow(sizes: Iterable[Tuple[int, int]], y: int = 0) -> Tuple[List[Box], int]:
    """Place ``(width, height)`` boxes from line ``y``; returns the boxes and the first free line."""
    boxes: List[Box] = []
    x, line_h = 0, 0
    for w, h in sizes:
        w = max(1, min(COLUMNS, int(w)))
        h = max(1, int(h))
        if x + w > COLUMNS:
            y, x, line_h = y + line_h, 0, 0
        boxes.append(Box(x, y, w, h))
        x += w
        line_h = max(line_h, h)
    return boxes, y + line_h


def row_header(y: int) -> Box:
    return Box(0, y, COLUMNS, 1)


def box_problem(pos: object) -> Optional[str]:
    """Why a ``gridPos`` value is not valid on the grid (None when it is)."""
    if not isinstance(pos, dict):
        return f"gridPos must be an object with x, y, w, h, got {pos!r}"
    missing = [k for k in ("x", "y", "w", "h") if k not in pos]
    if missing:
        return f"gridPos {pos} lacks {', '.join(missing)}"
    vals = {k: pos[k] for k in ("x", "y", "w", "h")}
    if any(isinstance(v, bool) or not isinstance(v, int) for v in vals.values()):
        return f"gridPos {pos}: x, y, w, h must be integers"
    if vals["w"] < 1 or vals["w"] > COLUMNS or vals["h"] < 1 or vals["x"] < 0 or vals["y"] < 0:
        return f"gridPos {pos}: need 1 ≤ w ≤ {COLUMNS}, h ≥ 1, x ≥ 0, y ≥ 0"
    if vals["x"] + vals["w"] > COLUMNS:
        return f"gridPos {pos}: x + w = {vals['x'] + vals['w']} is past the {COLUMNS}-column grid"
    return None


def to_box(pos: dict) -> Box:
    return Box(pos["x"], pos["y"], pos["w"], pos["h"])


def overlaps(named: Sequence[Tuple[str, Box]]) -> List[Tuple[str, str]]:
    """Pairs of panel names whose boxes overlap."""
    out = []
    for i, (a, ba) in enumerate(named):
        for b, bb in named[i + 1:]:
            if ba.overlaps(bb):
                out.append((a, b))
    return out
