"""Default ``options`` of current panel types: what Grafana fills in when it loads a panel.

Filled under the user's options so that a dashboard that omits them (grafanalib does for most) is
complete and validates against the panel schemas.
"""
from __future__ import annotations

import copy
from typing import Dict

_REDUCE = {"calcs": ["lastNotNull"], "fields": "", "values": False}
_LEGEND = {"calcs": [], "displayMode": "list", "placement": "bottom", "showLegend": True}

OPTIONS: Dict[str, dict] = {
    "timeseries": {"legend": _LEGEND, "tooltip": {"mode": "single", "sort": "none"}},
    "stat": {"graphMode": "area", "colorMode": "value", "justifyMode": "auto", "textMode": "auto",
             "wideLayout": True, "showPercentChange": False, "reduceOptions": _REDUCE,
             "percentChangeColorMode": "standard", "orientation": "auto"},
    "gauge": {"showThresholdLabels": False, "showThresholdMarkers": True, "sizing": "auto",
              "minVizWidth": 75, "minVizHeight": 75, "reduceOptions": _REDUCE, "orientation": "auto"},
    "bargauge": {"displayMode": "gradient", "valueMode": "color", "namePlacement": "auto",
                 "showUnfilled": True, "sizing": "auto", "minVizWidth": 8, "minVizHeight": 16,
                 "maxVizHeight": 300, "legend": _LEGEND, "reduceOptions": _REDUCE, "orientation": "auto"},
    "table": {"frameIndex": 0, "showHeader": True},
    "text": {"mode": "markdown", "content": ""},
    "logs": {"showLabels": False, "showCommonLabels": False, "showTime": True, "showLogContextToggle": False,
             "wrapLogMessage": False, "prettifyLogMessage": False, "enableLogDetails": True,
             "sortOrder": "Descending", "dedupStrategy": "none"},
}


#: defaults of ``fieldConfig.defaults.custom`` that a panel type's schema requires
FIELD_CUSTOM: Dict[str, dict] = {
    "table": {"align": "auto", "inspect": False},
}


def _copy(value):
    """A deep copy of JSON-like data (dicts, lists, scalars): many times faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    return copy.deepcopy(value)


def merged(defaults: dict, given: dict) -> dict:
    """``given`` over ``defaults``, one level of nested objects deep (a fresh object: the caller may
    change it)."""
    out = _copy(defaults)
    for key, value in given.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            inner = dict(out[key])
            inner.update(value)
            out[key] = inner
        else:
            out[key] = value
    return out


def with_default_options(kind: str, options: dict) -> dict:
    defaults = OPTIONS.get(kind)
    return merged(defaults, options) if defaults else options
