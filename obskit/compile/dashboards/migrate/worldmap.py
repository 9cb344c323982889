"""The ``grafana-worldmap-panel`` plugin (grafanalib's ``Worldmap``) → the built-in ``geomap``, as Grafana
converts it when it loads one (Grafana 11 has no Angular panels: ``autoMigrateAngular`` maps it to
``geomap``, whose migration builds the options): a markers layer sized between ``circleMinSize`` and
``circleMaxSize``, the map centre and zoom, thresholds from ``thresholds`` and ``colors``, decimals,
and, for country or state data, a lookup location and a ``reduce`` transformation by ``valueName``."""
from __future__ import annotations

from obskit.compile.dashboards.migrate.common import REDUCERS, number

_CENTRES = {"(0°, 0°)": "zero", "North America": "north-america", "Europe": "europe", "West Asia": "west-asia",
            "SE Asia": "se-asia", "Last GeoHash": "coords", "custom": "coords"}
_GAZETTEERS = {"countries": "public/gazetteer/countries.json", "countries_3letter": "public/gazetteer/countries.json",
               "states": "public/gazetteer/usa-states.json"}
_KEEP = ("datasource", "description", "gridPos", "id", "links", "targets", "title", "transparent", "repeat",
         "repeatDirection", "maxPerRow", "timeFrom", "timeShift", "interval", "transformations", "maxDataPoints")


def worldmap(p: dict, key, m) -> dict:
    style = {"size": {"fixed": 5, "min": number(p.get("circleMinSize")) or 2,
                      "max": number(p.get("circleMaxSize")) or 15},
             "color": {"fixed": "dark-green"}, "opacity": 0.4,
             "symbol": {"mode": "fixed", "fixed": "img/icons/marker/circle.svg"},
             "textConfig": {"fontSize": 12, "offsetX": 0, "offsetY": 0, "textAlign": "center", "textBaseline": "middle"}}
    layer: dict = {"type": "markers", "name": "Layer 1", "config": {"style": style, "showLegend": True},
                   "location": {"mode": "auto"}, "tooltip": True}
    view: dict = {"id": _CENTRES.get(p.get("mapCenter"), "zero")}
    zoom = number(p.get("initialZoom"))
    if zoom:
        view["zoom"] = zoom
    if view["id"] == "coords":
        view.update({k: v for k, v in (("lat", number(p.get("mapCenterLatitude"))),
                                       ("lon", number(p.get("mapCenterLongitude")))) if v is not None})
    defaults: dict = {}
    if number(p.get("decimals")):
        defaults["decimals"] = number(p["decimals"])
    levels = [number(x) for x in str(p.get("thresholds") or "").split(",") if x.strip()]
    colors = [c for c in p.get("colors") or [] if isinstance(c, str)]
    if colors and p.get("thresholds"):
        steps = [{"color": colors[0], "value": None}]
        steps += [{"color": c, "value": levels[i]} for i, c in enumerate(colors[1:]) if i < len(levels)
                  and levels[i] is not None]
        defaults["thresholds"] = {"mode": "absolute", "steps": steps}
    out = {k: v for k, v in p.items() if k in _KEEP}
    reducer = REDUCERS.get(str(p.get("valueName") or ""))
    if reducer and p.get("locationData") in _GAZETTEERS:
        out["transformations"] = list(out.get("transformations") or []) + [
            {"id": "reduce", "options": {"reducers": [reducer]}}]
        layer["location"] = {"mode": "lookup", "gazetteer": _GAZETTEERS[p["locationData"]]}
    out.update({"type": "geomap", "fieldConfig": {"defaults": defaults, "overrides": []},
                "options": {"view": view, "controls": {"showZoom": True,
                                                       "mouseWheelZoom": bool(p.get("mouseWheelZoom"))},
                            "basemap": {"type": "default", "name": "Basemap"}, "layers": [layer],
                            "tooltip": {"mode": "details"}}})
    m.notes.append(f"panel {key[0]!r}: grafana-worldmap-panel → geomap (as Grafana migrates it)")
    return out
