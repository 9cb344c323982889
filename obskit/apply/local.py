"""Read the Grafana part of a build output directory.

Layout (written by the dashboards build target):

- ``grafana/folders.json``: sorted list of ``{"uid", "title"}``;
- ``grafana/dashboards/<folder_uid>/<dashboard_uid>.json``: full dashboard JSON with ``uid`` and ``title``
  (the folder directory ``general`` means Grafana's root folder unless folders.json defines it), or a
  schema v2 dashboard (a spec with ``elements`` and ``layout``, or a ``dashboard.grafana.app/v2*``
  resource), which only the resource API of Grafana 12+ takes;
- ``grafana/provisioning/datasources/*.yaml``: Grafana datasource provisioning (``apiVersion: 1``,
  ``datasources: [{name, type, uid, url, access, ...}]``).

Everything wrong with these files is reported together as a :class:`DefinitionError` (exit 2).
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml

from obskit.errors import DefinitionError, Diagnostic

GRAFANA_DIR = "grafana"
ROOT_FOLDER_DIR = "general"
UID_RE = re.compile(r"^[a-zA-Z0-9_-]{1,40}$")

# provisioning keys that map onto the datasource API (AddDataSourceCommand); the rest
# (orgId, version, editable, ...) only mean something to file provisioning.
DATASOURCE_API_FIELDS = ("name", "type", "uid", "url", "access", "isDefault", "basicAuth", "basicAuthUser",
                         "user", "database", "withCredentials", "jsonData")
_ENV_RE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class LocalFolder:
    uid: str
    title: str


@dataclass(frozen=True, eq=False)
class LocalDashboard:
    uid: str
    title: str
    folder_uid: str          # "" is Grafana's root folder
    model: Mapping[str, Any]
    path: str                # relative to OUT_DIR, for messages
    schema: str = "v1"       # "v1" classic JSON, "v2" schema v2 (elements + layout; resource API only)


@dataclass(frozen=True, eq=False)
class LocalDatasource:
    uid: str
    name: str
    fields: Mapping[str, Any]                      # API fields, environment expanded
    secrets: Mapping[str, str] = field(repr=False)  # secureJsonData, never printed
    path: str = ""


@dataclass(frozen=True)
class LocalState:
    folders: Tuple[LocalFolder, ...] = ()
    dashboards: Tuple[LocalDashboard, ...] = ()
    datasources: Tuple[LocalDatasource, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.folders or self.dashboards or self.datasources)


def expand_env(value: str, environ: Mapping[str, str], missing: List[str]) -> str:
    """Grafana provisioning's ``$VAR`` / ``${VAR}`` expansion (``$$`` is a literal ``$``)."""
    def sub(m: "re.Match[str]") -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(2)
        if name not in environ:
            missing.append(name)
            return ""
        return environ[name]
    return _ENV_RE.sub(sub, value)


def _expand_all(obj: Any, environ: Mapping[str, str], missing: List[str]) -> Any:
    if isinstance(obj, str):
        return expand_env(obj, environ, missing)
    if isinstance(obj, list):
        return [_expand_all(v, environ, missing) for v in obj]
    if isinstance(obj, dict):
        return {k: _expand_all(v, environ, missing) for k, v in obj.items()}
    return obj


def dashboard_model(doc: Dict[str, Any], stem: str) -> "Tuple[Dict[str, Any], str, str]":
    """``(model, schema, problem)`` for one dashboard file: classic JSON (``schema`` v1); a schema v2
    spec (``elements`` and ``layout``; the uid is the file name unless the spec has one); or a resource
    (``{"apiVersion": "dashboard.grafana.app/<version>", "kind": "Dashboard", "metadata": {"name"},
    "spec"}``), whose version says v1 or v2. The model always carries the uid."""
    api = doc.get("apiVersion")
    if isinstance(api, str) and api.startswith("dashboard.grafana.app/"):
        meta, spec = doc.get("metadata"), doc.get("spec")
        if doc.get("kind") != "Dashboard" or not isinstance(meta, dict) or not isinstance(spec, dict):
            return doc, "v1", "a dashboard resource needs kind Dashboard, metadata and spec"
        schema = "v2" if api.split("/", 1)[1].startswith("v2") else "v1"
        return {**spec, "uid": meta.get("name")}, schema, ""
    if isinstance(doc.get("elements"), dict) and isinstance(doc.get("layout"), dict):
        return {**doc, "uid": doc.get("uid") or stem}, "v2", ""
    return doc, "v1", ""


def read_output(out_dir: "str | Path", environ: Optional[Mapping[str, str]] = None) -> LocalState:
    out = Path(out_dir)
    env = os.environ if environ is None else environ
    root = out / GRAFANA_DIR
    problems: List[Diagnostic] = []

    def bad(code: str, path: Path, message: str, hint: str = "") -> None:
        problems.append(Diagnostic(code, message, obj=str(path.relative_to(out)), hint=hint))

    folders: Dict[str, LocalFolder] = {}
    folders_file = root / "folders.json"
    if folders_file.exists():
        try:
            raw = json.loads(folders_file.read_text())
        except ValueError as exc:
            raw = None
            bad("grafana-json", folders_file, f"not JSON: {exc}")
        if raw is not None and not isinstance(raw, list):
            bad("grafana-folders", folders_file, "must be a list of {uid, title}")
            raw = []
        for i, item in enumerate(raw or []):
            uid = item.get("uid") if isinstance(item, dict) else None
            title = item.get("title") if isinstance(item, dict) else None
            if not isinstance(uid, str) or not UID_RE.match(uid):
                bad("grafana-uid", folders_file, f"entry {i}: folder uid {uid!r} must be 1-40 characters of "
                    "[a-zA-Z0-9_-]")
                continue
            if not isinstance(title, str) or not title.strip():
                bad("grafana-folders", folders_file, f"folder {uid!r} has no title")
                continue
            if uid in folders:
                bad("grafana-duplicate", folders_file, f"folder uid {uid!r} appears twice")
            folders[uid] = LocalFolder(uid, title)

    dashboards: Dict[str, LocalDashboard] = {}
    dash_root = root / "dashboards"
    if dash_root.is_dir():
        for path in sorted(dash_root.glob("*/*.json")):
            folder_dir = path.parent.name
            if folder_dir in folders:
                folder_uid = folder_dir
            elif folder_dir == ROOT_FOLDER_DIR:
                folder_uid = ""
            else:
                bad("grafana-folder-missing", path, f"folder {folder_dir!r} is not in grafana/folders.json")
                continue
            try:
                model = json.loads(path.read_text())
            except ValueError as exc:
                bad("grafana-json", path, f"not JSON: {exc}")
                continue
            if not isinstance(model, dict):
                bad("grafana-dashboard", path, "a dashboard must be a JSON object")
                continue
            model, schema, problem = dashboard_model(model, path.stem)
            if problem:
                bad("grafana-dashboard", path, problem)
                continue
            uid, title = model.get("uid"), model.get("title")
            if not isinstance(uid, str) or not UID_RE.match(uid):
                bad("grafana-uid", path, f"dashboard uid {uid!r} must be 1-40 characters of [a-zA-Z0-9_-] "
                    "(Grafana answers 400 otherwise)")
                continue
            if uid != path.stem:
                bad("grafana-uid", path, f"dashboard uid {uid!r} does not match its file name")
            if not isinstance(title, str) or not title.strip():
                bad("grafana-dashboard", path, "dashboard has no title (Grafana answers 400)")
                continue
            if uid in dashboards:
                bad("grafana-duplicate", path, f"dashboard uid {uid!r} also in {dashboards[uid].path}")
                continue
            if uid in folders:
                bad("grafana-duplicate", path, f"dashboard uid {uid!r} is also a folder uid (Grafana keeps "
                    "both in one namespace)")
                continue
            dashboards[uid] = LocalDashboard(uid, title, folder_uid, model, str(path.relative_to(out)), schema)

    datasources: Dict[str, LocalDatasource] = {}
    names: Dict[str, str] = {}
    ds_dir = root / "provisioning" / "datasources"
    for path in sorted([*ds_dir.glob("*.yaml"), *ds_dir.glob("*.yml")]):
        try:
            doc = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            bad("grafana-yaml", path, f"not YAML: {exc}")
            continue
        entries = (doc.get("datasources") or []) if isinstance(doc, dict) else []
        for i, ds in enumerate(entries):
            if not isinstance(ds, dict):
                bad("grafana-datasource", path, f"entry {i} is not a mapping")
                continue
            missing: List[str] = []
            expanded = _expand_all(ds, env, missing)
            label = ds.get("name") or f"entry {i}"
            if missing:
                bad("grafana-env", path, f"datasource {label!r}: environment variable(s) "
                    f"{', '.join(sorted(set(missing)))} not set", hint="Grafana provisioning expands $VAR; "
                    "obskit apply does the same and refuses to send empty values")
                continue
            uid, name, kind = expanded.get("uid"), expanded.get("name"), expanded.get("type")
            if not isinstance(name, str) or not name or not isinstance(kind, str) or not kind:
                bad("grafana-datasource", path, f"datasource {label!r} needs a name and a type")
                continue
            if not isinstance(uid, str) or not UID_RE.match(uid):
                bad("grafana-uid", path, f"datasource {name!r}: uid {uid!r} must be 1-40 characters of "
                    "[a-zA-Z0-9_-] (obskit manages datasources by uid)")
                continue
            if uid in datasources:
                bad("grafana-duplicate", path, f"datasource uid {uid!r} appears twice")
                continue
            if name in names:
                bad("grafana-duplicate", path, f"datasource name {name!r} used by {names[name]!r} and {uid!r} "
                    "(Grafana answers 409)")
                continue
            fields = {k: expanded[k] for k in DATASOURCE_API_FIELDS if k in expanded}
            secrets = expanded.get("secureJsonData") or {}
            if not isinstance(secrets, dict) or not all(isinstance(v, str) for v in secrets.values()):
                bad("grafana-datasource", path, f"datasource {name!r}: secureJsonData must map names to strings")
                continue
            names[name] = uid
            datasources[uid] = LocalDatasource(uid, name, fields, dict(secrets), str(path.relative_to(out)))

    if problems:
        raise DefinitionError(problems)
    return LocalState(tuple(folders.values()), tuple(dashboards.values()), tuple(datasources.values()))
