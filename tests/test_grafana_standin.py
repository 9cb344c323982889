"""The stand-in itself: Grafana's documented behaviour, and its contract checker against
shared/schemas/grafana-http/openapi-subset.json (it must be able to catch a bad request or response)."""
from __future__ import annotations

import json

import pytest
import requests

from grafana_standin import Contract, GrafanaStandin, dashboard


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
