"""Canonical forms, ownership markers and content hashes.

A resource's *state* is what obskit compares: for a dashboard ``{"folderUid", "dashboard"}`` with the
dashboard minus server-assigned fields (``id``, ``version``) and minus the applied-hash marker; for a
datasource the API fields obskit sets (plus the *names* of its secure fields, never their values).
``content_hash(state)`` is a SHA-256 of the canonical JSON of that state.

Ownership (see docs/apply.md):
- dashboards carry the tag :data:`MANAGED_TAG`, the tag ``obskit-owner:<owner>`` (the ``--owner`` of the
  project that applied it; no owner tag means :data:`DEFAULT_OWNER`) and the top-level field
  :data:`HASH_FIELD` holding the hash of the state obskit last wrote (tags survive saves in the UI,
  unknown fields do not: a lost hash is treated as drift, see docs/apply.md);
- datasources carry ``jsonData[HASH_FIELD]`` (its presence is the ownership marker) and
  ``jsonData[OWNER_FIELD]``.
The owner marker is part of the compared content, the hash is not.
"""
from __future__ import annotations

import copy
import hashlib
import json
from typing import Any, Dict, Mapping, Optional

from obskit.compile.conventions import (GRAFANA_APPLIED_HASH_FIELD, GRAFANA_APPLY_MESSAGE,
                                        GRAFANA_DEFAULT_OWNER, GRAFANA_MANAGED_TAG, GRAFANA_OWNER_FIELD,
                                        GRAFANA_OWNER_TAG)

MANAGED_TAG = GRAFANA_MANAGED_TAG
HASH_FIELD = GRAFANA_APPLIED_HASH_FIELD
OWNER_FIELD = GRAFANA_OWNER_FIELD
DEFAULT_OWNER = GRAFANA_DEFAULT_OWNER
OWNER_TAG_PREFIX = GRAFANA_OWNER_TAG.format(owner="")


def owner_tag(owner: str) -> str:
    return GRAFANA_OWNER_TAG.format(owner=owner)
SERVER_DASHBOARD_FIELDS = ("id", "version")

# datasource fields compared, with the value Grafana reports when a field is not set
DATASOURCE_DEFAULTS: Dict[str, Any] = {
    "name": "", "type": "", "url": "", "access": "proxy", "isDefault": False, "basicAuth": False,
    "basicAuthUser": "", "user": "", "database": "", "withCredentials": False, "jsonData": {},
}


def _numbers(obj: Any) -> Any:
    """Integral floats become ints: Grafana stores JSON numbers as float64 and may answer 1 for 1.0."""
    if isinstance(obj, float) and obj.is_integer() and abs(obj) < 2 ** 53:
        return int(obj)
    if isinstance(obj, list):
        return [_numbers(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _numbers(v) for k, v in obj.items()}
    return obj


def canonical(obj: Any) -> str:
    return json.dumps(_numbers(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def pretty(obj: Any) -> str:
    return json.dumps(_numbers(obj), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def content_hash(state: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical(state).encode()).hexdigest()


def apply_message(digest: str) -> str:
    return GRAFANA_APPLY_MESSAGE.format(hash=digest)


# -- dashboards --------------------------------------------------------------------------------
def desired_dashboard(model: Mapping[str, Any], owner: str = DEFAULT_OWNER) -> Dict[str, Any]:
    """The local dashboard as obskit wants it on the server (without the hash marker)."""
    d = _numbers(copy.deepcopy(dict(model)))
    for key in SERVER_DASHBOARD_FIELDS + (HASH_FIELD,):
        d.pop(key, None)
    tags = [t for t in (d.get("tags") or []) if not (isinstance(t, str) and t.startswith(OWNER_TAG_PREFIX))]
    if MANAGED_TAG not in tags:
        tags.append(MANAGED_TAG)
    tags.append(owner_tag(owner))
    d["tags"] = tags
    return d


def dashboard_state(model: Mapping[str, Any], folder_uid: str) -> Dict[str, Any]:
    d = _numbers(copy.deepcopy(dict(model)))
    for key in SERVER_DASHBOARD_FIELDS + (HASH_FIELD,):
        d.pop(key, None)
    return {"folderUid": folder_uid or "", "dashboard": d}


def is_managed_dashboard(model: Mapping[str, Any]) -> bool:
    """Managed by obskit (any owner)."""
    tags = model.get("tags") or []
    return isinstance(tags, list) and MANAGED_TAG in tags


def owner_of(obj: Mapping[str, Any]) -> str:
    """A datasource's jsonData owner key."""
    value = obj.get(OWNER_FIELD)
    return value if isinstance(value, str) and value else DEFAULT_OWNER


def dashboard_owner(model: Mapping[str, Any]) -> str:
    for tag in model.get("tags") or []:
        if isinstance(tag, str) and tag.startswith(OWNER_TAG_PREFIX) and len(tag) > len(OWNER_TAG_PREFIX):
            return tag[len(OWNER_TAG_PREFIX):]
    return DEFAULT_OWNER


def is_owned_dashboard(model: Mapping[str, Any], owner: str = DEFAULT_OWNER) -> bool:
    """Managed by obskit for this owner."""
    return is_managed_dashboard(model) and dashboard_owner(model) == owner


def applied_hash(model: Mapping[str, Any]) -> Optional[str]:
    value = model.get(HASH_FIELD)
    return value if isinstance(value, str) else None


def dashboard_payload(desired: Mapping[str, Any], digest: str, version: Optional[int]) -> Dict[str, Any]:
    """What obskit POSTs: the desired dashboard + hash marker (+ the server version it read, for 412)."""
    d = copy.deepcopy(dict(desired))
    d[HASH_FIELD] = digest
    if version is not None:
        d["version"] = version
    return d


# -- datasources -------------------------------------------------------------------------------
def datasource_state(fields: Mapping[str, Any], secret_names) -> Dict[str, Any]:
    state = {k: copy.deepcopy(fields.get(k, default)) for k, default in DATASOURCE_DEFAULTS.items()}
    if state["jsonData"] is None:
        state["jsonData"] = {}
    state["jsonData"] = {k: v for k, v in dict(state["jsonData"]).items() if k != HASH_FIELD}
    state["secureJsonFields"] = sorted(secret_names)
    state["uid"] = fields.get("uid", "")
    return _numbers(state)


def remote_datasource_state(remote: Mapping[str, Any]) -> Dict[str, Any]:
    secure = remote.get("secureJsonFields") or {}
    return datasource_state(remote, [k for k, v in secure.items() if v])


def datasource_applied_hash(remote: Mapping[str, Any]) -> Optional[str]:
    value = (remote.get("jsonData") or {}).get(HASH_FIELD)
    return value if isinstance(value, str) else None


def is_managed_datasource(remote: Mapping[str, Any]) -> bool:
    return datasource_applied_hash(remote) is not None


def is_owned_datasource(remote: Mapping[str, Any], owner: str = DEFAULT_OWNER) -> bool:
    return is_managed_datasource(remote) and owner_of(remote.get("jsonData") or {}) == owner


def desired_datasource_fields(fields: Mapping[str, Any], owner: str = DEFAULT_OWNER) -> Dict[str, Any]:
    out = copy.deepcopy(dict(fields))
    out["jsonData"] = {**dict(out.get("jsonData") or {}), OWNER_FIELD: owner}
    return out


def datasource_payload(fields: Mapping[str, Any], secrets: Mapping[str, str], digest: str,
                       version: Optional[int] = None) -> Dict[str, Any]:
    body = {k: copy.deepcopy(fields.get(k, default)) for k, default in DATASOURCE_DEFAULTS.items()}
    body["uid"] = fields["uid"]
    body["jsonData"] = {**dict(body.get("jsonData") or {}), HASH_FIELD: digest}
    if secrets:
        body["secureJsonData"] = dict(secrets)
    if version is not None:
        body["version"] = version
    return body
