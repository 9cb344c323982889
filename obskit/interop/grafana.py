"""Grafana dashboard JSON (files, folders, Grafana exports with ``__inputs``) → Python modules of
``Dashboard({...}, folder=...)`` (``obskit import grafana-dashboard``).

Each dashboard is migrated the way Grafana migrates it on load (:mod:`obskit.compile.dashboards.legacy`
for what the upgrade refuses, then :func:`obskit.compile.dashboards.upgrade.upgrade`), and written as
a dict: the build's own upgrade of it changes nothing, and it keeps every panel title and query.
An export's ``${DS_...}`` datasource inputs become the dashboard's ``${datasource}`` variable.
"""
from __future__ import annotations

import json
import pprint
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from obskit.interop.common import SourceError
from obskit.interop.findings import Finding
from obskit.interop.pycode import identifier

#: the schemaVersion the import upgrades to (Grafana 11.6); the build sets the target Grafana's
IMPORT_SCHEMA = 41
NEWEST_SCHEMA = 42


@dataclass(frozen=True)
class DashboardImport:
    module: str
    source: str
    title: str
    code: str
    findings: Tuple[Finding, ...]
    problems: Tuple[str, ...]          # what the upgrade still refuses (nothing written then)


def files_of(paths: Sequence[Path]) -> List[Path]:
    out: List[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(p.glob("*.json"))
            if not found:
                raise SourceError(f"{p}: no *.json dashboard in this folder")
            out += found
        else:
            out.append(p)
    return out


def _inputs(doc: dict, label: str, findings: List[Finding]) -> dict:
    """A Grafana export: its datasource inputs (``${DS_PROMETHEUS}``) → ``${datasource}``."""
    inputs = doc.get("__inputs") or []
    names = {}
    for i in inputs:
        if isinstance(i, dict) and i.get("type") == "datasource" and i.get("name"):
            names["${" + str(i["name"]) + "}"] = i.get("pluginId") or "prometheus"
        elif isinstance(i, dict) and i.get("type") == "constant" and i.get("name"):
            findings.append(Finding(label, "__inputs", "changed", f"constant input {i['name']} keeps its value "
                                                                   f"{i.get('value')!r} in the dashboard"))
    if not names:
        return doc
    text = json.dumps(doc)
    for name, plugin in names.items():
        if plugin != "prometheus":
            findings.append(Finding(label, "__inputs", "changed", f"datasource input {name} ({plugin}) becomes the "
                                                                   "Prometheus ${datasource} variable"))
        text = text.replace(json.dumps(name), json.dumps("${datasource}"))
    findings.append(Finding(label, "__inputs", "changed",
                            f"Grafana export: datasource input(s) {', '.join(sorted(names))} → the ${{datasource}} "
                            "variable (added by the build when missing)"))
    out = json.loads(text)
    out.pop("__inputs", None)
    return out


def convert(path: Path, folder: str, taken: Optional[set] = None) -> DashboardImport:
    from obskit.compile.dashboards import legacy as legacy
    from obskit.compile.dashboards.upgrade import upgrade
    label = str(path)
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if isinstance(doc, dict) and isinstance(doc.get("dashboard"), dict) and "meta" in doc:
        doc = doc["dashboard"]               # the /api/dashboards/uid/... answer
    if not isinstance(doc, dict) or not ("panels" in doc or "rows" in doc or "title" in doc):
        raise SourceError(f"{path}:1: not a Grafana dashboard (want an object with title and panels)")
    if "elements" in doc and "layout" in doc:
        raise SourceError(f"{path}:1: a schema v2 dashboard (elements/layout): import the classic JSON export")
    version = doc.get("schemaVersion", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0 or version > NEWEST_SCHEMA:
        raise SourceError(f"{path}:1: schemaVersion {version!r} is not one Grafana (up to {NEWEST_SCHEMA}) migrates")
    findings: List[Finding] = []
    doc = _inputs(doc, label, findings)
    migrated, m = legacy.migrate(doc)
    title = str(doc.get("title") or path.stem)
    findings += [Finding(label, f"dashboard {title!r}", "changed", n) for n in m.notes]
    upgraded, problems = upgrade(migrated, IMPORT_SCHEMA, {})
    upgraded = legacy.finish(upgraded, m)
    before, after = legacy.title_and_queries(doc), legacy.title_and_queries(upgraded)
    if before != after:           # pragma: no cover - the migration keeps panels and queries
        problems = list(problems) + ["the migration changed panel titles or queries"]
    stem = identifier(path.stem)
    taken = taken if taken is not None else set()
    while stem in taken:
        stem += "_"
    taken.add(stem)
    var = identifier(title)
    doc_text = textwrap.wrap(f"Grafana dashboard {title!r} imported from {label} (schemaVersion {version}) by "
                             "`obskit import grafana-dashboard`, migrated as Grafana migrates it on load. This "
                             "file is now the source of truth: edit it, then `obskit build`.", 96)
    if m.notes:
        doc_text += ["", "What the migration changed is listed in the comments below."]
    lines = ['"""' + "\n".join(doc_text) + '\n"""', "from obskit.model.dashboards import Dashboard", "", ""]
    lines += [f"# changed: {n}" for n in m.notes]
    body = pprint.pformat(upgraded, indent=1, width=110, sort_dicts=False)
    lines.append(f"{var} = Dashboard(\n{textwrap.indent(body, '    ')},\n    folder={folder!r},\n)")
    return DashboardImport(stem, label, title, "\n".join(lines) + "\n", tuple(findings), tuple(problems))
