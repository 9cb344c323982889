"""Prometheus relabelling applied to a label set, in Python: what ``alert_relabel_configs`` do to an
alert before it is sent (used by the deployment model and its checks). Pure.

Semantics of Prometheus' ``model/relabel`` (2.42 and 3.x alike for these actions): source labels
joined by ``separator``, the regex anchored (RE2, via :mod:`obskit.model.prometheus_config.regex`),
``$1`` / ``${name}`` expanded in ``replacement`` and ``target_label``; a replace whose result is an
empty value deletes the target label; ``keep``/``drop`` decide on the whole set.
"""
from __future__ import annotations

import hashlib
import re
from typing import Dict, Iterable, Optional

import re2

from obskit.model.prometheus_config.relabel import DEFAULT_REGEX, DEFAULT_REPLACEMENT, DEFAULT_SEPARATOR, Relabel

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_REF = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def _compile(pattern: str):
    return re2.compile(f"^(?:{pattern})$", _OPTIONS)


def _expand(template: str, match) -> str:
    def one(m):
        ref = m.group(1) or m.group(2)
        try:
            value = match.group(int(ref)) if ref.isdigit() else match.group(ref)
        except (IndexError, KeyError, re2.error):
            value = ""
        return value or ""
    return _REF.sub(one, template)


def apply(steps: Iterable[Relabel], labels: Dict[str, str]) -> Optional[Dict[str, str]]:
    """The label set after ``steps``; None when a keep/drop step discards it."""
    out = dict(labels)
    for step in steps:
        action = step.effective_action
        sep = step.separator if step.separator is not None else DEFAULT_SEPARATOR
        regex = _compile(step.regex if step.regex is not None else DEFAULT_REGEX)
        value = sep.join(out.get(name, "") for name in step.source_labels)
        if action == "keep":
            if not regex.search(value):
                return None
        elif action == "drop":
            if regex.search(value):
                return None
        elif action == "keepequal":
            if value != out.get(step.target_label, ""):
                return None
        elif action == "dropequal":
            if value == out.get(step.target_label, ""):
                return None
        elif action == "replace":
            m = regex.search(value)
            if m is None:
                continue
            target = _expand(step.target_label, m)
            result = _expand(step.replacement if step.replacement is not None else DEFAULT_REPLACEMENT, m)
            if not target:
                continue
            if result:
                out[target] = result
            else:
                out.pop(target, None)
        elif action in ("lowercase", "uppercase"):
            out[step.target_label] = value.lower() if action == "lowercase" else value.upper()
        elif action == "hashmod":
            digest = hashlib.md5(value.encode()).digest()
            out[step.target_label] = str(int.from_bytes(digest[8:], "big") % step.modulus)
        elif action == "labelmap":
            replacement = step.replacement if step.replacement is not None else DEFAULT_REPLACEMENT
            for name in sorted(out):
                m = regex.search(name)
                if m:
                    out[_expand(replacement, m)] = out[name]
        elif action == "labeldrop":
            out = {k: v for k, v in out.items() if not regex.search(k)}
        elif action == "labelkeep":
            out = {k: v for k, v in out.items() if regex.search(k)}
    return out
