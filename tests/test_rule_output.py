"""One copy of the rules where one serves (``[project] rule_output``, obskit/targets/rule_check.py):
rule files without Kubernetes settings, PrometheusRule objects with them, both on request; promtool
checks the rules whichever copy is written (the unwritten rule files from a temporary folder)."""
from pathlib import Path

import pytest

from obskit.build import build, render_project
from obskit.errors import DefinitionError, ToolError
from obskit.loader import load_project
from obskit.targets import rule_check
from obskit.targets.prometheus_rules import PrometheusRules

SLO_MODULE = '''from obskit import SLO, RatioSLI
api = SLO(service="api", name="availability", objective=99.9,
          sli=RatioSLI(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}'))
'''
ALERT_MODULE = '''from obskit.model.rules import AlertRule, RuleGroup
g = RuleGroup(name="api", rules=[AlertRule(name="ApiDown", expr='up{job="api"} == 0', severity="critical",
                                           summary="api is down", description="No api target is up.")])
'''


def _project(tmp_path: Path, toml: str = "") -> Path:
    (tmp_path / "slos").mkdir(parents=True)
    (tmp_path / "alerts").mkdir()
    (tmp_path / "slos" / "api.py").write_text(SLO_MODULE)
    (tmp_path / "alerts" / "api.py").write_text(ALERT_MODULE)
    if toml:
        (tmp_path / "obskit.toml").write_text(toml)
    return tmp_path


def _rules(files) -> set:
    return {p for p in files if p.startswith("prometheus/rules/") or p.endswith("prometheusrule.yaml")}


@pytest.mark.parametrize("toml, expected", [
    ("", {"prometheus/rules/api.yml", "prometheus/rules/api-alerts.yml"}),
    ('[kubernetes]\nnamespace = "shop"\n', {"kubernetes/api-prometheusrule.yaml", "kubernetes/api-rules-prometheusrule.yaml"}),
    ('[project]\nnamespace = "shop"\n', {"kubernetes/api-prometheusrule.yaml", "kubernetes/api-rules-prometheusrule.yaml"}),
    ('[kubernetes]\nnamespace = "shop"\n[project]\nrule_output = "files"\n',
     {"prometheus/rules/api.yml", "prometheus/rules/api-alerts.yml"}),
    # how dashboards ship says nothing about rules: still a project without Kubernetes
    ('[kubernetes]\ndashboards = "none"\n', {"prometheus/rules/api.yml", "prometheus/rules/api-alerts.yml"}),
    ('[project]\nrule_output = "both"\n', {"prometheus/rules/api.yml", "prometheus/rules/api-alerts.yml",
                                           "kubernetes/api-prometheusrule.yaml", "kubernetes/api-rules-prometheusrule.yaml"}),
])
def test_what_the_settings_imply(tmp_path, toml, expected):
    assert _rules(render_project(load_project(_project(tmp_path, toml)))) == expected


def test_the_object_holds_the_rules_of_the_file(tmp_path):
    """The PrometheusRule's groups are the rule file's, whichever is written."""
    import yaml
    both = render_project(load_project(_project(tmp_path / "a", '[kubernetes]\nnamespace = "shop"\n'
                                                                '[project]\nrule_output = "both"\n')))
    target = PrometheusRules()
    objects = target.render(load_project(_project(tmp_path / "b", '[kubernetes]\nnamespace = "shop"\n')))
    assert yaml.safe_load(objects["kubernetes/api-prometheusrule.yaml"])["spec"]["groups"] == \
        yaml.safe_load(both["prometheus/rules/api.yml"])["groups"]
    assert set(target.unwritten) == {"prometheus/rules/api.yml"}    # kept for promtool


def test_unknown_value_is_a_located_error(tmp_path):
    with pytest.raises(DefinitionError) as exc:
        load_project(_project(tmp_path, '[project]\nrule_output = "configmap"\n'))
    assert "obskit.toml:2" in str(exc.value) and "files, prometheusrule, both" in str(exc.value)


def test_promtool_checks_rules_written_as_objects_only(tmp_path, promtool):
    """Built with verification: the unwritten rule files are checked (a rule promtool refuses fails the
    build) and nothing of the check is left in the output."""
    proj = _project(tmp_path / "p", '[kubernetes]\nnamespace = "shop"\n')
    result = build(proj, tmp_path / "out")
    assert not (tmp_path / "out" / "prometheus" / "rules").exists()
    assert (tmp_path / "out" / "kubernetes" / "api-prometheusrule.yaml").exists()
    target = PrometheusRules()
    target.render(result.project)
    target.unwritten["prometheus/rules/api.yml"] += b"  - bad: yaml: [\n"
    with pytest.raises(ToolError, match="check rules failed"):
        target.verify(tmp_path / "out", {})


def test_rule_files_split_by_size_in_order():
    paths = [Path(f"f{i}") for i in range(6)]
    parts = rule_check.chunks(paths, [3_000_000] * 6, workers=2)
    assert parts == [paths[:3], paths[3:]]
    assert rule_check.chunks(paths, [1000] * 6, workers=2) == [paths]      # small: one promtool run
    assert [p for part in rule_check.chunks(paths, [5_000_000, 1, 1, 1, 1, 5_000_000], 4) for p in part] == paths
