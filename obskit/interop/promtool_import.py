"""promtool test files → Python modules of ``RuleTest`` definitions (``obskit import promtool-tests``).

One module per test file, one ``RuleTest`` per test (a comment above each names its source line):
``alert_rule_test`` entries become ``Firing`` (one per expected alert, its labels and annotations
complete, as promtool compares them) or ``Silent`` (``exp_alerts`` empty or absent);
``promql_expr_test`` entries become ``Samples``. The file's ``evaluation_interval`` and each test's
``interval`` are kept; ``rule_files`` become the imported modules' stems (``ceph.yml`` → the rule
groups of ``alerts/ceph.py``), ``group_eval_order`` the group names in that order.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml

from obskit.errors import Diagnostic
from obskit.interop.findings import Finding, Notes
from obskit.interop.pycode import identifier
from obskit.location import Location

FILE_KEYS = ("rule_files", "evaluation_interval", "group_eval_order", "tests")
NEWER_FILE_KEYS = ("fuzzy_compare",)
TEST_KEYS = ("name", "interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels",
             "external_url")
NEWER_TEST_KEYS = ("start_timestamp",)


@dataclass(frozen=True)
class TestModule:
    module: str
    code: str
    tests: int
    findings: Tuple[Finding, ...]


class _Err(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def _lines(node) -> Dict[int, object]:
    """id of each composed node's python twin is not available: map (path tuple) → line instead."""
    out: Dict[tuple, int] = {}

    def walk(n, path):
        out[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                out[path + (k.value,)] = k.start_mark.line + 1
                walk(v, path + (k.value,))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                walk(v, path + (i,))
    if node is not None:
        walk(node, ())
    return out


def _lit(value) -> str:
    return repr(value)


def _dur(value, what: str, line: int) -> str:
    from obskit.duration import Duration, DurationError
    text = str(value)
    if text == "0":
        return "0s"
    try:
        Duration.parse(text)
    except DurationError as exc:
        raise _Err(line, f"{what}: {exc}") from None
    return text


def _labels_dict(d, what: str, line: int) -> str:
    if d is None:
        return "{}"
    if not isinstance(d, dict):
        raise _Err(line, f"{what} must be a mapping")
    return "{" + ", ".join(f"{_lit(str(k))}: {_lit(str(v))}" for k, v in d.items()) + "}"


def convert(path: Path) -> Tuple[TestModule, List[Diagnostic]]:
    from obskit.interop.rule_tests import parse_labels
    path = Path(path)
    where = f"promtool test file {path.name}"
    notes = Notes(str(path))
    try:
        text = path.read_text()
        node = yaml.compose(text)
        doc = yaml.safe_load(text)
    except OSError as exc:
        return None, [Diagnostic("bad-promtool-test", f"cannot read: {exc.strerror or exc}", where, Location(str(path), 1))]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [Diagnostic("bad-promtool-test", f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                                 where, Location(str(path), mark.line + 1 if mark else 1))]
    lines = _lines(node)
    line = lambda *p: lines.get(tuple(p), lines.get((), 1))   # noqa: E731
    try:
        if not isinstance(doc, dict) or not isinstance(doc.get("tests"), list):
            raise _Err(1, "not a promtool test file (want rule_files and tests)")
        for k in doc:
            if k in NEWER_FILE_KEYS:
                notes.lost(where, f"{k} (line {line(k)}): obskit writes files promtool 2.42 reads; not carried over")
            elif k not in FILE_KEYS:
                raise _Err(line(k), f"unknown key {k!r} (promtool refuses it)")
        entries = doc.get("rule_files") or []
        if not isinstance(entries, list) or not entries:
            raise _Err(line("rule_files"), "rule_files must be a non-empty list of rule files")
        rules = [identifier(Path(str(e)).stem) for e in entries]
        order = doc.get("group_eval_order")
        if order:
            if not isinstance(order, list):
                raise _Err(line("group_eval_order"), "group_eval_order must be a list of group names")
            rules = [str(g) for g in order] + rules      # named groups first, in that order
        evaluation = _dur(doc.get("evaluation_interval", "1m"), "evaluation_interval", line("evaluation_interval"))
        blocks = []
        for i, t in enumerate(doc["tests"]):
            if not isinstance(t, dict):
                raise _Err(line("tests", i), "a test must be a mapping")
            for k in t:
                if k in NEWER_TEST_KEYS or k in ("external_labels", "external_url"):
                    notes.lost(f"test {i + 1}", f"{k} (line {line('tests', i, k)}): not carried over")
                elif k not in TEST_KEYS:
                    raise _Err(line("tests", i, k), f"unknown key {k!r} (promtool refuses it)")
            name = str(t.get("name") or f"{path.stem} test {i + 1}")
            if "interval" in t:
                interval = _dur(t["interval"], "interval", line("tests", i, "interval"))
            else:
                interval = evaluation
                notes.changed(f"test {name!r}", f"no interval (line {line('tests', i)}): written as the evaluation "
                                                f"interval {evaluation}, promtool 3's default (2.42 loads every "
                                                "sample at 0)")
            series = []
            for j, s in enumerate(t.get("input_series") or []):
                ln = line("tests", i, "input_series", j)
                if not isinstance(s, dict) or "series" not in s:
                    raise _Err(ln, "an input series needs series and values")
                try:
                    parse_labels(str(s["series"]))
                except ValueError as exc:
                    raise _Err(ln, str(exc)) from None
                series.append(f"Input({_lit(str(s['series']))}, {_lit(str(s.get('values', '')))})")
            expect = []
            for j, a in enumerate(t.get("alert_rule_test") or []):
                ln = line("tests", i, "alert_rule_test", j)
                if not isinstance(a, dict) or "alertname" not in a or "eval_time" not in a:
                    raise _Err(ln, "an alert_rule_test needs eval_time and alertname")
                at = _dur(a["eval_time"], "eval_time", ln)
                alerts = a.get("exp_alerts") or []
                if not alerts:
                    expect.append(f"Silent(alert={_lit(str(a['alertname']))}, at={_lit(at)})")
                for x in alerts:
                    if not isinstance(x, dict):
                        raise _Err(ln, "exp_alerts entries are mappings of exp_labels and exp_annotations")
                    expect.append(f"Firing(alert={_lit(str(a['alertname']))}, at={_lit(at)}, "
                                  f"labels={_labels_dict(x.get('exp_labels'), 'exp_labels', ln)}, "
                                  f"annotations={_labels_dict(x.get('exp_annotations'), 'exp_annotations', ln)})")
            for j, e in enumerate(t.get("promql_expr_test") or []):
                ln = line("tests", i, "promql_expr_test", j)
                if not isinstance(e, dict) or "expr" not in e or "eval_time" not in e:
                    raise _Err(ln, "a promql_expr_test needs expr and eval_time")
                at = _dur(e["eval_time"], "eval_time", ln)
                samples = []
                for s in e.get("exp_samples") or []:
                    if not isinstance(s, dict) or "histogram" in s:
                        notes.lost(f"test {name!r}", f"line {ln}: a native-histogram sample is not carried over")
                        continue
                    labels = str(s.get("labels") or "{}")
                    try:
                        parse_labels(labels)
                    except ValueError as exc:
                        raise _Err(ln, str(exc)) from None
                    samples.append(f"{_lit(labels)}: {float(s.get('value', 0))!r}")
                expect.append(f"Samples(expr={_lit(str(e['expr']).strip())}, at={_lit(at)}, "
                              f"samples={{{', '.join(samples)}}})")
            pad = " " * 8
            blocks.append(
                f"# {path.name}:{line('tests', i)}\n"
                f"{identifier(name)}_{i + 1} = RuleTest(\n"
                f"    name={_lit(name)},\n"
                f"    rules=({', '.join(_lit(r) for r in rules)},),\n"
                f"    evaluation_interval={_lit(evaluation)}, interval={_lit(interval)},\n"
                f"    series=(\n" + "".join(f"{pad}{s},\n" for s in series) + "    ),\n"
                f"    expect=(\n" + "".join(f"{pad}{x},\n" for x in expect) + "    ),\n)\n")
    except _Err as exc:
        return None, [Diagnostic("bad-promtool-test", str(exc), where, Location(str(path), exc.line))]
    head = (f'"""promtool tests imported from {path.name} by obskit import promtool-tests: the tests of the rule '
            f'groups of {", ".join(rules)}, run by obskit test under every promtool from the floor."""\n'
            "from obskit.interop.rule_tests import Firing, Input, RuleTest, Samples, Silent\n\n")
    findings = "".join(f"# {f.kind}: {f.subject}: {f.message}\n" for f in notes.items)
    code = head + findings + ("\n" if findings else "") + "\n".join(blocks)
    module = identifier(path.stem.replace(".promtool", "").replace(".test", "")) + "_tests"
    return TestModule(module, code, len(blocks), tuple(notes.items)), []


def convert_all(paths: Sequence[Path]):
    modules, diags = [], []
    for p in paths:
        m, d = convert(p)
        diags += d
        if m is not None:
            modules.append(m)
    return modules, diags
