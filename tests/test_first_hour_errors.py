"""Every error at its source (#15 item 2): `obskit check` runs what `obskit build` runs and agrees with it;
dashboard panel queries located at the panel's line with its title; objects made by a helper located at
the user's calling line; wrong argument types, unknown keywords and missing arguments as located errors
(exit 2, a code, a hint, no traceback); one mistake, one message."""
import json
import textwrap

import pytest

from obskit import SLO, AlertingPolicy, At, AvailabilitySLI, BurnWindow, LatencySLI, RatioSLI, SLOScenario, Tier, healthy, presets
from obskit.errors import DefinitionError
from obskit.model.rules import AlertRule, RuleGroup
from test_build_cli import cli

GOOD_SLO = '''
from obskit import SLO, RatioSLI
api = SLO(service="api", name="availability", objective=99.9,
          sli=RatioSLI(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}'))
'''

DASHBOARD = '''
from grafanalib import core as g
from obskit.model.dashboards import Dashboard

overview = Dashboard(g.Dashboard(
    title="API overview",
    panels=[
        g.TimeSeries(title="Requests", targets=[g.Target(expr='sum(rate(http_requests_total{job="api"}[5m]))')],
                     gridPos=g.GridPos(h=8, w=12, x=0, y=0)),
        g.TimeSeries(
            title="Errors",
            targets=[g.Target(expr='sum(rate(http_requests_total{job="api",code=~"5.."}[5m]) by (code')],
            gridPos=g.GridPos(h=8, w=12, x=12, y=0)),
    ],
).auto_panel_ids(), folder="Platform")
'''


def project(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def line_of(path, text):
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_dashboard_query_error_at_the_panel_line_in_check_and_build(tmp_path, promtool):
    proj = project(tmp_path / "p", {"dashboards/api.py": DASHBOARD, "slos/api.py": GOOD_SLO})
    where = f"dashboards/api.py:{line_of(proj / 'dashboards' / 'api.py', 'by (code')}"
    check = cli("check", proj)
    build = cli("build", proj, "--out", tmp_path / "out")
    for r in (check, build):
        assert r.returncode == 2, r.stdout + r.stderr
        assert "Traceback" not in r.stderr
        assert f"{where}: error [dashboard-query] dashboard 'API overview' panel 'Errors': the query of " \
               "targets/0 does not parse" in r.stderr, r.stderr
        assert "hint:" in r.stderr
    assert not (tmp_path / "out").exists()
    data = json.loads(cli("check", proj, "--output", "json").stdout)
    [d] = data["diagnostics"]
    assert (d["code"], d["file"], d["line"], d["object"]) == \
        ("dashboard-query", "dashboards/api.py", int(where.split(":")[1]), "dashboard 'API overview' panel 'Errors'")
    # fixed: both clean
    (proj / "dashboards" / "api.py").write_text(textwrap.dedent(DASHBOARD).replace("[5m]) by (code'", "[5m])) by (code)'"))
    assert cli("check", proj).returncode == 0
    assert cli("build", proj, "--out", tmp_path / "out").returncode == 0


def test_check_runs_the_render_checks_build_runs(tmp_path):
    """A problem only the render finds (two dashboards writing one Kubernetes object name, ...) is refused
    by check as by build; check --no-verify skips the tool checks only."""
    proj = project(tmp_path / "p", {"slos/api.py": GOOD_SLO})
    assert cli("check", proj, "--no-verify").returncode == 0
    from obskit.loader import load_project
    from obskit.cli.commands.check import _build_checks
    calls = []
    import obskit.build as b
    real = b.verify_files
    try:
        b.verify_files = lambda staging, files, chosen=None: calls.append(sorted(files))
        _build_checks(load_project(proj), verify=True)
    finally:
        b.verify_files = real
    assert calls and "prometheus/rules/api.yml" in calls[0]


def test_helper_made_objects_are_located_at_the_calling_line(tmp_path):
    proj = project(tmp_path / "p", {
        "slos/_lib.py": '''
            from obskit import SLO, RatioSLI

            def availability(service, objective):
                return SLO(service=service, name="availability", objective=objective,
                           sli=RatioSLI(total=f'http_requests_total{{job="{service}"}}',
                                        errors=f'http_requests_total{{job="{service}",code=~"5.."}}'))
            ''',
        "slos/api.py": '''
            from slos._lib import availability

            api = availability("api", 99.9)
            web = availability("web", 100)
            '''})
    r = cli("check", proj)
    assert r.returncode == 2
    assert ("slos/api.py:5: error [bad-objective] SLO web/availability (made by availability() at "
            "slos/_lib.py:5): objective 100 is outside (0, 100)") in r.stderr, r.stderr


@pytest.mark.parametrize("source, says", [
    ('SLO(service="a", name="b", objectve=99.9, sli=None)', "SLO() has no argument 'objectve' (hint: did you mean objective=?)"),
    ("AlertingPolicy(min_event=5)", "AlertingPolicy() has no argument 'min_event' (hint: did you mean min_events=?)"),
    ('RatioSLI(totl="x", errors="y")', "RatioSLI() has no argument 'totl' (hint: did you mean total=?)"),
    ('At(tme="1h")', "At() has no argument 'tme' (hint: did you mean time=?)"),
    ('SLO("a", "b", 99.9, None)', "SLO() takes its arguments by keyword"),
    ('SLO(service="a", name="b", objective=99.9)', "SLO() needs sli="),
])
def test_unknown_keyword_missing_and_positional_arguments(tmp_path, source, says):
    proj = project(tmp_path / "p", {"slos/x.py": f"from obskit import *\n\nbad = {source}\n"})
    r = cli("check", proj)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"slos/x.py:3: error [bad-argument] " in r.stderr and says in r.stderr, r.stderr


SLI = RatioSLI(total='t{job="a"}', errors='t{job="a",code="5"}')
WINDOW = BurnWindow(long="1h", budget_share=0.02)


@pytest.mark.parametrize("make, parameter", [
    (lambda: SLO(service="a", name="b", objective=99.9, sli=SLI, labels=["team"]), "labels"),
    (lambda: SLO(service="a", name="b", objective=99.9, sli=SLI, labels=5), "labels"),
    (lambda: RatioSLI(total='t', errors='e', by=5), "by"),
    (lambda: LatencySLI(histogram='h', threshold=0.5, buckets=(0.5,), by=object()), "by"),
    (lambda: AvailabilitySLI(gauge="up", by=1.5), "by"),
    (lambda: BurnWindow(long="1h", budget_share="2%"), "budget_share"),
    (lambda: BurnWindow(long="1h", factor=[14.4]), "factor"),
    (lambda: Tier(name="page", severity="critical", windows=WINDOW.long), "windows"),
    (lambda: Tier(name="page", severity="critical", windows=None), "windows"),
    (lambda: At(time="1h", firing=5), "firing"),
    (lambda: At(between=[], never="page"), "between"),
    (lambda: SLOScenario(name="s", slo=SLO(service="a", name="b", objective=99.9, sli=SLI), phases="1h",
                         expect=(At(time="1h"),)), "phases"),
    (lambda: SLOScenario(name="s", slo=SLO(service="a", name="b", objective=99.9, sli=SLI), phases=(healthy("1h"),),
                         expect=5), "expect"),
    (lambda: AlertRule(name="X", expr="up == 0", severity="warning", summary="s", description="d", labels="team=a"),
     "labels"),
    (lambda: AlertRule(name="X", expr="up == 0", severity="warning", summary="s", description="d", lint_disable=3),
     "lint_disable"),
    (lambda: RuleGroup(name="g", rules=5), "rules"),
    (lambda: presets.prometheus_client_http_availability(["job"]), "filters"),
    (lambda: presets.grpc_latency(0.5, by=5), "by"),
    (lambda: presets.prometheus_client_http_availability(status_label=5), "status_label"),
    (lambda: AlertingPolicy(min_events="100"), "min_events"),
])
def test_wrong_argument_types_are_located_errors(make, parameter):
    with pytest.raises(DefinitionError) as exc:
        make()
    [d] = [d for d in exc.value.diagnostics if d.severity == "error"]        # one mistake, one message
    assert d.code in ("bad-type", "bad-scenario", "bad-policy"), str(d)
    assert d.message.startswith(parameter) or f"{parameter}=" in d.message or f"{parameter} " in d.message, str(d)
    assert d.location.file == __file__, str(d)


def test_no_cascade_from_a_broken_alertmanager(tmp_path):
    proj = project(tmp_path / "p", {"alerts/routing.py": '''
        from obskit.model.alertmanager import Alertmanager, Receiver, Route, Webhook
        from obskit.model.alertmanager.route_test import RouteTest
        am = Alertmanager(route=Route(receiver="nope"), receivers=[Receiver(name="r", integrations=[Webhook(url="http://x")])])
        t = RouteTest(name="critical pages", labels={"severity": "critical"}, receivers=("r",))
        '''})
    r = cli("check", proj)
    assert r.returncode == 2
    assert "undefined-receiver" in r.stderr and "no-alertmanager" not in r.stderr, r.stderr


def test_no_cascade_from_a_broken_slo_into_its_scenario(tmp_path):
    proj = project(tmp_path / "p", {"slos/api.py": '''
        from obskit import SLO, RatioSLI, At, SLOScenario, healthy
        api = SLO(service="api", name="availability", objective=99.9, period="30x",
                  sli=RatioSLI(total='t{job="api"}', errors='t{job="api",code="500"}'))
        s = SLOScenario(name="calm", slo=api, phases=(healthy("1h"),), expect=(At(time="1h"),))
        '''})
    r = cli("check", proj)
    assert r.returncode == 2
    errors = [line for line in r.stderr.splitlines() if " error [" in line]
    assert len(errors) == 1 and "bad-duration" in errors[0], r.stderr
