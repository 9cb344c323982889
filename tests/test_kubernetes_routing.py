"""Routing that survives the Prometheus Operator, proven with the real amtool (every supported version).

The kube-prometheus-stack fixture (tests/golden/kubernetes/kps: AlertmanagerConfig in ``checkout``,
the Alertmanager in ``monitoring``, strategy ``OnNamespace``) is routed as the operator deploys it:
the kube-prometheus-stack chart's own root route (receiver ``null``, a Watchdog route), the
AlertmanagerConfig's tree first under it with ``continue: true`` and ``namespace="checkout"``
appended to its matchers, receivers ``checkout/obskit/<name>``. Every alert the project defines,
with the labels Prometheus gives it, reaches the receiver obskit's own tree walk picks for it; the
same alert without the namespace label would be dropped to ``null``. A hand-written alert of
another namespace is refused at load with its file:line and the fix.
"""
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from obskit.compile.alertmanager import compile_alertmanager
from obskit.compile.project import compile_project
from obskit.compile.rules import compile_groups
from obskit.errors import DefinitionError
from obskit.loader import load_project
from obskit.model.alertmanager import Alertmanager
from obskit.render import alertmanager as render
from obskit.verify import amtool as am_tool
from obskit.verify.routing import assert_routes, operator_tree, routing_tests
from servers import require, versions

KPS = Path(__file__).resolve().parent / "golden" / "kubernetes" / "kps"
PREFIX = "checkout/obskit/"


@pytest.fixture(scope="module")
def project():
    return load_project(KPS)


@pytest.fixture(params=versions("amtool"))
def tool(request):
    return require("amtool", request.param)


def _operator_config(project, directory: Path) -> Path:
    tree = operator_tree(project)
    path = directory / "alertmanager.yml"
    path.write_text(yaml.safe_dump(tree.config(compile_alertmanager(project)), sort_keys=False))
    return path


def _alerts(project):
    """Every alert the project defines: (name, the labels Prometheus gives it). SLO alerts carry
    their rule labels and the SLO's recorded series labels; hand-written ones their rule and group
    labels (their queries' own labels are what a route test would add)."""
    out = []
    for c in compile_project(project).slos:
        rules = [a for _, a in c.tier_alerts] + ([c.absent_alert] if c.absent_alert else [])
        for rule in rules:
            labels = {"alertname": rule.alert, **dict(c.series_labels), **dict(rule.labels)}
            out.append((rule.alert, labels))
    for g in compile_groups(project):
        for rule in g.group.rules:
            if hasattr(rule, "alert"):
                out.append((rule.alert, {"alertname": rule.alert, **dict(g.group.labels), **dict(rule.labels)}))
    return out


def test_the_fixture_is_a_kube_prometheus_stack_deployment(project):
    tree = operator_tree(project)
    assert (tree.namespace, tree.name, tree.strategy, tree.alert_namespace) == ("checkout", "obskit", "OnNamespace",
                                                                                "checkout")
    view = tree.config(compile_alertmanager(project))
    assert view["route"]["receiver"] == "null"
    top = view["route"]["routes"][0]
    assert top["continue"] is True and top["matchers"][-1] == 'namespace="checkout"'
    assert view["route"]["routes"][1] == {"receiver": "null", "matchers": ['alertname="Watchdog"']}


def test_the_operator_config_loads_in_amtool(project, tmp_path, tool):
    res = am_tool.check_config(_operator_config(project, tmp_path), tool=tool)
    assert res.ok, res.output


def test_every_alert_reaches_its_receiver_through_the_rewritten_tree(project, tmp_path, tool):
    config = _operator_config(project, tmp_path)
    route = project.of(Alertmanager)[0].route
    alerts = _alerts(project)
    assert len(alerts) >= 5 and all(labels["namespace"] == "checkout" for _, labels in alerts)
    seen = set()
    for name, labels in alerts:
        want = tuple(PREFIX + r for r in route.match(labels))    # obskit's tree walk, as written
        got = am_tool.routes_test(config, labels, tool=tool).got
        assert got == want, (name, labels)
        seen.update(want)
        # without the label the operator's matcher needs, the alert falls to the chart's root receiver
        dropped = {k: v for k, v in labels.items() if k != "namespace"}
        assert am_tool.routes_test(config, dropped, tool=tool).got == ("null",), name
    assert seen == {PREFIX + r for r in ("checkout-oncall", "checkout-team", "payments-team")}


def test_the_route_tests_run_on_the_operator_tree(project, tool):
    outcomes, notes = routing_tests(project, workers=2, keep=None, tool=tool)
    assert len(outcomes) == 3 and all(o.ok for o in outcomes), [o.output for o in outcomes if not o.ok]
    checks = assert_routes(project, tool=tool)
    assert [c.got for c in checks] == [(PREFIX + "checkout-oncall",), (PREFIX + "payments-team",),
                                       (PREFIX + "checkout-team",)]
    assert all(dict(c.labels)["namespace"] == "checkout" for c in checks)


def test_a_failing_route_test_names_the_operator_tree(project, tool):
    with pytest.raises(AssertionError) as exc:
        assert_routes(project, [({"severity": "critical", "namespace": "payments-prod"}, ["checkout-oncall"])],
                      tool=tool)
    text = str(exc.value)
    assert "got:      null" in text and "expected: checkout/obskit/checkout-oncall" in text
    assert "as the operator deploys AlertmanagerConfig checkout/obskit" in text


def _copy(tmp_path: Path, toml_extra: str = "", alerts: str = "") -> Path:
    target = tmp_path / "kps"
    shutil.copytree(KPS, target, ignore=shutil.ignore_patterns("expected", "__pycache__"))
    if toml_extra:
        text = (target / "obskit.toml").read_text().replace("[kubernetes]\n", "[kubernetes]\n" + toml_extra)
        (target / "obskit.toml").write_text(text)
    if alerts:
        (target / "alerts" / "other.py").write_text(textwrap.dedent(alerts))
    return target


OTHER_NAMESPACE = '''\
    from obskit.model.rules import AlertRule, RuleGroup

    payments = RuleGroup(name="payments-pods", rules=(
        AlertRule(name="PaymentsPodDown", expr='kube_pod_status_ready{namespace="payments-prod"} == 0',
                  severity="warning", summary="down", description="down",
                  labels={"namespace": "payments-prod"}),
        AlertRule(name="PaymentsQueueStuck", expr='sum(queue_depth{queue="payments"}) > 100',
                  severity="warning", summary="stuck", description="stuck"),
    ))
'''


def test_an_alert_the_deployed_tree_would_drop_is_refused_at_load(tmp_path):
    with pytest.raises(DefinitionError) as exc:
        load_project(_copy(tmp_path, alerts=OTHER_NAMESPACE))
    diags = {d.obj: d for d in exc.value.diagnostics if d.code == "unrouted-alert"}
    assert set(diags) == {"alert PaymentsPodDown", "alert PaymentsQueueStuck"}
    other, missing = diags["alert PaymentsPodDown"], diags["alert PaymentsQueueStuck"]
    assert (str(other.location), str(missing.location)) == ("alerts/other.py:4", "alerts/other.py:7")
    assert other.message.startswith('is labelled namespace="payments-prod": the AlertmanagerConfig checkout/obskit '
                                    'only routes alerts labelled namespace="checkout"')
    assert missing.message.startswith("has no namespace label")
    assert 'labels={"namespace": "checkout"}' in other.hint and 'matcher_strategy = "None"' in other.hint
    assert "alerts/other.py:4: error [unrouted-alert] alert PaymentsPodDown: " in str(exc.value)


def test_the_build_refuses_it_with_exit_2(tmp_path):
    import subprocess
    import sys
    project = _copy(tmp_path, alerts=OTHER_NAMESPACE)
    res = subprocess.run([sys.executable, "-m", "obskit", "build", str(project), "--no-verify"],
                         capture_output=True, text=True, cwd=str(KPS.parents[3]))
    assert res.returncode == 2, res.stdout + res.stderr
    assert "alerts/other.py:4" in res.stdout + res.stderr and "PaymentsPodDown" in res.stdout + res.stderr
    assert not (project / "build").exists()


def test_strategy_none_needs_no_namespace_label(tmp_path, tool):
    project = load_project(_copy(tmp_path, 'matcher_strategy = "None"\n', alerts=OTHER_NAMESPACE))
    tree = operator_tree(project)
    assert tree.alert_namespace is None
    assert all("namespace" not in dict(a.labels) for c in compile_project(project).slos for _, a in c.tier_alerts)
    view = tree.config(compile_alertmanager(project))
    assert "matchers" not in view["route"]["routes"][0]
    outcomes, _ = routing_tests(project, workers=2, keep=None, tool=tool)
    assert all(o.ok for o in outcomes)


def test_the_alertmanager_namespace_is_exempt_under_the_except_strategy(tmp_path):
    toml = 'matcher_strategy = "OnNamespaceExceptForAlertmanagerNamespace"\n'
    other = load_project(_copy(tmp_path / "other", toml))          # checkout is not monitoring: matcher
    assert operator_tree(other).alert_namespace == "checkout"
    same_dir = _copy(tmp_path / "same", toml, alerts=OTHER_NAMESPACE)
    text = (same_dir / "obskit.toml").read_text()
    (same_dir / "obskit.toml").write_text(text.replace('alertmanager_namespace = "monitoring"',
                                                       'alertmanager_namespace = "checkout"'))
    same = load_project(same_dir)          # in the Alertmanager's namespace: no matcher, nothing refused
    assert operator_tree(same).alert_namespace is None
    assert "matchers" not in operator_tree(same).config(compile_alertmanager(same))["route"]["routes"][0]


def test_an_slo_grouped_by_namespace_is_refused(tmp_path):
    project = _copy(tmp_path)
    (project / "slos" / "by_ns.py").write_text(textwrap.dedent('''\
        from obskit import SLO, RatioSLI

        per_namespace = SLO(service="search", name="availability", objective=99.0,
                            sli=RatioSLI(total='http_requests_total{job="search"}',
                                         errors='http_requests_total{job="search",code=~"5.."}', by=("namespace",)))
    '''))
    with pytest.raises(DefinitionError) as exc:
        load_project(project)
    (d,) = [d for d in exc.value.diagnostics if d.code == "unrouted-alert"]
    assert d.obj == "SLO search/availability" and str(d.location) == "slos/by_ns.py:3"
    assert "keeps a namespace label" in d.message


def test_operator_view_follows_the_operator(project):
    """The rewrites of pkg/alertmanager/amcfg.go (v0.93.0): names prefixed on routes, receivers and
    time intervals; the namespace matcher appended to the top route and to both sides of inhibit rules."""
    ir = compile_alertmanager(project)
    view = render.operator_view(ir, "checkout", name="team")
    top = view["route"]["routes"][0]
    assert top["receiver"] == "checkout/team/checkout-team" and top["continue"] is True
    assert [r["receiver"] for r in top["routes"]] == ["checkout/team/checkout-oncall", "checkout/team/payments-team"]
    assert top["matchers"] == ['namespace="checkout"']
    assert [r["name"] for r in view["receivers"]] == ["operator-default", "checkout/team/checkout-oncall",
                                                     "checkout/team/checkout-team", "checkout/team/payments-team"]
    none = render.operator_view(ir, "checkout", strategy="None")
    assert "matchers" not in none["route"]["routes"][0]
