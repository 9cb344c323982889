"""Shared fixtures. Tool-backed tests skip on a laptop without the tool, and fail in CI (CI=true)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from obskit.verify.tools import tool_available

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_tool(name: str) -> None:
    """Skip (laptop) or fail (CI) when a Debian-packaged tool is missing."""
    if tool_available(name):
        return
    message = f"{name} is not installed (apt-get install prometheus prometheus-alertmanager)"
    if IN_CI:
        pytest.fail(f"{message}; CI must have it", pytrace=False)
    pytest.skip(message)


def require_grafana_schemas() -> None:
    """Skip (laptop) or fail (CI) when Grafana's JSON schemas (shared/schemas/grafana/) are not found."""
    from obskit.verify.grafana_schema import SchemasMissing, schema_dir
    try:
        schema_dir()
    except SchemasMissing as exc:
        if IN_CI:
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def grafana_schemas():
    require_grafana_schemas()


@pytest.fixture
def promtool():
    require_tool("promtool")


@pytest.fixture
def amtool():
    require_tool("amtool")


@pytest.fixture
def root() -> Path:
    return ROOT


def run_cli(*args: str):
    """Run the obskit CLI in a subprocess; returns CompletedProcess."""
    import subprocess
    return subprocess.run([sys.executable, "-m", "obskit", *args], capture_output=True, text=True,
                          cwd=str(ROOT))


def pytest_sessionfinish(session, exitstatus):
    """Every server a test started is stopped, also when the test failed."""
    from servers import stop_all
    stop_all()


def render_and_verify(target, project, out: Path):
    """One build target on its own: render ``project``, write the files under ``out``, verify them."""
    files = target.render(project)
    for rel, data in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    target.verify(out, files)
    return files
