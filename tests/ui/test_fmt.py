"""How numbers, money and instants read: exact expected text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from cdrlib.ui import fmt


def test_number_rounds_half_up_with_thousands() -> None:
    assert fmt.number(1234567) == "1,234,567"
    assert fmt.number(Decimal("1234.55"), 1) == "1,234.6"
    assert fmt.number(Decimal("0.125"), 2) == "0.13"  # half up, not half even
    assert fmt.number(Decimal("-2.5")) == "-3"


def test_money_has_its_currency_and_two_decimals() -> None:
    assert fmt.money(Decimal("1234.565"), "EUR") == "€1,234.57"
    assert fmt.money(Decimal("-12"), "EUR") == "-€12.00"
    assert fmt.money(Decimal("6.655"), "GBP") == "£6.66"
    assert fmt.money(Decimal("0"), "SEK") == "SEK 0.00"
    assert fmt.money(Decimal("-0.004"), "USD") == "-$0.00"


def test_count() -> None:
    assert fmt.count(1, "session") == "1 session"
    assert fmt.count(2000, "credit CDR") == "2,000 credit CDRs"
    assert fmt.count(0, "CDR") == "0 CDRs"


def test_units() -> None:
    assert fmt.kwh(Decimal("20.04")) == "20.0 kWh"
    assert fmt.hours(Decimal("1.25")) == "1.3 h"


def test_percent_and_changes() -> None:
    assert fmt.percent(Decimal("0.6667")) == "66.7 %"
    assert fmt.percent(None) == "–"
    assert fmt.change(Decimal("0.5")) == "+50.0 %"
    assert fmt.change(Decimal("-0.0004")) == "0.0 %"
    assert fmt.change(Decimal("0")) == "0.0 %"
    assert fmt.change(None) is None
    assert fmt.points(Decimal("0.75"), Decimal("0.5")) == "+25.0 pp"
    assert fmt.points(Decimal("0.5"), Decimal("0.75")) == "-25.0 pp"
    assert fmt.points(Decimal("0.5"), Decimal("0.5")) == "0.0 pp"
    assert fmt.points(None, Decimal("0.5")) is None


def test_local_time_shows_the_offset() -> None:
    before = dt.datetime(2024, 3, 31, 0, 59, tzinfo=dt.UTC)
    after = dt.datetime(2024, 3, 31, 1, 0, tzinfo=dt.UTC)
    assert fmt.local_time(before, "Europe/Amsterdam") == "2024-03-31 01:59 +01:00"
    assert fmt.local_time(after, "Europe/Amsterdam") == "2024-03-31 03:00 +02:00"
    assert fmt.local_time(after, "America/St_Johns") == "2024-03-30 22:30 -02:30"
    assert fmt.local_time(after, "UTC") == "2024-03-31 01:00 +00:00"
