"""Checks of rule groups and across them: interval, size, duplicates, output-file clashes, and
group fields the target Prometheus cannot load."""
from __future__ import annotations

import re
from typing import Dict, Iterator, Tuple

from obskit.compile.ir import AlertingRule
from obskit.duration import Duration
from obskit.lint.base import ERROR, WARNING, finding
from obskit.lint.subjects import Subjects
from obskit.model.rules import ALERT_FIELD_VERSIONS, GROUP_FIELD_VERSIONS, parse_version, version_text
from obskit.project import Settings
from obskit.promql_ast import may_overlap, output_labels, parsed

MAX_INTERVAL = Duration(300)
MAX_RULES = 20


def group_interval(subjects: Subjects, settings: Settings) -> Iterator:
    """group-interval-long: above 5m, recorded series go stale between evaluations (the 5m lookback)."""
    for g in subjects.groups:
        if g.group.interval is not None and g.group.interval > MAX_INTERVAL:
            yield finding(g, "group-interval-long",
                          f"interval {g.group.interval} is longer than {MAX_INTERVAL}: series it records "
                          "are stale between evaluations and alerts react late",
                          hint="evaluate at most every 5m", severity=WARNING)


def group_size(subjects: Subjects, settings: Settings) -> Iterator:
    """group-too-many-rules: more than 20 rules in one group (evaluated sequentially)."""
    for g in subjects.groups:
        if len(g.group.rules) > MAX_RULES:
            yield finding(g, "group-too-many-rules",
                          f"{len(g.group.rules)} rules in one group (more than {MAX_RULES}); a group's rules "
                          "run one after another, so large groups risk missed evaluations",
                          hint="split the group by concern", severity=WARNING)


def duplicate_groups(subjects: Subjects, settings: Settings) -> Iterator:
    """duplicate-group: two groups with one name (an error in one file, confusing across files)."""
    first: Dict[str, object] = {}
    for g in subjects.groups:
        other = first.get(g.group.name)
        if other is None:
            first[g.group.name] = g
            continue
        same_file = other.file == g.file
        yield finding(g, "duplicate-group",
                      f"group name {g.group.name!r} is already used at {subjects.where(other.location)}"
                      + (f" in the same rule file {g.file}.yml (Prometheus refuses to load it)" if same_file
                         else " (in another rule file; rule-group metrics and the UI cannot tell them apart)"),
                      severity=ERROR if same_file else WARNING)


def _name_key(rule) -> Tuple:
    if isinstance(rule, AlertingRule):
        return "alert", rule.alert, rule.labels
    return "record", rule.record, rule.labels


def _normalised(rule) -> str:
    return " ".join(rule.expr.split())


def duplicate_rules(subjects: Subjects, settings: Settings) -> Iterator:
    """duplicate-rule: the same rule twice (an error); or two recording rules writing the same name
    and labels whose results can be the same series. Rules that select disjoint label classes and
    keep the distinguishing label (``code="500"`` / ``code="200"`` under ``sum by (code)``, or a label
    one keeps and the other drops) write different series: no finding. An error when both results
    have exactly the same label names and nothing tells them apart (one series written twice at every
    evaluation); a warning when it depends on the data (e.g. two selectors of different metrics).

    Rules are bucketed by kind, name and labels first: expressions are compared (whitespace-normalised)
    and parsed only within a bucket, which in most projects holds one rule."""
    buckets: Dict[Tuple, list] = {}      # (kind, name, labels) → [(normalised expr, subject)], no duplicates
    for s in subjects.rules:
        key = _name_key(s.rule)
        bucket = buckets.get(key)
        if bucket is None:
            buckets[key] = [(None, s)]
            continue
        expr = _normalised(s.rule)
        same = None
        for i, (norm, other) in enumerate(bucket):
            if norm is None:
                norm = _normalised(other.rule)
                bucket[i] = (norm, other)
            if norm == expr:
                same = other
                break
        if same is not None:
            yield finding(s, "duplicate-rule", f"identical to the rule at {subjects.where(same.location)}",
                          hint="remove one of them")
            continue
        others = [other for _, other in bucket]
        bucket.append((expr, s))
        if isinstance(s.rule, AlertingRule):
            continue
        mine = parsed(s.rule.expr)
        for other in others:
            theirs = parsed(other.rule.expr)
            if mine is None or theirs is None or not may_overlap(mine, theirs):
                continue
            a, b = output_labels(mine), output_labels(theirs)
            certain = a.exact and b.exact and a.names == b.names
            yield finding(s, "duplicate-rule",
                          f"records {s.rule.record} with the same labels as the rule at "
                          f"{subjects.where(other.location)}"
                          + (f" and both results carry {a.describe()}: both write one series (duplicate samples)"
                             if certain else ": where both return the same label set they write one series "
                                             "(duplicate samples)"),
                          hint="give them different labels or names, or select disjoint values of a label "
                               "both keep", severity=ERROR if certain else WARNING)
            break


def file_clash(subjects: Subjects, settings: Settings) -> Iterator:
    """output-clash: a module's alert file (or an included rule file) has the name of an SLO service's
    rule file, or an included file the name of another rule file."""
    generated = {g.file: g for g in subjects.groups if g.generated}
    modules = {g.file: g for g in subjects.groups if not g.generated and not g.included}
    included: Dict[str, object] = {}
    reported = set()
    for g in subjects.groups:
        if g.generated or g.file in reported:
            continue
        if g.file in generated:
            reported.add(g.file)
            yield finding(g, "output-clash",
                          f"this {'included file' if g.included else 'module'}'s rules go to prometheus/rules/"
                          f"{g.file}.yml, which is also the rule file of the SLOs of service {g.file!r} "
                          f"({subjects.where(generated[g.file].location)})",
                          hint="rename the module or the service" if not g.included else "give the include a name=")
        elif g.included and (g.file in modules or (g.file in included
                                                   and included[g.file].location.file != g.location.file)):
            reported.add(g.file)
            other = modules.get(g.file) or included[g.file]
            yield finding(g, "output-clash",
                          f"this included file is written to prometheus/rules/{g.file}.yml, like the rules at "
                          f"{subjects.where(other.location)}", hint="give the include a name=")
        elif g.included:
            included.setdefault(g.file, g)


_FILE_NAME = re.compile(r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$")


def output_name(subjects: Subjects, settings: Settings) -> Iterator:
    """output-name: the module name becomes a file and a Kubernetes object name (lowercase only)."""
    reported = set()
    for g in subjects.groups:
        if not g.generated and not g.included and not _FILE_NAME.match(g.file) and g.file not in reported:
            reported.add(g.file)
            yield finding(g, "output-name",
                          f"the module's rules are written to {g.file}.yml and a PrometheusRule named after it; "
                          "Kubernetes names allow only lowercase letters, digits and '-'",
                          hint="rename the module in lowercase (letters, digits, '_' or '-')")


def target_version(subjects: Subjects, settings: Settings) -> Iterator:
    """prometheus-version: group and alert fields newer than the project's target Prometheus."""
    target = parse_version(settings.prometheus_version)
    by_rule = {id(s.rule): s for s in subjects.rules}
    for g in subjects.groups:
        if g.source is None:
            continue
        items = [(g, name, GROUP_FIELD_VERSIONS[name]) for name in g.source.newer_fields()]
        for rule, ir in zip([r for r in g.source.rules if hasattr(r, "lint_disable")], g.group.rules):
            if hasattr(rule, "newer_fields") and id(ir) in by_rule:
                items += [(by_rule[id(ir)], name, ALERT_FIELD_VERSIONS[name]) for name in rule.newer_fields()]
        for subject, name, needed in items:
            if target < needed:
                yield finding(subject, "prometheus-version",
                              f"{name} needs Prometheus {version_text(needed)} or newer; the project targets "
                              f"{settings.prometheus_version} (prometheus_version in obskit.toml), which "
                              "refuses to load the file",
                              hint=f"remove {name}, or raise prometheus_version to {version_text(needed)}")


CHECKS = (group_interval, group_size, duplicate_groups, duplicate_rules, file_clash, output_name, target_version)
