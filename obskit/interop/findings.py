"""What an import or export could not carry over, or carried over with a behaviour difference."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

#: ``lost``: something of the source is not in the output (the conversion is partial);
#: ``changed``: converted, but obskit behaves differently in a way worth knowing;
#: ``unsupported``: an export skipped the whole definition (the target format cannot express it).
KINDS = ("lost", "changed", "unsupported")


@dataclass(frozen=True)
class Finding:
    source: str            # file the finding is about
    subject: str           # e.g. "SLO myservice/requests-availability"
    kind: str              # one of KINDS
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.subject}: {self.kind}: {self.message}"

    def to_dict(self) -> dict:
        return {"source": self.source, "subject": self.subject, "kind": self.kind, "message": self.message}


@dataclass
class Notes:
    """Findings being gathered for one source file."""

    source: str
    items: List[Finding] = field(default_factory=list)

    def lost(self, subject: str, message: str) -> None:
        self.items.append(Finding(self.source, subject, "lost", message))

    def changed(self, subject: str, message: str) -> None:
        self.items.append(Finding(self.source, subject, "changed", message))


@dataclass(frozen=True)
class ImportedSLO:
    """One converted SLO and the findings about it (written as comments above it)."""

    variable: str
    slo: object                              # obskit.model.slo.SLO
    findings: Tuple[Finding, ...] = ()


@dataclass(frozen=True)
class Unconverted:
    """A part of the source that became no definition at all: kept as a comment with its text."""

    subject: str
    reason: str
    text: str


@dataclass(frozen=True)
class ImportedModule:
    """One Python module to write (``<module>.py``) from one source file."""

    module: str
    source: str
    source_format: str                       # "Sloth prometheus/v1", ...
    description: str
    slos: Tuple[ImportedSLO, ...]
    unconverted: Tuple[Unconverted, ...] = ()
    findings: Tuple[Finding, ...] = ()       # every finding of the file (SLO ones included)

    @property
    def partial(self) -> bool:
        return any(f.kind == "lost" for f in self.findings)


def is_partial(findings) -> bool:
    return any(f.kind == "lost" for f in findings)


def first_line(text: Optional[str]) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""
