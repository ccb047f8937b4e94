"""How the generator splits sessions into charging periods (priced here by the engine, as the generator
does), and its local-time tables, on chosen sessions around daylight saving."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from decimal import Decimal
from typing import NamedTuple

import pytest

from cdrlib import model, pricing
from cdrlib.demo import catalogue, tariffs
from cdrlib.demo.zones import ZoneTable

UTC = dt.UTC
FIRST = dt.date(2025, 1, 1)
DAYS = 365
CHANGE = dt.date(2025, 7, 1)


@pytest.fixture(scope="module")
def book() -> tariffs.TariffBook:
    return tariffs.book(FIRST, CHANGE)


@pytest.fixture(scope="module")
def amsterdam() -> ZoneTable:
    return ZoneTable("Europe/Amsterdam", FIRST, DAYS)


def at(*args: int) -> int:
    return int(dt.datetime(*args, tzinfo=UTC).timestamp())


class Priced(NamedTuple):
    periods: tuple[tariffs.Period, ...]
    costs: tuple[int, ...]  # _e4: fixed, energy, time, parking, total; each excl. then incl. VAT


def _d4(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value) / 10_000


def price(book: tariffs.TariffBook, zone: ZoneTable, tariff_id: str, start: int, charged: int, end: int, wh: int):
    pt = book.at(tariff_id, start)
    table = zone.clock_instants(pt.clock_times) if pt.clock_times else []
    periods = tariffs.split_session(pt, zone, table, start, charged, end, wh)
    charging_periods = [
        model.ChargingPeriod(
            dt.datetime.fromtimestamp(p[0], UTC), pt.id, energy=_d4(p[1]), time=_d4(p[2]), parking_time=_d4(p[3])
        )
        for p in periods
    ]
    result = pricing.price(
        dt.datetime.fromtimestamp(start, UTC), dt.datetime.fromtimestamp(end, UTC), charging_periods, pt.tariffs,
        zone.name,
    )
    amounts = (
        result.total_fixed_cost, result.total_energy_cost, result.total_time_cost, result.total_parking_cost,
        result.total_cost,
    )
    return Priced(periods, tuple(int(x * 10_000) for a in amounts for x in (a.excl_vat, a.incl_vat)))


@pytest.mark.parametrize(
    ("start", "boundary"),
    [
        (at(2025, 1, 15, 5, 0), at(2025, 1, 15, 6, 0)),  # winter: 07:00 CET = 06:00 UTC
        (at(2025, 3, 30, 4, 0), at(2025, 3, 30, 5, 0)),  # the day summer time starts: 07:00 CEST = 05:00 UTC
        (at(2025, 6, 15, 4, 0), at(2025, 6, 15, 5, 0)),  # summer
        (at(2025, 10, 26, 5, 0), at(2025, 10, 26, 6, 0)),  # the day summer time ends: back to 06:00 UTC
    ],
)
def test_peak_starts_at_seven_local(book, amsterdam, start: int, boundary: int) -> None:
    end = start + 7200  # two hours charging, 20 kWh
    result = price(book, amsterdam, catalogue.T_NL_AC, start, end, end, 20_000)
    assert [p[0] for p in result.periods] == [start, boundary]
    off, peak = (Decimal("0.30"), Decimal("0.40")) if start < at(2025, 7, 1) else (Decimal("0.40"), Decimal("0.50"))
    energy = [Decimal(p[1]) / 10_000 for p in result.periods]
    assert sum(energy) == 20
    expected = (energy[0] * off + energy[1] * peak + Decimal("0.30")) * 10_000
    assert result.costs[8] == expected  # total excl. VAT, _e4
    assert result.costs[0] == 3_000  # start fee 0.30


def test_parking_fee_after_the_grace_period(book, amsterdam) -> None:
    start = at(2025, 2, 3, 9, 0)  # Monday 10:00 local, all in the peak
    charged = start + 2 * 3600
    end = start + 6 * 3600
    result = price(book, amsterdam, catalogue.T_NL_GARAGE, start, charged, end, 22_000)
    assert [(p[0] - start, p[1], p[2], p[3]) for p in result.periods] == [
        (0, 220_000, 20_000, None),
        (2 * 3600, None, None, 10_000),  # free parking until 3 h after the start
        (3 * 3600, None, None, 30_000),  # then 1.20/h
    ]
    fixed, energy, time, parking, total = (result.costs[i : i + 2] for i in range(0, 10, 2))
    assert energy == (110_000, 133_100)  # 22 kWh x 0.50, x 1.21
    assert parking == (36_000, 43_560)  # 3 h x 1.20
    assert fixed == (3_000, 3_630)
    assert time == (0, 0)
    assert total == (149_000, 180_290)


def test_weekday_restriction_splits_at_local_midnight(book) -> None:
    brussels = ZoneTable("Europe/Brussels", FIRST, DAYS)
    start = at(2025, 4, 11, 21, 0)  # Friday 23:00 CEST, off-peak until Monday 08:00
    end = start + 3 * 3600
    result = price(book, brussels, catalogue.T_BE_AC, start, end, end, 11_000)
    assert len(result.periods) == 1  # no price change at midnight: Saturday is off-peak too
    monday = at(2025, 4, 14, 5, 0)  # Monday 07:00 CEST
    result = price(book, brussels, catalogue.T_BE_AC, monday, monday + 7200, monday + 7200, 11_000)
    assert [p[0] for p in result.periods] == [monday, monday + 3600]


def test_dc_time_fee_after_45_minutes(book, amsterdam) -> None:
    start = at(2025, 5, 5, 12, 0)
    end = start + 3600
    result = price(book, amsterdam, catalogue.T_EU_DC, start, end, end, 50_000)
    assert [p[0] - start for p in result.periods] == [0, 45 * 60]
    assert result.costs[4] == 15_000  # 0.25 h x 6.00
    assert result.costs[2] == 300_000  # 50 kWh x 0.60


def test_price_versions_by_start(book) -> None:
    change = int(dt.datetime(2025, 7, 1, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam")).timestamp())
    before, after = book.at(catalogue.T_NL_AC, change - 1), book.at(catalogue.T_NL_AC, change)
    assert before is not after and before.id == after.id
    assert before.tariff.end_date_time == after.tariff.start_date_time
    with pytest.raises(LookupError):
        book.at("NO-SUCH", change)


def test_unsupported_tariffs_are_refused() -> None:
    spec = tariffs.TariffSpec("X", "EUR", ({"price_components": [tariffs._pc("ENERGY", "0.30", "21")],
                                           "restrictions": {"min_kwh": 5}},), "x")
    doc = tariffs.document(spec, None, None, dt.datetime(2025, 1, 1, tzinfo=UTC))
    t = model.Tariff("NL", "XCP", "X", "EUR", dt.datetime(2025, 1, 1, tzinfo=UTC), doc)
    with pytest.raises(ValueError, match="min_kwh"):
        tariffs.PricedTariff(t, 0)


@pytest.mark.parametrize("name", sorted(set(catalogue.ZONES.values())))
def test_zone_table_agrees_with_zoneinfo(name: str) -> None:
    table = ZoneTable(name, FIRST, DAYS)
    zone = zoneinfo.ZoneInfo(name)
    rng = random.Random(name)
    lo, hi = table.midnight(0), table.midnight(DAYS)
    instants = [rng.randrange(lo, hi) for _ in range(3_000)]
    instants += [t + d for t in (at(2025, 3, 30, 1, 0), at(2025, 10, 26, 1, 0)) for d in (-1, 0, 1)]
    for t in instants:
        local = dt.datetime.fromtimestamp(t, UTC).astimezone(zone)
        clock, weekday = table.local(t)
        assert clock == local.hour * 3600 + local.minute * 60 + local.second, (name, t)
        assert weekday == local.weekday()
        assert table.date(table.day_of(t)) == local.date()
    for day in (0, 88, 298, DAYS - 1):
        assert table.midnight(day) == int(dt.datetime.combine(table.date(day), dt.time(), zone).timestamp())
