"""Golden projects for Loki: each folder of tests/golden/loki is a small project whose rendered
``loki/`` files must equal its expected/ folder; the expected files also pass the verifiers.
Regenerate on purpose with OBSKIT_UPDATE_GOLDEN=1 and read the diff."""
from pathlib import Path

import pytest
import yaml

from obskit.build import render_project
from obskit.compile.loki import check_config_document
from obskit.loader import load_project
from obskit.render.loki import version_from_header
from obskit.verify import logql
from golden import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "loki"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "telemetry").is_dir())


def _rendered(case):
    files = render_project(load_project(GOLDEN / case))
    return {k: v for k, v in files.items() if k.startswith("loki/")}


@pytest.mark.parametrize("case", CASES)
def test_golden(case):
    files = _rendered(case)
    expected_dir = GOLDEN / case / "expected"
    assert_golden(files, expected_dir)


@pytest.mark.parametrize("case", CASES)
def test_golden_files_verify(case):
    expected_dir = GOLDEN / case / "expected"
    configs = sorted(expected_dir.glob("loki/*/config.yaml"))
    rules = sorted(expected_dir.glob("loki/rules/*/*.yaml"))
    assert configs and rules
    for path in configs:
        data = path.read_bytes()
        assert check_config_document(yaml.safe_load(data), version_from_header(data)) == []
    for path in rules:
        assert logql.check_rule_file(yaml.safe_load(path.read_bytes())) == []


def test_rebuild_is_byte_identical():
    assert _rendered(CASES[0]) == _rendered(CASES[0])
