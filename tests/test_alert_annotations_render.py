"""The chat receivers' default notification (issue #14, item 6): Slack, Teams, Rocket.Chat and
Mattermost integrations without a title/text of their own get one that shows each alert's summary,
description, runbook and dashboard. Rendered by every installed amtool with ``template render``."""
from __future__ import annotations

import json

import pytest
import yaml

from obskit.compile.alertmanager import compile_alertmanager
from obskit.model.alertmanager import (
    Alertmanager, GlobalConfig, Mattermost, MSTeams, Receiver, RocketChat, Route, Secret, Slack,
)
from obskit.model.alertmanager.integration import CHAT_TEXT, CHAT_TITLE
from obskit.project import Project
from obskit.render import alertmanager as render
from obskit.verify.tools import parse_version, run
from servers import require, versions

S = Secret(name="am", key="k")


def _ir(tmp_path, *integrations):
    am = Alertmanager(route=Route(receiver="chat"), global_config=GlobalConfig(slack_api_url=S),
                      receivers=[Receiver(name="chat", integrations=list(integrations))])
    return compile_alertmanager(Project(root=tmp_path, definitions=(am,)))


def test_chat_integrations_get_the_default_title_and_text(tmp_path):
    ir = _ir(tmp_path, Slack(channel="#a"), MSTeams(webhook_url=S), RocketChat(token=S, token_id=S),
             Mattermost(webhook_url=S))
    fields = [dict(i.fields) for i in ir.receivers[0].integrations]
    assert [(f["title"], f["text"]) for f in fields[:3]] == [(CHAT_TITLE, CHAT_TEXT)] * 3
    assert "title" not in fields[3] and fields[3]["text"].startswith(CHAT_TITLE)   # Mattermost title: 0.32
    doc = yaml.safe_load(render.render(ir))
    assert doc["receivers"][0]["slack_configs"][0]["text"] == CHAT_TEXT
    crd = yaml.safe_load(render.render_crd(ir, "monitoring"))                 # the AlertmanagerConfig too
    assert crd["spec"]["receivers"][0]["slackConfigs"][0]["title"] == CHAT_TITLE


def test_a_title_or_text_of_the_user_is_kept(tmp_path):
    (slack,) = _ir(tmp_path, Slack(channel="#a", title="mine")).receivers[0].integrations
    assert dict(slack.fields)["title"] == "mine" and dict(slack.fields)["text"] == CHAT_TEXT


DATA = {
    "receiver": "chat", "status": "firing", "groupLabels": {"alertname": "ApiAvailabilityBudgetBurn"},
    "commonLabels": {"alertname": "ApiAvailabilityBudgetBurn", "severity": "critical"},
    "commonAnnotations": {"summary": "api availability SLO is burning its error budget at 20.0x (2% errors)"},
    "externalURL": "http://am", "groupKey": "{}",
    "alerts": [{"status": "firing", "labels": {"alertname": "ApiAvailabilityBudgetBurn", "severity": "critical"},
                "annotations": {"summary": "api availability SLO is burning its error budget at 20.0x (2% errors)",
                                "description": "Above their threshold now: 1h and 5m above 14.4x.",
                                "runbook_url": "https://runbooks.example.com/api",
                                "dashboard_url": "https://grafana.example.com/d/slos-api"},
                "startsAt": "2026-01-01T00:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://p",
                "fingerprint": "1"},
               {"status": "resolved", "labels": {"alertname": "HighLatency"}, "annotations": {},
                "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2026-01-01T01:00:00Z", "generatorURL": "http://p",
                "fingerprint": "2"}],
}


def _render(tool, tmp_path, text: str, data=None) -> str:
    (tmp_path / "none.tmpl").write_text("")
    args = ["template", "render", f"--template.glob={tmp_path}/none.tmpl", f"--template.text={text}"]
    if data is not None:
        (tmp_path / "data.json").write_text(json.dumps(data))
        args.append(f"--template.data={tmp_path / 'data.json'}")
    res = run("amtool", args, tool=tool, timeout=60)
    assert res.ok, res.output
    return res.stdout


@pytest.mark.parametrize("version", versions("amtool"))
def test_default_notification_renders_summary_and_runbook(tmp_path, version):
    tool = require("amtool", version)
    if parse_version(tool.version) < (0, 26):
        # amtool 0.25's template render has no --template.data: only its built-in example alert, which
        # has no summary or runbook. Prove the templates parse and execute there; the content below.
        assert _render(tool, tmp_path, CHAT_TITLE).startswith("[ALERTSTATUS] ")
        _render(tool, tmp_path, CHAT_TEXT)
        pytest.skip(f"amtool {tool.version} has no --template.data: the rendered content is checked with newer amtool")
    assert _render(tool, tmp_path, CHAT_TITLE, DATA).strip() == \
        "[FIRING:1] api availability SLO is burning its error budget at 20.0x (2% errors)"
    assert _render(tool, tmp_path, CHAT_TEXT, DATA).strip() == (
        "api availability SLO is burning its error budget at 20.0x (2% errors)\n"
        "Above their threshold now: 1h and 5m above 14.4x.\n"
        "Runbook: https://runbooks.example.com/api\n"
        "Dashboard: https://grafana.example.com/d/slos-api\n"
        "\n"
        "[RESOLVED] HighLatency")
    mixed = dict(DATA, commonAnnotations={})                   # summaries differ: the group's labels
    assert _render(tool, tmp_path, CHAT_TITLE, mixed).strip() == "[FIRING:1] ApiAvailabilityBudgetBurn"
