"""Calendar periods: whole days in the reporting time zone, both ends inclusive.

A period chosen by a person ("1 to 31 January") means every instant from the first local midnight
of the first day up to, not including, the local midnight after the last day (domain.md, Money and
time). Days are not 24 hours long on a daylight-saving switch, so the bounds are computed with
`zoneinfo` from local dates, never by adding hours to a UTC instant.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from dataclasses import dataclass

UTC = dt.UTC


def _zone(tz: str | zoneinfo.ZoneInfo) -> zoneinfo.ZoneInfo:
    return tz if isinstance(tz, zoneinfo.ZoneInfo) else zoneinfo.ZoneInfo(tz)


def day_start(day: dt.date, tz: str | zoneinfo.ZoneInfo) -> dt.datetime:
    """The first instant of the local ``day`` in ``tz``, as a UTC datetime.

    ``fold=0`` takes the earlier reading of an ambiguous local midnight and, for a midnight that
    does not exist (a zone that springs forward at 00:00), the pre-transition offset, which lands
    on the first instant that does exist (01:00 local): the start of the day in both cases.
    """
    return dt.datetime.combine(day, dt.time(0), tzinfo=_zone(tz)).astimezone(UTC)


def day_bounds(first: dt.date, last: dt.date, tz: str | zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` in UTC covering the whole local days ``first`` .. ``last`` (inclusive) in ``tz``."""
    if last < first:
        raise ValueError(f"period ends ({last}) before it starts ({first})")
    return day_start(first, tz), day_start(last + dt.timedelta(days=1), tz)


def days(first: dt.date, last: dt.date) -> int:
    """Number of calendar days in ``first`` .. ``last``, both inclusive."""
    return (last - first).days + 1


def previous_period(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The period of the same number of days that ends the day before ``first``.

    A month is compared with the same number of days before it (31 March 2024 -> 30 January ..
    29 February), not with the previous calendar month, so that both periods weigh the same.
    """
    n = days(first, last)
    return first - dt.timedelta(days=n), first - dt.timedelta(days=1)


def month_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar month of ``day``."""
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def default_period(
    first_session: dt.date | None, last_session: dt.date | None, today: dt.date
) -> tuple[dt.date, dt.date]:
    """The period a dashboard opens with: the last full calendar month that has data.

    - the month of the last session, when that month is over (before ``today``'s month);
    - else (that month is still running) the month before it, when the data reaches back into it;
    - else (all data is from the running month) that month up to ``today``.
    Without data: the last full month before ``today``. All dates are local (reporting time zone).
    """
    if last_session is None or first_session is None:
        return month_of(today.replace(day=1) - dt.timedelta(days=1))
    month_first, month_last = month_of(last_session)
    if month_last < today.replace(day=1):
        return month_first, month_last
    before_first, before_last = month_of(month_first - dt.timedelta(days=1))
    if first_session <= before_last:
        return before_first, before_last
    return month_first, max(last_session, min(today, month_last))


def local_date(instant: dt.datetime, tz: str | zoneinfo.ZoneInfo) -> dt.date:
    """The calendar date of an aware ``instant`` in ``tz``."""
    if instant.tzinfo is None:
        raise ValueError(f"naive datetime {instant!r}: instants are UTC-aware")
    return instant.astimezone(_zone(tz)).date()


@dataclass(frozen=True, slots=True)
class Period:
    """Whole local days ``first`` .. ``last`` (inclusive) in the IANA zone ``tz``."""

    first: dt.date
    last: dt.date
    tz: str

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"period ends ({self.last}) before it starts ({self.first})")

    @property
    def days(self) -> int:
        return days(self.first, self.last)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """``[start, end)`` in UTC."""
        return day_bounds(self.first, self.last, self.tz)

    def previous(self) -> Period:
        """The period of the same length just before this one (`previous_period`)."""
        first, last = previous_period(self.first, self.last)
        return Period(first, last, self.tz)

    def label(self) -> str:
        """``2024-03-01 – 2024-03-31`` (one date for a one-day period)."""
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()} – {self.last.isoformat()}"
