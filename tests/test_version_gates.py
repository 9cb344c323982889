"""obskit's version gates, checked against the real programs of every supported version.

The expectations come from obskit's own tables (``GROUP_FIELD_VERSIONS`` / ``ALERT_FIELD_VERSIONS`` in
``obskit/model/rules.py``, ``RELABEL_ACTION_SINCE`` / ``SCRAPE_FIELD_SINCE`` in
``obskit/model/prometheus_config/versions.py``): a field the table says release G added must be
accepted by every installed promtool and Prometheus of version >= G and refused by every older one.
A wrong entry fails here, as far as the installed versions can tell (2.42, 3.5.1, 3.16.0: an entry
is pinned between the newest version that refuses it and the oldest that accepts it).

For each rule-group/alert field:

* ``promtool check rules`` of each version on the rule file obskit writes;
* a real Prometheus of each version (one server per version, ``--web.enable-lifecycle``) reloads the
  file: ``/api/v1/rules`` shows the group with the field's effect, or the reload is refused naming the
  field and the group does not appear;
* ``obskit build`` refuses the field for a project whose ``prometheus_version`` is below G, naming G,
  and builds it (verified with that floor's promtool) for each installed version >= G.
"""
from __future__ import annotations

import textwrap
import urllib.error
import urllib.request
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from obskit.build import render_project
from obskit.loader import load_project
from obskit.model.prometheus_config import versions as pc_versions
from obskit.model.rules import ALERT_FIELD_VERSIONS, GROUP_FIELD_VERSIONS, version_text
from obskit.verify import promtool as pt
from obskit.verify.tools import run
from servers import get_json, require, start_prometheus, versions

GATES = {**GROUP_FIELD_VERSIONS, **ALERT_FIELD_VERSIONS}

#: each gated field: the RuleGroup / AlertRule keyword arguments that use it
FIELDS = {
    "limit": ({"limit": 10}, {}),
    "query_offset": ({"query_offset": "1m"}, {}),
    "labels": ({"labels": {"team": "gate"}}, {}),
    "keep_firing_for": ({}, {"keep_firing_for": "5m"}),
}

RULE_FILE = "prometheus/rules/mod-alerts.yml"


def _source(field: str) -> str:
    group_kw, alert_kw = FIELDS[field]
    return textwrap.dedent(f"""\
        from obskit.model.rules import AlertRule, RecordingRule, RuleGroup
        g = RuleGroup(name="gate-{field}", interval="1s", rules=(
            RecordingRule(record="gate:probe:sum", expr="sum(vector(1))"),
            AlertRule(name="GateProbe", expr="gate:probe:sum > 0", severity="info",
                      summary="s", description="d"{"".join(f", {k}={v!r}" for k, v in alert_kw.items())}),
        ){"".join(f", {k}={v!r}" for k, v in group_kw.items())})
        """)


def _project(directory: Path, field: str, prometheus_version: str) -> Path:
    (directory / "alerts").mkdir(parents=True, exist_ok=True)
    (directory / "alerts" / "mod.py").write_text(_source(field))
    (directory / "obskit.toml").write_text(f'[project]\nprometheus_version = "{prometheus_version}"\n')
    return directory


@lru_cache(maxsize=None)
def rule_file(field: str) -> bytes:
    """The rule file obskit writes for a group using ``field`` (for a target that has it)."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        files = render_project(load_project(_project(Path(tmp), field, version_text(GATES[field]))))
    return files[RULE_FILE]


def loads(version: str, since) -> bool:
    """What obskit's table says: a program of ``version`` loads what ``since`` added."""
    from obskit.verify.tools import parse_version
    return parse_version(version) >= tuple(since)


def below(since) -> str:
    """A version just older than ``since``: 2.53 → 2.52, 3.0 → 2.99."""
    major, minor = since[0], since[1]
    return f"{major}.{minor - 1}" if minor else f"{major - 1}.99"


def test_every_gate_has_a_case():
    assert sorted(FIELDS) == sorted(GATES)


def test_the_rule_file_uses_the_field():
    for field in FIELDS:
        doc = yaml.safe_load(rule_file(field))
        group = doc["groups"][0]
        assert field in group or field in group["rules"][1], (field, group)


# --- promtool check rules, each version -------------------------------------------------------------------
@pytest.mark.parametrize("version", versions("promtool"))
@pytest.mark.parametrize("field", sorted(FIELDS))
def test_promtool_check_rules_agrees_with_the_gate(field, version, tmp_path):
    tool = require("promtool", version)
    path = tmp_path / "gate.yml"
    path.write_bytes(rule_file(field))
    res = pt.check_rules([path], tool=tool)
    since = version_text(GATES[field])
    if loads(tool.version, GATES[field]):
        assert res.ok, f"obskit's gate says Prometheus {since} added {field}, but {tool.label} refuses it:\n" \
                       + res.output
    else:
        assert not res.ok, f"obskit's gate says Prometheus {since} added {field}, but {tool.label} (older) " \
                           f"accepts it: the gate is too high"
        assert field in res.output, res.output


# --- a real Prometheus of each version -----------------------------------------------------------------
@pytest.fixture(scope="module", params=versions("prometheus"))
def server(request, tmp_path_factory):
    tool = require("prometheus", request.param)
    workdir = tmp_path_factory.mktemp(f"prometheus-{request.param}")
    (workdir / "rules").mkdir()
    config = "global:\n  evaluation_interval: 1s\nrule_files: [rules/*.yml]\n"
    with start_prometheus(tool, workdir, config, args=["--web.enable-lifecycle"]) as srv:
        srv.tool, srv.rules_dir = tool, workdir / "rules"
        yield srv


def _reload(srv):
    req = urllib.request.Request(srv.url + "/-/reload", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def _groups(srv):
    return {g["name"]: g for g in get_json(srv.url + "/api/v1/rules")["data"]["groups"]}


def _effect(field: str, group: dict) -> None:
    """The field, as the server's rules API shows it took effect."""
    alert = next(r for r in group["rules"] if r["type"] == "alerting")
    if field == "labels":
        assert all(r["labels"].get("team") == "gate" for r in group["rules"]), group
    elif field == "limit":
        assert group["limit"] == 10, group
    elif field == "keep_firing_for":
        assert alert["keepFiringFor"] == 300, alert


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_prometheus_loads_or_refuses_as_the_gate_says(field, server):
    for old in server.rules_dir.iterdir():
        old.unlink()
    (server.rules_dir / "gate.yml").write_bytes(rule_file(field))
    status, body = _reload(server)
    groups = _groups(server)
    since = version_text(GATES[field])
    label = server.tool.label
    if loads(server.tool.version, GATES[field]):
        assert status == 200, f"{label} refused to reload {field} (obskit's gate: {since}): {body}\n" \
                              + server.log_tail()
        assert f"gate-{field}" in groups, groups
        _effect(field, groups[f"gate-{field}"])
    else:
        assert status != 200, f"{label} loaded {field}, which obskit's gate says needs {since}: the gate is too high"
        assert f"field {field} not found" in server.log_tail(5), body + "\n" + server.log_tail(5)
        assert f"gate-{field}" not in groups


# --- obskit build ------------------------------------------------------------------------------------------
def run_cli(*args):
    import contextlib
    import io
    from types import SimpleNamespace
    from obskit.cli.main import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_obskit_refuses_the_field_below_its_gate(field, tmp_path):
    since = version_text(GATES[field])
    proj = _project(tmp_path / "old", field, below(GATES[field]))
    res = run_cli("build", proj, "--no-verify")
    assert res.returncode == 2, res.stderr
    assert f"{field} needs Prometheus {since} or newer" in res.stderr, res.stderr
    assert not (proj / "build").exists()
    ok = run_cli("build", _project(tmp_path / "new", field, since), "--no-verify")
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize("version", versions("promtool"))
@pytest.mark.parametrize("field", sorted(FIELDS))
def test_obskit_build_for_each_installed_floor(field, version, tmp_path):
    """A project whose floor is an installed version: obskit refuses the field exactly when that
    version's promtool does, and otherwise builds it, verified by that promtool."""
    tool = require("promtool", version)
    floor = ".".join(str(x) for x in tool.version_tuple[:2])
    res = run_cli("build", _project(tmp_path, field, floor))
    if loads(tool.version, GATES[field]):
        assert res.returncode == 0, res.stderr
        assert (tmp_path / "build" / RULE_FILE).read_bytes() == rule_file(field)
    else:
        assert res.returncode == 2, res.stderr
        assert f"{field} needs Prometheus {version_text(GATES[field])}" in res.stderr


# --- prometheus.yml: relabel actions and scrape fields ------------------------------------------------------
def _relabel_cases():
    from obskit.model.scrape import Relabel
    from obskit.render.prometheus_config import relabel_dict
    from tests.test_scrape_model import VALID
    return {f"action {a}": ({"relabel_configs": [relabel_dict(Relabel(**VALID[a]))]}, since)
            for a, since in pc_versions.RELABEL_ACTION_SINCE.items()}


SCRAPE_FIELD_VALUES = {"keep_dropped_targets": 100}


def _config_cases():
    cases = _relabel_cases()
    for name, since in pc_versions.SCRAPE_FIELD_SINCE.items():
        cases[f"field {name}"] = ({name: SCRAPE_FIELD_VALUES[name]}, since)
    return cases


def test_every_scrape_gate_has_a_case():
    assert sorted(SCRAPE_FIELD_VALUES) == sorted(pc_versions.SCRAPE_FIELD_SINCE)


@pytest.mark.parametrize("version", versions("promtool"))
@pytest.mark.parametrize("case", sorted(_config_cases()))
def test_promtool_check_config_agrees_with_the_gate(case, version, tmp_path):
    tool = require("promtool", version)
    extra, since = _config_cases()[case]
    job = {"job_name": "gate", "static_configs": [{"targets": ["127.0.0.1:9090"]}], **extra}
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump({"scrape_configs": [job]}))
    res = run("promtool", ["check", "config", str(path)], tool=tool)
    if loads(tool.version, since):
        assert res.ok, f"obskit's gate says Prometheus {pc_versions.fmt(since)} added {case}, but {tool.label} " \
                       "refuses it:\n" + res.output
    else:
        assert not res.ok, f"{tool.label} accepts {case}, which obskit's gate says needs {pc_versions.fmt(since)}"
