"""The deployment model (obskit/compile/deployment.py) and its path checks
(obskit/compile/deployment_checks.py), on small projects and on the repository's own stacks."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from obskit.compile import relabel
from obskit.compile.deployment import compile_deployment, selectors
from obskit.errors import DefinitionError
from obskit.loader import load_project
from obskit.model.prometheus_config.relabel import Relabel

ROOT = Path(__file__).resolve().parent.parent

SERVERS = '''
from obskit.model.scrape import PrometheusConfig, ScrapeConfig, Relabel
shop_api = ScrapeConfig(job_name="shop-api", targets=["api:8080"], static_configs=[])
blog_web = ScrapeConfig(job_name="blog-web", targets=["web:8080"])
shop = PrometheusConfig(name="shop", external_labels={"cluster": "shop"}, alertmanagers=["am:9093"],
                        scrape_configs=[shop_api])
blog = PrometheusConfig(name="blog", external_labels={"cluster": "blog"}, alertmanagers=["am:9093"],
                        scrape_configs=[blog_web])
'''
ROUTING = '''
from obskit.model.alertmanager import Alertmanager, Receiver, Route, Webhook
alertmanager = Alertmanager(
    route=Route(receiver="default", routes=[
        Route(matchers={"cluster": "shop"}, receiver="shop"),
        Route(matchers={"cluster": "blog"}, receiver="blog"),
    ]),
    receivers=[Receiver(name=n, integrations=[Webhook(url=f"http://hooks/{n}")]) for n in ("default", "shop", "blog")],
)
'''


def _alert(name, expr, **extra):
    args = ", ".join(f"{k}={v!r}" for k, v in extra.items())
    return (f'{name.lower()} = AlertRule(name="{name}", expr={expr!r}, severity="critical", summary="s", '
            f'description="d"{", " + args if args else ""})\n')


def make(tmp_path: Path, files: dict) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def group(name, *alerts):
    body = "from obskit.model.rules import AlertRule, RuleGroup\n" + "".join(alerts)
    names = ", ".join(a.split(" = ")[0] for a in alerts)
    return body + f'{name.replace("-", "_")}_rules = RuleGroup(name="{name}", rules=[{names}])\n'


def shop_blog(tmp_path, shop_alert=None, blog_alert=None, servers=SERVERS, routing=ROUTING):
    return make(tmp_path, {
        "telemetry/servers.py": servers, "alerts/routing.py": routing,
        "alerts/shop.py": group("shop", shop_alert or _alert("ShopDown", 'up{job="shop-api"} == 0')),
        "alerts/blog.py": group("blog", blog_alert or _alert("BlogDown", 'up{job="blog-web"} == 0')),
    })


def refused(root: Path):
    """The errors of a project that does not load (warnings left out)."""
    with pytest.raises(DefinitionError) as exc:
        load_project(root)
    return [d for d in exc.value.diagnostics if d.severity == "error"]


# --- the model ---------------------------------------------------------------------------------
def test_each_server_loads_its_platforms_rules_only(tmp_path):
    d = compile_deployment(load_project(shop_blog(tmp_path)))
    loads = {e.name: e.rule_files for e in d.evaluators}
    assert loads == {"shop": ("prometheus/rules/shop-alerts.yml",), "blog": ("prometheus/rules/blog-alerts.yml",)}
    assert {(p.alert.name, p.evaluator.name) for p in d.paths} == {("ShopDown", "shop"), ("BlogDown", "blog")}


def test_the_only_server_loads_every_rule_file(tmp_path):
    servers = SERVERS.split("blog = ")[0].replace('shop = PrometheusConfig(name="shop"', 'shop = PrometheusConfig(name="all"')
    servers = servers.replace("scrape_configs=[shop_api]", "scrape_configs=[shop_api, blog_web]")
    d = compile_deployment(load_project(shop_blog(tmp_path, servers=servers)))
    (e,) = d.evaluators
    assert e.rule_files == ("prometheus/rules/blog-alerts.yml", "prometheus/rules/shop-alerts.yml")


def test_arriving_labels_external_labels_then_alert_relabelling(tmp_path):
    servers = SERVERS.replace('alertmanagers=["am:9093"],\n                        scrape_configs=[shop_api])',
                              'alertmanagers=["am:9093"], scrape_configs=[shop_api], replicas=["a", "b"],\n'
                              '    alert_relabel_configs=[Relabel(action="labeldrop", regex="replica"),\n'
                              '                           Relabel(source_labels=["team"], regex="(.*)", target_label="owner")])')
    root = shop_blog(tmp_path, shop_alert=_alert("ShopDown", 'up{job="shop-api"} == 0',
                                                labels={"cluster": "mine", "team": "t1"},
                                                lint_disable=["default-route-only"]), servers=servers)
    d = compile_deployment(load_project(root))
    paths = d.paths_of("ShopDown")
    assert [p.evaluator.name for p in paths] == ["shop/a", "shop/b"]
    # the rule's cluster wins over the external label; replica dropped; owner copied from team
    assert {p.labels for p in paths} == {(("alertname", "ShopDown"), ("cluster", "mine"), ("owner", "t1"),
                                          ("severity", "critical"), ("team", "t1"))}


def test_selectors_of_an_expression():
    sels = selectors('absent(up{job="x"} == 1) or rate(http_requests_total{namespace=~"a|b",job="y"}[5m]) > 1')
    assert [(s.metric, s.equal("job"), s.equal("namespace")) for s in sels] == [
        ("up", "x", None), ("http_requests_total", "y", None)]


@pytest.mark.parametrize("steps,labels,expected", [
    ([Relabel(action="labeldrop", regex="replica|prometheus")], {"a": "1", "replica": "r0", "prometheus": "p"},
     {"a": "1"}),
    ([Relabel(source_labels=["a", "b"], regex="(.*);(.*)", replacement="$2-$1", target_label="c")],
     {"a": "x", "b": "y"}, {"a": "x", "b": "y", "c": "y-x"}),
    ([Relabel(source_labels=["missing"], target_label="a")], {"a": "1"}, {}),      # empty value deletes
    ([Relabel(action="drop", source_labels=["severity"], regex="info")], {"severity": "info"}, None),
    ([Relabel(action="keep", source_labels=["severity"], regex="critical|warning")], {"severity": "info"}, None),
    ([Relabel(action="labelmap", regex="team_(.+)", replacement="owner_$1")], {"team_a": "x"},
     {"team_a": "x", "owner_a": "x"}),
    ([Relabel(action="lowercase", source_labels=["a"], target_label="b")], {"a": "ABC"}, {"a": "ABC", "b": "abc"}),
])
def test_relabel_simulation(steps, labels, expected):
    assert relabel.apply(steps, labels) == expected


def test_loki_rulers_evaluate_their_platforms_rules(tmp_path):
    loki = '''
    from obskit.model.loki import LogAlert, LogRuleGroup, LokiConfig, LokiRules
    shop_loki = LokiConfig(name="shop", alertmanager_url="http://am:9093")
    blog_loki = LokiConfig(name="blog", alertmanager_url="http://am:9093")
    shop_rules = LokiRules(name="shop", groups=[LogRuleGroup(name="g", rules=[LogAlert(
        alert="ShopPanic", expr='sum(count_over_time({app="shop"} |= "panic" [5m])) > 0',
        labels={"severity": "critical", "cluster": "shop"})])])
    '''
    root = make(tmp_path, {"telemetry/logs.py": loki, "alerts/routing.py": ROUTING})
    d = compile_deployment(load_project(root))
    (path,) = d.paths_of("ShopPanic")
    assert path.evaluator.name == "loki shop" and path.evaluator.alertmanagers == ("http://am:9093",)


# --- the repository ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reference():
    return compile_deployment(load_project(ROOT))


def test_reference_every_alert_is_evaluated_by_its_platforms_servers_only(reference):
    evaluated = {}
    for p in reference.paths:
        assert p.alert.platform == p.evaluator.platform, (p.alert.name, p.evaluator.name)
        evaluated.setdefault(p.alert.name, set()).add(p.evaluator.name)
    assert {a.name for a in reference.alerts} == set(evaluated)
    assert evaluated["LLMSimulatorUnavailable"] == {"llm-simulator-us-east-1", "llm-simulator-us-west-2"}
    assert evaluated["MarketplaceServiceDown"] == {"llm-marketplace/prometheus-0", "llm-marketplace/prometheus-1"}
    assert evaluated["MarketplacePanic"] == {"loki llm-marketplace"}


def test_reference_ha_replicas_send_identical_alerts(reference):
    labels = {p.labels for p in reference.paths_of("MarketplaceServiceDown")}
    assert len(labels) == 1 and "replica" not in dict(next(iter(labels)))
