"""The Alertmanager version gates, proven against the real programs, not against the gate table.

For every receiver, field and matcher syntax newer than 0.25 that obskit models: the configuration
obskit writes with it passes the real amtool 0.35.0 ``check-config`` and FAILS Debian's amtool 0.25
(so 0.25 really lacks it), obskit refuses it at load/build for ``alertmanager_version = "0.25"``
naming the version that added it, and accepts it from that version on. The version numbers
themselves come from Alertmanager's CHANGELOG and config structs (v0.28.1, v0.33.1 and v0.35.0
sources; see docs/alertmanager.md); the binaries prove both ends.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from obskit.build import build
from obskit.errors import DefinitionError
from obskit.loader import load_project
from obskit.verify import amtool as am_tool
from servers import require, versions

OLD, NEW = versions("amtool")[0], versions("amtool")[-1]

S = 'Secret(name="am", key="k")'
# (id, the definition that uses the feature (in a receiver 'r' or as the route tree), the version
#  that added it, what the refusal names)
FEATURES = [
    ("msteams", 'receivers=[Receiver(name="r", integrations=[MSTeams(webhook_url=S, title="t", text="x")])]',
     "0.27", "Microsoft Teams field webhook_url (written as webhook_url_file) needs Alertmanager 0.27"),
    ("msteams summary", 'receivers=[Receiver(name="r", integrations=[MSTeams(webhook_url=S, summary="s")])]',
     "0.27", "Microsoft Teams field summary needs Alertmanager 0.27"),
    ("msteamsv2", 'receivers=[Receiver(name="r", integrations=[MSTeamsV2(webhook_url=S, title="t")])]',
     "0.28", "Microsoft Teams (Workflows) (msteamsv2_configs) needs Alertmanager 0.28"),
    ("jira", 'receivers=[Receiver(name="r", integrations=[Jira(api_url="https://example.atlassian.net/rest/api/2", '
             'project="OPS", issue_type="Bug", labels=["alertmanager"], priority="High", reopen_transition="Reopen", '
             'resolve_transition="Done", wont_fix_resolution="Won\'t Fix", reopen_duration="1h", '
             'fields={"customfield_10001": "x"}, username="bot@example.com", password=S)])]',
     "0.28", "Jira (jira_configs) needs Alertmanager 0.28"),
    ("jira api_type", 'receivers=[Receiver(name="r", integrations=[Jira(api_url="https://jira.example.com", '
                      'project="OPS", api_type="datacenter")])]',
     "0.29", "Jira field api_type needs Alertmanager 0.29"),
    ("rocketchat", 'receivers=[Receiver(name="r", integrations=[RocketChat(token=S, token_id=S, channel="#ops", '
                   'api_url="https://chat.example.com", title="t", emoji=":fire:", short_fields=True)])]',
     "0.28", "Rocket.Chat (rocketchat_configs) needs Alertmanager 0.28"),
    ("rocketchat message_text", 'receivers=[Receiver(name="r", integrations=[RocketChat(token=S, token_id=S, '
                                'message_text="x")])]',
     "0.35", "Rocket.Chat field message_text needs Alertmanager 0.35"),
    ("incidentio", 'receivers=[Receiver(name="r", integrations=[Incidentio('
                   'url="https://api.incident.io/v2/alert_events/http/01ABC", alert_source_token=S, max_alerts=10)])]',
     "0.29", "incident.io (incidentio_configs) needs Alertmanager 0.29"),
    ("incidentio url_file", 'receivers=[Receiver(name="r", integrations=[Incidentio(url_secret=S, '
                            'alert_source_token=S)])]',
     "0.29", "incident.io (incidentio_configs) needs Alertmanager 0.29"),
    ("incidentio metadata", 'receivers=[Receiver(name="r", integrations=[Incidentio('
                            'url="https://api.incident.io/v2/alert_events/http/01ABC", alert_source_token=S, '
                            'metadata={"team": "{{ .CommonLabels.team }}"})])]',
     "0.35", "incident.io field metadata needs Alertmanager 0.35"),
    ("mattermost", 'receivers=[Receiver(name="r", integrations=[Mattermost(webhook_url=S, channel="ops", '
                   'username="alertmanager", text="x")])]',
     "0.30", "Mattermost (mattermost_configs) needs Alertmanager 0.30"),
    ("mattermost title", 'receivers=[Receiver(name="r", integrations=[Mattermost(webhook_url=S, title="t", '
                         'color="#ff0000")])]',
     "0.32", "Mattermost field color needs Alertmanager 0.32"),
    ("webhook url_file", 'receivers=[Receiver(name="r", integrations=[Webhook(url_secret=S)])]',
     "0.26", "webhook field url_secret needs Alertmanager 0.26"),
    ("email auth_secret_file", 'global_config=GlobalConfig(smtp_smarthost="smtp.example.com:587", '
                               'smtp_from="am@example.com"), receivers=[Receiver(name="r", integrations=['
                               'Email(to="a@example.com", auth_username="am", auth_secret=S)])]',
     "0.31", "email field auth_secret needs Alertmanager 0.31"),
    ("utf8 matcher", 'receivers=[Receiver(name="r")], route=Route(receiver="r", routes=['
                     'Route(receiver="r", matchers=[\'"service.name"="api"\', Matcher("k8s.namespace.name", "=~", "prod-.*")])])',
     "0.27", "label name 'service.name' is a UTF-8 name, which needs Alertmanager 0.27"),
    ("utf8 group_by", 'receivers=[Receiver(name="r")], route=Route(receiver="r", group_by=["service.name"])',
     "0.27", "label name 'service.name' is a UTF-8 name, which needs Alertmanager 0.27"),
    ("utf8 inhibit equal", 'receivers=[Receiver(name="r")], inhibit_rules=[Inhibit(source=[\'severity="critical"\'], '
                           'target=[\'severity="warning"\'], equal=["service.name"])]',
     "0.27", "label name 'service.name' is a UTF-8 name, which needs Alertmanager 0.27"),
]


def project(root: Path, body: str, version: str) -> Path:
    (root / "alerts").mkdir(parents=True, exist_ok=True)
    (root / "obskit.toml").write_text(f'[project]\nalertmanager_version = "{version}"\n')
    route = "" if "route=" in body else 'route=Route(receiver="r"), '
    (root / "alerts" / "am.py").write_text(textwrap.dedent(f"""\
        from obskit.model.alertmanager import *
        S = {S}
        am = Alertmanager({route}{body}, generated_inhibitions=False)
    """))
    return root


@pytest.mark.parametrize("feature, body, since, refusal", FEATURES, ids=[f[0] for f in FEATURES])
def test_gate_matches_the_real_amtools(tmp_path, feature, body, since, refusal):
    old, new = require("amtool", OLD), require("amtool", NEW)
    # obskit refuses it for the floor, naming the version that added it
    with pytest.raises(DefinitionError) as exc:
        load_project(project(tmp_path / "old", body, "0.25"))
    messages = [d.message for d in exc.value.diagnostics if d.code == "too-new"]
    assert any(refusal in m for m in messages), messages
    assert all("the target is 0.25" in m for m in messages)
    # from that version on it builds (verified by build with the amtool for the target: 0.35 here)
    out = tmp_path / "out"
    build(project(tmp_path / "new", body, since), out)
    config = out / "alertmanager" / "alertmanager.yml"
    res = am_tool.check_config(config, tool=new)
    assert res.ok, f"amtool {new.version} refuses what obskit writes for {feature}:\n{res.output}\n{config.read_text()}"
    # and the floor's amtool really lacks it: the gate is not only obskit's opinion
    res = am_tool.check_config(config, tool=old)
    assert not res.ok, f"amtool {old.version} accepts {feature}: the gate at {since} is wrong\n{config.read_text()}"


def test_one_version_below_the_gate_is_refused(tmp_path):
    """The gate is the version itself, not 0.25: one minor below it is refused too."""
    for feature, body, since, refusal in FEATURES:
        major, minor = since.split(".")
        below = f"{major}.{int(minor) - 1}"
        with pytest.raises(DefinitionError) as exc:
            load_project(project(tmp_path / feature.replace(" ", "-"), body, below))
        assert any(f"needs Alertmanager {since}; the target is {below}" in d.message
                   for d in exc.value.diagnostics), (feature, [d.message for d in exc.value.diagnostics])


def test_utf8_names_are_quoted_and_route_in_amtool_0_35(tmp_path):
    """A UTF-8 label name is written quoted (``"service.name"="api"``), also when it holds a quote;
    amtool 0.35 routes alerts with those labels to the route and accepts the file in UTF-8 strict mode."""
    new = require("amtool", NEW)
    body = ('receivers=[Receiver(name="r"), Receiver(name="api"), Receiver(name="quoted")], '
            'route=Route(receiver="r", routes=[Route(receiver="api", matchers=[\'"service.name"="api"\']), '
            'Route(receiver="quoted", matchers=[Matcher(\'team "a"\', "=", "x")])])')
    out = tmp_path / "out"
    build(project(tmp_path / "p", body, "0.27"), out)
    config = out / "alertmanager" / "alertmanager.yml"
    text = config.read_text()
    assert "'\"service.name\"=\"api\"'" in text, text
    assert "'\"team \\\"a\\\"\"=\"x\"'" in text, text
    assert am_tool.routes_test(config, {"service.name": "api"}, ["api"], tool=new).ok
    from obskit.verify.tools import run
    strict = run("amtool", ["check-config", "--enable-feature=utf8-strict-mode", str(config)], tool=new)
    assert strict.ok and "UTF-8 strict mode enabled" in strict.output, strict.output
    assert am_tool.routes_test(config, {"service_name": "api"}, ["r"], tool=new).ok


def test_missing_required_fields_are_refused_like_amtool_0_35(tmp_path):
    """Jira without api_url: obskit refuses it at the definition, and amtool 0.35 refuses the file."""
    new = require("amtool", NEW)
    with pytest.raises(DefinitionError) as exc:
        load_project(project(tmp_path / "p", 'receivers=[Receiver(name="r", integrations=[Jira(project="OPS")])]',
                             "0.35"))
    assert [d.code for d in exc.value.diagnostics if d.severity == "error"] == ["missing-field"]
    path = tmp_path / "jira.yml"
    path.write_text("route: {receiver: r}\nreceivers: [{name: r, jira_configs: [{project: OPS, issue_type: Bug}]}]\n")
    res = am_tool.check_config(path, tool=new)
    assert not res.ok and "no global Jira Cloud URL set" in am_tool.failure_reason(res)


@pytest.mark.parametrize("literal", [
    'MSTeamsV2(webhook_url="https://example.webhook.office.com/x")',
    'Mattermost(webhook_url="https://mm.example.com/hooks/abc")',
    'Incidentio(url="https://api.incident.io/v2/alert_events/http/01ABC", alert_source_token="tok")',
    'RocketChat(token="t", token_id=S)',
    'Jira(api_url="https://jira.example.com", project="OPS", username="u", password="p")',
])
def test_literal_secrets_in_new_receivers_are_refused(tmp_path, literal):
    with pytest.raises(DefinitionError) as exc:
        load_project(project(tmp_path / "p", f'receivers=[Receiver(name="r", integrations=[{literal}])]', "0.35"))
    assert "literal-secret" in [d.code for d in exc.value.diagnostics]


def _crd_receiver_schema():
    import yaml

    class Loader(yaml.SafeLoader):
        pass
    Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))
    path = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "prometheus-operator" / \
        "monitoring.coreos.com_alertmanagerconfigs.yaml"
    if not path.exists():     # CI lays shared/ beside the clone: there it must be
        import servers
        (pytest.fail if servers.IN_CI else pytest.skip)(f"{path} not present")
    doc = yaml.load(path.read_text(), Loader=Loader)
    v1alpha1 = next(v for v in doc["spec"]["versions"] if v["name"] == "v1alpha1")
    return v1alpha1["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["receivers"]["items"]["properties"]


def test_new_receivers_in_the_alertmanagerconfig_use_only_schema_fields(tmp_path):
    """MSTeams, MSTeamsV2 and Rocket.Chat go into the operator's resource with fields its v1alpha1
    schema (operator v0.93.0) has; Jira, incident.io and Mattermost (no v1alpha1 field) are left out."""
    import yaml
    schema = _crd_receiver_schema()
    body = ('receivers=[Receiver(name="r", integrations=['
            'MSTeams(webhook_url=S, title="t", summary="s", text="x"), MSTeamsV2(webhook_url=S, title="t", text="x"), '
            'RocketChat(token=S, token_id=S, api_url="https://chat.example.com", channel="#a", color="red", title="t", '
            'title_link="https://x.example.com", text="x", message_text="m", emoji=":x:", icon_url="https://i.example.com/a.png", '
            'image_url="https://i.example.com/b.png", thumb_url="https://i.example.com/c.png", short_fields=True, link_names=False), '
            'Jira(api_url="https://jira.example.com", project="OPS"), '
            'Incidentio(url="https://api.incident.io/v2/alert_events/http/01ABC", alert_source_token=S), '
            'Mattermost(webhook_url=S, text="x")])]')
    out = tmp_path / "out"
    build(project(tmp_path / "p", body, "0.35"), out)
    crd = yaml.safe_load((out / "kubernetes" / "alertmanager-config.yaml").read_text())
    receiver = crd["spec"]["receivers"][0]
    assert set(receiver) == {"name", "msteamsConfigs", "msteamsv2Configs", "rocketchatConfigs"}
    for kind, items in receiver.items():
        if kind == "name":
            continue
        allowed = set(schema[kind]["items"]["properties"])
        for item in items:
            assert set(item) <= allowed, (kind, sorted(set(item) - allowed))
    warnings = load_project(tmp_path / "p").warnings
    assert sorted(w.message.split(" has no ")[1].split(":")[0] for w in warnings) == [
        "incidentio_configs", "jira_configs", "mattermost_configs", "message_text in rocketchat_configs"]
