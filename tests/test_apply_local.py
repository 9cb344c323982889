"""Reading the build output (layout, validation, $VAR expansion) and the normal forms / hashes."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from grafana_standin import dashboard, write_output
from obskit.apply import normalise as N
from obskit.apply.local import read_output
from obskit.apply.plan import decide_dashboard
from obskit.apply.local import LocalDashboard
from obskit.errors import DefinitionError


def test_reads_the_agreed_layout(tmp_path):
    out = write_output(tmp_path, {"slo": "SLOs"}, {"slo": [dashboard("a", "A")], "general": [dashboard("r", "Root")]},
                       [{"name": "P", "type": "prometheus", "uid": "p", "url": "http://${HOST}:9090",
                         "orgId": 1, "editable": False, "version": 3, "secureJsonData": {"password": "$PW"}}])
    state = read_output(out, environ={"HOST": "prom", "PW": "pw$$1"})
    assert [(f.uid, f.title) for f in state.folders] == [("slo", "SLOs")]
    assert {(d.uid, d.folder_uid) for d in state.dashboards} == {("a", "slo"), ("r", "")}
    [ds] = state.datasources
    assert ds.fields == {"name": "P", "type": "prometheus", "uid": "p", "url": "http://prom:9090"}
    assert ds.secrets == {"password": "pw$$1"} and "pw$$1" not in repr(ds)


def test_every_problem_reported_together(tmp_path):
    out = write_output(tmp_path, {"slo": "SLOs"}, {
        "slo": [dashboard("ok", "Fine"), dashboard("x" * 41, "Long"), dashboard("notitle", "")],
        "unknown": [dashboard("u", "U")]},
        [{"name": "A", "type": "loki", "uid": "a", "secureJsonData": {"p": "$MISSING"}},
         {"name": "B", "type": "loki"},
         {"name": "C", "type": "loki", "uid": "c"}, {"name": "C", "type": "loki", "uid": "c2"}])
    (out / "grafana" / "dashboards" / "slo" / "renamed.json").write_text(json.dumps(dashboard("other", "Other")))
    with pytest.raises(DefinitionError) as exc:
        read_output(out, environ={})
    codes = sorted(d.code for d in exc.value.diagnostics)
    text = str(exc.value)
    assert "MISSING" in text and "not set" in text
    assert "does not match its file name" in text and "has no title" in text
    assert "'unknown' is not in grafana/folders.json" in text
    assert "datasource name 'C' used by 'c' and 'c2'" in text
    assert codes.count("grafana-uid") == 3   # too long, uid/file mismatch, datasource without uid


def test_missing_grafana_dir_is_empty(tmp_path):
    assert read_output(tmp_path, environ={}).empty


def test_plan_decisions_without_a_server():
    local = LocalDashboard("d", "D", "f", dashboard("d", "D"), "x")
    assert decide_dashboard(local, None, force=False).action == "create"
    desired = N.desired_dashboard(local.model)
    digest = N.content_hash(N.dashboard_state(desired, "f"))
    applied = N.dashboard_payload(desired, digest, None) | {"id": 7, "version": 4}
    remote = {"dashboard": applied, "meta": {"folderUid": "f"}}
    assert decide_dashboard(local, remote, force=False).action == "unchanged"
    assert decide_dashboard(local, {**remote, "meta": {"folderUid": "g"}}, force=False).action == "drift"
    assert decide_dashboard(local, {**remote, "meta": {"folderUid": "g"}}, force=True).action == "update"
    foreign = {"dashboard": {**applied, "tags": ["slo"]}, "meta": {"folderUid": "f"}}
    assert decide_dashboard(local, foreign, force=True).action == "conflict"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 40, 2 ** 40) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=6))
def test_hash_ignores_key_order_server_fields_and_float_spelling(model):
    model = {**model, "title": "T", "uid": "u"}
    reordered = json.loads(json.dumps(dict(reversed(list(model.items())))))
    as_grafana = {**reordered, "id": 99, "version": 12, N.HASH_FIELD: "sha256:x"}
    floats = json.loads(json.dumps(model), parse_int=float)   # Grafana stores numbers as float64
    h = N.content_hash(N.dashboard_state(model, "f"))
    assert N.content_hash(N.dashboard_state(as_grafana, "f")) == h
    assert N.content_hash(N.dashboard_state(floats, "f")) == h
    assert N.content_hash(N.dashboard_state(model, "g")) != h


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=6), st.lists(st.text(max_size=5), max_size=3))
def test_desired_dashboard_is_idempotent_and_tagged(model, tags):
    model = {**model, "tags": tags}
    once = N.desired_dashboard(model)
    assert N.desired_dashboard(once) == once
    assert once["tags"].count(N.MANAGED_TAG) == max(1, tags.count(N.MANAGED_TAG))
    assert N.is_owned_dashboard(once) and not N.is_owned_dashboard(once, "team-x")
    team = N.desired_dashboard(once, "team-x")
    assert N.is_owned_dashboard(team, "team-x") and not N.is_owned_dashboard(team)
    assert [t for t in team["tags"] if t.startswith("obskit-owner:")] == ["obskit-owner:team-x"]


class _Tty:
    def __init__(self, tty: bool):
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, s: str) -> None:
        self.text += s

    def flush(self) -> None:
        pass


def test_progress_draws_on_a_terminal_and_stays_quiet_otherwise():
    from obskit.apply.progress import Progress
    tty, pipe = _Tty(True), _Tty(False)
    for stream in (tty, pipe):
        p = Progress("reading", 3, stream=stream, interval=0)
        for _ in range(3):
            p.tick()
        p.phase("applying", 1)
        p.tick()
        p.close()
    assert pipe.text == ""
    assert "reading" in tty.text and "3/3" in tty.text and "applying" in tty.text and "1/1" in tty.text
    assert tty.text.endswith("\r\x1b[K")
