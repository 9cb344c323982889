"""amtool check-config on what obskit writes: the valid configuration passes, and for each kind of
invalid configuration, both obskit's model refuses the definition (located, before anything is
written) and amtool refuses the equivalent file, so the model's checks mirror Alertmanager's."""
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import run_cli
from obskit.build import build
from obskit.compile.alertmanager import AMIntegration, AMReceiver, AMTemplate, compile_alertmanager
from obskit.errors import DefinitionError
from obskit.model.alertmanager import (
    Alertmanager, Email, GlobalConfig, Matcher, MSTeams, PagerDuty, Receiver, Route, Secret, Slack, Template,
    Webhook, business_hours,
)
from obskit.compile.alertmanager_checks import check_alertmanager
from obskit.project import Project, Settings
from obskit.render import alertmanager as render
from obskit.verify import amtool as am_tool

S = Secret(name="am", key="k")
HOOK = Webhook(url="http://127.0.0.1:9/hook")


def valid() -> Alertmanager:
    return Alertmanager(
        global_config=GlobalConfig(resolve_timeout="5m", slack_api_url=S, smtp_smarthost="smtp.example.com:587",
                                   smtp_from="am@example.com", smtp_auth_username="am", smtp_auth_password=S),
        templates=[Template(name="t", text='{{ define "t.title" }}[{{ .Status }}] {{ .GroupLabels.alertname }}{{ end }}')],
        route=Route(receiver="r", group_by=["alertname"], routes=[
            Route(receiver="pager", matchers=['severity="critical"'], continue_=True,
                  active_time_intervals=["business-hours"]),
            Route(receiver="r", matchers=['team=~"a|b"'], mute_time_intervals=["business-hours"]),
        ]),
        receivers=[Receiver(name="r", integrations=[HOOK, Slack(channel="#a", title='{{ template "t.title" . }}'),
                                                    Email(to="oncall@example.com")]),
                   Receiver(name="pager", integrations=[PagerDuty(routing_key=S)])],
        time_intervals=[business_hours(location="Europe/Berlin")],
    )


def ir_of(am: Alertmanager):
    return compile_alertmanager(Project(root=Path("/nonexistent"), definitions=(am,)))


def check(ir, tmp_path: Path):
    (tmp_path / "alertmanager.yml").write_bytes(render.render(ir))
    for rel, data in render.render_templates(ir).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    return am_tool.check_config(tmp_path / "alertmanager.yml")


def test_valid_config_passes_amtool(tmp_path, amtool):
    res = check(ir_of(valid()), tmp_path)
    assert res.ok, res.output
    assert "1 templates" in res.output and "2 receivers" in res.output


def _hook(name):
    return Receiver(name=name, integrations=[HOOK])


# (kind, model definition that must be refused, its code, IR mutation, amtool's reason)
CASES = [
    ("matcher on the root route",
     lambda: Alertmanager(route=Route(receiver="r", matchers=['severity="x"']), receivers=[_hook("r")]),
     "root-matchers",
     lambda ir: replace(ir, route=replace(ir.route, matchers=(Matcher("severity", "=", "x"),))),
     "root route must not have any matchers"),
    ("undefined receiver",
     lambda: Alertmanager(route=Route(receiver="r", routes=[Route(receiver="nope")]), receivers=[_hook("r")]),
     "undefined-receiver",
     lambda ir: replace(ir, route=replace(ir.route, receiver="nope")),
     'undefined receiver "nope"'),
    ("duplicate receiver",
     lambda: Alertmanager(route=Route(receiver="r"), receivers=[_hook("r"), _hook("r")]),
     "duplicate-receiver",
     lambda ir: replace(ir, receivers=ir.receivers + ir.receivers[:1]),
     'notification config name "r" is not unique'),
    ("undefined time interval",
     lambda: Alertmanager(route=Route(receiver="r", routes=[Route(receiver="r", mute_time_intervals=["night"])]),
                          receivers=[_hook("r")]),
     "undefined-time-interval",
     lambda ir: replace(ir, route=replace(ir.route, routes=(replace(ir.route.routes[0], mute_time_intervals=("night",)),))),
     'undefined time interval "night"'),
    ("duplicate time interval",
     lambda: Alertmanager(route=Route(receiver="r"), receivers=[_hook("r")],
                          time_intervals=[business_hours(), business_hours()]),
     "duplicate-time-interval",
     lambda ir: replace(ir, time_intervals=ir.time_intervals * 2),
     'time interval "business-hours" is not unique'),
    ("Slack without an API URL",
     lambda: Alertmanager(route=Route(receiver="r"), receivers=[Receiver(name="r", integrations=[Slack(channel="#a")])]),
     "missing-field",
     lambda ir: replace(ir, global_fields=tuple(kv for kv in ir.global_fields if kv[0] != "slack_api_url")),
     "no global Slack API URL set"),
    ("email without a smarthost",
     lambda: Alertmanager(route=Route(receiver="r"), receivers=[Receiver(name="r", integrations=[
         Email(to="a@example.com", from_="b@example.com")])]),
     "missing-field",
     lambda ir: replace(ir, global_fields=tuple(kv for kv in ir.global_fields if kv[0] != "smtp_smarthost")),
     "no global SMTP smarthost set"),
    ("PagerDuty without a key",
     lambda: Receiver(name="p", integrations=[PagerDuty(description="x")]),
     "bad-field",
     lambda ir: replace(ir, receivers=ir.receivers[:1] + (AMReceiver("pager", (AMIntegration("pagerduty_configs", (("description", "x"),)),)),)),
     "missing service or routing key in PagerDuty config"),
    ("template that does not parse",
     lambda: Template(name="t", text='{{ define "x" }}{{ .Status }'),
     "bad-template",
     lambda ir: replace(ir, templates=(AMTemplate("t", "templates/t.tmpl", '{{ define "x" }}{{ .Status }'),)),
     "template: t.tmpl:2: unexpected"),
]


@pytest.mark.parametrize("kind, model, code, mutate, reason", CASES, ids=[c[0] for c in CASES])
def test_invalid_kind_refused_by_model_and_amtool(tmp_path, amtool, kind, model, code, mutate, reason):
    with pytest.raises(DefinitionError) as exc:
        model()
    d = next(d for d in exc.value.diagnostics if d.code == code)
    assert d.location.file == __file__ and d.location.line > 0
    res = check(mutate(ir_of(valid())), tmp_path)
    assert not res.ok, f"amtool accepted a config with {kind}"
    assert reason in amtool_reason(res), amtool_reason(res)


def amtool_reason(res):
    return am_tool.failure_reason(res)


@pytest.mark.parametrize("kind, integration, since", [
    ("msteams_configs", MSTeams(webhook_url=S), "0.27"),     # Teams 0.26, its webhook_url_file 0.27
    ("webhook url_file", Webhook(url_secret=S), "0.26"),
])
def test_receiver_newer_than_target_refused_and_amtool_0_25_agrees(tmp_path, amtool, kind, integration, since):
    am = Alertmanager(route=Route(receiver="r"), receivers=[Receiver(name="r", integrations=[integration])])
    project = Project(root=tmp_path, settings=Settings(alertmanager_version="0.25"), definitions=(am,))
    diags = check_alertmanager(project)
    assert {d.code for d in diags} == {"too-new"} and any(f"needs Alertmanager {since}" in d.message for d in diags)
    assert check_alertmanager(replace(project, settings=Settings(alertmanager_version=since))) == []
    if amtool_version() < (0, 26):   # Debian bookworm's amtool is 0.25: it refuses the file too
        res = check(ir_of(am), tmp_path)
        assert not res.ok and "not found in type" in am_tool.failure_reason(res)


def amtool_version():
    from obskit.verify.tools import version_tuple
    return version_tuple("amtool")


def test_utf8_matcher_refused_for_0_25_and_by_amtool_0_25(tmp_path, amtool):
    am = Alertmanager(route=Route(receiver="r", routes=[Route(receiver="r", matchers=['"service.name"="api"'])]),
                      receivers=[_hook("r")])
    project = Project(root=tmp_path, settings=Settings(alertmanager_version="0.25"), definitions=(am,))
    assert [d.code for d in check_alertmanager(project)] == ["too-new"]
    if amtool_version() < (0, 27):
        assert not check(ir_of(am), tmp_path).ok


# -- the CLI contract: exit 2, located errors, previous output untouched -----------------------------

BAD = '''\
from obskit.model.alertmanager import *
am = Alertmanager(
    route=Route(receiver="r", matchers=['severity="critical"']),
    receivers=[Receiver(name="r", integrations=[Slack(api_url="https://hooks.slack.com/services/T/B/X")]),
               Receiver(name="r")],
)
'''


def test_cli_build_refuses_bad_definitions_and_keeps_previous_output(tmp_path, amtool):
    project = tmp_path / "p"
    (project / "alerts").mkdir(parents=True)
    (project / "alerts" / "am.py").write_text(
        "from obskit.model.alertmanager import *\n"
        "am = Alertmanager(route=Route(receiver='r'), receivers=[Receiver(name='r', integrations=[Webhook(url='http://x/y')])])\n")
    out = tmp_path / "out"
    build(project, out)                       # verified with amtool check-config
    before = (out / "alertmanager" / "alertmanager.yml").read_bytes()
    (project / "alerts" / "am.py").write_text(BAD)
    bad = run_cli("build", str(project), "--out", str(out))
    assert bad.returncode == 2
    text = bad.stdout + bad.stderr
    for expected in ("alerts/am.py:3: error [root-matchers]", "alerts/am.py:4: error [literal-secret]",
                     "alerts/am.py:5: error [duplicate-receiver]"):
        assert expected in text, text
    assert (out / "alertmanager" / "alertmanager.yml").read_bytes() == before


def test_build_verify_raises_tool_error_with_amtool_reason(tmp_path, amtool):
    from obskit.errors import ToolError
    from obskit.targets.alertmanager import AlertmanagerTarget as Target
    bad = replace(ir_of(valid()), route=replace(ir_of(valid()).route, receiver="nope"))
    (tmp_path / "alertmanager").mkdir()
    (tmp_path / "alertmanager" / "alertmanager.yml").write_bytes(render.render(bad))
    with pytest.raises(ToolError, match=r'amtool [\d.]+ check-config failed on alertmanager/alertmanager.yml: undefined receiver "nope"'):
        Target().verify(tmp_path, {"alertmanager/alertmanager.yml": b""})
    Target().verify(tmp_path, {})     # nothing to check when the project has no Alertmanager


# time-interval values: obskit accepts exactly what amtool accepts, except values that can never
# match, which amtool 0.25 lets through and obskit refuses (marked stricter)
TIME_VALUES = [
    ("times", [("00:00", "24:00")], True), ("times", [("24:00", "24:00")], False),
    ("times", [("17:00", "09:00")], False), ("times", [("9:00", "17:00")], False),
    ("weekdays", ["Monday:friday"], True), ("weekdays", ["friday:monday"], False), ("weekdays", ["funday"], False),
    ("days_of_month", ["-3:-1"], True), ("days_of_month", ["1:-1"], True), ("days_of_month", ["-1:5"], False),
    ("days_of_month", ["5:1"], False), ("days_of_month", ["32"], False),
    ("months", ["1:march"], True), ("months", ["december:january"], False),
    ("months", ["13"], "stricter"), ("years", ["2026:2027"], True), ("years", ["2027:2026"], False),
    ("years", ["10000"], "stricter"),
]


@pytest.mark.parametrize("field, value, expected", TIME_VALUES, ids=[f"{f}={v}" for f, v, _ in TIME_VALUES])
def test_time_interval_values_agree_with_amtool(tmp_path, amtool, field, value, expected):
    import yaml
    from obskit.model.alertmanager import Period
    try:
        Period(**{field: value})
        model = True
    except DefinitionError:
        model = False
    entry = {"times": [{"start_time": a, "end_time": b} for a, b in value]} if field == "times" else {field: value}
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump({"route": {"receiver": "r", "routes": [{"receiver": "r", "mute_time_intervals": ["t"]}]},
                                    "receivers": [{"name": "r"}],
                                    "time_intervals": [{"name": "t", "time_intervals": [entry]}]}))
    tool = am_tool.check_config(path).ok
    if expected == "stricter":
        assert (model, tool) == (False, True)
    else:
        assert model is expected and tool is expected, am_tool.failure_reason(am_tool.check_config(path))


@pytest.mark.parametrize("pattern, ok", [(r"\p{L}+", True), ("api|web", True), ("(?P<n>a)", True),
                                          ("(?=a)", False), (r"(a)\1", False), ("(", False)])
def test_regex_matchers_follow_go_re2_like_amtool(tmp_path, amtool, pattern, ok):
    """Alertmanager compiles regex matchers with Go's RE2; Python-only syntax is refused, RE2-only accepted."""
    import yaml
    text = 'team=~"' + pattern.replace("\\", "\\\\") + '"'      # the same matcher string for both
    try:
        Route(receiver="r", matchers=[text])
        model = True
    except DefinitionError:
        model = False
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump({"route": {"receiver": "r", "routes": [{"receiver": "r", "matchers": [text]}]},
                                    "receivers": [{"name": "r"}]}))
    assert (model, am_tool.check_config(path).ok) == (ok, ok)
