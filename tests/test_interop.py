"""Sloth and OpenSLO import, OpenSLO export: what converts, what is reported, and round trips."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import yaml

from conftest import run_cli
from obskit.compile.slo import compile_slo
from obskit.interop import openslo, openslo_export, sloth
from obskit.interop.queries import plain_rate
from obskit.model.sli import RatioSLI, RawSLI
from obskit.render import prometheus_rules
from obskit.compile.ir import RuleFile

FIX = Path(__file__).parent / "fixtures"


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"m_{path.stem}_{id(path)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rules_text(slo) -> bytes:
    return prometheus_rules.render(RuleFile("x", compile_slo(slo).groups()))


def test_plain_rate_queries_become_selectors():
    p = plain_rate('sum(rate(http_requests_total{job="a",code=~"5.."}[{{.window}}]))')
    assert str(p.selector) == 'http_requests_total{job="a",code=~"5.."}' and p.by == ()
    assert plain_rate("sum by (route) (rate(x[{{.window}}]))").by == ("route",)
    assert plain_rate("sum(rate(x[{{.window}}])) / 2") is None
    assert plain_rate("sum(rate(x[5m]))") is None


def test_sloth_getting_started_converts_whole(tmp_path):
    """Sloth's getting-started example imports clean: its per-alert labels and the shared summary
    annotation become the tiers' own (on that tier's alert only), the shared alert labels both tiers'."""
    r = run_cli("import", "sloth", str(FIX / "sloth" / "getting-started.yml"), "--out", str(tmp_path),
                "--output", "json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["slos"] == ["myservice/requests-availability"] and not result["partial"]
    assert result["findings"] == []
    text = (tmp_path / "myservice.py").read_text()
    compile(text, "myservice.py", "exec")
    slo = load_module(tmp_path / "myservice.py").requests_availability
    assert isinstance(slo.sli, RatioSLI)
    assert str(slo.sli.errors) == 'http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}'
    assert slo.alert_name == "MyServiceHighErrorRate" and slo.objective == 99.9
    assert dict(slo.labels) == {"owner": "myteam", "repo": "myorg/myservice", "tier": "2"}
    page, ticket = slo.alerting.page, slo.alerting.ticket
    assert dict(page.labels) == {"category": "availability", "routing_key": "myteam"} and page.severity == "pageteam"
    assert dict(ticket.labels) == {"category": "availability", "slack_channel": "#alerts-myteam"}
    summary = "High error rate on 'myservice' requests responses"
    assert dict(page.annotations) == dict(ticket.annotations) == {"summary": summary}
    factors = [(str(w.long), w.factor_for(slo.period)) for t in slo.alerting.tiers for w in t.windows]
    assert factors == [("1h", 14.4), ("6h", 6.0), ("1d", 3.0), ("3d", 1.0)]   # Sloth's windows
    alerts = {(r["labels"]["severity"]): r for g in yaml.safe_load(rules_text(slo))["groups"] for r in g["rules"]
              if r.get("alert") == "MyServiceHighErrorRate"}
    assert alerts["pageteam"]["labels"]["routing_key"] == "myteam" and "slack_channel" not in alerts["pageteam"]["labels"]
    assert alerts["slack"]["labels"]["slack_channel"] == "#alerts-myteam" and "routing_key" not in alerts["slack"]["labels"]
    assert alerts["pageteam"]["annotations"]["summary"] == alerts["slack"]["annotations"]["summary"] == summary


def test_sloth_tier_labels_that_clash_or_obskit_sets_are_findings(tmp_path):
    spec = tmp_path / "s.yml"
    spec.write_text("""
version: prometheus/v1
service: shop
labels: {team: shop}
slos:
  - name: checkout
    objective: 99
    sli:
      events:
        error_query: sum by (region) (rate(checkout_total{code=~"5.."}[{{.window}}]))
        total_query: sum by (region) (rate(checkout_total[{{.window}}]))
    alerting:
      name: ShopCheckout
      labels: {team: shop, obskit_tier: x}
      page_alert: {labels: {severity: critical, team: payments, region: eu, pager: "yes"}}
""")
    (mod,) = sloth.convert(spec)
    (item,) = mod.slos
    assert dict(item.slo.alerting.page.labels) == {"pager": "yes"}      # team=shop is the SLO's own already
    lost = sorted(f.message.split(":")[0] for f in mod.findings if f.kind == "lost")
    assert lost == ["page alert label obskit_tier='x'", "page alert label region='eu'",
                    "page alert label team='payments'", "ticket alert label obskit_tier='x'"]
    compile_slo(item.slo)


def test_kubernetes_form_and_raw_sli_and_disabled_tier(tmp_path):
    spec = tmp_path / "k8s.yml"
    spec.write_text("""
apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata: {name: wifi, namespace: monitoring}
spec:
  service: home-wifi
  slos:
    - name: satisfaction
      objective: 95
      sli:
        raw:
          errorRatioQuery: 1 - (sum(sum_over_time(sat[{{.window}}])) / sum(count_over_time(sat[{{.window}}])))
      alerting:
        name: WifiSatisfaction
        pageAlert: {disable: true}
        ticketAlert: {labels: {severity: warning}}
    - name: plugged
      objective: 99
      sli:
        plugin: {id: sloth-common/kubernetes/apiserver/availability}
      alerting: {name: Plugged}
""")
    (mod,) = sloth.convert(spec)
    (item,) = mod.slos
    assert isinstance(item.slo.sli, RawSLI) and "[$window]" in item.slo.sli.error_ratio
    assert item.slo.alerting.page is None and item.slo.alerting.ticket.severity == "warning"
    assert [u.subject for u in mod.unconverted] == ["SLO home-wifi/plugged"]
    assert any("plugin" in f.message and f.kind == "lost" for f in mod.findings)
    assert any("namespace" in f.message for f in mod.findings)


def test_not_a_sloth_file_is_exit_2(tmp_path):
    f = tmp_path / "x.yml"
    f.write_text("apiVersion: v1\nkind: ConfigMap\n")
    r = run_cli("import", "sloth", str(f), "--out", str(tmp_path / "out"))
    assert r.returncode == 2 and "not a Sloth spec" in r.stderr


def test_openslo_documents_with_references(tmp_path):
    (mods,) = [openslo.convert([FIX / "openslo" / "checkout.yaml"])]
    (mod,) = mods
    by_name = {i.slo.name: i.slo for i in mod.slos}
    ratio = by_name["checkout-availability"]
    assert isinstance(ratio.sli, RatioSLI) and str(ratio.sli.good) == 'http_requests_total{service="checkout",code!~"5.."}'
    assert ratio.objective == 99.5 and str(ratio.period) == "28d"
    page = ratio.alerting.page
    assert page.severity == "page" and page.windows[0].factor == 13.44   # the document's severity, kept and str(page.windows[0].short) == "5m"
    assert ratio.alerting.ticket is None
    threshold = by_name["checkout-latency"]
    assert isinstance(threshold.sli, RawSLI) and "<= bool 0.3" in threshold.sli.error_ratio
    messages = " ".join(f.message for f in mod.findings)
    assert "alertAfter 5m" in messages and "notification targets" in messages
    compile_slo(threshold)


def test_export_then_import_gives_the_same_rules(tmp_path):
    slos = [i.slo for m in sloth.convert(FIX / "sloth" / "getting-started.yml") for i in m.slos]
    text, findings = openslo_export.export(slos, "test")
    assert findings == []
    docs = [d for d in yaml.safe_load_all(text) if d]
    assert [d["kind"] for d in docs] == ["Service", "SLO"]
    assert docs[1]["spec"]["objectives"] == [{"displayName": "requests-availability", "target": 0.999}]
    (tmp_path / "o.yaml").write_text(text)
    (mod,) = openslo.convert([tmp_path / "o.yaml"])
    assert mod.findings == ()
    assert rules_text(mod.slos[0].slo) == rules_text(slos[0])


def test_export_cli_on_the_repository(root, tmp_path):
    out = tmp_path / "openslo.yaml"
    r = run_cli("export", "openslo", str(root), "--out", str(out), "--allow-partial", "--output", "json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    docs = [d for d in yaml.safe_load_all(out.read_text()) if d]
    assert sum(d["kind"] == "SLO" for d in docs) == summary["slos"] > 0
    assert all(d["apiVersion"] == "openslo/v1" for d in docs)
    # and back: every SLO of the repository returns with its objective, period and alert factors
    from obskit.loader import load_project
    original = {s.id: s for s in load_project(root).slos}
    back = {i.slo.id: i.slo for m in openslo.convert([out]) for i in m.slos}
    assert back.keys() == original.keys()
    for key, slo in back.items():
        o = original[key]
        assert (slo.objective, slo.period, slo.alerting.min_events) == (o.objective, o.period, o.alerting.min_events)
        assert [w.factor_for(slo.period) for t in slo.alerting.tiers for w in t.windows] == \
            [w.factor_for(o.period) for t in o.alerting.tiers for w in t.windows]
        compile_slo(slo)


GOLDEN = Path(__file__).parent / "golden" / "interop"


def _golden(name: str, text: str) -> None:
    import os
    path = GOLDEN / name
    if os.environ.get("OBSKIT_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed; regenerate with OBSKIT_UPDATE_GOLDEN=1 and read the diff"


def test_golden_sloth_module_and_openslo_export(root, monkeypatch):
    """The module a human keeps and the OpenSLO document, byte for byte (deterministic)."""
    from obskit.interop.pycode import module_code
    monkeypatch.chdir(root)
    (mod,) = sloth.convert(Path("tests/fixtures/sloth/getting-started.yml"))
    text = module_code(mod, sloth.ABSENT_NOTE)
    _golden("myservice.py", text)
    exported, _ = openslo_export.export([i.slo for i in mod.slos], "tests/fixtures/sloth/getting-started.yml")
    _golden("getting-started.openslo.yaml", exported)
    (again,) = sloth.convert(Path("tests/fixtures/sloth/getting-started.yml"))
    assert module_code(again, sloth.ABSENT_NOTE) == text


from hypothesis import given, settings, strategies as st  # noqa: E402

from obskit.errors import DefinitionError  # noqa: E402
from obskit.model import AlertingPolicy, BurnWindow, LatencySLI, SLO, Tier  # noqa: E402


@st.composite
def slos(draw):
    sli = draw(st.sampled_from([
        RatioSLI(total='http_requests_total{job="a"}', errors='http_requests_total{job="a",code=~"5.."}'),
        RatioSLI(total='rpc_total{svc="b"}', good='rpc_total{svc="b",ok="true"}', by=("region",)),
        RawSLI(error_ratio='1 - avg_over_time(probe_success{job="c"}[$window])'),
    ]))
    def tier(name, sev):
        windows = draw(st.lists(st.sampled_from([("1h", "5m"), ("6h", "30m"), ("1d", "2h"), ("3d", "6h")]),
                                min_size=1, max_size=2, unique=True))
        return Tier(name=name, severity=sev, windows=tuple(
            BurnWindow(long=l, short=s, **draw(st.sampled_from([{"budget_share": 0.02}, {"budget_share": 0.1},
                                                                  {"factor": 2.5}])))
            for l, s in windows),
            labels=draw(st.sampled_from([{}, {"pager": "payments"}, {"channel": "#a", "route": "x y"}])),
            annotations=draw(st.sampled_from([{}, {"summary": "It's 'down'"}, {"playbook": "a\nb"}])))
    page = draw(st.one_of(st.none(), st.just("page"))) and tier("page", "critical")
    ticket = draw(st.one_of(st.none(), st.just("ticket"))) and tier("ticket", draw(st.sampled_from(["warning", "info"])))
    min_events = None if isinstance(sli, RawSLI) else draw(st.sampled_from([None, 50, 1000]))
    return SLO(service=draw(st.sampled_from(["api", "web-front"])), name=draw(st.sampled_from(["avail", "ok_rate"])),
               objective=draw(st.sampled_from([95, 99, 99.5, 99.9, 99.95])),
               period=draw(st.sampled_from(["7d", "28d", "30d"])), sli=sli,
               labels=draw(st.dictionaries(st.sampled_from(["team", "tier"]), st.sampled_from(["x", "2"]), max_size=2)),
               owner=draw(st.sampled_from(["", "payments"])),
               alerting=AlertingPolicy(page=page, ticket=ticket, min_events=min_events,
                                       absent_for=draw(st.sampled_from([None, "10m", "15m"]))))


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_openslo_export_import_round_trip_property(tmp_path_factory, data):
    """Any SLO obskit accepts comes back from OpenSLO with byte-identical rules."""
    try:
        slo = data.draw(slos())
    except DefinitionError:
        from hypothesis import assume
        assume(False)
    text, findings = openslo_export.export([slo], "property")
    assert all(f.kind == "changed" for f in findings)
    path = tmp_path_factory.mktemp("rt") / "o.yaml"
    path.write_text(text)
    (mod,) = openslo.convert([path])
    assert not [f for f in mod.findings if f.kind == "lost"]
    (item,) = mod.slos
    assert rules_text(item.slo) == rules_text(slo)


def test_sloth_kubernetes_form_gives_the_same_slo_as_the_spec():
    (plain,) = sloth.convert(FIX / "sloth" / "getting-started.yml")
    (k8s,) = sloth.convert(FIX / "sloth" / "k8s-getting-started.yml")
    assert rules_text(k8s.slos[0].slo) == rules_text(plain.slos[0].slo)
    assert {f.message for f in k8s.findings} - {f.message for f in plain.findings} == {
        "namespace 'monitoring': set it once for the project in obskit.toml ([project] namespace = ...)"}


def test_sloth_windows_option_keeps_sloths_rule_shape(tmp_path):
    r = run_cli("import", "sloth", str(FIX / "sloth" / "getting-started.yml"), "--out", str(tmp_path),
                "--allow-partial", "--sloth-windows", "-q")
    assert r.returncode == 0, r.stderr
    assert "window_shape='raw'," in (tmp_path / "myservice.py").read_text()
    slo = load_module(tmp_path / "myservice.py").requests_availability
    text = rules_text(slo).decode()
    assert "rate(http_request_duration_seconds_count{job=\"myservice\"}[3d])" in text   # raw 3d window
    exported, _ = openslo_export.export([slo], "x")
    (tmp_path / "o.yaml").write_text(exported)
    (mod,) = openslo.convert([tmp_path / "o.yaml"])
    assert mod.slos[0].slo.window_shape == "raw" and rules_text(mod.slos[0].slo) == rules_text(slo)


def test_imported_alerts_carry_the_labels_and_summary_sloths_own_alerts_carry():
    """Against the rules Sloth generated for getting-started (the fixture): each tier's alert has
    Sloth's alert labels (without Sloth's own sloth_*), obskit's obskit_* beside them, and Sloth's summary."""
    sloth_alerts = {r["labels"]["severity"]: r for g in yaml.safe_load(
        (FIX / "sloth" / "getting-started.sloth-rules.yml").read_text())["groups"] for r in g["rules"] if "alert" in r}
    (mod,) = sloth.convert(FIX / "sloth" / "getting-started.yml")
    ours = {r["labels"]["severity"]: r for g in yaml.safe_load(rules_text(mod.slos[0].slo))["groups"]
            for r in g["rules"] if r.get("alert") == "MyServiceHighErrorRate"}
    assert sorted(ours) == sorted(sloth_alerts) == ["pageteam", "slack"]
    for severity, theirs in sloth_alerts.items():
        mine = ours[severity]
        assert {k: v for k, v in mine["labels"].items() if not k.startswith("obskit_")} == \
            {k: v for k, v in theirs["labels"].items() if not k.startswith("sloth_")}
        assert mine["annotations"]["summary"] == theirs["annotations"]["summary"]
