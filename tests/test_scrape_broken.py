"""A corpus of broken scrape definitions (tests/golden/scrape/broken/<case>/): each names the error
it must produce in its first line (``# expect: <code> at <line>``); `obskit build` must exit 2 with
that located error and leave the previous output untouched. The CLI runs in-process here (its
entry point, argument parsing and exit codes; tests/test_scrape_model.py runs one case as a real
subprocess)."""
import re
import shutil
from pathlib import Path

import pytest

from obskit.errors import DefinitionError
from obskit.loader import load_project
from obskit.cli.main import main

BROKEN = Path(__file__).parent / "golden" / "scrape" / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())
GOOD = Path(__file__).parent / "golden" / "scrape" / "static"


def expectation(case):
    first = (BROKEN / case / "telemetry" / "scrape.py").read_text().splitlines()[0]
    code, line = re.fullmatch(r"# expect: (\S+) at (\d+)", first).groups()
    return code, f"telemetry/scrape.py:{line}"


def test_corpus_is_there():
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES)
def test_broken_definition_gives_the_located_error(case):
    code, where = expectation(case)
    with pytest.raises(DefinitionError) as info:
        load_project(BROKEN / case)
    found = [(d.code, str(d.location)) for d in info.value.diagnostics if d.severity == "error"]
    assert (code, where) in found, found


@pytest.fixture(scope="module")
def previous_build(tmp_path_factory):
    """A good build whose output the broken builds must not touch."""
    tmp = tmp_path_factory.mktemp("scrape-broken")
    project = tmp / "project"
    shutil.copytree(GOOD, project, ignore=shutil.ignore_patterns("expected"))
    out = tmp / "out"
    assert main(["build", str(project), "--out", str(out), "--no-verify"]) == 0
    return out, {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", CASES)
def test_cli_exits_2_and_keeps_the_previous_output(case, previous_build, capsys):
    out, before = previous_build
    code, where = expectation(case)
    status = main(["build", str(BROKEN / case), "--out", str(out)])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert status == 2, text
    assert f"{where}: error [{code}]" in text, text
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
