"""The grid: pre-5.0 ``rows`` (panels sized by ``span``) → row panels and ``gridPos``, as Grafana's
migration to the grid does; an expanded row's nested panels moved after it; given ``gridPos`` checked
and missing ones laid out; panel ids."""
from __future__ import annotations

from typing import Dict, List, Tuple

from obskit.compile.dashboards.layout import box_problem, flow, overlaps, row_header, to_box
from obskit.compile.dashboards.migrate.common import number as _number


def legacy_rows(rows: list) -> list:
    """Pre-5.0 rows (panels sized by ``span`` of 12) → row panels with panels placed on the grid, as
    Grafana's migration to the grid does: a collapsed row (``collapse``) holds its panels, a
    repeated row keeps ``repeat``; one untitled row needs no row panel."""
    out, y = [], 0
    titled = len(rows) > 1 or any(r.get("showTitle") or r.get("collapse") or r.get("repeat") for r in rows)
    for r in rows:
        height = _px_to_units(r.get("height"))
        collapsed = bool(r.get("collapse"))
        header = None
        if titled:
            header = {"type": "row", "title": r.get("title") or "", "collapsed": collapsed, "panels": [],
                      "gridPos": row_header(y).as_json()}
            if r.get("repeat"):
                header["repeat"] = r["repeat"]
            out.append(header)
            y += 1
        sizes = [(int(round(2 * (p.get("span") or 12))), height) for p in r.get("panels") or []]
        boxes, bottom = flow(sizes, y)
        for p, box in zip(r.get("panels") or [], boxes):
            p = dict(p)
            p["gridPos"] = box.as_json()
            (header["panels"] if collapsed and header is not None else out).append(p)
        if not (collapsed and header is not None):
            y = bottom              # a collapsed row's panels take no room until it is opened
    return out


def unnest(panels: list) -> list:
    """An expanded row holding panels (grafanalib's ``RowPanel(panels=...)`` without ``collapsed``;
    Grafana nests only a collapsed row's panels) → the row followed by its panels."""
    out = []
    for p in panels:
        out.append(p)
        if isinstance(p, dict) and p.get("type") == "row" and not p.get("collapsed") and p.get("panels"):
            out.extend(p["panels"])
            p["panels"] = []
    return out


def layout(panels: list, problems: List[str]) -> None:
    """Check given gridPos; place panels without one below the placed ones."""
    placed: List[Tuple[str, object]] = []
    bottom = 0
    sizes: Dict[int, Tuple[int, int]] = {}
    for p in panels:
        pos = p.get("gridPos")
        if isinstance(pos, dict) and ("x" not in pos or "y" not in pos) and "w" in pos and "h" in pos:
            # a size without a position: laid out automatically with that size
            problem = box_problem({"x": 0, "y": 0, **{k: pos[k] for k in ("w", "h")}})
            if problem:
                problems.append(f"panel {p.get('title') or p.get('type')!r}: {problem}")
            else:
                sizes[id(p)] = (pos["w"], pos["h"])
            p.pop("gridPos")
    for p in panels:
        if "gridPos" in p:
            problem = box_problem(p["gridPos"])
            if problem:
                problems.append(f"panel {p.get('title') or p.get('type')!r}: {problem}")
                p.pop("gridPos")
                continue
            box = to_box(p["gridPos"])
            placed.append((p.get("title") or p.get("type"), box))
            bottom = max(bottom, box.y + box.h)
    for a, b in overlaps(placed):
        problems.append(f"panels {a!r} and {b!r} overlap on the grid")
    loose = [p for p in panels if "gridPos" not in p]
    if loose:
        y = bottom
        pending: List[dict] = []
        for p in loose + [None]:
            if p is None or p.get("type") == "row":
                boxes, y = flow([sizes.get(id(q), (12, 8)) for q in pending], y)
                for q, box in zip(pending, boxes):
                    q["gridPos"] = box.as_json()
                pending = []
                if p is not None:
                    p["gridPos"] = row_header(y).as_json()
                    y += 1
            else:
                pending.append(p)
    for p in panels:
        if p.get("type") == "row" and p.get("panels"):
            inner_y = p["gridPos"]["y"] + 1 if "gridPos" in p else 0
            need = [q for q in p["panels"] if "gridPos" not in q]
            boxes, _ = flow([(12, 8)] * len(need), inner_y)
            for q, box in zip(need, boxes):
                q["gridPos"] = box.as_json()
            for q in p["panels"]:
                problem = box_problem(q["gridPos"])
                if problem:
                    problems.append(f"panel {q.get('title')!r}: {problem}")

def number(panels: list) -> None:
    """Panel ids: kept when unique positive integers, otherwise 1, 2, ... in layout order."""
    flat = [p for top in panels for p in [top] + list(top.get("panels") or [])]
    ids = [p.get("id") for p in flat]
    if all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids) and len(set(ids)) == len(ids):
        return
    for n, p in enumerate(flat, 1):
        p["id"] = n


def _px_to_units(height) -> int:
    px = _number(str(height).rstrip("px")) if height is not None else None
    return max(1, round((px or 250) / 30))
