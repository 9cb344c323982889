"""The stand-in itself: Grafana's documented behaviour, and its contract checker against
shared/schemas/grafana-http/openapi-subset.json (it must be able to catch a bad request or response)."""
from __future__ import annotations

import json

import pytest
import requests

from grafana_standin import RESOURCE_VERSIONS, Contract, GrafanaStandin, dashboard


@pytest.fixture
def g():
    with GrafanaStandin() as standin:
        yield standin


def call(g, method, path, body=None, token=True, **params):
    headers = {"Authorization": f"Bearer {g.token}"} if token else {}
    r = requests.request(method, g.url + path, json=body, headers=headers, params=params or None, timeout=5)
    return r.status_code, (r.json() if r.content else None)


def save(g, dash, folder_uid=None, overwrite=False):
    body = {"dashboard": dash, "overwrite": overwrite, "message": "test"}
    if folder_uid is not None:
        body["folderUid"] = folder_uid
    return call(g, "POST", "/api/dashboards/db", body)


def test_auth_required_except_health(g):
    assert call(g, "GET", "/api/health", token=False)[0] == 200
    status, body = call(g, "GET", "/api/dashboards/uid/x", token=False)
    assert status == 401 and body["message"]
    assert call(g, "GET", "/api/dashboards/uid/x")[0] == 404
    assert g.violations == []


@pytest.mark.parametrize("uid,status,message", [
    ("a" * 40, 200, None),
    ("a" * 41, 400, "uid too long, max 40 characters"),
    ("bad uid!", 400, "uid contains illegal characters"),
    ("with/slash", 400, "uid contains illegal characters"),
    ("Mixed_Case-09", 200, None),
])
def test_dashboard_uid_rules(g, uid, status, message):
    code, body = save(g, {"uid": uid, "title": "T"}, "")
    assert code == status
    if message:
        assert body["message"] == message
    assert g.violations == []


def test_version_increments_and_stale_version_is_412(g):
    code, body = save(g, {"uid": "d", "title": "T"}, "")
    assert (code, body["version"]) == (200, 1)
    code, body = save(g, {"uid": "d", "title": "T2", "version": 1}, "")
    assert (code, body["version"]) == (200, 2)
    code, body = save(g, {"uid": "d", "title": "T3", "version": 1}, "")
    assert code == 412 and body == {"message": "The dashboard has been changed by someone else",
                                    "status": "version-mismatch"}
    code, body = save(g, {"uid": "d", "title": "T3"}, "")          # no version at all: also stale
    assert code == 412
    code, body = save(g, {"uid": "d", "title": "T3", "version": 1}, "", overwrite=True)
    assert (code, body["version"]) == (200, 3)
    status, got = call(g, "GET", "/api/dashboards/uid/d")
    assert got["dashboard"]["version"] == 3 and got["meta"]["version"] == 3 and got["dashboard"]["title"] == "T3"
    assert g.violations == []


def test_save_without_folder_uid_moves_the_dashboard_to_the_root(g):
    assert call(g, "POST", "/api/folders", {"uid": "f", "title": "F"})[0] == 200
    save(g, {"uid": "d", "title": "T"}, "f")
    assert call(g, "GET", "/api/dashboards/uid/d")[1]["meta"]["folderUid"] == "f"
    save(g, {"uid": "d", "title": "T", "version": 1})              # folderUid omitted
    assert call(g, "GET", "/api/dashboards/uid/d")[1]["meta"]["folderUid"] == ""
    assert g.violations == []


def test_unknown_folder_and_empty_title(g):
    code, body = save(g, {"uid": "d", "title": "T"}, "no-such-folder")
    assert code == 404 and body["message"] == "Folder not found"
    code, body = save(g, {"uid": "d", "title": ""}, "")
    assert code == 400 and body["message"] == "Dashboard title cannot be empty"
    assert g.violations == []


def test_provisioned_dashboard_refuses_save_and_delete(g):
    g.add_dashboard({"uid": "p", "title": "P"}, "", provisioned=True)
    code, body = save(g, {"uid": "p", "title": "P2", "version": 1}, "", overwrite=True)
    assert code == 400 and body["message"] == "Cannot save provisioned dashboard"
    code, body = call(g, "DELETE", "/api/dashboards/uid/p")
    assert code == 400 and body["message"] == "provisioned dashboard cannot be deleted"
    assert call(g, "GET", "/api/dashboards/uid/p")[1]["meta"]["provisioned"] is True
    assert g.violations == []


def test_folders(g):
    assert call(g, "POST", "/api/folders", {"uid": "f", "title": "F"})[0] == 200
    assert call(g, "POST", "/api/folders", {"uid": "f", "title": "again"})[0] == 409
    assert call(g, "POST", "/api/folders", {"uid": "x" * 41, "title": "long"})[0] == 400
    assert call(g, "PUT", "/api/folders/f", {"title": "F2", "version": 0})[0] == 412
    code, body = call(g, "PUT", "/api/folders/f", {"title": "F2", "version": 1})
    assert code == 200 and body["version"] == 2
    assert call(g, "PUT", "/api/folders/none", {"title": "x", "overwrite": True})[0] == 404
    save(g, {"uid": "inside", "title": "Inside"}, "f")
    code, body = call(g, "DELETE", "/api/folders/f", forceDeleteRules="false")
    assert code == 200 and body["title"] == "F2"
    assert call(g, "GET", "/api/dashboards/uid/inside")[0] == 404  # deleted with its folder
    assert call(g, "GET", "/api/folders/f")[0] == 404
    assert g.violations == []


def test_datasources(g):
    ds = {"name": "Prom", "type": "prometheus", "uid": "prom", "url": "http://p", "access": "proxy",
          "secureJsonData": {"password": "s3cret"}}
    code, body = call(g, "POST", "/api/datasources", ds)
    assert code == 200 and body["message"] == "Datasource added"
    assert body["datasource"]["secureJsonFields"] == {"password": True}
    assert "s3cret" not in json.dumps(call(g, "GET", "/api/datasources/uid/prom")[1])
    assert call(g, "POST", "/api/datasources", {**ds, "uid": "other"})[1]["message"] == \
        "data source with the same name already exists"
    assert call(g, "POST", "/api/datasources", {**ds, "name": "Other"})[0] == 409      # same uid
    code, body = call(g, "PUT", "/api/datasources/uid/prom", {**ds, "url": "http://q", "version": 1})
    assert code == 200 and body["datasource"]["version"] == 2
    code, body = call(g, "PUT", "/api/datasources/uid/prom", {**ds, "version": 1})       # stale
    assert code == 409
    g.add_datasource({"name": "RO", "type": "loki", "uid": "ro"}, read_only=True)
    assert call(g, "PUT", "/api/datasources/uid/ro", {"name": "RO", "type": "loki"})[0] == 403
    assert call(g, "DELETE", "/api/datasources/uid/ro")[0] == 403
    assert call(g, "DELETE", "/api/datasources/uid/prom")[0] == 200
    assert call(g, "GET", "/api/datasources/uid/prom")[0] == 404
    assert [d["uid"] for d in call(g, "GET", "/api/datasources")[1]] == ["ro"]
    assert g.violations == []


def test_search_by_tag_folder_and_pages(g):
    call(g, "POST", "/api/folders", {"uid": "f", "title": "F"})
    for i in range(5):
        save(g, dashboard(f"d{i}", f"D{i}", tags=["obskit-managed"] if i % 2 == 0 else []), "f" if i < 3 else "")
    code, hits = call(g, "GET", "/api/search", tag="obskit-managed", type="dash-db")
    assert [h["uid"] for h in hits] == ["d0", "d2", "d4"]
    assert [h["uid"] for h in call(g, "GET", "/api/search", folderUIDs="f", type="dash-db")[1]] == ["d0", "d1", "d2"]
    pages = [call(g, "GET", "/api/search", type="dash-db", limit=2, page=p)[1] for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert g.violations == []


def test_faults(g):
    g.inject("GET", "/api/health", "429", retry_after="5")
    r = requests.get(g.url + "/api/health", timeout=5)
    assert r.status_code == 429 and r.headers["Retry-After"] == "5"
    g.inject("GET", "/api/health", "reset")
    with pytest.raises(requests.ConnectionError):
        requests.get(g.url + "/api/health", timeout=5)
    assert requests.get(g.url + "/api/health", timeout=5).status_code == 200


def test_contract_checker_catches_bad_requests_and_responses():
    c = Contract()
    assert c.check_request("POST", "/api/dashboards/db", {}, {"dashboard": {}, "folderUid": "f", "overwrite": True}) == []
    assert c.check_request("POST", "/api/dashboards/db", {}, {"dashboard": "not an object"})
    assert c.check_request("POST", "/api/dashboards/db", {}, {"dashboard": {}, "overwrite": "yes"})
    assert c.check_request("GET", "/api/nowhere", {}, None) == ["GET /api/nowhere: path not in the contract"]
    assert c.check_request("PATCH", "/api/dashboards/db", {}, None)
    assert c.check_request("GET", "/api/search", {"bogus": ["1"]}, None)
    assert c.check_request("GET", "/api/search", {"tag": ["a"], "type": ["dash-db"], "limit": ["5"]}, None) == []
    # a response missing required fields, or a status the contract does not list
    assert c.check_response("POST", "/api/dashboards/db", 200, {"status": "success"})
    assert c.check_response("GET", "/api/dashboards/uid/x", 409, {"message": "x"})
    assert c.check_response("GET", "/api/dashboards/uid/x", 404, {"message": "Dashboard not found"}) == []
    assert c.check_response("GET", "/api/dashboards/uid/x", 404, {"nomessage": 1})


def test_standin_records_violations_of_a_bad_client(g):
    requests.post(g.url + "/api/dashboards/db", json={"dashboard": "oops"},
                  headers={"Authorization": f"Bearer {g.token}"}, timeout=5)
    assert any("request body" in v for v in g.violations)



def test_a_request_whose_body_never_fully_arrives_is_not_handled(g):
    """A client killed mid-write leaves a body shorter than its Content-Length: a real server never handles
    it, so the stand-in neither records it nor reports a contract violation (a SIGKILL test saw one)."""
    import socket
    from urllib.parse import urlsplit
    u = urlsplit(g.url)
    with socket.create_connection((u.hostname, u.port), timeout=5) as sock:
        sock.sendall(b"POST /api/dashboards/db HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer " + g.token.encode() + b"\r\nContent-Length: 500\r\n\r\n")
    status, _ = call(g, "GET", "/api/search")      # the server still answers, and saw nothing of the above
    assert status == 200
    assert g.writes() == [] and g.violations == []

# -- the resource API (/apis), Grafana 12 and 13 ------------------------------------------------------
from grafana_standin import ANNO_FOLDER, ANNO_MANAGED_BY, ANNO_MANAGER_ID  # noqa: E402

DASH = "/apis/dashboard.grafana.app/{v}/namespaces/{ns}/dashboards"
FOLD = "/apis/folder.grafana.app/{v}/namespaces/{ns}/folders"


def k8s(v, name, spec, kind="Dashboard", group="dashboard.grafana.app", rv=None, annotations=None):
    meta = {"name": name}
    if rv is not None:
        meta["resourceVersion"] = rv
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": f"{group}/{v}", "kind": kind, "metadata": meta, "spec": spec}


@pytest.fixture(params=["12", "13"])
def rg(request):
    with GrafanaStandin(version=request.param) as standin:
        standin.v1 = {"12": "v1beta1", "13": "v1"}[request.param]
        yield standin
        assert standin.violations == [], standin.violations


def test_discovery_by_version():
    for version, dash, folder in (("12", "v1beta1", "v1beta1"), ("13", "v1", "v1")):
        with GrafanaStandin(version=version) as g:
            status, body = call(g, "GET", "/apis")
            groups = {x["name"]: x for x in body["groups"]}
            assert status == 200 and body["kind"] == "APIGroupList"
            assert groups["dashboard.grafana.app"]["preferredVersion"]["version"] == dash
            assert groups["folder.grafana.app"]["preferredVersion"]["version"] == folder
            assert call(g, "GET", "/apis/dashboard.grafana.app")[1]["kind"] == "APIGroup"
            assert call(g, "GET", "/api/health", token=False)[1]["version"] == f"{version}.0.0"
    with GrafanaStandin(version="11.6") as g:
        assert call(g, "GET", "/apis")[0] == 404
        assert call(g, "GET", "/apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards")[0] == 404


def test_resource_crud_resource_versions_and_status_objects(rg):
    v, path = rg.v1, DASH.format(v=rg.v1, ns="default")
    status, missing = call(rg, "GET", path + "/d")
    assert status == 404 and missing["kind"] == "Status" and missing["reason"] == "NotFound" and missing["code"] == 404
    assert missing["details"] == {"name": "d", "group": "dashboard.grafana.app", "kind": "dashboards"}
    status, created = call(rg, "POST", path, k8s(v, "d", {"title": "T", "tags": ["x"]}))
    assert status == 201 and created["metadata"]["name"] == "d" and created["metadata"]["generation"] == 1
    rv1 = created["metadata"]["resourceVersion"]
    status, again = call(rg, "POST", path, k8s(v, "d", {"title": "T"}))
    assert status == 409 and again["reason"] == "AlreadyExists"
    status, updated = call(rg, "PUT", path + "/d", k8s(v, "d", {"title": "T2"}, rv=rv1))
    assert status == 200 and updated["metadata"]["resourceVersion"] != rv1 and updated["metadata"]["generation"] == 2
    status, stale = call(rg, "PUT", path + "/d", k8s(v, "d", {"title": "T3"}, rv=rv1))
    assert status == 409 and stale["reason"] == "Conflict" and "has been modified" in stale["message"]
    assert call(rg, "GET", path + "/d")[1]["spec"]["title"] == "T2"
    # one store: the legacy API sees the same dashboard, and its saves move the resourceVersion
    legacy = call(rg, "GET", "/api/dashboards/uid/d")[1]
    assert legacy["dashboard"]["title"] == "T2" and legacy["dashboard"]["version"] == 2
    save(rg, {"uid": "d", "title": "T4", "version": 2}, "")
    assert call(rg, "PUT", path + "/d", k8s(v, "d", {"title": "T5"}, rv=updated["metadata"]["resourceVersion"]))[0] == 409
    status, gone = call(rg, "DELETE", path + "/d")
    assert status == 200 and gone["kind"] == "Status" and gone["status"] == "Success"
    assert call(rg, "DELETE", path + "/d")[0] == 404


def test_resource_validation(rg):
    v, path = rg.v1, DASH.format(v=rg.v1, ns="default")
    assert call(rg, "POST", path, k8s(v, "x" * 41, {"title": "T"}))[1]["reason"] == "Invalid"
    assert call(rg, "POST", path, k8s(v, "e", {"title": ""}))[1]["reason"] == "Invalid"
    assert call(rg, "POST", path, k8s("v9", "e", {"title": "T"}))[0] == 400           # apiVersion ≠ URL
    assert call(rg, "POST", path, k8s(v, "e", {"title": "T"}, annotations={ANNO_FOLDER: "nope"}))[0] == 400
    assert call(rg, "PUT", path + "/other", k8s(v, "e", {"title": "T"}, rv="1"))[0] == 400  # name ≠ URL
    v2 = [x for x in RESOURCE_VERSIONS[int(rg.major)]["dashboard.grafana.app"] if x.startswith("v2")][-1]
    bad_v2 = call(rg, "POST", DASH.format(v=v2, ns="default"), k8s(v2, "e", {"title": "T"}))
    assert bad_v2[0] == 422 and "elements and layout" in bad_v2[1]["message"]
    rg.violations.clear()   # these were deliberately bad requests


def test_namespace_of_another_org_is_forbidden():
    with GrafanaStandin(version="12", org_id=3) as g:
        status, body = call(g, "GET", DASH.format(v="v1beta1", ns="default"))
        assert status == 403 and body["reason"] == "Forbidden" and "org-3" in body["message"]
        assert call(g, "GET", DASH.format(v="v1beta1", ns="org-3"))[0] == 200


def test_list_pages_with_continue_tokens(rg):
    path = DASH.format(v=rg.v1, ns="default")
    for i in range(5):
        rg.add_dashboard({"uid": f"d{i}", "title": f"D{i}"})
    seen, token = [], None
    while True:
        params = {"limit": "2", **({"continue": token} if token else {})}
        status, page = call(rg, "GET", path, **params)
        assert status == 200 and page["kind"] == "DashboardList" and len(page["items"]) <= 2
        seen += [i["metadata"]["name"] for i in page["items"]]
        token = page["metadata"].get("continue")
        if not token:
            break
    assert seen == [f"d{i}" for i in range(5)]


def test_folders_annotations_and_managers(rg):
    v, fpath, dpath = rg.v1, FOLD.format(v=rg.v1, ns="default"), DASH.format(v=rg.v1, ns="default")
    status, f = call(rg, "POST", fpath, k8s(v, "f", {"title": "F"}, kind="Folder", group="folder.grafana.app"))
    assert status == 201 and rg.folders["f"]["title"] == "F"
    mine = {ANNO_MANAGED_BY: "kubectl", ANNO_MANAGER_ID: "obskit", "grafana.app/message": "m"}
    status, d = call(rg, "POST", dpath, k8s(v, "d", {"title": "D"}, annotations={**mine, ANNO_FOLDER: "f"}))
    assert status == 201 and d["metadata"]["annotations"][ANNO_FOLDER] == "f"
    assert "grafana.app/message" not in d["metadata"]["annotations"]                 # input-only
    assert call(rg, "GET", "/api/dashboards/uid/d")[1]["meta"]["folderUid"] == "f"
    other = {ANNO_MANAGED_BY: "terraform", ANNO_MANAGER_ID: "tf"}
    refused = call(rg, "PUT", dpath + "/d", k8s(v, "d", {"title": "D2"}, rv=d["metadata"]["resourceVersion"],
                                                   annotations=other))
    assert refused[0] == 400 and "is managed by kubectl 'obskit'" in refused[1]["message"]
    rg.add_dashboard({"uid": "p", "title": "P"}, provisioned=True)
    p = call(rg, "GET", dpath + "/p")[1]
    assert p["metadata"]["annotations"][ANNO_MANAGED_BY] == "classic-file-provisioning"
    assert call(rg, "DELETE", dpath + "/p")[0] == 400
    assert call(rg, "DELETE", fpath + "/f")[0] == 200 and "d" not in rg.dashboards    # with its dashboards


def test_schema_v2_is_stored_as_v2_and_refused_by_the_legacy_api(rg):
    v2 = [x for x in RESOURCE_VERSIONS[int(rg.major)]["dashboard.grafana.app"] if x.startswith("v2")][-1]
    spec = {"title": "V2", "elements": {}, "layout": {"kind": "GridLayout", "spec": {"items": []}}}
    assert call(rg, "POST", DASH.format(v=v2, ns="default"), k8s(v2, "two", spec))[0] == 201
    status, body = call(rg, "GET", "/api/dashboards/uid/two")
    assert status == 406 and f"/apis/dashboard.grafana.app/{v2}" in body["message"]
    through_v1 = call(rg, "GET", DASH.format(v=rg.v1, ns="default") + "/two")[1]
    assert through_v1["status"]["conversion"]["failed"] is True


def test_resource_request_checker_catches_a_bad_client(rg):
    path = DASH.format(v=rg.v1, ns="default")
    created = call(rg, "POST", path, k8s(rg.v1, "d", {"title": "T"}))[1]
    call(rg, "PUT", path + "/d", k8s(rg.v1, "d", {"title": "T2"}))                  # no resourceVersion
    call(rg, "GET", path, labelSelector="x=y")
    assert any("without metadata.resourceVersion" in x for x in rg.violations)
    assert any("undeclared query parameter 'labelSelector'" in x for x in rg.violations)
    assert created["metadata"]["resourceVersion"]
    rg.violations.clear()
