"""Big projects render the dashboards in a forked process: same bytes, same errors, target state kept."""
from pathlib import Path

import pytest

from obskit import build as build_mod
from obskit.errors import DefinitionError, Diagnostic
from obskit.loader import load_project
from obskit.targets import targets

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fork_always(monkeypatch):
    monkeypatch.setattr(build_mod, "FORK_FROM_SLOS", 0)
    monkeypatch.delenv("OBSKIT_NO_FORK", raising=False)


def test_forked_render_gives_the_same_files_and_target_state(fork_always, monkeypatch):
    project = load_project(ROOT / "examples" / "quickstart")
    assert build_mod._forkable(project)
    forked_targets = targets()
    forked = build_mod.render_project(project, forked_targets)
    monkeypatch.setenv("OBSKIT_NO_FORK", "1")
    plain_targets = targets()
    plain = build_mod.render_project(project, plain_targets)
    assert any(p.startswith("grafana/dashboards/") for p in forked)
    assert forked == plain
    # what render left on the target for verify came back from the child
    (fg,) = [t for t in forked_targets if getattr(t, "render_apart", False)]
    (pg,) = [t for t in plain_targets if getattr(t, "render_apart", False)]
    assert vars(fg) == vars(pg) and fg.schema_version is not None


class _Boom:
    name = "boom"
    render_apart = True

    def render(self, project):
        raise DefinitionError([Diagnostic("bad-config", "the dashboards cannot be rendered", "boom")])

    def verify(self, directory, files):
        pass


def test_an_error_raised_in_the_child_reaches_the_caller(fork_always):
    project = load_project(ROOT / "examples" / "quickstart")
    with pytest.raises(DefinitionError) as info:
        build_mod.render_project(project, (*targets(), _Boom()))
    assert "the dashboards cannot be rendered" in str(info.value)


def test_small_projects_do_not_fork():
    project = load_project(ROOT / "examples" / "quickstart")
    assert len(project.slos) < build_mod.FORK_FROM_SLOS and not build_mod._forkable(project)
