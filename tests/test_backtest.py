"""obskit backtest without a server: the engine on synthetic samples (the Workbook's detection times,
the quiet-service guard, `by` groups, `for:`), incident scoring, the CLI's output and its errors."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from conftest import run_cli
from obskit import SLO, AlertingPolicy, RatioSLI
from obskit.compile.slo import compile_slo
from obskit.live.backtest.errors import BacktestError
from obskit.live.backtest.incidents import Incident, load_incidents
from obskit.live.backtest.rate import Dialect
from obskit.live.backtest.samples import make_series, read_openmetrics
from obskit.live.backtest.score import intervals, score
from obskit.live.backtest.windows import apply_for, evaluate
from obskit.project import Settings

DAY = 86400
T0 = 1_788_220_800


def _counters(minutes: int, rps: float, share, region: str = "", offset: int = 13):
    """200s and 500s counters (one sample a minute) with ``share(t)`` of errors per minute."""
    t = np.arange(minutes) * 60 + offset
    total = np.full(minutes, rps * 60.0)
    errors = total * np.array([share(x) for x in t])
    extra = {"region": region} if region else {}
    return [make_series("http_requests_total", {"code": "200", "job": "api", **extra}, (T0 + t) * 1000,
                        np.cumsum(total - errors)),
            make_series("http_requests_total", {"code": "500", "job": "api", **extra}, (T0 + t) * 1000,
                        np.cumsum(errors))]


def _slo(**kw):
    return SLO(service="api", name="availability", objective=99.9,
               sli=RatioSLI(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}',
                            by=kw.pop("by", ())), **kw)


def _replay(slo, series, start_minute: int, end_minute: int):
    c = compile_slo(slo)
    data = {str(slo.sli.total): series, str(slo.sli.errors): [s for s in series if s.label("code") == "500"]}
    return evaluate(c, data, (T0 + start_minute * 60) * 1000, (T0 + end_minute * 60) * 1000, dialect=Dialect(),
                    settings=Settings(), history_ms=(start_minute * 60 - 60) * 1000)


@settings(max_examples=12, deadline=None)
@given(burn=st.sampled_from([20.0, 50.0, 200.0, 1000.0]))
def test_page_detection_follows_the_workbook(burn):
    """A steady burn starting at T fires the page tier after min(long × factor / burn) (the 14.4x/1h and
    6x/6h windows), within one evaluation interval plus half the 2m base window."""
    start = 4 * 1440
    series = _counters(start + 600, 10, lambda x: burn * 0.001 if x > start * 60 else 0.0)
    ev = _replay(_slo(), series, start - 60, start + 600)
    page = next(a for a in ev.alerts if a.tier == "page")
    first = intervals(page)[0].start - (T0 + start * 60)
    expected = min(3600 * 14.4 / burn, 6 * 3600 * 6 / burn)
    assert abs(first - max(expected, 0)) <= 60 + 60 + 13, (burn, first, expected)


def test_quiet_service_guard_needs_two_errors():
    """At 6 requests an hour one failure is a 167x burn: the default guard keeps the page silent until
    a second failure is in the long window; min_events=0 pages on the first."""
    start, n = 4 * 1440, 4 * 1440 + 240
    hits = {start + 30: 1, start + 150: 1}       # minutes with one failed request

    def build():
        t = np.arange(n) * 60 + 13
        total = np.where(np.arange(n) % 10 == 0, 1.0, 0.0)
        errors = np.zeros(n)
        for m, k in hits.items():
            total[m], errors[m] = max(total[m], k), k
        return [make_series("http_requests_total", {"code": "200", "job": "api"}, (T0 + t) * 1000, np.cumsum(total - errors)),
                make_series("http_requests_total", {"code": "500", "job": "api"}, (T0 + t) * 1000, np.cumsum(errors))]

    guarded = next(a for a in _replay(_slo(), build(), start, n).alerts if a.tier == "page")
    unguarded = next(a for a in _replay(_slo(alerting=AlertingPolicy(min_events=0)), build(), start, n).alerts
                     if a.tier == "page")
    first_guarded = intervals(guarded)[0].start - T0
    assert first_guarded >= (start + 150) * 60                   # the second failure
    assert intervals(unguarded)[0].start - T0 < (start + 40) * 60   # the first one


def test_by_groups_alert_apart():
    start = 4 * 1440
    series = (_counters(start + 300, 5, lambda x: 0.05 if x > start * 60 else 0.0, region="eu")
              + _counters(start + 300, 5, lambda x: 0.0, region="us"))
    ev = _replay(_slo(by=("region",)), series, start, start + 300)
    page = next(a for a in ev.alerts if a.tier == "page")
    assert sorted(page.firing) == [("eu",), ("us",)]
    assert page.firing[("eu",)].any() and not page.firing[("us",)].any()


def test_absent_alert_waits_its_for():
    start = 4 * 1440
    series = [s.clipped(0, (T0 + (start + 100) * 60) * 1000) for s in _counters(start + 200, 10, lambda x: 0.0)]
    ev = _replay(_slo(), series, start, start + 200)
    absent = next(a for a in ev.alerts if a.tier == "absent")
    (first,) = intervals(absent)
    last_sample = (start + 99) * 60 + 13
    # gone from the lookback 5m after the last sample, then 10m pending
    assert last_sample + 300 + 600 <= first.start - T0 <= last_sample + 300 + 600 + 60


@given(st.lists(st.booleans(), min_size=1, max_size=60), st.integers(0, 5))
def test_for_fires_after_that_many_active_evaluations(active, k):
    fired = apply_for(np.array(active), 60_000, k * 60_000)
    for i, a in enumerate(active):
        run = 0
        while i - run >= 0 and active[i - run]:
            run += 1
        assert fired[i] == (a and run - 1 >= k)


def test_scoring_detection_missed_and_outside():
    start = 4 * 1440
    series = _counters(start + 2 * 1440, 10, lambda x: 0.05 if (start + 100) * 60 < x <= (start + 160) * 60 else 0.0)
    ev = _replay(_slo(), series, start, start + 2 * 1440)
    page = next(a for a in ev.alerts if a.tier == "page")
    incidents = (Incident(T0 + (start + 100) * 60, T0 + (start + 160) * 60, "real"),
                 Incident(T0 + (start + 1000) * 60, T0 + (start + 1100) * 60, "unseen"))
    s = score(page, ev, incidents, 2 * DAY)
    real, unseen = s.detections
    # a 50x burn: the 1h window crosses 14.4x after 1h x 14.4 / 50, having spent 2 % of the budget
    assert real.delay == pytest.approx(3600 * 14.4 / 50, abs=120)
    assert real.budget_spent == pytest.approx(0.02, abs=0.002)
    assert unseen.delay is None and s.missed == (incidents[1],)
    assert s.outside == () and s.per_week == pytest.approx(len(s.intervals) / (2 / 7))


def test_incident_files(tmp_path):
    y = tmp_path / "i.yml"
    y.write_text("incidents:\n  - {start: 2026-09-03T10:00:00Z, end: 2026-09-03T11:00:00Z, label: a}\n"
                 "  - {start: 1788480000, end: 1788483600}\n")
    a, b = load_incidents(y)
    assert (a.start, b.label) == (1788480000.0, "incident 2") or (b.start, a.label) == (1788480000.0, "a")
    c = tmp_path / "i.csv"
    c.write_text("start,end,label\n2026-09-03T10:00:00Z,2026-09-03T11:00:00Z,db\n")
    assert load_incidents(c)[0].label == "db"
    bad = tmp_path / "bad.yml"
    bad.write_text("- {start: 2026-09-03T10:00:00Z, end: 2026-09-03T11:00:00Z}\n- {start: yesterday, end: 1}\n")
    with pytest.raises(BacktestError, match=r"bad.yml:2: start 'yesterday' is not a time"):
        load_incidents(bad)
    bad.write_text("- {start: 2026-09-03T10:00:00Z, end: 2026-09-03T09:00:00Z}\n")
    with pytest.raises(BacktestError, match=r"bad.yml:1: the incident ends"):
        load_incidents(bad)
    c.write_text("begin,end\n1,2\n")
    with pytest.raises(BacktestError, match=r"i.csv:1: the CSV header"):
        load_incidents(c)


def test_openmetrics_reader(tmp_path):
    f = tmp_path / "s.om"
    f.write_text('# TYPE x counter\nx_total{a="1",b="q\\"uote"} 3 1788220800\nx_total{a="1",b="q\\"uote"} NaN 1788220860.5\n'
                 "up 1 1788220800\n# EOF\n")
    x, up = sorted(read_openmetrics(f), key=lambda s: s.metric, reverse=True)
    assert x.metric == "x_total" and dict(x.labels) == {"a": "1", "b": 'q"uote'}
    assert list(x.t) == [1788220800000, 1788220860500] and np.isnan(x.v[1])
    f.write_text("x_total{a=1} 3 1788220800\n")
    with pytest.raises(BacktestError, match=r"s.om:1: cannot read the labels"):
        read_openmetrics(f)
    f.write_text("x_total 3\n")
    with pytest.raises(BacktestError, match=r"s.om:1: the sample has no timestamp"):
        read_openmetrics(f)


@pytest.fixture(scope="module")
def cli_project(tmp_path_factory):
    import backtest_history as history
    root = tmp_path_factory.mktemp("shop")
    (root / "slos").mkdir()
    (root / "slos" / "shop.py").write_text(history.SLO_FILE)
    (root / "policies.py").write_text("from obskit import AlertingPolicy\nno_guard = AlertingPolicy(min_events=0)\n"
                                      "not_a_policy = 3\n")
    om = history.write(root / "history.om", days=8)
    inc = root / "incidents.yml"
    inc.write_text("".join(f"- {{start: {s}, end: {e}, label: '{label}'}}\n" for s, e, label in history.INCIDENTS))
    return root, om, inc


def _cli(root, om, *extra):
    return run_cli("backtest", str(root), "--samples", str(om), "--from", str(1788220800 + 4 * DAY),
                   "--to", str(1788220800 + 8 * DAY), *extra)


def test_cli_json_policies_and_report(cli_project, tmp_path):
    root, om, inc = cli_project
    r = _cli(root, om, "--incidents", str(inc), "--policy", "policies:no_guard", "--output", "json",
             "--report", str(tmp_path / "rep"))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["policies"] == ["project", "no_guard"]
    assert [(x["slo"], x["policy"]) for x in doc["results"]] == [
        ("shop-availability", "project"), ("shop-availability", "no_guard"),
        ("shop-latency", "project"), ("shop-latency", "no_guard")]
    page = doc["results"][0]["alerts"][0]
    assert page["tier"] == "page" and page["fired"] >= 1
    assert [i["label"] for i in page["incidents"] if i["detected"]] == ["errors 0.02"]   # the 20x burn of day 6
    assert page["outside_incidents"] == [] and page["missed"] == 0 and len(page["incidents"]) == 1  # in the span
    assert set(page) == {"tier", "alert", "evaluation_interval_seconds", "fired", "per_week", "firing_seconds",
                         "intervals", "incidents", "missed", "outside_incidents"}
    for name in ("index.html", "report.md", "backtest.json",
                 "plots/shop-availability-project.png", "plots/shop-latency-no-guard.png"):
        assert (tmp_path / "rep" / name).stat().st_size > 0
    again = _cli(root, om, "--incidents", str(inc), "--policy", "policies:no_guard", "--output", "json")
    assert again.stdout == r.stdout                     # deterministic


def test_cli_table(cli_project):
    root, om, inc = cli_project
    r = _cli(root, om, "--slo", "shop/availability", "--incidents", str(inc), "-q")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[1].split()[:4] == ["SLO", "policy", "alert", "fired"]
    assert lines[3].split()[:3] == ["shop-availability", "project", "page"] and lines[3].split()[6] == "1/1"
    assert "shop-latency" not in r.stdout


@pytest.mark.parametrize("extra, message", [
    (("--slo", "shop/nope"), "--slo shop/nope: no such SLO"),
    (("--policy", "policies:not_a_policy"), "not_a_policy is a int, not an AlertingPolicy"),
    (("--policy", "nomodule:x"), "cannot import 'nomodule'"),
    (("--incidents", "/nonexistent.yml"), "/nonexistent.yml: cannot read the incidents file"),
])
def test_cli_bad_input_exits_2(cli_project, extra, message):
    root, om, _ = cli_project
    r = _cli(root, om, *extra)
    assert r.returncode == 2 and message in r.stderr and r.stderr.count("\n") == 1, r.stderr


def test_cli_bad_times_and_sources(cli_project):
    root, om, _ = cli_project
    r = run_cli("backtest", str(root), "--samples", str(om), "--from", "yesterday", "--to", "now")
    assert r.returncode == 2 and "--from 'yesterday' is not a time" in r.stderr
    r = run_cli("backtest", str(root), "--samples", str(om), "--from", "now", "--to", "now-1d")
    assert r.returncode == 2 and "must be after" in r.stderr
    r = run_cli("backtest", str(root), "--from", "now-1d", "--to", "now")
    assert r.returncode == 2 and "give exactly one of --prometheus URL or --samples" in r.stderr


class _FakeAPI:
    """Answers range selectors from in-memory series with Prometheus 2's closed ranges, as the connection's
    ``query``/``get``/``rules`` return decoded ``data``."""

    def __init__(self, series, groups=()):
        self.series, self.groups, self.asked = series, groups, []

    def get(self, path, params=None):
        assert path == "/api/v1/status/buildinfo"
        return {"version": "2.42.0"}

    def rules(self):
        return {"groups": list(self.groups)}

    def query(self, expr, time):
        import re
        m = re.fullmatch(r"(.*)\[(\d+)s\]", expr)
        sel, reach = m.group(1), int(m.group(2))
        self.asked.append((time - reach, time))
        lo, hi = (time - reach) * 1000, time * 1000
        out = []
        for s in self.series:
            keep = (s.t >= lo) & (s.t <= hi)
            out.append({"metric": {"__name__": s.metric, **dict(s.labels)},
                        "values": [[t / 1000, repr(float(v))] for t, v in zip(s.t[keep], s.v[keep])]})
        return {"resultType": "matrix", "result": out}


def test_prometheus_source_chunks_and_joins():
    from obskit.live.backtest.fetch import MAX_POINTS, PrometheusSource
    from obskit.promql import Selector
    (s,) = _counters(40_000, 1, lambda x: 0.0)[:1]
    api = _FakeAPI([s])
    src = PrometheusSource(api, scrape_interval=60)
    assert src.dialect == Dialect(left_open=False, zero_clamp_last=False)      # from the server's version
    got = src.series(Selector.parse("http_requests_total"), int(s.t[0]), int(s.t[-1]))
    spans = api.asked
    assert len(spans) == 4 and all(hi - lo <= MAX_POINTS * 60 + 1 for lo, hi in spans)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))               # contiguous, shared boundary
    assert np.array_equal(got[0].t, s.t) and np.array_equal(got[0].v, s.v)   # boundary samples once


def test_server_phases_from_rule_groups():
    from obskit.live.backtest.fetch import server_phases
    api = _FakeAPI([], groups=[
        {"name": "obskit-slo-api-availability-sli", "interval": 60, "lastEvaluation": "2026-09-01T00:10:37.231456789Z"},
        {"name": "obskit-slo-api-availability-slow", "interval": 240, "lastEvaluation": "2026-09-01T00:13:00.5+00:00"},
        {"name": "other", "interval": 60, "lastEvaluation": "2026-09-01T00:10:01Z"},
        {"name": "obskit-slo-x-sli", "interval": 60, "lastEvaluation": "0001-01-01T00:00:00Z"}])
    got = server_phases(api, ["obskit-slo-api-availability-sli", "obskit-slo-api-availability-slow", "obskit-slo-x-sli"])
    assert got == {"obskit-slo-api-availability-sli": 37.231, "obskit-slo-api-availability-slow": 60.5}   # 780.5 s past a multiple of 240


@pytest.mark.tools
def test_samples_as_promtool_dumps_them(tmp_path):
    """A history written into a TSDB and dumped back with `promtool tsdb dump-openmetrics` reads as the
    same series (values, timestamps, labels) as the file it was made from."""
    import subprocess

    import backtest_history as history
    import backtest_server as bs
    import servers
    tool = servers.require("promtool", "3.16")
    om = history.write(tmp_path / "history.om", days=1)
    bs.backfill_raw(tool.path, om, tmp_path / "data")
    (tmp_path / "data" / "wal").mkdir()      # dump-openmetrics reads the WAL too: the empty one of a new server
    dump = subprocess.run([tool.path, "tsdb", "dump-openmetrics", str(tmp_path / "data")], capture_output=True,
                          text=True, check=True).stdout
    (tmp_path / "dump.om").write_text(dump)
    want, got = read_openmetrics(om), read_openmetrics(tmp_path / "dump.om")
    assert [(s.metric, s.labels) for s in got] == [(s.metric, s.labels) for s in want] and len(got) == 5
    for a, b in zip(want, got):
        assert np.array_equal(a.t, b.t) and np.array_equal(a.v, b.v)


@pytest.mark.tools
def test_cli_against_a_server_equals_the_file(cli_project, tmp_path):
    """`--prometheus URL` (the shared connection, chunked range selectors) gives the document `--samples`
    gives for the same history, on a real server."""
    import backtest_server as bs
    import servers
    root, om, inc = cli_project
    bs.backfill_raw(servers.require("promtool", "3.16").path, om, tmp_path / "data")
    prom = servers.require("prometheus", "3.16")
    with servers.start_prometheus(prom, tmp_path, "global:\n  evaluation_interval: 60s\n", args=[bs.RETENTION]) as s:
        live = _cli(root, om, "--incidents", str(inc), "--output", "json")      # --samples
        served = run_cli("backtest", str(root), "--prometheus", s.url, "--from", str(1788220800 + 4 * DAY),
                         "--to", str(1788220800 + 8 * DAY), "--incidents", str(inc), "--output", "json")
    assert live.returncode == 0 and served.returncode == 0, served.stderr
    a, b = json.loads(live.stdout), json.loads(served.stdout)
    assert a["semantics"] == b["semantics"] == "Prometheus 3 (left-open ranges)"
    assert a["source"] != b["source"]
    assert a["results"] == b["results"] and sum(x["fired"] for r in a["results"] for x in r["alerts"]) > 0


def test_cli_unreachable_server_exits_1(cli_project):
    import servers
    root, _, _ = cli_project
    r = run_cli("backtest", str(root), "--prometheus", f"http://127.0.0.1:{servers.free_port()}", "--from", "now-1d",
                "--to", "now", "--timeout", "5")
    assert r.returncode == 1 and "unreachable" in r.stderr and r.stderr.count("\n") == 1, r.stderr


def test_inline_windows_are_computed_at_the_alerts_evaluations():
    """The page alert computes its windows inline (#18): the replay computes them at the page's own
    evaluations from the base rates, not from the 5m/1h windows the slow group records every 4m; the
    ticket reads the windows its own group records just before it (6h moved there from -sli)."""
    from obskit.live.backtest.windows import _Replay, schedules
    start = 4 * 1440
    series = _counters(start + 240, 10, lambda x: 20 * 0.001 if x > start * 60 + 1800 else 0.0)
    slo, settings_ = _slo(), Settings()
    c = compile_slo(slo, settings_)
    data = {str(slo.sli.total): series, str(slo.sli.errors): [s for s in series if s.label("code") == "500"]}
    begin, end = (T0 + (start - 60) * 60) * 1000, (T0 + (start + 240) * 60) * 1000
    slow = next(g.name for g in c.groups() if g.name.endswith("-slow"))
    r = _Replay(c, data, Dialect(), settings_, {slow: 97.0})
    r.record_base(begin - 3 * DAY * 1000, end)
    page, ticket = r.tier("page", begin, end), r.tier("ticket", begin, end)
    sched = schedules(c, settings_.evaluation_interval, {slow: 97.0})
    assert sched[id(c.alert_for("page"))].interval_s == 60 and sched["slo:sli_error:ratio_rate5m"].interval_s == 240
    short = page.windows[0].short_ratio[()]
    assert np.array_equal(short, r.ratio(slo.alerting.page.windows[0].short, page.times)[()], equal_nan=True)
    seen_recorded = r.ratio_seen(slo.alerting.page.windows[0].short, sched[id(c.alert_for("page"))], page.times)[()]
    assert not np.array_equal(short, seen_recorded, equal_nan=True)   # the 4m-old record would differ
    six_hours = ticket.windows[1].short_ratio[()]
    assert ticket.step_ms == 240_000
    assert np.array_equal(six_hours, r.ratio(slo.alerting.ticket.windows[1].short, ticket.times)[()], equal_nan=True)
