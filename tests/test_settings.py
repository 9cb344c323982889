"""obskit.toml: typed settings, every problem located at its line and reported together;
docs/settings.md generated from the settings classes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from obskit.errors import DefinitionError
from obskit.settings_doc import _comments, render
from obskit.settings_file import fields, load_settings, tables

ROOT = Path(__file__).resolve().parent.parent


def load(tmp_path, text):
    (tmp_path / "obskit.toml").write_text(text)
    return load_settings(tmp_path)


def problems(tmp_path, text):
    with pytest.raises(DefinitionError) as info:
        load(tmp_path, text)
    return [(d.location.line, d.message) for d in info.value.diagnostics]


def test_durations_as_strings_or_seconds(tmp_path):
    s = load(tmp_path, '[project]\nscrape_interval = "30s"\nevaluation_interval = 120\n')
    assert (s.scrape_interval, s.evaluation_interval) == (30, 120)


def test_every_problem_at_its_line_together(tmp_path):
    got = problems(tmp_path, """\
[project]
scrape_interval = "30s"
evaluation_interval = "1mm"
prometheus_verison = "3.0"
namespace = 3

[kubernets]
x = 1

[kubernetes]
labels = { release = "kps" }
matcher_strategy = "OnNamespac"
""")
    lines = [line for line, _ in got]
    assert lines == [3, 4, 5, 7, 12], got
    text = "\n".join(m for _, m in got)
    assert "expected a duration" in text
    assert "did you mean 'prometheus_version'" in text
    assert "namespace = 3: expected a string" in text
    assert "did you mean 'kubernetes'" in text
    assert "OnNamespac" in text and "OnNamespace" in text


@pytest.mark.parametrize("text, words", [
    ('[project]\nscrape_interval = true\n', ["scrape_interval", "duration"]),
    ('[project]\nscrape_interval = "0s"\n', ["scrape_interval", "duration"]),
    ('[project]\npromtool_versions = 3\n', ["a list of strings"]),
    ('[kubernetes]\nlabels = "release"\n', ["a table"]),
    ('[kubernetes]\nnamespace_label = "yes"\n', ["true or false"]),
    ('prometheus_version = "3.0"\n', ["outside any table", "did you mean 'prometheus_version'"]),
    ('[project\n', ["not valid TOML"]),
])
def test_bad_values(tmp_path, text, words):
    got = problems(tmp_path, text)
    assert len(got) == 1 and got[0][0] >= 1, got
    for word in words:
        assert word in got[0][1], got


def test_cli_exit_2_with_file_and_line(tmp_path):
    (tmp_path / "obskit.toml").write_text('[project]\n\nevaluation_intervall = "1m"\n')
    done = subprocess.run([sys.executable, "-m", "obskit", "check", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    assert "obskit.toml:3:" in done.stdout + done.stderr
    assert "did you mean 'evaluation_interval'" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_settings_doc_is_current():
    """docs/settings.md is generated: `python -m obskit.settings_doc > docs/settings.md`."""
    assert (ROOT / "docs" / "settings.md").read_text() == render()


def test_every_setting_is_described():
    for table, cls in tables().items():
        described = _comments(cls)
        missing = [name for name in fields(table) if not described.get(name)]
        assert missing == [], f"[{table}] settings without a comment in obskit/project.py: {missing}"
