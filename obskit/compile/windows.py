"""The shape of the per-window SLI rules, behind one function.

Today every window is computed from the raw series (``rate(...[w])``), the shape Sloth uses. A
pre-aggregated shape (windows derived from a recorded short-window aggregate) plugs in here.
"""
from __future__ import annotations

from typing import Iterable, Tuple

from obskit.compile import conventions as conv
from obskit.compile.ir import Labels, RecordingRule
from obskit.compile.sli import queries
from obskit.duration import Duration
from obskit.model.slo import SLO


def window_rules(slo: SLO, windows: Iterable[Duration], labels: Labels) -> Tuple[RecordingRule, ...]:
    """One recording rule per window: the SLI's error ratio over that window."""
    q = queries(slo.sli)
    return tuple(
        RecordingRule(record=conv.error_ratio_record(w), expr=q.error_ratio(str(w)), labels=labels)
        for w in sorted(set(windows))
    )
