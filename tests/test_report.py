"""obskit report: detection times measured by promtool agree with the SRE Workbook's formula."""
from __future__ import annotations

import json

import pytest

from conftest import run_cli

SLO_FILE = '''
from obskit import SLO, AlertingPolicy, RatioSLI
api = SLO(service="api", name="availability", objective=99.9,
          sli=RatioSLI(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}'),
          alerting=AlertingPolicy(ticket=None))
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
    assert "[4/4]" in r.stderr          # progress on stderr
    return json.loads(r.stdout), out


@pytest.mark.tools
def test_detection_matches_the_workbook_within_one_interval(measured):
    data, _ = measured
    rows = data["measurements"]
    assert [m["incident"] for m in rows] == ["100% outage", "14.4x burn", "6x burn", "2x burn"]
    period = 30 * 86400
    windows = ((3600, 14.4), (6 * 3600, 6.0))      # (long window, factor) of the page tier
    for m in rows:
        burn, step = m["burn"], m["evaluation_interval_seconds"]
        formula = min((long * f / burn for long, f in windows if burn >= f), default=None)
        assert m["workbook_detection_seconds"] == pytest.approx(formula) if formula else \
            m["workbook_detection_seconds"] is None
        if formula is None:
            assert m["detection_seconds"] is None, m
            continue
        assert abs(m["detection_seconds"] - formula) <= step, m
        assert m["budget_at_detection"] == pytest.approx(burn * m["detection_seconds"] / period)
        # the short windows bound the reset time: the longest one (30m) plus one interval
        assert 0 <= m["reset_seconds"] <= 30 * 60 + step, m
    # the 14.4x page fires when 2 % of the budget is spent (Workbook table 5-8)
    assert rows[1]["budget_at_detection"] == pytest.approx(0.02, abs=0.0005)


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
