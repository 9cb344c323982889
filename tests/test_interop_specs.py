"""Sloth and OpenSLO shapes that real specs use, each imported into code that builds.

The specs are written here for these tests (none copied from Sloth's or OpenSLO's repositories):
SLOs sharing one alert name (Sloth allows it), custom severities, raw and non-plain SLIs, disabled
tiers, no alerting, the Kubernetes form; OpenSLO's bare-string ``alertPolicies: ["name"]``,
single-object lists and implausible periods; and one spec in the shape of each example Sloth's
repository publishes (``SLOTH_SHAPES``: home-wifi, k8s-home-wifi, raw-home-wifi, kubernetes-apiserver,
multifile, no-alerts, custom_rule_group_interval, slo-plugin, contrib plugins, victoria-metrics,
managed-prometheus, openslo v1alpha; getting-started and the SLI-plugin examples are
tests/fixtures/sloth and the tests above; AlertWindows files are refused with what to do instead).
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


# --- one spec of each shape Sloth's repository publishes in examples/ (written here, in the same shapes) ---
# Each imports (with --allow-partial where a part cannot be carried) into code that `obskit build` accepts.
# (shape of Sloth's example, format, spec, import exit code, what the import must say or write)
SLOTH_SHAPES = {
    # home-wifi: events over subqueries of gauges (`OR on() vector(0)`), a severity of the team's own
    "home-wifi": ("sloth", """\
        version: prometheus/v1
        service: lab-net
        labels: {site: attic, component: mesh}
        slos:
          - name: good-signal
            objective: 95
            sli:
              events:
                error_query: sum_over_time((count(mesh_signal_ratio < 0.7))[{{.window}}:]) OR on() vector(0)
                total_query: sum_over_time((count(mesh_signal_ratio))[{{.window}}:])
            alerting:
              name: LabNetGoodSignal
              page_alert: {labels: {severity: home}}
              ticket_alert: {labels: {severity: warning}}
    """, 0, ["RawSLI(", "severity='home'"]),
    # k8s-home-wifi: the same in the Kubernetes form (camelCase keys)
    "k8s-home-wifi": ("sloth", """\
        apiVersion: sloth.slok.dev/v1
        kind: PrometheusServiceLevel
        metadata: {name: lab-net, namespace: monitoring}
        spec:
          service: lab-net
          slos:
            - name: risky-signal
              objective: 99.9
              sli:
                events:
                  errorQuery: sum_over_time((count(mesh_signal_ratio < 0.4))[{{.window}}:]) OR on() vector(0)
                  totalQuery: sum_over_time((count(mesh_signal_ratio))[{{.window}}:])
              alerting:
                name: LabNetRiskySignal
                pageAlert: {labels: {severity: home}}
                ticketAlert: {labels: {severity: warning}}
    """, 0, ["RawSLI("]),
    # raw-home-wifi: a raw error ratio query
    "raw-home-wifi": ("sloth", """\
        version: prometheus/v1
        service: lab-net
        slos:
          - name: signal-raw
            objective: 95
            sli:
              raw:
                error_ratio_query: 1 - (sum(sum_over_time(mesh_ok[{{.window}}])) / sum(count_over_time(mesh_ok[{{.window}}])))
            alerting:
              name: LabNetSignalRaw
              page_alert: {labels: {severity: home}}
              ticket_alert: {labels: {severity: warning}}
    """, 0, ["RawSLI(", "[$window]"]),
    # kubernetes-apiserver: multi-line queries, a subtraction (count - bucket) as the error query,
    # alerting labels and a runbook annotation
    "kubernetes-apiserver": ("sloth", """\
        version: prometheus/v1
        service: control-plane
        labels: {cluster: lab}
        slos:
          - name: api-errors
            objective: 99.9
            sli:
              events:
                error_query: sum(rate(cp_requests_total{code=~"(5..|429)"}[{{.window}}]))
                total_query: sum(rate(cp_requests_total[{{.window}}]))
            alerting:
              name: ControlPlaneErrors
              labels: {category: availability}
              annotations: {runbook: "https://runbooks.example.com/cp-errors"}
              page_alert: {labels: {severity: critical}}
              ticket_alert: {labels: {severity: warning}}
          - name: api-latency
            objective: 99
            sli:
              events:
                error_query: |
                  (
                    sum(rate(cp_request_seconds_count{verb!="WATCH"}[{{.window}}]))
                    -
                    sum(rate(cp_request_seconds_bucket{le="0.4",verb!="WATCH"}[{{.window}}]))
                  )
                total_query: sum(rate(cp_request_seconds_count{verb!="WATCH"}[{{.window}}]))
            alerting:
              name: ControlPlaneLatency
              labels: {category: latency}
              page_alert: {labels: {severity: critical}}
              ticket_alert: {labels: {severity: warning}}
    """, 0, ["runbook_url='https://runbooks.example.com/cp-errors'", "labels={'category': 'latency'}",
             "histogram='cp_request_seconds{verb!=\"WATCH\"}'", "threshold=0.4"]),
    # multifile / k8s-multifile: several documents, two services, one alert name in both (Sloth allows it)
    "k8s-multifile": ("sloth", """\
        apiVersion: sloth.slok.dev/v1
        kind: PrometheusServiceLevel
        metadata: {name: one, namespace: monitoring}
        spec:
          service: shop-one
          slos:
            - name: requests
              objective: 99.9
              sli:
                events:
                  errorQuery: sum(rate(shop_requests_total{shop="1",code=~"5.."}[{{.window}}]))
                  totalQuery: sum(rate(shop_requests_total{shop="1"}[{{.window}}]))
              alerting: {name: ShopHighErrorRate, pageAlert: {labels: {severity: critical}},
                         ticketAlert: {labels: {severity: warning}}}
        ---
        apiVersion: sloth.slok.dev/v1
        kind: PrometheusServiceLevel
        metadata: {name: two, namespace: monitoring}
        spec:
          service: shop-two
          slos:
            - name: requests
              objective: 99.99
              sli:
                events:
                  errorQuery: sum(rate(shop_requests_total{shop="2",code=~"5.."}[{{.window}}]))
                  totalQuery: sum(rate(shop_requests_total{shop="2"}[{{.window}}]))
              alerting: {name: ShopHighErrorRate, pageAlert: {labels: {severity: critical}},
                         ticketAlert: {labels: {severity: warning}}}
    """, 0, ["also the alert of SLO shop-one/requests"]),
    # no-alerts: both tiers disabled, multi-line plain queries
    "no-alerts": ("sloth", """\
        version: prometheus/v1
        service: quiet-app
        slos:
          - name: http
            objective: 99.99
            sli:
              events:
                error_query: |
                  sum(
                    rate(qa_requests_total{code=~"(5..|429)"}[{{.window}}])
                  )
                total_query: |
                  sum(
                    rate(qa_requests_total[{{.window}}])
                  )
            alerting:
              page_alert: {disable: true}
              ticket_alert: {disable: true}
    """, 0, ["page=None", "ticket=None", "RatioSLI("]),
    # custom_rule_group_interval: per-SLO rule intervals, only a page alert
    "custom_rule_group_interval": ("sloth", """\
        version: prometheus/v1
        service: batch
        slos:
          - name: cpu
            objective: 99.99
            interval: {slierror: 4m, metadata: 2m, alert: 2m}
            sli:
              events:
                error_query: sum(rate(job_cpu_seconds_total{mode="steal"}[{{.window}}]))
                total_query: sum(rate(job_cpu_seconds_total[{{.window}}]))
            alerting:
              name: BatchCpu
              page_alert: {labels: {severity: pageteam, routing_key: batch}}
              ticket_alert: {disable: true}
    """, 0, ["interval {", "ticket=None", "'routing_key': 'batch'"]),
    # slo-plugin-getting-started / slo-plugin-k8s: SLO plugin chains that change no rule
    "slo-plugin-getting-started": ("sloth", """\
        version: prometheus/v1
        service: plugged
        slo_plugins:
          chain:
            - {id: sloth.dev/core/debug/v1, priority: 100, config: {msg: first}}
        slos:
          - name: requests
            objective: 99.9
            plugins:
              chain:
                - {id: sloth.dev/core/debug/v1, config: {msg: second}}
                - {id: sloth.dev/contrib/info_labels/v1, config: {labels: {k: v}}}
            sli:
              events:
                error_query: sum(rate(pl_requests_total{code=~"5.."}[{{.window}}]))
                total_query: sum(rate(pl_requests_total[{{.window}}]))
            alerting:
              name: PluggedErrors
              page_alert: {labels: {severity: critical}}
              ticket_alert: {labels: {severity: warning}}
    """, 0, ["plugin sloth.dev/core/debug/v1: logs only"]),
    # contrib-denominator-corrected / contrib-sli-total-amount-rules: a plugin that changes the rules
    # (lost), alert labels and annotations on both alerts and per alert, a lowerCamel alert name
    "contrib-denominator-corrected": ("sloth", """\
        apiVersion: sloth.slok.dev/v1
        kind: PrometheusServiceLevel
        metadata: {name: svc, namespace: test-ns}
        spec:
          service: svc-a
          labels: {scope: global}
          sloPlugins:
            chain:
              - id: sloth.dev/contrib/denominator_corrected_rules/v1
          slos:
            - name: first
              objective: 99.9
              labels: {slo_level: one}
              sli:
                events:
                  errorQuery: sum(rate(svc_requests_total{code=~"5.."}[{{.window}}]))
                  totalQuery: sum(rate(svc_requests_total[{{.window}}]))
              alerting:
                name: svcAlert
                labels: {both: "yes"}
                annotations: {note: on both}
                pageAlert: {labels: {pager: "1"}}
                ticketAlert: {labels: {queue: "2"}}
    """, 1, ["alert_name='SvcAlert'", "'pager': '1'", "'note': 'on both'"]),
    # victoria-metrics: label values that are not strings in YAML, MetricsQL queries
    "victoria-metrics": ("sloth", """\
        version: prometheus/v1
        service: vm-app
        labels: {generated: true, grade: 0.2}
        slo_plugins:
          overridePrevious: true
          chain:
            - id: sloth.dev/contrib/validate_victoria_metrics/v1
            - id: sloth.dev/core/sli_rules/v1
            - id: sloth.dev/core/metadata_rules/v1
            - id: sloth.dev/core/alert_rules/v1
        slos:
          - name: latency-p90
            objective: 90
            sli:
              events:
                error_query: 1 - histogram_share(0.2, sum by (vmrange) (rate(vm_req_seconds_bucket[{{.window}}])))
                total_query: vector(1)[{{.window}}]
            alerting:
              name: vm-app_latency-p90_fail
              labels: {objective: 90}
          - name: requests
            objective: 99
            sli:
              events:
                error_query: sum(rate(vm_requests_total{code=~"5.."}[{{.window}}]))
                total_query: sum(rate(vm_requests_total[{{.window}}]))
    """, 1, ["'generated': 'true'", "'grade': '0.2'"]),
    # managed-prometheus-*: the Google Managed Prometheus kind
    "managed-prometheus": ("sloth", """\
        apiVersion: sloth.slok.dev/v1
        kind: ManagedPrometheusServiceLevel
        metadata: {name: grpc, namespace: monitoring}
        spec:
          service: grpc-app
          slos:
            - name: requests
              objective: 99.9
              sli:
                events:
                  errorQuery: sum(rate(grpc_server_handled_total{grpc_code!="OK",job="grpc-app"}[{{.window}}]))
                  totalQuery: sum(rate(grpc_server_handled_total{job="grpc-app"}[{{.window}}]))
              alerting:
                name: GrpcAppErrors
                pageAlert: {labels: {severity: pageteam, routing_key: grpc}}
                ticketAlert: {labels: {severity: slack, slack_channel: "#grpc"}}
    """, 0, ["Google Managed Prometheus", "'slack_channel': '#grpc'"]),
    # openslo-getting-started / openslo-kubernetes-apiserver: OpenSLO v1alpha, several objectives
    "openslo-v1alpha": ("openslo", """\
        apiVersion: openslo/v1alpha
        kind: SLO
        metadata: {name: cp-latency, displayName: Control plane latency}
        spec:
          service: control-plane
          description: Requests are fast enough.
          objectives:
            - ratioMetrics:
                good: {source: prometheus, queryType: promql, query: 'sum(rate(cp_request_seconds_bucket{le="0.4"}[{{.window}}]))'}
                total: {source: prometheus, queryType: promql, query: 'sum(rate(cp_request_seconds_count[{{.window}}]))'}
              target: 0.99
            - displayName: slow
              ratioMetrics:
                good: {source: prometheus, queryType: promql, query: 'sum(rate(cp_request_seconds_bucket{le="5"}[{{.window}}]))'}
                total: {source: prometheus, queryType: promql, query: 'sum(rate(cp_request_seconds_count[{{.window}}]))'}
              target: 0.999
          timeWindows:
            - count: 30
              unit: Day
    """, 0, ["name='cp-latency-slo-0'", "name='cp-latency-slow'", "good='cp_request_seconds_bucket{le=\"5\"}'"]),
}


import pytest  # noqa: E402


@pytest.mark.parametrize("shape", sorted(SLOTH_SHAPES))
def test_each_of_sloths_example_shapes_imports_into_code_that_builds(tmp_path, shape):
    fmt, text, code, expected = SLOTH_SHAPES[shape]
    proj, res = _import(tmp_path, fmt, text, *(["--allow-partial"] if code else []))
    assert res.returncode == 0, res.stdout + res.stderr
    doc = json.loads(res.stdout)
    assert doc["partial"] == bool(code), [f["message"] for f in doc["findings"] if f["kind"] == "lost"]
    if not code:      # clean: the same import without --allow-partial writes too
        again = run_cli("import", fmt, tmp_path / f"spec-{fmt}.yml", "--out", tmp_path / "again", "-q")
        assert again.returncode == 0, again.stderr
    written = "".join(p.read_text() for p in sorted((proj / "slos").glob("*.py")))
    said = " ".join(f["message"] for f in doc["findings"])
    for e in expected:
        assert e in written or e in said, e
    _builds(proj)


def test_sloth_alert_windows_file_is_a_clear_error(tmp_path):
    proj, res = _import(tmp_path, "sloth", """\
        apiVersion: sloth.slok.dev/v1
        kind: AlertWindows
        spec:
          sloPeriod: 7d
          page:
            quick: {errorBudgetPercent: 8, shortWindow: 5m, longWindow: 1h}
    """)
    error = json.loads(res.stdout)["error"]
    assert res.returncode == 2 and "AlertWindows" in error and "BurnWindow" in error
    assert not (proj / "slos").exists()


def test_openslo_v1alpha_bad_time_window_is_exit_2_and_writes_nothing(tmp_path):
    proj, res = _import(tmp_path, "openslo", """\
        apiVersion: openslo/v1alpha
        kind: SLO
        metadata: {name: x}
        spec:
          service: api
          objectives:
            - ratioMetrics:
                good: {source: prometheus, queryType: promql, query: 'sum(rate(ok_total[{{.window}}]))'}
                total: {source: prometheus, queryType: promql, query: 'sum(rate(all_total[{{.window}}]))'}
              target: 0.99
          timeWindows: [{count: 2, unit: Fortnight}]
    """)
    error = json.loads(res.stdout)["error"]
    assert res.returncode == 2 and "spec-openslo.yml" in error and "unit" in error and "Day" in error
    assert not (proj / "slos").exists()
