"""A team's existing promtool test files, run as they are by ``obskit test``.

Which files: every ``tests/*.promtool.yml`` / ``tests/*.promtool.yaml`` of the project, and the files
a :class:`~obskit.model.rule_files.PromtoolTests` definition lists. Each runs under every promtool
``obskit test`` runs (the project's floor up), one run per file, its tests named as in the file.

Everything in the file is kept byte for byte except its ``rule_files``, which are pointed at what the
project builds, so the tests prove the built rules, not an old copy:

1. an entry naming a file the project includes (``RuleFile.include``) → the built copy;
2. an entry whose file stem is that of an imported module (``obskit import prometheus-rules x.yml``
   writes ``alerts/x.py``, built as ``prometheus/rules/x-alerts.yml``) → that built file;
3. an entry that is a path of the build output (``prometheus/rules/api-alerts.yml``, globs too) → it;
4. any other entry that exists beside the test file → itself (a rule file the project does not own).

Anything else is an error at the entry's line. promtool resolves the rewritten entries as absolute
paths, so the test file is run from a scratch directory.

This module reads and rewrites the files (:func:`discover`, :func:`load`); the ``obskit test``
provider that builds the rule files they point at is :func:`obskit.testing.user_promtool_tests`.
"""
from __future__ import annotations

import fnmatch
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from obskit.errors import DefinitionError, Diagnostic
from obskit.location import Location

BUILT = "obskit-built"


@dataclass(frozen=True)
class _Test:
    """A test of the file, by name (promtool's report is explained without obskit's own checks)."""

    name: str
    alert_checks: tuple = ()
    expr_checks: tuple = ()


@dataclass(frozen=True)
class UserTestFile:
    """One of the team's promtool test files with its ``rule_files`` resolved (duck-types
    :class:`~obskit.verify.promtool_tests.PromtoolTestFile` for :func:`obskit.verify.runner.run_files`)."""

    path: Path
    subject: str
    text: str                               # the file with rule_files rewritten
    tests: Tuple[_Test, ...]
    built: Dict[str, bytes]                 # build-relative path → bytes the rewritten entries point at
    built_dir: str                          # where they are written (absolute)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def cost(self) -> float:
        return len(self.text)

    def write(self, directory: Path) -> Path:
        for rel, data in self.built.items():
            target = Path(self.built_dir) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists() or target.read_bytes() != data:
                tmp = target.with_name(f".{target.name}.{os.getpid()}.{id(self)}")
                tmp.write_bytes(data)
                os.replace(tmp, target)
        out = Path(directory) / f"{self.path.stem}-{abs(hash(str(self.path))) % 10**8}.yml"
        out.write_text(self.text)
        return out


def discover(project) -> List[Tuple[Path, Location]]:
    """The project's promtool test files, each with where it was declared."""
    from obskit.model.rule_files import PromtoolTests
    found: List[Tuple[Path, Location]] = []
    tests_dir = Path(project.root) / "tests"
    for pattern in ("*.promtool.yml", "*.promtool.yaml"):
        for p in sorted(tests_dir.glob(pattern)) if tests_dir.is_dir() else ():
            found.append((p.resolve(), Location(str(p), 1)))
    for decl in project.of(PromtoolTests):
        for p in decl.files:
            found.append((p, decl.location))
    seen, out = set(), []
    for p, loc in found:
        if p not in seen:
            seen.add(p)
            out.append((p, loc))
    return out


def _entry_lines(text: str) -> Tuple[Optional[Tuple[int, int]], List[int]]:
    """The character span from the end of the ``rule_files`` key to the end of its value (the colon
    included), and the line of each entry."""
    node = yaml.compose(text)
    if not isinstance(node, yaml.MappingNode):
        return None, []
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "rule_files":
            lines = [n.start_mark.line + 1 for n in value.value] if isinstance(value, yaml.SequenceNode) else []
            return (key.end_mark.index, value.end_mark.index), lines   # from after the key to the value's end
    return None, []


def load(path: Path, declared: Location, project, built, included, imported, built_dir: str) -> UserTestFile:
    from obskit.interop.pycode import identifier
    where = f"promtool test file {path.name}"

    def fail(line: int, message: str, hint: str = "") -> DefinitionError:
        return DefinitionError(Diagnostic("bad-promtool-test", message, where, Location(str(path), line), hint))

    try:
        text = path.read_text()
    except OSError as exc:
        raise DefinitionError(Diagnostic("bad-promtool-test", f"cannot read {path}: {exc.strerror or exc}", where,
                                         declared)) from None
    try:
        doc = yaml.safe_load(text)
        span, lines = _entry_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise fail(mark.line + 1 if mark else 1, f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("tests"), list):
        raise fail(1, "not a promtool test file (want rule_files and tests)")
    entries = doc.get("rule_files") or []
    if not isinstance(entries, list) or span is None:
        raise fail(1, "rule_files must be a list of rule files")
    base = path.parent
    resolved: List[str] = []
    used: Dict[str, bytes] = {}
    for entry, line in zip(entries, lines or [1] * len(entries)):
        entry = str(entry)
        candidate = Path(entry) if Path(entry).is_absolute() else base / entry
        key = str(candidate.resolve()) if candidate.exists() else None
        if key in included:
            rels = [included[key]]
        elif identifier(Path(entry).stem) in imported and not any(c in entry for c in "*?["):
            rels = [imported[identifier(Path(entry).stem)]]
        else:
            rels = sorted(r for r in built if fnmatch.fnmatchcase(r, entry))
        if rels:
            for r in rels:
                used[r] = built[r]
                resolved.append(str(Path(built_dir) / r))
            continue
        matches = sorted(base.glob(entry)) if not Path(entry).is_absolute() else (
            [candidate] if candidate.exists() else [])
        if not matches:
            raise fail(line, f"rule file {entry!r} is neither built by the project nor found beside the test file",
                       hint="name an included or imported rule file, or a built path such as "
                            "prometheus/rules/<module>-alerts.yml")
        resolved += [str(m.resolve()) for m in matches]
    rest = text[span[1]:]
    new = text[:span[0]] + ": " + json.dumps(resolved) + ("" if rest.startswith(("\n", "\r")) else "\n") + rest
    names = tuple(_Test(str(t.get("name") or f"test {i + 1}")) if isinstance(t, dict) else _Test(f"test {i + 1}")
                  for i, t in enumerate(doc["tests"]))
    rel = Location(str(path), 0).relative_to(str(project.root)).file
    return UserTestFile(path, f"promtool test file {rel}", new, names, used, built_dir)
