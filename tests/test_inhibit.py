"""Inhibitions safe by default (issue #14, item 3).

Every inhibit rule obskit generates is scoped to obskit's own alerts (``obskit_tier``, on SLO alerts
only) and compares labels both sides carry (``obskit_service``, ``obskit_slo``, the SLI's ``by`` labels,
``namespace``/``cluster`` where the alerts carry them): Alertmanager counts a label missing on both
sides as equal, so a label neither side carries would not keep anything apart. Proven with the real
Alertmanager of every installed version: two namespaces, two services, a page mutes only its own
ticket and nothing of another team. Hand-written rules comparing labels the alerts cannot carry get
a warning at their definition.
"""
from __future__ import annotations

import inspect
import json
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from obskit import SLO, AlertingPolicy, RatioSLI, presets
from obskit.compile import conventions as conv
from obskit.compile.alertmanager import compile_alertmanager, known_alerts
from obskit.compile.slo import compile_slo
from obskit.loader import load_project
from obskit.model.alertmanager import Alertmanager, Inhibit, Receiver, Route, Webhook
from obskit.compile.alertmanager_checks import inhibit_warnings
from obskit.model.rules import AlertRule, RuleGroup
from obskit.model.prometheus_config import PrometheusConfig
from obskit.project import Project, Settings
from obskit.render import alertmanager as am_render
from obskit.verify import amtool
from servers import require, start_alertmanager, versions

AM = Alertmanager(route=Route(receiver="all", group_by=["..."], group_wait="1s", group_interval="1s"),
                  receivers=[Receiver(name="all", integrations=[Webhook(url="http://127.0.0.1:9/hook")])])


def _slo(service: str, name: str = "availability", by=()) -> SLO:
    sli = (RatioSLI(total=f'http_requests_total{{job="{service}"}}',
                    errors=f'http_requests_total{{job="{service}",code=~"5.."}}', by=by) if by
           else presets.prometheus_client_http_availability({"job": service}))
    return SLO(service=service, name=name, objective=99.9, sli=sli, alerting=AlertingPolicy.workbook())


def _project(tmp_path, *definitions, settings=None) -> Project:
    return Project(root=tmp_path, settings=settings or Settings(), definitions=(AM,) + definitions)


def _rules(project):
    return [r for r in compile_alertmanager(project).inhibit_rules if r.generated]


# -- what is generated ---------------------------------------------------------------------------

def test_only_a_page_to_ticket_rule_on_obskit_labels(tmp_path):
    (rule,) = _rules(_project(tmp_path, _slo("checkout")))
    assert [str(m) for m in rule.source] == ['obskit_tier="page"']
    assert [str(m) for m in rule.target] == ['obskit_tier="ticket"']
    assert rule.equal == ("obskit_service", "obskit_slo")
    # no severity rule: threshold alerts carry no label of obskit's, so no generated rule may touch them


def test_namespace_and_cluster_are_compared_when_the_alerts_carry_them(tmp_path):
    prom = PrometheusConfig(external_labels={"cluster": "eu-1", "replica": "a"})
    (rule,) = _rules(_project(tmp_path, _slo("checkout"), prom, settings=Settings(namespace="shop")))
    assert rule.equal == ("obskit_service", "obskit_slo", "cluster", "namespace")
    assert [str(m) for m in rule.source] == ['obskit_tier="page"']     # every SLO alert carries both


def test_a_cluster_label_only_some_prometheus_servers_add_is_not_compared(tmp_path):
    a = PrometheusConfig(name="a", external_labels={"cluster": "eu-1"})
    b = PrometheusConfig(name="b")
    (rule,) = _rules(_project(tmp_path, _slo("checkout"), a, b))
    assert "cluster" not in rule.equal


def test_slos_with_different_by_labels_get_a_rule_each_kept_apart(tmp_path):
    """An SLO by route compares route; the rule of SLOs without it requires route="" so that it can
    never match two routes of the by-route SLO (which would be equal on obskit_service/obskit_slo)."""
    rules = _rules(_project(tmp_path, _slo("checkout"), _slo("search", by=("route",))))
    shapes = {r.equal: ([str(m) for m in r.source], [str(m) for m in r.target]) for r in rules}
    assert shapes == {
        ("obskit_service", "obskit_slo"): (['obskit_tier="page"', 'route=""'], ['obskit_tier="ticket"', 'route=""']),
        ("obskit_service", "obskit_slo", "route"): (['obskit_tier="page"', 'route!=""'],
                                                    ['obskit_tier="ticket"', 'route!=""']),
    }


def test_no_rule_without_an_slo_having_both_tiers(tmp_path):
    slo = SLO(service="x", name="y", objective=99, sli=presets.prometheus_client_http_availability({"job": "x"}),
              alerting=AlertingPolicy(ticket=None))
    assert _rules(_project(tmp_path, slo)) == []


def test_generated_rules_compare_only_labels_both_sides_carry(tmp_path):
    """The rule the hand-written check applies, applied to the generated rules of a mixed project:
    every equal label is on every alert a rule matches, on both sides."""
    prom = PrometheusConfig(external_labels={"cluster": "eu-1"})
    project = _project(tmp_path, _slo("checkout"), _slo("search", by=("route",)), _slo("cart", by=("route", "code")),
                       prom, settings=Settings(namespace="shop"))
    alerts = known_alerts(project)
    for rule in _rules(project):
        for side in (rule.source, rule.target):
            # the alerts the rule may match (a by label's value is known only at run time)
            matched = [a for a in alerts if all(a.decide(m) is not False for m in side)]
            assert matched and all(a.tier for a in matched), rule
            assert all(a.may_carry(label) for a in matched for label in rule.equal), rule
    assert len(_rules(project)) == 3


def test_reference_rules_compare_the_cluster_every_prometheus_adds(root):
    (rule,) = [r for r in compile_alertmanager(load_project(root)).inhibit_rules if r.generated]
    assert rule.equal == ("obskit_service", "obskit_slo", "cluster")


# -- hand-written rules: a warning where equal labels cannot be carried ----------------------------

GROUP = RuleGroup(name="errors", rules=[
    AlertRule(name="HighErrorRate", severity="critical", summary="s", description="d",
              expr="sum by (namespace) (rate(errors_total[5m])) > 10"),
    AlertRule(name="HighErrorRate", severity="warning", summary="s", description="d",
              expr="sum(rate(errors_total[5m])) > 1"),
    AlertRule(name="PodDown", severity="critical", summary="s", description="d", expr="up == 0"),
])


def _inhibit_warnings(tmp_path, inhibit: Inhibit, *more):
    am = Alertmanager(route=Route(receiver="all"), receivers=[Receiver(name="all")], inhibit_rules=[inhibit])
    project = Project(root=tmp_path, definitions=(am, GROUP) + more)
    return [w for w in inhibit_warnings(am, project) if w.code == "inhibit-equal-missing"]


def test_warning_when_an_equal_label_is_missing_on_one_side(tmp_path):
    rule = Inhibit(source=['severity="critical"'], target=['severity="warning"'], equal=["alertname", "namespace"])
    line = inspect.currentframe().f_lineno - 1
    (w,) = _inhibit_warnings(tmp_path, rule)
    assert w.severity == "warning"
    assert (Path(w.location.file).name, w.location.line) == ("test_inhibit.py", line)   # the Inhibit(...) call
    assert "'namespace'" in w.message and "target alerts HighErrorRate" in w.message
    assert "source alerts" not in w.message                                # the critical one keeps namespace


def test_warning_when_missing_on_both_sides(tmp_path):
    (w,) = _inhibit_warnings(tmp_path, Inhibit(source=['alertname="HighErrorRate"'], target=['severity="warning"'],
                                               equal=["cluster"]))
    assert "source alerts HighErrorRate and target alerts HighErrorRate" in w.message


def test_warning_names_slo_alerts_too(tmp_path):
    (w,) = _inhibit_warnings(tmp_path, Inhibit(source=['alertname="ClusterDown"'], target=['severity="warning"'],
                                               equal=["cluster"]), _slo("checkout"))
    assert "CheckoutAvailabilityBudgetBurn" in w.message and "CheckoutAvailabilitySLIAbsent" in w.message


def test_no_warning_for_labels_the_alerts_may_carry(tmp_path):
    """up == 0 keeps every label of up: obskit cannot say it lacks namespace, so it does not warn;
    alerts obskit does not know (alertname="ClusterDown") are not judged either."""
    assert _inhibit_warnings(tmp_path, Inhibit(source=['alertname="ClusterDown"'], target=['alertname="PodDown"'],
                                               equal=["namespace"])) == []


def test_no_warning_when_every_prometheus_adds_the_label(tmp_path):
    rule = Inhibit(source=['severity="critical"'], target=['severity="warning"'], equal=["alertname", "cluster"])
    assert _inhibit_warnings(tmp_path, rule, PrometheusConfig(external_labels={"cluster": "eu-1"})) == []
    assert len(_inhibit_warnings(tmp_path, rule, PrometheusConfig(name="a", external_labels={"cluster": "eu-1"}),
                                 PrometheusConfig(name="b"))) == 1          # one server does not add it


def test_the_warning_is_a_project_check(tmp_path):
    """check_alertmanager (one of the loader's PROJECT_CHECKS) reports it with the others."""
    from obskit.loader import PROJECT_CHECKS
    from obskit.compile.alertmanager_checks import check_alertmanager
    assert check_alertmanager in PROJECT_CHECKS
    rule = Inhibit(source=['severity="critical"'], target=['severity="warning"'], equal=["alertname", "namespace"])
    am = Alertmanager(route=Route(receiver="all"), receivers=[Receiver(name="all")], inhibit_rules=[rule])
    found = check_alertmanager(Project(root=tmp_path, definitions=(am, GROUP)))
    assert [d.code for d in found if d.severity == "warning"] == ["inhibit-equal-missing"]


# -- proven with the real Alertmanager --------------------------------------------------------------

def _alert(labels: dict) -> dict:
    now = datetime.now(timezone.utc)
    return {"labels": labels, "annotations": {}, "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(hours=1)).isoformat()}


def _slo_alert(project: Project, slo: SLO, tier: str, **extra) -> dict:
    c = compile_slo(slo, project.settings)
    rule = c.alert_for(tier) if tier != "absent" else c.absent_alert
    series = dict(c.series_labels) if tier != "absent" else {}
    return {**series, **dict(rule.labels), "alertname": rule.alert, **extra}


@pytest.mark.parametrize("version", versions("alertmanager"))
def test_a_page_inhibits_only_its_own_ticket(tmp_path, version):
    """Team "shop" (namespace shop: services checkout and search) builds the configuration; team
    "web" runs the same checkout SLO in namespace web, other teams send threshold alerts. The shop
    checkout page is firing: of everything below, exactly its own tickets are inhibited."""
    am_tool, am_cli = require("alertmanager", version), require("amtool", version)
    checkout, search, cart = _slo("checkout"), _slo("search"), _slo("cart", by=("route",))
    shop = _project(tmp_path, checkout, search, cart, settings=Settings(namespace="shop"))
    web = Project(root=tmp_path, settings=Settings(namespace="web"), definitions=(checkout,))
    config = tmp_path / "alertmanager.yml"
    config.write_bytes(am_render.render(compile_alertmanager(shop)))
    check = amtool.check_config(config, tool=am_cli)
    assert check.ok, check.output

    page = _slo_alert(shop, checkout, "page")
    assert page["namespace"] == "shop"
    alerts = {
        "shop checkout page": page,
        "shop checkout ticket": _slo_alert(shop, checkout, "ticket"),                 # muted
        "shop cart page /a": _slo_alert(shop, cart, "page", route="/a"),
        "shop cart ticket /a": _slo_alert(shop, cart, "ticket", route="/a"),          # muted
        "shop cart ticket /b": _slo_alert(shop, cart, "ticket", route="/b"),          # another route
        "shop search ticket": _slo_alert(shop, search, "ticket"),                     # another service
        "shop checkout SLI absent": _slo_alert(shop, checkout, "absent"),             # not a ticket
        "web checkout ticket": _slo_alert(web, checkout, "ticket"),                   # another team
        "other team, same name": {"alertname": page["alertname"], "severity": "warning", "namespace": "shop"},
        "threshold critical": {"alertname": "HighErrorRate", "severity": "critical", "namespace": "web"},
        "threshold warning": {"alertname": "HighErrorRate", "severity": "warning", "namespace": "web"},
        "threshold warning, other namespace": {"alertname": "HighErrorRate", "severity": "warning",
                                               "namespace": "shop"},
    }
    assert alerts["web checkout ticket"]["namespace"] == "web"
    muted = {"shop checkout ticket", "shop cart ticket /a"}

    with start_alertmanager(am_tool, tmp_path / "am", config.read_text()) as server:
        status = json.loads(urllib.request.urlopen(f"{server.url}/api/v2/status", timeout=5).read())
        assert status["versionInfo"]["version"].startswith(version)
        body = json.dumps([_alert(a) for a in alerts.values()]).encode()
        req = urllib.request.Request(f"{server.url}/api/v2/alerts", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=5).read()
        names = {json.dumps(a, sort_keys=True): name for name, a in alerts.items()}
        deadline = time.monotonic() + 20
        while True:
            got = json.loads(urllib.request.urlopen(f"{server.url}/api/v2/alerts", timeout=5).read())
            state = {names[json.dumps(a["labels"], sort_keys=True)]: a["status"] for a in got}
            suppressed = {n for n, s in state.items() if s["state"] == "suppressed"}
            if (len(state) == len(alerts) and suppressed == muted) or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert len(state) == len(alerts)
        assert suppressed == muted, {n: s for n, s in state.items() if n in suppressed ^ muted}
        fingerprints = {a["fingerprint"]: names[json.dumps(a["labels"], sort_keys=True)] for a in got}
        assert {fingerprints[f] for f in state["shop checkout ticket"]["inhibitedBy"]} == {"shop checkout page"}
        assert {fingerprints[f] for f in state["shop cart ticket /a"]["inhibitedBy"]} == {"shop cart page /a"}
