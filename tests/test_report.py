"""obskit report: detection times measured by promtool agree with the SRE Workbook's formula."""
from __future__ import annotations

import json

import pytest

from conftest import run_cli

# A page tier of two windows kept short so that the test stays fast: 14.4x over 30m/5m and 6x over
# 90m/15m (1 % and 1.25 % of a 30-day budget); once with windows over the raw series (Sloth's shape)
# and once pre-aggregated (obskit's default).
SLO_FILE = '''
from obskit import SLO, AlertingPolicy, BurnWindow, RatioSLI, Tier

def api(name, shape):
    return SLO(service="api", name=name, objective=99.9, window_shape=shape,
               sli=RatioSLI(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}'),
               alerting=AlertingPolicy(ticket=None, page=Tier(name="page", severity="critical", windows=(
                   BurnWindow(long="30m", short="5m", budget_share=0.01),
                   BurnWindow(long="90m", short="15m", budget_share=0.0125)))))

raw = api("raw", "raw")
preaggregated = api("preaggregated", "preaggregated")
'''


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    from conftest import require_tool
    require_tool("promtool")
    root = tmp_path_factory.mktemp("project")
    (root / "slos").mkdir()
    (root / "slos" / "api.py").write_text(SLO_FILE)
    out = root / "report"
    r = run_cli("report", str(root), "--out", str(out), "--output", "json")
    assert r.returncode == 0, r.stderr
    assert "[8/8]" in r.stderr          # progress on stderr
    return json.loads(r.stdout), out


@pytest.mark.tools
@pytest.mark.parametrize("slo", ["api-raw", "api-preaggregated"])
def test_detection_matches_the_workbook_within_one_interval(measured, slo):
    """Raw windows: within one evaluation interval of long x factor / burn. Pre-aggregated windows
    take a step change in over their base window b (2 scrape intervals), which moves a crossing by
    at most b/2 more (obskit/compile/windows.py)."""
    from obskit.compile.windows import base_window
    data, _ = measured
    rows = [m for m in data["measurements"] if m["slo"] == slo]
    lag = 0 if slo == "api-raw" else base_window(60).seconds / 2
    assert [m["incident"] for m in rows] == ["100% outage", "14.4x burn", "6x burn", "2x burn"]
    period = 30 * 86400
    windows = ((1800, 14.4), (5400, 6.0))      # (long window, factor) of the page tier
    for m in rows:
        burn, step = m["burn"], m["evaluation_interval_seconds"]
        formula = min((long * f / burn for long, f in windows if burn >= f), default=None)
        assert m["workbook_detection_seconds"] == pytest.approx(formula) if formula else \
            m["workbook_detection_seconds"] is None
        if formula is None:
            assert m["detection_seconds"] is None, m
            continue
        assert -step <= m["detection_seconds"] - formula <= step + lag, m
        assert m["budget_at_detection"] == pytest.approx(burn * m["detection_seconds"] / period)
        # the short windows bound the reset time: the longest one (15m) plus one interval
        assert 0 <= m["reset_seconds"] <= 15 * 60 + step, m
    # the 14.4x page fires when 1 % of the budget is spent, the 6x one at 1.25 % (share of each window)
    assert rows[1]["budget_at_detection"] == pytest.approx(0.01, abs=0.0005)
    assert rows[2]["budget_at_detection"] == pytest.approx(0.0125, abs=0.0005)
    assert rows[3]["detection_seconds"] is None        # 2x is below both factors


@pytest.mark.tools
def test_writes_markdown_pngs_and_an_html_index(measured):
    data, out = measured
    md = (out / "report.md").read_text()
    assert "| page | 6x burn |" in md
    index = (out / "index.html").read_text()
    for m in data["measurements"]:
        png = out / m["plot"]
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 10_000           # four panels, not an empty canvas
        assert m["plot"] in index and m["plot"] in md
