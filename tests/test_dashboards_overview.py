"""The SLO overview (one table row per SLO) and the detail dashboards at scale: constant size whatever
the number of SLOs, queries that parse, links that reach the detail dashboards, collapsed detail rows,
and the table's queries run by promtool against the recording rules of two SLOs with different
periods (one value per SLO per column)."""
import json
from pathlib import Path

from obskit import SLO, RatioSLI
from obskit.compile import conventions as conv
from obskit.compile.dashboards.slo import COLLAPSE_ABOVE, COLUMNS, detail, overview, overview_exprs
from obskit.model.dashboard_uid import uid_from_name
from obskit.compile.slo import compile_slo
from obskit.duration import Duration
from obskit.loader import load_project
from obskit.promql import check_syntax
from obskit.render.grafana import dump, spec_json
from obskit.targets.grafana import Grafana
from obskit.verify.grafana_schema import promql_problem, validate_dashboard
from obskit.verify.promtool_tests import ExprCheck, PromtoolTest, PromtoolTestFile
from obskit.verify.series import Series

GOLDEN = Path(__file__).parent / "golden" / "grafana"


def _slos(n: int):
    return [SLO(service=f"svc{i % 7}", name=f"slo{i}", objective=99.9,
                sli=RatioSLI(total=f'req_total{{slo="{i}"}}', errors=f'req_total{{slo="{i}",code="500"}}'))
            for i in range(n)]


def _doc(spec):
    return spec_json(spec, "slo-overview", 42)


def _all_panels(doc):
    for p in doc["panels"]:
        yield p
        yield from p.get("panels", [])


# --- scale -------------------------------------------------------------------------------------------
def test_overview_does_not_grow_with_the_number_of_slos():
    small, big = _doc(overview(_slos(10))), _doc(overview(_slos(1000)))
    assert len(small["panels"]) == len(big["panels"]) == 4
    assert len(dump(small)) == len(dump(big)) < 20_000
    assert validate_dashboard(big, 42) == []
    table = big["panels"][-1]
    assert table["type"] == "table" and len(table["targets"]) == len(COLUMNS)


def test_detail_dashboard_does_not_grow_with_the_number_of_slos():
    """One row repeated over a variable listing the service's SLOs: 100 SLOs cost the names only (within
    10 % of 5 SLOs); every SLO is a value of the variable, its row collapsed under the summary table."""
    def svc(n):
        return [s for s in _slos(7 * n) if s.service == "svc0"]
    sizes = {n: len(dump(spec_json(detail("svc0", svc(n)), "d", 42))) for n in (COLLAPSE_ABOVE + 2, 100)}
    assert sizes[100] <= 1.1 * sizes[COLLAPSE_ABOVE + 2], sizes
    many = svc(100)
    doc = spec_json(detail("svc0", many), "d", 42)
    summary, table, row = doc["panels"]                              # only the header of the repeated row
    assert (summary["type"], summary["collapsed"], table["type"]) == ("row", False, "table")
    exprs = [t["expr"] for t in table["targets"]]                    # every SLO of the service at a glance
    assert len(exprs) == len(COLUMNS) and all('obskit_service="svc0"' in e and "$service" not in e for e in exprs)
    assert "links" not in json.dumps(table["fieldConfig"])           # no link to the dashboard it is on
    assert (row["type"], row["repeat"], row["title"], row["collapsed"]) == ("row", "slo", "${slo}", True)
    assert len(row["panels"]) == 11 and row["gridPos"]["y"] == table["gridPos"]["y"] + table["gridPos"]["h"]
    assert min(p["gridPos"]["y"] for p in row["panels"]) == row["gridPos"]["y"] + 1   # nested under the header
    slo = {v["name"]: v for v in doc["templating"]["list"]}["slo"]
    assert slo["type"] == "custom" and slo["query"].split(",") == sorted(s.name for s in many)
    assert all('obskit_slo="${slo}"' in t["expr"] for p in row["panels"] for t in p.get("targets", []))
    ids = [p["id"] for p in _all_panels(doc)]
    assert len(ids) == len(set(ids))
    assert validate_dashboard(doc, 42) == [] and validate_dashboard(doc | {"schemaVersion": 41}, 41) == []
    few = spec_json(detail("svc0", many[:COLLAPSE_ABOVE]), "d", 42)   # a few SLOs: the row expanded, no summary
    assert [(p["title"], p["collapsed"]) for p in few["panels"] if p["type"] == "row"] == [("${slo}", False)]
    assert len(few["panels"]) == 1 + 11


def test_detail_rows_per_kind_of_slo():
    """SLOs that differ in what their row shows (objective, period, alert windows) get a row and a
    variable each; their descriptions, which differ per SLO, are notes above the rows."""
    a = SLO(service="s", name="a", objective=99.9, description="Checkout works.", owner="team-a",
            sli=RatioSLI(total="t_total", errors="e_total"))
    b = SLO(service="s", name="b", objective=99.9, sli=RatioSLI(total="t_total", errors="e_total"))
    c = SLO(service="s", name="c", objective=99.0, period="7d", sli=RatioSLI(total="t_total", errors="e_total"))
    doc = spec_json(detail("s", [c, b, a]), "d", 42)
    variables = {v["name"]: v["query"] for v in doc["templating"]["list"] if v["type"] == "custom"}
    assert variables == {"slo": "a,b", "slo2": "c"}
    rows = [p for p in doc["panels"] if p["type"] == "row"]
    assert [(r["title"], r.get("repeat")) for r in rows] == [("Summary", None), ("${slo}", "slo"), ("${slo2}", "slo2")]
    notes = next(p for p in doc["panels"] if p["type"] == "text" and p["title"] == "About these SLOs")
    assert notes["options"]["content"] == "**a**: Checkout works. Owner: team-a."
    titles = [p["title"] for p in doc["panels"]]
    assert "s/${slo2}: SLI (7d)" in titles and "s/${slo}: SLI (30d)" in titles
    assert validate_dashboard(doc, 42) == []


# --- queries -----------------------------------------------------------------------------------------
def test_every_overview_query_parses_and_filters_by_service():
    doc = _doc(overview(_slos(3)))
    exprs = [t["expr"] for p in doc["panels"] for t in p["targets"]]
    assert len(exprs) == 3 + len(COLUMNS)
    for expr in exprs:
        assert promql_problem(expr) is None, expr
        check_syntax(expr.replace("$service", ".+"))
        assert f'{conv.LABEL_SERVICE}=~"${conv.SERVICE_VARIABLE}"' in expr
    variables = {v["name"]: v for v in doc["templating"]["list"]}
    service = variables[conv.SERVICE_VARIABLE]
    assert service["multi"] and service["includeAll"] and service["allValue"] == ".+"
    assert service["query"] == f"label_values({conv.OBJECTIVE}, {conv.LABEL_SERVICE})"
    broken = json.loads(json.dumps(doc))
    broken["panels"][-1]["targets"][1]["expr"] = broken["panels"][-1]["targets"][1]["expr"][:-1]
    assert any("targets/1/expr: PromQL syntax error" in m for m in validate_dashboard(broken, 42))


def test_table_columns_transformations_and_overrides():
    doc = _doc(overview(_slos(3)))
    table = doc["panels"][-1]
    merge, organize = table["transformations"]
    assert merge == {"id": "merge", "options": {}}
    opts = organize["options"]
    assert opts["excludeByName"] == {"Time": True}
    refs = [t["refId"] for t in table["targets"]]
    assert refs == [ref for ref, _ in COLUMNS]
    renamed = opts["renameByName"]
    assert [renamed[f"Value #{ref}"] for ref in refs] == [title for _, title in COLUMNS]
    order = sorted(opts["indexByName"], key=opts["indexByName"].get)
    assert order == [conv.LABEL_SERVICE, conv.LABEL_SLO] + [f"Value #{ref}" for ref in refs]
    overrides = {o["matcher"]["options"]: {p["id"]: p["value"] for p in o["properties"]}
                 for o in table["fieldConfig"]["overrides"]}
    assert all(o["matcher"]["id"] == "byName" for o in table["fieldConfig"]["overrides"])
    assert set(overrides) == {"Service", "SLO"} | {title for _, title in COLUMNS}   # every override hits a column
    assert overrides["Error budget left"]["custom.cellOptions"] == {"type": "color-background"}
    assert overrides["Objective"]["unit"] == "percentunit"
    assert overrides["Firing alerts"]["decimals"] == 0
    assert table["options"]["sortBy"] == [{"displayName": "Error budget left", "desc": False}]


def test_rows_link_to_the_detail_dashboards():
    """Direct ``/d/<uid>`` links when every service's detail uid is ``slos-<service>`` (checked against the
    uids actually built); the tag search otherwise (``web_shop``: its uid is ``slos-web-shop``)."""
    files = Grafana().render(load_project(GOLDEN / "generated"))
    doc = json.loads(files["grafana/dashboards/slos/slo-overview.json"])
    link = {o["matcher"]["options"]: o for o in doc["panels"][-1]["fieldConfig"]["overrides"]}["Service"]
    url = link["properties"][0]["value"][0]["url"]
    assert url.startswith("/d/slos-${__data.fields.obskit_service}?${__url_time_range}&var-datasource=${datasource}")
    for service in ("api", "probe"):
        uid = url.split("?")[0][len("/d/"):].replace("${__data.fields.obskit_service}", service)
        assert f"grafana/dashboards/slos/{uid}.json" in files
    files = Grafana().render(load_project(GOLDEN / "many"))
    doc = json.loads(files["grafana/dashboards/slos/slo-overview.json"])
    link = {o["matcher"]["options"]: o for o in doc["panels"][-1]["fieldConfig"]["overrides"]}["Service"]
    assert link["properties"][0]["value"][0]["url"] == "/dashboards?tag=slo&tag=${__data.fields.obskit_service}"
    detail_doc = json.loads(files[f"grafana/dashboards/slos/{uid_from_name(conv.slo_detail_title('web_shop'))}.json"])
    assert {"slo", "web_shop"} <= set(detail_doc["tags"])


# --- the queries run against the recording rules (promtool) ------------------------------------------
BROKEN = SLO(service="shop", name="checkout", objective=99.9,
             sli=RatioSLI(total='shop_requests_total{job="shop"}', errors='shop_errors_total{job="shop"}'))
HEALTHY = SLO(service="search", name="query", objective=99.0, period="7d",
              sli=RatioSLI(total='search_requests_total{job="search"}', errors='search_errors_total{job="search"}'))
AT = 1800     # seconds: every window the alerts read holds data by then


def _recorded(slo, record: str) -> float:
    """The constant a metadata rule records (``vector(0.999)``), as Prometheus reads it."""
    rule = next(r for r in compile_slo(slo).metadata_rules if r.record == record)
    return float(rule.expr.removeprefix("vector(").removesuffix(")"))


def _labels(slo):
    return ((conv.LABEL_SERVICE, slo.service), (conv.LABEL_SLO, slo.name))


def _expected(slo, error_ratio: float, firing: int):
    budget = _recorded(slo, conv.ERROR_BUDGET)
    burn = error_ratio / budget
    return (_recorded(slo, conv.OBJECTIVE), 1 - burn * budget, 1 - burn, burn, float(firing))


def test_overview_queries_against_the_recording_rules(promtool, tmp_path):
    """Every request of ``shop/checkout`` (30d) fails, none of ``search/query`` (7d) does: one row each,
    with the objective, the SLI over its own period, the budget left, the burn rate and the firing
    alerts (both tiers of shop, 0 for search through the ``or 0 *`` branch)."""
    from obskit.verify.runner import run_files
    assert BROKEN.period != HEALTHY.period
    steps = AT // 60 + 1
    series = (Series("shop_requests_total", {"job": "shop"}).count(steps, 600),
              Series("shop_errors_total", {"job": "shop"}).count(steps, 600),
              Series("search_requests_total", {"job": "search"}).count(steps, 600),
              Series("search_errors_total", {"job": "search"}).count(steps, 0))
    tiers = len(compile_slo(BROKEN).tier_alerts)
    rows = {BROKEN: _expected(BROKEN, 1.0, tiers), HEALTHY: _expected(HEALTHY, 0.0, 0)}
    checks = []
    detail_exprs = overview_exprs(f'{conv.LABEL_SERVICE}="{HEALTHY.service}"')   # a detail dashboard's summary
    for i, expr in enumerate(overview_exprs()):
        all_services = expr.replace("$service", ".+")
        checks.append(ExprCheck(Duration(AT), all_services, tuple((_labels(s), v[i]) for s, v in rows.items())))
        for one in (expr.replace("$service", HEALTHY.service), detail_exprs[i]):
            checks.append(ExprCheck(Duration(AT), one, ((_labels(HEALTHY), rows[HEALTHY][i]),)))
    groups = compile_slo(BROKEN).groups() + compile_slo(HEALTHY).groups()
    test = PromtoolTest(name="overview table: one row per SLO", interval=Duration(60), series=series,
                        expr_checks=tuple(checks))
    outcome, = run_files([PromtoolTestFile(name="overview", subject="overview", groups=groups,
                                           evaluation_interval=Duration(60), tests=(test,))], workers=1)
    assert outcome.ok, outcome.output
    assert tiers >= 1 and rows[BROKEN][2] < 0 < rows[HEALTHY][2]     # the check tells the two rows apart


CART = SLO(service="shop", name="cart", objective=99.9,
           sli=RatioSLI(total='cart_requests_total{job="shop"}', errors='cart_errors_total{job="shop"}'))


def test_detail_row_queries_against_the_recording_rules(promtool):
    """The repeated row's queries with ``${slo}`` as Grafana fills it in (each SLO's name): every value
    panel shows that SLO's figure, from its own series only (``shop/checkout`` fails every request,
    ``shop/cart`` none: one row kind, two SLOs)."""
    from obskit.verify.runner import run_files
    spec = detail("shop", [BROKEN, CART])
    (row,) = [r for r in spec.rows if r.repeat]
    assert row.repeat == "slo" and len(spec.rows) == 1
    steps = AT // 60 + 1
    series = (Series("shop_requests_total", {"job": "shop"}).count(steps, 600),
              Series("shop_errors_total", {"job": "shop"}).count(steps, 600),
              Series("cart_requests_total", {"job": "shop"}).count(steps, 600),
              Series("cart_errors_total", {"job": "shop"}).count(steps, 0))
    tiers = len(compile_slo(BROKEN).tier_alerts)
    figures = {BROKEN: {"objective": 0.999, "sli": 0.0, "left": -999.0, "burn": 1000.0, "firing": float(tiers)},
               CART: {"objective": 0.999, "sli": 1.0, "left": 1.0, "burn": 0.0, "firing": 0.0}}

    def expected(panel, query, slo):
        f, title = figures[slo], panel.title
        if title.endswith("objective"):
            return f["objective"]
        if title.endswith("firing alerts"):
            return f["firing"]
        if title == "Error budget":
            return 0.001
        if "error budget left" in title.lower():
            return f["left"]
        if "burn rate" in title:
            return f["burn"]
        if title.startswith("SLI") or "SLI (" in title:
            return f["sli"]
        return None

    checks, proven = [], set()
    for slo in (BROKEN, CART):
        for panel in row.panels:
            for query in panel.queries:
                value = expected(panel, query, slo)
                if value is None:
                    continue                                   # the Alerts table: ALERTS as they are
                expr = f"sum without (__name__) ({query.expr.replace('${slo}', slo.name)})"
                labels = () if panel.title.endswith("firing alerts") else _labels(slo)
                checks.append(ExprCheck(Duration(AT), expr, ((labels, value),)))
                proven.add(panel.title)
    assert len(proven) == len([p for p in row.panels if p.queries]) - 1       # all but the Alerts table
    groups = compile_slo(BROKEN).groups() + compile_slo(CART).groups()
    test = PromtoolTest(name="detail row: each SLO's figures", interval=Duration(60), series=series,
                        expr_checks=tuple(checks))
    outcome, = run_files([PromtoolTestFile(name="detail", subject="detail", groups=groups,
                                           evaluation_interval=Duration(60), tests=(test,))], workers=1)
    assert outcome.ok, outcome.output
