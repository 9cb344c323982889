"""Checks of single rules: a condition, templates (errors: the rule provably does not do what it
says), and the conventions (warnings: valid Prometheus that strays from them, switched off with
``lint_disable``): severity, summary/description, CamelCase alert names, ``level:metric:operations``
record names, http(s) runbook URLs."""
from __future__ import annotations

from typing import Iterator

from obskit.compile.ir import AlertingRule, RecordingRule
from obskit.lint import gotemplate
from obskit.lint.base import ERROR, WARNING, finding
from obskit.promql_ast import has_condition, is_constant, output_labels, parsed
from obskit.lint.subjects import Subjects
from obskit.model.rules import ALERT_NAME, RECORD_NAME, SEVERITIES
from obskit.project import Settings


def _alerts(subjects: Subjects):
    return [s for s in subjects.rules if isinstance(s.rule, AlertingRule)]


def always_fires(subjects: Subjects, settings: Settings) -> Iterator:
    """alert-always-fires: an alert expression without a condition fires whenever its series exist."""
    for s in _alerts(subjects):
        ast = parsed(s.rule.expr)
        if ast is None or has_condition(ast):
            continue
        if is_constant(ast):
            msg = f"expression {s.rule.expr!r} is a constant: the alert fires at every evaluation"
        else:
            msg = (f"expression {s.rule.expr!r} has no condition (no comparison such as '> 0.05', no "
                   "absent(), no and/unless): the alert fires whenever the series exist")
        yield finding(s, "alert-always-fires", msg,
                      hint="add the threshold comparison; for a deliberate always-firing alert "
                           "(a Watchdog) set lint_disable=('alert-always-fires',)")


def _templates(rule: AlertingRule):
    for kind, pairs in (("label", rule.labels), ("annotation", rule.annotations)):
        for name, text in pairs:
            yield kind, name, text


def template_syntax(subjects: Subjects, settings: Settings) -> Iterator:
    """template-syntax: label and annotation templates must parse as Go templates."""
    for s in _alerts(subjects):
        for kind, name, text in _templates(s.rule):
            try:
                gotemplate.check(text)
            except gotemplate.TemplateError as exc:
                yield finding(s, "template-syntax", f"{kind} {name!r}: template does not parse: {exc}",
                              hint="Prometheus templates are Go text/template with $labels, $value and "
                                   "functions such as humanize, humanizePercentage, printf")


def template_labels(subjects: Subjects, settings: Settings) -> Iterator:
    """template-label-missing: a template reads a label the query's result cannot have."""
    for s in _alerts(subjects):
        ast = parsed(s.rule.expr)
        if ast is None:
            continue
        result = output_labels(ast)
        for kind, name, text in _templates(s.rule):
            try:
                used = gotemplate.check(text).labels
            except gotemplate.TemplateError:
                continue
            for label in sorted(used):
                if not result.has(label):
                    yield finding(s, "template-label-missing",
                                  f"{kind} {name!r} uses $labels.{label}, but the query's result has "
                                  f"{result.describe()}: it is aggregated away and renders empty",
                                  hint=f"keep it with 'by ({label}, ...)' in the aggregation, or drop it "
                                       "from the template")


def severity(subjects: Subjects, settings: Settings) -> Iterator:
    """severity (warning): every alert has a severity label from the fixed set (a convention that
    routing usually relies on; Prometheus accepts any label)."""
    for s in _alerts(subjects):
        value = dict(s.rule.labels).get("severity")
        if value not in SEVERITIES:
            what = "has no severity label" if value is None else f"has severity {value!r}"
            yield finding(s, "severity", f"alert {what}; the convention is one of {', '.join(SEVERITIES)}",
                          hint="check that the Alertmanager routes match it, or set lint_disable=('severity',)",
                          severity=WARNING)


def annotations(subjects: Subjects, settings: Settings) -> Iterator:
    """missing-annotation (warning): every alert has non-empty summary and description annotations."""
    for s in _alerts(subjects):
        have = dict(s.rule.annotations)
        for key in ("summary", "description"):
            if not str(have.get(key, "")).strip():
                yield finding(s, "missing-annotation", f"alert has no {key} annotation", severity=WARNING,
                              hint="notifications show it; or set lint_disable=('missing-annotation',)")


def names(subjects: Subjects, settings: Settings) -> Iterator:
    """alert-name / record-name (warnings): CamelCase alert names, ``level:metric:operations`` records
    (https://prometheus.io/docs/practices/rules/). Prometheus accepts other names."""
    for s in subjects.rules:
        if isinstance(s.rule, AlertingRule) and not ALERT_NAME.match(s.rule.alert):
            yield finding(s, "alert-name", f"alert name {s.rule.alert!r} is not CamelCase", severity=WARNING,
                          hint="for example 'HighErrorRate'; or set lint_disable=('alert-name',)")
        elif isinstance(s.rule, RecordingRule) and not RECORD_NAME.match(s.rule.record):
            yield finding(s, "record-name", f"record {s.rule.record!r} does not follow level:metric:operations",
                          severity=WARNING,
                          hint="for example 'job:http_requests:rate5m'; dashboards that read the name keep "
                               "working only if it stays: set lint_disable=('record-name',)")


def runbook_url(subjects: Subjects, settings: Settings) -> Iterator:
    """runbook-url (warning): a runbook_url annotation that is not an http(s) URL."""
    for s in _alerts(subjects):
        url = dict(s.rule.annotations).get("runbook_url")
        if url and "{{" not in url and not url.startswith(("http://", "https://")):
            yield finding(s, "runbook-url", f"runbook_url {url!r} is not an http(s) URL", severity=WARNING,
                          hint="notification templates usually link it")


CHECKS = (always_fires, template_syntax, template_labels, severity, annotations, names, runbook_url)
