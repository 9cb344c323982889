"""Pre-aggregated and raw window shapes make the same alert decisions, within one evaluation
interval, on the scenario set (real promtool); and the pre-aggregated shape is the default."""
from dataclasses import replace

import pytest

from obskit import SLO, AlertingPolicy, RatioSLI, burn, healthy, outage
from obskit.compile.slo import compile_slo
from obskit.duration import Duration
from obskit.verify.equivalence import compare, firing_steps
from obskit.verify.timeline import Phase

SLI = dict(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}')


def slo(shape):
    return SLO(service="api", name="availability", objective=99.9, window_shape=shape, sli=RatioSLI(**SLI),
               alerting=AlertingPolicy(ticket=None))


SCENARIOS = {
    "fast burn": (healthy("7h"), burn(20, "2h"), healthy("1h")),
    "slow burn": (healthy("7h"), burn(8, "5h"), healthy("1h")),
    "outage and recovery": (healthy("7h"), outage("20m"), healthy("1h")),
    "below threshold": (healthy("7h"), burn(5, "7h")),
    # busy hours then quiet ones (10x less traffic), errors at 7x the budget share throughout
    "uneven traffic": (healthy("7h"), Phase(Duration(8 * 3600), 50, burn=7), Phase(Duration(4 * 3600), 5, burn=7)),
}


def test_default_shape_is_preaggregated():
    c = compile_slo(SLO(service="api", name="a", objective=99.9, sli=RatioSLI(**SLI)))
    assert c.window_rules[0].record == "slo:sli_errors:rate2m"
    assert "sum_over_time(slo:sli_errors:rate2m" in c.window_rules[-1].expr


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_same_decisions_within_one_interval(name, promtool):
    phases = SCENARIOS[name]
    e = Duration(60)
    raw = firing_steps(compile_slo(slo("raw")), "page", phases, e)
    pre = firing_steps(compile_slo(slo("preaggregated")), "page", phases, e)
    if name == "below threshold":
        assert raw == [] and pre == []
    else:
        assert raw, "the scenario must make the raw shape fire"
    assert compare(raw, pre, e.seconds) == [], (raw[:3], raw[-3:], pre[:3], pre[-3:])
    if raw:   # first and last firing steps agree within one interval
        assert abs(raw[0] - pre[0]) <= e.seconds and abs(raw[-1] - pre[-1]) <= e.seconds


def test_compare_reports_what_only_one_side_fires():
    assert compare([600, 660], [660, 720], 60) == []
    assert compare([600, 660], [900], 60) == [600, 660, 900]
    assert compare([], [60], 60) == [60]
