"""The rule model: validation where the rule is written, located errors, target-version gating,
and the CLI contract (exit 2, every problem reported, nothing written)."""
import inspect
import textwrap

import pytest

from obskit.compile.ir import AlertingRule
from obskit.compile.rules import compile_group
from obskit.duration import Duration
from obskit.errors import DefinitionError
from obskit.model.rules import AlertRule, RecordingRule, RuleGroup

OK = dict(severity="warning", summary="s", description="d")


def run_cli(*args):
    """The CLI in-process (fast); the exit code and output are those of ``obskit ARGS``."""
    import contextlib
    import io
    from types import SimpleNamespace
    from obskit.cli.main import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def _line() -> int:
    return inspect.currentframe().f_back.f_lineno


def _codes(exc) -> list:
    return [d.code for d in exc.value.diagnostics]


def test_alert_rule_compiles_to_ir():
    rule = AlertRule(name="HighErrorRate", expr="  x > 1\n", for_="5m", keep_firing_for="10m",
                     severity="critical", summary="S", description="D", runbook_url="https://r.example/x",
                     labels={"team": "a"}, annotations={"dashboard": "https://g.example/d"})
    group = compile_group(RuleGroup(name="g", interval="30s", limit=10, rules=(rule,)))
    ir = group.rules[0]
    assert isinstance(ir, AlertingRule)
    assert ir.expr == "x > 1" and ir.for_ == Duration(300) and ir.keep_firing_for == Duration(600)
    assert dict(ir.labels) == {"severity": "critical", "team": "a"}
    assert dict(ir.annotations) == {"summary": "S", "description": "D", "runbook_url": "https://r.example/x",
                                    "dashboard": "https://g.example/d"}
    assert group.interval == Duration(30) and group.limit == 10


def test_bad_promql_is_located_at_the_definition():
    with pytest.raises(DefinitionError) as exc:
        line = _line() + 1
        AlertRule(name="Broken", expr="sum(rate(x[5m]) > ", **OK)
    d = exc.value.diagnostics[0]
    assert d.code == "bad-promql" and "Broken" in d.obj
    assert d.location.file == __file__ and d.location.line == line


def test_recording_rule_bad_promql_located():
    with pytest.raises(DefinitionError) as exc:
        line = _line() + 1
        RecordingRule(record="job:x:rate5m", expr="rate(x[5m]")
    assert exc.value.diagnostics[0].location.line == line


def test_alert_names_must_be_non_empty():
    with pytest.raises(DefinitionError) as exc:
        AlertRule(name="", expr="x > 1", **OK)
    assert "bad-name" in _codes(exc)


@pytest.mark.parametrize("name", ["highErrorRate", "High_Error", "1High", "High-Error"])
def test_alert_names_off_camel_case_are_valid_prometheus(name):
    """Prometheus accepts any alert name; CamelCase is the lint's warning (alert-name)."""
    assert AlertRule(name=name, expr="x > 1", **OK).name == name


@pytest.mark.parametrize("record", ["job:http_requests:rate5m", "instance_path:requests:rate5m",
                                    "slo:sli_error:ratio_rate5m"])
def test_record_names_following_the_convention(record):
    assert RecordingRule(record=record, expr="x").record == record


@pytest.mark.parametrize("record", ["job:http-requests:rate", "9job:x:rate", "has space"])
def test_record_names_must_be_metric_names(record):
    with pytest.raises(DefinitionError) as exc:
        RecordingRule(record=record, expr="x")
    assert _codes(exc) == ["bad-name"]


@pytest.mark.parametrize("record", ["http_requests_rate5m", "job:http_requests", "a:b:c:d", "job::rate"])
def test_record_names_off_the_convention_are_valid_prometheus(record):
    """level:metric:operations is the lint's warning (record-name): large rule sets use other names."""
    assert RecordingRule(record=record, expr="x").record == record


def test_every_problem_of_an_alert_is_reported_together():
    with pytest.raises(DefinitionError) as exc:
        AlertRule(name="", expr="x >", severity=3, summary=1, description=" ", for_="5 minutes",
                  labels={"severity": "critical", "bad-label": "x"})
    assert sorted(_codes(exc)) == sorted(["bad-name", "bad-promql", "bad-severity", "bad-annotation",
                                          "bad-duration", "reserved-label", "bad-label"])


def test_for_zero_and_missing_conventions_are_valid():
    a = AlertRule(name="A", expr="x > 1", severity=None, summary=None, description=None, for_="0s")
    assert str(a.for_) == "0s" and a.all_labels == () and a.all_annotations == ()


def test_severity_is_any_label_value():
    for sev in ("critical", "warning", "info", "page", "P1"):   # non-standard ones: the lint warns
        assert AlertRule(name="A", expr="x > 1", severity=sev, summary="s", description="d").severity == sev


def test_summary_and_description_are_required_arguments():
    with pytest.raises(TypeError):
        AlertRule(name="A", expr="x > 1", severity="info", summary="s")  # no description


def test_group_validation():
    with pytest.raises(DefinitionError) as exc:
        RuleGroup(name="", interval="soon", limit=-1, rules=("not a rule",))
    assert sorted(_codes(exc)) == ["bad-duration", "bad-limit", "bad-name", "bad-rule"]
    with pytest.raises(DefinitionError) as exc:
        RuleGroup(name="g", rules=())
    assert _codes(exc) == ["empty-group"]


def _project(tmp_path, body: str, toml: str = ""):
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "mod.py").write_text(textwrap.dedent(body))
    if toml:
        (tmp_path / "obskit.toml").write_text(toml)
    return tmp_path


NEW_FIELDS = """\
from obskit.model.rules import AlertRule, RuleGroup
g = RuleGroup(name="g", query_offset="1m", labels={"team": "a"}, rules=(
    AlertRule(name="A", expr="x > 1", severity="info", summary="s", description="d"),
))
"""


def test_group_fields_newer_than_the_target_are_refused_with_the_version(tmp_path):
    proj = _project(tmp_path, NEW_FIELDS)
    res = run_cli("build", str(proj), "--no-verify")
    assert res.returncode == 2, res.stderr
    assert "alerts/mod.py:2: error [prometheus-version] rule group 'g': query_offset needs Prometheus 2.53" \
        in res.stderr
    assert "labels needs Prometheus 3.0" in res.stderr and "targets 2.42" in res.stderr
    assert not (proj / "build").exists()


def test_group_fields_allowed_when_the_target_has_them(tmp_path):
    proj = _project(tmp_path, NEW_FIELDS, '[project]\nprometheus_version = "3.0"\n')
    res = run_cli("build", str(proj), "--no-verify")
    assert res.returncode == 0, res.stderr
    text = (proj / "build" / "prometheus" / "rules" / "mod-alerts.yml").read_text()
    assert "query_offset: 1m" in text and "team: a" in text


def test_bad_definitions_exit_2_with_all_problems_and_keep_previous_output(tmp_path):
    proj = _project(tmp_path, """\
        from obskit.model.rules import AlertRule, RecordingRule, RuleGroup
        g = RuleGroup(name="g", rules=(
            AlertRule(name="A", expr="x > 1", severity="info", summary="s", description="d"),
        ))
    """)
    assert run_cli("build", str(proj), "--no-verify").returncode == 0
    before = (proj / "build" / "prometheus" / "rules" / "mod-alerts.yml").read_bytes()
    (proj / "alerts" / "mod.py").write_text(textwrap.dedent("""\
        from obskit.model.rules import AlertRule, RecordingRule, RuleGroup
        g = RuleGroup(name="g", rules=(
            AlertRule(name="", expr="x > 1", severity="info", summary="s", description="d"),
            RecordingRule(record="not-a-record", expr="sum(x"),
        ))
    """))
    res = run_cli("build", str(proj), "--no-verify")
    assert res.returncode == 2
    assert "alerts/mod.py:3: error [bad-name] alert ''" in res.stderr
    assert "alerts/mod.py:4: error [bad-name] recording rule 'not-a-record'" in res.stderr
    assert "alerts/mod.py:4: error [bad-promql]" in res.stderr
    assert "nothing was written" in res.stderr
    assert (proj / "build" / "prometheus" / "rules" / "mod-alerts.yml").read_bytes() == before


def test_keep_firing_for_is_refused_below_prometheus_242(tmp_path):
    proj = _project(tmp_path, """\
        from obskit.model.rules import AlertRule, RuleGroup
        g = RuleGroup(name="g", rules=(
            AlertRule(name="A", expr="x > 1", keep_firing_for="5m", severity="info", summary="s", description="d"),
        ))
    """, '[project]\nprometheus_version = "2.41"\n')
    res = run_cli("check", str(proj))
    assert res.returncode == 2
    assert "alerts/mod.py:3: error [prometheus-version] alert 'A' (group 'g'): keep_firing_for needs " \
           "Prometheus 2.42" in res.stderr
    (proj / "obskit.toml").write_text('[project]\nprometheus_version = "2.42"\n')
    assert run_cli("check", str(proj)).returncode == 0
