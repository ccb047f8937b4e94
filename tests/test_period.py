"""Calendar periods: whole local days, both ends inclusive, correct across daylight-saving switches."""

from __future__ import annotations

import datetime as dt

import pytest

from cdrlib import period
from cdrlib.period import Period

D = dt.date
AMS = "Europe/Amsterdam"


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_day_bounds_of_a_winter_month_in_amsterdam() -> None:
    assert period.day_bounds(D(2024, 1, 1), D(2024, 1, 31), AMS) == (utc(2023, 12, 31, 23), utc(2024, 1, 31, 23))


def test_day_bounds_across_spring_forward_has_a_23_hour_day() -> None:
    start, end = period.day_bounds(D(2024, 3, 31), D(2024, 3, 31), AMS)
    assert (start, end) == (utc(2024, 3, 30, 23), utc(2024, 3, 31, 22))
    assert end - start == dt.timedelta(hours=23)


def test_day_bounds_across_fall_back_has_a_25_hour_day() -> None:
    start, end = period.day_bounds(D(2024, 10, 27), D(2024, 10, 27), AMS)
    assert (start, end) == (utc(2024, 10, 26, 22), utc(2024, 10, 27, 23))
    assert end - start == dt.timedelta(hours=25)


def test_day_bounds_of_march_end_in_summer_time() -> None:
    assert period.day_bounds(D(2024, 3, 1), D(2024, 3, 31), AMS) == (utc(2024, 2, 29, 23), utc(2024, 3, 31, 22))


def test_day_bounds_where_midnight_does_not_exist() -> None:
    # Chile springs forward at 00:00 local (UTC-4 -> UTC-3): 8 September 2024 starts at 01:00 -03.
    start, end = period.day_bounds(D(2024, 9, 8), D(2024, 9, 8), "America/Santiago")
    assert start == utc(2024, 9, 8, 4)
    assert end == utc(2024, 9, 9, 3)


def test_day_bounds_where_the_clock_falls_back_at_midnight() -> None:
    # Chile falls back at 00:00 local on 7 April 2024 (UTC-3 -> UTC-4): 23:00-24:00 on 6 April happens
    # twice, so 6 April lasts 25 hours and 7 April starts at 00:00 -04.
    start, end = period.day_bounds(D(2024, 4, 6), D(2024, 4, 6), "America/Santiago")
    assert (start, end) == (utc(2024, 4, 6, 3), utc(2024, 4, 7, 4))
    assert end - start == dt.timedelta(hours=25)


def test_day_bounds_in_utc() -> None:
    assert period.day_bounds(D(2024, 2, 28), D(2024, 2, 29), "UTC") == (utc(2024, 2, 28), utc(2024, 3, 1))


def test_day_bounds_rejects_a_reversed_period() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        period.day_bounds(D(2024, 2, 2), D(2024, 2, 1), AMS)


def test_previous_period_has_the_same_number_of_days() -> None:
    assert period.previous_period(D(2024, 3, 1), D(2024, 3, 31)) == (D(2024, 1, 30), D(2024, 2, 29))
    assert period.previous_period(D(2024, 3, 5), D(2024, 3, 5)) == (D(2024, 3, 4), D(2024, 3, 4))
    assert period.previous_period(D(2024, 1, 1), D(2024, 1, 7)) == (D(2023, 12, 25), D(2023, 12, 31))


def test_days_counts_both_ends() -> None:
    assert period.days(D(2024, 3, 1), D(2024, 3, 31)) == 31
    assert period.days(D(2024, 3, 1), D(2024, 3, 1)) == 1


def test_month_of() -> None:
    assert period.month_of(D(2024, 2, 10)) == (D(2024, 2, 1), D(2024, 2, 29))
    assert period.month_of(D(2023, 12, 31)) == (D(2023, 12, 1), D(2023, 12, 31))


@pytest.mark.parametrize(
    ("first", "last", "today", "expected"),
    [
        # the month of the last session is over: that month
        (D(2023, 6, 1), D(2024, 3, 20), D(2024, 11, 5), (D(2024, 3, 1), D(2024, 3, 31))),
        # the month of the last session is running: the month before
        (D(2023, 6, 1), D(2024, 11, 4), D(2024, 11, 5), (D(2024, 10, 1), D(2024, 10, 31))),
        # data starts in the running month: that month up to today
        (D(2024, 11, 2), D(2024, 11, 4), D(2024, 11, 5), (D(2024, 11, 1), D(2024, 11, 5))),
        # data from the previous month's last day still counts
        (D(2024, 10, 31), D(2024, 11, 4), D(2024, 11, 5), (D(2024, 10, 1), D(2024, 10, 31))),
        # no data: the last full month
        (None, None, D(2024, 1, 15), (D(2023, 12, 1), D(2023, 12, 31))),
        # a session in a future month (a clock ahead): never ends before the last session
        (D(2024, 12, 2), D(2024, 12, 3), D(2024, 11, 5), (D(2024, 12, 1), D(2024, 12, 3))),
    ],
)
def test_default_period(
    first: dt.date | None, last: dt.date | None, today: dt.date, expected: tuple[dt.date, dt.date]
) -> None:
    assert period.default_period(first, last, today) == expected


def test_local_date_uses_the_zone() -> None:
    assert period.local_date(utc(2024, 3, 31, 22, 30), AMS) == D(2024, 4, 1)
    assert period.local_date(utc(2024, 3, 31, 21, 30), AMS) == D(2024, 3, 31)
    with pytest.raises(ValueError, match="naive"):
        period.local_date(dt.datetime(2024, 1, 1), AMS)


def test_period_object() -> None:
    march = Period(D(2024, 3, 1), D(2024, 3, 31), AMS)
    assert march.days == 31
    assert march.bounds() == (utc(2024, 2, 29, 23), utc(2024, 3, 31, 22))
    assert march.previous() == Period(D(2024, 1, 30), D(2024, 2, 29), AMS)
    assert march.label() == "2024-03-01 – 2024-03-31"
    assert Period(D(2024, 3, 5), D(2024, 3, 5), AMS).label() == "2024-03-05"
    with pytest.raises(ValueError, match="before it starts"):
        Period(D(2024, 3, 5), D(2024, 3, 4), AMS)
