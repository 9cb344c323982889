"""The alert math against the numbers of the SRE Workbook's "Alerting on SLOs" chapter."""
import pytest

from obskit import SLO, AlertingPolicy, At, RatioSLI, SLOScenario, healthy, outage, burn
from obskit.verify.runner import run_files

SLI = RatioSLI(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}')
# The Workbook's numbers are about the alert math, checked here at 10 s resolution on the raw window
# shape; the default pre-aggregated shape moves a crossing by at most half its 2m base window, which
# tests/test_window_shapes.py bounds to one evaluation interval.
SLO999 = SLO(service="api", name="availability", objective=99.9, sli=SLI, window_shape="raw")
# 6 h of history is enough for the page windows, not for the ticket's 1d and 3d windows, which
# would over-report on a series younger than themselves (see field notes): page tier only here.
PAGE_ONLY = SLO(service="api", name="availability", objective=99.9, sli=SLI, window_shape="raw",
                alerting=AlertingPolicy(ticket=None))


def windows(slo):
    return {(t.name, str(w.long)): w for t in slo.alerting.tiers for w in t.windows}


def test_table_5_8_budget_consumed_when_each_alert_fires():
    # budget spent when firing = factor × long window / period: 2 %, 5 %, 10 %, 10 %
    spent = {k: round(w.factor_for(SLO999.period) * w.long.seconds / SLO999.period.seconds, 4)
             for k, w in windows(SLO999).items()}
    assert spent == {("page", "1h"): 0.02, ("page", "6h"): 0.05, ("ticket", "1d"): 0.1, ("ticket", "3d"): 0.1}


def test_detection_times():
    page = SLO999.alerting.page
    # 100 % errors on a 99.9 % SLO is a 1000x burn: 1 h × 14.4 / 1000 = 51.84 s
    assert page.detection_time(SLO999.period, 1000) == pytest.approx(51.84)
    # a 10x burn cannot trip 14.4x; the 6 h window fires after 6 h × 6 / 10 = 3.6 h
    assert page.detection_time(SLO999.period, 10) == pytest.approx(3.6 * 3600)
    assert page.detection_time(SLO999.period, 5.9) is None
    # a 99.999 % SLO's budget dies in 26 s of full outage (30 days × 0.00001)
    assert 30 * 86400 * 0.00001 == pytest.approx(25.92)


def test_short_window_is_one_twelfth():
    assert {k: w.long.seconds // w.short.seconds for k, w in windows(SLO999).items()} == \
        {k: 12 for k in windows(SLO999)}


def test_full_outage_pages_after_52_seconds(promtool):
    """At 10 s resolution the page must be silent 50 s and firing 60 s after a full outage starts
    (the outage starts after the last healthy sample, at 6h10s)."""
    scenario = SLOScenario(
        name="workbook: 100% outage detected in 0.86 minutes", slo=PAGE_ONLY, interval="10s",
        phases=(healthy("6h10s"), outage("10m")),
        expect=(At(time="6h10s"), At(time="6h50s"), At(time="6h1m"), At(time="6h1m10s", firing=("page",))),
    )
    (result,) = run_files([scenario.test_file()])
    assert result.ok, result.describe()


def test_steady_2x_burn_tickets_after_36_hours(promtool):
    scenario = SLOScenario(
        name="workbook: 2x burn fires the 3d/1x ticket after 1.5 days", slo=SLO999, interval="5m",
        phases=(healthy("3d"), burn(2, "1d13h")),
        expect=(At(time="4d11h50m"), At(time="4d12h10m", firing=("ticket",))),
    )
    (result,) = run_files([scenario.test_file()])
    assert result.ok, result.describe()
