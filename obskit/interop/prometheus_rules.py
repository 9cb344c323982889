"""Prometheus rule files (and Prometheus Operator ``PrometheusRule`` objects) → obskit rule groups.

Reading is as strict as ``promtool check rules``: the keys Prometheus knows and nothing else, one of
``record``/``alert`` with an ``expr``, unique group names in a file; every problem names the file and
line. The rules become :class:`~obskit.model.rules.AlertRule` / ``RecordingRule`` objects that
render back to the same rule: ``severity`` is the ``severity`` label, ``summary``/``description``/
``runbook_url`` are the annotations of those names, everything else stays as written (expression
text, ``for``, ``keep_firing_for``, the other labels and annotations, group ``interval``, ``limit``,
``query_offset``, ``labels``, group and rule order).

Used by ``obskit import prometheus-rules`` (writes Python, :func:`module_code`) and by
:class:`obskit.model.rule_files.RuleFile` (includes a rule file unchanged).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from obskit.errors import DefinitionError, Diagnostic, collecting
from obskit.interop.common import SourceError
from obskit.interop.yamlsrc import Mapping, Sequence, is_null, line, load_all
from obskit.location import Location

GROUP_KEYS = ("name", "interval", "limit", "query_offset", "labels", "rules")
RULE_KEYS = ("record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations")
OPERATOR_API = "monitoring.coreos.com/"


@dataclass(frozen=True)
class SourceRule:
    data: Mapping
    line: int

    @property
    def kind(self) -> str:
        return "alert" if "alert" in self.data else "record"

    @property
    def name(self) -> str:
        return str(self.data.get(self.kind, ""))


@dataclass(frozen=True)
class SourceGroup:
    name: str
    data: Mapping
    line: int
    rules: Tuple[SourceRule, ...]


@dataclass(frozen=True)
class RuleSource:
    """One file's rule groups, checked like promtool checks them."""

    path: str
    kind: str                                   # "rule file" or "PrometheusRule"
    groups: Tuple[SourceGroup, ...]
    objects: Tuple[Mapping, ...] = ()           # the PrometheusRule objects' metadata
    notes: Tuple[str, ...] = field(default=())  # what the import does not carry over (metadata)


def _fail(path, at: int, message: str) -> SourceError:
    return SourceError(f"{path}:{at}: {message}")


def _text(path, value, where: int, what: str) -> str:
    if isinstance(value, (Mapping, Sequence)):
        raise _fail(path, where, f"{what} must be a string, got a {'mapping' if isinstance(value, Mapping) else 'list'}")
    return str(value)


def _string_map(path, value, where: int, what: str) -> Dict[str, str]:
    if is_null(value):
        return {}
    if not isinstance(value, Mapping):
        raise _fail(path, where, f"{what} must be a mapping of strings")
    return {k: ("" if is_null(v) else _text(path, v, value.line_of(k), f"{what} {k!r}")) for k, v in value.items()}


def _groups(path, groups, where: int) -> Tuple[SourceGroup, ...]:
    if is_null(groups):
        return ()
    if not isinstance(groups, Sequence):
        raise _fail(path, where, "groups must be a list of rule groups")
    out, names = [], {}
    for g, g_line in zip(groups, groups.item_lines):
        if not isinstance(g, Mapping):
            raise _fail(path, g_line, "a rule group must be a mapping with name and rules")
        for k in g:
            if k not in GROUP_KEYS:
                raise _fail(path, g.line_of(k), f"field {k} not found in type rulefmt.RuleGroup (promtool refuses "
                                                f"it; a group has {', '.join(GROUP_KEYS)})")
        name = "" if is_null(g.get("name")) else _text(path, g.get("name"), g.line_of("name"), "group name")
        if not name:
            raise _fail(path, g.line, "groupname must not be empty")
        if name in names:
            raise _fail(path, g.line_of("name"), f"groupname: {name!r} is repeated in the same file "
                                                 f"(first at line {names[name]})")
        names[name] = g.line_of("name")
        rules = g.get("rules")
        if is_null(rules):
            rules = Sequence()
            rules.item_lines = []
        if not isinstance(rules, Sequence):
            raise _fail(path, g.line_of("rules"), f"group {name!r}: rules must be a list")
        items = []
        for r, r_line in zip(rules, rules.item_lines):
            if not isinstance(r, Mapping):
                raise _fail(path, r_line, f"group {name!r}: a rule must be a mapping")
            for k in r:
                if k not in RULE_KEYS:
                    raise _fail(path, r.line_of(k), f"field {k} not found in type rulefmt.Rule (a rule has "
                                                    f"{', '.join(RULE_KEYS)})")
            has_record, has_alert = not is_null(r.get("record")), not is_null(r.get("alert"))
            if has_record == has_alert:
                raise _fail(path, r.line, f"group {name!r}: a rule needs exactly one of 'record' or 'alert'")
            if is_null(r.get("expr")) or not str(r.get("expr")).strip():
                raise _fail(path, r.line, f"group {name!r}: field 'expr' must be set in rule")
            if has_record:
                for k in ("for", "keep_firing_for", "annotations"):
                    if k in r:
                        raise _fail(path, r.line_of(k), f"invalid field '{k}' in recording rule")
            items.append(SourceRule(r, r.line))
        out.append(SourceGroup(name, g, g.line, tuple(items)))
    return tuple(out)


def read(path: "str | Path", text: Optional[str] = None, *, objects: bool = True) -> RuleSource:
    """The rule groups of a rule file, or of the PrometheusRule objects in it (``objects``)."""
    docs = load_all(Path(path), text)
    if not docs:
        raise SourceError(f"{path}: empty file: no rule groups")
    groups: List[SourceGroup] = []
    metas, notes, kind = [], [], None
    for doc in docs:
        if not isinstance(doc, Mapping):
            raise _fail(path, line(doc, 1), "not a rule file: the document must be a mapping with 'groups'")
        if str(doc.get("apiVersion", "")).startswith(OPERATOR_API) and doc.get("kind") == "PrometheusRule":
            if not objects:
                raise _fail(path, doc.line, "a PrometheusRule object, not a rule file Prometheus loads: "
                                            "import it with `obskit import prometheus-rules` instead")
            spec = doc.get("spec")
            if not isinstance(spec, Mapping):
                raise _fail(path, doc.line, "PrometheusRule without spec")
            meta = doc.get("metadata") if isinstance(doc.get("metadata"), Mapping) else Mapping()
            metas.append(meta)
            desc = f"PrometheusRule {meta.get('name', '?')}" + (f" (namespace {meta['namespace']})"
                                                                 if meta.get("namespace") else "")
            if meta.get("labels") or meta.get("annotations") or meta.get("namespace"):
                notes.append(f"{desc}: its metadata (namespace, labels, annotations) is not carried over; obskit "
                             "names its own PrometheusRule objects and takes labels from obskit.toml [kubernetes]")
            for k in spec:
                if k != "groups":
                    raise _fail(path, spec.line_of(k), f"PrometheusRule spec.{k} is not understood (want groups)")
            found = _groups(path, spec.get("groups"), spec.line_of("groups"))
            kind = kind or "PrometheusRule"
        elif "groups" in doc:
            for k in doc:
                if k != "groups":
                    raise _fail(path, doc.line_of(k), f"field {k} not found in type rulefmt.RuleGroups "
                                                      "(a rule file has only 'groups')")
            found = _groups(path, doc.get("groups"), doc.line_of("groups"))
            kind = kind or "rule file"
        else:
            what = f"kind {doc.get('kind')}" if doc.get("kind") else "no 'groups' key"
            raise _fail(path, doc.line, f"not a Prometheus rule file or PrometheusRule ({what})")
        taken = {g.name: g for g in groups}
        for g in found:
            if g.name in taken:
                raise _fail(path, g.line, f"groupname: {g.name!r} is repeated (first at line {taken[g.name].line})")
        groups += found
    return RuleSource(str(path), kind or "rule file", tuple(groups), tuple(metas), tuple(notes))


# --- to obskit's model ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RuleArgs:
    """The keyword arguments of one AlertRule/RecordingRule (what the generated code writes)."""

    kind: str                        # "alert" or "record"
    args: Dict[str, object]
    line: int


def rule_args(rule: SourceRule, path) -> RuleArgs:
    d = rule.data
    text = lambda k: _text(path, d[k], d.line_of(k), k)   # noqa: E731
    if rule.kind == "record":
        args: Dict[str, object] = {"record": text("record"), "expr": text("expr")}
        labels = _string_map(path, d.get("labels"), d.line_of("labels"), "labels")
        if labels:
            args["labels"] = labels
        return RuleArgs("record", args, rule.line)
    labels = _string_map(path, d.get("labels"), d.line_of("labels"), "labels")
    annotations = _string_map(path, d.get("annotations"), d.line_of("annotations"), "annotations")
    args = {"name": text("alert"), "expr": text("expr")}
    for key, attr in (("for", "for_"), ("keep_firing_for", "keep_firing_for")):
        if not is_null(d.get(key)):
            args[attr] = text(key)
    args["severity"] = labels.pop("severity", None)
    args["summary"] = annotations.pop("summary", None)
    args["description"] = annotations.pop("description", None)
    if "runbook_url" in annotations:
        args["runbook_url"] = annotations.pop("runbook_url")
    if labels:
        args["labels"] = labels
    if annotations:
        args["annotations"] = annotations
    return RuleArgs("alert", args, rule.line)


def group_args(group: SourceGroup, path) -> Dict[str, object]:
    d = group.data
    args: Dict[str, object] = {"name": group.name}
    for key in ("interval", "query_offset"):
        if not is_null(d.get(key)):
            args[key] = _text(path, d[key], d.line_of(key), key)
    if not is_null(d.get("limit")):
        try:
            args["limit"] = int(str(d["limit"]))
        except ValueError:
            raise _fail(path, d.line_of("limit"), f"limit {d['limit']!r} must be a whole number") from None
    labels = _string_map(path, d.get("labels"), d.line_of("labels"), "group labels")
    if labels:
        args["labels"] = labels
    return args


def _located(factory, where: Location, diags: List[Diagnostic]):
    """Call a model constructor; its diagnostics are moved to ``where`` (the YAML line) and collected."""
    from obskit.model.base import set_attr
    with collecting() as found:
        try:
            obj = factory()
        except DefinitionError as exc:      # pragma: no cover - collecting() records instead of raising
            found.extend(exc.diagnostics)
            obj = None
    diags += [Diagnostic(d.code, d.message, d.obj, where, d.hint, d.severity) for d in found]
    if obj is not None:
        set_attr(obj, "location", where)
    return obj


def to_model(source: RuleSource, diags: List[Diagnostic], file_label: Optional[str] = None):
    """Model RuleGroups of ``source``, each object located at its YAML line (``file_label`` names the
    file in locations, default its path). Problems are appended to ``diags``; groups with a broken rule
    are left out. Groups without rules are skipped (Prometheus evaluates nothing for them)."""
    from obskit.model.base import is_valid
    from obskit.model.rules import AlertRule, RecordingRule, RuleGroup
    file = file_label or source.path
    out = []
    for g in source.groups:
        rules, ok = [], True
        for r in g.rules:
            a = rule_args(r, source.path)
            cls = AlertRule if a.kind == "alert" else RecordingRule
            obj = _located(lambda: cls(**a.args), Location(file, a.line), diags)
            if obj is None or not is_valid(obj):
                ok = False
                continue
            rules.append(obj)
        if not rules or not ok:
            continue
        group = _located(lambda: RuleGroup(rules=tuple(rules), **group_args(g, source.path)),
                         Location(file, g.line), diags)
        if group is not None and is_valid(group):
            out.append(group)
    return out


def parse_rules(path: "str | Path", text: Optional[str] = None, *, objects: bool = True,
                file_label: Optional[str] = None):
    """``(RuleSource, model groups, diagnostics)`` for one file; SourceError when it is not a rule file."""
    source = read(path, text, objects=objects)
    diags: List[Diagnostic] = []
    groups = to_model(source, diags, file_label)
    return source, groups, diags
