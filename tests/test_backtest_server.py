"""`obskit backtest` against what a real Prometheus computes from obskit's generated rules.

A 30-day history (tests/backtest_history.py: steady traffic, incidents of several shapes, a counter
reset, a scrape gap, a quiet stretch) is backfilled into a real server; the recording rules the alerts
read are backfilled level by level with the server's own promtool, and every alert expression is read
with range queries (tests/backtest_server.py). The backtest fetches the raw series from the same server
through the query API and computes everything locally. Every alert (page, ticket, absent) of both SLOs
must fire in the same intervals, every edge within one evaluation interval of its group, on Prometheus
3.16 and on Debian's 2.42.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import backtest_history as history
import backtest_server as bs
import servers
from obskit.compile.slo import compile_slo
from obskit.live.backtest.fetch import PrometheusSource
from obskit.live.backtest.run import backtest
from obskit.live.backtest.score import intervals
from obskit.live.backtest.windows import apply_for, schedules
from obskit.live.connection import PrometheusAPI
from obskit.loader import load_project

RULES_FROM = history.START + 600                 # the recording rules from the history's first minutes
FROM = history.START + 4 * history.DAY           # so that the longest window (3d) is full from here
TO = history.START + history.DAYS * history.DAY
CONFIG = "global:\n  evaluation_interval: 60s\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("shop")
    (root / "slos").mkdir()
    (root / "slos" / "shop.py").write_text(history.SLO_FILE)
    return load_project(root)


@pytest.fixture(scope="module")
def raw_blocks(tmp_path_factory):
    """The raw history as TSDB blocks, written once by Debian's promtool (2.42 blocks: both servers read them)."""
    tool = servers.require("promtool", "2.42")
    work = tmp_path_factory.mktemp("raw")
    om = history.write(work / "history.om")
    bs.backfill_raw(tool.path, om, work / "data")
    return work / "data"


def _server(version: str, raw: Path, project, work: Path):
    """A server of ``version`` holding the raw history and the backfilled recording rules."""
    prom, tool = servers.require("prometheus", version), servers.require("promtool", version)
    data = work / "data"
    shutil.copytree(raw, data)
    compiled = [compile_slo(s, project.settings) for s in project.slos]
    for level in bs.rule_levels(bs.alert_groups(compiled)):
        with servers.start_prometheus(prom, work, CONFIG, args=[bs.RETENTION]) as s:
            bs.backfill_rules(tool.path, s.url, level, RULES_FROM, TO, work, data, project.settings.evaluation_interval)
    return servers.start_prometheus(prom, work, CONFIG, args=[bs.RETENTION]), compiled


def _phases(api, compiled, evaluation_interval):
    """Seconds past the interval's multiples at which the backfiller evaluated each group."""
    out = {}
    for c in compiled:
        for g in c.groups():
            records = [r.record for r in g.rules if hasattr(r, "record")]
            interval = g.interval.seconds if g.interval else evaluation_interval
            for record in records:
                sel = "{" + ",".join(f'{k}="{v}"' for k, v in c.series_labels) + "}"
                got = api.query(f"{record}{sel}[{interval * 3}s]", TO)["result"]
                if got:
                    out[g.name] = float(got[0]["values"][-1][0]) % interval
                    break
    return out


def _server_firing(api, c, phases, evaluation_interval):
    """{tier: firing bool array on the engine's grid} as the server evaluates each alert."""
    sched = schedules(c, evaluation_interval, phases)
    out = {}
    for tier, rule in list(c.tier_alerts) + [("absent", c.absent_alert)]:
        s = sched[id(rule)]
        T = s.times(FROM * 1000, TO * 1000)
        got = bs.firing(lambda path, params: api.get(path, params), rule.expr, T[0] / 1000, T[-1] / 1000, s.interval_s)
        active = np.isin(T, [int(round(t * 1000)) for ts in got.values() for t in ts])
        out[tier] = (T, apply_for(active, s.interval_s * 1000, rule.for_.seconds * 1000 if rule.for_ else 0))
    return out


def _runs(T, fired):
    edges = np.diff(np.concatenate(([0], fired.astype(np.int8), [0])))
    return [(T[a] / 1000, T[b] / 1000) for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1)]


@pytest.mark.tools
@pytest.mark.parametrize("version", ["3.16", "2.42"])
def test_firing_intervals_equal_the_servers(version, project, raw_blocks, tmp_path):
    server, compiled = _server(version, raw_blocks, project, tmp_path)
    with server:
        api = PrometheusAPI(server.url, timeout=120)
        e = project.settings.evaluation_interval
        phases = _phases(api, compiled, e)
        assert len(phases) == 4                        # both SLOs' -sli and -slow groups were backfilled
        source = PrometheusSource(api, url=server.url, scrape_interval=project.settings.scrape_interval)
        assert source.dialect.left_open == version.startswith("3")
        bt = backtest(project, source, project.slos, FROM, TO, phases=phases)
        # 34 days of samples in spans of 10,000 points: 5 each for total and errors (one query: errors is
        # matched under total), the latency _count and the le="0.3" bucket
        assert source.clock.requests == 3 * 5
        seen = set()
        for c, r in zip(compiled, bt.replayed):
            want = _server_firing(api, c, phases, e)
            for trace, sc in zip(r.evaluation.alerts, r.scores):
                T, server_fired = want[trace.tier]
                assert np.array_equal(T, trace.times)
                mine = [(i.start, i.end) for i in intervals(trace)]
                theirs = _runs(T, server_fired)
                step = trace.step_ms / 1000
                assert len(mine) == len(theirs), (c.slo.id, trace.tier, mine, theirs)
                for (a, b), (x, y) in zip(mine, theirs):
                    assert abs(a - x) <= step and abs(b - y) <= step, (c.slo.id, trace.tier, (a, b), (x, y))
                seen.add((c.slo.id, trace.tier, len(mine)))
    # the history exercises every alert: each fires at least once (the absent alert in the scrape gap)
    assert {(slo, tier) for slo, tier, n in seen if n} == {
        (s, t) for s in ("shop-availability", "shop-latency") for t in ("page", "ticket", "absent")}
