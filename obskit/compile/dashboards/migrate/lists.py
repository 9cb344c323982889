"""The list panels' pre-7.5 shape (their settings at the panel's top level, as grafanalib's
``AlertList`` and ``DashboardList`` still write them) → their ``options``, as Grafana's alert list and
dashboard list migrations move them (and drop the old keys).

The alert list's old state names become those of Grafana's (unified) alerting, which is the only
alerting Grafana 11 has: ``alerting`` → ``firing``, ``no_data`` → ``noData``, ``execution_error`` →
``error``, ``ok`` → ``normal``, ``pending`` stays; ``paused`` has no counterpart and is dropped with a note.
"""
from __future__ import annotations

_STATES = {"alerting": "firing", "no_data": "noData", "execution_error": "error", "ok": "normal",
           "pending": "pending"}
_ALERTLIST_OLD = ("show", "limit", "sortOrder", "onlyAlertsOnDashboard", "nameFilter", "dashboardFilter",
                  "folderId", "dashboardTags", "stateFilter")
_DASHLIST_OLD = {"starred": "showStarred", "recent": "showRecentlyViewed", "search": "showSearch",
                 "headings": "showHeadings", "limit": "maxItems", "query": "query", "tags": "tags"}


def alertlist(p: dict, key, m) -> dict:
    if not any(k in p for k in _ALERTLIST_OLD):
        return p
    old = {k: p.pop(k) for k in _ALERTLIST_OLD if k in p}
    options = dict(p.get("options") or {})
    states = {}
    for state in old.get("stateFilter") or []:
        if state in _STATES:
            states[_STATES[state]] = True
        else:
            m.drop(f"panel {key[0]!r}: alert list state filter {state!r} has no counterpart in Grafana "
                           "alerting; dropped")
    options.setdefault("maxItems", old.get("limit") if isinstance(old.get("limit"), int) else 10)
    options.setdefault("sortOrder", old.get("sortOrder") if isinstance(old.get("sortOrder"), int) else 1)
    options.setdefault("dashboardAlerts", bool(old.get("onlyAlertsOnDashboard", False)))
    if not options.get("alertName"):
        options["alertName"] = str(old.get("nameFilter") or "")
    options.setdefault("stateFilter", states)
    options.setdefault("viewMode", "list")
    options.setdefault("groupMode", "default")
    options.setdefault("groupBy", [])
    options.setdefault("alertInstanceLabelFilter", "")
    if old.get("show") == "changes":
        m.drop(f"panel {key[0]!r}: the alert list's 'recent state changes' mode is gone with legacy "
                       "alerting; it lists current alerts")
    p["options"] = options
    return p


def dashlist(p: dict, key, m) -> dict:
    if not any(k in p for k in _DASHLIST_OLD):
        return p
    options = dict(p.get("options") or {})
    for old, new in _DASHLIST_OLD.items():
        if old in p:
            value = p.pop(old)
            if value is not None:
                options.setdefault(new, value)
    p["options"] = options
    return p
