"""docs/architecture.md names the functions a reader opens: each must exist, so the page cannot drift
from the code (a rename fails here until the page follows)."""
from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "architecture.md").read_text()
#: every `obskit.module.name` in backticks
REFERENCES = sorted(set(re.findall(r"`(obskit(?:\.[A-Za-z_][A-Za-z0-9_]*)+)`", DOC)) - {"obskit.toml"})
#: every `folder/file.py` path in backticks
PATHS = sorted(set(re.findall(r"`((?:[a-z_]+/)+[a-z_]+\.py)`", DOC)))


def resolve(dotted: str):
    """The object ``dotted`` names: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    if parts[-1] == "__main__":                         # importing it would run the CLI
        if importlib.util.find_spec(dotted) is None:
            raise ModuleNotFoundError(dotted)
        return dotted
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError as exc:
            if exc.name and not ".".join(parts[:i]).startswith(exc.name):
                raise                                   # the module exists but an import inside it failed
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_the_page_names_enough_functions():
    assert len(REFERENCES) >= 40, REFERENCES


@pytest.mark.parametrize("dotted", REFERENCES)
def test_every_named_function_exists(dotted):
    try:
        resolve(dotted)
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"docs/architecture.md names {dotted}, which does not exist ({exc})")


@pytest.mark.parametrize("path", PATHS)
def test_every_named_path_exists(path):
    assert (ROOT / path).exists() or (ROOT / "obskit" / path).exists(), path


def test_resolve_fails_on_a_missing_name():
    with pytest.raises(AttributeError):
        resolve("obskit.loader.no_such_function")
    with pytest.raises(AttributeError):
        resolve("obskit.no_such_module.f")
    with pytest.raises(ModuleNotFoundError):
        resolve("obskit.no_such.__main__")


def test_the_walked_slo_lands_where_the_page_says():
    """The example: slos/llm_gateway.py's availability SLO is of service llm-gateway, and its rules are
    prometheus/rules/llm-gateway.yml of the built files."""
    from obskit.build import render_project
    from obskit.loader import load_project
    from obskit.targets.prometheus_rules import PrometheusRules

    project = load_project(ROOT)
    slo = next(s for s in project.slos if s.location.file.endswith("slos/llm_gateway.py") and s.name == "availability")
    assert slo.service == "llm-gateway"
    files = render_project(project, (PrometheusRules(),))
    text = files["prometheus/rules/llm-gateway.yml"].decode()
    assert "slos/llm_gateway.py" in text and 'obskit_slo: availability' in text.replace('"', "")
