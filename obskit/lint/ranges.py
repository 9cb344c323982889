"""rate-range-too-short: ``rate()``/``increase()`` (and irate, delta, idelta, deriv) need two
samples in their range; a range shorter than two scrape intervals sometimes has one and the result
disappears. Recorded series (names with ':') are written once per evaluation interval instead."""
from __future__ import annotations

from typing import Iterator

from obskit.duration import Duration
from obskit.lint.base import finding
from obskit.promql_ast import parsed, range_uses
from obskit.lint.subjects import Subjects
from obskit.project import Settings


def rate_ranges(subjects: Subjects, settings: Settings) -> Iterator:
    for s in subjects.rules:
        ast = parsed(s.rule.expr)
        if ast is None:
            continue
        seen = set()
        for use in range_uses(ast):
            if use in seen:
                continue         # the same range written twice in one expression: one finding
            seen.add(use)
            recorded = ":" in use.metric
            step = settings.evaluation_interval if recorded else settings.scrape_interval
            what = "evaluation interval" if recorded else "scrape interval"
            if use.seconds < 2 * step:
                yield finding(
                    s, "rate-range-too-short",
                    f"{use.function}({use.metric}[{Duration(int(use.seconds))}]) covers less than two "
                    f"{what}s ({what} {Duration(step)}, from obskit.toml): it sees fewer than two "
                    "samples and returns nothing part of the time",
                    hint=f"use a range of at least {Duration(2 * step)} (4 × the interval is safer)")


CHECKS = (rate_ranges,)
