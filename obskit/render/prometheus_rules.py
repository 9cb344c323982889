"""Prometheus rule files (``groups:`` YAML), the format promtool and Prometheus 2.x/3.x load."""
from __future__ import annotations

from typing import Dict, List

from obskit.compile import conventions as conv
from obskit.compile.ir import AlertingRule, RecordingRule, RuleFile, RuleGroup
from obskit.render.yamlfmt import dump


def rule_dict(rule) -> Dict[str, object]:
    if isinstance(rule, RecordingRule):
        out: Dict[str, object] = {"record": rule.record, "expr": rule.expr}
    elif isinstance(rule, AlertingRule):
        out = {"alert": rule.alert, "expr": rule.expr}
        if rule.for_ is not None:
            out["for"] = str(rule.for_)
        if rule.keep_firing_for is not None:
            out["keep_firing_for"] = str(rule.keep_firing_for)
    else:
        raise TypeError(f"not a rule: {rule!r}")
    if rule.labels:
        out["labels"] = dict(rule.labels)
    if isinstance(rule, AlertingRule) and rule.annotations:
        out["annotations"] = dict(rule.annotations)
    return out


def group_dict(group: RuleGroup) -> Dict[str, object]:
    out: Dict[str, object] = {"name": group.name}
    if group.interval is not None:
        out["interval"] = str(group.interval)
    if group.limit is not None:
        out["limit"] = group.limit
    if group.query_offset is not None:
        out["query_offset"] = str(group.query_offset)
    if group.labels:
        out["labels"] = dict(group.labels)
    out["rules"] = [rule_dict(r) for r in group.rules]
    return out


def groups_dict(groups) -> Dict[str, List]:
    return {"groups": [group_dict(g) for g in groups]}


def header(rule_file: RuleFile) -> str:
    files = sorted({loc.file for loc in rule_file.sources}) or ["definitions"]
    return conv.GENERATED_HEADER.format(sources=", ".join(files))


def render(rule_file: RuleFile) -> bytes:
    return (header(rule_file) + dump(groups_dict(rule_file.groups))).encode()
