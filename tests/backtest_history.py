"""A 30-day history for the backtest tests: one service's request counters and latency histogram,
scraped every minute (13 s past the minute, as a real scrape is off the evaluation grid).

Steady traffic (10 requests/s, 0.02 % errors, 0.3 % slower than 300 ms) with, on fixed days:

- a full outage (15 min), a 20x error burn (3 h), a ramp from 0 to 15x over 8 h, a 4x burn (30 h)
  and a 100x burn (30 min); a latency incident (40 % slow for 1 h) and a 4x latency burn (20 h);
- a counter reset (the process restarts: every counter back to 0);
- a scrape gap (40 min without samples);
- a quiet stretch (one day at ~7 requests an hour, with single errors and one burst of 3).

:data:`INCIDENTS` are the incidents as an incidents file would give them. The generator is
deterministic (fixed seed).
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import numpy as np

START = 1_788_220_800          # 2026-09-01T00:00:00Z
DAYS = 30
STEP = 60
OFFSET = 13                    # seconds past the minute of every scrape
DAY, HOUR, MINUTE = 86400, 3600, 60
RPS = 10.0
ERROR_SHARE, SLOW_SHARE = 0.0002, 0.003

SLO_FILE = '''
from obskit import SLO, LatencySLI, RatioSLI

availability = SLO(service="shop", name="availability", objective=99.9,
                   sli=RatioSLI(total='http_requests_total{job="shop"}',
                                errors='http_requests_total{job="shop",code=~"5.."}'))
latency = SLO(service="shop", name="latency", objective=99,
              sli=LatencySLI(histogram='http_request_duration_seconds{job="shop"}', threshold=0.3,
                             buckets=(0.1, 0.3, 1)))
'''

#: (start offset, duration, error share) of the error incidents; the ramp is written apart
ERROR_BURNS = ((2 * DAY + 10 * HOUR, 15 * MINUTE, 1.0),
               (6 * DAY + 14 * HOUR, 3 * HOUR, 0.02),
               (17 * DAY, 30 * HOUR, 0.004),
               (27 * DAY + 9 * HOUR, 30 * MINUTE, 0.1))
RAMP = (11 * DAY + 2 * HOUR, 8 * HOUR, 0.015)
SLOW_BURNS = ((8 * DAY + 20 * HOUR, HOUR, 0.4), (14 * DAY + 6 * HOUR, 20 * HOUR, 0.04))
RESET_AT = 20 * DAY + 12 * HOUR
GAP = (22 * DAY + 6 * HOUR, 40 * MINUTE)
QUIET = (24 * DAY, DAY)

INCIDENTS: Tuple[Tuple[int, int, str], ...] = tuple(sorted(
    [(START + s, START + s + d, f"errors {share:g}") for s, d, share in ERROR_BURNS]
    + [(START + RAMP[0], START + RAMP[0] + RAMP[1], "ramp")]
    + [(START + s, START + s + d, f"slow {share:g}") for s, d, share in SLOW_BURNS]))


def _shares(t: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Error and slow shares at each offset from START."""
    err = np.full(len(t), ERROR_SHARE)
    for s, d, share in ERROR_BURNS:
        err[(t > s) & (t <= s + d)] = share
    s, d, top = RAMP
    inside = (t > s) & (t <= s + d)
    err[inside] = np.maximum(ERROR_SHARE, top * (t[inside] - s) / d)
    slow = np.full(len(t), SLOW_SHARE)
    for s, d, share in SLOW_BURNS:
        slow[(t > s) & (t <= s + d)] = share
    return err, slow


def counts(days: int = DAYS, seed: int = 17):
    """Per scrape: offsets (s from START, the scrape times), and the per-interval increments of
    requests, errors and slow requests."""
    rng = np.random.default_rng(seed)
    t = np.arange(0, days * DAY, STEP) + OFFSET
    err_share, slow_share = _shares(t)
    rps = np.full(len(t), RPS)
    quiet = (t > QUIET[0]) & (t <= QUIET[0] + QUIET[1])
    rps[quiet] = 7 / 3600
    requests = rng.poisson(rps * STEP).astype(float)
    errors = rng.binomial(requests.astype(int), np.minimum(err_share, 1.0)).astype(float)
    if quiet.any():                        # single errors, and one burst of 3 in 20 minutes
        q = np.flatnonzero(quiet)
        errors[q] = 0
        for k, n in ((60, 1), (400, 1), (700, 1), (900, 1), (901, 1), (905, 1), (1300, 1)):
            requests[q[k]] = max(requests[q[k]], n)
            errors[q[k]] = n
    slow = rng.binomial(requests.astype(int), slow_share).astype(float)
    return t, requests, errors, slow


def write(path: Path, days: int = DAYS) -> Path:
    """The history as OpenMetrics (``# EOF`` last), as `promtool tsdb create-blocks-from openmetrics` reads it."""
    t, requests, errors, slow = counts(days)
    keep = ~((t > GAP[0]) & (t <= GAP[0] + GAP[1]))
    reset = np.flatnonzero(t > RESET_AT)[0] if (t > RESET_AT).any() else len(t)

    def counter(increments: np.ndarray) -> np.ndarray:
        total = np.cumsum(increments)
        if reset < len(total):
            total[reset:] -= total[reset - 1]       # the restart: counting from 0 again
        return total

    good_fast = requests - slow
    series: List[Tuple[str, str, np.ndarray]] = [
        ("http_requests_total", 'code="200",job="shop"', counter(requests - errors)),
        ("http_requests_total", 'code="500",job="shop"', counter(errors)),
        ("http_request_duration_seconds_bucket", 'job="shop",le="0.3"', counter(good_fast)),
        ("http_request_duration_seconds_bucket", 'job="shop",le="+Inf"', counter(requests)),
        ("http_request_duration_seconds_count", 'job="shop"', counter(requests)),
    ]
    stamps = (START + t[keep]).astype(np.int64)
    lines = ["# TYPE http_requests counter"]
    for name, labels, values in series:
        if name.startswith("http_request_duration"):
            lines.append("# TYPE http_request_duration_seconds histogram") if labels.endswith('"0.3"') else None
        lines.extend(f"{name}{{{labels}}} {v:.0f} {s}" for v, s in zip(values[keep], stamps))
    lines.append("# EOF")
    path = Path(path)
    path.write_text("\n".join(lines) + "\n")
    return path
