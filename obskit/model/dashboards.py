"""Dashboards users write: a grafanalib ``Dashboard``, a grafana-foundation-sdk builder, or a dict.

Wrap each in :class:`Dashboard` with the folder it belongs in::

    from grafanalib import core as g
    from obskit.model.dashboards import Dashboard

    overview = Dashboard(g.Dashboard(title="API", panels=[...]), folder="Platform")

Bare grafanalib objects in a module are *not* collected: a dashboard needs a folder, and the
wrapper is where obskit records the file:line that errors point to (docs/dashboards.md).
"""
from __future__ import annotations

import ast
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional, Tuple

from obskit.model.dashboard_uid import explicit_uid_problem, uid_from_name
from obskit.location import Location
from obskit.model.base import Definition, Problems, locate, set_attr


def source_kind(source: object) -> str:
    """``grafanalib``, ``foundation-sdk``, ``dict`` or '' for anything else."""
    if isinstance(source, dict):
        return "dict"
    module = type(source).__module__ or ""
    if module.startswith("grafanalib."):
        return "grafanalib"
    if module.startswith("grafana_foundation_sdk."):
        return "foundation-sdk"
    return ""


def _to_json_text(source: object, kind: str) -> str:
    """The source as JSON text (raises TypeError/ValueError on what cannot be serialised)."""
    if kind == "grafanalib":
        from grafanalib._gen import DashboardEncoder
        if not hasattr(source, "to_json_data"):
            raise TypeError(f"{type(source).__name__} is not a grafanalib Dashboard")
        return json.dumps(source.to_json_data(), cls=DashboardEncoder, sort_keys=True)
    if kind == "foundation-sdk":
        from grafana_foundation_sdk.cog.encoder import JSONEncoder
        built = source.build() if hasattr(source, "build") else source
        text = json.dumps(built, cls=JSONEncoder, sort_keys=True)
        if not text.startswith("{"):
            raise TypeError(f"{type(source).__name__} does not build a dashboard object")
        return text
    return json.dumps(source, sort_keys=True, allow_nan=False)


@dataclass(frozen=True, kw_only=True, eq=False)
class Dashboard(Definition):
    """A user-written dashboard placed in the Grafana folder titled ``folder``.

    ``uid`` defaults to the uid inside the source, else one derived from the title.
    """

    source: object
    folder: str
    uid: Optional[str] = None
    document: str = field(init=False, repr=False, compare=False)   # the source as JSON text
    kind: str = field(init=False, repr=False, compare=False)
    location: Location = field(init=False, repr=False, compare=False)

    def __init__(self, source: object = None, *, folder: str, uid: Optional[str] = None):
        # positional source reads naturally: Dashboard(g.Dashboard(...), folder="Platform")
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "folder", folder)
        object.__setattr__(self, "uid", uid)
        self.__post_init__()

    def __post_init__(self):
        kind = source_kind(self.source)
        set_attr(self, "kind", kind)
        set_attr(self, "document", "{}")
        failure = ""
        if not kind:
            failure = (f"source must be a grafanalib Dashboard, a grafana-foundation-sdk dashboard builder "
                       f"or a dict, got {type(self.source).__name__}")
        else:
            try:
                set_attr(self, "document", _to_json_text(self.source, kind))
            except (TypeError, ValueError, AttributeError) as exc:
                failure = f"cannot serialise the {kind} dashboard to JSON: {exc}"
        title = json.loads(self.document).get("title")
        p = Problems(f"dashboard {title if isinstance(title, str) and title else '(untitled)'!r}", locate(self))
        if failure:
            p.add("bad-dashboard", failure)
        doc = json.loads(self.document)
        if "elements" in doc and "layout" in doc:
            p.add("bad-dashboard", "this is a v2 dashboard (elements/layout); obskit emits the classic "
                                   "dashboard model Grafana 11 and 12 both load: use the dashboard builder, "
                                   "not dashboardv2")
            doc = {"title": doc.get("title", "")}
        title = doc.get("title")
        if kind and not (isinstance(title, str) and title.strip()):
            p.add("no-title", "the dashboard needs a non-empty title")
        if not isinstance(self.folder, str) or not self.folder.strip():
            p.add("bad-folder", f"folder must be a non-empty folder title, got {self.folder!r}")
        inner = doc.get("uid")
        if self.uid is not None:
            problem = explicit_uid_problem(self.uid)
            if problem:
                p.add("bad-uid", problem)
            elif inner and inner != self.uid:
                p.add("uid-conflict", f"uid={self.uid!r} differs from the uid {inner!r} inside the dashboard",
                      hint="give the uid in one place")
        elif inner is not None:
            problem = explicit_uid_problem(inner)
            if problem:
                p.add("bad-uid", problem)
        p.done()

    @property
    def title(self) -> str:
        return json.loads(self.document).get("title", "")

    @property
    def effective_uid(self) -> str:
        return self.uid or json.loads(self.document).get("uid") or uid_from_name(self.title)

    def line_of(self, texts: Iterable[str]) -> Location:
        """The first line of this dashboard's module holding one of ``texts`` (tried in order; a
        panel's query, its title as a string literal), else where the ``Dashboard`` was written."""
        lines = _lines(self.location.file, _mtime(self.location.file)) if self.location else ()
        for text in texts:
            if not text or len(text) < 3:
                continue
            escaped = json.dumps(text)[1:-1]
            for i, line in enumerate(lines):
                if text in line or escaped in line:
                    return Location(self.location.file, i + 1)
        return self.location

    def problem_location(self, problem: str) -> Location:
        """Where the panel (or variable) a conversion problem names (``panel 'Title': ...``,
        ``variable 'job': ...``) was written, else the ``Dashboard`` line."""
        m = _NAMED.match(problem) or _OVERLAP.match(problem)
        if not m:
            return self.location
        try:
            name = ast.literal_eval(m.group(2))
        except (ValueError, SyntaxError):
            return self.location
        if not isinstance(name, str):
            return self.location
        probes = [f'"{name}"', f"'{name}'"]
        if m.group(1) == "variable":
            probes = [f'name="{name}"', f"name='{name}'"] + probes
        return self.line_of(probes)


#: what a conversion problem starts with: ``[row 'R' ]panel 'T': `` or ``variable 'v': ``
_NAMED = re.compile(r"""^(?:row (?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*") )?(panel|variable) ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")

_QUOTED = r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
#: ``panels 'a' and 'b' overlap``: located at the second
_OVERLAP = re.compile(rf"^(panel)s {_QUOTED[:-1].replace('(', '(?:', 1)}) and {_QUOTED}")


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


@lru_cache(maxsize=256)
def _lines(path: str, mtime: int) -> Tuple[str, ...]:
    """The lines of ``path`` (``mtime`` keys the cache: a file rewritten in the same process is read again)."""
    try:
        return tuple(Path(path).read_text().splitlines())
    except (OSError, UnicodeDecodeError):
        return ()
