"""The path checks (obskit/compile/deployment_checks.py) on small projects: each finding is a located
definition error naming the alert, the server and the route (issue #19 item 2)."""
from __future__ import annotations

from obskit.loader import load_project
from test_deployment import ROUTING, SERVERS, _alert, group, make, refused, shop_blog


# --- the checks ----------------------------------------------------------------------------------
def test_a_rule_file_no_server_loads(tmp_path):
    root = shop_blog(tmp_path)
    make(root, {"alerts/legacy.py": group("legacy", _alert("LegacyDown", 'up{job="shop-api"} == 0'))})
    (d,) = refused(root)
    assert (d.code, str(d.location)) == ("alert-not-evaluated", "alerts/legacy.py:2")
    assert "no Prometheus (or ruler) loads prometheus/rules/legacy-alerts.yml" in d.message
    assert "platform='legacy'" in d.hint


def test_a_server_with_alerts_and_no_alertmanager(tmp_path):
    root = shop_blog(tmp_path, servers=SERVERS.replace(
        'shop = PrometheusConfig(name="shop", external_labels={"cluster": "shop"}, alertmanagers=["am:9093"],',
        'shop = PrometheusConfig(name="shop", external_labels={"cluster": "shop"},'))
    (d,) = refused(root)
    assert (d.code, str(d.location), d.obj) == ("no-alertmanager", "telemetry/servers.py:5", "Prometheus config 'shop'")
    assert "evaluates 1 alert(s) (ShopDown)" in d.message


def test_a_job_the_server_does_not_scrape(tmp_path):
    (d,) = refused(shop_blog(tmp_path, shop_alert=_alert("ShopDown", 'absent(up{job="blog-web"} == 1)')))
    assert (d.code, str(d.location)) == ("job-not-scraped", "alerts/shop.py:2")
    assert "selects job=\"blog-web\" on Prometheus 'shop', which scrapes only shop-api" in d.message


def test_lint_disable_silences_a_path_check(tmp_path):
    load_project(shop_blog(tmp_path, shop_alert=_alert("ShopDown", 'absent(up{job="blog-web"} == 1)',
                                                         lint_disable=["job-not-scraped"])))


def test_a_series_recorded_on_another_server(tmp_path):
    root = shop_blog(tmp_path, shop_alert=_alert("ShopSlow", "blog:latency:p99 > 1"))
    blog = (root / "alerts/blog.py").read_text().replace(
        "from obskit.model.rules import AlertRule, RuleGroup",
        "from obskit.model.rules import AlertRule, RecordingRule, RuleGroup\n"
        "rec = RecordingRule(record='blog:latency:p99', expr='vector(1)')").replace("rules=[blogdown]",
                                                                                  "rules=[rec, blogdown]")
    (root / "alerts/blog.py").write_text(blog)
    (d,) = refused(root)
    assert d.code == "recorded-elsewhere"
    assert "recorded by prometheus/rules/blog-alerts.yml, which Prometheus 'shop' does not load" in d.message


def test_a_namespace_the_server_does_not_discover(tmp_path):
    servers = SERVERS.replace('shop_api = ScrapeConfig(job_name="shop-api", targets=["api:8080"], static_configs=[])',
                              'from obskit.model.scrape import kubernetes_pods\n'
                              'shop_api = kubernetes_pods("shop-api", namespaces=["shop-prod"])')
    root = shop_blog(tmp_path, servers=servers, shop_alert=_alert(
        "ShopDown", 'up{job="shop-api",namespace="shop-staging"} == 0'))
    (d,) = refused(root)
    assert d.code == "namespace-not-scraped"
    assert "namespace=\"shop-staging\" on Prometheus 'shop', whose scrape configs discover" in d.message
    assert "in shop-prod only" in d.message


def test_an_alert_that_reaches_only_the_default_receiver(tmp_path):
    routing = ROUTING.replace('        Route(matchers={"cluster": "blog"}, receiver="blog"),\n', "")
    (d,) = refused(shop_blog(tmp_path, routing=routing))
    assert (d.code, str(d.location)) == ("default-route-only", "alerts/blog.py:2")
    assert 'evaluated by blog, it arrives with {cluster="blog", severity="critical"}' in d.message
    assert "reaches only root: default" in d.message


def test_an_ha_pair_without_deduplication(tmp_path):
    servers = SERVERS.replace('scrape_configs=[shop_api])', 'scrape_configs=[shop_api], replicas=["a", "b"])')
    (d,) = refused(shop_blog(tmp_path, servers=servers))
    assert (d.code, d.obj) == ("ha-no-dedup", "Prometheus config 'shop'")
    assert "the 2 replicas (shop/a, shop/b) send every alert with a different replica label" in d.message
    assert 'Relabel(action="labeldrop", regex="replica")' in d.hint


def test_no_prometheus_described_means_no_path_checks(tmp_path):
    root = make(tmp_path, {"alerts/shop.py": group("shop", _alert("ShopDown", 'up{job="x"} == 0'))})
    load_project(root)




def test_prometheus_rule_objects_count_as_evaluated_when_the_operator_is_configured(tmp_path):
    """A prometheus.yml with rule_files=() evaluates nothing: the rules are PrometheusRule objects for the
    operator's Prometheus, which obskit.toml's [kubernetes] namespace/labels say it selects."""
    servers = SERVERS.replace('scrape_configs=[shop_api])', 'scrape_configs=[shop_api], rule_files=[])')
    root = shop_blog(tmp_path, servers=servers)
    (d,) = refused(root)
    assert d.code == "alert-not-evaluated" and "ShopDown" in d.obj
    (root / "obskit.toml").write_text('[kubernetes]\nnamespace = "shop"\nmatcher_strategy = "None"\n')
    load_project(root)
