"""One relabeling step (``relabel_configs`` / ``metric_relabel_configs`` entries).

Validated the way Prometheus validates it (``model/relabel`` of 2.42 and later, taking the stricter
rule where versions differ) plus a few obskit checks for steps that Prometheus accepts but that can
never do anything. Version checks (an action newer than ``Settings.prometheus_version``) need the
project's settings and run in :func:`obskit.compile.prometheus_config.check_project`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Tuple

from obskit.location import Location
from obskit.model.base import Problems, locate, set_attr
from obskit.model.prometheus_config import regex as rx
from obskit.promql import is_valid_label_name

ACTIONS = ("replace", "keep", "drop", "keepequal", "dropequal", "hashmod", "labelmap", "labeldrop",
           "labelkeep", "lowercase", "uppercase")
DEFAULT_SEPARATOR, DEFAULT_REGEX, DEFAULT_REPLACEMENT = ";", "(.*)", "$1"

#: Prometheus' pattern for a target_label / labelmap replacement that uses $1 / ${name} templates
_RELABEL_TARGET = re.compile(r"^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$")

# which optional fields make sense with which action (anything else is refused)
_FIELDS = {
    "replace": {"source_labels", "separator", "regex", "target_label", "replacement"},
    "keep": {"source_labels", "separator", "regex"},
    "drop": {"source_labels", "separator", "regex"},
    "keepequal": {"source_labels", "target_label"},
    "dropequal": {"source_labels", "target_label"},
    "hashmod": {"source_labels", "separator", "target_label", "modulus"},
    "labelmap": {"regex", "replacement"},
    "labeldrop": {"regex"},
    "labelkeep": {"regex"},
    "lowercase": {"source_labels", "separator", "target_label"},
    "uppercase": {"source_labels", "separator", "target_label"},
}
_NEEDS_TARGET = ("replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal")
_NEEDS_SOURCE = ("keep", "drop", "keepequal", "dropequal", "hashmod", "lowercase", "uppercase")
_OPTIONAL = ("source_labels", "separator", "regex", "target_label", "replacement", "modulus")


@dataclass(frozen=True, kw_only=True, eq=False)
class Relabel:
    """A relabel step. Fields left ``None`` are not written (Prometheus' defaults apply):
    ``separator`` ``;``, ``regex`` ``(.*)``, ``replacement`` ``$1``, ``action`` ``replace``.

    ``check_separators=False`` accepts a regex that needs more ``;``-joined values than
    ``source_labels`` give (obskit refuses it by default: such a step never matches).
    """

    action: Optional[str] = None
    source_labels: Tuple[str, ...] = ()
    separator: Optional[str] = None
    regex: Optional[str] = None
    target_label: Optional[str] = None
    replacement: Optional[str] = None
    modulus: Optional[int] = None
    check_separators: bool = True
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"relabel step ({self.action or 'replace'})", locate(self))
        self._validate(p)
        p.done()

    @property
    def effective_action(self) -> str:
        return self.action or "replace"

    def given(self) -> Tuple[str, ...]:
        """Names of the optional fields that were set."""
        return tuple(f for f in _OPTIONAL if getattr(self, f) not in (None, ()))

    def _validate(self, p: Problems) -> None:
        action = self.action
        if action is not None:
            if not isinstance(action, str) or action.lower() not in ACTIONS:
                p.add("bad-relabel-action", f"unknown relabel action {action!r}; Prometheus knows "
                                            f"{', '.join(ACTIONS)}")
                return
            action = action.lower()
            set_attr(self, "action", action)
        action = action or "replace"
        self._check_sources(p)
        for name in ("separator", "regex", "target_label", "replacement"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                p.add("bad-relabel", f"{name} must be a string, got {value!r}")
                set_attr(self, name, None)
        allowed = _FIELDS[action]
        for name in self.given():
            if name not in allowed:
                p.add("relabel-field-not-allowed",
                      f"{action} does not use {name} (it takes only {', '.join(sorted(allowed))})",
                      hint=_why_not(action, name))
        if action in _NEEDS_TARGET and not self.target_label:
            p.add("relabel-missing-field", f"{action} needs target_label (the label it writes)")
        if action in _NEEDS_SOURCE and not self.source_labels:
            p.add("relabel-missing-field", f"{action} needs source_labels (the values it reads)")
        if action == "hashmod":
            self._check_modulus(p)
        if action in ("labelmap", "labeldrop", "labelkeep") and self.regex is None:
            p.add("relabel-missing-field", f"{action} needs regex (it matches label names; "
                                           "the default (.*) would hit every label)")
        self._check_target(p, action)
        if self.regex is not None:
            why = rx.problem(self.regex)
            if why:
                p.add("bad-regex", why)
            elif action in ("replace", "keep", "drop") and self.check_separators and self.source_labels:
                self._check_joined(p)
        if action == "labelmap" and self.replacement is not None and not _RELABEL_TARGET.match(self.replacement):
            p.add("bad-relabel", f"{self.replacement!r} is not a valid labelmap replacement: it must "
                                 "form a label name, using $1 or ${name} for groups")

    def _check_sources(self, p: Problems) -> None:
        sources = self.source_labels
        if isinstance(sources, str):
            p.add("bad-relabel", f"source_labels must be a list of label names, got the string {sources!r}",
                  hint=f"write source_labels=[{sources!r}]")
            set_attr(self, "source_labels", ())
            return
        sources = tuple(sources or ())
        for name in sources:
            if not isinstance(name, str) or not is_valid_label_name(name):
                p.add("bad-label", f"source label {name!r} is not a valid label name "
                                   "([a-zA-Z_][a-zA-Z0-9_]*)")
        set_attr(self, "source_labels", sources)

    def _check_modulus(self, p: Problems) -> None:
        m = self.modulus
        if m is None:
            p.add("relabel-missing-field", "hashmod needs modulus (a positive integer)")
        elif isinstance(m, bool) or not isinstance(m, int) or m <= 0:
            p.add("bad-relabel", f"modulus must be a positive integer, got {m!r}")

    def _check_target(self, p: Problems, action: str) -> None:
        t = self.target_label
        if not t:
            return
        if action == "replace" and "$" in t:
            if not _RELABEL_TARGET.match(t):
                p.add("bad-label", f"target_label {t!r} is not a valid label name template "
                                   "(letters, digits, '_' and $1 / ${name} references)")
        elif not is_valid_label_name(t):
            p.add("bad-label", f"target_label {t!r} is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)"
                  + ("" if action == "replace" else f"; {action} does not expand $ references"))

    def _check_joined(self, p: Problems) -> None:
        needed = rx.literal_semicolons(self.regex or "")
        sep = self.separator if self.separator is not None else DEFAULT_SEPARATOR
        if needed is None or sep != ";":
            return
        have = len(self.source_labels) - 1
        if needed > have:
            p.add("relabel-never-matches",
                  f"regex {self.regex!r} needs {needed + 1} ';'-joined values but source_labels "
                  f"{list(self.source_labels)} give {have + 1}, so this step never matches "
                  "(unless a label value itself contains ';')",
                  hint="add the missing source label (e.g. __address__ first), or pass "
                       "check_separators=False if the values really contain ';'")


def _why_not(action: str, name: str) -> str:
    if action in ("keepequal", "dropequal"):
        return f"{action} compares the joined source_labels with target_label's value; Prometheus " \
               "refuses every other field"
    if action in ("labeldrop", "labelkeep"):
        return f"{action} matches label names against regex; Prometheus refuses every other field"
    if action in ("lowercase", "uppercase") and name in ("replacement", "regex"):
        return f"{action} writes the case-changed joined source_labels to target_label as is"
    if action in ("keep", "drop"):
        return f"{action} only filters targets; it writes no label"
    if action == "hashmod":
        return "hashmod writes hash(joined source_labels) % modulus to target_label"
    if action == "labelmap":
        return "labelmap copies labels whose name matches regex to the name in replacement"
    return ""
