"""``obskit build --phases``: where a build's time goes, phase by phase (obskit/phases.py)."""
import json
import subprocess
import sys
from pathlib import Path

from obskit.build import build
from obskit.phases import phase, recording, table

CASE = Path(__file__).parent / "golden" / "slo" / "ratio"


def test_a_build_records_each_phase(tmp_path):
    with recording() as found:
        build(CASE, tmp_path / "out", verify=False, cache=False)
    assert {"import modules", "check check_rules", "render prometheus-rules", "render grafana",
            "write files"} <= set(found)
    assert not any(name.startswith("verify ") for name in found)          # not verified: no verify phase
    assert all(wall >= 0 and cpu >= 0 for wall, cpu in found.values())


def test_nothing_is_recorded_outside_a_recording():
    with phase("x"):
        pass
    with recording() as found:
        with phase("a"), phase("b"):
            sum(range(100_000))
        with phase("a"):
            pass
    assert set(found) == {"a", "b"} and found["a"][0] >= found["b"][0] > 0
    lines = table({"slow": [2.0, 1.5], "fast": [0.5, 0.4], "none": [0.001, 0.0]}).splitlines()
    assert [line.split()[-1] for line in lines[1:]] == ["slow", "fast"]


def test_cli_prints_the_table_or_puts_it_in_json(tmp_path):
    res = subprocess.run([sys.executable, "-m", "obskit", "build", str(CASE), "--out", str(tmp_path / "a"),
                          "--no-verify", "--no-cache", "--phases", "-q"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stderr.splitlines()[0].split() == ["wall", "s", "CPU", "s", "phase"] and "  render " in res.stderr
    res = subprocess.run([sys.executable, "-m", "obskit", "build", str(CASE), "--out", str(tmp_path / "b"),
                          "--no-verify", "--no-cache", "--phases", "--output", "json"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    phases = json.loads(res.stdout)["phases"]
    assert set(phases["write files"]) == {"wall_seconds", "cpu_seconds"}
