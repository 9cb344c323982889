"""The ``singlestat`` panel → ``stat`` (or ``gauge`` when its gauge was shown): value reducer, thresholds
and colours, value/range maps, sparkline, prefix/postfix as a custom unit."""
from __future__ import annotations

from typing import List

from obskit.compile.dashboards.migrate.common import number

_SINGLESTAT_KEYS = ("colorBackground", "colorValue", "colors", "decimals", "format", "gauge", "mappingType",
                    "mappingTypes", "nullPointMode", "nullText", "postfix", "postfixFontSize", "prefix",
                    "prefixFontSize", "rangeMaps", "sparkline", "thresholds", "valueFontSize", "valueMaps",
                    "valueName", "tableColumn")
_SINGLESTAT_CALC = {"avg": "mean", "current": "lastNotNull", "min": "min", "max": "max", "total": "sum",
                    "first": "firstNotNull", "delta": "delta", "diff": "diff", "range": "range", "name": "lastNotNull"}


def singlestat(p: dict, name: str, problems: List[str]) -> dict:
    """A ``singlestat`` panel as a ``stat`` (a ``gauge`` when its gauge was shown)."""
    s = {k: p.pop(k) for k in _SINGLESTAT_KEYS if k in p}
    gauge = (s.get("gauge") or {}).get("show")
    p["type"] = "gauge" if gauge else "stat"
    defaults: dict = {}
    unit = s.get("format") or "none"
    prefix, postfix = s.get("prefix") or "", s.get("postfix") or ""
    if prefix or postfix:
        if unit not in ("none", "short") or (prefix and postfix):
            problems.append(f"{name}: singlestat prefix/postfix with format {unit!r} cannot be "
                                 "expressed as one unit; set fieldConfig unit yourself")
        else:
            unit = f"prefix:{prefix}" if prefix else f"suffix:{postfix}"
    defaults["unit"] = unit
    if s.get("decimals") is not None:
        defaults["decimals"] = s["decimals"]
    if gauge:
        defaults["min"] = number(s["gauge"].get("minValue")) or 0
        defaults["max"] = number(s["gauge"].get("maxValue")) or 100
    colors = list(s.get("colors") or ["green", "orange", "red"])
    levels = [v for v in (number(x) for x in str(s.get("thresholds") or "").split(",")
                          if x.strip()) if v is not None]
    steps = [{"color": colors[0] if colors else "green", "value": None}]
    for i, value in enumerate(levels):
        steps.append({"color": colors[min(i + 1, len(colors) - 1)] if colors else "red", "value": value})
    defaults["thresholds"] = {"mode": "absolute", "steps": steps}
    mappings = []
    for vm in s.get("valueMaps") or []:
        if vm.get("op", "=") == "=" and "value" in vm:
            mappings.append({"type": "value", "options": {str(vm["value"]): {"text": str(vm.get("text", ""))}}})
    for rm in s.get("rangeMaps") or []:
        mappings.append({"type": "range", "options": {"from": number(rm.get("from")), "to": number(rm.get("to")),
                                                     "result": {"text": str(rm.get("text", ""))}}})
    if mappings:
        defaults["mappings"] = mappings
    if s.get("nullText"):
        defaults["noValue"] = str(s["nullText"])
    fc = p.get("fieldConfig") or {}
    p["fieldConfig"] = {"defaults": defaults, "overrides": list(fc.get("overrides") or [])}
    calc = _SINGLESTAT_CALC.get(s.get("valueName") or "avg", "mean")
    reduce = {"calcs": [calc], "fields": "", "values": False}
    if gauge:
        p["options"] = {"reduceOptions": reduce,
                        "showThresholdLabels": bool(s["gauge"].get("thresholdLabels")),
                        "showThresholdMarkers": bool(s["gauge"].get("thresholdMarkers", True))}
    else:
        color_mode = "background" if s.get("colorBackground") else "value" if s.get("colorValue") else "none"
        p["options"] = {"reduceOptions": reduce, "colorMode": color_mode,
                        "graphMode": "area" if (s.get("sparkline") or {}).get("show") else "none",
                        "textMode": "name" if s.get("valueName") == "name" else "auto"}
    return p
