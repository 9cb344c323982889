"""Reading ``obskit.toml`` into :class:`obskit.project.Settings`: typed, every key checked, every
problem located at its line and reported together.

Each table (``[project]``, ``[kubernetes]``, ``[grafana]``) is one frozen dataclass in
``obskit/project.py``. A key's type comes from its field's annotation; durations (fields marked
``metadata={"duration": True}`` or listed in :data:`DURATION_FIELDS`) take Prometheus duration strings
(``"30s"``, ``"1m"``) or integers meaning seconds, as the Python API does. Range and format checks
stay in each class's ``__post_init__``; their messages are located at the key they name.
"""
from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
import typing
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from obskit.duration import Duration, DurationError
from obskit.errors import DefinitionError, Diagnostic
from obskit.location import Location
from obskit.project import TABLES, Settings

FILE = "obskit.toml"
#: ``(table, key)`` of settings that are durations (stored as whole seconds)
DURATION_FIELDS = {("project", "scrape_interval"), ("project", "evaluation_interval")}

_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+|\"[^\"]*\")\s*=")


def tables() -> Dict[str, type]:
    return {"project": Settings, **TABLES}


def fields(table: str) -> Dict[str, dataclasses.Field]:
    cls = tables()[table]
    skip = set(TABLES) if table == "project" else set()
    return {f.name: f for f in dataclasses.fields(cls) if f.name not in skip}


def _lines(text: str) -> Dict[Tuple[str, Optional[str]], int]:
    """``(table, key) → line``; ``(table, None)`` is the table's header. Top-level keys are table ""."""
    where: Dict[Tuple[str, Optional[str]], int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            table = header.group(1)
            where.setdefault((table, None), number)
            continue
        key = _KEY.match(line)
        if key:
            where.setdefault((table, key.group(1).strip('"')), number)
    return where


def _describe(tp) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return _describe(rest[0]) if len(rest) == 1 else " or ".join(_describe(a) for a in rest)
    if tp is str:
        return "a string"
    if tp is bool:
        return "true or false"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is dict or origin is dict or (origin in (tuple, typing.Tuple) and args and typing.get_origin(args[0]) in (tuple,)):
        return "a table"
    if origin in (tuple, list):
        return "a list of strings"
    return "a value"


def _check_type(tp, value) -> bool:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union:
        return any(_check_type(a, value) for a in args)
    if tp is type(None):
        return value is None
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if tp is dict or origin is dict:
        return isinstance(value, dict)
    if origin is tuple:
        if args and typing.get_origin(args[0]) is tuple:          # ((key, value), ...): a TOML table
            return isinstance(value, dict)
        return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    return True


def _duration_seconds(value) -> int:
    if isinstance(value, bool):
        raise DurationError("expected a duration")
    return Duration.parse(value).seconds


def _did_you_mean(word: str, known) -> str:
    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def load_settings(root: Path) -> Settings:
    """``ROOT/obskit.toml`` (defaults when missing); DefinitionError with every problem found."""
    path = Path(root) / FILE
    if not path.exists():
        return Settings()
    text = path.read_text()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise DefinitionError(Diagnostic("bad-config", f"not valid TOML: {exc}", FILE,
                                         Location(str(path), int(line.group(1)) if line else 0))) from None
    where = _lines(text)
    problems: List[Diagnostic] = []

    def problem(message: str, table: str, key: Optional[str] = None, hint: str = "") -> None:
        line = where.get((table, key)) or where.get((table, None)) or 0
        problems.append(Diagnostic("bad-config", message, FILE, Location(str(path), line), hint=hint))

    known_tables = tables()
    values: Dict[str, Dict[str, Any]] = {}
    for name, value in data.items():
        if name not in known_tables:
            if isinstance(value, dict):
                problem(f"unknown table [{name}]{_did_you_mean(name, known_tables)}", name,
                        hint=f"known tables: {', '.join(f'[{t}]' for t in known_tables)}")
            else:
                problem(f"{name} = ... is outside any table{_did_you_mean(name, fields('project'))}", "", name,
                        hint="settings go in a table: [project], [kubernetes] or [grafana]")
            continue
        if not isinstance(value, dict):
            problem(f"{name} must be a table ([{name}]), not a value", "", name)
            continue
        values[name] = {}
        known = fields(name)
        hints = typing.get_type_hints(known_tables[name])
        for key, item in value.items():
            if key not in known:
                problem(f"[{name}] {key}: unknown setting{_did_you_mean(key, known)}", name, key,
                        hint=f"known in [{name}]: {', '.join(sorted(known))} (docs/settings.md)")
                continue
            if (name, key) in DURATION_FIELDS or known[key].metadata.get("duration"):
                try:
                    item = _duration_seconds(item)
                except (DurationError, ValueError, TypeError):
                    problem(f"[{name}] {key} = {item!r}: expected a duration such as \"30s\" or \"1m\" "
                            "(an integer means seconds)", name, key)
                    continue
                if item <= 0:
                    problem(f"[{name}] {key} = {item!r}: must be more than 0s", name, key)
                    continue
            elif not _check_type(hints[key], item):
                problem(f"[{name}] {key} = {item!r}: expected {_describe(hints[key])}", name, key)
                continue
            values[name][key] = item
    # the classes' own checks run on the keys that passed (so every problem is reported at once)

    built: Dict[str, Any] = {}
    for name, cls in known_tables.items():
        if name == "project":
            continue
        try:
            built[name] = cls(**values.get(name, {}))
        except (TypeError, ValueError) as exc:
            problem(f"[{name}] {exc}", name, _named_key(str(exc), values.get(name, {})))
    if problems:
        raise DefinitionError(problems)
    project = values.get("project", {})
    try:
        settings = Settings(**project, **{name: built.get(name, cls()) for name, cls in TABLES.items()})
    except (TypeError, ValueError) as exc:
        problem(f"[project] {exc}", "project", _named_key(str(exc), project))
    if problems:
        raise DefinitionError(problems)
    return settings


def _named_key(message: str, section: Dict[str, Any]) -> Optional[str]:
    """The key a ``__post_init__`` message is about: the first key of the table it names."""
    for key in sorted(section, key=len, reverse=True):
        if re.search(rf"(^|[^A-Za-z0-9_]){re.escape(key)}([^A-Za-z0-9_]|$)", message):
            return key
    return None
