"""Prometheus rule files (``groups:`` YAML), the format promtool and Prometheus 2.x/3.x load.

The bytes are those of :func:`obskit.render.yamlfmt.dump` of :func:`groups_dict` (PyYAML's). Rule
groups are written straight from the intermediate rules by :func:`groups_text`, without building the
dictionaries first (a big project writes hundreds of thousands of rules); a key or value it is not
sure about sends the whole file to the dictionary path. A PrometheusRule object holds the same text
under ``spec:``, shifted (obskit/render/kubernetes.py).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from obskit.compile import conventions as conv
from obskit.compile.ir import AlertingRule, RecordingRule, RuleFile, RuleGroup
from obskit.render import yamlfmt
from obskit.render.yamlfmt import dump


def rule_dict(rule) -> Dict[str, object]:
    if isinstance(rule, RecordingRule):
        out: Dict[str, object] = {"record": rule.record, "expr": rule.expr}
    elif isinstance(rule, AlertingRule):
        out = {"alert": rule.alert, "expr": rule.expr}
        if rule.for_ is not None:
            out["for"] = str(rule.for_)
        if rule.keep_firing_for is not None:
            out["keep_firing_for"] = str(rule.keep_firing_for)
    else:
        raise TypeError(f"not a rule: {rule!r}")
    if rule.labels:
        out["labels"] = dict(rule.labels)
    if isinstance(rule, AlertingRule) and rule.annotations:
        out["annotations"] = dict(rule.annotations)
    return out


def group_dict(group: RuleGroup) -> Dict[str, object]:
    out: Dict[str, object] = {"name": group.name}
    if group.interval is not None:
        out["interval"] = str(group.interval)
    if group.limit is not None:
        out["limit"] = group.limit
    if group.query_offset is not None:
        out["query_offset"] = str(group.query_offset)
    if group.labels:
        out["labels"] = dict(group.labels)
    out["rules"] = [rule_dict(r) for r in group.rules]
    return out


def groups_dict(groups) -> Dict[str, List]:
    return {"groups": [group_dict(g) for g in groups]}


# --- the direct path -------------------------------------------------------------------------------
def _value(value, indent: int) -> str:
    """A mapping value's text after ``key:`` (with its leading space), as yamlfmt writes it."""
    if type(value) is str:
        if "\n" not in value:
            return " " + yamlfmt._str_scalar(value)
        block = yamlfmt._literal(value, indent)
        if block is None:
            raise yamlfmt._Fallback
        return " " + block
    if type(value) is int:
        return f" {value}"
    raise yamlfmt._Fallback


def _mapping(pairs, pad: str, out: List[str]) -> None:
    for key, value in dict(pairs).items():
        if not yamlfmt._plain_key(key):
            raise yamlfmt._Fallback
        out.append(f"{pad}{key}:{_value(value, len(pad) + 2)}\n")


def _labels(labels, memo: Dict[tuple, str]) -> str:
    """A rule's ``labels:`` block (keys at 4); the rules of one SLO share their labels: written once."""
    text = memo.get(labels)
    if text is None:
        out: List[str] = ["  labels:\n"]
        _mapping(labels, "    ", out)
        text = memo[labels] = "".join(out)
    return text


def _rule(rule, out: List[str], memo: Dict[tuple, str]) -> None:
    """One rule as an item of a group's ``rules:`` (at column 0, keys at 2)."""
    if isinstance(rule, RecordingRule):
        out.append(f"- record:{_value(rule.record, 4)}\n  expr:{_value(rule.expr, 4)}\n")
    elif isinstance(rule, AlertingRule):
        out.append(f"- alert:{_value(rule.alert, 4)}\n  expr:{_value(rule.expr, 4)}\n")
        if rule.for_ is not None:
            out.append(f"  for:{_value(str(rule.for_), 4)}\n")
        if rule.keep_firing_for is not None:
            out.append(f"  keep_firing_for:{_value(str(rule.keep_firing_for), 4)}\n")
    else:
        raise TypeError(f"not a rule: {rule!r}")
    if rule.labels:
        out.append(_labels(rule.labels, memo))
    if isinstance(rule, AlertingRule) and rule.annotations:
        out.append("  annotations:\n")
        _mapping(rule.annotations, "    ", out)


def _group(group: RuleGroup, out: List[str], memo: Dict[tuple, str]) -> None:
    out.append(f"- name:{_value(group.name, 2)}\n")
    if group.interval is not None:
        out.append(f"  interval:{_value(str(group.interval), 2)}\n")
    if group.limit is not None:
        out.append(f"  limit:{_value(group.limit, 2)}\n")
    if group.query_offset is not None:
        out.append(f"  query_offset:{_value(str(group.query_offset), 2)}\n")
    if group.labels:
        out.append("  labels:\n")
        _mapping(group.labels, "    ", out)
    if not group.rules:
        out.append("  rules: []\n")
        return
    out.append("  rules:\n")
    rules: List[str] = []
    for rule in group.rules:
        _rule(rule, rules, memo)
    out.append(_shift("".join(rules), "  "))


def _shift(text: str, pad: str) -> str:
    """Every line of ``text`` indented by ``pad`` (no line of a block is empty: yamlfmt._BLOCK_LINE)."""
    return pad + text[:-1].replace("\n", "\n" + pad) + "\n"


def groups_text(groups: Sequence[RuleGroup]) -> Optional[str]:
    """The ``groups:`` sequence (its items at column 0), or None when the dictionary path must write it."""
    if not groups:
        return None
    out: List[str] = []
    memo: Dict[tuple, str] = {}
    try:
        for group in groups:
            _group(group, out, memo)
    except yamlfmt._Fallback:
        return None
    return "".join(out)


def groups_yaml(groups: Sequence[RuleGroup], indent: int = 0) -> str:
    """``groups:`` and its sequence, the key at ``indent`` (a rule file: 0; a PrometheusRule's spec: 2)."""
    text = groups_text(groups)
    if text is None:
        body = dump(groups_dict(groups))
        return _shift(body, " " * indent) if indent else body
    pad = " " * indent
    return f"{pad}groups:\n" + (_shift(text, pad) if indent else text)


def header(rule_file: RuleFile) -> str:
    files = sorted({loc.file for loc in rule_file.sources}) or ["definitions"]
    return conv.GENERATED_HEADER.format(sources=", ".join(files))


def render(rule_file: RuleFile) -> bytes:
    return (header(rule_file) + groups_yaml(rule_file.groups)).encode()
