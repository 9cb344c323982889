"""Named time intervals (``time_intervals``), used by routes' mute/active time intervals."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from obskit.location import Location, caller_location
from obskit.model.base import Problems, locate, set_attr

WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _minutes(text: str) -> Optional[int]:
    m = _TIME.match(text) if isinstance(text, str) else None
    if not m:
        return None
    total = int(m.group(1)) * 60 + int(m.group(2))
    return total if total <= 24 * 60 else None


def _names_range(value: str, names: Tuple[str, ...]) -> bool:
    parts = value.lower().split(":")
    if len(parts) > 2 or not all(p in names for p in parts):
        return False
    return len(parts) == 1 or names.index(parts[0]) <= names.index(parts[1])


def _int_range(value: str, lo: int, hi: int, negative: bool = False) -> bool:
    """``n`` or ``a:b`` with lo ≤ n ≤ hi (or -hi ≤ n ≤ -1 when ``negative``). As in Alertmanager, a
    negative start needs a negative end, and a range of same-signed ends must not run backwards."""
    parts = str(value).split(":")
    if len(parts) > 2:
        return False
    try:
        nums = [int(x) for x in parts]
    except ValueError:
        return False
    if not all((lo <= n <= hi) or (negative and -hi <= n <= -1) for n in nums):
        return False
    if len(nums) == 2:
        start, end = nums
        if start < 0 and end >= 0:
            return False
        if (start >= 0) == (end >= 0) and start > end:
            return False
    return True


def _month(text: str) -> int:
    return MONTHS.index(text) + 1 if text in MONTHS else int(text)


def _month_range(value: str) -> bool:
    """Month names or numbers, mixed as Alertmanager allows (``1:march``), not running backwards."""
    parts = value.lower().split(":")
    if len(parts) > 2 or not all(p in MONTHS or (p.isdigit() and 1 <= int(p) <= 12) for p in parts):
        return False
    return len(parts) == 1 or _month(parts[0]) <= _month(parts[1])


def _strs(value) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (str, int)):
        return (str(value),)
    return tuple(str(v) for v in value)


@dataclass(frozen=True, kw_only=True, eq=False)
class Period:
    """One time-interval entry; every given field must match (all unset: always).

    ``times``: ``[("09:00", "17:00")]``; ``weekdays``: ``["monday:friday"]``; ``days_of_month``:
    ``["1:5", "-1"]``; ``months``: ``["january:march"]`` or ``["1:3"]``; ``years``: ``["2026"]``;
    ``location``: an IANA time zone such as ``"Europe/Berlin"`` (default UTC).
    """

    times: Tuple[Tuple[str, str], ...] = ()
    weekdays: Tuple[str, ...] = ()
    days_of_month: Tuple[str, ...] = ()
    months: Tuple[str, ...] = ()
    years: Tuple[str, ...] = ()
    location: Optional[str] = None
    loc: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        # ``location`` is the time zone here, so the definition's place is kept in ``loc``
        set_attr(self, "loc", caller_location())
        p = Problems("time interval period", self.loc)
        times = []
        for item in self.times or ():
            if not (isinstance(item, (tuple, list)) and len(item) == 2):
                p.add("bad-time", f"times entry {item!r} must be a (start, end) pair like ('09:00', '17:00')")
                continue
            start, end = _minutes(item[0]), _minutes(item[1])
            if start is None or end is None:
                p.add("bad-time", f"times entry {tuple(item)!r}: times are HH:MM between 00:00 and 24:00")
            elif start >= end:
                p.add("bad-time", f"times entry {tuple(item)!r}: start must be before end (split intervals "
                                  "that cross midnight in two)")
            times.append((str(item[0]), str(item[1])))
        set_attr(self, "times", tuple(times))
        set_attr(self, "weekdays", tuple(w.lower() for w in _strs(self.weekdays)))
        for w in self.weekdays:
            if not _names_range(w, WEEKDAYS):
                p.add("bad-time", f"weekday {w!r} must be a day name or range such as 'monday:friday'")
        set_attr(self, "days_of_month", _strs(self.days_of_month))
        for d in self.days_of_month:
            if not _int_range(d, 1, 31, negative=True):
                p.add("bad-time", f"day of month {d!r} must be 1..31 or -31..-1, or a range of them")
        set_attr(self, "months", tuple(m.lower() for m in _strs(self.months)))
        for m in self.months:
            if not _month_range(m):
                p.add("bad-time", f"month {m!r} must be a month name or 1..12, or a range of them")
        set_attr(self, "years", _strs(self.years))
        for y in self.years:
            if not _int_range(y, 1, 9999):
                p.add("bad-time", f"year {y!r} must be a year or a range such as '2026:2027'")
        if self.location is not None:
            try:
                ZoneInfo(str(self.location))
            except (ZoneInfoNotFoundError, ValueError):
                p.add("bad-time", f"location {self.location!r} is not an IANA time zone (e.g. 'Europe/Berlin')")
        p.done()


@dataclass(frozen=True, kw_only=True, eq=False)
class TimeInterval:
    """A named set of periods; a time is inside when any period matches."""

    name: str
    periods: Tuple[Period, ...]
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"time interval {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            p.add("bad-name", f"time interval name {self.name!r} must be letters, digits, '_', '.' or '-'")
        periods = (self.periods,) if isinstance(self.periods, Period) else tuple(self.periods or ())
        set_attr(self, "periods", periods)
        if not periods:
            p.add("bad-time", "a time interval needs at least one Period")
        for x in periods:
            if not isinstance(x, Period):
                p.add("bad-time", f"{x!r} is not a Period")
        p.done()


def business_hours(name: str = "business-hours", location: str = "UTC", start: str = "09:00",
                   end: str = "17:00") -> TimeInterval:
    """Monday to Friday, ``start``–``end`` in ``location``."""
    return TimeInterval(name=name, periods=(Period(weekdays=("monday:friday",), times=((start, end),),
                                                   location=location),))
