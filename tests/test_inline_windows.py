"""A fast tier's alert computing its windows inline from the base rates fires exactly when the alert
reading the recorded windows did (the shape before #18), on the same series, both evaluated by real
promtool in one rule group: at every evaluation the same label sets fire with the same ``$value`` (the
short window's error ratio) and the same rendered description (its "Above their threshold now" list
reads the inline ratios, the old one the recorded windows)."""
import re
from dataclasses import replace

import pytest

from obskit import SLO, AlertingPolicy, RatioSLI
from obskit.compile.ir import RuleGroup
from obskit.compile.slo import compile_slo, inline_windows, tier_alert
from obskit.duration import Duration
from obskit.project import Settings
from obskit.verify.promtool_tests import AlertCheck, PromtoolTest, PromtoolTestFile
from obskit.verify import tools
from obskit.verify.runner import run_files
from obskit.verify.synth import synthesize
from obskit.verify.timeline import Phase, burn, gap, healthy, outage, quiet, total_duration

SLI = dict(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}')
BY_SLI = dict(total='http_requests_total{job="api",region=~"eu|us"}',
              errors='http_requests_total{job="api",region=~"eu|us",code=~"5.."}', by=("region",))


def _slo(sli=SLI, **policy):
    return SLO(service="api", name="availability", objective=99.9, sli=RatioSLI(**sli),
               alerting=AlertingPolicy(ticket=None, **policy))


SCENARIOS = {
    "fast burn": (healthy("6h"), burn(20, "1h"), healthy("1h")),
    "slow burn": (healthy("6h"), burn(8, "5h")),
    "outage and recovery": (healthy("6h"), outage("20m"), healthy("40m")),
    "around the 14.4x threshold": (healthy("6h"), burn(14.3, "90m"), burn(14.6, "90m")),
    # busy hours then quiet ones (10x less traffic), errors at 7x the budget share throughout
    "uneven traffic": (healthy("6h"), Phase(Duration(3 * 3600), 50, burn=7), Phase(Duration(3 * 3600), 5, burn=7)),
    # zero traffic (the recorded windows are 0, the inline ratios have no sample), then no data at all
    "quiet, then missing, then an outage": (healthy("6h"), outage("10m"), quiet("30m"), gap("20m"), outage("30m")),
}
_GOT = re.compile(r"alertname: (\S+), time: (\S+),\s*\n\s*exp:\[\],\s*got:(.*?)(?=\n\s*name: |\Z)", re.S)


def _firing(output: str, name: str) -> dict:
    """Seconds → the alerts promtool reported firing (labels, $value and description as rendered)."""
    return {Duration.parse(t).seconds: got.replace(name, "ALERT").strip()
            for n, t, got in _GOT.findall(output) if n == name}


def _run(slo: SLO, phases, evaluation_interval: int, version: str = "2.42"):
    if not tools.tool_available("promtool", version):
        pytest.skip(f"promtool {version} is not installed")
    settings = Settings(evaluation_interval=evaluation_interval)
    c = compile_slo(slo, settings)
    page = slo.alerting.page
    assert inline_windows(slo, page, evaluation_interval)
    new = c.alert_for("page")
    old = tier_alert(slo, page, c.series_labels, settings, inline=False)
    windows = lambda rule: {r for r in c.reads(rule) if r.startswith("slo:sli_error:ratio_rate")}  # noqa: E731
    assert not windows(new) and windows(old), "the new alert reads no recorded window, the old one does"
    value = (("value", "{{ $value }}"),)
    keep = tuple(a for a in new.annotations if a[0] == "description")
    new = replace(new, alert="InlineWindows", annotations=keep + value)
    old = replace(old, alert="RecordedWindows",
                  annotations=tuple(a for a in old.annotations if a[0] == "description") + value)
    # today's -sli group before #18: base rates, every window, the alert; the new alert beside it
    group = RuleGroup("g", tuple(c.window_rules) + (old, new))
    series = tuple(synthesize(slo.sli, phases, Duration(60), slo.error_budget))
    e = Duration(evaluation_interval)
    end = total_duration(phases).seconds
    checks = tuple(AlertCheck(Duration(t), name) for t in range(e.seconds, end + 1, e.seconds)
                   for name in ("InlineWindows", "RecordedWindows"))
    f = PromtoolTestFile(name=f"inline-{evaluation_interval}", subject=slo.id, groups=(group,),
                         evaluation_interval=e,
                         tests=(PromtoolTest(name="every step", interval=Duration(60), series=series,
                                             alert_checks=checks),))
    (result,) = run_files([f], tool=tools.pick("promtool", version))
    assert not result.ok and "FAILED:" in result.output, result.output[-2000:]
    return _firing(result.output, "InlineWindows"), _firing(result.output, "RecordedWindows")


@pytest.mark.parametrize("version, interval", [("2.42", 30), ("2.42", 60), ("3.16", 30)])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_inline_page_fires_exactly_when_the_recorded_one_did(name, version, interval, promtool):
    inline, recorded = _run(_slo(), SCENARIOS[name], interval, version)
    assert recorded, "the scenario must make the page fire"
    assert sorted(inline) == sorted(recorded)
    assert inline == recorded        # the same label sets, $value and description at every step


@pytest.mark.parametrize("policy", [dict(), dict(min_events=2000)], ids=["errors guard", "min_events"])
@pytest.mark.parametrize("version", ["2.42", "3.16"])
def test_inline_page_with_by_labels_and_guards(policy, version, promtool):
    phases = (healthy("6h"), outage("15m"), healthy("1h"), burn(8, "3h"))
    inline, recorded = _run(_slo(BY_SLI, **policy), phases, 60, version)
    assert recorded and inline == recorded
    assert all("region" in got for got in recorded.values())
