"""Finding every installed version of a program, choosing one, and ``obskit test`` per version."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import run_cli
from obskit.errors import ToolError
from obskit.project import Settings
from obskit.verify import tools
from obskit.testing import plan_tools
from servers import require, versions


def _fake(path: Path, version: str) -> Path:
    path.write_text(f"#!/bin/sh\necho '{path.name}, version {version} (branch: , revision: x)'\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def toolbox(tmp_path, monkeypatch):
    """A machine whose only programs are fakes in two folders: one on PATH, one in OBSKIT_TOOLS_DIR."""
    on_path, built = tmp_path / "usr-bin", tmp_path / "tools-bin"
    on_path.mkdir()
    built.mkdir()
    for name in ("PROMTOOL", "AMTOOL", "ALERTMANAGER", "PROMETHEUS"):
        monkeypatch.delenv(f"OBSKIT_{name}", raising=False)
    monkeypatch.setenv("PATH", str(on_path))
    monkeypatch.setenv("OBSKIT_TOOLS_DIR", str(built))
    monkeypatch.setattr(tools, "_checkout_root", lambda: tmp_path / "no-checkout")
    monkeypatch.chdir(tmp_path)
    tools._probe_version.cache_clear()
    return on_path, built


def test_every_version_is_found_oldest_first_from_names_and_version_output(toolbox):
    on_path, built = toolbox
    _fake(on_path / "promtool", "2.42.0")                      # Debian's: version from --version
    _fake(built / "promtool-3.16.0", "3.16.0")                 # build-tools.sh: version from the name
    _fake(built / "promtool-3.5.1", "3.5.1")
    (built / "promtool-3.9.0").write_text("not executable")    # ignored
    got = tools.installed("promtool")
    assert [t.version for t in got] == ["2.42.0", "3.5.1", "3.16.0"]
    assert tools.pick("promtool").path == str(on_path / "promtool")     # the default: plain name on PATH
    assert tools.pick("promtool", "3").version == "3.16.0"               # newest of a prefix
    assert tools.pick("promtool", "3.5").version == "3.5.1"
    assert tools.for_target("promtool", "2.42").version == "2.42.0"
    assert tools.for_target("promtool", "3.0").version == "3.5.1"        # oldest one newer than the floor
    assert [t.version for t in tools.at_least("promtool", "3.0")] == ["3.5.1", "3.16.0"]


def test_debian_names_the_alertmanager_server_prometheus_alertmanager(toolbox):
    on_path, built = toolbox
    _fake(on_path / "prometheus-alertmanager", "0.25.0")
    _fake(built / "alertmanager-0.35.0", "0.35.0")
    assert [t.label for t in tools.installed("alertmanager")] == ["alertmanager 0.25.0", "alertmanager 0.35.0"]


def test_a_missing_version_names_what_is_installed_and_the_command_that_installs_it(toolbox):
    on_path, _ = toolbox
    _fake(on_path / "promtool", "2.42.0")
    with pytest.raises(ToolError) as exc:
        tools.pick("promtool", "3.16")
    assert "promtool 3.16 not found (installed versions: 2.42.0" in str(exc.value)
    assert "scripts/build-tools.sh" in str(exc.value)
    with pytest.raises(ToolError) as exc:
        tools.pick("amtool")
    assert "apt-get install -y prometheus-alertmanager" in str(exc.value)


def test_the_environment_variable_pins_one_program(toolbox, monkeypatch, tmp_path):
    _, built = toolbox
    _fake(built / "promtool-3.16.0", "3.16.0")
    pinned = _fake(tmp_path / "my-promtool", "3.5.1")
    monkeypatch.setenv("OBSKIT_PROMTOOL", str(pinned))
    assert [t.path for t in tools.installed("promtool")] == [str(pinned)]
    assert tools.for_target("promtool", "2.42").path == str(pinned)
    monkeypatch.setenv("OBSKIT_PROMTOOL", str(tmp_path / "nothing"))
    with pytest.raises(ToolError, match="OBSKIT_PROMTOOL is set to .*nothing, which is not an executable"):
        tools.installed("promtool")


def test_obskit_test_runs_every_version_from_the_floor_up_and_says_what_it_skipped(toolbox):
    on_path, built = toolbox
    _fake(on_path / "promtool", "2.42.0")
    _fake(built / "promtool-3.16.0", "3.16.0")
    _fake(on_path / "amtool", "0.25.0")
    plan = plan_tools(Settings())
    assert [t.version for t in plan.promtool] == ["2.42.0", "3.16.0"]
    assert [t.version for t in plan.amtool] == ["0.25.0"]
    assert any(s.startswith("amtool 0.27 or newer: not installed") for s in plan.skipped)

    plan = plan_tools(Settings(prometheus_version="3.0"))
    assert [t.version for t in plan.promtool] == ["3.16.0"]
    assert any("promtool 2.42.0: older than the project's floor 3.0" in s for s in plan.skipped)

    plan = plan_tools(Settings(promtool_versions=("3.5", "2.42")))       # obskit.toml: a note
    assert [t.version for t in plan.promtool] == ["2.42.0"]
    assert any(s.startswith("promtool 3.5 (obskit.toml promtool_versions): not installed") for s in plan.skipped)

    with pytest.raises(ToolError, match=r"--promtool 3.5: not installed .*scripts/build-tools.sh"):
        plan_tools(Settings(), promtool=("3.5",))                         # the command line: an error


def test_obskit_test_on_the_quickstart_reports_each_real_version(root):
    """The issue's "done when": promtool 2.42 and a 3.x, and an amtool 0.35, each with its results."""
    for name in ("promtool", "amtool"):
        for v in versions(name):
            require(name, v)
    r = run_cli("test", "examples/quickstart", "-q")
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    for name in ("promtool", "amtool"):
        for v in versions(name):
            line = next((x for x in lines if re.match(rf"{name} {re.escape(v)}(\.0)?: \d+ passed$", x)), None)
            assert line, f"no result line for {name} {v} in:\n{r.stdout}"
            assert int(line.split(": ")[1].split()[0]) > 0
