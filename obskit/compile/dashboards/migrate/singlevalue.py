"""The single-value panels' pre-7.0 shape → ``fieldConfig`` and ``reduceOptions``, as Grafana's shared
single-stat migration moves them (``gauge``, ``bargauge``, ``stat``):

- ``options.fieldOptions`` (grafanalib's ``BarGauge``): its ``defaults`` become ``fieldConfig.defaults``
  (``title`` → ``displayName``), its ``thresholds`` and ``mappings`` go there too, ``calcs``/``values``/
  ``limit`` become ``options.reduceOptions``;
- the same keys written straight into ``fieldConfig.defaults`` (grafanalib's ``GaugePanel``: ``calcs``,
  ``values``, ``limit``, ``title``, ``override``) and ``showThresholdLabels``/``showThresholdMarkers``
  beside ``defaults`` are moved the same way, so the reducer the author chose is the one shown.
"""
from __future__ import annotations

_REDUCE = ("calcs", "values", "limit")


def _reduce_options(source: dict, options: dict) -> None:
    given = {k: source.pop(k) for k in _REDUCE if k in source}
    if not given or "reduceOptions" in options:
        return
    reduce = {"calcs": [c for c in given.get("calcs") or [] if isinstance(c, str)] or ["lastNotNull"],
              "fields": "", "values": bool(given.get("values", False))}
    if isinstance(given.get("limit"), int) and not isinstance(given.get("limit"), bool):
        reduce["limit"] = given["limit"]
    options["reduceOptions"] = reduce


def _defaults(defaults: dict) -> dict:
    defaults = dict(defaults)
    title = defaults.pop("title", None)
    if title and "displayName" not in defaults:
        defaults["displayName"] = title
    defaults.pop("override", None)
    return defaults


def single_value(p: dict, key, m) -> dict:
    options = p.get("options") if isinstance(p.get("options"), dict) else {}
    options = dict(options)
    fc = dict(p.get("fieldConfig") or {})
    moved = False
    old = options.pop("fieldOptions", None)
    if isinstance(old, dict):
        old = dict(old)
        defaults = dict(fc.get("defaults") or {})
        defaults.update({k: v for k, v in _defaults(old.pop("defaults", None) or {}).items() if v is not None})
        for k in ("thresholds", "mappings"):
            if old.get(k) is not None:
                defaults[k] = old.pop(k)
        _reduce_options(old, options)
        fc["defaults"] = defaults
        moved = True
    defaults = fc.get("defaults")
    if isinstance(defaults, dict) and any(k in defaults for k in _REDUCE + ("title", "override")):
        defaults = _defaults(defaults)
        _reduce_options(defaults, options)
        fc["defaults"] = defaults
        moved = True
    for k in ("showThresholdLabels", "showThresholdMarkers"):
        if k in fc:
            value = fc.pop(k)
            if value is not None:
                options.setdefault(k, value)
            moved = True
    if p.get("type") != "gauge":
        for k in ("showThresholdLabels", "showThresholdMarkers"):     # gauge-only: Grafana ignores them elsewhere
            moved = options.pop(k, None) is not None or moved
    if moved:
        p["options"], p["fieldConfig"] = options, fc
        m.notes.append(f"panel {key[0]!r}: pre-7 {p.get('type')} field options → fieldConfig and reduceOptions "
                       "(as Grafana migrates them)")
    return p
