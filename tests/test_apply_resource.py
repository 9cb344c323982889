"""obskit diff / apply against Grafana 12/13's resource API (issue #14 item 5) and datasources obskit does
not own (item 4), on the stand-in: version detection, resourceVersion conflicts, manager annotations,
schema v2, namespaces, the legacy/resource switch, and a kube-prometheus-stack-like Grafana."""
from __future__ import annotations

import copy
import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from grafana_standin import ANNO_FOLDER, ANNO_MANAGED_BY, ANNO_MANAGER_ID, GrafanaStandin, dashboard, write_output
from obskit.apply import normalise as N
from obskit.apply import resource as R
from obskit.apply.apply import execute
from obskit.apply.client import Credentials, GrafanaClient, RetryPolicy
from obskit.cli.commands.grafana_common import EXIT_CHANGES, run
from obskit.apply.local import read_output
from obskit.apply.plan import make_plan
from obskit.cli.main import parser
from test_apply import DATASOURCES, FOLDERS, SECRET, dashboards
from test_apply import Env as ApplyEnv

ROOT = Path(__file__).resolve().parent.parent
V1 = {"12": "v1beta1", "13": "v1"}


class Env(ApplyEnv):
    """test_apply's Env, plus reads of the resource API."""

    def get(self, path: str):
        r = requests.get(self.g.url + path, headers={"Authorization": f"Bearer {self.g.token}"}, timeout=5)
        return r.status_code, r.json()

    def dash(self, uid: str, version: str = "v1beta1"):
        return self.get(f"/apis/dashboard.grafana.app/{version}/namespaces/{self.g.namespace}/dashboards/{uid}")[1]


def make_env(tmp_path, **kw):
    g = GrafanaStandin(**kw).start()
    e = Env(g, tmp_path / "out")
    e.write()
    return e


@pytest.fixture(params=["12", "13"])
def env(request, tmp_path):
    e = make_env(tmp_path, version=request.param)
    e.major = request.param
    yield e
    e.g.stop()
    assert e.g.violations == [], e.g.violations


def resource_writes(g):
    return [(r.method, r.path) for r in g.writes() if r.path.startswith("/apis/")]


def test_auto_detects_the_resource_api_and_writes_through_it(env):
    rc, out, err = env.cli("apply")
    assert rc == 0, out + err
    v1 = V1[env.major]
    assert f"resource API (dashboard.grafana.app/{v1}" in err and "namespace default" in err
    assert "7 created" in out
    ns = "/namespaces/default"
    writes = resource_writes(env.g)
    assert sorted(set(writes)) == [("POST", f"/apis/dashboard.grafana.app/{v1}{ns}/dashboards"),
                                   ("POST", f"/apis/folder.grafana.app/{v1}{ns}/folders")]
    assert len(writes) == 5 and not [r for r in env.g.writes() if r.path.startswith("/api/dashboards")]
    obj = env.dash("svc-a", v1)
    ann = obj["metadata"]["annotations"]
    assert ann[ANNO_MANAGED_BY] == "kubectl" and ann[ANNO_MANAGER_ID] == "obskit"     # what Grafana documents
    assert ann[ANNO_FOLDER] == "svc" and ann[R.ANNO_HASH].startswith("sha256:")
    assert R.ANNO_MESSAGE not in ann                                                  # input-only
    assert N.MANAGED_TAG in obj["spec"]["tags"] and obj["spec"][N.HASH_FIELD] == ann[R.ANNO_HASH]
    assert "uid" not in obj["spec"]
    folder = env.get(f"/apis/folder.grafana.app/{v1}{ns}/folders/svc")[1]
    assert folder["spec"] == {"title": "Services"} and folder["metadata"]["annotations"][ANNO_MANAGER_ID] == "obskit"
    # the same store through the legacy API
    assert env.g.dashboards["svc-a"]["folderUid"] == "svc"
    rc, out, err = env.cli("apply")
    assert rc == 0 and env.g.writes() == [] and "7 unchanged" in out
    rc, out, err = env.cli("diff")
    assert rc == 0 and "7 unchanged" in out and env.g.writes() == []


def test_updates_send_the_resource_version_they_read(env):
    env.cli("apply")
    before = env.dash("svc-a", V1[env.major])["metadata"]["resourceVersion"]
    d = dashboards()
    d["svc"][0]["panels"][0]["title"] = "requests per second"
    env.write(dash=d)
    rc, out, _ = env.cli("apply")
    assert rc == 0 and "1 updated" in out
    [put] = [r for r in env.g.writes()]
    assert put.method == "PUT" and put.body["metadata"]["resourceVersion"] == before
    assert env.dash("svc-a", V1[env.major])["spec"]["panels"][0]["title"] == "requests per second"
    assert env.cli("apply")[0] == 0 and env.g.writes() == []


def _plan_then(env, between, force=False):
    """Plan (reads), let ``between`` change the server, then execute: the conflict window."""
    client = GrafanaClient(env.g.url, Credentials("bearer", env.g.token), retry=RetryPolicy(attempts=1))
    backend, info = R.select(client, "auto")
    assert info.api == "resource"
    local = read_output(env.out, environ={"LOKI_PW": SECRET})
    plan = make_plan(backend, local, force=force)
    between()
    return execute(backend, plan)


def test_a_change_between_read_and_write_is_a_409_reported_never_overwritten(env):
    env.cli("apply")
    d = dashboards()
    d["svc"][0]["title"] = "Service A v2"
    env.write(dash=d, folders={"slo": "SLOs (renamed)", "svc": "Services"})
    result = _plan_then(env, lambda: (env.g.edit_dashboard("svc-a", description="edited in the UI"),
                                      env.g._resource("PUT", ["folder.grafana.app", V1[env.major], "namespaces",
                                                              "default", "folders", "slo"],
                                                      {}, _folder_body(env, "slo", "SLOs (UI)"))))
    failed = {o.change.uid: o.message for o in result.outcomes if o.outcome == "failed"}
    assert set(failed) == {"svc-a", "slo"}, result.outcomes
    assert "409" in failed["svc-a"] and "not overwritten" in failed["svc-a"]
    assert "409" in failed["slo"] and "not overwritten" in failed["slo"]
    assert env.g.dashboards["svc-a"]["json"]["description"] == "edited in the UI"
    assert env.g.dashboards["svc-a"]["json"]["title"] == "Service A"
    assert env.g.folders["slo"]["title"] == "SLOs (UI)"
    # the next run sees the dashboard edit as drift (the folder, which has no applied marker, is renamed
    # again, as its dashboards are all obskit's); --force overwrites, but still with resourceVersion
    rc, out, _ = env.cli("apply")
    assert rc == EXIT_CHANGES and "dashboard svc-a ('Service A v2'): drift" in out
    assert [(r.method, r.path.rsplit("/", 1)[1]) for r in env.g.writes()] == [("PUT", "slo")]
    result = _plan_then(env, lambda: env.g.edit_dashboard("svc-a", description="edited again"), force=True)
    [bad] = [o for o in result.outcomes if o.outcome == "failed"]
    assert bad.change.uid == "svc-a" and "409" in bad.message
    assert env.g.dashboards["svc-a"]["json"]["description"] == "edited again"
    rc, out, _ = env.cli("apply", "--force")
    assert rc == 0 and env.g.dashboards["svc-a"]["json"]["title"] == "Service A v2"
    assert all(r.body["metadata"].get("resourceVersion") for r in env.g.writes() if r.method == "PUT")
    assert env.cli("apply")[0] == 0 and env.g.writes() == []


def _folder_body(env, uid, title):
    return {"apiVersion": f"folder.grafana.app/{V1[env.major]}", "kind": "Folder",
            "metadata": {"name": uid, "resourceVersion": str(env.g.folders[uid]["rv"])}, "spec": {"title": title}}


def test_lost_answers_of_resource_writes_are_confirmed_by_re_reading(env):
    for method, path in (("POST", r"/dashboards$"), ("POST", r"/folders$"), ("PUT", r"/dashboards/")):
        env.g.inject(method, path, "reset-after", times=1)
    rc, out, _ = env.cli("apply")
    assert rc == 0 and "7 created" in out and out.count("confirmed by re-reading") == 2
    d = dashboards()
    d["svc"][1]["title"] = "Service B v2"
    env.write(dash=d)
    rc, out, _ = env.cli("apply")       # the PUT lands, its answer is lost, the retry meets 409
    assert rc == 0 and "dashboard svc-b ('Service B v2'): updated (confirmed by re-reading" in out
    assert env.g.dashboards["svc-b"]["json"]["version"] == 2
    assert env.cli("apply")[0] == 0 and env.g.writes() == []


def test_prune_through_the_resource_api_with_paging(env, monkeypatch):
    monkeypatch.setattr(R, "PAGE", 2)          # the dashboard list comes in pages (continue tokens)
    env.g.add_folder("team", "Team X")
    env.g.add_dashboard(dashboard("team-x", "Team X board", tags=["slo"]), "team")
    assert env.cli("apply")[0] == 0
    env.write(folders={"svc": "Services"}, dash={"svc": [dashboard("svc-a", "Service A")]}, ds=DATASOURCES[:1])
    rc, out, _ = env.cli("apply", "--prune")
    assert rc == 0, out
    assert "4 deleted" in out
    assert set(env.g.dashboards) == {"svc-a", "team-x"} and set(env.g.folders) == {"svc", "team"}
    lists = [r for r in env.g.requests if r.method == "GET" and r.path.endswith("/dashboards")]
    assert len(lists) >= 2 and any("continue" in r.query for r in lists)
    deletes = sorted(p.rsplit("/", 2)[1:] for m, p in resource_writes(env.g) if m == "DELETE")
    assert deletes == [["dashboards", "slo-overview"], ["dashboards", "svc-b"], ["folders", "slo"]]
    assert env.cli("apply", "--prune")[0] == 0 and env.g.writes() == []


def test_managed_by_others_is_never_touched(env):
    env.g.add_folder("svc", "Services")
    env.g.add_folder("slo", "SLOs")
    owned_model = N.desired_dashboard(dashboard("svc-a", "Old provisioned copy"))
    env.g.add_dashboard(owned_model, "svc", provisioned=True)                    # file provisioning
    env.g.add_dashboard(N.desired_dashboard(dashboard("svc-b", "Terraform's")), "svc",
                        annotations={ANNO_MANAGED_BY: "terraform", ANNO_MANAGER_ID: "grafana-terraform-provider"})
    env.g.add_dashboard(dashboard("slo-overview", "Hand made", tags=["team"]), "slo")
    before = copy.deepcopy({u: d["json"] for u, d in env.g.dashboards.items()})
    for flags in ((), ("--force",)):
        rc, out, _ = env.cli("apply", *flags)
        assert rc == EXIT_CHANGES, out
        assert "dashboard svc-a ('Service A'): provisioned" in out
        assert "dashboard svc-b ('Service B'): conflict: Grafana records it as managed by terraform" in out
        assert "dashboard slo-overview ('SLO overview'): conflict: a dashboard obskit does not manage" in out
        assert not [r for r in env.g.writes() if "/dashboards" in r.path]
    assert {u: d["json"] for u, d in env.g.dashboards.items()} == before


def test_legacy_applied_dashboards_are_adopted_without_churn(env):
    rc, out, err = env.cli("apply", "--api", "legacy")
    assert rc == 0 and "legacy /api" in err
    rc, out, err = env.cli("diff")                       # auto: resource API; the manager annotations are missing
    assert rc == EXIT_CHANGES and out.count("content already matches; recording Grafana's manager annotations") == 3
    rc, out, err = env.cli("apply")
    assert rc == 0 and "3 updated" in out and "4 unchanged" in out
    assert all(env.dash(u, V1[env.major])["metadata"]["annotations"][ANNO_MANAGER_ID] == "obskit"
               for u in ("svc-a", "svc-b", "slo-overview"))
    assert env.cli("apply")[0] == 0 and env.g.writes() == []
    assert env.cli("apply", "--api", "legacy")[0] == 0 and env.g.writes() == []    # and back: same content


def test_owner_is_the_manager_id(env):
    assert env.cli("apply", "--owner", "team-a")[0] == 0
    assert env.dash("svc-a", V1[env.major])["metadata"]["annotations"][ANNO_MANAGER_ID] == "obskit-team-a"
    rc, out, _ = env.cli("apply", "--owner", "team-b", "--force")
    assert rc == EXIT_CHANGES and "managed by obskit owner 'team-a', not 'team-b'" in out
    assert not [r for r in env.g.writes() if "/dashboards" in r.path]


# -- schema v2 -----------------------------------------------------------------------------------
def v2_spec(title: str, n: int = 1):
    return {"title": title, "tags": ["slo"], "elements": {f"panel-{i}": {"kind": "Panel", "spec": {"id": i, "title": f"p{i}"}}
                                                          for i in range(n)},
            "layout": {"kind": "GridLayout", "spec": {"items": []}}}


def write_v2(env, as_resource: bool):
    write_output(env.out, {"svc": "Services"}, {"svc": [dashboard("svc-a", "Service A")]}, [])
    path = env.out / "grafana" / "dashboards" / "svc" / "svc-v2.json"
    doc = v2_spec("Service v2", 2)
    if as_resource:
        doc = {"apiVersion": "dashboard.grafana.app/v2beta1", "kind": "Dashboard", "metadata": {"name": "svc-v2"},
               "spec": doc}
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize("as_resource", [False, True], ids=["spec", "resource"])
def test_schema_v2_dashboards_go_through_v2(env, as_resource):
    write_v2(env, as_resource)
    rc, out, err = env.cli("apply")
    assert rc == 0, out + err
    v2 = {"12": "v2beta1", "13": "v2"}[env.major]
    [post] = [r for r in env.g.writes() if r.body and r.body.get("metadata", {}).get("name") == "svc-v2"]
    assert post.path == f"/apis/dashboard.grafana.app/{v2}/namespaces/default/dashboards"
    assert N.HASH_FIELD not in post.body["spec"] and "uid" not in post.body["spec"]
    obj = env.dash("svc-v2", v2)
    assert obj["metadata"]["annotations"][R.ANNO_HASH].startswith("sha256:") and set(obj["spec"]["elements"]) == {
        "panel-0", "panel-1"}
    assert N.MANAGED_TAG in obj["spec"]["tags"]
    assert env.cli("apply")[0] == 0 and env.g.writes() == []
    # the legacy API cannot carry it: a clear failure, nothing written
    rc, out, _ = env.cli("apply", "--api", "legacy")
    assert rc == 1 and env.g.writes() == []
    assert "dashboard svc-v2 ('Service v2'): a schema v2 dashboard needs Grafana's resource API" in out


def test_schema_v2_without_a_v2_version_on_the_server(tmp_path):
    e = make_env(tmp_path, version="12", resource_versions={"dashboard.grafana.app": ("v1beta1",),
                                                            "folder.grafana.app": ("v1beta1",)})
    try:
        write_v2(e, as_resource=False)
        rc, out, err = e.cli("apply")
        assert rc == 1 and "publishes no dashboard.grafana.app/v2" in out
        assert e.g.dashboards["svc-a"]["folderUid"] == "svc"       # the rest landed
        assert e.g.violations == []
    finally:
        e.g.stop()


# -- version detection, --api, namespaces -------------------------------------------------------
def test_grafana_11_is_legacy_and_resource_is_refused(tmp_path):
    e = make_env(tmp_path, version="11.6")
    try:
        rc, out, err = e.cli("apply")
        assert rc == 0 and "Grafana 11.6.0: legacy /api" in err
        assert not [r for r in e.g.requests if r.path.startswith("/apis")]
        rc, out, err = e.cli("apply", "--api", "resource")
        assert rc == 1 and e.g.writes() == []
        [line] = [l for l in err.splitlines() if l.startswith("obskit: ")]
        assert "cannot read the resource API's groups: GET /apis: HTTP 404" in line
        assert e.g.violations == []
    finally:
        e.g.stop()


@pytest.mark.parametrize("kw,flags,ns", [({"org_id": 2}, ("--org-id", "2"), "org-2"),
                                         ({"stack_id": 4711}, ("--namespace", "stacks-4711"), "stacks-4711")])
def test_namespaces(tmp_path, kw, flags, ns):
    e = make_env(tmp_path, version="12", **kw)
    try:
        rc, out, err = e.cli("apply")                 # the token's org is not org 1: one line, nothing written
        assert rc == 1 and e.g.writes() == []
        [line] = [l for l in err.splitlines() if "403" in l]
        assert f"namespace 'default' does not match" in line and "org" in line
        rc, out, err = e.cli("apply", *flags)
        assert rc == 0 and f"namespace {ns}" in err
        assert all(f"/namespaces/{ns}/" in p or f"/namespaces/{ns}" in p for _, p in resource_writes(e.g))
        assert e.cli("apply", *flags)[0] == 0 and e.g.writes() == []
        assert e.g.violations == []
    finally:
        e.g.stop()


def test_bad_namespace_is_refused_before_sending(tmp_path):
    e = make_env(tmp_path, version="12")
    try:
        rc, _, err = e.cli("apply", "--namespace", "Not Valid")
        assert rc == 1 and "--namespace" in err and e.g.requests == []
    finally:
        e.g.stop()


# -- item 4: a kube-prometheus-stack Grafana -------------------------------------------------------
KPS_DATASOURCES = [{"name": "Prometheus", "type": "prometheus", "uid": "prometheus",
                    "url": "http://kube-prometheus-stack-prometheus.monitoring:9090/", "access": "proxy",
                    "isDefault": True, "jsonData": {"httpMethod": "POST", "timeInterval": "30s"}}]


@pytest.mark.parametrize("version", ["11.6", "12", "13"])
def test_existing_prometheus_datasource_not_owned_is_reported_once_and_apply_exits_0(tmp_path, version):
    """kube-prometheus-stack's Grafana provisions "Prometheus" (uid prometheus, read-only) from its sidecar;
    the build references the same uid. apply leaves it alone, says so once, exits 0, and converges."""
    e = make_env(tmp_path, version=version)
    try:
        e.g.add_datasource(KPS_DATASOURCES[0], read_only=True)
        e.write(ds=KPS_DATASOURCES)
        for run_no in range(3):
            rc, out, err = e.cli("apply")
            assert rc == 0, out + err
            assert out.count("datasource prometheus ('Prometheus'): a datasource obskit does not own") == 1
            assert "1 not owned" in out
            if run_no == 0:
                assert "5 created" in out
            else:
                assert e.g.writes() == [] and "5 unchanged" in out
        assert not [r for r in e.g.requests if r.path.startswith("/api/datasources") and r.method != "GET"]
        ds = e.g.datasources["prometheus"]
        assert N.HASH_FIELD not in ds["jsonData"] and ds["url"].startswith("http://kube-prometheus-stack")
        rc, out, _ = e.cli("diff")
        assert rc == 0 and "1 not owned" in out
        rc, out, _ = e.cli("apply", "--prune")
        assert rc == 0 and "prometheus" in e.g.datasources
        assert e.g.violations == []
    finally:
        e.g.stop()


# -- the shipped stand-in ------------------------------------------------------------------------
def test_obskit_grafana_standin_command_serves_both_apis(tmp_path):
    out = write_output(tmp_path / "out", FOLDERS, dashboards(), [])
    p = subprocess.Popen([sys.executable, "-m", "obskit", "grafana-standin", "--port", "0", "--version", "13"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(ROOT))
    try:
        head = [p.stdout.readline() for _ in range(3)]
        url = re.search(r"GRAFANA_URL=(\S+)", "".join(head)).group(1)
        token = re.search(r"GRAFANA_TOKEN=(\S+)", "".join(head)).group(1)
        assert "Grafana 13.0.0 stand-in (legacy /api and resource API /apis" in head[0]
        env = {**os.environ, "GRAFANA_URL": url, "GRAFANA_TOKEN": token}
        for expect in ("5 created", "5 unchanged"):
            r = subprocess.run([sys.executable, "-m", "obskit", "apply", "--from", str(out)], capture_output=True,
                               text=True, env=env, cwd=str(ROOT), timeout=60)
            assert r.returncode == 0 and expect in r.stdout, r.stdout + r.stderr
            assert "resource API (dashboard.grafana.app/v1," in r.stderr
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=10) == 0


def test_grafana_table_of_obskit_toml_sets_url_and_api(tmp_path):
    """``[grafana] url`` and ``api`` in the project's obskit.toml are apply's defaults: no
    --grafana-url needed, and api = "legacy" keeps a Grafana 12 on /api."""
    import shutil
    project = tmp_path / "project"
    shutil.copytree(ROOT / "examples" / "quickstart", project,
                    ignore=shutil.ignore_patterns("build", "__pycache__"))
    g = GrafanaStandin(version="12").start()
    try:
        (project / "obskit.toml").write_text(f'[grafana]\nurl = "{g.url}"\napi = "legacy"\n')
        env = {"GRAFANA_TOKEN": g.token}
        for expect_writes in (True, False):
            args = parser().parse_args(["apply", str(project), "--no-verify"])
            out, err = io.StringIO(), io.StringIO()
            g.reset_log()
            rc = run(args, apply=True, stdout=out, stderr=err, environ=env)
            assert rc == 0, err.getvalue()
            assert resource_writes(g) == [], "api = legacy in obskit.toml must keep apply off /apis"
            writes = [(r.method, r.path) for r in g.writes()]
            assert bool(writes) == expect_writes, (expect_writes, writes)
            if expect_writes:
                assert ("POST", "/api/dashboards/db") in writes, writes
        (project / "obskit.toml").write_text('[grafana]\napi = "sideways"\n')
        args = parser().parse_args(["apply", str(project), "--no-verify", "--grafana-url", g.url])
        from obskit.errors import DefinitionError
        with pytest.raises(DefinitionError, match="obskit.toml"):
            run(args, apply=True, stdout=io.StringIO(), stderr=io.StringIO(), environ=env)
    finally:
        g.stop()
