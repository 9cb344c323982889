"""Prometheus durations (``5m``, ``1h30m``, ``30d``) as whole seconds."""
from __future__ import annotations

import re
from functools import total_ordering

_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_TOKEN = re.compile(r"(\d+)(ms|[ywdhms])")
_ORDER = ["y", "w", "d", "h", "m", "s"]


class DurationError(ValueError):
    pass


def _format(seconds: int) -> str:
    rest, parts = seconds, []
    for unit in ("d", "h", "m", "s"):
        n, rest = divmod(rest, _UNITS[unit])
        if n:
            parts.append(f"{n}{unit}")
    return "".join(parts) or "0s"


# str(Duration) is asked for hundreds of thousands of times in a big build (every rule name and
# range), for a few distinct values: their texts are kept (a bounded table).
_TEXT: "dict[int, str]" = {}
# and a model parses the same few duration strings over and over (durations are immutable)
_PARSED: "dict[str, Duration]" = {}


@total_ordering
class Duration:
    """An immutable duration with whole-second resolution, written the way Prometheus writes it."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: int):
        object.__setattr__(self, "seconds", int(seconds))

    def __setattr__(self, name, value):  # immutable
        raise AttributeError("Duration is immutable")

    @classmethod
    def parse(cls, value: "str | int | Duration") -> "Duration":
        if isinstance(value, Duration):
            return value
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise DurationError(f"duration must be a string like '5m', got {value!r}")
        if isinstance(value, int):
            if value <= 0:
                raise DurationError(f"duration must be positive, got {value}")
            return cls(value)
        known = _PARSED.get(value) if cls is Duration and type(value) is str else None
        if known is not None:
            return known
        parsed = cls._parse_text(value)
        if cls is Duration and type(value) is str and len(_PARSED) < 10_000:
            _PARSED[value] = parsed
        return parsed

    @classmethod
    def _parse_text(cls, value: str) -> "Duration":
        text = value.strip()
        pos, total, seen = 0, 0, []
        for m in _TOKEN.finditer(text):
            if m.start() != pos:
                break
            unit = m.group(2)
            if unit == "ms":
                raise DurationError(f"duration {value!r}: sub-second units are not supported")
            if seen and _ORDER.index(unit) <= _ORDER.index(seen[-1]):
                raise DurationError(f"duration {value!r}: units must go from largest to smallest")
            seen.append(unit)
            total += int(m.group(1)) * _UNITS[unit]
            pos = m.end()
        if not text or pos != len(text):
            bad = text[pos:] or text
            raise DurationError(
                f"invalid duration {value!r} near {bad!r}: use a number followed by one of "
                "y, w, d, h, m, s (for example '5m', '1h30m', '30d')")
        if total <= 0:
            raise DurationError(f"duration {value!r} must be positive")
        return cls(total)

    def __str__(self) -> str:
        text = _TEXT.get(self.seconds)
        if text is None:
            text = _format(self.seconds)
            if len(_TEXT) < 10_000:
                _TEXT[self.seconds] = text
        return text

    def __repr__(self) -> str:
        return f"Duration({str(self)!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Duration) and other.seconds == self.seconds

    def __lt__(self, other: "Duration") -> bool:
        return self.seconds < other.seconds

    def __hash__(self) -> int:
        return hash(self.seconds)

    @property
    def hours(self) -> float:
        return self.seconds / 3600

    @property
    def days(self) -> float:
        return self.seconds / 86400
