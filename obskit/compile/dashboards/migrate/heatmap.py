"""The pre-9 heatmap (``cards``, ``color``, ``dataFormat``, bucket sizes) → the heatmap's options."""
from __future__ import annotations

from typing import Optional

_HEATMAP_LEGACY = ("cards", "color", "dataFormat", "heatmap", "highlightCards", "legend", "tooltip", "xAxis",
                   "xBucketNumber", "xBucketSize", "yAxis", "yBucketNumber", "yBucketSize", "yBucketBound",
                   "hideZeroBuckets", "reverseYBuckets", "tooltipDecimals")


def _bucket(number, size) -> Optional[dict]:
    if size not in (None, ""):
        return {"mode": "size", "value": str(size)}
    if number not in (None, ""):
        return {"mode": "count", "value": str(number)}
    return None


def heatmap(p: dict, key, m) -> dict:
    """The pre-9 heatmap (cards, color, dataFormat, xBucket*/yBucket*) → the current heatmap's options,
    as Grafana's heatmap migration maps them."""
    color, y = p.get("color") or {}, p.get("yAxis") or {}
    scheme = str(color.get("colorScheme") or "interpolateOranges")
    scale = "exponential" if color.get("colorScale") == "sqrt" else "linear"
    options: dict = {
        "calculate": p.get("dataFormat", "timeseries") != "tsbuckets",
        "color": {"mode": "opacity" if color.get("mode") == "opacity" else "scheme",
                  "scheme": scheme[len("interpolate"):] if scheme.startswith("interpolate") else scheme,
                  "fill": str(color.get("cardColor") or "dark-orange"), "scale": scale,
                  "exponent": float(color.get("exponent") or 0.5), "steps": 64, "reverse": False},
        "cellGap": int((p.get("cards") or {}).get("cardPadding") or 1),
        "showValue": "never",
        "yAxis": {"axisPlacement": "left" if y.get("show", True) else "hidden", "reverse": bool(p.get("reverseYBuckets"))},
        "legend": {"show": bool((p.get("legend") or {}).get("show", True))},
        "tooltip": {"mode": "single" if (p.get("tooltip") or {}).get("show", True) else "none",
                    "yHistogram": bool((p.get("tooltip") or {}).get("showHistogram")), "showColorScale": False},
        "exemplars": {"color": "rgba(255,0,255,0.7)"},
        "filterValues": {"le": 1e-9},
        "rowsFrame": {"layout": "auto"},
    }
    if (p.get("cards") or {}).get("cardRound") is not None:
        options["cellRadius"] = float(p["cards"]["cardRound"])
    if y.get("format"):
        options["yAxis"]["unit"] = y["format"]
    if isinstance(y.get("decimals"), (int, float)):
        options["yAxis"]["decimals"] = y["decimals"]
    for bound in ("min", "max"):
        try:
            if y.get(bound) not in (None, ""):
                options["yAxis"][bound] = float(y[bound])
        except (TypeError, ValueError):
            pass
    if options["calculate"]:
        calc = {k: v for k, v in (("xBuckets", _bucket(p.get("xBucketNumber"), p.get("xBucketSize"))),
                                  ("yBuckets", _bucket(p.get("yBucketNumber"), p.get("yBucketSize")))) if v}
        if y.get("logBase") not in (None, 1):
            calc.setdefault("yBuckets", {})["scale"] = {"type": "log", "log": int(y["logBase"])}
        if calc:
            options["calculation"] = calc
    out = {k: v for k, v in p.items() if k not in _HEATMAP_LEGACY}
    out["options"] = options
    out.setdefault("fieldConfig", {"defaults": {"custom": {"hideFrom": {"legend": False, "tooltip": False,
                                                                          "viz": False},
                                                           "scaleDistribution": {"type": "linear"}}},
                                   "overrides": []})
    m.notes.append(f"panel {key[0]!r}: the old heatmap → heatmap options (as Grafana migrates it)")
    return out
