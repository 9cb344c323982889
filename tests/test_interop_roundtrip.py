"""Round trips on the repository's own build output: what obskit builds, imported back, builds the same.

- rules: every built rule file (SLO rules and rule groups) → ``import rules`` → build → the same groups;
- dashboards: every built dashboard JSON → ``import grafana-dashboard`` → build → the same dashboard.
(Alertmanager: tests/test_import_alertmanager.py, on the golden output; Pyrra: tests/test_pyrra_export.py;
Sloth and OpenSLO: tests/test_interop.py, export to OpenSLO and back.)"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from obskit.interop.pycode import identifier
from obskit.loader import load_project
from obskit.targets.alert_rules import AlertRules
from obskit.targets.grafana import Grafana
from obskit.targets.prometheus_rules import PrometheusRules
from test_lint import run_cli

REPO = Path(__file__).resolve().parent.parent


def _rules(project) -> dict:
    files = {}
    for target in (PrometheusRules(), AlertRules()):
        files.update({k: v for k, v in target.render(project).items() if k.startswith("prometheus/rules/")})
    return files


def test_built_rule_files_round_trip(tmp_path):
    built = _rules(load_project(REPO))
    assert len(built) >= 5
    for rel, data in built.items():
        name = Path(rel).name
        src = tmp_path / "src" / name
        src.parent.mkdir(exist_ok=True)
        src.write_bytes(data)
        proj = tmp_path / identifier(Path(name).stem)
        res = run_cli("import", "rules", src, "--out", proj / "alerts")
        assert res.returncode == 0, res.stderr
        again = _rules(load_project(proj))
        out = f"prometheus/rules/{identifier(Path(name).stem)}-alerts.yml"
        assert list(again) == [out]
        assert yaml.safe_load(again[out]) == yaml.safe_load(data), rel


def _dashboards(project) -> dict:
    return {k: json.loads(v) for k, v in Grafana().render(project).items()
            if k.startswith("grafana/dashboards/") and k.endswith(".json")}


def _same_meaning(doc: dict) -> dict:
    """The import's migration drops what changes nothing in Grafana: a query's empty ``interval`` and a
    query datasource equal to its panel's (a query without one uses the panel's); the build adds an empty
    ``fieldConfig`` to imported panels that had none (the same in Grafana)."""
    doc = json.loads(json.dumps(doc))
    panels = list(doc.get("panels") or [])
    for p in panels:
        panels.extend(p.get("panels") or [])
        if p.get("fieldConfig") == {"defaults": {}, "overrides": []}:
            del p["fieldConfig"]
        for t in p.get("targets") or []:
            if t.get("interval") == "":
                del t["interval"]
            if "datasource" in t and t["datasource"] == p.get("datasource"):
                del t["datasource"]
    return doc


def test_built_dashboards_round_trip(tmp_path):
    built = _dashboards(load_project(REPO))
    assert built
    src = tmp_path / "src"
    src.mkdir()
    for rel, doc in built.items():
        (src / Path(rel).name).write_text(json.dumps(doc))
    proj = tmp_path / "proj"
    res = run_cli("import", "grafana-dashboard", src, "--out", proj / "dashboards")
    assert res.returncode == 0, res.stderr
    again = {d["uid"]: d for d in _dashboards(load_project(proj)).values()}
    assert set(again) == {d["uid"] for d in built.values()}
    for doc in built.values():
        assert _same_meaning(again[doc["uid"]]) == _same_meaning(doc), doc["title"]
