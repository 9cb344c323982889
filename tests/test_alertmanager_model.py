"""Alertmanager definitions: located errors for bad input, secrets never literal, version refusal."""
import inspect
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obskit.errors import DefinitionError
from obskit.loader import load_project
from obskit.model.alertmanager import (
    Alertmanager, Email, GlobalConfig, Inhibit, Matcher, Opsgenie, PagerDuty, Period, Receiver, Route, Secret, Slack,
    Template, TimeInterval, Webhook, business_hours,
)

S = Secret(name="am", key="k")


def codes(exc):
    return sorted(d.code for d in exc.value.diagnostics)


def here() -> int:
    return inspect.currentframe().f_back.f_lineno


# -- matchers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ('severity="critical"', Matcher("severity", "=", "critical")),
    ("severity=critical", Matcher("severity", "=", "critical")),
    ('  team != "a b" ', Matcher("team", "!=", "a b")),
    ('service=~"api|web"', Matcher("service", "=~", "api|web")),
    ('env!~"dev.*"', Matcher("env", "!~", "dev.*")),
    (r'msg="say \"hi\"\\"', Matcher("msg", "=", 'say "hi"\\')),
    ('"service.name"="x"', Matcher("service.name", "=", "x")),
])
def test_matcher_parse(text, expected):
    assert Matcher.parse(text) == expected


@pytest.mark.parametrize("text", ["severity", 'severity=="x"', "=x", 'a=~"("', 'a~"x"'])
def test_matcher_parse_errors(text):
    with pytest.raises(ValueError):
        Matcher.parse(text)


names = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,10}", fullmatch=True)
values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@settings(max_examples=60)
@given(names, st.sampled_from(["=", "!="]), values)
def test_matcher_round_trips_through_its_text(name, op, value):
    m = Matcher(name, op, value)
    assert Matcher.parse(str(m)) == m


@settings(max_examples=60)
@given(st.dictionaries(st.sampled_from(["severity", "team", "env"]), st.sampled_from(["", "critical", "a"]),
                       max_size=3), st.sampled_from(["=", "!=", "=~", "!~"]), st.sampled_from(["critical", "", "a|c.*"]))
def test_matcher_semantics_missing_label_is_empty(labels, op, value):
    m = Matcher("severity", op, value)
    v = labels.get("severity", "")
    import re
    expected = {"=": v == value, "!=": v != value, "=~": bool(re.fullmatch(value, v)),
                "!~": not re.fullmatch(value, v)}[op]
    assert m.matches(labels) is expected


def test_route_matchers_from_dict_and_strings():
    r = Route(receiver="x", matchers={"severity": "critical", "team": "a"})
    assert [str(m) for m in r.matchers] == ['severity="critical"', 'team="a"']
    with pytest.raises(DefinitionError) as exc:
        Route(receiver="x", matchers=['severity=="x"', 'a=~"("'])
    assert codes(exc) == ["bad-matcher", "bad-matcher"]


def test_group_by_all_labels_must_be_alone():
    assert Route(receiver="x", group_by=["..."]).group_by == ("...",)
    with pytest.raises(DefinitionError) as exc:
        Route(receiver="x", group_by=["...", "alertname"])
    assert codes(exc) == ["bad-route"]


# -- secrets ------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: Slack(api_url="https://hooks.slack.com/services/T0/B0/XXXX"),
    lambda: PagerDuty(routing_key="0123456789abcdef"),
    lambda: PagerDuty(service_key="0123456789abcdef"),
    lambda: Email(to="a@example.com", auth_password="hunter2"),
    lambda: Opsgenie(api_key="key"),
    lambda: Webhook(url="https://user:pass@hooks.example.com/x"),
    lambda: Webhook(url="https://hooks.example.com/x?token=abc"),
    lambda: GlobalConfig(slack_api_url="https://hooks.slack.com/services/T0/B0/XXXX"),
    lambda: GlobalConfig(smtp_auth_password="hunter2"),
])
def test_literal_secret_is_a_located_error(make):
    line = here() + 2
    with pytest.raises(DefinitionError) as exc:
        make()
    d = exc.value.diagnostics[0]
    assert d.code == "literal-secret"
    assert d.location.file == __file__
    assert d.location.line < line  # the lambda's line in the parameter list, not obskit's


def test_secret_renders_a_file_reference():
    assert S.file("/etc/alertmanager/secrets") == "/etc/alertmanager/secrets/am/k"
    assert Secret(name="am", key="k", path="/run/x").file("/ignored") == "/run/x"
    with pytest.raises(ValueError):
        Secret(name="Bad_Name", key="k")


def test_integration_field_rules():
    with pytest.raises(DefinitionError) as exc:
        PagerDuty(routing_key=S, service_key=S)
    assert codes(exc) == ["bad-field"]
    with pytest.raises(DefinitionError):
        Webhook()
    with pytest.raises(DefinitionError):
        Slack(api_url=S, channel="alerts")          # no '#'
    with pytest.raises(DefinitionError):
        Email(to="not-an-address")


# -- the whole configuration: every problem, located at its object --------------------------------

def test_config_problems_reported_together_and_located():
    recv = Receiver(name="a", integrations=[Webhook(url="http://x/a")])
    dup = Receiver(name="a", integrations=[Webhook(url="http://x/b")]); dup_line = here()
    root = Route(receiver="a", matchers=['severity="critical"'], routes=[
        Route(receiver="nope"),                                            # undefined receiver
        Route(receiver="a", mute_time_intervals=["night"]),                # undefined interval
    ]); root_line = here()
    with pytest.raises(DefinitionError) as exc:
        Alertmanager(route=root, receivers=[recv, dup])
    got = {d.code: d for d in exc.value.diagnostics}
    assert sorted(got) == ["duplicate-receiver", "root-matchers", "undefined-receiver", "undefined-time-interval"]
    assert got["duplicate-receiver"].location.line == dup_line
    assert got["root-matchers"].location.line == root_line - 3
    assert got["undefined-receiver"].location.line == root_line - 2
    assert got["undefined-time-interval"].location.line == root_line - 1
    assert all(d.location.file == __file__ for d in exc.value.diagnostics)


def test_missing_defaults_for_integrations():
    with pytest.raises(DefinitionError) as exc:
        Alertmanager(route=Route(receiver="r"), receivers=[Receiver(name="r", integrations=[
            Slack(channel="#a"), Email(to="a@example.com"), Opsgenie()])])
    assert codes(exc) == ["missing-field"] * 4   # slack url, smarthost, from, opsgenie key
    Alertmanager(route=Route(receiver="r"), receivers=[Receiver(name="r", integrations=[
        Slack(channel="#a"), Email(to="a@example.com"), Opsgenie()])],
        global_config=GlobalConfig(slack_api_url=S, smtp_smarthost="smtp:25", smtp_from="am@example.com",
                                   opsgenie_api_key=S))


def test_time_intervals():
    bh = business_hours(location="Europe/Berlin")
    assert bh.periods[0].weekdays == ("monday:friday",) and bh.periods[0].location == "Europe/Berlin"
    Period(days_of_month=["1:5", "-1"], months=["january:march", "12"], years=["2026:2027"])
    for bad in (dict(times=[("17:00", "09:00")]), dict(times=[("9:00", "17:00")]), dict(weekdays=["friday:monday"]),
                dict(weekdays=["funday"]), dict(days_of_month=["0"]), dict(months=["13"]),
                dict(location="Mars/Olympus")):
        with pytest.raises(DefinitionError) as exc:
            Period(**bad)
        assert codes(exc) == ["bad-time"], bad
        assert exc.value.diagnostics[0].location.file == __file__
    with pytest.raises(DefinitionError):
        TimeInterval(name="x", periods=[])


def test_inhibit_needs_matchers_and_warns_without_equal():
    with pytest.raises(DefinitionError) as exc:
        Inhibit(source=[], target=['severity="warning"'], equal=["alertname"])
    assert codes(exc) == ["bad-inhibit"]
    rule = Inhibit(source=['severity="critical"'], target=['severity="warning"'])   # warning only
    assert rule.equal == ()


def test_template_checks():
    t = Template(name="t", text='{{ define "a.b" }}x{{ end }}')
    assert t.defines == ("a.b",)
    with pytest.raises(DefinitionError):
        Template(name="t", text="plain text")
    with pytest.raises(DefinitionError):
        Template(name="t", text='{{ define "a" }}x{{ end }')


def test_route_match_follows_continue():
    root = Route(receiver="d", routes=[Route(receiver="p", matchers={"severity": "critical"}, continue_=True),
                                       Route(receiver="s", matchers={"severity": "critical"}),
                                       Route(receiver="w", matchers={"severity": "warning"})])
    assert root.match({"severity": "critical"}) == ("p", "s")
    assert root.match({"severity": "warning"}) == ("w",)
    assert root.match({}) == ("d",)


# -- project checks: one config, the target Alertmanager version ---------------------------------

def _project(tmp_path, body: str, version: str = "0.25"):
    (tmp_path / "obskit.toml").write_text(f'[project]\nalertmanager_version = "{version}"\n')
    (tmp_path / "alerts").mkdir(exist_ok=True)
    (tmp_path / "alerts" / "am.py").write_text(textwrap.dedent("""\
        from obskit.model.alertmanager import *
        S = Secret(name="am", key="k")
    """) + textwrap.dedent(body))
    return tmp_path


@pytest.mark.parametrize("integration, since", [
    ("MSTeams(webhook_url=S)", "0.27"),       # 0.26 added Teams, 0.27 its webhook_url_file
    ("MSTeamsV2(webhook_url=S)", "0.28"),
    ('Jira(project="OPS", api_url="https://jira.example.com")', "0.28"),
    ("RocketChat(token=S, token_id=S)", "0.28"),
    ("Webhook(url_secret=S)", "0.26"),
])
def test_receiver_newer_than_target_is_refused(tmp_path, integration, since):
    body = f"""
        am = Alertmanager(route=Route(receiver="r"), receivers=[
            Receiver(name="r", integrations=[
                {integration},
            ]),
        ])
    """
    with pytest.raises(DefinitionError) as exc:
        load_project(_project(tmp_path, body, "0.25"))
    d = next(d for d in exc.value.diagnostics if f"needs Alertmanager {since}; the target is 0.25" in d.message)
    assert d.code == "too-new"
    assert str(d.location) == "alerts/am.py:6"     # the integration's own line
    assert "alertmanager_version" in d.hint
    load_project(_project(tmp_path, body, since))  # accepted once the target has it


def test_utf8_matchers_need_0_27(tmp_path):
    body = """
        am = Alertmanager(route=Route(receiver="r", routes=[
            Route(receiver="r", matchers=['"service.name"="api"']),
        ]), receivers=[Receiver(name="r")])
    """
    with pytest.raises(DefinitionError) as exc:
        load_project(_project(tmp_path, body, "0.26"))
    d = exc.value.diagnostics[0]
    assert d.code == "too-new" and "0.27" in d.message and str(d.location) == "alerts/am.py:5"
    load_project(_project(tmp_path, body, "0.27"))


def test_one_alertmanager_per_project(tmp_path):
    body = """
        a = Alertmanager(route=Route(receiver="r"), receivers=[Receiver(name="r")])
        b = Alertmanager(route=Route(receiver="r"), receivers=[Receiver(name="r")])
    """
    with pytest.raises(DefinitionError) as exc:
        load_project(_project(tmp_path, body))
    d = exc.value.diagnostics[0]
    assert d.code == "duplicate-alertmanager" and str(d.location) == "alerts/am.py:5"


def test_route_tests_name_defined_receivers(tmp_path):
    body = """
        a = Alertmanager(route=Route(receiver="r"), receivers=[Receiver(name="r")])
        t = RouteTest(name="x", labels={"severity": "critical"}, receivers=["pager"])
    """
    with pytest.raises(DefinitionError) as exc:
        load_project(_project(tmp_path, body))
    d = exc.value.diagnostics[0]
    assert d.code == "undefined-receiver" and str(d.location) == "alerts/am.py:5" and "'pager'" in d.message


def test_old_target_version_is_refused(tmp_path):
    body = """
        a = Alertmanager(route=Route(receiver="r"), receivers=[Receiver(name="r")])
    """
    with pytest.raises(DefinitionError) as exc:
        load_project(_project(tmp_path, body, "0.24"))
    assert codes(exc) == ["unsupported-version"]


def test_warnings_for_what_loads_but_is_probably_wrong(tmp_path):
    body = """
        am = Alertmanager(route=Route(receiver="r", routes=[Route(receiver="r", active_time_intervals=["bh"])]),
            receivers=[Receiver(name="r"), Receiver(name="spare", integrations=[
                Jira(project="OPS", api_url="https://jira.example.com")])],
            time_intervals=[business_hours(name="bh", location="Europe/Berlin")])
    """
    project = load_project(_project(tmp_path, body, "0.28"))
    got = sorted((w.code, str(w.location)) for w in project.warnings)
    assert got == [("not-in-alertmanagerconfig", "alerts/am.py:6"),     # Jira: no v1alpha1 field
                   ("not-in-alertmanagerconfig", "alerts/am.py:7"),     # time zone dropped there
                   ("unused-receiver", "alerts/am.py:5")]
    from obskit.targets.alertmanager import AlertmanagerTarget as Target
    crd = Target().render(project)["kubernetes/alertmanager-config.yaml"].decode()
    assert "jira" not in crd.lower()
