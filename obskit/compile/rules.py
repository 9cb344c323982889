"""User rule groups (``obskit.model.rules``) → the intermediate model, one rule file per module."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

from obskit.compile import conventions as conv
from obskit.compile.ir import AlertingRule, RecordingRule, RuleFile, RuleGroup
from obskit.location import Location
from obskit.model import rules as model
from obskit.project import Project


def compile_rule(rule) -> "AlertingRule | RecordingRule":
    if isinstance(rule, model.AlertRule):
        return AlertingRule(alert=rule.name, expr=rule.expr, for_=rule.for_,
                            keep_firing_for=rule.keep_firing_for, labels=rule.all_labels,
                            annotations=rule.all_annotations)
    if isinstance(rule, model.RecordingRule):
        return RecordingRule(record=rule.record, expr=rule.expr, labels=rule.labels)
    raise TypeError(f"not a rule: {rule!r}")


def compile_group(group: model.RuleGroup) -> RuleGroup:
    return RuleGroup(name=group.name, rules=tuple(compile_rule(r) for r in group.rules),
                     interval=group.interval, limit=group.limit, query_offset=group.query_offset,
                     labels=group.labels)


def module_stem(group: model.RuleGroup) -> str:
    return Path(group.location.file).stem


@dataclass(frozen=True)
class CompiledGroup:
    """A user group, its IR form, and the file it is written to."""

    source: model.RuleGroup
    group: RuleGroup
    file: str


def compile_groups(project: Project) -> Tuple[CompiledGroup, ...]:
    return tuple(CompiledGroup(g, compile_group(g), conv.alert_rule_file_name(module_stem(g)))
                 for g in project.of(model.RuleGroup))


def compile_rule_files(project: Project) -> Tuple[RuleFile, ...]:
    """One :class:`RuleFile` per definition module, groups in definition order."""
    by_file: Dict[str, List[CompiledGroup]] = {}
    for c in compile_groups(project):
        by_file.setdefault(c.file, []).append(c)
    files = []
    for name in sorted(by_file):
        items = by_file[name]
        sources = tuple(sorted({Location(c.source.location.relative_to(str(project.root)).file, 0)
                                for c in items}))
        files.append(RuleFile(name=name, groups=tuple(c.group for c in items), sources=sources))
    return tuple(files)
