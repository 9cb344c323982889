"""A one-line progress display on stderr, redrawn in place; silent when stderr is not a terminal
(CI logs get the summary only)."""
from __future__ import annotations

import sys
import threading
import time
from typing import Optional, TextIO


class Progress:
    def __init__(self, label: str, total: int, stream: Optional[TextIO] = None, enabled: Optional[bool] = None,
                 interval: float = 0.1):
        self.stream = sys.stderr if stream is None else stream
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.label, self.total, self.done = label, total, 0
        self.interval = interval
        self._last = 0.0
        self._lock = threading.Lock()
        self._drawn = False

    def phase(self, label: str, total: int) -> None:
        with self._lock:
            self.label, self.total, self.done = label, total, 0
            self._draw(force=True)

    def grow(self, n: int) -> None:
        """More work found in the current phase (e.g. prune candidates)."""
        with self._lock:
            self.total += n

    def tick(self) -> None:
        with self._lock:
            self.done += 1
            self._draw(force=self.done >= self.total)

    def _draw(self, force: bool) -> None:
        if not self.enabled or self.total <= 0:
            return
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        width = 24
        filled = int(width * min(self.done, self.total) / self.total)
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r{self.label:<10} [{bar}] {self.done}/{self.total}\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        with self._lock:
            if self.enabled and self._drawn:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            self._drawn = False
