"""Prometheus rule files → Python modules of ``RuleGroup``/``AlertRule``/``RecordingRule`` calls
(``obskit import prometheus-rules``): one module per input file, one variable per group, each rule
preceded by a comment naming its source file:line, multi-line expressions and templates kept line
by line. ``obskit build`` of the module writes the same rules (tests/test_import_rules.py)."""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from obskit.errors import Diagnostic
from obskit.interop.findings import Finding
from obskit.interop.prometheus_rules import RuleSource, group_args, parse_rules, rule_args
from obskit.interop.pycode import identifier

_ORDER_ALERT = ("name", "expr", "for_", "keep_firing_for", "severity", "summary", "description", "runbook_url",
                "labels", "annotations")
_ORDER_RECORD = ("record", "expr", "labels")


def _lit(text: str) -> str:
    """A Python literal of ``text``; raw when it has backslashes (PromQL regexes read as written)."""
    if "\\" in text and "'" not in text and "\n" not in text and not text.endswith("\\") and text.isprintable():
        return f"r'{text}'"
    return repr(text)


def _text(text: str, indent: int) -> str:
    """A string, split after each newline into adjacent literals when it has several lines."""
    if "\n" not in text.rstrip("\n") and len(text) < 100:
        return _lit(text)
    lines = text.splitlines(keepends=True)
    if len(lines) == 1:
        return _lit(text)
    pad = " " * (indent + 4)
    return "(\n" + "".join(f"{pad}{_lit(line)}\n" for line in lines) + " " * indent + ")"


def _mapping(d: Dict[str, str], indent: int) -> str:
    one = "{" + ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in d.items()) + "}"
    if len(one) + indent < 100 and "\n" not in one:
        return one
    pad = " " * (indent + 4)
    body = "".join(f"{pad}{_lit(k)}: {_text(v, indent + 4)},\n" for k, v in d.items())
    return "{\n" + body + " " * indent + "}"


def _value(value, indent: int) -> str:
    if value is None:
        return "None"
    if isinstance(value, dict):
        return _mapping(value, indent)
    if isinstance(value, int):
        return str(value)
    return _text(str(value), indent)


def _call(name: str, args: Dict[str, object], order: Sequence[str], indent: int) -> str:
    pad = " " * (indent + 4)
    keys = [k for k in order if k in args] + [k for k in args if k not in order]
    body = "".join(f"{pad}{k}={_value(args[k], indent + 4)},\n" for k in keys)
    return f"{name}(\n{body}{' ' * indent})"


@dataclass(frozen=True)
class RulesModule:
    module: str                     # the module name (file stem)
    source: str
    code: str
    groups: int
    rules: int
    findings: Tuple[Finding, ...]


def module_code(source: RuleSource, label: str) -> Tuple[str, List[Finding]]:
    """The Python source of one rule file (``label`` names it in comments)."""
    findings: List[Finding] = [Finding(label, "PrometheusRule", "changed", n) for n in source.notes]
    doc = textwrap.wrap(f"Prometheus rules imported from {label} ({source.kind}) by `obskit import "
                        "prometheus-rules`. This file is now the source of truth: edit it, then `obskit build` "
                        "and `obskit test`. The comment above each group and rule names its line in the "
                        "source.", 96)
    parts = ['"""' + "\n".join(doc) + '\n"""\nfrom obskit.model.rules import AlertRule, RecordingRule, RuleGroup']
    used = set()
    for g in source.groups:
        if not g.rules:
            findings.append(Finding(label, f"group {g.name!r}", "changed",
                                    "has no rules: not imported (Prometheus evaluates nothing for it)"))
            continue
        var = identifier(g.name)
        while var in used:
            var += "_"
        used.add(var)
        rules = []
        for r in g.rules:
            a = rule_args(r, source.path)
            call = _call("AlertRule" if a.kind == "alert" else "RecordingRule", a.args,
                         _ORDER_ALERT if a.kind == "alert" else _ORDER_RECORD, 8)
            rules.append(f"        # {label}:{a.line}\n        {call},\n")
        gargs = group_args(g, source.path)
        head = "".join(f"    {k}={_value(v, 4)},\n" for k, v in gargs.items())
        parts.append(f"# {label}:{g.line}\n{var} = RuleGroup(\n{head}    rules=(\n" + "".join(rules) + "    ),\n)")
    return "\n\n\n".join(parts) + "\n", findings


def convert(paths: Sequence[Path]) -> Tuple[List[RulesModule], List[Diagnostic]]:
    """Every file as a module; model problems of the rules (located at the YAML lines) as diagnostics.
    SourceError when a file is not a rule file."""
    modules: List[RulesModule] = []
    diags: List[Diagnostic] = []
    taken: Dict[str, int] = {}
    for path in paths:
        source, groups, problems = parse_rules(path)
        diags += problems
        stem = identifier(Path(path).stem)
        taken[stem] = taken.get(stem, 0) + 1
        if taken[stem] > 1:
            stem = f"{stem}_{taken[stem]}"
        code, findings = module_code(source, str(path))
        modules.append(RulesModule(stem, str(path), code, len(groups), sum(len(g.rules) for g in groups),
                                   tuple(findings)))
    return modules, diags
