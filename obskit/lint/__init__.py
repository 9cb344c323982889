"""Offline, pint-style lint of the rules obskit writes (``obskit check``; ``obskit build`` fails on
its errors and prints its warnings).

Every check is a function ``(subjects, settings) -> iterable of Diagnostic | None`` in a small
module: :mod:`~obskit.lint.alerts` (conditions, templates, severity, annotations),
:mod:`~obskit.lint.ranges` (rate ranges against the scrape interval), :mod:`~obskit.lint.groups`
(interval, size, duplicates, output clashes, target-version fields). A rule or group opts out of one
finding with ``lint_disable=("code",)``.
"""
from __future__ import annotations

from dataclasses import replace
from typing import List

from obskit.errors import Diagnostic
from obskit.lint import alerts, groups, ranges
from obskit.lint.subjects import collect
from obskit.project import Project

CHECKS = alerts.CHECKS + ranges.CHECKS + groups.CHECKS


def lint(project: Project) -> List[Diagnostic]:
    """Every lint finding for the project, in definition order."""
    subjects = collect(project)
    # Rules generated from SLOs are proven by golden files and promtool, and their severities are the
    # SLO policy's own choice: per-rule checks read only hand-written rules; group checks read all.
    written = replace(subjects, rules=tuple(r for r in subjects.rules if not r.generated))
    found = [d for check in alerts.CHECKS + ranges.CHECKS for d in check(written, project.settings) if d is not None]
    found += [d for check in groups.CHECKS for d in check(subjects, project.settings) if d is not None]
    return sorted(found, key=lambda d: (d.location.file, d.location.line, d.code, d.message) if d.location
                  else ("", 0, d.code, d.message))


def check_rules(project: Project) -> List[Diagnostic]:
    """The loader's project check (``obskit.loader.PROJECT_CHECKS``)."""
    return lint(project)
