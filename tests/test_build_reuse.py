"""A build computes each SLO's rules once and builds generated dashboards only when the Grafana
target renders them; what is reused must equal what a fresh computation gives."""
from pathlib import Path

import pytest

from obskit import SLO, AlertingPolicy, RatioSLI
from obskit.compile.dashboards.project import check_dashboards, compile_dashboards
from obskit.compile.project import compile_project, compiled_slo, slo_groups
from obskit.compile.slo import compile_slo
from obskit.lint.subjects import collect
from obskit.project import Project, Settings

ROOT = Path(__file__).resolve().parent


def _slo(name="checkout", service="shop"):
    return SLO(service=service, name=name, objective=99.9,
               sli=RatioSLI(total='http_requests_total{job="shop"}',
                            errors='http_requests_total{job="shop",code=~"5.."}'),
               alerting=AlertingPolicy(min_events=100))


def test_compiled_once_per_settings_and_equal_to_a_fresh_compile():
    slo, settings = _slo(), Settings(scrape_interval=30)
    first = compiled_slo(slo, settings)
    assert compiled_slo(slo, Settings(scrape_interval=30)) is first      # equal settings: reused
    assert first == compile_slo(slo, settings)
    other = compiled_slo(slo, Settings(scrape_interval=15))              # other settings: recompiled
    assert other is not first and other == compile_slo(slo, Settings(scrape_interval=15))
    assert other.window_rules != first.window_rules                      # the settings matter
    assert slo_groups(slo, Settings(scrape_interval=15)) == compile_slo(slo, Settings(scrape_interval=15)).groups()


def test_lint_reads_the_rules_the_build_writes():
    project = Project(root=ROOT, settings=Settings(scrape_interval=15, evaluation_interval=30),
                      definitions=(_slo("a"), _slo("b")))
    written = [g for rf in compile_project(project).rule_files for g in rf.groups]
    linted = [s.group for s in collect(project).groups if s.generated]
    assert linted == written


def test_dashboard_checks_do_not_build_generated_dashboards(monkeypatch):
    project = Project(root=ROOT, definitions=(_slo("a"), _slo("b", service="cart")))
    expected = compile_dashboards(project)

    def boom(*args, **kwargs):
        raise AssertionError("built a generated dashboard")
    monkeypatch.setattr("obskit.compile.dashboards.project.detail", boom)
    monkeypatch.setattr("obskit.compile.dashboards.project.overview", boom)
    assert check_dashboards(project) == []
    with pytest.raises(AssertionError, match="built a generated dashboard"):
        compile_dashboards(project)
    monkeypatch.undo()
    again = compile_dashboards(project)
    assert again == expected and [d.uid for d in again[0].dashboards] == [
        "service-cart", "service-shop", "slo-overview", "slos-cart", "slos-shop"]


def test_duplicate_generated_uid_reported_without_building(monkeypatch):
    from obskit.model.dashboards import Dashboard
    mine = Dashboard({"title": "SLOs: shop", "panels": []}, folder="Platform")
    project = Project(root=ROOT, definitions=(mine, _slo("a")))
    monkeypatch.setattr("obskit.compile.dashboards.project.detail", lambda *a: (_ for _ in ()).throw(AssertionError("built")))
    [d] = [d for d in check_dashboards(project) if d.code == "duplicate-uid"]
    assert "slos-shop" in d.message
