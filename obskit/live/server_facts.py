"""What ``check --prometheus`` reads from the server, in a bounded number of requests: the metric
metadata (one request), the active targets and their scrape intervals (one), the series of every metric
name the project reads over the lookback (one per distinct name, label sets only: the selectors are then
matched locally), and, for an SLI whose errors selector matches nothing, the total's event count over
the lookback (one per such SLI). :func:`request_bound` is the most it sends."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from obskit.duration import Duration
from obskit.live.connection import PrometheusAPI
from obskit.promql import quote

#: suffixes of a metric family's series (a counter's _total, a histogram's or summary's parts)
FAMILY_SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created", "_gcount", "_gsum", "_info")

Series = Dict[str, str]


def request_bound(metric_names: int, slis: int) -> int:
    return 2 + metric_names + slis


@dataclass
class ServerFacts:
    at: float
    lookback: float                                    # seconds
    metadata: Dict[str, str] = field(default_factory=dict)          # family → type
    intervals: Dict[Tuple[str, str], float] = field(default_factory=dict)   # (job, instance) → seconds
    series: Dict[str, List[Series]] = field(default_factory=dict)   # metric name → label sets (no __name__)

    def family(self, metric: str) -> Tuple[str, Optional[str]]:
        """The metric family a series name belongs to and its type from the metadata (None: unknown).
        Prometheus keys metadata by family (``http_requests`` for ``http_requests_total`` from OpenMetrics),
        or by the series name (the 0.0.4 text format writes ``# TYPE http_requests_total counter``)."""
        if metric in self.metadata:
            return metric, self.metadata[metric]
        for suffix in FAMILY_SUFFIXES:
            if metric.endswith(suffix) and metric[: -len(suffix)] in self.metadata:
                base = metric[: -len(suffix)]
                return base, self.metadata[base]
        return metric, None

    def interval_of(self, series: Sequence[Series]) -> Optional[float]:
        """The longest scrape interval of the targets that expose ``series`` (None: no target known)."""
        found = [self.intervals.get((s.get("job", ""), s.get("instance", ""))) for s in series]
        found = [f for f in found if f]
        return max(found) if found else None

    def names(self) -> List[str]:
        return sorted(set(self.metadata) | {n for n, s in self.series.items() if s})


def _seconds(text) -> Optional[float]:
    try:
        return float(Duration.parse(str(text)).seconds)
    except ValueError:
        return None


def read_facts(api: PrometheusAPI, metric_names: Sequence[str], at: float, lookback: float) -> ServerFacts:
    facts = ServerFacts(at=at, lookback=lookback)
    for name, entries in (api.metadata() or {}).items():
        if entries:
            facts.metadata[str(name)] = str(entries[0].get("type") or "unknown")
    for t in (api.targets() or {}).get("activeTargets") or []:
        labels = t.get("labels") or {}
        interval = _seconds(t.get("scrapeInterval")) if t.get("scrapeInterval") else None
        if interval:
            facts.intervals[(str(labels.get("job", "")), str(labels.get("instance", "")))] = interval
    for name in sorted(set(metric_names)):
        found = api.series("{__name__=" + quote(name) + "}", at - lookback, at) or []
        facts.series[name] = [{k: v for k, v in s.items() if k != "__name__"} for s in found]
    return facts


def events(api: PrometheusAPI, selector: str, at: float, lookback: float) -> float:
    """The events a counter selector counted over the lookback (0 when it has no series)."""
    found = api.vector(f"sum(increase({selector}[{Duration(int(lookback))}]))", at)
    return found[0].value if found else 0.0
