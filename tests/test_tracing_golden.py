"""Golden projects for Jaeger and the OpenTelemetry Collector (tests/golden/tracing/<case>): rendered
``jaeger/`` and ``otel/`` files equal expected/, and the expected files pass the Python validators.
Regenerate on purpose with OBSKIT_UPDATE_GOLDEN=1 and read the diff."""
import json
from pathlib import Path

import pytest
import yaml

from obskit.build import render_project
from obskit.loader import load_project
from obskit.render import jaeger, otel
from golden import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "tracing"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "telemetry").is_dir())


def _rendered(case):
    files = render_project(load_project(GOLDEN / case))
    return {k: v for k, v in files.items() if k.startswith(("jaeger/", "otel/", "tempo/"))}


@pytest.mark.parametrize("case", CASES)
def test_golden(case):
    files = _rendered(case)
    expected_dir = GOLDEN / case / "expected"
    assert_golden(files, expected_dir)


@pytest.mark.parametrize("case", CASES)
def test_golden_files_validate(case):
    expected_dir = GOLDEN / case / "expected"
    yamls = sorted(p for p in expected_dir.rglob("*.yaml") if "tempo" not in p.parts)
    assert yamls
    for path in yamls:
        assert otel.validate(yaml.safe_load(path.read_bytes())) == [], path
    for path in sorted(expected_dir.glob("tempo/*/tempo.yaml")):
        assert otel.validate_tempo(yaml.safe_load(path.read_bytes())) == [], path
    for path in sorted(expected_dir.rglob("*.json")):
        assert jaeger.validate_sampling(json.loads(path.read_bytes())) == [], path
