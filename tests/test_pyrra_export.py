"""``obskit export pyrra``: the project's SLOs as Pyrra ServiceLevelObjectives, validated against Pyrra's
CRD schema, and both round trips: the repository's SLOs export → import → the same rules; Pyrra specs
import → export → the same specs. SLOs Pyrra cannot express are ``unsupported`` findings at their
file:line (skipped, or exported without the loss with ``--lossy``). The specs are written for these
tests, not copied from Pyrra."""
from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from k8s_crds import _make_validator, _to_jsonschema, _walk
from obskit.compile.ir import RuleFile
from obskit.compile.slo import compile_slo
from obskit.duration import Duration
from obskit.interop import pyrra_export
from obskit.loader import load_project
from obskit.render import prometheus_rules
from test_import_pyrra import SPECS
from test_lint import run_cli

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "interop"

# Pyrra's CRD (pyrra.dev/v1alpha1 ServiceLevelObjective, openAPIV3Schema of the CRD Pyrra generates with
# controller-gen 0.14: examples/kubernetes/manifests/setup/pyrra-slo-CustomResourceDefinition.yaml in
# github.com/pyrra-dev/pyrra), transcribed here as types, fields, required fields and defaults only.
_STR, _BOOL = {"type": "string"}, {"type": "boolean"}
_QUERY = {"type": "object", "required": ["metric"], "properties": {"metric": _STR}}
_GROUPING = {"type": "array", "items": _STR}
PYRRA_CRD = {
    "type": "object",
    "properties": {
        "apiVersion": _STR, "kind": _STR, "metadata": {"type": "object"},
        "spec": {
            "type": "object", "required": ["indicator", "target", "window"],
            "properties": {
                "alerting": {"type": "object", "properties": {
                    "absent": {"type": "boolean", "default": True}, "absentName": _STR,
                    "burnrates": {"type": "boolean", "default": True}, "disabled": _BOOL, "name": _STR}},
                "description": _STR,
                "indicator": {"type": "object", "properties": {
                    "bool_gauge": {"type": "object", "required": ["metric"],
                                   "properties": {"grouping": _GROUPING, "metric": _STR}},
                    "latency": {"type": "object", "required": ["success", "total"],
                                "properties": {"grouping": _GROUPING, "success": _QUERY, "total": _QUERY}},
                    "latencyNative": {"type": "object", "required": ["latency", "total"],
                                      "properties": {"grouping": _GROUPING, "latency": _STR, "total": _QUERY}},
                    "ratio": {"type": "object", "required": ["errors", "total"],
                              "properties": {"errors": _QUERY, "grouping": _GROUPING, "total": _QUERY}}}},
                "target": _STR, "window": _STR,
            },
        },
        "status": {"type": "object", "properties": {"type": _STR}},
    },
}
_VALIDATOR = _make_validator(_to_jsonschema(PYRRA_CRD))
_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_K8S_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_PROM_DURATION = re.compile(r"^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$")


def crd_problems(doc: dict) -> list:
    """What the API server would refuse or prune, and what Pyrra's Go code would fail to parse."""
    out = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in _VALIDATOR.iter_errors(doc)]
    out += [f"pruned: {p}" for k in ("spec", "status") if k in doc
            for p in _walk(doc[k], PYRRA_CRD["properties"][k], (k,), doc["kind"], PYRRA_CRD)]
    meta = doc["metadata"]
    out += [f"metadata.{k}" for k in meta if k not in ("name", "namespace", "labels", "annotations")]
    if (doc["apiVersion"], doc["kind"]) != ("pyrra.dev/v1alpha1", "ServiceLevelObjective"):
        out.append("apiVersion/kind")
    if not (_K8S_NAME.match(meta["name"]) and len(meta["name"]) <= 253):
        out.append(f"name {meta['name']!r}")
    if not (re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", meta["namespace"]) and len(meta["namespace"]) <= 63):
        out.append(f"namespace {meta['namespace']!r}")
    for k, v in (meta.get("labels") or {}).items():
        name = k.split("/")[-1]
        if not (_K8S_VALUE.match(name) and 0 < len(name) <= 63 and _K8S_VALUE.match(v) and len(v) <= 63):
            out.append(f"label {k}={v!r}")
    spec = doc["spec"]
    try:
        float(spec["target"])
    except (KeyError, ValueError):
        out.append(f"target {spec.get('target')!r} is not a float (strconv.ParseFloat)")
    for what, text in [("window", spec.get("window", ""))] + [
            ("latency", i["latency"]) for i in [spec["indicator"].get("latencyNative")] if i]:
        if not text or not _PROM_DURATION.match(text):
            out.append(f"{what} {text!r} is not a Prometheus duration (model.ParseDuration)")
    return out


def _rules(slo, settings) -> bytes:
    return prometheus_rules.render(RuleFile("x", compile_slo(slo, settings).groups()))


def _write_project(root: Path, toml: str = "", **modules: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "obskit.toml").write_text(textwrap.dedent(toml))
    (root / "slos").mkdir(exist_ok=True)
    for name, text in modules.items():
        (root / "slos" / f"{name}.py").write_text(textwrap.dedent(text))
    return root


def test_the_repositorys_slos_export_import_and_build_the_same_rules(tmp_path):
    original = load_project(REPO)
    out = tmp_path / "pyrra"
    res = run_cli("export", "pyrra", REPO, "-o", out, "--output", "json")
    summary = json.loads(res.stdout)
    # the one RawSLI is skipped (exit 1), located at its definition; every other SLO is exported
    raw = [s for s in original.slos if type(s.sli).__name__ == "RawSLI"]
    assert res.returncode == 1 and summary["skipped"] == [f"SLO {s.id}" for s in raw]
    (finding,) = [f for f in summary["findings"] if f["kind"] == "unsupported"]
    assert finding["source"] == str(raw[0].location.relative_to(str(REPO))) and "RawSLI" in finding["message"]
    assert summary["exported"] == sorted(s.id for s in original.slos if s not in raw)
    files = sorted(out.glob("*.yaml"))
    assert [f.name for f in files] == sorted(f.name for f in files) and len(files) == len(summary["exported"])
    for f in files:
        text = f.read_text()
        assert text.startswith("# Generated by obskit from slos/")
        (doc,) = list(yaml.safe_load_all(text))
        assert crd_problems(doc) == [], f.name
    # and back: import the files into a project with the same settings, build, compare every rule
    proj = tmp_path / "proj"
    proj.mkdir()
    if (REPO / "obskit.toml").exists():
        shutil.copy(REPO / "obskit.toml", proj / "obskit.toml")
    res = run_cli("import", "pyrra", *files, "--out", proj / "slos", "--output", "json")
    assert res.returncode == 0, res.stdout + res.stderr
    assert not [f for f in json.loads(res.stdout)["findings"] if f["kind"] == "lost"]
    back = {s.id: s for s in load_project(proj).slos}
    assert sorted(back) == summary["exported"]
    for slo in original.slos:
        if slo in raw:
            continue
        again = back[slo.id]
        assert (again.objective, again.period, again.labels, again.alert_name, again.owner, again.runbook_url) == \
            (slo.objective, slo.period, slo.labels, slo.alert_name, slo.owner, slo.runbook_url)
        assert _rules(again, original.settings) == _rules(slo, original.settings), slo.id
    build = run_cli("build", proj, "--no-verify")
    assert build.returncode == 0, build.stderr
    # deterministic: a second export writes the same bytes
    again = tmp_path / "again"
    run_cli("export", "pyrra", REPO, "-o", again, "-q")
    assert {f.name: f.read_text() for f in again.glob("*.yaml")} == {f.name: f.read_text() for f in files}


PYRRA_TOML = """\
    [project]
    prometheus_version = "3.0"
    [kubernetes]
    labels = { prometheus = "k8s", role = "alert-rules" }
"""


def _normalised(doc: dict) -> dict:
    """A Pyrra object as Pyrra reads it: defaults filled in, durations and targets as values."""
    doc = json.loads(json.dumps(doc))
    spec = doc["spec"]
    spec["target"] = float(spec["target"])
    spec["window"] = Duration.parse(spec["window"]).seconds
    alerting = {"burnrates": True, "absent": True, **spec.get("alerting", {})}
    if alerting.pop("disabled", False):
        alerting.update(burnrates=False, absent=False)
    spec["alerting"] = alerting
    spec.setdefault("description", "")
    return doc


ALL_SPECS = SPECS + """\
---
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: search-quiet, namespace: shop}
spec:
  target: "90"
  window: 28d
  indicator:
    ratio:
      errors: {metric: 'search_requests_total{code="500"}'}
      total: {metric: 'search_requests_total'}
  alerting: {disabled: true}
---
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: big-buckets, namespace: shop}
spec:
  target: "99.9"
  window: 30d
  indicator:
    latency:
      success: {metric: 'rpc_duration_seconds_bucket{le="1"}'}
      total: {metric: 'rpc_duration_seconds_count'}
      grouping: [method]
"""


def test_pyrra_specs_import_then_export_give_the_same_specs(tmp_path):
    labels = {"prometheus": "k8s", "role": "alert-rules"}
    docs = [d for d in yaml.safe_load_all(ALL_SPECS) if d]
    for d in docs:
        d["metadata"]["labels"] = {**labels, **{k: v for k, v in d["metadata"].get("labels", {}).items()
                                                if k.startswith("pyrra.dev/")}}
    proj = _write_project(tmp_path / "proj", PYRRA_TOML)
    (tmp_path / "in.yaml").write_text(yaml.safe_dump_all(docs))
    res = run_cli("import", "pyrra", tmp_path / "in.yaml", "--out", proj / "slos")
    assert res.returncode == 0, res.stdout + res.stderr
    res = run_cli("export", "pyrra", proj)
    assert res.returncode == 0, res.stderr
    exported = [d for d in yaml.safe_load_all(res.stdout) if d]
    assert [crd_problems(d) for d in exported] == [[]] * len(docs)
    by_name = {d["metadata"]["name"]: d for d in exported}
    assert sorted(by_name) == sorted(d["metadata"]["name"] for d in docs)
    for d in docs:
        assert _normalised(by_name[d["metadata"]["name"]]) == _normalised(d), d["metadata"]["name"]
    # byte for byte (deterministic; the generated-file header on each object)
    golden = GOLDEN / "pyrra-export.yaml"
    import os
    if os.environ.get("OBSKIT_UPDATE_GOLDEN"):
        golden.write_text(res.stdout)
    assert res.stdout == golden.read_text()


UNSUPPORTED = """\
    from obskit import SLO, AlertingPolicy, BurnWindow, RatioSLI, RawSLI, Tier

    SLI = RatioSLI(total='http_requests_total{job="shop"}', errors='http_requests_total{job="shop",code=~"5.."}')
    raw = SLO(service="shop", name="raw", objective=99, sli=RawSLI(error_ratio='1 - avg_over_time(up[$window])'))
    custom = SLO(service="shop", name="custom", objective=99, sli=SLI, alerting=AlertingPolicy(
        page=Tier(name="page", severity="critical", windows=(BurnWindow(long="2h", factor=10),)),
        ticket=Tier.ticket()))
    page_only = SLO(service="shop", name="page-only", objective=99, sli=SLI, alerting=AlertingPolicy(ticket=None))
    pager = SLO(service="shop", name="pager", objective=99, sli=SLI,
                alerting=AlertingPolicy(page=Tier.page(severity="pageteam", labels={"routing_key": "shop"})))
    fine = SLO(service="shop", name="fine_one", objective=99, sli=RatioSLI(
        total='http_requests_total{job="shop"}', good='http_requests_total{job="shop",code!~"5.."}'))
"""


def _line(text: str, start: str) -> int:
    return next(i for i, line in enumerate(textwrap.dedent(text).splitlines(), 1) if line.startswith(start))


def test_what_pyrra_cannot_express_is_unsupported_at_its_line_and_skipped(tmp_path):
    proj = _write_project(tmp_path / "p", "", shop=UNSUPPORTED)
    res = run_cli("export", "pyrra", proj, "--output", "json")
    assert res.returncode == 1
    summary = json.loads(res.stdout)
    assert summary["exported"] == ["shop-fine_one"]
    unsupported = {f["subject"]: f for f in summary["findings"] if f["kind"] == "unsupported"}
    assert sorted(unsupported) == ["SLO shop-custom", "SLO shop-page-only", "SLO shop-pager", "SLO shop-raw"]
    for var in ("raw", "custom", "page_only", "pager"):
        f = unsupported[f"SLO shop-{var.replace('_', '-')}"]
        assert f["source"] == f"slos/shop.py:{_line(UNSUPPORTED, var + ' = ')}"
    assert "RawSLI" in unsupported["SLO shop-raw"]["message"]
    assert "page windows 10× over 2h/10m" in unsupported["SLO shop-custom"]["message"]
    assert "only a page tier" in unsupported["SLO shop-page-only"]["message"]
    pager = unsupported["SLO shop-pager"]["message"]
    assert "page severity 'pageteam'" in pager and "routing_key='shop'" in pager
    # good= becomes errors= with the extra matcher negated; '_' is not in Kubernetes names
    (doc,) = [d for d in yaml.safe_load_all(summary["document"]) if d]
    assert doc["spec"]["indicator"]["ratio"]["errors"] == {"metric": 'http_requests_total{job="shop",code=~"5.."}'}
    assert doc["metadata"]["name"] == "fine-one" and doc["metadata"]["annotations"]["obskit.dev/slo-name"] == "fine_one"
    assert crd_problems(doc) == []


def test_lossy_exports_what_it_can_and_lists_each_loss(tmp_path):
    proj = _write_project(tmp_path / "p", "", shop=UNSUPPORTED)
    out = tmp_path / "out"
    (out).mkdir()
    (out / "shop.gone.yaml").write_text("# Generated by obskit from slos/x.py. DO NOT EDIT: change the definitions "
                                        "and rebuild.\n")
    (out / "mine.yaml").write_text("kept: true\n")
    res = run_cli("export", "pyrra", proj, "--lossy", "-o", out, "--output", "json")
    summary = json.loads(res.stdout)
    assert res.returncode == 1 and summary["skipped"] == ["SLO shop-raw"]     # no indicator for a RawSLI at all
    assert summary["exported"] == ["shop-custom", "shop-fine_one", "shop-page-only", "shop-pager"]
    lost = [(f["subject"], f["message"]) for f in summary["findings"] if f["kind"] == "lost"]
    assert [s for s, _ in lost] == ["SLO shop-custom", "SLO shop-custom", "SLO shop-page-only", "SLO shop-pager",
                                    "SLO shop-pager"]
    assert all(m.startswith("exported without it (--lossy): ") for _, m in lost)
    # the stale exported file is removed, a file obskit did not write stays
    assert sorted(p.name for p in out.iterdir()) == ["mine.yaml", "shop.custom.yaml", "shop.fine-one.yaml",
                                                     "shop.page-only.yaml", "shop.pager.yaml"]
    for p in out.glob("shop.*.yaml"):
        (doc,) = list(yaml.safe_load_all(p.read_text()))
        assert crd_problems(doc) == [], p.name


@pytest.mark.parametrize("threshold, latency", [(0.2, "200ms"), (1.0, "1s"), (1.5, "1s500ms"), (90, "1m30s")])
def test_native_latency_thresholds_are_pyrra_durations(tmp_path, threshold, latency):
    proj = _write_project(tmp_path / "p", '[project]\nprometheus_version = "3.0"\n', api=f"""\
        from obskit import SLO, LatencySLI
        fast = SLO(service="api", name="fast", objective=99, sli=LatencySLI(
            native_histogram='rpc_seconds{{job="api"}}', threshold={threshold}))
    """)
    res = run_cli("export", "pyrra", proj)
    assert res.returncode == 0, res.stderr
    (doc,) = [d for d in yaml.safe_load_all(res.stdout) if d]
    assert doc["spec"]["indicator"]["latencyNative"] == {"latency": latency, "total": {"metric": 'rpc_seconds{job="api"}'}}
    assert crd_problems(doc) == []
    (tmp_path / "x.yaml").write_text(res.stdout)
    (item,) = pyrra_export_round_trip(tmp_path / "x.yaml")
    assert item.sli.threshold == threshold


def pyrra_export_round_trip(path: Path):
    from obskit.interop import pyrra
    return [i.slo for m in pyrra.convert([path]) for i in m.slos]


def test_one_kubernetes_namespace_keeps_services_apart(tmp_path):
    proj = _write_project(tmp_path / "p", '[kubernetes]\nnamespace = "monitoring"\n', two="""\
        from obskit import SLO, RatioSLI
        SLI = RatioSLI(total='x_total', errors='x_total{code="500"}')
        a = SLO(service="api", name="availability", objective=99, sli=SLI)
        b = SLO(service="web", name="availability", objective=99, sli=SLI)
    """)
    exported, findings = pyrra_export.export(load_project(proj).slos, namespace="monitoring")
    assert [e.filename for e in exported] == ["monitoring.api-availability.yaml", "monitoring.web-availability.yaml"]
    (tmp_path / "x.yaml").write_text(pyrra_export.stream(exported))
    assert sorted(s.id for s in pyrra_export_round_trip(tmp_path / "x.yaml")) == ["api-availability", "web-availability"]


def test_options_of_the_other_formats_are_refused(tmp_path):
    res = run_cli("export", "openslo", REPO, "--lossy")
    assert res.returncode == 2 and "--lossy is not an option of export openslo" in res.stderr
    res = run_cli("export", "pyrra", REPO, "--allow-partial")
    assert res.returncode == 2 and "--allow-partial is not an option of export pyrra" in res.stderr
