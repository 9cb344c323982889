"""Golden input/output pairs (the Sloth way): each folder of tests/golden/slo is a small project
whose rendered rule files must equal the files under its expected/ folder.

Regenerate on purpose with OBSKIT_UPDATE_GOLDEN=1 and read the diff."""
from pathlib import Path

import pytest

from obskit.build import render_project
from obskit.loader import load_project
from golden import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "slo"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "slos").is_dir())


@pytest.mark.parametrize("case", CASES)
def test_golden(case):
    files = {k: v for k, v in render_project(load_project(GOLDEN / case)).items()
             if k.startswith(("prometheus/", "kubernetes/")) and not k.startswith("kubernetes/dashboards/")}
    # other targets have their own goldens (dashboard ConfigMaps: tests/test_kubernetes_golden.py)
    expected_dir = GOLDEN / case / "expected"
    assert_golden(files, expected_dir)


def test_cases_exist():
    assert len(CASES) >= 6


@pytest.mark.parametrize("case", CASES)
def test_golden_rules_pass_promtool(case, promtool):
    from obskit.verify import promtool as pt
    paths = sorted((GOLDEN / case / "expected" / "prometheus" / "rules").glob("*.yml"))
    assert paths
    res = pt.check_rules(paths)
    assert res.ok, res.output
