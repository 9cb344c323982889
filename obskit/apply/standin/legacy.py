"""Grafana's legacy ``/api`` as the stand-in answers it: dashboards, folders, datasources and search
(the rules are listed in :mod:`obskit.apply.standin`). A mixin of
:class:`~obskit.apply.standin.server.GrafanaStandin`, whose store (folders, dashboards, datasources,
guarded by ``lock``) it reads and writes."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Tuple

UID_MAX = 40
UID_CHARS = re.compile(r"^[a-zA-Z0-9_-]*$")


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")



class LegacyAPI:
    """``/api/...`` requests; ``p`` is the path after ``api``."""

    def _legacy(self, method: str, p: List[str], query: Dict[str, List[str]], body: Any) -> Tuple[int, Any]:
        with self.lock:
            if p == ["health"] and method == "GET":
                return 200, {"commit": "standin", "database": "ok", "version": self.version}
            if p == ["dashboards", "db"] and method == "POST":
                return self._save_dashboard(body)
            if len(p) == 3 and p[:2] == ["dashboards", "uid"]:
                if method == "GET":
                    return self._get_dashboard(p[2])
                if method == "DELETE":
                    return self._delete_dashboard(p[2])
            if p == ["search"] and method == "GET":
                return 200, self._search(query)
            if p == ["folders"]:
                if method == "GET":
                    return 200, self._list_folders(query)
                if method == "POST":
                    return self._create_folder(body)
            if len(p) == 2 and p[0] == "folders":
                if method == "GET":
                    f = self.folders.get(p[1])
                    return (200, self._folder_dto(f)) if f else (404, {"message": "folder not found"})
                if method == "PUT":
                    return self._update_folder(p[1], body)
                if method == "DELETE":
                    return self._delete_folder(p[1])
            if p == ["datasources"]:
                if method == "GET":
                    return 200, [self._ds_list_item(d) for d in sorted(self.datasources.values(), key=lambda d: d["name"])]
                if method == "POST":
                    return self._create_datasource(body)
            if len(p) == 3 and p[:2] == ["datasources", "uid"]:
                if method == "GET":
                    ds = self.datasources.get(p[2])
                    return (200, self._ds_dto(ds)) if ds else (404, {"message": "Data source not found"})
                if method == "PUT":
                    return self._update_datasource(p[2], body)
                if method == "DELETE":
                    return self._delete_datasource(p[2])
        return 404, {"message": "Not found"}

    # dashboards
    def _folder_of(self, body: Dict[str, Any]) -> Tuple[Optional[str], Optional[Tuple[int, Any]]]:
        fuid = body.get("folderUid")
        if fuid:
            if fuid not in self.folders:
                return None, (404, {"message": "Folder not found"})
            return fuid, None
        fid = body.get("folderId") or 0
        if fid:
            for f in self.folders.values():
                if f["id"] == fid:
                    return f["uid"], None
            return None, (404, {"message": "Folder not found"})
        return "", None  # neither: the root folder ("General"), also for updates

    def _save_dashboard(self, body: Any) -> Tuple[int, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("dashboard"), dict):
            return 400, {"message": "bad request data"}
        dash = json.loads(json.dumps(body["dashboard"]))
        title = dash.get("title")
        if not isinstance(title, str) or not title.strip():
            return 400, {"message": "Dashboard title cannot be empty", "status": "empty-name"}
        uid = dash.get("uid") or ""
        if len(uid) > UID_MAX:
            return 400, {"message": "uid too long, max 40 characters"}
        if not UID_CHARS.match(uid):
            return 400, {"message": "uid contains illegal characters"}
        if uid and uid in self.folders:
            return 400, {"message": "A dashboard with the same uid already exists"}
        folder_uid, err = self._folder_of(body)
        if err:
            return err
        if not uid:
            uid = f"gen{self._id():08d}"
            dash["uid"] = uid
        existing = self.dashboards.get(uid)
        if existing is not None:
            if existing["provisioned"]:
                return 400, {"message": "Cannot save provisioned dashboard"}
            current = existing["json"]["version"]
            if dash.get("version", 0) != current and not body.get("overwrite"):
                return 412, {"message": "The dashboard has been changed by someone else", "status": "version-mismatch"}
            dash["id"] = existing["json"]["id"]
            dash["version"] = current + 1
        else:
            dash["id"] = self._id()
            dash["version"] = 1
        record = existing if existing is not None else self._new_record()
        record.update(json=dash, folderUid=folder_uid, provisioned=False, schema="v1", spec=None, rv=self._next_rv())
        self.dashboards[uid] = record
        slug = _slug(title)
        return 200, {"id": dash["id"], "uid": uid, "url": f"/d/{uid}/{slug}", "status": "success",
                     "version": dash["version"], "slug": slug, "title": slug, "folderUid": folder_uid}

    def _get_dashboard(self, uid: str) -> Tuple[int, Any]:
        d = self.dashboards.get(uid)
        if d is None:
            return 404, {"message": "Dashboard not found", "status": "not-found"}
        if d["schema"] == "v2":
            versions = [v for v in self.resource_versions.get("dashboard.grafana.app", ()) if v.startswith("v2")]
            return 406, {"message": "dashboard api version not supported, use /apis/dashboard.grafana.app/"
                         f"{versions[-1] if versions else 'v2'} instead"}
        f = self.folders.get(d["folderUid"]) if d["folderUid"] else None
        slug = _slug(d["json"].get("title", ""))
        meta = {"type": "db", "canSave": not d["provisioned"], "canEdit": True, "canAdmin": True, "canStar": True,
                "canDelete": True, "slug": slug, "url": f"/d/{uid}/{slug}", "expires": "0001-01-01T00:00:00Z",
                "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z", "updatedBy": "admin",
                "createdBy": "admin", "version": d["json"]["version"], "hasAcl": False, "isFolder": False,
                "folderId": f["id"] if f else 0, "folderUid": d["folderUid"],
                "folderTitle": f["title"] if f else "Dashboards", "folderUrl": f"/dashboards/f/{f['uid']}/" if f else "",
                "provisioned": d["provisioned"], "provisionedExternalId": f"{uid}.json" if d["provisioned"] else ""}
        return 200, {"dashboard": d["json"], "meta": meta}

    def _delete_dashboard(self, uid: str) -> Tuple[int, Any]:
        d = self.dashboards.get(uid)
        if d is None:
            return 404, {"message": "Dashboard not found", "status": "not-found"}
        if d["provisioned"]:
            return 400, {"message": "provisioned dashboard cannot be deleted"}
        del self.dashboards[uid]
        title = d["json"].get("title", "")
        return 200, {"title": title, "message": f"Dashboard {title} deleted", "uid": uid}

    def _search(self, query: Dict[str, List[str]]) -> List[Dict[str, Any]]:
        kind = (query.get("type") or [""])[0]
        tags = query.get("tag") or []
        folder_uids = query.get("folderUIDs")
        uids = query.get("dashboardUIDs")
        text = (query.get("query") or [""])[0].lower()
        limit = int((query.get("limit") or ["1000"])[0])
        page = int((query.get("page") or ["1"])[0])
        hits: List[Dict[str, Any]] = []
        if kind in ("", "dash-folder") and not tags:
            for f in self.folders.values():
                if text in f["title"].lower():
                    hits.append({"id": f["id"], "uid": f["uid"], "title": f["title"], "type": "dash-folder",
                                 "uri": f"db/{_slug(f['title'])}", "url": f"/dashboards/f/{f['uid']}/",
                                 "tags": [], "isStarred": False, "slug": _slug(f["title"])})
        if kind in ("", "dash-db"):
            for uid, d in self.dashboards.items():
                j = d["json"]
                dtags = j.get("tags") or []
                if any(t not in dtags for t in tags):
                    continue
                if folder_uids is not None and d["folderUid"] not in folder_uids:
                    continue
                if uids is not None and uid not in uids:
                    continue
                if text not in j.get("title", "").lower():
                    continue
                f = self.folders.get(d["folderUid"])
                hit = {"id": j["id"], "uid": uid, "title": j.get("title", ""), "type": "dash-db",
                       "uri": f"db/{_slug(j.get('title', ''))}", "url": f"/d/{uid}/", "slug": _slug(j.get("title", "")),
                       "tags": dtags, "isStarred": False}
                if f:
                    hit.update(folderId=f["id"], folderUid=f["uid"], folderTitle=f["title"],
                               folderUrl=f"/dashboards/f/{f['uid']}/")
                hits.append(hit)
        hits.sort(key=lambda h: (h["title"].lower(), h["uid"]))
        return hits[(page - 1) * limit: page * limit]

    # folders
    def _folder_dto(self, f: Dict[str, Any]) -> Dict[str, Any]:
        return {"id": f["id"], "uid": f["uid"], "title": f["title"], "url": f"/dashboards/f/{f['uid']}/",
                "hasAcl": False, "canSave": True, "canEdit": True, "canAdmin": True, "canDelete": True,
                "createdBy": "admin", "created": "2026-01-01T00:00:00Z", "updatedBy": "admin",
                "updated": "2026-01-01T00:00:00Z", "version": f["version"]}

    def _list_folders(self, query: Dict[str, List[str]]) -> List[Dict[str, Any]]:
        if (query.get("parentUid") or [""])[0]:
            return []  # no nested folders in the stand-in
        limit = int((query.get("limit") or ["1000"])[0])
        page = int((query.get("page") or ["1"])[0])
        items = sorted(self.folders.values(), key=lambda f: f["title"].lower())
        return [{"id": f["id"], "uid": f["uid"], "title": f["title"]} for f in items][(page - 1) * limit: page * limit]

    def _create_folder(self, body: Any) -> Tuple[int, Any]:
        if not isinstance(body, dict):
            return 400, {"message": "bad request data"}
        title = body.get("title") or ""
        uid = body.get("uid") or ""
        if not title.strip():
            return 400, {"message": "folder title cannot be empty"}
        if len(uid) > UID_MAX or not UID_CHARS.match(uid):
            return 400, {"message": "invalid uid for folder provided"}
        if uid and (uid in self.folders or uid in self.dashboards):
            return 409, {"message": "a folder with the same uid already exists"}
        if not uid:
            uid = f"f{self._id():08d}"
        return 200, self._folder_dto(self.add_folder(uid, title))

    def _update_folder(self, uid: str, body: Any) -> Tuple[int, Any]:
        f = self.folders.get(uid)
        if f is None:
            return 404, {"message": "folder not found"}
        if not isinstance(body, dict) or not (body.get("title") or "").strip():
            return 400, {"message": "folder title cannot be empty"}
        if not body.get("overwrite") and body.get("version") != f["version"]:
            return 412, {"message": "the folder has been changed by someone else", "status": "version-mismatch"}
        f["title"] = body["title"]
        f["version"] += 1
        f["rv"] = self._next_rv()
        return 200, self._folder_dto(f)

    def _delete_folder(self, uid: str) -> Tuple[int, Any]:
        f = self.folders.get(uid)
        if f is None:
            return 404, {"message": "folder not found"}
        for duid in [u for u, d in self.dashboards.items() if d["folderUid"] == uid]:
            del self.dashboards[duid]   # Grafana deletes the folder's dashboards with it
        del self.folders[uid]
        return 200, {"message": "Folder deleted", "id": f["id"], "title": f["title"]}

    # datasources
    def _store_datasource(self, body: Dict[str, Any], existing: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        ds = {"id": existing["id"] if existing else self._id(), "orgId": 1, "uid": body.get("uid") or f"ds{self._id()}",
              "name": body["name"], "type": body.get("type", ""), "typeLogoUrl": "", "access": body.get("access", "proxy"),
              "url": body.get("url", ""), "user": body.get("user", ""), "database": body.get("database", ""),
              "basicAuth": bool(body.get("basicAuth")), "basicAuthUser": body.get("basicAuthUser", ""),
              "withCredentials": bool(body.get("withCredentials")), "isDefault": bool(body.get("isDefault")),
              "jsonData": body.get("jsonData") or {}, "readOnly": existing["readOnly"] if existing else False,
              "version": (existing["version"] + 1) if existing else 1,
              "secure": dict(existing["secure"]) if existing else {}}
        ds["secure"].update(body.get("secureJsonData") or {})
        self.datasources[ds["uid"]] = ds
        return ds

    def _ds_dto(self, ds: Dict[str, Any]) -> Dict[str, Any]:
        out = {k: v for k, v in ds.items() if k != "secure"}
        out["secureJsonFields"] = {k: True for k in ds["secure"]}
        return out

    def _ds_list_item(self, ds: Dict[str, Any]) -> Dict[str, Any]:
        keys = ("id", "orgId", "uid", "name", "type", "typeLogoUrl", "access", "url", "user", "database",
                "basicAuth", "isDefault", "jsonData", "readOnly")
        return {k: ds[k] for k in keys}

    def _create_datasource(self, body: Any) -> Tuple[int, Any]:
        if not isinstance(body, dict) or not body.get("name"):
            return 400, {"message": "Required field 'name' is missing"}
        uid = body.get("uid") or ""
        if len(uid) > UID_MAX or not UID_CHARS.match(uid):
            return 400, {"message": "Failed to add datasource: invalid UID"}
        if any(d["name"] == body["name"] for d in self.datasources.values()):
            return 409, {"message": "data source with the same name already exists"}
        if uid and uid in self.datasources:
            return 409, {"message": "data source with the same uid already exists"}
        ds = self._store_datasource(body, None)
        return 200, {"datasource": self._ds_dto(ds), "id": ds["id"], "message": "Datasource added", "name": ds["name"]}

    def _update_datasource(self, uid: str, body: Any) -> Tuple[int, Any]:
        ds = self.datasources.get(uid)
        if ds is None:
            return 404, {"message": "Data source not found"}
        if ds["readOnly"]:
            return 403, {"message": "Cannot update read-only data source"}
        if not isinstance(body, dict) or not body.get("name"):
            return 400, {"message": "Required field 'name' is missing"}
        if any(d["name"] == body["name"] and d["uid"] != uid for d in self.datasources.values()):
            return 409, {"message": "data source with the same name already exists"}
        version = body.get("version") or 0
        if version and version < ds["version"]:
            return 409, {"message": "Datasource has already been updated by someone else. Please reload and try again"}
        body = {**body, "uid": uid}
        new = self._store_datasource(body, ds)
        return 200, {"datasource": self._ds_dto(new), "id": new["id"], "message": "Datasource updated", "name": new["name"]}

    def _delete_datasource(self, uid: str) -> Tuple[int, Any]:
        ds = self.datasources.get(uid)
        if ds is None:
            return 404, {"message": "Data source not found"}
        if ds["readOnly"]:
            return 403, {"message": "Cannot delete read-only data source"}
        del self.datasources[uid]
        return 200, {"message": "Data source deleted"}

