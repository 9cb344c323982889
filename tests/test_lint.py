"""The offline rule lint: every check with a failing and a passing case, located findings,
``lint_disable``, and the CLI (``obskit check`` exit codes; ``obskit build`` fails on errors and
prints warnings)."""
import inspect
import textwrap
from pathlib import Path

import pytest

from conftest import run_cli as run_cli_process
from obskit.lint import lint
from obskit.model.rules import AlertRule, RecordingRule, RuleGroup
from obskit.project import Project, Settings

HERE = str(Path(__file__).resolve())


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


def alert(expr="x > 1", name="A", **kw):
    args = dict(severity="warning", summary="s", description="d")
    args.update(kw)
    return AlertRule(name=name, expr=expr, **args)


def findings(*groups, settings=Settings(), code=None):
    diags = lint(Project(root=Path(HERE).parent, settings=settings, definitions=tuple(groups)))
    return [d for d in diags if code is None or d.code == code]


def one_group(*rules, **kw):
    return RuleGroup(name=kw.pop("name", "g"), rules=rules, **kw)


# --- alert-always-fires -------------------------------------------------------------------------
@pytest.mark.parametrize("expr", ["up", "vector(1)", "sum(rate(x[5m]))", "x > bool 1", "sum(x) or vector(0)",
                                  "rate(x[5m]) * 100", "1 + 1"])
def test_alert_without_condition(expr):
    line = inspect.currentframe().f_lineno + 1
    rule = AlertRule(name="A", expr=expr, severity="warning", summary="s", description="d")
    [d] = findings(one_group(rule), code="alert-always-fires")
    assert d.severity == "error" and d.location.line == line and d.location.file == HERE
    assert "alert 'A'" in d.obj


@pytest.mark.parametrize("expr", ["x > 1", "absent(up{job='a'})", "x and y", "x unless y", "(x > 1) * 2",
                                  "sum(x > 1)", "max_over_time((x > 1)[5m:1m])", "x > 1 or y < 2", "(sum(x) or vector(0)) == 0"])
def test_alert_with_condition(expr):
    assert findings(one_group(alert(expr)), code="alert-always-fires") == []


def test_lint_disable_for_a_deliberate_watchdog():
    watchdog = alert("vector(1)", name="Watchdog", lint_disable=("alert-always-fires",))
    assert findings(one_group(watchdog)) == []


# --- template-label-missing ----------------------------------------------------------------------
@pytest.mark.parametrize("expr,template", [
    ('sum(rate(x[5m])) / sum(rate(y[5m])) > 0.05', "for {{ $labels.instance }}"),
    ("sum by (job) (x) > 1", "{{ $labels.pod }}"),
    ("sum without (pod) (x) > 1", "{{ .Labels.pod }}"),
    ("histogram_quantile(0.99, sum by (le) (rate(b[5m]))) > 1", "{{ $labels.le }}"),
    ('absent(up{job="a"})', "{{ $labels.instance }}"),
    ("count(x) > 1", '{{ index $labels "job" }}'),
])
def test_template_uses_aggregated_label(expr, template):
    [d] = findings(one_group(alert(expr, description=template)), code="template-label-missing")
    assert "aggregated away" in d.message and d.severity == "error"


@pytest.mark.parametrize("expr,template", [
    ("x > 1", "{{ $labels.anything }}"),
    ("sum by (job, pod) (x) > 1", "{{ $labels.pod }} of {{ $labels.job }}"),
    ("sum without (le) (x) > 1", "{{ $labels.pod }}"),
    ('absent(up{job="a"})', "{{ $labels.job }}"),
    ('label_replace(sum(x), "dst", "$1", "a", "(.*)") > 1', "{{ $labels.dst }}"),
    ("sum by (job) (x) / on (job) group_left (team) sum by (job, team) (y) > 1", "{{ $labels.team }}"),
])
def test_template_uses_kept_label(expr, template):
    assert findings(one_group(alert(expr, description=template)), code="template-label-missing") == []


@pytest.mark.parametrize("template", [
    '{{ range query "up == 0" }}{{ .Labels.instance }} {{ end }}',
    '{{- range query "sum by (pod) (x)" }} - {{ .Labels.pod }} {{- end }}',
    '{{ with query "count(up)" }}{{ . | first | value }}{{ .Labels.job }}{{ end }}',
    '{{ range $i, $s := query "up" }}{{ $s.Labels.instance }}{{ end }}',
    '{{ define "t" }}{{ .Labels.pod }}{{ end }}',
])
def test_labels_of_query_samples_are_not_the_alerts(template):
    """Inside range/with the dot is the query's sample: its labels are not the alert's (Ceph)."""
    assert findings(one_group(alert("sum(x) > 1", description=template)), code="template-label-missing") == []


@pytest.mark.parametrize("template", [
    '{{ range query "up" }}{{ $labels.pod }}{{ end }}',          # $labels is the alert's everywhere
    '{{ range query "up" }}{{ $.Labels.pod }}{{ end }}',         # and so is $
    '{{ with query "up" }}x{{ else }}{{ .Labels.pod }}{{ end }}',  # else: the outer dot
    '{{ range query "up" }}{{ end }}{{ .Labels.pod }}',           # after end
])
def test_alert_labels_inside_and_after_range_are_still_checked(template):
    [d] = findings(one_group(alert("sum(x) > 1", description=template)), code="template-label-missing")
    assert "pod" in d.message


def test_template_label_check_covers_labels_and_summary():
    rule = alert("sum(x) > 1", summary="{{ $labels.a }}", labels={"where": "{{ $labels.b }}"})
    found = {d.message.split()[1] for d in findings(one_group(rule), code="template-label-missing")}
    assert found == {"'summary'", "'where'"}


# --- rate-range-too-short -----------------------------------------------------------------------
def test_rate_range_shorter_than_two_scrape_intervals():
    rules = one_group(alert("rate(x[1m]) > 1"), alert("increase(y[90s]) > 1", name="B"))
    found = findings(rules, settings=Settings(scrape_interval=60), code="rate-range-too-short")
    found = sorted(found, key=lambda d: d.obj)
    assert [d.obj.split()[1] for d in found] == ["'A'", "'B'"]
    assert "rate(x[1m])" in found[0].message and "2m" in found[0].hint and "1m30s" in found[1].message


def test_rate_range_depends_on_the_project_scrape_interval():
    rules = one_group(alert("rate(x[1m]) > 1"))
    assert findings(rules, settings=Settings(scrape_interval=15), code="rate-range-too-short") == []
    assert findings(one_group(alert("rate(x[2m]) > 1")), settings=Settings(scrape_interval=60),
                    code="rate-range-too-short") == []


def test_rate_of_recorded_series_is_measured_against_the_evaluation_interval():
    rules = one_group(RecordingRule(record="job:x:rate1m", expr="rate(job:x:sum[1m])"))
    assert findings(rules, settings=Settings(scrape_interval=15, evaluation_interval=60),
                    code="rate-range-too-short")
    assert not findings(rules, settings=Settings(scrape_interval=60, evaluation_interval=15),
                        code="rate-range-too-short")


# --- duplicates ----------------------------------------------------------------------------------
def test_duplicate_rules_and_groups():
    a = alert("x > 1")
    g1 = one_group(a, alert("x  >  1"), name="dup")
    g2 = one_group(alert("y > 1", name="B"), name="dup")
    codes = sorted(d.code for d in findings(g1, g2))
    assert codes == ["duplicate-group", "duplicate-rule"]
    [group] = findings(g1, g2, code="duplicate-group")
    assert group.severity == "error" and "same rule file" in group.message


def test_duplicate_recorded_series():
    g = one_group(RecordingRule(record="job:x:sum", expr="sum by (job) (x)"),
                  RecordingRule(record="job:x:sum", expr="sum by (job) (x_total)"))
    [d] = findings(g, code="duplicate-rule")
    assert "same labels" in d.message
    ok = one_group(RecordingRule(record="job:x:sum", expr="sum by (job) (x)", labels={"src": "a"}),
                   RecordingRule(record="job:x:sum", expr="sum by (job) (x_total)", labels={"src": "b"}))
    assert findings(ok, code="duplicate-rule") == []


@pytest.mark.parametrize("a, b", [
    ('sum by (code) (rate(x{code="500"}[5m]))', 'sum by (code) (rate(x{code="200"}[5m]))'),
    ('sum by (code) (rate(x{code=~"5.."}[5m]))', 'sum by (code) (rate(x{code=~"2..|3.."}[5m]))'),
    ('sum by (job, code) (rate(x{code=~"4..|5.."}[5m]))', 'sum by (job) (rate(x[5m]))'),   # one drops code
    ('sum by (le) (rate(h_bucket{le="1"}[5m]))', 'sum by (le) (rate(h_bucket{le=~"2|5"}[5m]))'),
])
def test_recording_rules_over_disjoint_label_classes_are_not_duplicates(a, b):
    g = one_group(RecordingRule(record="job:x:rate5m", expr=a), RecordingRule(record="job:x:rate5m", expr=b))
    assert findings(g, code="duplicate-rule") == []


def test_recording_rules_that_may_write_the_same_series_warn():
    """Where the overlap depends on the data (two metrics' label sets), a warning, not an error."""
    g = one_group(RecordingRule(record="job:x:rate5m", expr='rate(x{code=~"5.."}[5m])'),
                  RecordingRule(record="job:x:rate5m", expr='rate(y[5m])'))
    [d] = findings(g, code="duplicate-rule")
    assert d.severity == "warning"
    g = one_group(RecordingRule(record="job:x:rate5m", expr='sum by (code) (rate(x{code=~"5.."}[5m]))'),
                  RecordingRule(record="job:x:rate5m", expr='sum by (code) (rate(x{code=~"50."}[5m]))'))
    [d] = findings(g, code="duplicate-rule")      # 5.. and 50. overlap: both write code="500"
    assert d.severity == "error"


def test_same_alert_name_with_different_expressions_is_fine():
    g = one_group(alert("x > 1", severity="warning"), alert("x > 5", severity="critical"))
    assert findings(g) == []


# --- group interval and size ---------------------------------------------------------------------
def test_group_interval_above_five_minutes_warns():
    [d] = findings(one_group(alert(), interval="10m"), code="group-interval-long")
    assert d.severity == "warning"
    assert findings(one_group(alert(), interval="5m"), code="group-interval-long") == []


def test_more_than_twenty_rules_warns():
    many = [alert(f"x > {i}", name=f"A{i}") for i in range(21)]
    [d] = findings(one_group(*many), code="group-too-many-rules")
    assert d.severity == "warning" and "21 rules" in d.message
    assert findings(one_group(*many[:20]), code="group-too-many-rules") == []


# --- templates -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["{{ $value | humanizePercent }}", "{{ $labels.x", "{{ if true }}x",
                                  "{{ $undefined }}", "{{ end }}"])
def test_template_that_does_not_parse(text):
    [d] = findings(one_group(alert(description=text)), code="template-syntax")
    assert d.severity == "error" and "description" in d.message


@pytest.mark.parametrize("text", ["{{ $value | humanizePercentage }}", "{{ printf \"%.1f\" $value }}",
                                  "{{ if gt $value 1.0 }}high{{ else }}low{{ end }}", "plain"])
def test_template_that_parses(text):
    assert findings(one_group(alert(description=text)), code="template-syntax") == []


# --- severity and annotations on generated rules -------------------------------------------------
def test_ir_level_checks_on_generated_rules():
    from obskit.compile.ir import AlertingRule
    from obskit.lint.alerts import annotations, severity
    from obskit.lint.subjects import RuleSubject, Subjects
    from obskit.location import Location
    bad = AlertingRule(alert="X", expr="x > 1", labels=(("severity", "page"),), annotations=(("summary", "s"),))
    good = AlertingRule(alert="Y", expr="x > 1", labels=(("severity", "info"),),
                        annotations=(("summary", "s"), ("description", "d")))
    subjects = Subjects(groups=(), rules=tuple(RuleSubject(r, "g", "f", Location("slos/x.py", 3), generated=True)
                                               for r in (bad, good)))
    sev = [d for d in severity(subjects, Settings()) if d]
    ann = [d for d in annotations(subjects, Settings()) if d]
    assert [d.obj for d in sev] == ["alert 'X' (group 'g')"] and "'page'" in sev[0].message
    assert [d.message.split(" (")[0] for d in ann] == ["alert has no description annotation"]


def test_repository_rules_lint_clean(root):
    """The reference alerts and the SLO-generated rules have no finding, not even a warning."""
    from obskit.loader import load_project
    assert lint(load_project(root)) == []


# --- CLI -----------------------------------------------------------------------------------------
def _project(tmp_path, body: str) -> Path:
    (tmp_path / "alerts").mkdir(parents=True)
    (tmp_path / "alerts" / "mod.py").write_text(textwrap.dedent(body))
    return tmp_path


WARN_ONLY = """\
from obskit.model.rules import AlertRule, RuleGroup
g = RuleGroup(name="g", interval="10m", rules=(
    AlertRule(name="A", expr="x > 1", severity="info", summary="s", description="d"),
))
"""

WITH_ERRORS = """\
from obskit.model.rules import AlertRule, RuleGroup
g = RuleGroup(name="g", interval="10m", rules=(
    AlertRule(name="A", expr="sum(rate(x[30s]))", severity="info", summary="s",
              description="{{ $labels.pod }}"),
))
"""


def test_check_exit_codes_and_located_output(tmp_path):
    ok = _project(tmp_path / "ok", WARN_ONLY)
    res = run_cli_process("check", str(ok))   # once through a real process: exit code and streams
    assert res.returncode == 0, res.stderr
    assert "alerts/mod.py:2: warning [group-interval-long] rule group 'g'" in res.stderr
    assert "0 error(s), 1 warning(s)" in res.stdout

    bad = _project(tmp_path / "bad", WITH_ERRORS)
    res = run_cli_process("check", str(bad))
    assert res.returncode == 2
    for code in ("alert-always-fires", "rate-range-too-short", "template-label-missing"):
        assert f"alerts/mod.py:3: error [{code}] alert 'A' (group 'g')" in res.stderr
    assert "alerts/mod.py:2: warning [group-interval-long]" in res.stderr
    assert "3 error(s), 1 warning(s)" in res.stdout


def test_check_reports_definition_errors_too(tmp_path):
    proj = _project(tmp_path, "from obskit.model.rules import RecordingRule, RuleGroup\n"
                              "g = RuleGroup(name='g', rules=(RecordingRule(record='x-y', expr='x'),))\n")
    res = run_cli("check", str(proj))
    assert res.returncode == 2 and "alerts/mod.py:2: error [bad-name]" in res.stderr   # not a metric name


def test_conventions_are_warnings_that_lint_disable_switches_off(tmp_path):
    """Valid Prometheus off the conventions (record names, CamelCase, severities, annotations,
    ``for: 0s``) builds: warnings, never errors; ``lint_disable`` silences each."""
    body = """\
        from obskit.model.rules import AlertRule, RecordingRule, RuleGroup
        g = RuleGroup(name="g", rules=(
            RecordingRule(record="instance_cpu_usage", expr="sum by (instance) (rate(cpu[5m]))"{rec}),
            AlertRule(name="cpu-high", expr="instance_cpu_usage > 1", for_="0s", severity="page",
                      summary=None, description="", runbook_url="wiki/cpu"{al}),
        ))
    """
    proj = _project(tmp_path / "on", body.format(rec="", al=""))
    res = run_cli("check", str(proj))
    assert res.returncode == 0, res.stderr
    for code in ("record-name", "alert-name", "severity", "missing-annotation", "runbook-url"):
        assert f"warning [{code}]" in res.stderr, code
    assert "error" not in res.stderr
    off = _project(tmp_path / "off", body.format(
        rec=", lint_disable=('record-name',)",
        al=", lint_disable=('alert-name', 'severity', 'missing-annotation', 'runbook-url')"))
    res = run_cli("check", str(off))
    assert res.returncode == 0 and res.stderr == "", res.stderr
    assert run_cli("build", str(off), "--no-verify").returncode == 0
    text = (off / "build" / "prometheus" / "rules" / "mod-alerts.yml").read_text()
    assert "for: 0s" in text and "severity: page" in text and "summary" not in text


def test_build_fails_on_lint_errors_and_prints_warnings(tmp_path):
    bad = _project(tmp_path / "bad", WITH_ERRORS)
    res = run_cli("build", str(bad), "--no-verify")
    assert res.returncode == 2 and "[alert-always-fires]" in res.stderr and "[group-interval-long]" in res.stderr
    assert not (bad / "build").exists()

    ok = _project(tmp_path / "ok", WARN_ONLY)
    res = run_cli("build", str(ok), "--no-verify")
    assert res.returncode == 0
    assert "warning [group-interval-long]" in res.stderr
    assert (ok / "build" / "prometheus" / "rules" / "mod-alerts.yml").exists()


def test_alert_file_clashing_with_an_slo_file_is_an_error(tmp_path):
    proj = _project(tmp_path, WARN_ONLY.replace('interval="10m", ', ""))
    (proj / "alerts" / "mod.py").rename(proj / "alerts" / "api.py")
    (proj / "slos").mkdir()
    (proj / "slos" / "api.py").write_text(textwrap.dedent("""\
        from obskit import SLO, presets
        s = SLO(service="api-alerts", name="availability", objective=99.9,
                sli=presets.prometheus_client_http_availability({"job": "api"}))
    """))
    res = run_cli("check", str(proj))
    assert res.returncode == 2
    assert "error [output-clash] rule group 'g'" in res.stderr and "api-alerts.yml" in res.stderr


def test_the_gateway_write_up_bug_is_caught():
    """llm-inference-gateway.md's HighErrorRate, as written: its description reads
    $labels.instance after sum() removed it (alerts/llm_gateway.py names the job instead)."""
    as_written = AlertRule(
        name="HighErrorRate",
        expr='(sum(rate(http_requests_total{job="llm-gateway",status=~"5.."}[5m]))'
             ' / sum(rate(http_requests_total{job="llm-gateway"}[5m]))) > 0.05',
        for_="5m", severity="critical", summary="High error rate detected",
        description="Error rate is {{ $value | humanizePercentage }} for {{ $labels.instance }}")
    [d] = findings(one_group(as_written))
    assert d.code == "template-label-missing" and "$labels.instance" in d.message


def test_module_names_must_make_valid_kubernetes_names(tmp_path):
    proj = _project(tmp_path, WARN_ONLY.replace('interval="10m", ', ""))
    (proj / "alerts" / "mod.py").rename(proj / "alerts" / "MyAlerts.py")
    res = run_cli("check", str(proj))
    assert res.returncode == 2 and "alerts/MyAlerts.py:2: error [output-name]" in res.stderr
    (proj / "alerts" / "MyAlerts.py").rename(proj / "alerts" / "my_alerts.py")
    assert run_cli("check", str(proj)).returncode == 0
