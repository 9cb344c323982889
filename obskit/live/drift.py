"""Drift: the rule groups a server runs against the groups ``obskit build`` writes.

Groups are matched by name (a group's file differs between a build directory, a server's config and
a Prometheus Operator's generated files). Within a group, rules are matched by kind and name, the
n-th rule of a name with the n-th of that name on the other side. Expressions are compared in the
parser's normal form (:func:`obskit.live.exprs.normalise`), so the server's own re-formatting
(Prometheus shows every rule as it printed its parse tree) is not drift; ``for``,
``keep_firing_for``, labels, annotations, the group's interval and limit are compared as values, and
rule order (rules in a group run in order: a recording rule read before it is written is a change).

Which server groups are obskit's: a group of a name the build writes, a group whose name has obskit's
SLO prefix (``obskit-slo-``), and any group in a file that holds one of those or whose name (without
directory and extension) is a file the build writes. Other groups are someone else's: listed as
unmanaged, never drift.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from obskit.live.exprs import normalise
from obskit.live.server_rules import LiveGroup, LiveRule
from obskit.location import Location

SLO_GROUP_PREFIX = "obskit-slo-"


@dataclass(frozen=True)
class FieldChange:
    field: str                 # expr, for, keep_firing_for, labels, annotations, interval, limit, order
    built: str
    server: str


@dataclass(frozen=True)
class RuleDrift:
    status: str                # missing (built, not on the server), extra (on the server only), changed
    rule: str                  # "alert Name" / "record name"
    changes: Tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class GroupDrift:
    status: str                # missing, extra, changed
    group: str
    built_file: str = ""
    server_file: str = ""
    location: Optional[Location] = None
    changes: Tuple[FieldChange, ...] = ()
    rules: Tuple[RuleDrift, ...] = ()


@dataclass(frozen=True)
class Drift:
    groups: Tuple[GroupDrift, ...]       # only groups that differ, in build order then server order
    in_sync: Tuple[str, ...]             # groups that match
    unmanaged: Tuple[str, ...]           # server groups that are not obskit's (not compared)
    failing: Tuple[Tuple[str, str, str], ...] = ()   # (group, rule, last error) of rules the server fails to evaluate

    @property
    def drifted(self) -> bool:
        return bool(self.groups)


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def _fmt_labels(labels) -> str:
    return "{" + ", ".join(f"{k}={v!r}" for k, v in labels) + "}"


def _seconds(value: Optional[float]) -> str:
    from obskit.duration import Duration
    if value is None:
        return "-"
    return str(Duration(int(value))) if value and value == int(value) else ("0s" if not value else f"{value:g}s")


def _dict_changes(name: str, built, server) -> List[FieldChange]:
    b, s = dict(built), dict(server)
    if b == s:
        return []
    keys = sorted(set(b) | set(s))
    diff_b = tuple((k, b[k]) for k in keys if k in b and b.get(k) != s.get(k))
    diff_s = tuple((k, s[k]) for k in keys if k in s and b.get(k) != s.get(k))
    return [FieldChange(name, _fmt_labels(diff_b), _fmt_labels(diff_s))]


def compare_rule(built: LiveRule, server: LiveRule) -> Tuple[FieldChange, ...]:
    out: List[FieldChange] = []
    if normalise(built.expr) != normalise(server.expr):
        out.append(FieldChange("expr", normalise(built.expr), normalise(server.expr)))
    if built.kind == "alert":
        if built.for_seconds != server.for_seconds:
            out.append(FieldChange("for", _seconds(built.for_seconds), _seconds(server.for_seconds)))
        if built.keep_firing_seconds != server.keep_firing_seconds:
            out.append(FieldChange("keep_firing_for", _seconds(built.keep_firing_seconds),
                                   _seconds(server.keep_firing_seconds)))
        out += _dict_changes("annotations", built.annotations, server.annotations)
    out += _dict_changes("labels", built.labels, server.labels)
    return tuple(out)


def _paired(rules: Sequence[LiveRule]) -> Dict[Tuple[str, str, int], LiveRule]:
    seen: Dict[Tuple[str, str], int] = {}
    out = {}
    for r in rules:
        n = seen.get(r.key, 0)
        seen[r.key] = n + 1
        out[(r.kind, r.name, n)] = r
    return out


def compare_group(built: LiveGroup, server: LiveGroup, evaluation_interval: float) -> Optional[GroupDrift]:
    changes: List[FieldChange] = []
    want = built.interval_seconds if built.interval_seconds is not None else evaluation_interval
    if server.interval_seconds is not None and server.interval_seconds != want:
        note = "" if built.interval_seconds is not None else " (the evaluation_interval of obskit.toml)"
        changes.append(FieldChange("interval", _seconds(want) + note, _seconds(server.interval_seconds)))
    if built.limit != server.limit:
        changes.append(FieldChange("limit", str(built.limit), str(server.limit)))
    b, s = _paired(built.rules), _paired(server.rules)
    rules: List[RuleDrift] = []
    for key, rule in b.items():
        if key not in s:
            rules.append(RuleDrift("missing", rule.title()))
        else:
            diff = compare_rule(rule, s[key])
            if diff:
                rules.append(RuleDrift("changed", rule.title(), diff))
    rules += [RuleDrift("extra", rule.title()) for key, rule in s.items() if key not in b]
    common_b = [k for k in b if k in s]
    common_s = [k for k in s if k in b]
    if common_b != common_s:
        changes.append(FieldChange("order", ", ".join(f"{k[1]}" for k in common_b),
                                   ", ".join(f"{k[1]}" for k in common_s)))
    if not changes and not rules:
        return None
    return GroupDrift("changed", built.name, built.file, server.file, built.location, tuple(changes), tuple(rules))


def compare(built: Sequence[LiveGroup], server: Sequence[LiveGroup], evaluation_interval: float) -> Drift:
    """The drift between the built groups and the server's (see the module's doc)."""
    by_name: Dict[str, List[LiveGroup]] = {}
    for g in server:
        by_name.setdefault(g.name, []).append(g)
    built_names = {g.name for g in built}
    built_files = {_stem(g.file) for g in built}
    ours_files = {g.file for g in server if g.name in built_names or g.name.startswith(SLO_GROUP_PREFIX)}
    out: List[GroupDrift] = []
    in_sync: List[str] = []
    used: set = set()
    for g in built:
        candidates = by_name.get(g.name, [])
        match = next((c for c in candidates if _stem(c.file) == _stem(g.file)), candidates[0] if candidates else None)
        if match is None:
            out.append(GroupDrift("missing", g.name, g.file, location=g.location))
            continue
        used.add(id(match))
        diff = compare_group(g, match, evaluation_interval)
        if diff is None:
            in_sync.append(g.name)
        else:
            out.append(diff)
    unmanaged: List[str] = []
    for g in server:
        if id(g) in used:
            continue
        if g.name in built_names or g.name.startswith(SLO_GROUP_PREFIX) or g.file in ours_files \
                or _stem(g.file) in built_files:
            out.append(GroupDrift("extra", g.name, server_file=g.file,
                                  rules=tuple(RuleDrift("extra", r.title()) for r in g.rules)))
        else:
            unmanaged.append(g.name)
    failing = tuple((g.name, r.title(), r.last_error) for g in server if id(g) in used
                    for r in g.rules if r.health == "err")
    return Drift(tuple(out), tuple(in_sync), tuple(unmanaged), failing)
