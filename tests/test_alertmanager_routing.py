"""Routing tests with amtool: the reference routing's RouteTests pass, breaking a route makes
``obskit test`` fail with a readable diff, obskit's own tree walk agrees with amtool, and the
AlertmanagerConfig's namespace matcher (added by the Prometheus Operator) is accounted for."""
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, run_cli
from servers import require, versions
from obskit.compile.alertmanager import compile_alertmanager
from obskit.loader import load_project
from obskit.model.alertmanager import Alertmanager
from obskit.render import alertmanager as render
from obskit.verify import amtool as am_tool
from obskit.verify.routing import RouteCheck, assert_routes, routing_tests, write_config


@pytest.fixture(scope="module")
def reference():
    return load_project(ROOT)


def test_reference_route_tests_pass(reference, amtool):
    checks = assert_routes(reference)
    assert len(checks) >= 19 and all(c.ok for c in checks)
    # every route of the tree is exercised by some test
    am = reference.of(Alertmanager)[0]
    used = {r for c in checks for r in c.got}
    assert used == set(am.receiver_names)


def test_assert_routes_accepts_pairs_and_reports_a_diff(reference, amtool):
    with pytest.raises(AssertionError) as exc:
        assert_routes(reference, [
            ({"service": "llm-gateway", "severity": "critical"}, ["llm-gateway-pagerduty", "llm-gateway-slack"]),
            ({"cluster": "llm-gateway-prod", "severity": "warning"}, "llm-gateway-slack"),
        ])
    text = str(exc.value)
    assert "1 of 2 routing case(s) failed" in text
    assert 'labels:   {service="llm-gateway", severity="critical"}' in text
    assert "expected: llm-gateway-pagerduty, llm-gateway-slack" in text
    assert "got:      llm-gateway-pagerduty" in text and "missing:  llm-gateway-slack" in text


def test_every_route_of_the_reference_is_tested(reference, tmp_path):
    from obskit.verify.routing import untested_routes
    assert untested_routes(reference) == []
    (tmp_path / "alerts").mkdir()
    text = (ROOT / "alerts" / "routing.py").read_text()
    start = text.index('    RouteTest(name="gateway warning: Slack"')
    end = text.index("    RouteTest(", start + 10)
    (tmp_path / "alerts" / "routing.py").write_text(text[:start] + text[end:])
    notes = untested_routes(load_project(tmp_path))
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "receiver=\"llm-gateway-slack\", matchers=" in t)
    assert notes == ["alertmanager routes: no RouteTest ends on the route to 'llm-gateway-slack' defined at "
                     f'alerts/routing.py:{line} under cluster="llm-gateway-prod" / severity="warning"']


def test_order_only_difference_is_explained():
    c = RouteCheck("x", (("a", "b"),), ("p", "q"), ("q", "p"), False, 0.0)
    assert "another order" in c.diff()


@pytest.fixture
def broken_project(tmp_path):
    """The reference routing with the gateway's critical route broken (matches 'page' instead)."""
    (tmp_path / "alerts").mkdir()
    text = (ROOT / "alerts" / "routing.py").read_text()
    broken = text.replace('Route(receiver="llm-gateway-pagerduty", matchers=[\'severity="critical"\'], continue_=True)',
                          'Route(receiver="llm-gateway-pagerduty", matchers=[\'severity="page"\'], continue_=True)')
    assert broken != text
    (tmp_path / "alerts" / "routing.py").write_text(broken)
    return tmp_path


def test_breaking_a_route_fails_obskit_test(broken_project, amtool):
    outcomes, skipped = routing_tests(load_project(broken_project), None, None)
    failed = {o.name: o for o in outcomes if not o.ok}
    assert set(failed) == {"gateway critical: PagerDuty", "gateway critical by service label",
                           "gateway SLO page from a central ruler: PagerDuty"}
    assert "expected: llm-gateway-pagerduty\n  got:      llm-gateway-default" in failed["gateway critical: PagerDuty"].output
    cli = run_cli("test", str(broken_project))
    assert cli.returncode == 1
    assert "FAIL gateway critical: PagerDuty" in cli.stdout and "alerts/routing.py:" in cli.stdout


def test_obskit_test_runs_the_routing_tests(tmp_path, amtool):
    (tmp_path / "alerts").mkdir()
    shutil.copy(ROOT / "alerts" / "routing.py", tmp_path / "alerts" / "routing.py")
    from obskit.testing import run_project_tests
    for v in versions("amtool"):                 # Debian's 0.25 and the built 0.35: both must run
        require("amtool", v)
    report = run_project_tests(tmp_path)
    assert report.ok, report.text()
    text = report.text()
    for v in versions("amtool"):
        section = text.split(f"amtool {v}:", 1)[1] if f"amtool {v}:" in text else text.split(f"amtool {v}.0:", 1)[1]
        assert section.lstrip().startswith("alertmanager routes: ok: 29 test(s) in 29 run(s)"), text
        assert re.search(rf"^amtool {re.escape(v)}(\.0)?: 29 passed$", text, re.M), text


LABELS = st.fixed_dictionaries({}, optional={
    "cluster": st.sampled_from(["llm-simulator", "llm-gateway-prod", "llm-marketplace", "other"]),
    "product": st.sampled_from(["llm-marketplace", "other"]),
    "service": st.sampled_from(["llm-simulator", "llm-gateway", "llm-marketplace", "other"]),
    "obskit_service": st.sampled_from(["llm-simulator", "llm-gateway", "llm-marketplace"]),
    "severity": st.sampled_from(["critical", "warning", "info"]),
    "alertname": st.sampled_from(["HighErrorRate", "PodDown"]),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(labels=LABELS)
def test_tree_walk_agrees_with_amtool(reference, tmp_path, amtool, labels):
    """obskit's Route.match (used in docs and quick checks) gives what amtool gives."""
    am = reference.of(Alertmanager)[0]
    config = tmp_path / "alertmanager.yml"
    if not config.exists():
        write_config(compile_alertmanager(reference), tmp_path)
    assert am_tool.routes_test(config, labels).got == am.route.match(labels)


def test_operator_namespace_matcher(reference, tmp_path, amtool):
    """The operator routes only alerts whose namespace label is the AlertmanagerConfig's namespace:
    the same tree, under a namespace matcher, with receivers renamed <ns>/<name>/<receiver>."""
    ir = compile_alertmanager(reference)
    view = render.operator_view(ir, "monitoring")
    path = tmp_path / "operator.yml"
    path.write_text(yaml.safe_dump(view, sort_keys=False))
    res = am_tool.check_config(path)
    assert res.ok, res.output
    prefix = "monitoring/obskit/"
    for case in ir.route_tests:
        inside = am_tool.routes_test(path, dict(case.labels, namespace="monitoring"))
        assert inside.got == tuple(prefix + r for r in case.receivers), case.name
        outside = am_tool.routes_test(path, dict(case.labels, namespace="other"))
        assert outside.got == ("operator-default",), case.name
    assert all(r["source_matchers"][-1] == 'namespace="monitoring"' == r["target_matchers"][-1]
               for r in view["inhibit_rules"])


def test_crd_route_is_written_without_namespace_matcher(reference):
    """obskit leaves the namespace matcher to the operator (which would replace one anyway)."""
    crd = yaml.safe_load(render.render_crd(compile_alertmanager(reference), "monitoring"))
    assert crd["metadata"]["namespace"] == "monitoring"
    names = [m["name"] for m in crd["spec"]["route"].get("matchers", [])]
    assert "namespace" not in names


def test_reference_template_renders_with_amtool(reference, tmp_path, amtool):
    write_config(compile_alertmanager(reference), tmp_path)
    data = tmp_path / "data.json"
    data.write_text(json.dumps({
        "receiver": "default", "status": "firing", "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am", "groupKey": "{}",
        "alerts": [{"status": "firing", "labels": {"alertname": "HighErrorRate"},
                    "annotations": {"description": "Error rate is 7%"}, "startsAt": "2026-01-01T00:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://p", "fingerprint": "1"}],
    }))
    res = am_tool.run("amtool", ["template", "render", f"--template.glob={tmp_path}/templates/*.tmpl",
                                 f"--template.data={data}",
                                 '--template.text={{ template "obskit.slack.title" . }} {{ template "obskit.description" . }}'])
    assert res.ok, res.output
    assert res.stdout.strip() == "[FIRING:1] HighErrorRate Error rate is 7%"


# the platforms' real alert rules (alerts/*.py, built by the alert-rules target) → their receivers
CLUSTER = {"llm_gateway": "llm-gateway-prod", "llm_marketplace": "llm-marketplace", "llm_simulator": "llm-simulator"}


def _threshold_alerts(project):
    from obskit.targets.alert_rules import AlertRules
    for path, data in sorted(AlertRules().render(project).items()):
        if not path.startswith("prometheus/rules/"):
            continue
        module = Path(path).stem.removesuffix("-alerts")
        for group in yaml.safe_load(data)["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    yield module, dict(rule.get("labels", {}), alertname=rule["alert"])


def test_every_platform_alert_reaches_its_platform(reference, tmp_path, amtool):
    """Each threshold alert the repository defines, with its Prometheus' cluster label, reaches its
    own platform's receivers; critical ones page, the others do not."""
    from concurrent.futures import ThreadPoolExecutor
    config = write_config(compile_alertmanager(reference), tmp_path)
    cases = [(m, dict(labels, cluster=CLUSTER[m])) for m, labels in _threshold_alerts(reference) if m in CLUSTER]
    assert len(cases) >= 40
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda c: am_tool.routes_test(config, c[1]).got, cases))
    for (module, labels), got in zip(cases, results):
        platform = CLUSTER[module].removesuffix("-prod")
        assert got and all(r.startswith(platform + "-") for r in got), (labels, got)
        assert (f"{platform}-pagerduty" in got) == (labels.get("severity") == "critical"), (labels, got)


# -- random trees: what obskit renders routes in amtool as obskit's model says -----------------------

from obskit.model.alertmanager import Matcher, Receiver, Route  # noqa: E402
from obskit.project import Project  # noqa: E402

VALUES = st.sampled_from(["a", "b", "", 'q"uote', "back\\slash", "comma,space x", "ünï"])
LABEL = st.sampled_from(["severity", "team", "env"])


@st.composite
def matchers(draw):
    op = draw(st.sampled_from(["=", "!=", "=~", "!~"]))
    value = draw(VALUES)
    if op in ("=~", "!~"):
        value = draw(st.sampled_from(["a|b", ".*", "b.*", "", "ü.*"]))
    return Matcher(draw(LABEL), op, value)


@st.composite
def trees(draw, depth=0):
    children = [] if depth >= 2 else draw(st.lists(trees(depth + 1), max_size=3))
    return Route(receiver=draw(st.sampled_from(["r0", "r1", "r2", None])) if depth else "r0",
                 matchers=() if depth == 0 else tuple(draw(st.lists(matchers(), max_size=2))),
                 continue_=draw(st.booleans()) if depth else False, routes=children)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=trees(), alerts=st.lists(st.dictionaries(LABEL, VALUES, max_size=3), min_size=1, max_size=3))
def test_random_trees_route_in_amtool_as_in_the_model(tmp_path_factory, amtool, tree, alerts):
    am = Alertmanager(route=tree, receivers=[Receiver(name=n) for n in ("r0", "r1", "r2")],
                      generated_inhibitions=False)
    directory = tmp_path_factory.mktemp("tree")
    config = write_config(compile_alertmanager(Project(root=directory, definitions=(am,))), directory)
    for labels in alerts:
        assert am_tool.routes_test(config, labels).got == tree.match(labels), (labels, config.read_text())
