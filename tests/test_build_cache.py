"""The build cache (obskit/build_cache.py): a second build with nothing changed does nothing, and every
build, cached or not, leaves OUT byte for byte what a clean build writes.

Each case changes one thing a build depends on (a definition, obskit.toml, an imported helper, a data
file inside or outside the project, an environment variable, obskit itself, the output folder, the
options) and compares OUT with a clean build (``cache=False``) of the same project into another
folder. obskit's own code digest is pinned in most cases: other work edits obskit's files in this
checkout while the tests run, which is a real change the cache rightly rebuilds for.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from obskit import build_cache, build_inputs
from obskit.build import build

ROOT = Path(__file__).resolve().parent.parent

SLO_MODULE = '''
import json, os
from pathlib import Path
from obskit import SLO, RatioSLI
from helpers import objective

_DATA = json.loads((Path(__file__).parent.parent / "data" / "routes.json").read_text())
_SHARED = Path(__file__).parent.parent.parent / "shared" / "owner.txt"

SLOS = [SLO(service="api", name=f"route-{r}", objective=objective(), owner=_SHARED.read_text().strip(),
            description=os.environ.get("API_SLO_NOTE", "no note"),
            sli=RatioSLI(total=f'http_requests_total{{job="api",route="{r}"}}',
                         errors=f'http_requests_total{{job="api",route="{r}",code=~"5.."}}'))
        for r in _DATA["routes"]]
'''

OTHER_MODULE = '''
from obskit import SLO, RatioSLI
web = SLO(service="web", name="availability", objective=99.5,
          sli=RatioSLI(total='http_requests_total{job="web"}', errors='http_requests_total{job="web",code=~"5.."}'))
'''


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = tmp_path / "p"
    (root / "slos").mkdir(parents=True)
    (root / "data").mkdir()
    (tmp_path / "shared").mkdir()
    (root / "slos" / "api.py").write_text(textwrap.dedent(SLO_MODULE))
    (root / "slos" / "web.py").write_text(textwrap.dedent(OTHER_MODULE))
    (root / "helpers.py").write_text("def objective():\n    return 99.9\n")
    (root / "data" / "routes.json").write_text('{"routes": ["a", "b"]}')
    (tmp_path / "shared" / "owner.txt").write_text("team-a\n")
    (root / "obskit.toml").write_text('[project]\nprometheus_version = "2.42"\n')
    monkeypatch.delenv("API_SLO_NOTE", raising=False)
    monkeypatch.setattr(build_inputs, "code", lambda: "pinned")
    return root


def files(out: Path) -> dict:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def clean(root: Path, tmp: Path, verify: bool = False) -> dict:
    out = tmp / "clean"
    build(root, out, verify=verify, cache=False)
    return files(out)


def again(root: Path, out: Path, cached: bool, verify: bool = False) -> None:
    """A build with the cache into OUT: cached or not as expected, OUT equal to a clean build's."""
    result = build(root, out, verify=verify)
    assert result.cached is cached
    assert files(out) == clean(root, out.parent, verify)
    assert sorted(result.files) == sorted(k for k in files(out) if k != ".obskit-build")


def test_second_build_is_cached_and_identical(project):
    out = project.parent / "out"
    first = build(project, out, verify=False)
    assert not first.cached
    before = files(out)
    second = build(project, out, verify=False)
    assert second.cached
    assert files(out) == before == clean(project, project.parent)
    assert list(second.files) == list(first.files)
    assert all(second.files[k] == first.files[k] for k in first.files)
    assert second.definition_count == first.definition_count == 3
    assert [str(w) for w in second.warnings] == [str(w) for w in first.warnings]


def test_touched_file_with_the_same_bytes_is_still_cached(project):
    out = project.parent / "out"
    build(project, out, verify=False)
    for p in (project / "slos" / "api.py", project / "helpers.py", project / "obskit.toml"):
        os.utime(p, ns=(1, 1))
    again(project, out, cached=True)


@pytest.mark.parametrize("change", [
    "definition", "obskit.toml", "helper", "data file", "shared file outside the project",
    "deleted definition", "new definition", "environment variable"])
def test_a_changed_input_rebuilds(project, monkeypatch, change):
    out = project.parent / "out"
    build(project, out, verify=False)
    if change == "definition":
        p = project / "slos" / "web.py"
        p.write_text(p.read_text().replace("99.5", "99.0"))
    elif change == "obskit.toml":
        (project / "obskit.toml").write_text('[project]\nprometheus_version = "2.42"\nnamespace = "mon"\n')
    elif change == "helper":          # imported by slos/api.py (a new size: Python's .pyc check is by size and second)
        (project / "helpers.py").write_text("def objective():\n    return 99.95\n")
    elif change == "data file":
        (project / "data" / "routes.json").write_text('{"routes": ["a", "b", "c"]}')
    elif change == "shared file outside the project":
        (project.parent / "shared" / "owner.txt").write_text("team-b\n")
    elif change == "deleted definition":
        (project / "slos" / "web.py").unlink()
    elif change == "new definition":
        (project / "slos" / "more.py").write_text(OTHER_MODULE.replace('"web"', '"shop"').replace("job=", "svc="))
    elif change == "environment variable":
        monkeypatch.setenv("API_SLO_NOTE", "read by slos/api.py")
    before = files(out)
    again(project, out, cached=False)
    assert files(out) != before


@pytest.mark.parametrize("change", ["edited", "deleted", "added", "replaced with the same bytes"])
def test_a_changed_output_folder_is_rebuilt(project, change):
    out = project.parent / "out"
    build(project, out, verify=False)
    target = sorted(p for p in out.rglob("*.yml"))[0]
    if change == "edited":
        target.write_text(target.read_text() + "# edited by hand\n")
    elif change == "deleted":
        target.unlink()
    elif change == "added":
        (out / "extra.yml").write_text("groups: []\n")
    else:
        data = target.read_bytes()
        target.unlink()
        target.write_bytes(data)
    again(project, out, cached=False)


def test_obskit_upgraded_rebuilds(project, monkeypatch):
    out = project.parent / "out"
    build(project, out, verify=False)
    monkeypatch.setattr(build_inputs, "code", lambda: "another obskit")
    again(project, out, cached=False)
    again(project, out, cached=True)


def test_code_digest_is_of_obskits_files(tmp_path, monkeypatch):
    pkg = tmp_path / "obskit"
    (pkg / "__pycache__").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"1")
    monkeypatch.setattr(build_inputs, "_PACKAGE_DIR", pkg)
    first = build_inputs.code()
    (pkg / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"2")
    assert build_inputs.code() == first
    (pkg / "a.py").write_text("x = 2\n")
    assert build_inputs.code() != first


def test_options_are_part_of_the_key(project):
    out = project.parent / "out"
    build(project, out, verify=False)
    assert build(project, out, verify=False).cached
    other = project.parent / "out2"
    assert not build(project, other, verify=False).cached      # another OUT has its own cache file
    assert build(project, out, verify=False).cached             # ... and leaves this one's alone


@pytest.mark.tools
def test_a_verified_build_is_not_served_from_an_unverified_one(project):
    from servers import require
    require("promtool")
    out = project.parent / "out"
    build(project, out, verify=False)
    again(project, out, cached=False, verify=True)
    again(project, out, cached=True, verify=True)


def test_no_cache_builds_in_full_and_keeps_no_cache_file(project):
    out = project.parent / "out"
    build(project, out, verify=False)
    assert build_cache.cache_path(out).exists()
    assert not build(project, out, verify=False, cache=False).cached
    assert not build_cache.cache_path(out).exists()
    assert not build(project, out, verify=False).cached


def test_a_definition_that_runs_a_process_is_not_cached(project):
    (project / "slos" / "git.py").write_text("import subprocess\nREV = subprocess.run(['true']).returncode\n")
    out = project.parent / "out"
    build(project, out, verify=False)
    assert not build_cache.cache_path(out).exists()
    assert not build(project, out, verify=False).cached


def test_a_definition_reading_the_whole_environment_keys_on_all_of_it(project, monkeypatch):
    (project / "slos" / "envy.py").write_text("import os\nSNAPSHOT = dict(os.environ)\n")
    out = project.parent / "out"
    build(project, out, verify=False)
    saved = json.loads(build_cache.cache_path(out).read_text())
    assert saved["recorded"]["env"] == ["*"]
    assert build(project, out, verify=False).cached
    monkeypatch.setenv("SOMETHING_UNRELATED", "1")
    assert not build(project, out, verify=False).cached


def test_a_broken_cache_file_rebuilds(project):
    out = project.parent / "out"
    build(project, out, verify=False)
    build_cache.cache_path(out).write_text("{not json")
    again(project, out, cached=False)
    again(project, out, cached=True)


def test_what_is_recorded(project):
    out = project.parent / "out"
    build(project, out, verify=False)
    saved = json.loads(build_cache.cache_path(out).read_text())
    assert str(project.parent / "shared" / "owner.txt") in saved["recorded"]["reads"]
    assert "API_SLO_NOTE" in saved["recorded"]["env"]
    assert str(project / "slos") in saved["recorded"]["listings"]
    # files inside the project are in the tree digest, not recorded again
    assert not any(r.startswith(str(project) + os.sep) for r in saved["recorded"]["reads"])


def test_cli_second_build_says_nothing_changed(tmp_path):
    root = tmp_path / "p"
    (root / "slos").mkdir(parents=True)
    (root / "slos" / "web.py").write_text(OTHER_MODULE)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "obskit", "build", str(root), "--out", str(out), "--no-verify"]
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    before = files(out)
    second = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert second.returncode == 0, second.stderr
    assert files(out) == before
    if "nothing changed" not in second.stdout:      # obskit's own files were edited in between
        assert "nothing changed" in subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout
    assert second.stdout.splitlines()[1:] == first.stdout.splitlines()[1:]     # the same file list
    forced = subprocess.run(cmd + ["--no-cache", "--output", "json"], capture_output=True, text=True, cwd=ROOT)
    assert json.loads(forced.stdout)["cached"] is False
    assert files(out) == before


def test_default_out_inside_the_project_is_not_an_input(project):
    """build/ and the lock and cache files beside it are in the project folder, and not inputs."""
    first = build(project, verify=False)
    assert first.out == project / "build" and (project / ".build.lock").exists()
    assert build_cache.cache_path(first.out) == project / ".build.obskit-cache"
    assert build(project, verify=False).cached
    (project / "build2").mkdir()
    build(project, project / "build2", verify=False)        # another output folder of the project
    assert build(project, verify=False).cached


def test_a_half_written_cache_file_of_a_killed_build_is_swept(project):
    out = project.parent / "out"
    build(project, out, verify=False)
    left = out.parent / ".out.obskit-cache.tmp-99999"
    left.write_text("{")
    assert build(project, out, verify=False).cached
    assert not left.exists()


@pytest.mark.parametrize("edit", [lambda d: d.pop("key"), lambda d: d.update(files="x"),
                                  lambda d: d["recorded"].update(reads=5), lambda d: d.update(format=0)])
def test_a_cache_file_of_another_shape_rebuilds(project, edit):
    out = project.parent / "out"
    build(project, out, verify=False)
    saved = json.loads(build_cache.cache_path(out).read_text())
    edit(saved)
    build_cache.cache_path(out).write_text(json.dumps(saved))
    again(project, out, cached=False)
