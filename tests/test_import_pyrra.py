"""``obskit import pyrra``: Pyrra ServiceLevelObjectives become SLOs with the same objective, window
and Pyrra's burn-rate windows (the specs are written for this test, not copied from Pyrra)."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

from obskit.duration import Duration
from obskit.interop import pyrra
from test_interop import load_module
from test_lint import run_cli

SPECS = """\
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: api-errors
  namespace: shop
  labels: {prometheus: k8s, role: alert-rules, pyrra.dev/team: payments}
spec:
  target: "99.5"
  window: 28d
  description: Shop API requests succeed.
  indicator:
    ratio:
      errors: {metric: 'http_requests_total{job="shop-api",code=~"5.."}'}
      total: {metric: 'http_requests_total{job="shop-api"}'}
      grouping: [route]
---
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: api-latency, namespace: shop}
spec:
  target: "99"
  window: 2w
  indicator:
    latency:
      success: {metric: 'http_request_duration_seconds_bucket{job="shop-api",le="0.25"}'}
      total: {metric: 'http_request_duration_seconds_count{job="shop-api"}'}
  alerting: {name: ShopApiSlow, absent: false}
---
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: connect-latency, namespace: shop}
spec:
  target: "99.9"
  window: 4w
  indicator:
    latencyNative:
      latency: 200ms
      total: {metric: 'connect_server_requests_duration_seconds{job="shop-api"}'}
---
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: probes, namespace: shop}
spec:
  target: "95"
  window: 7d
  indicator:
    bool_gauge:
      metric: 'probe_success{job="blackbox"}'
  alerting: {burnrates: false}
"""


def _import(tmp_path: Path, text: str = SPECS, *extra):
    src = tmp_path / "slos.yaml"
    src.write_text(text)
    proj = tmp_path / "proj"
    proj.mkdir(exist_ok=True)
    (proj / "obskit.toml").write_text('[project]\nprometheus_version = "3.0"\n')   # latencyNative
    res = run_cli("import", "pyrra", src, "--out", proj / "slos", "--output", "json", *extra)
    return proj, res


def test_pyrras_windows_scale_with_the_slo_window():
    got = [(sev, tier, f, str(l), str(s), str(fo)) for sev, tier, f, l, s, fo in pyrra.windows(Duration(28 * 86400))]
    assert got == [("critical", "page", 14.0, "1h", "5m", "2m"), ("critical", "page", 7.0, "6h", "30m", "15m"),
                   ("warning", "ticket", 2.0, "1d", "2h", "1h"), ("warning", "ticket", 1.0, "4d", "6h", "3h")]
    two_weeks = [(str(l), str(s), str(fo)) for *_, l, s, fo in pyrra.windows(Duration(14 * 86400))]
    assert two_weeks == [("30m", "3m", "1m"), ("3h", "15m", "8m"), ("12h", "1h", "30m"), ("2d", "3h", "1h30m")]


def test_every_indicator_kind_imports_and_builds(tmp_path):
    proj, res = _import(tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    doc = json.loads(res.stdout)
    assert doc["slos"] == ["shop/api-errors", "shop/api-latency", "shop/connect-latency", "shop/probes"]
    module = load_module(proj / "slos" / "shop.py")
    errors, latency, native, probes = (module.api_errors, module.api_latency, module.connect_latency, module.probes)
    assert errors.objective == 99.5 and str(errors.period) == "28d" and errors.sli.by == ("route",)
    assert str(errors.sli.errors) == 'http_requests_total{job="shop-api",code=~"5.."}'
    assert dict(errors.labels) == {"team": "payments"}
    assert [(str(w.long), str(w.short), w.factor) for t in errors.alerting.tiers for w in t.windows] == [
        ("1h", "5m", 14.0), ("6h", "30m", 7.0), ("1d", "2h", 2.0), ("4d", "6h", 1.0)]
    assert errors.alerting.page.severity == "critical" and errors.alerting.ticket.severity == "warning"
    assert str(errors.alerting.absent_for) == "2m" and errors.alerting.absent_severity == "critical"
    assert str(latency.sli.histogram) == 'http_request_duration_seconds{job="shop-api"}' and latency.sli.threshold == 0.25
    assert latency.alert_name == "ShopApiSlow" and latency.alerting.absent_for is None
    assert native.sli.native and native.sli.threshold == 0.2 and str(native.period) == "28d"
    assert probes.alerting.page is None and probes.alerting.ticket is None
    assert type(probes.sli).__name__ == "AvailabilitySLI"
    build = run_cli("build", proj, "--no-verify")
    assert build.returncode == 0, build.stderr
    rules = (proj / "build" / "prometheus" / "rules" / "shop.yml").read_text()
    assert "alert: ShopApiSlow" in rules and "ShopApiErrorsBudgetBurn" in rules


def test_a_window_that_can_never_fire_is_left_out(tmp_path):
    """At 90 % a 14× burn would need 140 % errors: Pyrra writes the alert anyway, obskit leaves it out."""
    one = SPECS.split("---\n")[0].replace('target: "99.5"', 'target: "90"')
    proj, res = _import(tmp_path, one)
    assert res.returncode == 0, res.stdout + res.stderr
    assert any("can never fire" in f["message"] for f in json.loads(res.stdout)["findings"])
    slo = load_module(proj / "slos" / "shop.py").api_errors
    assert [w.factor for t in slo.alerting.tiers for w in t.windows] == [7.0, 2.0, 1.0]


def test_not_pyrra_and_unknown_fields(tmp_path):
    src = tmp_path / "x.yaml"
    src.write_text("apiVersion: v1\nkind: ConfigMap\n")
    res = run_cli("import", "pyrra", src, "--out", tmp_path / "slos")
    assert res.returncode == 2 and "not a Pyrra ServiceLevelObjective" in res.stderr
    thanos = SPECS.split("---\n")[0].replace("  window: 28d\n", "  window: 28d\n  partial_response_strategy: warn\n")
    proj, res = _import(tmp_path, thanos)
    assert res.returncode == 1 and "partial_response_strategy" in res.stdout      # lost: refused unless allowed
