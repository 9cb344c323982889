"""Deterministic YAML: keys in the order given, multi-line strings as literal blocks.

The output is exactly PyYAML's (``SafeDumper``, block style, indent 2, width 4096, multi-line
strings as ``|`` blocks). Common shapes — mappings, sequences, plain-safe strings, numbers, literal
blocks — are written by a small emitter of our own, which is many times faster on big rule files;
any scalar it is not sure about is handed to PyYAML (and cached), so both paths give the same bytes.
``tests/test_yamlfmt.py`` checks that on generated data.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import List

import yaml


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    pass


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
_OPTS = dict(Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096, indent=2)


def pyyaml_dump(data) -> str:
    """PyYAML's own rendering (the reference the fast path must equal)."""
    return yaml.dump(data, **_OPTS)


# strings PyYAML writes plain: start with a letter or '_', made of "quiet" characters, not
# something a YAML 1.1 resolver would read as another type
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./=+()%$@<>!~*,;{}\[\]|-]*(?: [A-Za-z0-9_./=+()%$@<>!~*,;{}\[\]|-]+)*")
_RESOLVED = re.compile(r"(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
                       r"|null|Null|NULL|_)")
_BLOCK_FIRST = re.compile(r"[!-~](?:[ -~]*[!-~])?")   # printable ASCII, no edge spaces
_BLOCK_LINE = re.compile(r"[ -~]*[!-~]")               # later lines may be indented


@lru_cache(maxsize=65536)
def _scalar_slow(value) -> str:
    text = yaml.dump(value, **_OPTS)
    if text.endswith("\n...\n"):
        text = text[:-5]
    return text.rstrip("\n")


def _scalar(value) -> str:
    if isinstance(value, str):
        if len(value) < 1000 and _PLAIN.fullmatch(value) and not _RESOLVED.fullmatch(value):
            return value
        text = _scalar_slow(value)
        if "\n" in text:       # folded over lines: depends on the context, let PyYAML write it all
            raise _Fallback
        return text
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    return _scalar_slow(value)


def _literal(value: str, indent: int) -> "str | None":
    """A ``|-`` block when PyYAML would write one, else None."""
    if not value or value.endswith("\n") or len(value) > 4000:
        return None
    lines = value.split("\n")
    if not _BLOCK_FIRST.fullmatch(lines[0]) or not all(_BLOCK_LINE.fullmatch(line) for line in lines[1:]):
        return None
    pad = " " * indent
    return "|-\n" + "\n".join(pad + line for line in lines)


class _Fallback(Exception):
    """A shape the fast path does not write (e.g. a key that needs quoting): use PyYAML."""


def _emit(data, indent: int, out: List[str], in_seq: bool) -> None:
    """Append the block rendering of a mapping or sequence; the caller wrote any key or dash."""
    pad = " " * indent
    if isinstance(data, dict):
        first = True
        for key, value in data.items():
            prefix = "" if (first and in_seq) else pad
            first = False
            if not (isinstance(key, str) and _PLAIN.fullmatch(key) and not _RESOLVED.fullmatch(key)):
                raise _Fallback
            k = key
            if isinstance(value, dict) and value:
                out.append(f"{prefix}{k}:\n")
                _emit(value, indent + 2, out, False)
            elif isinstance(value, list) and value:
                out.append(f"{prefix}{k}:\n")
                _emit(value, indent, out, False)        # PyYAML indents no sequence in a mapping
            else:
                out.append(f"{prefix}{k}: {_value(value, indent + 2)}\n")
        return
    for i, item in enumerate(data):
        prefix = "" if (i == 0 and in_seq) else pad
        if isinstance(item, (dict, list)) and item:
            out.append(f"{prefix}- ")
            _emit(item, indent + 2, out, True)
        else:
            out.append(f"{prefix}- {_value(item, indent + 2)}\n")


def _value(value, indent: int) -> str:
    if isinstance(value, dict):
        return "{}" if not value else _fallback(value)
    if isinstance(value, list):
        return "[]" if not value else _fallback(value)
    if isinstance(value, str) and "\n" in value:
        block = _literal(value, indent)
        if block is None:
            raise _Fallback
        return block
    return _scalar(value)


def _fallback(value) -> str:  # pragma: no cover - only reached for shapes _emit handles itself
    raise TypeError(f"unexpected value {value!r}")


def dump(data) -> str:
    """Render ``data`` (a mapping or sequence of plain values) as block YAML."""
    if not isinstance(data, (dict, list)) or not data:
        return pyyaml_dump(data)
    out: List[str] = []
    try:
        _emit(data, 0, out, False)
    except _Fallback:
        return pyyaml_dump(data)
    return "".join(out)
