"""Wall and CPU seconds per build phase, for ``obskit build --phases``: importing the definition
modules, each project check, each target's render and verify, writing.

Off unless a caller records (:func:`recording`): then :func:`phase` adds to the current recording
(a ContextVar, so the verification threads that copy the build's context add to it too). CPU is that
of the thread running the phase; the tools a phase runs (promtool, amtool) are not in it. A target
rendered in a forked process shows as the time waited for it.
"""
from __future__ import annotations

import contextlib
import contextvars
import time
from typing import Dict, Iterator, List, Optional

_CURRENT: contextvars.ContextVar[Optional[Dict[str, List[float]]]] = contextvars.ContextVar(
    "obskit_phases", default=None)


@contextlib.contextmanager
def recording() -> Iterator[Dict[str, List[float]]]:
    """``{phase: [wall seconds, CPU seconds]}``, filled while the block runs."""
    found: Dict[str, List[float]] = {}
    token = _CURRENT.set(found)
    try:
        yield found
    finally:
        _CURRENT.reset(token)


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    found = _CURRENT.get()
    if found is None:
        yield
        return
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        yield
    finally:
        entry = found.setdefault(name, [0.0, 0.0])
        entry[0] += time.perf_counter() - wall
        entry[1] += time.thread_time() - cpu


def table(found: Dict[str, List[float]], at_least: float = 0.01) -> str:
    """The phases, longest first (those under ``at_least`` seconds left out)."""
    lines = [f"{'wall s':>8} {'CPU s':>7}  phase"]
    for name, (wall, cpu) in sorted(found.items(), key=lambda kv: -kv[1][0]):
        if max(wall, cpu) >= at_least:
            lines.append(f"{wall:>8.2f} {cpu:>7.2f}  {name}")
    return "\n".join(lines)
