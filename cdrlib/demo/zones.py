"""Local time at the demo locations, precomputed as integer tables for the generator's hot loop.

Instants are integer seconds since the Unix epoch (UTC). A `ZoneTable` covers the days of one
generation run in one IANA zone: the UTC instant of every local midnight, the offset transitions
(daylight saving) and, on request, the UTC instant of a local wall-clock time on each day. Every
value comes from `zoneinfo`, once; the hot loop then only adds, compares and bisects integers.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from zoneinfo import ZoneInfo

DAY_S = 86_400
HOUR_S = 3_600


def epoch_s(value: dt.datetime) -> int:
    """An aware datetime as whole seconds since the epoch (sub-seconds dropped)."""
    return int(value.timestamp())


class ZoneTable:
    """Local days ``first`` .. ``first + days - 1`` (plus a margin of two days on each side) in ``name``.

    Day numbers (``day``) count from ``first``: day 0 is ``first``. Negative numbers and numbers past
    the end reach into the margins.
    """

    MARGIN_DAYS = 2

    def __init__(self, name: str, first: dt.date, days: int) -> None:
        self.name = name
        self.zone = ZoneInfo(name)
        self.first = first
        self.days = days
        m = self.MARGIN_DAYS
        self._dates = [first + dt.timedelta(days=i) for i in range(-m, days + m + 1)]
        self.midnights = [epoch_s(dt.datetime.combine(d, dt.time(), self.zone)) for d in self._dates]
        # Offset transitions: (UTC instant from which it holds, offset in seconds), sorted.
        starts: list[int] = []
        offsets: list[int] = []
        previous = None
        for i, t in enumerate(self.midnights):
            off = self._offset_of(t)
            if previous is not None and off != previous:
                # The switch happened in the last day; every zone here switches on a whole UTC hour.
                lo = self.midnights[i - 1]
                switch = next(h for h in range(lo, t + 1, HOUR_S) if self._offset_of(h) == off)
                starts.append(switch)
                offsets.append(off)
            elif previous is None:
                starts.append(t - DAY_S)
                offsets.append(off)
            previous = off
        self._starts = starts
        self._offsets = offsets
        self._clock_cache: dict[tuple[int, ...], list[tuple[int, ...]]] = {}

    def _offset_of(self, t: int) -> int:
        value = dt.datetime.fromtimestamp(t, dt.UTC).astimezone(self.zone).utcoffset()
        assert value is not None
        return int(value.total_seconds())

    def offset(self, t: int) -> int:
        """The UTC offset (seconds) in force at instant ``t``."""
        return self._offsets[bisect_right(self._starts, t) - 1]

    def local(self, t: int) -> tuple[int, int]:
        """(seconds since local midnight on the wall clock, ISO weekday 0=Monday..6=Sunday) at ``t``."""
        lt = t + self._offsets[bisect_right(self._starts, t) - 1]
        days = lt // DAY_S
        return lt - days * DAY_S, (days + 3) % 7  # 1970-01-01 was a Thursday

    def midnight(self, day: int) -> int:
        """UTC instant of local midnight starting day ``day``."""
        return self.midnights[day + self.MARGIN_DAYS]

    def date(self, day: int) -> dt.date:
        return self._dates[day + self.MARGIN_DAYS]

    def day_of(self, t: int) -> int:
        """The local day number containing instant ``t``."""
        return bisect_right(self.midnights, t) - 1 - self.MARGIN_DAYS

    def clock_instants(self, clock_s: tuple[int, ...]) -> list[tuple[int, ...]]:
        """Per day (index = day + MARGIN_DAYS), the sorted UTC instants of the local wall-clock times
        ``clock_s`` (seconds after midnight; 86400 = the next midnight). A time that does not exist on
        a daylight-saving day (02:30 in spring) is taken one hour later, as `zoneinfo` resolves it.
        """
        key = tuple(sorted(set(clock_s)))
        found = self._clock_cache.get(key)
        if found is None:
            found = []
            for d in self._dates:
                instants = set()
                for c in key:
                    day, rest = divmod(c, DAY_S)
                    naive = dt.datetime.combine(d + dt.timedelta(days=day), dt.time()) + dt.timedelta(seconds=rest)
                    instants.add(epoch_s(naive.replace(tzinfo=self.zone)))
                found.append(tuple(sorted(instants)))
            self._clock_cache[key] = found
        return found
