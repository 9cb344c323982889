"""The rule-cost benchmark's other shapes (bench/rule_shapes.py): Sloth's and Pyrra's groups as they
generate them, from obskit SLO definitions, load in real Prometheus; the CPU span holds whole
evaluations of every group."""
import subprocess
import sys
from pathlib import Path

import pytest

from obskit import SLO, RatioSLI
from obskit.compile.ir import RuleFile
from obskit.duration import Duration
from obskit.render import prometheus_rules
import servers

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from rule_cost import groups_for, span_for  # noqa: E402
from rule_shapes import pyrra_groups, sloth_groups  # noqa: E402

SLI = RatioSLI(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}')


def slo():
    return SLO(service="api", name="availability", objective=99.9, sli=SLI)


def test_sloth_shape_is_sloths():
    sli, meta, alerts = sloth_groups(slo())
    assert [g.name for g in (sli, meta, alerts)] == ["sloth-slo-sli-recordings-api-availability",
                                                    "sloth-slo-meta-recordings-api-availability",
                                                    "sloth-slo-alerts-api-availability"]
    assert all(g.interval is None for g in (sli, meta, alerts))          # the global interval
    windows = [r.record for r in sli.rules]
    assert windows == [f"slo:sli_error:ratio_rate{w}" for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d")]
    assert sli.rules[2].expr == ('(sum(rate(http_requests_total{job="api",code=~"5.."}[1h])))\n/\n'
                                 '(sum(rate(http_requests_total{job="api"}[1h])))')
    assert sli.rules[-1].expr.startswith("sum_over_time(slo:sli_error:ratio_rate5m{")     # mean of the 5m ratio
    assert len(meta.rules) == 7 and len(alerts.rules) == 2
    assert sum(len(g.rules) for g in (sli, meta, alerts)) == 17


def test_pyrra_shape_is_pyrras():
    increase, burnrates = pyrra_groups(slo())
    assert increase.interval == Duration(150) and burnrates.interval == Duration(30)
    assert increase.rules[0].record == "http_requests:increase30d"
    assert increase.rules[0].expr == 'sum by (code) (increase(http_requests_total{job="api"}[30d]))'
    assert increase.rules[1].alert == "SLOMetricAbsent"
    assert [r.record for r in burnrates.rules[:7]] == [f"http_requests:burnrate{w}"
                                                       for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d")]
    assert [r.for_ for r in burnrates.rules[7:]] == [Duration(120), Duration(960), Duration(3840), Duration(11580)]
    assert sum(len(g.rules) for g in (increase, burnrates)) == 13


def test_span_holds_whole_evaluations_of_every_group():
    assert span_for(groups_for("sloth", [slo()], 30), 30) == 240
    assert span_for(groups_for("pyrra", [slo()], 30), 30) == 300          # 2 x 2m30s, 10 x 30s
    assert span_for(groups_for("obskit", [slo()], 30), 30) == 240         # the 4m group once


@pytest.mark.tools
@pytest.mark.parametrize("version", ["2.42", "3.16"])
@pytest.mark.parametrize("shape", ["sloth", "pyrra", "obskit"])
def test_shapes_load_in_prometheus(shape, version, tmp_path):
    promtool = servers.require("promtool", version)
    path = tmp_path / "rules.yml"
    path.write_bytes(prometheus_rules.render(RuleFile(shape, groups_for(shape, [slo()], 30))))
    done = subprocess.run([promtool.path, "check", "rules", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
