"""Values that cannot be carried into the output are refused where they are written, with the limit they
hit (#15 item 3): control characters in label values and names, names longer than Kubernetes and Grafana
accept."""
import textwrap

import pytest

from obskit import SLO, RatioSLI
from obskit.errors import DefinitionError
from obskit.model.dashboards import Dashboard
from obskit.model.rules import AlertRule, RuleGroup
from test_build_cli import cli

SLI = RatioSLI(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}')
RULE = dict(name="QueueHigh", expr="queue_depth > 100", severity="warning", summary="s", description="d")


@pytest.mark.parametrize("make, code, says", [
    (lambda: SLO(service="api", name="a", objective=99.9, sli=SLI, labels={"team": "pay\nments"}),
     "bad-label-value", "labels: the value of 'team' holds a newline (U+000A) at position 3"),
    (lambda: AlertRule(**RULE, labels={"team": "a\tb"}), "bad-label-value", "a tab (U+0009)"),
    (lambda: AlertRule(**{**RULE, "description": "bad \x00 byte"}), "bad-annotation", "(U+0000)"),
    (lambda: AlertRule(**RULE, annotations={"dashboard": "x\x1by"}), "bad-label-value", "a control character (U+001B)"),
    (lambda: AlertRule(**{**RULE, "name": "Queue\nHigh"}), "bad-name", "the alert name holds a newline"),
    (lambda: RuleGroup(name="queue\talerts", rules=(AlertRule(**RULE),)), "bad-name", "the group name holds a tab"),
    (lambda: SLO(service="api", name="a", objective=99.9, sli=SLI, description="fast\x07"), "bad-text",
     "description holds a control character (U+0007)"),
    (lambda: SLO(service="api", name="a", objective=99.9, sli=SLI, runbook_url="https://wiki/run book"),
     "bad-url", "holds whitespace"),
    (lambda: Dashboard({"title": "x", "uid": "u" * 41}, folder="F"), "bad-uid", "1-40 characters"),
])
def test_refused_where_written(make, code, says):
    with pytest.raises(DefinitionError) as exc:
        make()
    [d] = exc.value.diagnostics
    assert d.code == code and says in d.message, str(d)
    assert d.location.file == __file__


def test_multiline_annotations_and_descriptions_stay_allowed():
    AlertRule(**{**RULE, "description": "line one\n\tline two"}, annotations={"details": "a\nb"})
    SLO(service="api", name="a", objective=99.9, sli=SLI, description="two\nlines")


def test_names_longer_than_kubernetes_accepts(tmp_path):
    service = "s" * 250
    proj = tmp_path / "p"
    (proj / "slos").mkdir(parents=True)
    (proj / "alerts").mkdir()
    (proj / "slos" / "long.py").write_text(textwrap.dedent(f'''
        from obskit import SLO, RatioSLI
        long = SLO(service="{service}", name="availability", objective=99.9,
                   sli=RatioSLI(total='t_total{{job="x"}}', errors='t_total{{job="x",code="500"}}'))
        '''))
    (proj / "alerts" / "queue.py").write_text(textwrap.dedent(f'''
        from obskit.model.rules import AlertRule, RuleGroup
        g = RuleGroup(name="{'g' * 250}", rules=(AlertRule(name="QueueHigh", expr="q > 1", severity="warning",
                                                                   summary="s", description="d"),))
        '''))
    r = cli("check", proj, "--no-verify")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "slos/long.py:3: error [name-too-long]" in r.stderr and "at most 253" in r.stderr, r.stderr
    assert "alerts/queue.py:3: error [name-too-long]" in r.stderr, r.stderr
