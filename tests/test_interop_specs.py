"""Sloth and OpenSLO shapes that real specs use, each imported into code that builds.

The specs are written here for these tests (none copied from Sloth's or OpenSLO's repositories):
SLOs sharing one alert name (Sloth allows it), custom severities, raw and non-plain SLIs, disabled
tiers, no alerting, the Kubernetes form; OpenSLO's bare-string ``alertPolicies: ["name"]``,
single-object lists and implausible periods.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

from test_lint import run_cli


def _import(tmp_path: Path, fmt: str, text: str, *extra):
    src = tmp_path / f"spec-{fmt}.yml"
    src.write_text(textwrap.dedent(text))
    proj = tmp_path / "proj"
    res = run_cli("import", fmt, src, "--out", proj / "slos", "--output", "json", *extra)
    return proj, res


def _builds(proj: Path):
    res = run_cli("build", proj, "--no-verify")
    assert res.returncode == 0, res.stderr
    return res


SHARED_ALERT_NAME = """\
    version: prometheus/v1
    service: home-net
    slos:
      - name: wifi-clients
        objective: 95
        sli:
          raw:
            error_ratio_query: 1 - (sum(avg_over_time(wifi_ok_clients[{{.window}}])) / sum(avg_over_time(wifi_clients[{{.window}}])))
        alerting:
          name: HomeNetBurn
          page_alert: {labels: {severity: page}}
          ticket_alert: {labels: {severity: ticket}}
      - name: dns
        objective: 99
        sli:
          events:
            error_query: sum(rate(dns_queries_total{rcode="SERVFAIL"}[{{.window}}]))
            total_query: sum(rate(dns_queries_total[{{.window}}]))
        alerting:
          name: HomeNetBurn
          page_alert: {disable: true}
          ticket_alert: {labels: {severity: warning}}
      - name: uplink
        objective: 99.5
        sli:
          events:
            error_query: sum(increase(uplink_errors_total[{{.window}}])) * 2
            total_query: sum(increase(uplink_checks_total[{{.window}}]))
"""


def test_sloth_shared_alert_names_are_renamed_and_build(tmp_path):
    proj, res = _import(tmp_path, "sloth", SHARED_ALERT_NAME)
    assert res.returncode == 0, res.stdout + res.stderr
    doc = json.loads(res.stdout)
    assert any("also the alert of SLO home-net/wifi-clients" in f["message"] for f in doc["findings"])
    code = (proj / "slos" / "home_net.py").read_text()
    assert "alert_name='HomeNetBurn'" in code and "alert_name='HomeNetBurnDns'" in code
    assert "severity='page'" in code and "severity='ticket'" in code        # custom severities kept
    assert "page=None" in code                                               # disabled page tier
    _builds(proj)
    rules = (proj / "build" / "prometheus" / "rules" / "home-net.yml").read_text()
    assert "alert: HomeNetBurn\n" in rules and "alert: HomeNetBurnDns\n" in rules
    assert "severity: page" in rules


def test_sloth_kubernetes_form_plugins_and_no_alerting_build(tmp_path):
    proj, res = _import(tmp_path, "sloth", """\
        apiVersion: sloth.slok.dev/v1
        kind: PrometheusServiceLevel
        metadata: {name: shop, namespace: monitoring}
        spec:
          service: shop
          labels: {team: shop}
          slos:
            - name: checkout
              objective: 99.9
              sli:
                events:
                  error_query: sum(rate(checkout_total{code=~"5.."}[{{.window}}]))
                  total_query: sum(rate(checkout_total[{{.window}}]))
            - name: plugin-latency
              objective: 99
              sli:
                plugin:
                  id: sloth-common/kubernetes/apiserver/latency
                  options: {bucket: "0.4"}
              alerting:
                name: ShopPluginLatency
                page_alert: {labels: {severity: critical, routing_key: shop}}
    """, "--allow-partial")
    assert res.returncode == 0, res.stdout + res.stderr
    doc = json.loads(res.stdout)
    lost = [f["message"] for f in doc["findings"] if f["kind"] == "lost"]
    assert any("plugin" in m for m in lost)
    _builds(proj)


OPENSLO = """\
    apiVersion: openslo/v1
    kind: Service
    metadata: {name: api}
    spec: {description: The API}
    ---
    apiVersion: openslo/v1
    kind: AlertCondition
    metadata: {name: fast-burn}
    spec:
      severity: page
      condition: {kind: burnrate, op: gt, threshold: 14.4, lookbackWindow: 1h, alertAfter: 0m}
    ---
    apiVersion: openslo/v1
    kind: AlertPolicy
    metadata: {name: page-policy}
    spec:
      alertWhenBreaching: true
      conditions: [fast-burn]
    ---
    apiVersion: openslo/v1
    kind: SLO
    metadata: {name: availability}
    spec:
      service: api
      budgetingMethod: Occurrences
      timeWindow: {duration: 2Y, isRolling: true}
      objectives: {target: 0.999}
      indicator:
        metadata: {name: api-availability}
        spec:
          ratioMetric:
            counter: true
            bad: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{code=~"5.."}'}}}
            total: {metricSource: {type: Prometheus, spec: {query: http_requests_total}}}
      alertPolicies: [page-policy]
"""


def test_openslo_bare_string_references_and_single_objects(tmp_path):
    proj, res = _import(tmp_path, "openslo", OPENSLO, "--allow-partial")
    assert res.returncode == 0, res.stdout + res.stderr
    doc = json.loads(res.stdout)
    assert doc["slos"] == ["api/availability"]
    messages = [f["message"] for f in doc["findings"]]
    assert any("implausible SLO period" in m for m in messages)
    code = (proj / "slos" / "api.py").read_text()
    assert "factor=14.4" in code and "long='1h'" in code                   # the referenced condition
    _builds(proj)


def test_openslo_unknown_reference_is_a_finding_not_a_crash(tmp_path):
    proj, res = _import(tmp_path, "openslo", OPENSLO.replace("alertPolicies: [page-policy]",
                                                             "alertPolicies: [nowhere, 3]"), "--allow-partial")
    assert res.returncode == 0, res.stdout + res.stderr
    assert any("'nowhere' is referenced but not defined" in f["message"] for f in json.loads(res.stdout)["findings"])
