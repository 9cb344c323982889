"""Deterministic YAML: keys in the order given, multi-line strings as literal blocks.

The output is exactly PyYAML's (``SafeDumper``, block style, indent 2, width 4096, multi-line
strings as ``|`` blocks). Common shapes — mappings, sequences, plain-safe strings, numbers, literal
blocks — are written by a small emitter of our own, which is many times faster on big rule files;
any scalar it is not sure about is handed to PyYAML (and cached), so both paths give the same bytes.
``tests/test_yamlfmt.py`` checks that on generated data.
"""
from __future__ import annotations

import marshal
import re
import threading
from functools import lru_cache
from typing import Dict, List

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


# strings PyYAML writes plain: start with a letter or '_', made of "quiet" characters (quotes and
# ':' not followed by a space are quiet after the first character: PromQL label matchers and rule
# names), words separated by single spaces, not something a YAML 1.1 resolver would read as another type
_QUIET = r"A-Za-z0-9_./=+()%$@<>!~*,;{}\[\]|\"'-"
_QUIET_CHAR = rf"(?:[{_QUIET}]|:(?=[{_QUIET}:]))"
_PLAIN = re.compile(rf"[A-Za-z_]{_QUIET_CHAR}*(?: {_QUIET_CHAR}+)*")
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


# Memos of the checks above, for the strings a build writes over and over (keys, label values,
# expressions); bounded: a full memo is emptied and fills again with the strings in use.
_MEMO_LIMIT = 200_000


def _remember(memo: dict, key: str, value) -> None:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()            # start again: the strings of the files being written come back
    memo[key] = value
_KEY_OK: Dict[str, bool] = {}
_STR_TEXT: Dict[str, str] = {}         # one-line string → its scalar text
_BLOCK_OK: Dict[str, bool] = {}        # multi-line string → written as a |- block


def _plain_key(key) -> bool:
    ok = _KEY_OK.get(key) if type(key) is str else None
    if ok is None:
        ok = isinstance(key, str) and bool(_PLAIN.fullmatch(key)) and not _RESOLVED.fullmatch(key)
        if type(key) is str:
            _remember(_KEY_OK, key, ok)
    return ok


# PyYAML's (libyaml's) choice for a one-line string of printable ASCII in block context: plain unless
# it starts with an indicator or a space, holds ": " or " #", ends with ":" or a space (or reads as
# another type, which only strings starting with one of _TYPED or in _RESOLVED can); else single-quoted.
_PRINTABLE = re.compile(r"[ -~]+")
_NOT_PLAIN = re.compile(r"---|\.\.\.|[#,\[\]{}&*!|>'\"%@`]|[?:-](?: |$)| |.*(?:: |:$| #| $)", re.S)
_TYPED = frozenset("-+0123456789.<=~")
_QUOTED_UP_TO = 3000     # longer strings may be folded over lines at the 4096-column width


def _ascii_scalar(value: str) -> "str | None":
    """The scalar text of a short printable-ASCII string, worked out as PyYAML does; None when unsure."""
    if len(value) > _QUOTED_UP_TO or value[0] in _TYPED or not _PRINTABLE.fullmatch(value) \
            or _RESOLVED.fullmatch(value):
        return None
    if _NOT_PLAIN.match(value):
        return "'" + value.replace("'", "''") + "'"
    return value


def _str_scalar(value: str) -> str:
    text = _STR_TEXT.get(value)
    if text is None:
        if len(value) < 1000 and _PLAIN.fullmatch(value) and not _RESOLVED.fullmatch(value):
            text = value
        elif value and type(value) is str and (text := _ascii_scalar(value)) is not None:
            pass
        else:
            text = _scalar_slow(value)
            if "\n" in text:       # folded over lines: depends on the context, let PyYAML write it all
                raise _Fallback
        if type(value) is str:
            _remember(_STR_TEXT, value, text)
    return text


def _scalar(value) -> str:
    if isinstance(value, str):
        return _str_scalar(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if type(value) is float:    # 0.0 == -0.0 (same hash), so the memo is keyed by the exact bits
        return _float_scalar(value.hex(), value)
    return _scalar_slow(value)


@lru_cache(maxsize=4096)
def _float_scalar(bits: str, value: float) -> str:
    return _scalar_slow.__wrapped__(value)


# the whole of a block: its first line as _BLOCK_FIRST, every later one as _BLOCK_LINE, in one match
_BLOCK = re.compile(r"[!-~](?:[ -~]*[!-~])?(?:\n[ -~]*[!-~])*")


def _block_ok(value: str) -> bool:
    ok = _BLOCK_OK.get(value)
    if ok is None:
        ok = len(value) <= 4000 and bool(_BLOCK.fullmatch(value))
        if type(value) is str:
            _remember(_BLOCK_OK, value, ok)
    return ok


def _literal(value: str, indent: int) -> "str | None":
    """A ``|-`` block when PyYAML would write one, else None."""
    if not _block_ok(value):
        return None
    pad = "\n" + " " * indent
    return "|-" + pad + value.replace("\n", pad)


class _Fallback(Exception):
    """A shape the fast path does not write (e.g. a key that needs quoting): use PyYAML."""


# The block rendering of a sequence is the same at every indent, shifted. A build writes the same
# big sequence twice in a row (a rule file's groups, then the same groups in the PrometheusRule
# object): sequences in the first two levels of a document are kept for the next few documents, by
# their marshal bytes. marshal is exact for plain data (it tells 1 from 1.0, True and '1', and keeps
# key order), is several times faster than repr, and refuses anything else (then nothing is kept).
_SEQUENCES: Dict[bytes, str] = {}
_SEQUENCES_KEPT = 4
_SEQUENCES_LOCK = threading.Lock()


def _sequence(data: list, indent: int) -> str:
    try:
        key = marshal.dumps(data)
    except ValueError:          # not plain data (a str subclass, an object): written, not kept
        key = None
    text = _SEQUENCES.get(key) if key is not None else None
    if text is None:
        out: List[str] = []
        _emit(data, 0, out, False, 2)
        text = "".join(out)
        if key is not None:
            with _SEQUENCES_LOCK:           # dump may be called from several threads
                if len(_SEQUENCES) >= _SEQUENCES_KEPT:
                    del _SEQUENCES[next(iter(_SEQUENCES))]
                _SEQUENCES[key] = text
    if indent:          # every line is shifted (no line is empty: see _BLOCK_LINE)
        pad = " " * indent
        text = pad + text[:-1].replace("\n", "\n" + pad) + "\n"
    return text


def _emit(data, indent: int, out: List[str], in_seq: bool, depth: int = 0) -> None:
    """Append the block rendering of a mapping or sequence; the caller wrote any key or dash.
    ``depth`` is the nesting level of ``data`` in the document (0 for the document)."""
    pad = " " * indent
    append = out.append
    if isinstance(data, dict):
        prefix = "" if in_seq else pad
        for key, value in data.items():
            if not (_KEY_OK.get(key) if type(key) is str else None) and not _plain_key(key):
                raise _Fallback
            t = type(value)
            if t is str and "\n" not in value:
                append(f"{prefix}{key}: {_str_scalar(value)}\n")
            elif (t is dict or isinstance(value, dict)) and value:
                append(f"{prefix}{key}:\n")
                _emit(value, indent + 2, out, False, depth + 1)
            elif (t is list or isinstance(value, list)) and value:
                append(f"{prefix}{key}:\n")
                if depth < 2:           # PyYAML indents no sequence in a mapping
                    append(_sequence(value, indent))
                else:
                    _emit(value, indent, out, False, depth + 1)
            else:
                append(f"{prefix}{key}: {_value(value, indent + 2)}\n")
            prefix = pad
        return
    prefix = "" if in_seq else pad
    for item in data:
        if isinstance(item, (dict, list)) and item:
            append(f"{prefix}- ")
            _emit(item, indent + 2, out, True, depth + 1)
        else:
            append(f"{prefix}- {_value(item, indent + 2)}\n")
        prefix = pad


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
