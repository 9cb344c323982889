"""Bad input to every importer: a located error (FILE:LINE), exit 2, nothing written."""
from __future__ import annotations

import re

import pytest

from test_lint import run_cli

BAD_RULE = "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: sum(\n"
BROKEN_YAML = "a: [1,\n"
CASES = [
    ("rules", "r.yml", BAD_RULE, 4), ("rules", "r.yml", BROKEN_YAML, 2),
    ("alertmanager", "a.yml", BROKEN_YAML, 2), ("alertmanager", "a.yml", BAD_RULE, 1),
    ("pyrra", "p.yml", BROKEN_YAML, 2), ("sloth", "s.yml", BROKEN_YAML, 2), ("openslo", "o.yml", BROKEN_YAML, 2),
    ("grafana-dashboard", "d.json", '{"a": \n', 2),
    ("grafana-dashboard", "d.json", '{"schemaVersion": 99, "title": "x", "panels": []}\n', 1),
    ("promtool-tests", "t.yml", BROKEN_YAML, 2), ("promtool-tests", "t.yml", BAD_RULE, 1),
]


@pytest.mark.parametrize("fmt, name, text, line", CASES)
def test_bad_input_is_a_located_error(tmp_path, fmt, name, text, line):
    src = tmp_path / name
    src.write_text(text)
    res = run_cli("import", fmt, src, "--out", tmp_path / "out")
    assert res.returncode == 2, res.stdout + res.stderr
    assert re.search(rf"{re.escape(name)}:{line}\b", res.stderr), res.stderr
    assert not (tmp_path / "out").exists()
