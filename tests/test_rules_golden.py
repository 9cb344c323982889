"""Golden output of alert and recording rules: each folder of tests/golden/rules is a small project
whose rendered ``*-alerts`` files must equal its expected/ folder; ``reference`` is this repository's
own alerts/ (the reference deployments' thresholds are pinned there).

Regenerate on purpose with OBSKIT_UPDATE_GOLDEN=1 and read the diff."""
from dataclasses import replace
from pathlib import Path

import pytest

from obskit.build import render_project
from obskit.loader import load_project
from obskit.verify import promtool as pt
from golden import assert_golden

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "rules"
CASES = {"basic": GOLDEN / "basic", "prometheus3": GOLDEN / "prometheus3", "reference": ROOT}


def _alert_files(project_dir: Path) -> dict:
    return {k: v for k, v in render_project(load_project(project_dir)).items()
            if "-alerts" in k or k.endswith("-rules-prometheusrule.yaml")}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case):
    files = _alert_files(CASES[case])
    expected_dir = GOLDEN / "expected" / case
    assert_golden(files, expected_dir)


def test_one_file_per_module_next_to_slo_files():
    files = render_project(load_project(ROOT))
    for stem in ("llm_gateway", "llm_simulator", "llm_marketplace", "high_production"):
        assert f"prometheus/rules/{stem}-alerts.yml" in files
    # no Kubernetes settings: no PrometheusRule copies (rule_output); with them one per group, named after
    # the group (not the file): tests/test_kubernetes_objects.py
    assert not any(k.endswith("-rules-prometheusrule.yaml") for k in files)
    project = load_project(ROOT)
    both = render_project(replace(project, settings=replace(project.settings, rule_output="both")))
    for group in ("llm-gateway", "llm-simulator-availability", "llm-marketplace", "validation-api"):
        assert f"kubernetes/{group}-rules-prometheusrule.yaml" in both
    assert {k for k in both if k.startswith("prometheus/")} == {k for k in files if k.startswith("prometheus/")}
    # the SLO files of the same services are still there, untouched
    assert "prometheus/rules/llm-gateway.yml" in files


def test_rebuild_is_byte_identical():
    assert _alert_files(GOLDEN / "basic") == _alert_files(GOLDEN / "basic")


@pytest.mark.parametrize("case", ["basic", "reference"])
def test_golden_rules_pass_promtool(case, promtool):
    paths = sorted((GOLDEN / "expected" / case / "prometheus" / "rules").glob("*.yml"))
    assert paths
    res = pt.check_rules(paths)
    assert res.ok, res.output


def test_prometheus3_fields_are_refused_by_promtool_242(promtool, tmp_path):
    """Why the version gate exists: Debian's promtool 2.42 cannot load query_offset/labels."""
    from obskit.verify.tools import version_tuple
    if version_tuple("promtool") >= (2, 53):
        pytest.skip("promtool is new enough to load query_offset")
    path = GOLDEN / "expected" / "prometheus3" / "prometheus" / "rules" / "edge-alerts.yml"
    res = pt.check_rules([path])
    assert not res.ok
    assert "query_offset" in res.output or "labels" in res.output
