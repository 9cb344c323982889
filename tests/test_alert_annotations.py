"""Generated SLO alerts carry annotations a person on call can act on (issue #14, item 6): the burn
rate and error ratio now, the window pairs above their threshold, the runbook and the SLO's dashboard.
Rendered by every installed promtool (2.42 and 3.x) on series whose error ratio is exactly known."""
from __future__ import annotations

import pytest

from obskit import SLO, AlertingPolicy, RatioSLI, presets
from obskit.model.dashboard_uid import uid_from_name
from obskit.compile.slo import compile_slo
from obskit.duration import Duration
from obskit.errors import DefinitionError
from obskit.lint import gotemplate
from obskit.loader import load_settings
from obskit.project import GrafanaSettings, Settings
from obskit.verify.promtool_tests import AlertCheck, ExpectedAlert, PromtoolTest, PromtoolTestFile, static_annotations
from obskit.verify.runner import run_files
from obskit.verify.synth import synthesize
from obskit.verify.timeline import burn
from servers import require, versions

GRAFANA = Settings(grafana=GrafanaSettings(url="https://grafana.example.com/"))


def _slo(**kw) -> SLO:
    kw.setdefault("sli", presets.prometheus_client_http_availability({"job": "api"}))
    return SLO(service="api", name="availability", objective=99.9,
               runbook_url="https://runbooks.example.com/api/availability",
               alerting=AlertingPolicy(ticket=None, absent_for=None), **kw)


def test_annotations_of_a_tier_alert():
    page = dict(compile_slo(_slo(), GRAFANA).alert_for("page").annotations)
    assert sorted(page) == ["dashboard_url", "description", "runbook_url", "summary"]
    assert page["runbook_url"] == "https://runbooks.example.com/api/availability"
    assert page["dashboard_url"] == "https://grafana.example.com/d/" + uid_from_name("SLOs: api")
    assert "{{ $value | humanizePercentage }}" in page["summary"]
    assert 'printf "%v / 0.001" $value | query' in page["summary"]              # the burn rate
    for long, short in (("1h", "5m"), ("6h", "30m")):                            # each pair of the tier
        assert f"{long} and {short} above" in page["description"]
    for text in page.values():
        gotemplate.check(text)      # parses as Prometheus 2.42 reads templates


def test_no_dashboard_url_without_grafana_url_and_no_runbook_without_one():
    page = dict(compile_slo(SLO(service="api", name="availability", objective=99.9,
                                sli=presets.prometheus_client_http_availability({"job": "api"}))).alert_for("page")
                .annotations)
    assert sorted(page) == ["description", "summary"]


def test_absent_alert_links_the_dashboard():
    c = compile_slo(SLO(service="api", name="availability", objective=99.9, runbook_url="https://r.example.com/x",
                        sli=presets.prometheus_client_http_availability({"job": "api"})), GRAFANA)
    absent = dict(c.absent_alert.annotations)
    assert absent["dashboard_url"].startswith("https://grafana.example.com/d/")
    assert absent["runbook_url"] == "https://r.example.com/x"
    assert static_annotations(c.absent_alert.annotations) == c.absent_alert.annotations   # nothing to render


@pytest.mark.parametrize("text", ['[grafana]\nurl = "ftp://grafana"\n', '[grafana]\nurl = "grafana.example.com"\n',
                                  '[grafana]\nurl = 3\n'])
def test_grafana_url_must_be_http(tmp_path, text):
    (tmp_path / "obskit.toml").write_text(text)
    with pytest.raises(DefinitionError) as exc:
        load_settings(tmp_path)
    assert "[grafana] url" in str(exc.value)


def test_grafana_url_is_read(tmp_path):
    (tmp_path / "obskit.toml").write_text('[grafana]\nurl = "https://grafana.example.com/sub"\n')
    assert load_settings(tmp_path).grafana.url == "https://grafana.example.com/sub"


# -- rendered by promtool ----------------------------------------------------------------------

def _rendered(ratio: str, fired: str, burn_text: str) -> dict:
    where = "api availability SLO"
    return {
        "summary": f"{where} is burning its error budget at {burn_text}x ({ratio} errors)",
        "description": f"The availability SLO of api (99.9% over 30d) is spending its error budget at {burn_text}x "
                       f"the rate that would spend it in 30d: {ratio} of events failed over the short window. "
                       f"Above their threshold now: {fired}. The page fires at 14.4x over 1h and 5m (the 30d "
                       f"budget would last 2d2h), or 6x over 6h and 30m (the 30d budget would last 5d).",
        "runbook_url": "https://runbooks.example.com/api/availability",
        "dashboard_url": "https://grafana.example.com/d/slos-api",
    }


#: (burn, what renders): a steady burn from the first sample, so every window reads the same ratio
CASES = [
    (20, "2%", "1h and 5m above 14.4x, 6h and 30m above 6x", "20.0"),   # both pairs: $value is the 5m ratio
    (10, "1%", "6h and 30m above 6x", "10.0"),                            # only the slow pair: the 30m ratio
]


def _check(slo: SLO, cases) -> PromtoolTestFile:
    """One test per case: a steady burn of ``case[0]`` from the first sample (so every window reads
    the same ratio), the page checked 6h10m later with exactly the rendered annotations."""
    c = compile_slo(slo, GRAFANA)
    page = c.alert_for("page")
    labels = dict(c.series_labels, **dict(page.labels), alertname=page.alert)
    tests = []
    for factor, ratio, fired, burn_text in cases:
        series = tuple(synthesize(slo.sli, (burn(factor, "7h"),), Duration(60), slo.error_budget))
        expected = ExpectedAlert(tuple(sorted(labels.items())), tuple(sorted(_rendered(ratio, fired, burn_text).items())))
        tests.append(PromtoolTest(name=f"{factor}x burn", interval=Duration(60), series=series,
                                  alert_checks=(AlertCheck(EVAL, page.alert, (expected,)),)))
    return PromtoolTestFile(name="annotations", subject=slo.id, groups=c.groups(), evaluation_interval=Duration(60),
                            tests=tuple(tests))


EVAL = Duration(6 * 3600 + 600)


@pytest.mark.parametrize("version", versions("promtool"))
def test_annotations_render_with_real_numbers(version):
    """promtool renders $value, humanizePercentage, the burn-rate query and the per-pair queries."""
    tool = require("promtool", version)
    (result,) = run_files([_check(_slo(), CASES)], tool=tool)
    assert result.ok, result.output


@pytest.mark.parametrize("version", versions("promtool"))
def test_annotations_of_an_slo_with_by_labels_read_their_own_series(version):
    """With ``by``, each alert's window check queries its own series (``$labels``): region eu burns
    at 20x (both pairs above), us at 10x (only the slow pair); each page says so of itself."""
    tool = require("promtool", version)
    slo = _slo(sli=RatioSLI(total='requests_total{app="api"}', errors='requests_total{app="api",code=~"5.."}',
                            by=("region",)))
    c = compile_slo(slo, GRAFANA)
    page = c.alert_for("page")
    series, expected = [], []
    for region, (factor, ratio, fired, burn_text) in zip(("eu", "us"), CASES):
        for s in synthesize(slo.sli, (burn(factor, "7h"),), Duration(60), slo.error_budget):
            s.labels = dict(s.labels, region=region)
            series.append(s)
        labels = dict(c.series_labels, **dict(page.labels), alertname=page.alert, region=region)
        expected.append(ExpectedAlert(tuple(sorted(labels.items())),
                                      tuple(sorted(_rendered(ratio, fired, burn_text).items()))))
    f = PromtoolTestFile(name="annotations-by", subject=slo.id, groups=c.groups(), evaluation_interval=Duration(60),
                         tests=(PromtoolTest(name="two regions", interval=Duration(60), series=tuple(series),
                                             alert_checks=(AlertCheck(EVAL, page.alert, tuple(expected)),)),))
    (result,) = run_files([f], tool=tool)
    assert result.ok, result.output
