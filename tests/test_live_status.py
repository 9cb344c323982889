"""`obskit status` against real Prometheus servers (issue 17, item 2), 3.16 and Debian's 2.42 floor.

- Drift: a server loading the rule files `obskit build` wrote (one expression re-spelt: other matcher
  order, spacing, ``120s`` for ``2m``) is in sync, exit 0; after one alert's threshold is changed, one
  group dropped and one added on the server and the server reloaded, status reports exactly that
  drift, exit 3.
- Budgets: a server backfilled (``promtool tsdb create-blocks-from openmetrics``) with a 7-day history
  generated here. SLO ``pay`` has raw counters only (its rules run but have recorded nothing over the
  history): every figure is computed from the raw SLI and equals what this file computes from the same
  samples (the increase between the first and last sample in each window: Prometheus' extrapolation is
  the same factor for every series, so it cancels in the ratio); its budget is exhausted, exit 4.
  SLO ``shop`` also has obskit's recorded series over the whole history: status reads those (values
  that differ from its raw counters), ``source`` says so.
- Alerts: a service failing every request, scraped every second; once the page fires on the server,
  status lists it under its SLO (text and JSON) and the raw budget is spent.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from servers import ROOT, get_json, require, start_prometheus

pytestmark = pytest.mark.tools

VERSIONS = ["3.16", "2.42"]

SLOS = '''
from obskit import SLO, LatencySLI, RatioSLI

availability = SLO(service="shop", name="availability", objective=99.9, period="7d",
                   sli=RatioSLI(total='http_requests_total{job="shop"}',
                                errors='http_requests_total{job="shop",code=~"5.."}'))
latency = SLO(service="shop", name="latency", objective=99, period="7d",
              sli=LatencySLI(histogram='http_request_duration_seconds{job="shop"}', threshold=0.3,
                             buckets=(0.1, 0.3, 1)))
pay = SLO(service="pay", name="availability", objective=99.9, period="7d",
          sli=RatioSLI(total='http_requests_total{job="pay"}', errors='http_requests_total{job="pay",code=~"5.."}'))
'''
ALERTS = '''
from obskit.model.rules import AlertRule, RuleGroup

group = RuleGroup(name="shop-alerts", rules=(
    AlertRule(name="ShopDown", expr='up{job="shop"} == 0', for_="5m", severity="critical",
              summary="shop is down", description="the shop target does not answer"),
))
'''


def _build(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for rel, text in {"slos/shop.py": SLOS, "alerts/shop.py": ALERTS}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    r = subprocess.run([sys.executable, "-m", "obskit", "build", str(root), "--no-verify"], capture_output=True,
                       text=True, cwd=str(ROOT), timeout=300)
    assert r.returncode == 0, r.stderr
    return root


def _install_rules(root: Path, workdir: Path) -> Path:
    rules = workdir / "rules"
    rules.mkdir(parents=True, exist_ok=True)
    for f in sorted((root / "build" / "prometheus" / "rules").glob("*.yml")):
        shutil.copy(f, rules / f.name)
    return rules


CONFIG = "global:\n  evaluation_interval: 1m\nrule_files:\n  - rules/*.yml\n"


def _groups(url: str):
    return {g["name"]: g for g in get_json(f"{url}/api/v1/rules")["data"]["groups"]}


def _wait(predicate, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _status(root: Path, url: str, *extra: str):
    r = subprocess.run([sys.executable, "-m", "obskit", "status", str(root), "--prometheus", url, "--output", "json",
                        *extra], capture_output=True, text=True, cwd=str(ROOT), timeout=300)
    assert r.stdout, r.stderr
    return r.returncode, json.loads(r.stdout)


def _edit(path: Path, change) -> None:
    doc = yaml.safe_load(path.read_text())
    change(doc["groups"])
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def _rule(groups, group: str, name: str) -> dict:
    g = next(g for g in groups if g["name"] == group)
    return next(r for r in g["rules"] if r.get("record") == name or r.get("alert") == name)


@pytest.mark.parametrize("version", VERSIONS)
def test_status_reports_in_sync_then_exactly_the_drift(tmp_path, version):
    prometheus = require("prometheus", version)
    root = _build(tmp_path)
    work = tmp_path / "server"
    rules = _install_rules(root, work)

    def respell(groups):       # formatting only: not drift
        r = _rule(groups, "obskit-slo-shop-availability-sli", "slo:sli_total:rate2m")
        assert r["expr"] == 'sum(rate(http_requests_total{job="shop"}[2m]))'
        r["expr"] = 'sum (\n  rate( http_requests_total{ job = "shop" } [120s] )\n)'
    _edit(rules / "shop.yml", respell)
    with start_prometheus(prometheus, work, CONFIG, args=("--web.enable-lifecycle",)) as server:
        _wait(lambda: len(_groups(server.url)) == 7, "the rule groups to load")
        code, doc = _status(root, server.url)
        assert (code, doc["exit_code"], doc["drift"]) == (0, 0, False), json.dumps(doc["rules"], indent=1)
        assert sorted(doc["rules"]["groups_in_sync"]) == sorted(_groups(server.url))
        assert doc["rules"]["groups"] == []

        def drift(groups):
            page = _rule(groups, "obskit-slo-shop-availability-sli", "ShopAvailabilityBudgetBurn")
            factor = re.search(r"\(([0-9.]+) \* 0\.001\)", page["expr"]).group(1)     # 3.36 at 7 days
            page["expr"] = page["expr"].replace(f"({factor} * 0.001)", "(15 * 0.001)", 1)
            assert factor != "15"
            groups[:] = [g for g in groups if g["name"] != "obskit-slo-shop-latency-slow"]
            groups.append({"name": "obskit-slo-shop-legacy-sli", "rules": [{"record": "slo:legacy:ratio",
                                                                            "expr": "vector(1)"}]})
        _edit(rules / "shop.yml", drift)
        with urllib.request.urlopen(urllib.request.Request(f"{server.url}/-/reload", method="POST"), timeout=10):
            pass
        _wait(lambda: "obskit-slo-shop-legacy-sli" in _groups(server.url), "the reload")
        code, doc = _status(root, server.url)
        text = subprocess.run([sys.executable, "-m", "obskit", "status", str(root), "--prometheus", server.url],
                              capture_output=True, text=True, cwd=str(ROOT), timeout=300)
    assert (code, doc["exit_code"], doc["drift"], doc["budget_exhausted"]) == (3, 3, True, False)
    got = {(g["group"], g["status"]): g for g in doc["rules"]["groups"]}
    assert set(got) == {("obskit-slo-shop-availability-sli", "changed"), ("obskit-slo-shop-latency-slow", "missing"),
                        ("obskit-slo-shop-legacy-sli", "extra")}
    changed = got[("obskit-slo-shop-availability-sli", "changed")]
    assert changed["changes"] == []
    assert [(r["rule"], r["status"], [c["field"] for c in r["changes"]]) for r in changed["rules"]] == \
        [("alert ShopAvailabilityBudgetBurn", "changed", ["expr"])]
    change = changed["rules"][0]["changes"][0]
    assert "(3.36 * 0.001)" in change["built"] and "(15 * 0.001)" in change["server"]
    assert change["built"].replace("(3.36 * 0.001)", "(15 * 0.001)", 1) == change["server"]
    assert changed["file"] == "slos/shop.py" and changed["line"] == 4
    assert got[("obskit-slo-shop-legacy-sli", "extra")]["server_file"].endswith("shop.yml")
    assert len(doc["rules"]["groups_in_sync"]) == 5
    assert text.returncode == 3
    assert "group obskit-slo-shop-latency-slow: missing on the server  [slos/shop.py:7]" in text.stdout
    assert "(15 * 0.001)" in text.stdout and "rules drifted" in text.stdout.splitlines()[-1]


# --------------------------------------------------------------------------- the backfilled history
MINUTE, HOUR, DAY = 60, 3600, 86400
OFFSET = 13                      # scrapes 13 s past the minute: never on a window boundary
START_COUNT = 100_000            # counters start high: Prometheus' extrapolation then never stops at zero


def _history(end: int):
    """Samples (name, labels, [(t, value)]) of 7 days + 2 hours before ``end`` (a whole minute)."""
    times = list(range(end - 7 * DAY - 2 * HOUR + OFFSET, end, MINUTE))
    out = []
    for job, rpm, err_rpm, incident in (("pay", 100, 20, (end - 14 * HOUR, end - 90 * MINUTE)),
                                        ("shop", 600, 0, (0, 0))):
        ok = err = START_COUNT
        good, bad = [], []
        for t in times:
            erring = incident[0] <= t < incident[1]
            ok += rpm - (err_rpm if erring else 0)
            err += err_rpm if erring else 0
            good.append((t, ok))
            bad.append((t, err))
        out.append(("http_requests_total", {"job": job, "code": "200"}, good))
        out.append(("http_requests_total", {"job": job, "code": "500"}, bad))
    return out


#: what shop's recorded series hold over the whole history (its raw counters have no errors at all)
SHOP_RECORDED = {"5m": 0.0001, "30m": 0.0002, "1h": 0.0003, "2h": 0.0004, "6h": 0.0005, "1d": 0.0006,
                 "3d": 0.0007, "7d": 0.0003}


def _recorded(end: int):
    labels = {"obskit_service": "shop", "obskit_slo": "availability"}
    fast = list(range(end - 7 * DAY - 2 * HOUR + OFFSET, end, MINUTE))
    slow = fast[::4]               # the slow group's 4m interval: every window is recorded there
    out = [(f"slo:sli_error:ratio_rate{w}", labels, [(t, v) for t in slow]) for w, v in SHOP_RECORDED.items()]
    out.append(("slo:period_error_budget_remaining:ratio", labels, [(t, 0.7) for t in slow]))
    return out


def _openmetrics(series) -> str:
    lines, typed = [], set()
    for name, labels, samples in series:
        family, kind = (name[: -len("_total")], "counter") if name.endswith("_total") else (name, "gauge")
        if family not in typed:
            typed.add(family)
            lines.append(f"# TYPE {family} {kind}")
        sel = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        lines += [f"{name}{{{sel}}} {v} {t}" for t, v in samples]
    return "\n".join(lines) + "\n# EOF\n"


def _expected_ratio(series, job: str, at: int, window: int) -> float:
    """errors / total over (at - window, at], from the samples: the increase between the first and the
    last sample of each series in the window."""
    def increase(code):
        (_, _, samples), = [s for s in series if s[1] == {"job": job, "code": code}]
        inside = [v for t, v in samples if at - window < t <= at]
        return inside[-1] - inside[0]
    errors = increase("500")
    return errors / (errors + increase("200"))


@pytest.mark.parametrize("version", VERSIONS)
def test_status_budgets_from_a_backfilled_history(tmp_path, version):
    prometheus, promtool = require("prometheus", version), require("promtool", version)
    root = _build(tmp_path)
    work = tmp_path / "server"
    _install_rules(root, work)
    at = int(time.time()) // MINUTE * MINUTE - HOUR        # the history ends an hour ago: no overlap with the head
    raw = _history(at)
    (work / "history.om").write_text(_openmetrics(raw + _recorded(at)))
    r = subprocess.run([promtool.path, "tsdb", "create-blocks-from", "openmetrics", "history.om", "data"],
                       capture_output=True, text=True, cwd=str(work), timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    with start_prometheus(prometheus, work, CONFIG, args=("--storage.tsdb.retention.time=30d",)) as server:
        _wait(lambda: len(_groups(server.url)) == 7, "the rule groups to load")
        code, doc = _status(root, server.url, "--at", str(at))
    assert (code, doc["exit_code"], doc["budget_exhausted"], doc["drift"]) == (4, 4, True, False)
    slos = {(s["service"], s["slo"]): s for s in doc["slos"]}

    pay = slos[("pay", "availability")]
    (series,) = pay["series"]
    for f in series["windows"]:
        want = _expected_ratio(raw, "pay", at, f["seconds"])
        assert f["source"] == "raw"
        assert f["error_ratio"] == pytest.approx(want, rel=1e-9, abs=1e-15), f["window"]
        assert f["burn_rate"] == pytest.approx(want / 0.001, rel=1e-9, abs=1e-12)
    period = _expected_ratio(raw, "pay", at, 7 * DAY)
    assert 0.01 < period < 0.02 and any(f["error_ratio"] > 0 for f in series["windows"] if f["window"] == "2h")
    assert series["budget_remaining"] == pytest.approx(1 - period / 0.001, rel=1e-9)
    assert series["budget_remaining"] < 0 and pay["exhausted"] and series["budget_source"] == "raw"
    assert any("recorded this SLO for 0s" in n for n in pay["notes"])

    shop = slos[("shop", "availability")]
    (series,) = shop["series"]
    assert {f["window"]: (f["source"], f["error_ratio"]) for f in series["windows"]} == \
        {w: ("recorded", v) for w, v in SHOP_RECORDED.items()}
    assert series["budget_remaining"] == pytest.approx(1 - 0.0003 / 0.001) and not shop["exhausted"]
    assert shop["notes"] == []
    assert doc["requests"] <= 2 + 1 + 8 + 3 * 8                         # the documented bound


# --------------------------------------------------------------------------- alerts firing now
FIRING_PROJECT = {
    "obskit.toml": "[project]\nscrape_interval = \"1s\"\nevaluation_interval = \"1s\"\n",
    "slos/api.py": '''
from obskit import SLO, RatioSLI

broken = SLO(service="api", name="availability", objective=99.9,
             sli=RatioSLI(total='api_requests_total{job="api"}', errors='api_requests_total{job="api",code="500"}'))
''',
}


@pytest.mark.parametrize("version", VERSIONS)
def test_status_lists_the_obskit_alerts_firing_now(tmp_path, version):
    """Every request fails: the page tier fires within seconds (the pre-aggregated windows average the
    little history there is), status lists it under its SLO, and the raw 30-day budget is spent."""
    from prometheus_client import CollectorRegistry, Counter, start_http_server
    from servers import free_port
    prometheus = require("prometheus", version)
    root = tmp_path / "project"
    for rel, text in FIRING_PROJECT.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    r = subprocess.run([sys.executable, "-m", "obskit", "build", str(root), "--no-verify"], capture_output=True,
                       text=True, cwd=str(ROOT), timeout=300)
    assert r.returncode == 0, r.stderr
    work = tmp_path / "server"
    _install_rules(root, work)
    reg = CollectorRegistry()
    failures = Counter("api_requests", "requests", ["code"], registry=reg).labels("500")
    port = free_port()
    start_http_server(port, addr="127.0.0.1", registry=reg)
    config = ("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - rules/*.yml\n"
              f"scrape_configs:\n  - job_name: api\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n")

    def page_firing(url):
        failures.inc(10)
        alerts = get_json(f"{url}/api/v1/alerts")["data"]["alerts"]
        return any(a["labels"].get("obskit_tier") == "page" and a["state"] == "firing" for a in alerts)

    with start_prometheus(prometheus, work, config) as server:
        _wait(lambda: page_firing(server.url), "the page to fire", timeout=90)
        code, doc = _status(root, server.url)
        text = subprocess.run([sys.executable, "-m", "obskit", "status", str(root), "--prometheus", server.url],
                              capture_output=True, text=True, cwd=str(ROOT), timeout=300).stdout
    block = text.split("SLO api/availability", 1)[1].split("\nrules:", 1)[0]
    assert "FIRING: ApiAvailabilityBudgetBurn {" in block and 'obskit_tier="page"' in block
    assert "budget left -99900.0% (raw) EXHAUSTED" in block
    pages = [a for a in doc["alerts"] if a["labels"].get("obskit_tier") == "page"]
    assert pages and pages[0]["state"] == "firing" and pages[0]["alert"] == "ApiAvailabilityBudgetBurn"
    assert (pages[0]["service"], pages[0]["slo"]) == ("api", "availability")
    (slo,) = doc["slos"]
    (series,) = slo["series"]
    assert series["budget_source"] == "raw" and series["budget_remaining"] == pytest.approx(1 - 1 / 0.001)
    assert slo["exhausted"] and (code, doc["exit_code"], doc["drift"]) == (4, 4, False)
    assert {f["window"]: f["error_ratio"] for f in series["windows"]}["5m"] == pytest.approx(1.0)
