"""What the lint reads: every rule group obskit writes (the project's own alert and recording rules,
and the rules generated from SLOs), in the intermediate form, each with where it was defined."""
from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, List, Optional, Tuple

from obskit.compile import conventions as conv
from obskit.compile.ir import AlertingRule, RecordingRule, RuleGroup
from obskit.location import Location
from obskit.project import Project


@dataclass(frozen=True)
class RuleSubject:
    rule: "AlertingRule | RecordingRule"
    group: str
    file: str                  # the rule file (without .yml) it is written to
    location: Location
    disabled: FrozenSet[str] = frozenset()
    generated: bool = False    # generated from an SLO (not written by hand)

    @property
    def name(self) -> str:
        return self.rule.alert if isinstance(self.rule, AlertingRule) else self.rule.record

    @property
    def obj(self) -> str:
        kind = "alert" if isinstance(self.rule, AlertingRule) else "recording rule"
        return f"{kind} {self.name!r} (group {self.group!r})"


@dataclass(frozen=True)
class GroupSubject:
    group: RuleGroup
    file: str
    location: Location
    disabled: FrozenSet[str] = frozenset()
    generated: bool = False
    source: Optional[object] = None     # the model RuleGroup, for user groups
    included: bool = False              # from a rule file included unchanged (obskit.model.rule_files)

    @property
    def obj(self) -> str:
        return f"rule group {self.group.name!r}"


@dataclass(frozen=True)
class Subjects:
    groups: Tuple[GroupSubject, ...]
    rules: Tuple[RuleSubject, ...]
    root: str = ""

    def where(self, location: Location) -> Location:
        """A location as shown inside a message (relative to the project)."""
        return location.relative_to(self.root) if self.root else location


def _user(project: Project, groups: List[GroupSubject], rules: List[RuleSubject]) -> None:
    from obskit.compile.rules import compile_rule, module_stem
    from obskit.model.rules import RuleGroup as ModelGroup

    for g in project.of(ModelGroup):
        file = conv.alert_rule_file_name(module_stem(g))
        group_off = frozenset(g.lint_disable)
        compiled = []
        for r in g.rules:
            if not hasattr(r, "lint_disable"):
                continue       # not a rule: the model reported it
            ir = compile_rule(r)
            compiled.append(ir)
            rules.append(RuleSubject(ir, g.name, file, r.location, group_off | frozenset(r.lint_disable)))
        ir_group = RuleGroup(g.name, tuple(compiled), g.interval if _is_duration(g.interval) else None,
                             g.limit if isinstance(g.limit, int) else None,
                             g.query_offset if _is_duration(g.query_offset) else None, g.labels)
        groups.append(GroupSubject(ir_group, file, g.location, group_off, source=g))


def _included(project: Project, groups: List[GroupSubject], rules: List[RuleSubject]) -> None:
    """The rules of included rule files, located at their YAML lines."""
    from obskit.compile.rules import compile_group
    from obskit.model.rule_files import RuleFile

    for rf in project.of(RuleFile):
        for g in rf.groups:
            ir_group = compile_group(g)
            group_off = rf.disabled_for(g.name)
            for r, ir in zip(g.rules, ir_group.rules):
                rules.append(RuleSubject(ir, g.name, rf.name, r.location, group_off | rf.disabled_for(r.name)))
            groups.append(GroupSubject(ir_group, rf.name, g.location, group_off, source=g, included=True))


def _generated(project: Project, groups: List[GroupSubject], rules: List[RuleSubject]) -> None:
    from obskit.compile.project import slo_groups

    for slo in project.slos:
        try:
            compiled = slo_groups(slo, project.settings)   # the rules the build writes (compiled once)
        except Exception:  # noqa: BLE001 - an invalid SLO was already reported by its model
            continue
        file = conv.rule_file_name(slo.service)
        for g in compiled:
            groups.append(GroupSubject(g, file, slo.location, generated=True))
            for r in g.rules:
                rules.append(RuleSubject(r, g.name, file, slo.location, generated=True))


def _is_duration(value) -> bool:
    from obskit.duration import Duration
    return isinstance(value, Duration)


def collect(project: Project) -> Subjects:
    groups: List[GroupSubject] = []
    rules: List[RuleSubject] = []
    _user(project, groups, rules)
    _included(project, groups, rules)
    _generated(project, groups, rules)
    return Subjects(tuple(groups), tuple(rules), str(project.root))
