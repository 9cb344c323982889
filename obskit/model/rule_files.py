"""A Prometheus rule file a team keeps as YAML, included in the project unchanged.

    # alerts/ceph.py
    from obskit.model.rule_files import RuleFile
    ceph = RuleFile.include("/etc/prometheus/ceph/ceph_default_alerts.yml", name="ceph",
                            rule_lint_disable={"CephPGImbalance": ("template-label-missing",)})

The file is copied byte for byte to ``prometheus/rules/<name>.yml`` (``name`` defaults to the file's
stem) and checked there by promtool; obskit's lint reads its rules (findings point at the YAML
file:line), ``obskit test`` can run promtool test files against it, nothing is ever rewritten. A
relative path is relative to the module that includes it. To edit the rules in Python instead, run
``obskit import prometheus-rules FILE`` (docs/interop.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

from obskit.errors import Diagnostic, report
from obskit.location import Location
from obskit.model import base as _base
from obskit.model.base import Definition, locate, set_attr

_NAME = re.compile(r"^[a-z0-9]([a-z0-9_.-]*[a-z0-9])?$")
_LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<message>.*)$", re.S)


def _codes(value) -> Tuple[str, ...]:
    items = (value,) if isinstance(value, str) else tuple(value or ())
    return tuple(sorted({str(c) for c in items}))


@dataclass(frozen=True, kw_only=True, eq=False)
class RuleFile(Definition):
    """An included rule file. ``lint_disable`` silences lint codes for every rule and group of it,
    ``rule_lint_disable`` for the rules (alert or record names) or groups (group names) named."""

    path: str
    name: Optional[str] = None
    lint_disable: Tuple[str, ...] = ()
    rule_lint_disable: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)
    location: Location = field(init=False, repr=False, compare=False)
    source_path: Path = field(init=False, repr=False, compare=False)
    data: bytes = field(init=False, repr=False, compare=False)
    groups: Tuple[object, ...] = field(init=False, repr=False, compare=False)

    @classmethod
    def include(cls, path: "str | Path", *, name: Optional[str] = None, lint_disable=(),
                rule_lint_disable: Optional[Mapping[str, object]] = None) -> "RuleFile":
        return cls(path=str(path), name=name, lint_disable=lint_disable, rule_lint_disable=rule_lint_disable or {})

    def __post_init__(self):
        where = locate(self)
        _base._located.obj = None       # no Problems() of this object: nothing to mark later
        what = f"rule file {self.path!r}"
        diags = []
        set_attr(self, "groups", ())
        set_attr(self, "data", b"")
        base = Path(where.file).parent if where.file and not where.file.startswith("<") else Path.cwd()
        path = Path(self.path) if Path(self.path).is_absolute() else base / self.path
        set_attr(self, "source_path", path)
        name = self.name if self.name is not None else path.stem
        set_attr(self, "name", name)
        if not isinstance(name, str) or not _NAME.match(name):
            diags.append(Diagnostic("bad-name", f"name {name!r} must be lowercase letters, digits, '_', '.' or '-' "
                                                "(it names prometheus/rules/<name>.yml)", what, where))
        set_attr(self, "lint_disable", _codes(self.lint_disable))
        per_rule: Dict[str, Tuple[str, ...]] = {}
        for key, codes in dict(self.rule_lint_disable or {}).items():
            per_rule[str(key)] = _codes(codes)
        set_attr(self, "rule_lint_disable", per_rule)
        try:
            data = path.read_bytes()
        except OSError as exc:
            diags.append(Diagnostic("bad-rule-file", f"cannot read {path}: {exc.strerror or exc}", what, where))
            data = None
        if data is not None:
            set_attr(self, "data", data)
            diags += self._parse(path, data, what, where)
        if any(d.severity == "error" for d in diags):
            set_attr(self, "_obskit_invalid", True)
        if diags:
            report(diags)

    def _parse(self, path: Path, data: bytes, what: str, where: Location):
        from obskit.interop.common import SourceError
        from obskit.interop.prometheus_rules import parse_rules
        try:
            text = data.decode()
        except UnicodeDecodeError:
            return [Diagnostic("bad-rule-file", f"{path} is not UTF-8 text", what, where)]
        try:
            _source, groups, diags = parse_rules(path, text, objects=False, file_label=str(path))
        except SourceError as exc:
            m = _LOCATED.match(str(exc))
            if m and m.group("file") == str(path):
                return [Diagnostic("bad-rule-file", m.group("message"), what, Location(str(path), int(m.group("line"))),
                                   hint="promtool check rules refuses it too; fix the file")]
            return [Diagnostic("bad-rule-file", str(exc), what, where)]
        set_attr(self, "groups", tuple(groups))
        return diags

    def disabled_for(self, name: str) -> frozenset:
        """The lint codes switched off for a rule or group called ``name``."""
        return frozenset(self.lint_disable) | frozenset(self.rule_lint_disable.get(name, ()))

    @property
    def output(self) -> str:
        """The built file, relative to the build directory."""
        return f"prometheus/rules/{self.name}.yml"


@dataclass(frozen=True, eq=False)
class PromtoolTests(Definition):
    """promtool test files ``obskit test`` runs as they are (besides the convention
    ``tests/*.promtool.yml``), relative to the defining module. Their ``rule_files`` are pointed at
    the built rules (obskit/verify/promtool_files.py says how)."""

    paths: Tuple[str, ...]
    location: Location = field(init=False, repr=False, compare=False)
    files: Tuple[Path, ...] = field(init=False, repr=False, compare=False)

    @classmethod
    def include(cls, *paths: "str | Path") -> "PromtoolTests":
        return cls(tuple(str(p) for p in paths))

    def __post_init__(self):
        where = locate(self)
        _base._located.obj = None
        paths = (self.paths,) if isinstance(self.paths, str) else tuple(self.paths or ())
        set_attr(self, "paths", paths)
        base = Path(where.file).parent if where.file and not where.file.startswith("<") else Path.cwd()
        files, diags = [], []
        for p in paths:
            path = Path(p) if Path(p).is_absolute() else base / p
            if not path.is_file():
                diags.append(Diagnostic("bad-promtool-test", f"{path} is not a file", f"promtool tests {p!r}", where))
            files.append(path.resolve())
        set_attr(self, "files", tuple(files))
        if diags:
            set_attr(self, "_obskit_invalid", True)
            report(diags)


__all__ = ["PromtoolTests", "RuleFile"]
