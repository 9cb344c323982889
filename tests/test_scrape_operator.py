"""The generated PodMonitor/ServiceMonitor objects validated against the Prometheus Operator's CRD
schemas, as compiled by npm's ``@kubernetes-models/prometheus-operator`` (MIT; its validators are
generated from the operator's CRD OpenAPI schemas). The package is installed once into a cache
directory (``$OBSKIT_NPM_CACHE`` or ``~/.cache/obskit/npm``); without node/npm the test skips on a
laptop and fails in CI."""
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import require_tool

PACKAGE = "@kubernetes-models/prometheus-operator@6.0.0"
GOLDEN = Path(__file__).parent / "golden" / "scrape"
CHECK = """
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
const kinds = { PodMonitor, ServiceMonitor };
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const out = [];
  for (const doc of JSON.parse(input)) {
    try { new kinds[doc.kind](doc).validate(); out.push(null); }
    catch (e) { out.push(String(e.message || e)); }
  }
  process.stdout.write(JSON.stringify(out));
});
"""


@pytest.fixture(scope="module")
def validator():
    require_tool("node")
    require_tool("npm")
    base = Path(os.environ.get("OBSKIT_NPM_CACHE", Path.home() / ".cache" / "obskit" / "npm"))
    home = base / PACKAGE.replace("/", "_").replace("@", "")
    if not (home / "node_modules" / "@kubernetes-models" / "prometheus-operator").is_dir():
        home.mkdir(parents=True, exist_ok=True)
        res = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(home), PACKAGE],
                             capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, res.stdout + res.stderr
    script = home / "check.mjs"
    script.write_text(CHECK)

    def validate(docs):
        res = subprocess.run(["node", str(script)], input=json.dumps(docs), capture_output=True, text=True,
                             timeout=120)
        assert res.returncode == 0, res.stderr
        return json.loads(res.stdout)
    return validate


def _monitors():
    return sorted(GOLDEN.glob("*/expected/kubernetes/*monitor.yaml"))


def test_there_are_monitors_of_both_kinds():
    kinds = {yaml.safe_load(p.read_text())["kind"] for p in _monitors()}
    assert kinds == {"PodMonitor", "ServiceMonitor"}


def test_generated_monitors_match_the_crd_schema(validator):
    paths = _monitors()
    results = validator([yaml.safe_load(p.read_text()) for p in paths])
    assert {str(p.relative_to(GOLDEN)): r for p, r in zip(paths, results) if r} == {}


def test_the_schema_check_can_fail(validator):
    doc = yaml.safe_load(next(p for p in _monitors() if "podmonitor" in p.name).read_text())
    bad_action = json.loads(json.dumps(doc))
    bad_action["spec"]["podMetricsEndpoints"][0]["relabelings"][0]["action"] = "explode"
    bad_interval = json.loads(json.dumps(doc))
    bad_interval["spec"]["podMetricsEndpoints"][0]["interval"] = "5 minutes"
    first, second = validator([bad_action, bad_interval])
    assert "action" in first and "interval" in second
