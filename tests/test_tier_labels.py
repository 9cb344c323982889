"""Per-tier labels and annotations (Sloth's page_alert/ticket_alert labels and annotations): on that tier's alert
only, refused where obskit sets the label or where it would merge series; proven by promtool on a built project."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from obskit import SLO, AlertingPolicy, RatioSLI
from obskit.compile.slo import compile_slo
from obskit.errors import DefinitionError
from obskit.model.policy import Tier, _workbook_page, _workbook_ticket
from obskit.project import Settings

SLI = RatioSLI(total='http_requests_total{job="shop"}', errors='http_requests_total{job="shop",code=~"5.."}')


def _page(**kw):
    return Tier.page(**kw)


def test_the_workbook_tiers_take_labels_severity_and_annotations():
    assert repr(Tier.page().windows) == repr(_workbook_page().windows) and Tier.page().severity == "critical"
    t = Tier.ticket(severity="info", labels={"team": "pay"})
    assert (t.name, t.severity, t.labels) == ("ticket", "info", (("team", "pay"),))
    assert repr(t.windows) == repr(_workbook_ticket().windows)


def test_tier_labels_and_annotations_go_on_that_tiers_alert_only():
    slo = SLO(service="shop", name="co", objective=99.9, sli=SLI,
              alerting=AlertingPolicy(page=_page(labels={"team": "pay"}, annotations={"summary": "Shop burns"})))
    compiled = compile_slo(slo, Settings())
    page, ticket = compiled.alert_for("page"), compiled.alert_for("ticket")
    assert dict(page.labels)["team"] == "pay" and "team" not in dict(ticket.labels)
    assert dict(page.annotations)["summary"] == "Shop burns"
    assert dict(ticket.annotations)["summary"] != "Shop burns"          # obskit's own stays on the other tier
    assert dict(page.labels)["severity"] == "critical"


@pytest.mark.parametrize("labels, code", [({"severity": "x"}, "reserved-label"), ({"obskit_tier": "x"}, "reserved-label"),
                                          ({"bad-name": "x"}, "bad-label"), ({"team": "a\nb"}, "bad-label-value")])
def test_tier_labels_obskit_sets_or_that_cannot_be_carried_are_refused(labels, code):
    with pytest.raises(DefinitionError) as exc:
        _page(labels=labels)
    assert [d.code for d in exc.value.diagnostics] == [code]
    assert exc.value.diagnostics[0].location.file == __file__


@pytest.mark.parametrize("by, slo_labels", [(("region",), {}), ((), {"region": "eu"})])
def test_a_tier_label_that_is_also_a_series_label_is_refused(by, slo_labels):
    sli = RatioSLI(total=SLI.total, errors=SLI.errors, by=by)
    with pytest.raises(DefinitionError) as exc:
        SLO(service="shop", name="co", objective=99.9, sli=sli, labels=slo_labels,
            alerting=AlertingPolicy(page=_page(labels={"region": "us"})))
    assert [d.code for d in exc.value.diagnostics] == ["tier-label-clash"]


@pytest.mark.tools
def test_built_rules_carry_the_tier_label_and_promtool_fires_with_it(tmp_path):
    (tmp_path / "slos").mkdir()
    (tmp_path / "slos" / "shop.py").write_text(textwrap.dedent('''
        from obskit import SLO, AlertingPolicy, RatioSLI
        from obskit import Tier
        page = Tier.page(labels={"team": "pay"})
        shop = SLO(service="shop", name="co", objective=99.9,
                   sli=RatioSLI(total='http_requests_total{job="shop"}',
                                errors='http_requests_total{job="shop",code=~"5.."}'),
                   alerting=AlertingPolicy(page=page))
    '''))
    run = subprocess.run([sys.executable, "-m", "obskit", "build", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    rules = [r for f in (tmp_path / "build").rglob("*.yml") if "rules" in str(f)
             for g in (yaml.safe_load(f.read_text()) or {}).get("groups", []) for r in g["rules"] if "alert" in r]
    pages = [r for r in rules if r.get("labels", {}).get("obskit_tier") == "page"]
    assert pages and all(r["labels"]["team"] == "pay" for r in pages)
    assert all("team" not in r.get("labels", {}) for r in rules if r.get("labels", {}).get("obskit_tier") != "page")
    test = subprocess.run([sys.executable, "-m", "obskit", "test", str(tmp_path)], capture_output=True, text=True)
    assert test.returncode == 0, test.stdout + test.stderr
