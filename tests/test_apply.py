"""obskit diff / apply against the Grafana stand-in: create, idempotence, diffs, drift, --force,
conflicts, prune, provisioned resources, dry run, summary and exit codes."""
from __future__ import annotations

import copy
import io
import re
from pathlib import Path

import pytest

from grafana_standin import GrafanaStandin, dashboard, write_output
from obskit.apply import normalise as N
from obskit.cli.commands.grafana_common import EXIT_CHANGES, run
from obskit.apply.local import read_output
from obskit.cli.main import parser

SECRET = "loki-password-Zx81"

FOLDERS = {"slo": "SLOs", "svc": "Services"}
DATASOURCES = [
    {"name": "Prometheus", "type": "prometheus", "uid": "prom", "url": "http://prometheus:9090",
     "access": "proxy", "isDefault": True, "jsonData": {"timeInterval": "30s"}},
    {"name": "Loki", "type": "loki", "uid": "loki", "url": "http://loki:3100", "access": "proxy",
     "basicAuth": True, "basicAuthUser": "grafana", "secureJsonData": {"basicAuthPassword": "$LOKI_PW"}},
]


def dashboards():
    return {"slo": [dashboard("slo-overview", "SLO overview", 3)],
            "svc": [dashboard("svc-a", "Service A"), dashboard("svc-b", "Service B", 2)]}


class Env:
    def __init__(self, standin: GrafanaStandin, out: Path):
        self.g, self.out = standin, out
        self.env = {"GRAFANA_TOKEN": standin.token, "LOKI_PW": SECRET}

    def write(self, folders=None, dash=None, ds=None):
        write_output(self.out, FOLDERS if folders is None else folders, dashboards() if dash is None else dash,
                     DATASOURCES if ds is None else ds)

    def cli(self, command: str, *flags: str):
        args = parser().parse_args([command, "--from", str(self.out), "--grafana-url", self.g.url, *flags])
        out, err = io.StringIO(), io.StringIO()
        self.g.reset_log()
        rc = run(args, apply=command == "apply", stdout=out, stderr=err, environ=self.env)
        return rc, out.getvalue(), err.getvalue()


@pytest.fixture
def env(tmp_path):
    with GrafanaStandin() as g:
        e = Env(g, tmp_path / "out")
        e.write()
        yield e
        assert g.violations == [], g.violations


def saves(g, uid=None):
    return [r for r in g.requests if r.method == "POST" and r.path == "/api/dashboards/db"
            and (uid is None or r.body["dashboard"]["uid"] == uid)]


def test_first_apply_creates_everything_with_markers(env):
    rc, out, _ = env.cli("apply")
    assert rc == 0, out
    assert "7 created, 0 updated, 0 deleted, 0 unchanged, 0 skipped, 0 failed" in out
    g = env.g
    assert set(g.folders) == {"slo", "svc"} and g.folders["slo"]["title"] == "SLOs"
    assert {u: d["folderUid"] for u, d in g.dashboards.items()} == {"slo-overview": "slo", "svc-a": "svc", "svc-b": "svc"}
    for uid, d in g.dashboards.items():
        model = d["json"]
        assert N.MANAGED_TAG in model["tags"] and "slo" in model["tags"]
        assert model[N.HASH_FIELD] == N.content_hash(N.dashboard_state(model, d["folderUid"]))
    # every dashboard save names its folder (without folderUid Grafana moves it to the root)
    assert all("folderUid" in r.body for r in saves(g)) and len(saves(g)) == 3
    assert all(r.body["message"].startswith("obskit apply sha256:") for r in saves(g))
    loki = g.datasources["loki"]
    assert loki["secure"] == {"basicAuthPassword": SECRET}
    assert N.HASH_FIELD in loki["jsonData"] and N.HASH_FIELD in g.datasources["prom"]["jsonData"]
    assert SECRET not in out


def test_second_apply_writes_nothing(env):
    assert env.cli("apply")[0] == 0
    rc, out, _ = env.cli("apply")
    assert rc == 0
    assert env.g.writes() == []
    assert "0 created, 0 updated, 0 deleted, 7 unchanged" in out
    rc, out, _ = env.cli("diff")
    assert rc == 0 and env.g.writes() == []
    assert "7 unchanged" in out


def test_diff_after_a_change_shows_exactly_that_change(env):
    env.cli("apply")
    d = dashboards()
    d["svc"][0]["panels"][0]["title"] = "requests per second"
    env.write(dash=d)
    rc, out, _ = env.cli("diff")
    assert rc == EXIT_CHANGES
    assert env.g.writes() == []
    headers = [line for line in out.splitlines() if re.match(r"^[-+~!x=?] (dashboard|folder|datasource) ", line)]
    assert headers == ["~ dashboard svc-a ('Service A'): update - changed in the build"]
    removed = [l for l in out.splitlines() if l.startswith("-") and not l.startswith("---")]
    added = [l for l in out.splitlines() if l.startswith("+") and not l.startswith("+++")]
    assert removed == ['-        "title": "panel 1",'] and added == ['+        "title": "requests per second",']
    rc, out, _ = env.cli("apply")
    assert rc == 0 and "0 created, 1 updated" in out
    assert [r.body["dashboard"]["uid"] for r in env.g.writes()] == ["svc-a"]
    assert env.g.dashboards["svc-a"]["json"]["version"] == 2
    assert env.cli("apply")[0] == 0 and env.g.writes() == []


def test_ui_edit_is_drift_and_only_force_overwrites(env):
    env.cli("apply")
    env.g.edit_dashboard("svc-b", title="Service B (edited in the UI)")
    rc, out, _ = env.cli("diff")
    assert rc == EXIT_CHANGES
    assert "! dashboard svc-b ('Service B'): drift - changed on the server since obskit applied it" in out
    assert '-    "title": "Service B (edited in the UI)"' in out
    rc, out, _ = env.cli("apply")
    assert rc == EXIT_CHANGES
    assert env.g.writes() == []
    assert env.g.dashboards["svc-b"]["json"]["title"] == "Service B (edited in the UI)"
    assert "skipped:\n  dashboard svc-b ('Service B'): drift:" in out
    rc, out, _ = env.cli("apply", "--force")
    assert rc == 0 and "1 updated" in out
    [save] = saves(env.g)
    assert save.body["overwrite"] is True
    assert env.g.dashboards["svc-b"]["json"]["title"] == "Service B"
    assert env.cli("apply")[0] == 0 and env.g.writes() == []


def test_ui_edit_plus_build_change_is_still_drift(env):
    env.cli("apply")
    env.g.edit_dashboard("svc-a", refresh="5s")
    d = dashboards()
    d["svc"][0]["title"] = "Service A v2"
    env.write(dash=d)
    rc, out, _ = env.cli("apply")
    assert rc == EXIT_CHANGES and env.g.writes() == []
    assert env.g.dashboards["svc-a"]["json"]["refresh"] == "5s"


def test_moving_a_dashboard_in_the_ui_is_drift(env):
    env.cli("apply")
    with env.g.lock:
        env.g.dashboards["svc-a"]["folderUid"] = "slo"
    rc, out, _ = env.cli("diff")
    assert rc == EXIT_CHANGES and "! dashboard svc-a" in out
    assert '-  "folderUid": "slo"' in out and '+  "folderUid": "svc"' in out


def test_marker_removed_in_ui_is_drift(env):
    env.cli("apply")
    with env.g.lock:
        env.g.dashboards["svc-a"]["json"].pop(N.HASH_FIELD)   # a UI save that dropped the field ...
    rc, out, _ = env.cli("apply")                             # ... and changed nothing else: harmless,
    assert rc == 0 and "1 updated" in out                     # obskit records the marker again
    env.g.edit_dashboard("svc-a", title="edited")
    with env.g.lock:
        env.g.dashboards["svc-a"]["json"].pop(N.HASH_FIELD)   # a real edit without the marker: drift
    rc, out, _ = env.cli("apply")
    assert rc == EXIT_CHANGES and env.g.writes() == []
    assert "no applied marker" in out


def test_unowned_dashboard_with_same_uid_is_never_touched(env):
    foreign = dashboard("svc-a", "Somebody else's", 1, tags=["team-x"])
    env.g.add_folder("svc", "Services")
    env.g.add_dashboard(foreign, "svc")
    before = copy.deepcopy(env.g.dashboards["svc-a"])
    for flags in ((), ("--force",), ("--force", "--prune")):
        rc, out, _ = env.cli("apply", *flags)
        assert rc == EXIT_CHANGES, out
        assert "x dashboard svc-a" not in out  # apply prints writes; the conflict is in the summary
        assert "dashboard svc-a ('Service A'): conflict: a dashboard obskit does not manage" in out
        assert saves(env.g, "svc-a") == []
        assert env.g.dashboards["svc-a"] == before


def test_prune_deletes_only_owned_resources_missing_from_the_build(env):
    env.g.add_folder("team", "Team X")
    env.g.add_dashboard(dashboard("team-x", "Team X board", tags=["slo"]), "team")
    env.g.add_datasource({"name": "Elastic", "type": "elasticsearch", "uid": "es", "url": "http://es"})
    assert env.cli("apply")[0] == 0
    env.g.add_dashboard(dashboard("loose", "Unowned in svc", tags=[]), "svc")
    # the build drops svc-b, the whole "slo" folder and the Loki datasource
    env.write(folders={"svc": "Services"}, dash={"svc": [dashboard("svc-a", "Service A")]}, ds=DATASOURCES[:1])
    rc, out, _ = env.cli("apply")
    assert rc == 0 and env.g.writes() == []      # without --prune nothing is deleted
    rc, out, _ = env.cli("diff", "--prune")
    assert rc == EXIT_CHANGES and env.g.writes() == []
    assert "- dashboard svc-b ('Service B'): delete" in out and "- folder slo ('SLOs'): delete" in out
    rc, out, _ = env.cli("apply", "--prune")
    assert rc == 0, out
    assert "3 deleted" not in out and "4 deleted" in out   # svc-b, slo-overview, folder slo, datasource loki
    assert set(env.g.dashboards) == {"svc-a", "team-x", "loose"}
    assert set(env.g.folders) == {"svc", "team"}
    assert set(env.g.datasources) == {"prom", "es"}
    deletes = sorted((r.method, r.path) for r in env.g.writes())
    assert deletes == [("DELETE", "/api/dashboards/uid/slo-overview"), ("DELETE", "/api/dashboards/uid/svc-b"),
                       ("DELETE", "/api/datasources/uid/loki"), ("DELETE", "/api/folders/slo")]
    assert env.cli("apply", "--prune")[0] == 0 and env.g.writes() == []


def test_prune_keeps_a_folder_that_still_holds_unowned_dashboards(env):
    env.cli("apply")
    env.g.add_dashboard(dashboard("hand-made", "Hand made"), "slo")
    env.write(folders={"svc": "Services"}, dash={"svc": dashboards()["svc"]})
    rc, out, _ = env.cli("apply", "--prune")
    assert rc == EXIT_CHANGES
    assert "slo" in env.g.folders and "hand-made" in env.g.dashboards and "slo-overview" not in env.g.dashboards
    assert "folder slo ('SLOs'): conflict: no longer in the build but still holds 1 other dashboard(s)" in out


def test_prune_does_not_delete_an_orphan_edited_in_the_ui_without_force(env):
    env.cli("apply")
    env.g.edit_dashboard("svc-b", description="notes from on-call")
    env.write(dash={"slo": dashboards()["slo"], "svc": [dashboard("svc-a", "Service A")]})
    rc, out, _ = env.cli("apply", "--prune")
    assert rc == EXIT_CHANGES and "svc-b" in env.g.dashboards
    assert "not deleted without --force" in out
    rc, out, _ = env.cli("apply", "--prune", "--force")
    assert rc == 0 and "svc-b" not in env.g.dashboards


def test_provisioned_dashboard_is_reported_not_written(env):
    env.g.add_folder("svc", "Services")
    model = N.desired_dashboard(dashboard("svc-a", "Old provisioned copy"))
    env.g.add_dashboard(model, "svc", provisioned=True)
    rc, out, _ = env.cli("apply")
    assert rc == EXIT_CHANGES
    assert saves(env.g, "svc-a") == []
    assert "dashboard svc-a ('Service A'): provisioned: provisioned from files" in out


def test_dry_run_writes_nothing(env):
    rc, out, _ = env.cli("apply", "--dry-run")
    assert rc == 0
    assert env.g.writes() == [] and env.g.dashboards == {} and env.g.folders == {}
    assert "(dry run): 7 would be created" in out


def test_datasource_name_held_by_a_datasource_obskit_does_not_own_is_reported_once(env):
    """kube-prometheus-stack's Grafana already has a "Prometheus": obskit leaves it alone, says so once,
    and exits 0 once everything it owns is in sync (issue #14)."""
    env.g.add_datasource({"name": "Prometheus", "type": "prometheus", "uid": "other-prom", "url": "http://p"})
    for _ in range(2):
        rc, out, _ = env.cli("apply")
        assert rc == 0, out
        assert out.count("datasource prom ('Prometheus'): Grafana already has a datasource named 'Prometheus' "
                         "(uid 'other-prom') that obskit does not own") == 1
        assert "1 not owned" in out and "not owned by obskit (left as they are):" in out
    assert not [r for r in env.g.writes() if r.path.startswith("/api/datasources")]
    assert "prom" not in env.g.datasources and env.g.datasources["other-prom"]["url"] == "http://p"
    rc, out, _ = env.cli("diff")
    assert rc == 0 and "o datasource prom ('Prometheus'): foreign" in out


def test_datasource_name_held_by_another_obskit_owner_is_a_conflict(env):
    env.g.add_datasource({"name": "Prometheus", "type": "prometheus", "uid": "other-prom", "url": "http://p",
                          "jsonData": {N.HASH_FIELD: "sha256:0", N.OWNER_FIELD: "team-x"}})
    rc, out, _ = env.cli("apply")
    assert rc == EXIT_CHANGES
    assert "datasource prom ('Prometheus'): conflict: a datasource named 'Prometheus' already exists" in out
    assert "prom" not in env.g.datasources


def test_datasource_change_and_secret_never_shown(env):
    env.cli("apply")
    ds = copy.deepcopy(DATASOURCES)
    ds[1]["url"] = "http://loki-gateway:3100"
    env.write(ds=ds)
    rc, out, err = env.cli("diff")
    assert rc == EXIT_CHANGES
    assert '-  "url": "http://loki:3100",' in out and '+  "url": "http://loki-gateway:3100",' in out
    assert SECRET not in out + err
    rc, out, err = env.cli("apply")
    assert rc == 0 and "1 updated" in out and SECRET not in out + err
    [put] = env.g.writes()
    assert put.method == "PUT" and put.body["version"] == 1 and put.body["secureJsonData"] == {"basicAuthPassword": SECRET}


def test_read_only_datasource_is_reported(env):
    env.g.add_datasource({"name": "Prometheus", "type": "prometheus", "uid": "prom", "url": "http://old",
                          "jsonData": {N.HASH_FIELD: "sha256:0"}}, read_only=True)
    rc, out, _ = env.cli("apply")
    assert rc == EXIT_CHANGES and "datasource prom ('Prometheus'): provisioned" in out
    assert env.g.datasources["prom"]["url"] == "http://old"


def test_failed_write_reports_exactly_what_did_not_happen(env):
    env.g.inject("POST", "/api/dashboards/db", "500", times=100)
    args = ("--retries", "0")
    rc, out, _ = env.cli("apply", *args)
    assert rc == 1
    assert "4 created" in out and "3 failed" in out
    for uid in ("slo-overview", "svc-a", "svc-b"):
        assert f"dashboard {uid} " in out.split("failed:")[1]
    assert env.g.dashboards == {}
    env.g.faults.clear()
    rc, out, _ = env.cli("apply")
    assert rc == 0 and "3 created" in out and "4 unchanged" in out


def test_dashboards_of_a_folder_that_failed_are_not_attempted(env):
    env.g.inject("POST", "/api/folders$", "500", times=100)
    rc, out, _ = env.cli("apply", "--retries", "0")
    assert rc == 1
    assert saves(env.g) == []
    assert "not attempted: folder 'slo' could not be created" in out


def test_wrong_token_fails_without_printing_it(env):
    env.env["GRAFANA_TOKEN"] = "glsa_wrong_token_DO_NOT_PRINT"
    rc, out, err = env.cli("apply")
    assert rc == 1
    [line] = [line for line in err.splitlines() if "HTTP 401" in line]   # once, not once per resource
    assert line.startswith("obskit: GET /api/datasources: HTTP 401") and "token" in line
    assert "glsa_wrong_token_DO_NOT_PRINT" not in out + err
    assert [(r.path, r.status) for r in env.g.requests] == [("/api/health", 200), ("/api/datasources", 401)]


def test_missing_token_and_url(env, capsys):
    env.env.pop("GRAFANA_TOKEN")
    rc, out, err = env.cli("apply")
    assert rc == 1 and "GRAFANA_TOKEN" in err and env.g.requests == []
    args = parser().parse_args(["diff", "--from", str(env.out)])
    rc = run(args, apply=False, stdout=io.StringIO(), stderr=(e := io.StringIO()), environ={"GRAFANA_TOKEN": "x"})
    assert rc == 1 and "GRAFANA_URL" in e.getvalue()


def test_definition_errors_exit_2_and_send_nothing(env, monkeypatch, capsys):
    bad = dashboard("this-uid-is-far-too-long-for-grafana-to-accept-it", "Too long")
    write_output(env.out, FOLDERS, {"nope": [dashboard("x", "")], "svc": [bad]}, DATASOURCES)
    from obskit.cli.main import main
    monkeypatch.setenv("GRAFANA_TOKEN", env.g.token)
    monkeypatch.setenv("LOKI_PW", "x")
    env.g.reset_log()
    rc = main(["apply", "--from", str(env.out), "--grafana-url", env.g.url])
    err = capsys.readouterr().err
    assert rc == 2
    assert "folder 'nope' is not in grafana/folders.json" in err
    assert "must be 1-40 characters" in err
    assert env.g.requests == []


def test_build_without_grafana_output_is_in_sync(tmp_path):
    with GrafanaStandin() as g:
        (tmp_path / "out").mkdir()
        args = parser().parse_args(["diff", "--from", str(tmp_path / "out"), "--grafana-url", g.url])
        err = io.StringIO()
        rc = run(args, apply=False, stdout=io.StringIO(), stderr=err, environ={"GRAFANA_TOKEN": g.token})
        assert rc == 0 and "no Grafana resources" in err.getvalue()
        assert g.requests == []


def test_owners_stay_in_their_lane(env):
    """Two projects applying to one Grafana: each owns its own resources; --prune never crosses over."""
    assert env.cli("apply", "--owner", "team-a")[0] == 0
    assert "obskit-owner:team-a" in env.g.dashboards["svc-a"]["json"]["tags"]
    assert env.g.datasources["prom"]["jsonData"][N.OWNER_FIELD] == "team-a"
    # team-b's build has one dashboard of its own and one uid that team-a already owns
    write_output(env.out, {"b": "Team B"}, {"b": [dashboard("b-board", "B board"), dashboard("svc-a", "Hijack")]}, [])
    rc, out, _ = env.cli("apply", "--owner", "team-b", "--prune", "--force")
    assert rc == EXIT_CHANGES
    assert "dashboard svc-a ('Hijack'): conflict: managed by obskit owner 'team-a', not 'team-b'" in out
    assert set(env.g.dashboards) == {"slo-overview", "svc-a", "svc-b", "b-board"}
    assert env.g.dashboards["svc-a"]["json"]["title"] == "Service A"
    assert set(env.g.datasources) == {"prom", "loki"}
    # and team-a's prune leaves team-b's dashboard and folder alone
    env.write(folders={"svc": "Services"}, dash={"svc": dashboards()["svc"]})
    rc, out, _ = env.cli("apply", "--owner", "team-a", "--prune")
    assert rc == 0, out
    assert set(env.g.dashboards) == {"svc-a", "svc-b", "b-board"} and "b" in env.g.folders


def test_bad_owner_is_refused(env):
    rc, _, err = env.cli("apply", "--owner", "Not Valid!")
    assert rc == 1 and "--owner" in err and env.g.requests == []


def test_builds_the_repository_and_applies_it_idempotently(root, tmp_path):
    """The whole path: obskit apply PROJECT_DIR builds (dashboards target included) and pushes."""
    with GrafanaStandin() as g:
        def cli(*argv):
            args = parser().parse_args([*argv, "--grafana-url", g.url])
            out, err = io.StringIO(), io.StringIO()
            g.reset_log()
            return run(args, apply=argv[0] == "apply", stdout=out, stderr=err,
                       environ={"GRAFANA_TOKEN": g.token}), out.getvalue()
        rc, out = cli("apply", str(root), "--no-verify", "--out", str(tmp_path / "build"))
        assert rc == 0, out
        local = read_output(tmp_path / "build", environ={})
        assert len(local.dashboards) > 0
        assert set(g.dashboards) == {d.uid for d in local.dashboards}
        assert {u: d["folderUid"] for u, d in g.dashboards.items()} == {d.uid: d.folder_uid for d in local.dashboards}
        rc, out = cli("apply", "--from", str(tmp_path / "build"))
        assert rc == 0 and g.writes() == [], out
        rc, out = cli("diff", "--from", str(tmp_path / "build"))
        assert rc == 0, out
        assert g.violations == []


def test_prune_deletes_a_folder_whose_dashboards_moved_elsewhere(env):
    env.cli("apply")
    # the build renames folder "slo" to "slos": its dashboard moves, the old folder is left empty
    d = dashboards()
    env.write(folders={"slos": "SLOs", "svc": "Services"}, dash={"slos": d["slo"], "svc": d["svc"]})
    rc, out, _ = env.cli("apply", "--prune")
    assert rc == 0, out
    assert env.g.dashboards["slo-overview"]["folderUid"] == "slos"
    assert set(env.g.folders) == {"slos", "svc"}
    # the move is an update of an owned, untouched dashboard: not drift
    assert "1 created, 1 updated, 1 deleted" in out


def test_diff_stat_lists_one_line_per_resource(env):
    rc, out, _ = env.cli("diff", "--stat")
    assert rc == EXIT_CHANGES
    lines = out.strip().splitlines()
    assert lines[:7] == ["+ datasource loki ('Loki'): create - not on the server",
                         "+ datasource prom ('Prometheus'): create - not on the server",
                         "+ folder slo ('SLOs'): create - not on the server",
                         "+ folder svc ('Services'): create - not on the server",
                         "+ dashboard slo-overview ('SLO overview'): create - not on the server",
                         "+ dashboard svc-a ('Service A'): create - not on the server",
                         "+ dashboard svc-b ('Service B'): create - not on the server"]
    assert lines[7].startswith("obskit diff against http://127.0.0.1:") and "7 create, 0 update, 0 unchanged" in lines[7]


def test_a_ui_save_that_drops_unknown_fields_keeps_the_owner(env):
    """The UI keeps tags but drops fields it does not know: the owner (a tag) survives, the lost hash
    makes an edited dashboard drift (never a conflict, never silently overwritten)."""
    assert env.cli("apply", "--owner", "team-a")[0] == 0
    env.g.edit_dashboard("svc-a", title="edited in the UI")
    with env.g.lock:
        env.g.dashboards["svc-a"]["json"].pop(N.HASH_FIELD)
    rc, out, _ = env.cli("apply", "--owner", "team-a")
    assert rc == EXIT_CHANGES and env.g.writes() == []
    assert "dashboard svc-a ('Service A'): drift: owned" in out
