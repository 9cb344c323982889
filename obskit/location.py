"""Where a user object was defined: the first stack frame outside the obskit package."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


@dataclass(frozen=True, order=True)
class Location:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    def relative_to(self, root: str) -> "Location":
        try:
            rel = os.path.relpath(self.file, root)
        except ValueError:
            return self
        return self if rel.startswith("..") else Location(rel, self.line)


# code file name → whether it is obskit's own (or generated code): asked for every frame of every
# definition made, so remembered for absolute names (a relative one depends on the working directory)
_OWN: "dict[str, bool]" = {}


def _own(filename: str) -> bool:
    own = _OWN.get(filename)
    if own is None:
        own = filename.startswith("<") or os.path.abspath(filename).startswith(_PACKAGE_DIR)
        if (filename.startswith("<") or os.path.isabs(filename)) and len(_OWN) < 100_000:
            _OWN[filename] = own
    return own


def caller_location() -> Location:
    """The innermost frame whose file is not part of obskit (or a dataclass-generated __init__)."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not _own(filename):
            return Location(filename, frame.f_lineno)
        frame = frame.f_back
    return Location("<unknown>", 0)
