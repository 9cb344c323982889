"""Integer ``le`` end to end, per Prometheus version, with the real server (issue 13, item 2).

A real Prometheus of each version (Debian's 2.42 floor, 3.5 LTS, newest 3.x) scrapes two exporters
on 127.0.0.1 that count the same requests in a classic histogram with integer-valued buckets (1, 5):

- ``client``: prometheus_client's own exporter (own CollectorRegistry), which writes ``le="1.0"``;
- ``literal``: a tiny text exposition server written here that writes ``le="1"``, as Go clients do.

Each job has an obskit LatencySLI SLO with its threshold at the bucket 1, compiled by obskit into a
rule file the server evaluates every second. The test asserts, through the server's HTTP API:

- the stored ``le`` values: 2.42 keeps what was exposed (``"1"`` and ``"1.0"``), 3.x stores ``"1.0"``
  for both, so a rule matching ``le="1"`` finds nothing under 3.x for a Go-style exporter (the trap);
- the SLO's recorded error ratio is 0 while every request is fast and the right value (1 slow in
  4 → 0.25) once requests get slow, for both exporters (obskit's ``le`` matcher reads both forms);
- the SLO's page alert is inactive while healthy and fires when requests are slow.
"""
from __future__ import annotations

import dataclasses
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Histogram, start_http_server

from obskit import SLO, AlertingPolicy
from obskit.compile import conventions as conv
from obskit.compile.ir import RuleFile
from obskit.compile.slo import compile_slo
from obskit.model.policy import BurnWindow, Tier
from obskit.model.sli import LatencySLI
from obskit.project import Settings
from obskit.render import prometheus_rules
from servers import free_port, get_json, require, start_prometheus, versions

METRIC = "obskit_it_request_duration_seconds"
BUCKETS = (1, 5)
SLOW_SHARE = 0.25          # in the slow phase, 1 request in 4 takes 2 s
WAIT = 20.0                # seconds for a condition to show in the server


class _Traffic:
    """Requests observed into both exporters: a prometheus_client Histogram and plain counters
    that the literal exporter writes as text with ``le="1"``."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.hist = Histogram(METRIC, "request duration", buckets=BUCKETS, registry=self.registry)
        self.lock = threading.Lock()
        self.fast = self.slow = 0
        self.slow_phase = False
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            pattern = (0.2, 0.3, 0.4, 2.0) if self.slow_phase else (0.2, 0.3, 0.4, 0.5)
            with self.lock:            # the prometheus_client exporter takes no lock of ours: close enough
                for v in pattern:
                    self.hist.observe(v)
                    if v <= 1:
                        self.fast += 1
                    else:
                        self.slow += 1
            time.sleep(0.05)

    def exposition(self) -> bytes:
        with self.lock:
            fast, slow = self.fast, self.slow
        total = fast + slow
        return (f"# HELP {METRIC} request duration\n# TYPE {METRIC} histogram\n"
                f'{METRIC}_bucket{{le="1"}} {fast}\n{METRIC}_bucket{{le="5"}} {total}\n'
                f'{METRIC}_bucket{{le="+Inf"}} {total}\n{METRIC}_count {total}\n'
                f"{METRIC}_sum {fast * 0.35 + slow * 2.0}\n").encode()


def _literal_server(traffic: _Traffic) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = traffic.exposition()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _slo(job: str) -> SLO:
    """Latency SLO at the bucket 1 with one short page window (8 s / 4 s, factor 1 over a 10 % budget)."""
    return SLO(service=f"it-{job}", name="latency", objective=90,
               sli=LatencySLI(histogram=f'{METRIC}{{job="{job}"}}', threshold=1, buckets=BUCKETS),
               alerting=AlertingPolicy(page=Tier(name="page", severity="critical",
                                                 windows=(BurnWindow(long="8s", short="4s", factor=1),)),
                                       ticket=None, absent_for=None))


def _query(url: str, expr: str) -> list:
    body = get_json(f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    assert body["status"] == "success", body
    return body["data"]["result"]


def _wait_for(what: str, check, server, timeout: float = WAIT):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        last = check()
        if last is True:
            return
        time.sleep(0.25)
    pytest.fail(f"{what} (last seen: {last!r}); server log:\n{server.log_tail()}", pytrace=False)


@pytest.mark.parametrize("version", versions("prometheus"))
def test_integer_le_latency_slo_records_and_pages(tmp_path: Path, version: str):
    tool = require("prometheus", version)
    started = time.monotonic()
    traffic = _Traffic()
    pump = threading.Thread(target=traffic.run, daemon=True)
    pump.start()
    client_port = free_port()
    client, _ = start_http_server(client_port, addr="127.0.0.1", registry=traffic.registry)
    literal = _literal_server(traffic)

    settings = Settings(scrape_interval=1, evaluation_interval=1)
    compiled = {job: compile_slo(_slo(job), settings) for job in ("client", "literal")}
    rules = tmp_path / "rules.yml"
    rules.write_bytes(prometheus_rules.render(
        # every group every second: the page's windows are recorded in the 4m slow group (#18, the page
        # computes them inline), which this test reads as the recorded error ratio
        RuleFile(name="it", groups=tuple(dataclasses.replace(g, interval=None)
                                         for c in compiled.values() for g in c.groups()))))
    config = f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: [{rules}]
scrape_configs:
  - job_name: client
    static_configs: [{{targets: ['127.0.0.1:{client_port}']}}]
  - job_name: literal
    static_configs: [{{targets: ['127.0.0.1:{literal.server_address[1]}']}}]
"""
    server = None
    try:
        server = start_prometheus(tool, tmp_path / "prom", config)
        build = get_json(f"{server.url}/api/v1/status/buildinfo")["data"]["version"]
        assert build.startswith(version), build

        # -- the stored le values: the trap is real -----------------------------------------------
        def stored():
            got = {(s["metric"]["job"], s["metric"]["le"]) for s in _query(server.url, f"{METRIC}_bucket")}
            return True if {j for j, _ in got} == {"client", "literal"} else got
        _wait_for("both exporters scraped", stored, server)
        le = {(s["metric"]["job"], s["metric"]["le"]) for s in _query(server.url, f"{METRIC}_bucket")}
        if version.startswith("2."):
            expected = {("client", "1.0"), ("client", "5.0"), ("client", "+Inf"),
                        ("literal", "1"), ("literal", "5"), ("literal", "+Inf")}
        else:   # 3.x normalises le at scrape: le="1" is stored as le="1.0"
            expected = {(j, v) for j in ("client", "literal") for v in ("1.0", "5.0", "+Inf")}
        assert le == expected, f"Prometheus {version} stored le values {sorted(le)}"
        literal_exact = _query(server.url, f'{METRIC}_bucket{{job="literal",le="1"}}')
        assert bool(literal_exact) == version.startswith("2."), (
            f'le="1" on the literal exporter under {version}: {literal_exact}')

        # -- healthy: the recorded error ratio is 0 (present, not empty), the page is not firing ----
        # the page's short window (4 s): it reaches the slow phase's ratio first
        ratio_record = {job: conv.error_ratio_record(c.slo.alerting.page.windows[0].short)
                        + conv.slo_series_selector(c.series_labels) for job, c in compiled.items()}
        alerts = {job: c.alert_for("page").alert for job, c in compiled.items()}

        def ratios():
            out = {}
            for job, expr in ratio_record.items():
                res = _query(server.url, expr)
                out[job] = float(res[0]["value"][1]) if res else None
            return out

        def healthy():
            r = ratios()
            return True if all(v == 0 for v in r.values()) else r
        _wait_for("the error ratio recorded as 0 while healthy", healthy, server)
        firing = _query(server.url, 'ALERTS{alertstate="firing",obskit_tier="page"}')
        assert not firing, firing

        # -- slow: 1 request in 4 over the threshold → error ratio 0.25, the page fires ---------------
        traffic.slow_phase = True
        shown = time.monotonic()

        def slow():
            r = ratios()
            return True if all(v is not None and abs(v - SLOW_SHARE) < 0.02 for v in r.values()) else r
        _wait_for(f"the error ratio recorded as {SLOW_SHARE} once requests are slow", slow, server)

        def paged():
            got = {s["metric"]["alertname"] for s in
                   _query(server.url, 'ALERTS{alertstate="firing",obskit_tier="page",severity="critical"}')}
            return True if got == set(alerts.values()) else got
        _wait_for("both page alerts firing", paged, server)
        assert time.monotonic() - shown < 15
    finally:
        traffic.stop.set()
        if server is not None:
            server.stop()
        client.shutdown()
        literal.shutdown()
    assert time.monotonic() - started < 40
