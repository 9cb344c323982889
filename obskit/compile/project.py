"""Project → intermediate model."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Tuple

from obskit.compile import conventions as conv
from obskit.compile.ir import RuleFile
from obskit.compile.slo import CompiledSLO, compile_slo
from obskit.project import Project


@dataclass(frozen=True)
class CompiledProject:
    slos: Tuple[CompiledSLO, ...]
    rule_files: Tuple[RuleFile, ...]


def compile_project(project: Project) -> CompiledProject:
    compiled = tuple(compile_slo(s, project.settings) for s in project.slos)
    by_service = sorted(compiled, key=lambda c: (c.slo.service, c.slo.name))
    files = []
    for service, items in groupby(by_service, key=lambda c: c.slo.service):
        items = list(items)
        files.append(RuleFile(
            name=conv.rule_file_name(service),
            groups=tuple(g for c in items for g in c.groups()),
            sources=tuple(sorted({c.slo.location.relative_to(str(project.root)) for c in items})),
        ))
    return CompiledProject(slos=compiled, rule_files=tuple(files))
