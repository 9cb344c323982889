"""``obskit check --prometheus URL``: the project's selectors against a live server (bounded: see
:func:`request_limit`), as Diagnostics like every other check's."""
from __future__ import annotations

import time as _time
from typing import List, Optional

from obskit.errors import Diagnostic
from obskit.live.connection import PrometheusAPI
from obskit.live.exprs import VARIABLE_MARK
from obskit.live.selectors import TOTAL, Read, collect_reads
from obskit.live.selector_checks import check
from obskit.live.server_facts import events, read_facts, request_bound

DEFAULT_LOOKBACK = 86400.0


def _metrics(reads: List[Read]) -> List[str]:
    return sorted({r.use.selector.metric for r in reads if VARIABLE_MARK not in r.use.selector.metric})


def request_limit(project) -> int:
    """The most requests a ``check --prometheus`` run sends: metadata, targets, one series request per
    distinct metric name the project reads, one event count per SLI."""
    reads = collect_reads(project)
    return request_bound(len(_metrics(reads)), sum(1 for r in reads if r.role == TOTAL))


def check_live(project, api: PrometheusAPI, lookback: float = DEFAULT_LOOKBACK,
               at: Optional[float] = None) -> List[Diagnostic]:
    at = _time.time() if at is None else at
    reads = collect_reads(project)
    facts = read_facts(api, _metrics(reads), at, lookback)
    counted = {}

    def count(total: Read) -> float:
        key = str(total.use.selector)
        if key not in counted:
            counted[key] = events(api, key, at, lookback)
        return counted[key]

    return check(reads, facts, project.settings, count)
