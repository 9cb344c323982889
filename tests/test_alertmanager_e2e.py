"""End to end with the real servers: an exporter (prometheus-client) → Prometheus evaluating a
generated rule file → Alertmanager with the obskit-built alertmanager.yml → local webhook receivers.

Proves that alerts reach the receivers the route tree names, that the generated inhibition rule
holds (an SLO's page suppresses its ticket, while another SLO's ticket still arrives) and a
hand-written one too (a critical alert suppresses the warning of the same alert and service, while
an unrelated warning arrives), and that the SLO alerts' annotations arrive rendered: burn rate and
error ratio of the real evaluation, the window pairs above their threshold, runbook and dashboard.
Runs on both pairs: Debian's Prometheus 2.42 + Alertmanager 0.25, and Prometheus 3.16.0 +
Alertmanager 0.35.0 (tests/servers.py finds, starts and always stops them)."""
from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from obskit import SLO, AlertingPolicy, presets
from obskit.compile.alertmanager import compile_alertmanager
from obskit.compile.ir import AlertingRule, RecordingRule, RuleFile, RuleGroup
from obskit.compile.slo import compile_slo
from obskit.duration import Duration
from obskit.model.alertmanager import Alertmanager, Inhibit, Receiver, Route, Webhook
from obskit.project import GrafanaSettings, Project, Settings
from obskit.render import alertmanager as am_render
from obskit.render import prometheus_rules
from obskit.verify import amtool
from servers import free_port, require, start_alertmanager, start_prometheus, versions

DEADLINE = 40.0          # seconds for every expected notification to arrive
QUIET = 4.0              # then this long with nothing unexpected (> group_wait + group_interval)


class _Inbox:
    def __init__(self):
        self.lock = threading.Lock()
        self.got = []   # (receiver, alertname, labels)
        self.annotations = {}   # (alertname, tier, slo) → annotations as notified

    def handler(self):
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with inbox.lock:
                    for a in body["alerts"]:
                        if a["status"] == "firing":
                            inbox.got.append((self.path.strip("/"), a["labels"]["alertname"], a["labels"]))
                            inbox.annotations[(a["labels"]["alertname"], a["labels"].get("obskit_tier", ""),
                                               a["labels"].get("obskit_slo", ""))] = a["annotations"]
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass
        return Handler

    def keys(self):
        with self.lock:
            return {(r, n, l.get("severity"), l.get("obskit_slo", "")) for r, n, l in self.got}


SETTINGS = Settings(grafana=GrafanaSettings(url="https://grafana.example.com"))


def _slo(name: str) -> SLO:
    return SLO(service="checkout", name=name, objective=99.9,
               sli=presets.prometheus_client_http_availability({"job": "checkout"}),
               runbook_url=f"https://runbooks.example.com/checkout/{name}",
               alerting=AlertingPolicy.workbook(ticket_severity="info"))


def _rules(slos) -> RuleFile:
    """The SLOs' generated tier alerts as obskit writes them (expression, labels, annotations), over
    error-ratio windows recorded from a gauge (every window reads the gauge, so the alerts fire at the
    first evaluation with a known error ratio); plus threshold alerts."""
    rules = []
    for slo in slos:
        c = compile_slo(slo, SETTINGS)
        alerts = [c.alert_for("page"), c.alert_for("ticket")]
        sel = f'{{obskit_service="checkout",obskit_slo="{slo.name}"}}'
        # every recorded series the alerts read: error-ratio windows from the ratio gauge, the bad-event
        # base rate as that ratio of the busy-traffic gauge (the page computes its windows inline from
        # the base rates, #18), anything else (all events, the counts a traffic guard reads) that gauge
        for record in sorted({n for a in alerts for n in re.findall(r"(slo:[a-z_]+:[a-z_0-9]+)\{", a.expr)}):
            if record.startswith("slo:sli_error:ratio_rate"):
                source = "obskit_e2e_error_ratio_slo" + sel
            elif record.startswith("slo:sli_errors:"):
                source = f"obskit_e2e_error_ratio_slo{sel} * obskit_e2e_events{sel}"
            else:
                source = "obskit_e2e_events" + sel
            rules.append(RecordingRule(record, source))
        rules += alerts
    rules += [
        AlertingRule("HighErrorRate", 'obskit_e2e_error_ratio{service="llm-gateway"} > 0.05',
                     labels=(("severity", "critical"),)),
        AlertingRule("HighErrorRate", 'obskit_e2e_error_ratio{service="llm-gateway"} > 0.01',
                     labels=(("severity", "warning"),)),
        AlertingRule("HighLatency", 'obskit_e2e_latency_p99_seconds{service="llm-gateway"} > 10',
                     labels=(("severity", "warning"),)),
    ]
    return RuleFile(name="e2e", groups=(RuleGroup(name="e2e", rules=tuple(rules), interval=Duration(1)),))


#: (Prometheus, Alertmanager) pairs: Debian's floor, and the current releases built by scripts/build-tools.sh
PAIRS = [(versions("prometheus")[0], versions("alertmanager")[0]), (versions("prometheus")[-1], versions("alertmanager")[-1])]


@pytest.mark.parametrize("prom_version, am_version", PAIRS, ids=[f"prometheus-{p}+alertmanager-{a}" for p, a in PAIRS])
def test_alerts_reach_receivers_and_inhibition_holds(tmp_path: Path, prom_version: str, am_version: str):
    prom_tool = require("prometheus", prom_version)
    am_tool = require("alertmanager", am_version)
    amtool_tool = require("amtool", am_version)
    start = time.monotonic()

    inbox = _Inbox()
    hook = ThreadingHTTPServer(("127.0.0.1", 0), inbox.handler())
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{hook.server_address[1]}"

    registry = CollectorRegistry()
    ratio = Gauge("obskit_e2e_error_ratio_slo", "error ratio", ["obskit_service", "obskit_slo"], registry=registry)
    ratio.labels("checkout", "availability").set(0.02)     # 20x the 0.1% budget: page and ticket fire
    ratio.labels("checkout", "latency").set(0.005)         # 5x: only the ticket fires, nothing inhibits it
    events = Gauge("obskit_e2e_events", "events per second", ["obskit_service", "obskit_slo"], registry=registry)
    for name in ("availability", "latency"):
        events.labels("checkout", name).set(100)
    Gauge("obskit_e2e_error_ratio", "errors", ["service"], registry=registry).labels("llm-gateway").set(0.08)
    Gauge("obskit_e2e_latency_p99_seconds", "p99", ["service"], registry=registry).labels("llm-gateway").set(12)
    exporter_port = free_port()
    exporter, _ = start_http_server(exporter_port, addr="127.0.0.1", registry=registry)

    # -- the Alertmanager configuration, built by obskit ----------------------------------------
    slos = (_slo("availability"), _slo("latency"))
    am = Alertmanager(
        route=Route(receiver="all", group_by=["..."], group_wait="1s", group_interval="1s", repeat_interval="1h",
                    routes=[Route(receiver="pager", matchers=['severity="critical"'], continue_=True),
                            Route(receiver="all")]),
        # threshold alerts carry no label of obskit's: their inhibition is written by hand
        inhibit_rules=[Inhibit(source=['alertname="HighErrorRate"', 'severity="critical"'],
                               target=['alertname="HighErrorRate"', 'severity="warning"'], equal=["service"])],
        receivers=[Receiver(name="pager", integrations=[Webhook(url=f"{hook_url}/pager")]),
                   Receiver(name="all", integrations=[Webhook(url=f"{hook_url}/all")])],
    )
    ir = compile_alertmanager(Project(root=tmp_path, definitions=(am,) + slos))
    assert len(ir.generated_inhibit_rules) == 1
    am_dir = tmp_path / "alertmanager"
    am_dir.mkdir()
    (am_dir / "alertmanager.yml").write_bytes(am_render.render(ir))
    check = amtool.check_config(am_dir / "alertmanager.yml", tool=amtool_tool)
    assert check.ok, check.output

    rules = tmp_path / "rules.yml"
    rules.write_bytes(prometheus_rules.render(_rules(slos)))
    am_port = free_port()
    prometheus_yml = f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: [{rules}]
alerting:
  alertmanagers: [{{static_configs: [{{targets: ['127.0.0.1:{am_port}']}}]}}]
scrape_configs:
  - job_name: e2e
    static_configs: [{{targets: ['127.0.0.1:{exporter_port}']}}]
"""

    servers = []
    try:
        servers.append(start_alertmanager(am_tool, tmp_path / "am", (am_dir / "alertmanager.yml").read_text(),
                                          port=am_port))
        servers.append(start_prometheus(prom_tool, tmp_path / "prom", prometheus_yml))
        am_url = servers[0].url
        # the servers are the versions of the pair (their own word for it)
        am_status = json.loads(urllib.request.urlopen(f"{am_url}/api/v2/status", timeout=5).read())
        assert am_status["versionInfo"]["version"].startswith(am_version), am_status["versionInfo"]
        build = json.loads(urllib.request.urlopen(f"{servers[1].url}/api/v1/status/buildinfo", timeout=5).read())
        assert build["data"]["version"].startswith(prom_version), build["data"]

        page_alert = compile_slo(slos[0]).alert_for("page").alert
        other_alert = compile_slo(slos[1]).alert_for("ticket").alert
        expected = {
            ("pager", page_alert, "critical", "availability"),     # page → pager and all
            ("all", page_alert, "critical", "availability"),
            ("all", other_alert, "info", "latency"),                # ticket of another SLO: not inhibited
            ("pager", "HighErrorRate", "critical", ""),
            ("all", "HighErrorRate", "critical", ""),
            ("all", "HighLatency", "warning", ""),                 # other alert name: not inhibited
        }
        inhibited = {("all", page_alert, "info", "availability"),  # ticket of the paging SLO
                     ("all", "HighErrorRate", "warning", "")}      # warning of the critical alert
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end and not expected <= inbox.keys():
            time.sleep(0.2)
        assert expected <= inbox.keys(), f"missing notifications: {sorted(expected - inbox.keys())}"
        time.sleep(QUIET)
        got = inbox.keys()
        assert not got & inhibited, f"inhibited alerts were notified: {sorted(got & inhibited)}"
        assert got == expected, f"unexpected notifications: {sorted(got - expected)}"

        # Alertmanager's own view: the two targets are suppressed, inhibited by their sources
        alerts = json.loads(urllib.request.urlopen(f"{am_url}/api/v2/alerts", timeout=5).read())
        suppressed = {(a["labels"]["alertname"], a["labels"]["severity"]) for a in alerts
                      if a["status"]["state"] == "suppressed" and a["status"]["inhibitedBy"]}
        assert suppressed == {(page_alert, "info"), ("HighErrorRate", "warning")}

        # the annotations arrive rendered from the real evaluation
        page = inbox.annotations[(page_alert, "page", "availability")]
        assert page["summary"] == "checkout availability SLO is burning its error budget at 20.0x (2% errors)"
        assert ("at 20.0x the rate that would spend it in 30d: 2% of events failed over the short window. "
                "Above their threshold now: 1h and 5m above 14.4x, 6h and 30m above 6x. The page fires at ") \
            in page["description"], page["description"]
        assert page["runbook_url"] == "https://runbooks.example.com/checkout/availability"
        assert page["dashboard_url"] == "https://grafana.example.com/d/slos-checkout"
        ticket = inbox.annotations[(other_alert, "ticket", "latency")]
        assert ticket["summary"] == "checkout latency SLO is burning its error budget at 5.0x (0.5% errors)"
        assert "Above their threshold now: 1d and 2h above 3x, 3d and 6h above 1x." in ticket["description"]
    finally:
        for server in reversed(servers):
            server.stop()
        exporter.shutdown()
        hook.shutdown()
    assert all(server.proc.poll() is not None for server in servers)
    assert time.monotonic() - start < 60
