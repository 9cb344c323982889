"""`obskit check --prometheus` against real scraped targets (issue 17, item 3).

Two prometheus_client exporters on 127.0.0.1 (jobs ``shop`` and ``other``), scraped every second by a
real Prometheus of each tested version. The project's definitions hold the mistakes the check must
find, each at its definition's line, and correct definitions that must give nothing:

- a wrong errors selector: ``errors`` without total's ``job`` matcher, so it also counts job ``other``'s
  5xx (error: not a subset of total);
- a missing label: ``status`` instead of ``code`` (error: no series has it);
- a latency SLI over a counter (``job_duration_seconds`` is a counter; error);
- an errors selector that matches nothing while total has traffic (no 5xx yet: only a warning);
- a hand-written rule rating a 1 s-scraped series over 1 s (error), one reading a metric nobody exports
  (warning, with the close name), one under ``absent()`` (nothing), one that disables the finding
  with ``lint_disable`` (nothing);
- a dashboard panel with a missing label (error) and one with Grafana variables (nothing).
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

from servers import ROOT, free_port, get_json, require, start_prometheus

pytestmark = pytest.mark.tools

PROJECT = {
    "obskit.toml": "[project]\nscrape_interval = \"1s\"\nevaluation_interval = \"1s\"\n",
    "slos/shop.py": '''
from obskit import SLO, LatencySLI, RatioSLI

wrong_errors = SLO(service="shop", name="wrong-errors", objective=99.9,
                   sli=RatioSLI(total='http_requests_total{job="shop"}',
                                errors='http_requests_total{code=~"5.."}'))
missing_label = SLO(service="shop", name="missing-label", objective=99.9,
                    sli=RatioSLI(total='http_requests_total{job="shop"}',
                                 errors='http_requests_total{job="shop",status=~"5.."}'))
over_counter = SLO(service="shop", name="over-counter", objective=99,
                   sli=LatencySLI(histogram='job_duration_seconds{job="shop"}', threshold=0.5,
                                  buckets=(0.5, 1)))
no_errors_yet = SLO(service="shop", name="no-errors-yet", objective=99.9,
                    sli=RatioSLI(total='http_requests_total{job="shop"}',
                                 errors='http_requests_total{job="shop",code=~"5.."}'))
slow_scrape = SLO(service="batch", name="runs", objective=99,
                  sli=RatioSLI(total='batch_runs_total{job="batch"}',
                               errors='batch_runs_total{job="batch",result="failed"}'))
fine = SLO(service="shop", name="latency", objective=99,
           sli=LatencySLI(histogram='http_request_duration_seconds{job="shop"}', threshold=0.5,
                          buckets=(0.1, 0.5, 1)))
''',
    "alerts/shop.py": '''
from obskit.model.rules import AlertRule, RuleGroup

group = RuleGroup(name="shop-alerts", rules=(
    AlertRule(name="ShopTooShort", expr='rate(http_requests_total{job="shop"}[1s]) > 100',
              severity="ticket", summary="s", description="d", lint_disable=("rate-range-too-short",)),
    AlertRule(name="ShopTypo", expr='rate(http_request_totals{job="shop"}[5m]) > 100',
              severity="ticket", summary="s", description="d"),
    AlertRule(name="ShopGone", expr='absent(up{job="nothing-here"})',
              severity="ticket", summary="s", description="d"),
    AlertRule(name="ShopElsewhere", expr='rate(scraped_elsewhere_total[5m]) > 1', severity="ticket",
              summary="s", description="d", lint_disable=("live-metric-missing",)),
))
''',
    "dashboards/shop.py": '''
from obskit.model.dashboards import Dashboard

board = Dashboard({"title": "Shop", "uid": "shop-live", "panels": [
    {"type": "timeseries", "title": "By status", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
     "targets": [{"expr": 'sum by (status) (rate(http_requests_total{job="shop", status="500"}[5m]))'}]},
    {"type": "timeseries", "title": "Chosen job", "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
     "targets": [{"expr": 'sum(rate(http_requests_total{job="$job"}[$__rate_interval]))'}]},
]}, folder="Shop")
''',
}


def _write(tmp_path):
    root = tmp_path / "project"
    for rel, text in PROJECT.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def _line(root, rel, text):
    for i, line in enumerate((root / rel).read_text().splitlines(), 1):
        if text in line:
            return i
    raise AssertionError(f"{text!r} not in {rel}")


@pytest.fixture(scope="module")
def exporters():
    """Job shop: 200s and 404s, a duration counter, a real histogram; job other: 500s; job batch
    (scraped every 3 s): runs ok and failed."""
    ports = []
    for job in ("shop", "other", "batch"):
        reg = CollectorRegistry()
        requests = Counter("http_requests", "requests", ["code", "method"], registry=reg)
        if job == "shop":
            requests.labels("200", "GET").inc(1000)
            requests.labels("404", "GET").inc(10)
            Counter("job_duration_seconds", "seconds spent in jobs", registry=reg).inc(42)
            h = Histogram("http_request_duration_seconds", "latency", buckets=(0.1, 0.5, 1), registry=reg)
            for v in (0.05, 0.2, 0.7):
                h.observe(v)
        elif job == "other":
            requests.labels("500", "GET").inc(5)
        else:
            runs = Counter("batch_runs", "batch runs", ["result"], registry=reg)
            runs.labels("ok").inc(50)
            runs.labels("failed").inc(2)
        port = free_port()
        start_http_server(port, addr="127.0.0.1", registry=reg)
        ports.append((job, port, requests))
    return ports


def _config(ports) -> str:
    jobs = "".join(f"  - job_name: {job}\n    scrape_interval: {'3s' if job == 'batch' else '1s'}\n"
                   f"    static_configs:\n      - targets: ['127.0.0.1:{port}']\n" for job, port, _ in ports)
    return f"global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n{jobs}"


def _wait_up(url: str, jobs: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        active = get_json(f"{url}/api/v1/targets")["data"]["activeTargets"]
        if len(active) == jobs and all(t["health"] == "up" for t in active):
            return
        time.sleep(0.3)
    raise AssertionError(f"targets not up: {active}")


def _traffic(ports, seconds: float = 4.0) -> None:
    """Keep the counters moving so that increase() over the lookback sees events."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for job, _, requests in ports:
            if job != "batch":
                requests.labels("200" if job == "shop" else "500", "GET").inc(3)
        time.sleep(0.5)


@pytest.mark.parametrize("version", ["3.16", "2.42"])
def test_check_prometheus_finds_the_broken_selectors_at_their_definitions(tmp_path, exporters, version):
    prometheus = require("prometheus", version)
    root = _write(tmp_path)
    with start_prometheus(prometheus, tmp_path / "server", _config(exporters)) as server:
        _wait_up(server.url, 3)
        _traffic(exporters)
        r = subprocess.run([sys.executable, "-m", "obskit", "check", str(root), "--no-verify", "--prometheus",
                            server.url, "--output", "json", "--lookback", "1h"],
                           capture_output=True, text=True, cwd=str(ROOT), timeout=120)
    doc = json.loads(r.stdout)
    live = [d for d in doc["diagnostics"] if d["code"].startswith("live-")]
    got = {(d["code"], d["severity"], d["file"], d["line"]) for d in live}
    slos, alerts, boards = "slos/shop.py", "alerts/shop.py", "dashboards/shop.py"
    expected = {
        ("live-errors-not-subset", "error", slos, _line(root, slos, "errors='http_requests_total{code=~")),
        ("live-label-missing", "error", slos, _line(root, slos, "status=~")),
        ("live-latency-not-histogram", "error", slos, _line(root, slos, "histogram='job_duration_seconds")),
        ("live-errors-match-nothing", "warning", slos,
         _line(root, slos, "errors='http_requests_total{job=\"shop\",code=~")),
        ("live-rate-range-too-short", "error", alerts, _line(root, alerts, "ShopTooShort")),
        ("live-metric-missing", "warning", alerts, _line(root, alerts, "ShopTypo")),
        ("live-label-missing", "error", boards, _line(root, boards, "status=")),
        ("live-rate-range-too-short", "error", slos, _line(root, slos, "total='batch_runs_total")),
    }
    assert got == expected, json.dumps(live, indent=1)
    assert r.returncode == 2 and doc["exit_code"] == 2
    by_code = {d["code"]: d for d in live}
    assert "job=\"other\"" in by_code["live-errors-not-subset"]["message"]
    assert all("its labels: code, instance, job, method" in d["message"] for d in live
               if d["code"] == "live-label-missing")
    assert "http_requests_total" in by_code["live-metric-missing"]["hint"]                   # did you mean
    assert "counter" in by_code["live-latency-not-histogram"]["message"]
    assert by_code["live-errors-not-subset"]["object"] == "SLO shop/wrong-errors (ratio SLI errors)"
    slow = [d for d in live if d["code"] == "live-rate-range-too-short" and d["file"] == slos]
    assert slow[0]["object"] == "SLO batch/runs" and 'scrape_interval = "3s"' in slow[0]["hint"]
    assert "every 3s (job batch)" in slow[0]["message"]
    # metadata, targets, one series request per metric name, an event count per SLI with an empty errors selector
    names = {"http_requests_total", "job_duration_seconds_bucket", "job_duration_seconds_count", "batch_runs_total",
             "http_request_duration_seconds_bucket", "http_request_duration_seconds_count", "http_request_totals", "up",
             "scraped_elsewhere_total"}
    assert doc["prometheus"]["requests"] == 2 + len(names) + 1


def test_check_without_the_flag_sends_nothing_and_is_unchanged(tmp_path):
    root = _write(tmp_path)
    r = subprocess.run([sys.executable, "-m", "obskit", "check", str(root), "--no-verify", "--output", "json"],
                       capture_output=True, text=True, cwd=str(ROOT), timeout=120)
    doc = json.loads(r.stdout)
    assert "prometheus" not in doc
    assert not [d for d in doc["diagnostics"] if d["code"].startswith("live-")]
