"""Project → intermediate model."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Tuple

from obskit.compile import conventions as conv
from obskit.compile.ir import RuleFile, RuleGroup
from obskit.compile.slo import CompiledSLO, compile_slo
from obskit.model.base import set_attr
from obskit.model.slo import SLO
from obskit.project import Project, Settings

_COMPILED = "_obskit_compiled"


@dataclass(frozen=True)
class CompiledProject:
    slos: Tuple[CompiledSLO, ...]
    rule_files: Tuple[RuleFile, ...]


def compiled_slo(slo: SLO, settings: Settings) -> CompiledSLO:
    """``compile_slo(slo, settings)``, computed once per SLO and settings.

    A build reads an SLO's rules several times (the lint, the rule targets, the project checks);
    SLOs and settings are immutable, so the result is kept on the SLO object itself, beside the
    settings it was made with (no registry: it goes when the SLO goes).
    """
    return _memo(slo, settings)[0]


def slo_groups(slo: SLO, settings: Settings) -> Tuple[RuleGroup, ...]:
    """``compiled_slo(slo, settings).groups()``, computed once like it."""
    memo = _memo(slo, settings)
    if memo[1] is None:
        memo[1] = memo[0].groups()
    return memo[1]


def _memo(slo: SLO, settings: Settings) -> list:
    cached = getattr(slo, _COMPILED, None)
    if cached is not None and (cached[0] is settings or cached[0] == settings):
        return cached[1]
    memo = [compile_slo(slo, settings), None]      # the compiled SLO, its groups when asked for
    set_attr(slo, _COMPILED, (settings, memo))
    return memo


def compile_project(project: Project) -> CompiledProject:
    compiled = tuple(compiled_slo(s, project.settings) for s in project.slos)
    by_service = sorted(compiled, key=lambda c: (c.slo.service, c.slo.name))
    files = []
    for service, items in groupby(by_service, key=lambda c: c.slo.service):
        items = list(items)
        files.append(RuleFile(
            name=conv.rule_file_name(service),
            groups=tuple(g for c in items for g in slo_groups(c.slo, project.settings)),
            sources=tuple(sorted({c.slo.location.relative_to(str(project.root)) for c in items})),
        ))
    return CompiledProject(slos=compiled, rule_files=tuple(files))
