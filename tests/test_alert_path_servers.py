"""The whole alert path with real servers, per platform (issue #19 item 4): every Prometheus file the
repository builds runs on 127.0.0.1 with its own rule files, external labels and alert relabelling;
the built Alertmanager routing tree routes what they send; a webhook stands for every receiver.
Each platform's critical alert must reach exactly its receivers, and no notification may reach
another platform's receivers. Once per installed Prometheus (2.42 and 3.x), with the Alertmanager of
the same generation (0.25 with 2.42, the newest with 3.x).

What the copies change, and why:

* scrape configs: Kubernetes discovery cannot run here, so each job becomes one static target on a
  closed 127.0.0.1 port with the job's name and the namespace its discovery is limited to. Every
  scrape fails: ``up`` is 0 for every job, which is what the platforms' critical "down" alerts read
  (the simulator's ``absent(up == 1)``, the gateway's ``up == 0``, the marketplace's
  ``sum by (job) (up{namespace=...}) == 0``, high-production's and the observatory's). Relabel
  steps read Kubernetes meta labels and are left out, as is ``remote_write`` (no Thanos here).
* intervals: 1s scrape and evaluation, group ``interval`` and rule ``for`` removed (the timing of
  each alert is proven by ``obskit test``; this test proves where alerts go), Alertmanager
  ``group_wait`` 1s, Prometheus' ``--rules.alert.resend-delay`` 1s. Matchers, ``continue``, receivers' names and the tree are the built ones; each
  receiver's integrations become one webhook to ``/<receiver name>``.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

import servers
from obskit.build import render_project
from obskit.compile.deployment import compile_deployment
from obskit.loader import load_project

ROOT = Path(__file__).resolve().parent.parent

#: each platform's critical alert and exactly the receivers it must reach (alerts/routing.py)
CRITICAL = {
    "llm-simulator": ("LLMSimulatorUnavailable", {"llm-simulator-pagerduty", "llm-simulator-email",
                                                  "llm-simulator-webhook", "llm-simulator-slack"}),
    "llm-gateway": ("PodDown", {"llm-gateway-pagerduty"}),
    "llm-marketplace": ("MarketplaceServiceDown", {"llm-marketplace-pagerduty"}),
    "high-production": ("ValidationApiDown", {"high-production-pagerduty"}),
    "llm-observatory": ("LLMObservatoryCollectorDown", {"llm-observatory-pagerduty"}),
}
DEADLINE = 45.0


@pytest.fixture(scope="module")
def built():
    project = load_project(ROOT)
    return render_project(project), compile_deployment(project)


class Webhook:
    """Every receiver's stand-in: records (receiver, alert labels) of each notification."""

    def __init__(self):
        self.received = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                for alert in body.get("alerts", []):
                    outer.received.append((self.path.strip("/"), alert["labels"]))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def receivers_of(self, alertname: str):
        return {r for r, labels in self.received if labels.get("alertname") == alertname}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def alertmanager_config(built_yaml: bytes, hook: str) -> str:
    doc = yaml.safe_load(built_yaml)
    doc["global"] = {"resolve_timeout": doc.get("global", {}).get("resolve_timeout", "5m")}
    doc.pop("templates", None)
    doc["receivers"] = [{"name": r["name"], "webhook_configs": [{"url": f"{hook}/{r['name']}",
                                                                 "send_resolved": False}]}
                        for r in doc["receivers"]]

    def fast(route):
        if "group_wait" in route or route is doc["route"]:
            route["group_wait"] = "1s"
        for child in route.get("routes", []):
            fast(child)
    fast(doc["route"])
    return yaml.safe_dump(doc, sort_keys=False)


def rules_copy(files: dict, directory: Path) -> None:
    for rel, data in files.items():
        if rel.startswith("prometheus/rules/") and rel.endswith(".yml"):
            doc = yaml.safe_load(data)
            for g in doc.get("groups", []):
                g.pop("interval", None)
                for r in g.get("rules", []):
                    r.pop("for", None)
                    r.pop("keep_firing_for", None)
            (directory / "rules").mkdir(parents=True, exist_ok=True)
            (directory / "rules" / Path(rel).name).write_text(yaml.safe_dump(doc, sort_keys=False))


def prometheus_config(built_yaml: bytes, evaluator, am: str) -> str:
    doc = yaml.safe_load(built_yaml)
    glob = doc.setdefault("global", {})
    glob.update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    if "alerting" in doc:
        for entry in doc["alerting"].get("alertmanagers", []):
            entry["static_configs"] = [{"targets": [am]}]
            for key in ("scheme", "path_prefix", "timeout"):
                entry.pop(key, None)
    doc.pop("remote_write", None)
    namespaces = {s.job_name: s.namespaces for s in evaluator.scraped}
    jobs = []
    for job in doc.get("scrape_configs", []):
        static = {"targets": [f"127.0.0.1:{servers.free_port()}"]}     # nothing listens: up == 0
        if namespaces.get(job["job_name"]):
            static["labels"] = {"namespace": namespaces[job["job_name"]][0]}
        jobs.append({"job_name": job["job_name"], "static_configs": [static]})
    doc["scrape_configs"] = jobs
    return yaml.safe_dump(doc, sort_keys=False)


def _why(platform, alert, hook, am, proms) -> str:
    """What each server saw, for a failure message."""
    lines = [f"{platform}: {alert} reached {sorted(hook.receivers_of(alert))}; "
             f"{len(hook.received)} notification(s) in all"]
    try:
        lines.append(f"alertmanager holds {len(servers.get_json(am.url + '/api/v2/alerts'))} alert(s)")
    except OSError as exc:
        lines.append(f"alertmanager: {exc}")
    for p in proms:
        try:
            firing = servers.get_json(p.url + "/api/v1/alerts")["data"]["alerts"]
            lines.append(f"{p.workdir.name}: {len(firing)} alert(s) " + ", ".join(sorted({a['labels']['alertname'] for a in firing}))[:300])
        except OSError as exc:
            lines.append(f"{p.workdir.name}: {exc}")
    return "\n".join(lines) + "\nalertmanager log:\n" + am.log_tail(15)


def _pairs():
    proms = servers.versions("prometheus")
    ams = servers.versions("alertmanager")
    return [(v, ams[0] if v.startswith("2.") else ams[-1]) for v in proms]


@pytest.mark.parametrize("prometheus,alertmanager", _pairs())
def test_each_platforms_critical_alert_reaches_exactly_its_receivers(prometheus, alertmanager, built, tmp_path):
    files, deployment = built
    prom_tool = servers.require("prometheus", prometheus)
    am_tool = servers.require("alertmanager", alertmanager)
    hook = Webhook()
    started = []
    try:
        am = servers.start_alertmanager(am_tool, tmp_path / "am",
                                        alertmanager_config(files["alertmanager/alertmanager.yml"], hook.url))
        started.append(am)
        evaluators = [e for e in deployment.evaluators if e.kind == "prometheus"]
        assert {e.platform or "llm-gateway" for e in evaluators} >= set(CRITICAL)
        for i, e in enumerate(evaluators):
            workdir = tmp_path / f"prom-{i}"
            rules_copy(files, workdir)
            config = prometheus_config(files[e.config_path], e, am.url.split("//", 1)[1])
            # alerts firing before the notifier has discovered the Alertmanager (a few seconds) are
            # dropped and resent only after the resend delay, 1 minute by default
            started.append(servers.start_prometheus(prom_tool, workdir, config, args=["--rules.alert.resend-delay=1s"]))
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            if all(hook.receivers_of(alert) >= want for alert, want in CRITICAL.values()):
                break
            time.sleep(0.5)
        time.sleep(1.5)      # anything that should not come has had its chance to come too
        for platform, (alert, want) in CRITICAL.items():
            assert hook.receivers_of(alert) == want, _why(platform, alert, hook, am, started[1:])
        platform_of = {a.name: a.platform for a in deployment.alerts}
        wrong = sorted({(r, l["alertname"]) for r, l in hook.received
                        if not r.startswith(platform_of.get(l["alertname"], "?") + "-")})
        assert wrong == [], wrong
        # the marketplace HA pair: two Prometheus send it, Alertmanager holds one alert per job
        alerts = servers.get_json(f"{am.url}/api/v2/alerts?filter=alertname%3D%22MarketplaceServiceDown%22")
        per_job = [a["labels"]["job"] for a in alerts]
        assert per_job and len(per_job) == len(set(per_job)) and "replica" not in alerts[0]["labels"]
    finally:
        for s in reversed(started):
            s.stop()
        hook.close()
