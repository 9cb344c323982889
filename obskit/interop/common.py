"""Helpers shared by the importers: reading YAML documents, building SLOs without raising."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import yaml

from obskit.errors import DefinitionError
from obskit.interop.findings import Notes


class SourceError(ValueError):
    """The file is not a document of the expected format at all (nothing can be imported)."""


def read_documents(path: Path) -> List[dict]:
    try:
        docs = [d for d in yaml.safe_load_all(Path(path).read_text()) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SourceError(f"{path}:{mark.line + 1 if mark else 1}: not valid YAML: "
                          f"{getattr(exc, 'problem', None) or exc}") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read YAML: {exc}") from None
    for d in docs:
        if not isinstance(d, dict):
            raise SourceError(f"{path}: every YAML document must be a mapping, got {type(d).__name__}")
    return docs


def get(d: dict, *names, default=None):
    """The first of ``names`` present in ``d`` (Sloth mixes snake_case and camelCase spellings)."""
    for n in names:
        if n in d:
            return d[n]
    return default


def unknown_keys(d: dict, known: Tuple[str, ...]) -> List[str]:
    return sorted(k for k in d if k not in known)


def build(factory: Callable[[], object], notes: Notes, subject: str) -> Optional[object]:
    """Call a model constructor; its validation errors become ``lost`` findings instead of raising."""
    try:
        return factory()
    except DefinitionError as exc:
        for d in exc.diagnostics:
            notes.lost(subject, f"obskit rejects it: {d.message}")
        return None
    except (TypeError, ValueError) as exc:
        notes.lost(subject, f"obskit rejects it: {exc}")
        return None


def dump_yaml(value) -> str:
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=False, width=4096)


def json_strings(text, notes: Notes, subject: str, what: str) -> dict:
    """An annotation holding a JSON object of strings (``obskit.dev/tier-labels``); else a ``lost`` finding."""
    try:
        value = json.loads(str(text))
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        notes.lost(subject, f"{what} {text!r} is not a JSON object of strings")
        return {}
    return value
