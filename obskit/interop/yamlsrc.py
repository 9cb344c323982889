"""YAML read for importers that must say where things are: every mapping knows its line and the line
of each key, scalars stay the text that was written (no YAML 1.1 guessing: ``for: 5m``, ``severity:
1`` and ``expr: 1`` are all strings, as Go's decoders give them to Prometheus and Alertmanager), and
duplicate keys are refused the way Go's ``yaml.v3`` refuses them."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

import yaml

from obskit.interop.common import SourceError


class Mapping(dict):
    """A YAML mapping with its position: ``line`` (1-based) and ``key_lines[key]``."""

    line: int = 0
    key_lines: Dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class Sequence(list):
    line: int = 0
    item_lines: List[int]


class Null(str):
    """An empty or ``null``/``~`` scalar (the base loader gives it as text; importers treat it as absent)."""


_NULLS = ("", "null", "Null", "NULL", "~")


class _Loader(yaml.BaseLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Mapping:
    out = Mapping()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (Mapping, Sequence)):
            raise SourceError(f"line {key_node.start_mark.line + 1}: a mapping key must be a scalar")
        key = str(key)
        if key in out:
            raise SourceError(f"line {key_node.start_mark.line + 1}: mapping key {key!r} already defined at line "
                              f"{out.key_lines[key]}")
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> Sequence:
    out = Sequence(loader.construct_object(n, deep=True) for n in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [n.start_mark.line + 1 for n in node.value]
    return out


def _scalar(loader: _Loader, node: yaml.ScalarNode) -> str:
    text = loader.construct_scalar(node)
    if node.style is None and text in _NULLS:
        return Null(text)
    return text


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG, _scalar)


def load_all(path: Path, text: Optional[str] = None) -> List[object]:
    """Every non-empty document of ``path``; SourceError (naming the file and line) when it is not YAML."""
    try:
        text = Path(path).read_text() if text is None else text
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from None
    try:
        docs = list(yaml.load_all(text, Loader=_Loader))
    except SourceError as exc:
        raise SourceError(f"{path}:{str(exc)[5:]}" if str(exc).startswith("line ") else f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise SourceError(f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    return [d for d in docs if not isinstance(d, Null) and d is not None]


def is_null(value) -> bool:
    return value is None or isinstance(value, Null)


def line(value, default: int = 0) -> int:
    return getattr(value, "line", default) or default
