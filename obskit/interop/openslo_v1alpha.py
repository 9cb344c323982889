"""OpenSLO ``v1alpha`` SLOs (the form Sloth reads, its ``openslo-*`` examples) as OpenSLO v1 documents,
which :mod:`obskit.interop.openslo` then imports.

v1alpha differs from v1 where this module translates: ``timeWindows: [{count, unit}]`` (``unit`` a
word: Day, Week, Month...) → ``timeWindow: [{duration: <count><m|h|d|w|M|Q|Y>}]``; each objective
carries its own ``ratioMetrics`` (``good``/``bad``/``total`` as ``{source, queryType, query}``) →
one v1 SLO per objective with an inline ``ratioMetric`` indicator (``metricSource: {type, spec:
{query}}``); ``thresholdMetric`` on the SLO with ``op``/``value`` on each objective → v1's
``thresholdMetric`` indicator. An SLO of several objectives becomes several SLOs named
``<name>-<displayName or index>`` (as obskit's v1 import names them).
"""
from __future__ import annotations

from typing import List

from obskit.interop.common import SourceError
from obskit.interop.pycode import identifier

API = "openslo/v1alpha"
_UNITS = {"minute": "m", "hour": "h", "day": "d", "week": "w", "month": "M", "quarter": "Q", "year": "Y"}


def _source(metric) -> dict:
    metric = metric or {}
    return {"metricSource": {"type": str(metric.get("source") or "prometheus"),
                             "spec": {"query": metric.get("query")}}}


def _window(window: dict, where: str) -> dict:
    unit = _UNITS.get(str(window.get("unit", "")).lower())
    if unit is None or not str(window.get("count", "")).isdigit():
        raise SourceError(f"{where}: timeWindows entry {window!r} needs count (a whole number) and unit "
                          f"(one of {', '.join(u.capitalize() for u in _UNITS)})")
    out = {"duration": f"{window['count']}{unit}", "isRolling": window.get("isRolling", True)}
    if window.get("calendar") is not None:
        out["calendar"] = window["calendar"]
    return out


def to_v1(doc: dict, where: str) -> List[dict]:
    """The v1 documents for one v1alpha document (``where`` names it in errors)."""
    kind = doc.get("kind")
    if kind == "Service":
        return [{**doc, "apiVersion": "openslo/v1"}]
    if kind != "SLO":
        raise SourceError(f"{where}: OpenSLO v1alpha kind {kind!r} is not read (SLO and Service are)")
    meta, spec = dict(doc.get("metadata") or {}), dict(doc.get("spec") or {})
    windows = spec.pop("timeWindows", None) or []
    objectives = spec.pop("objectives", None) or []
    threshold = spec.pop("thresholdMetric", None)
    base = {k: v for k, v in spec.items() if k not in ("indicator", "indicatorRef")}
    if windows:
        base["timeWindow"] = [_window(w, where) for w in windows[:1]]
    name = str(meta.get("name") or "")
    out = []
    for i, obj in enumerate(objectives if isinstance(objectives, list) else [objectives]):
        obj = dict(obj or {})
        ratio = obj.pop("ratioMetrics", None) or obj.pop("ratioMetric", None)
        if ratio is not None:
            rm = {"counter": ratio.get("counter", True)}
            rm.update({part: _source(ratio[part]) for part in ("good", "bad", "total") if ratio.get(part)})
            indicator = {"ratioMetric": rm}
        elif threshold is not None:
            indicator = {"thresholdMetric": _source(threshold)}
        else:
            indicator = {}
        one = dict(meta)
        if len(objectives) > 1:
            one["name"] = f"{name}-{identifier(str(obj.get('displayName') or i)).replace('_', '-')}"
        obj.pop("timeSliceTarget", None)
        out.append({"apiVersion": "openslo/v1", "kind": "SLO", "metadata": one,
                    "spec": {**base, "indicator": {"metadata": {"name": f"{one['name']}-sli"}, "spec": indicator},
                             "objectives": [obj]}})
    if not out:
        out.append({"apiVersion": "openslo/v1", "kind": "SLO", "metadata": meta, "spec": base})
    return out


__all__ = ["API", "to_v1"]
