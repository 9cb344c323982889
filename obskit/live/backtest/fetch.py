"""Where raw samples come from: a Prometheus server's query API, or an OpenMetrics sample file.

Both give :class:`~obskit.live.backtest.samples.Series` for a selector over a time span, raw samples
as stored (never the server's own rate or step-aligned values), so every window is computed locally.

The server is asked ``/api/v1/query`` of a range selector (``selector[<span>s]`` at the span's end),
which returns the stored samples. Spans are cut so that no series returns more than
:data:`MAX_POINTS` samples at the project's scrape interval (Prometheus refuses more than 11,000 points
per series in a range query; a raw range selector is bounded only by ``--query.max-samples``, but the
same bound keeps each answer small). Successive spans share their boundary: Prometheus 2's closed ranges
return a sample on it twice, and :func:`~obskit.live.backtest.samples.make_series` keeps one.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from obskit.live.backtest.rate import Dialect
from obskit.live.backtest.samples import Series, make_series, read_openmetrics, select
from obskit.promql import Selector

#: Samples per series per request.
MAX_POINTS = 10_000


@dataclass
class Clock:
    """Seconds spent fetching, for the benchmark's query / compute split."""

    seconds: float = 0.0
    requests: int = 0


class FileSource:
    """Samples from an OpenMetrics file, read once."""

    def __init__(self, path: "str | Path", dialect: Optional[Dialect] = None):
        self.path = Path(path)
        self.clock = Clock()
        started = time.perf_counter()
        self._series = read_openmetrics(self.path)
        self.clock.seconds += time.perf_counter() - started
        self.dialect = dialect or Dialect()

    def describe(self) -> str:
        return f"{self.path} ({len(self._series)} series)"

    def series(self, selector: Selector, start_ms: int, end_ms: int) -> List[Series]:
        return [s.clipped(start_ms, end_ms) for s in select(self._series, selector)]


@dataclass
class PrometheusSource:
    """Samples from a server, through the shared connection (:mod:`obskit.live.connection`)."""

    api: object                            # PrometheusAPI: .query(expr, time) and .get(path, params)
    url: str = ""
    scrape_interval: int = 60              # seconds: how many samples a span holds
    dialect: Optional[Dialect] = None
    clock: Clock = field(default_factory=Clock)
    version: str = ""

    def __post_init__(self):
        if self.dialect is None:
            self.version = self._version()
            self.dialect = Dialect.for_version(self.version) if self.version else Dialect()

    def _version(self) -> str:
        started = time.perf_counter()
        try:
            data = self.api.get("/api/v1/status/buildinfo", {})
        except Exception:                   # noqa: BLE001 - an old or proxied server: assume the newest
            return ""
        finally:
            self.clock.seconds += time.perf_counter() - started
        return str((data or {}).get("version", "")) if isinstance(data, dict) else ""

    def describe(self) -> str:
        return f"{self.url or 'Prometheus'}" + (f" (Prometheus {self.version})" if self.version else "")

    def spans(self, start_ms: int, end_ms: int) -> List[Tuple[int, int]]:
        """(start, end) in whole seconds, each at most MAX_POINTS scrape intervals long."""
        step = max(1, MAX_POINTS * self.scrape_interval)
        start, end = start_ms // 1000, -(-end_ms // 1000)
        out, at = [], start
        while at < end:
            out.append((at, min(end, at + step)))
            at += step
        return out or [(start, end)]

    def series(self, selector: Selector, start_ms: int, end_ms: int) -> List[Series]:
        gathered: Dict[Tuple, Tuple[str, dict, list, list]] = {}
        started = time.perf_counter()
        try:
            for lo, hi in self.spans(start_ms, end_ms):
                # the first span reaches one second further back: a left-open range excludes its start
                reach = hi - lo + (1 if lo == start_ms // 1000 else 0)
                data = self.api.query(f"{selector}[{reach}s]", hi)
                self.clock.requests += 1
                for item in _matrix(data, selector):
                    labels = dict(item.get("metric", {}))
                    metric = labels.pop("__name__", selector.metric)
                    key = (metric, tuple(sorted(labels.items())))
                    entry = gathered.setdefault(key, (metric, labels, [], []))
                    for stamp, value in item.get("values", ()):
                        entry[2].append(int(round(float(stamp) * 1000)))
                        entry[3].append(float(value))
        finally:
            self.clock.seconds += time.perf_counter() - started
        found = [make_series(metric, labels, t, v) for metric, labels, t, v in gathered.values()]
        return sorted((s.clipped(start_ms, end_ms) for s in found), key=lambda s: (s.metric, s.labels))


def _matrix(data, selector: Selector) -> Sequence[dict]:
    from obskit.live.backtest.errors import BacktestError
    if not isinstance(data, dict) or data.get("resultType") != "matrix":
        kind = data.get("resultType") if isinstance(data, dict) else type(data).__name__
        raise BacktestError(f"the server answered the range query of {selector} with a {kind}, not a matrix")
    return data.get("result") or ()


def server_phases(api, group_names) -> Dict[str, float]:
    """Seconds past the interval's multiples at which the server runs each of ``group_names`` (from
    ``/api/v1/rules``: its last evaluation), for the groups it runs; {} when it runs none of them or
    cannot say. A live server shifts every group by a hash of its name and file."""
    from datetime import datetime
    wanted, out = set(group_names), {}
    try:
        data = api.rules()
    except Exception:                        # noqa: BLE001 - the phase is a refinement, never a failure
        return {}
    for g in (data or {}).get("groups", []) if isinstance(data, dict) else []:
        name, last, interval = g.get("name"), str(g.get("lastEvaluation", "")), g.get("interval")
        if name not in wanted or not interval or last.startswith("0001"):
            continue
        stamp = last.replace("Z", "+00:00")
        head, _, frac = stamp.partition(".")
        if frac:                             # nanoseconds: fromisoformat takes six digits at most
            digits = "".join(c for c in frac if c.isdigit())
            zone = frac[len(digits):]
            stamp = f"{head}.{digits[:6]}{zone}"
        try:
            seconds = datetime.fromisoformat(stamp).timestamp()
        except ValueError:
            continue
        out[name] = round(seconds % float(interval), 3)
    return out
