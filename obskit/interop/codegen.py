"""A small writer of readable Python for the importers: calls with one keyword a line when long,
tuples, dicts, strings split after their newlines, comments above an item."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

WIDTH = 100


@dataclass(frozen=True)
class Call:
    """``name(arg, ..., key=value, ...)``; ``comment`` is written on the line above."""

    name: str
    kwargs: Dict[str, object] = field(default_factory=dict)
    args: Sequence[object] = ()
    comment: str = ""
    line: int = 0          # where it came from in the source (for located problems)


@dataclass(frozen=True)
class Raw:
    """Code written as is (a variable name)."""

    code: str


def literal(text: str) -> str:
    """A Python literal of ``text``; raw when it has backslashes (regexes read as written)."""
    if "\\" in text and "'" not in text and "\n" not in text and not text.endswith("\\") and text.isprintable():
        return f"r'{text}'"
    return repr(text)


def _string(text: str, indent: int) -> str:
    lines = text.splitlines(keepends=True)
    if len(lines) <= 1:
        return literal(text)
    pad = " " * (indent + 4)
    return "(\n" + "".join(f"{pad}{literal(line)}\n" for line in lines) + " " * indent + ")"


def _one_line(value) -> Optional[str]:
    """The value on one line, or None when it cannot be (multi-line strings, comments)."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, Raw):
        return value.code
    if isinstance(value, str):
        return literal(value) if "\n" not in value.rstrip("\n") else None
    if isinstance(value, (tuple, list)):
        parts = [_one_line(v) for v in value]
        if any(p is None for p in parts):
            return None
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    if isinstance(value, dict):
        parts = [(_one_line(k), _one_line(v)) for k, v in value.items()]
        if any(a is None or b is None for a, b in parts):
            return None
        return "{" + ", ".join(f"{a}: {b}" for a, b in parts) + "}"
    if isinstance(value, Call):
        if value.comment:
            return None
        kw = {k: _one_line(v) for k, v in value.kwargs.items()}
        parts = [_one_line(a) for a in value.args] + [f"{k}={v}" if v is not None else None for k, v in kw.items()]
        if any(p is None for p in parts):
            return None
        return f"{value.name}({', '.join(parts)})"
    raise TypeError(f"cannot write {value!r}")


def code(value, indent: int = 0) -> str:
    """``value`` as Python source starting at column ``indent`` (the first line not indented)."""
    one = _one_line(value)
    if one is not None and indent + len(one) <= WIDTH:
        return one
    pad = " " * (indent + 4)
    if isinstance(value, str):
        return _string(value, indent)
    if isinstance(value, (tuple, list)):
        body = "".join(_item(v, indent + 4) for v in value)
        return "(\n" + body + " " * indent + ")"
    if isinstance(value, dict):
        body = "".join(f"{pad}{code(k, indent + 4)}: {code(v, indent + 4)},\n" for k, v in value.items())
        return "{\n" + body + " " * indent + "}"
    if isinstance(value, Call):
        body = "".join(_item(a, indent + 4) for a in value.args)
        body += "".join(f"{pad}{k}={code(v, indent + 4)},\n" for k, v in value.kwargs.items())
        return f"{value.name}(\n{body}{' ' * indent})"
    return one or repr(value)


def _item(value, indent: int) -> str:
    pad = " " * indent
    lead = "".join(f"{pad}# {line}\n" for line in value.comment.splitlines()) if isinstance(value, Call) else ""
    return f"{lead}{pad}{code(value, indent)},\n"


def assignment(name: str, value, comment: str = "") -> str:
    lead = "".join(f"# {line}\n" for line in comment.splitlines())
    return f"{lead}{name} = {code(value, 0)}"


def imports(module: str, names: List[str]) -> str:
    names = sorted(set(names))
    one = f"from {module} import {', '.join(names)}"
    if len(one) <= WIDTH:
        return one
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")"
