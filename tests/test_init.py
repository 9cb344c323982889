"""obskit init: the new project builds (verified by promtool/amtool) and its tests pass at once."""
from __future__ import annotations

import json

import pytest

from conftest import run_cli
from obskit.scaffold import FILES


@pytest.mark.tools
def test_init_then_build_and_test_pass(tmp_path, promtool, amtool):
    project = tmp_path / "newproject"
    r = run_cli("init", str(project), "--output", "json")
    assert r.returncode == 0, r.stderr
    created = json.loads(r.stdout)
    assert created["created"] and len(created["files"]) == len(FILES)
    for rel in ("obskit.toml", "README.md", "slos/example.py", "alerts/example.py", "alerts/routing.py",
                "dashboards/example.py", "tests/test_example.py"):
        assert (project / rel).is_file(), rel
    r = run_cli("build", str(project))
    assert r.returncode == 0, r.stdout + r.stderr
    out = project / "build"
    assert (out / "alertmanager" / "alertmanager.yml").is_file()
    assert list((out / "prometheus" / "rules").glob("*.yml"))
    assert list((out / "grafana" / "dashboards").rglob("*.json"))
    r = run_cli("test", str(project))
    assert r.returncode == 0, r.stdout + r.stderr
    # the SLO timing tests, the scenario, the alert test and both route tests all ran
    for text in ("a 15 minute outage pages", "a target down for 10 minutes", "a page goes to on-call",
                 "page: a 100% outage fires"):
        assert text in r.stdout
    assert "FAIL" not in r.stdout
    # the project's own pytest example passes too
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                       cwd=project, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 passed" in r.stdout


def test_init_refuses_a_non_empty_directory(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    r = run_cli("init", str(tmp_path))
    assert r.returncode == 2
    assert "not empty" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
