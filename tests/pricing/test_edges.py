"""Edge cases of the tariff engine (spec/pricing.md, OCPI 2.2.1 mod_tariffs / mod_cdrs).

Every expected figure is worked out by hand from the rules and written as a literal; none is obtained
by calling the engine. Local times are Europe/Amsterdam: CET = UTC+1 in winter, CEST = UTC+2 in summer
(2025: summer time from 2025-03-30 01:00 UTC to 2025-10-26 01:00 UTC).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

from cdrlib import model, pricing
from cdrlib.errors import UnpriceableError
from cdrlib.pricing import Amount, Pricing
from tests.factories import make_cdr

AMS = "Europe/Amsterdam"
D = Decimal
HOUR = dt.timedelta(hours=1)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


# --- builders -------------------------------------------------------------------------------------------

_NUMBER = re.compile(r'"#number:([0-9.]+)"')


def _dumps(document: dict[str, Any]) -> str:
    """JSON text with Decimals as JSON numbers (never through float), keys sorted like the store's."""
    text = json.dumps(document, sort_keys=True, default=lambda v: f"#number:{v}")
    return _NUMBER.sub(r"\1", text)


def pc(kind: str, price: str, *, vat: str | None = None, step: int = 1) -> dict[str, Any]:
    """One OCPI PriceComponent; ``vat`` None leaves the field out (no VAT known)."""
    component: dict[str, Any] = {"type": kind, "price": D(price), "step_size": step}
    if vat is not None:
        component["vat"] = D(vat)
    return component


def element(*components: dict[str, Any], **restrictions: Any) -> dict[str, Any]:
    """One OCPI TariffElement; numbers in restrictions are given as str and sent as JSON numbers."""
    out: dict[str, Any] = {"price_components": list(components)}
    if restrictions:
        out["restrictions"] = {k: D(v) if k.startswith(("min_", "max_")) else v for k, v in restrictions.items()}
    return out


def tariff(
    *elements: dict[str, Any],
    tariff_id: str = "T1",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    **fields: Any,
) -> model.Tariff:
    """A 2.2.1 tariff: the OCPI object as JSON text in ``document`` (plus ``fields`` like min_price)."""
    document: dict[str, Any] = {
        "country_code": "NL",
        "party_id": "XCP",
        "id": tariff_id,
        "currency": "EUR",
        "elements": list(elements),
        "last_updated": "2025-01-01T00:00:00Z",
        **fields,
    }
    if start is not None:
        document["start_date_time"] = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    if end is not None:
        document["end_date_time"] = end.strftime("%Y-%m-%dT%H:%M:%SZ")
    return model.Tariff(
        "NL", "XCP", tariff_id, "EUR", utc(2025, 1, 1), _dumps(document), start_date_time=start, end_date_time=end
    )


def period(at: dt.datetime, tariff_id: str | None = None, **dims: str) -> model.ChargingPeriod:
    """A charging period; dimensions by field name (energy, time, parking_time, reservation_time,
    min_power, ...) with str values."""
    return model.ChargingPeriod(at, tariff_id, **{name: D(value) for name, value in dims.items()})


def run(
    periods: Sequence[model.ChargingPeriod],
    tariffs: Sequence[model.Tariff],
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> Pricing:
    """Price a session starting at its first period (unless ``start`` is given), in Amsterdam."""
    start = start or periods[0].start_date_time
    end = end or periods[-1].start_date_time + HOUR
    return pricing.price(start, end, periods, tariffs, AMS)


def amount(excl: str, incl: str | None) -> Amount:
    return Amount(D(excl), None if incl is None else D(incl))


def elements_used(result: Pricing, dimension: str) -> list[int | None]:
    """The element index that priced ``dimension`` in each period that has it (None: free)."""
    return [line.element for line in result.lines if line.dimension == dimension]


def lines_of(result: Pricing, dimension: str) -> list[pricing.Line]:
    return [line for line in result.lines if line.dimension == dimension]


# --- 1, 2: time-of-day windows ---------------------------------------------------------------------------

NIGHT = tariff(
    element(pc("ENERGY", "0.10"), start_time="22:00", end_time="06:00"),
    element(pc("ENERGY", "0.30")),
)


@pytest.mark.parametrize(
    ("local", "at", "expected_element", "expected_cost"),
    [
        ("Wed 21:59", utc(2025, 1, 15, 20, 59), 1, "0.30"),
        ("Wed 22:00", utc(2025, 1, 15, 21, 0), 0, "0.10"),
        ("Wed 23:59", utc(2025, 1, 15, 22, 59), 0, "0.10"),
        ("Thu 00:00", utc(2025, 1, 15, 23, 0), 0, "0.10"),
        ("Thu 05:59", utc(2025, 1, 16, 4, 59), 0, "0.10"),
        ("Thu 06:00", utc(2025, 1, 16, 5, 0), 1, "0.30"),
    ],
)
def test_time_window_across_midnight_start_inclusive_end_exclusive(
    local: str, at: dt.datetime, expected_element: int, expected_cost: str
) -> None:
    # rule 3: start_time 22:00 > end_time 06:00 wraps past midnight; 1 kWh at the element's price.
    result = run([period(at, energy="1")], [NIGHT])
    assert elements_used(result, "ENERGY") == [expected_element], local
    assert result.total_cost == amount(expected_cost, None)


def test_time_window_across_midnight_in_one_session() -> None:
    # The four boundary periods of one long session, 1 kWh each: 0.30 + 0.10 + 0.10 + 0.30.
    periods = [
        period(utc(2025, 1, 15, 20, 59), energy="1"),  # 21:59 CET
        period(utc(2025, 1, 15, 21, 0), energy="1"),  # 22:00
        period(utc(2025, 1, 16, 4, 59), energy="1"),  # 05:59
        period(utc(2025, 1, 16, 5, 0), energy="1"),  # 06:00
    ]
    result = run(periods, [NIGHT])
    assert elements_used(result, "ENERGY") == [1, 0, 0, 1]
    assert result.total_energy_cost == amount("0.80", None)


EVENING = tariff(
    element(pc("ENERGY", "0.40"), start_time="18:00", end_time="00:00"),
    element(pc("ENERGY", "0.20")),
)


@pytest.mark.parametrize(
    ("local", "at", "expected_element"),
    [
        ("17:59", utc(2025, 1, 15, 16, 59), 1),
        ("18:00", utc(2025, 1, 15, 17, 0), 0),
        ("23:59", utc(2025, 1, 15, 22, 59), 0),
        ("00:00 next day", utc(2025, 1, 15, 23, 0), 1),
    ],
)
def test_time_window_ending_at_00_00_is_midnight_at_the_end_of_the_day(
    local: str, at: dt.datetime, expected_element: int
) -> None:
    result = run([period(at, energy="1")], [EVENING])
    assert elements_used(result, "ENERGY") == [expected_element], local


@pytest.mark.parametrize("at", [utc(2025, 1, 15, 11, 0), utc(2025, 1, 14, 23, 0)], ids=["12:00", "00:00"])
def test_time_window_00_00_to_00_00_is_the_whole_day(at: dt.datetime) -> None:
    whole_day = tariff(
        element(pc("ENERGY", "0.40"), start_time="00:00", end_time="00:00"),
        element(pc("ENERGY", "0.20")),
    )
    result = run([period(at, energy="1")], [whole_day])
    assert elements_used(result, "ENERGY") == [0]
    assert result.total_cost == amount("0.40", None)


# --- 3: daylight saving time -------------------------------------------------------------------------------

TWO_TO_THREE = tariff(
    element(pc("ENERGY", "0.50"), start_time="02:00", end_time="03:00"),
    element(pc("ENERGY", "0.40"), start_time="03:00", end_time="04:00"),
    element(pc("ENERGY", "0.20")),
)


def test_dst_25_hour_day_both_02_30_match_a_02_00_to_03_00_window() -> None:
    periods = [
        period(utc(2025, 10, 25, 23, 30), energy="1"),  # 01:30 CEST
        period(utc(2025, 10, 26, 0, 30), energy="1"),  # 02:30 CEST (first occurrence)
        period(utc(2025, 10, 26, 1, 0), energy="1"),  # 02:00 CET (clock fell back)
        period(utc(2025, 10, 26, 1, 30), energy="1"),  # 02:30 CET (second occurrence)
        period(utc(2025, 10, 26, 2, 0), energy="1"),  # 03:00 CET
    ]
    result = run(periods, [TWO_TO_THREE])
    assert elements_used(result, "ENERGY") == [2, 0, 0, 0, 1]
    # 0.20 + 3 x 0.50 + 0.40
    assert result.total_energy_cost == amount("2.10", None)


def test_dst_23_hour_day_utc_01_00_is_local_03_00() -> None:
    periods = [
        period(utc(2025, 3, 30, 0, 30), energy="1"),  # 01:30 CET
        period(utc(2025, 3, 30, 0, 59), energy="1"),  # 01:59 CET
        period(utc(2025, 3, 30, 1, 0), energy="1"),  # 03:00 CEST: 02:00-03:00 does not exist this day
        period(utc(2025, 3, 30, 1, 59), energy="1"),  # 03:59 CEST
        period(utc(2025, 3, 30, 2, 0), energy="1"),  # 04:00 CEST
    ]
    result = run(periods, [TWO_TO_THREE])
    assert elements_used(result, "ENERGY") == [2, 2, 1, 1, 2]
    # 0.20 + 0.20 + 0.40 + 0.40 + 0.20
    assert result.total_energy_cost == amount("1.40", None)


def test_dst_duration_counts_real_seconds_on_the_23_hour_day() -> None:
    # Session from 00:30 UTC (01:30 CET); the second period at 01:30 UTC is 03:30 CEST: two hours later
    # on the wall clock, but 3600 s of real time, inside [3600, 5400).
    tf = tariff(
        element(pc("TIME", "4.00"), min_duration="3600", max_duration="5400"),
        element(pc("TIME", "1.00")),
    )
    periods = [period(utc(2025, 3, 30, 0, 30), time="1"), period(utc(2025, 3, 30, 1, 30), time="0.5")]
    result = run(periods, [tf])
    assert elements_used(result, "TIME") == [1, 0]
    # 1 h x 1.00 + 0.5 h x 4.00
    assert result.total_time_cost == amount("3.00", None)


def test_dst_duration_counts_real_seconds_on_the_25_hour_day() -> None:
    # Session from 00:00 UTC (02:00 CEST); the period at 02:00 UTC is 03:00 CET: one hour later on the
    # wall clock, but 7200 s of real time, so min_duration 7200 holds.
    tf = tariff(element(pc("TIME", "4.00"), min_duration="7200"), element(pc("TIME", "1.00")))
    periods = [period(utc(2025, 10, 26, 0, 0), time="2"), period(utc(2025, 10, 26, 2, 0), time="0.5")]
    result = run(periods, [tf])
    assert elements_used(result, "TIME") == [1, 0]
    # 2 h x 1.00 + 0.5 h x 4.00
    assert result.total_time_cost == amount("4.00", None)


# --- 4: day_of_week at local midnight ---------------------------------------------------------------------


def test_day_of_week_is_the_local_weekday() -> None:
    tf = tariff(
        element(pc("ENERGY", "0.50"), day_of_week=["SATURDAY", "SUNDAY"]),
        element(pc("ENERGY", "0.30"), day_of_week=["MONDAY"]),
        element(pc("ENERGY", "0.10")),
    )
    periods = [
        period(utc(2025, 6, 1, 21, 59), energy="1"),  # Sunday 23:59 CEST
        period(utc(2025, 6, 1, 22, 0), energy="1"),  # Monday 00:00 CEST (still Sunday in UTC)
    ]
    result = run(periods, [tf])
    assert elements_used(result, "ENERGY") == [0, 1]
    assert result.total_energy_cost == amount("0.80", None)


def test_day_of_week_session_starting_at_local_monday_midnight() -> None:
    tf = tariff(
        element(pc("ENERGY", "0.50"), day_of_week=["SATURDAY", "SUNDAY"]),
        element(pc("ENERGY", "0.30"), day_of_week=["MONDAY"]),
    )
    result = run([period(utc(2025, 6, 1, 22, 0), energy="2")], [tf])
    assert elements_used(result, "ENERGY") == [1]
    assert result.total_cost == amount("0.60", None)


def test_start_date_and_end_date_are_local_dates() -> None:
    # end_date 2025-06-02 is exclusive and local: 2025-06-01T22:00Z is already 2025-06-02 00:00 CEST.
    tf = tariff(
        element(pc("ENERGY", "0.50"), start_date="2025-06-01", end_date="2025-06-02"),
        element(pc("ENERGY", "0.20")),
    )
    periods = [
        period(utc(2025, 5, 31, 21, 59), energy="1"),  # 2025-05-31 23:59 CEST: before start_date
        period(utc(2025, 5, 31, 22, 0), energy="1"),  # 2025-06-01 00:00 CEST: start_date, inclusive
        period(utc(2025, 6, 1, 21, 59), energy="1"),  # 2025-06-01 23:59 CEST
        period(utc(2025, 6, 1, 22, 0), energy="1"),  # 2025-06-02 00:00 CEST: end_date, exclusive
    ]
    result = run(periods, [tf])
    assert elements_used(result, "ENERGY") == [1, 0, 0, 1]
    assert result.total_energy_cost == amount("1.40", None)


# --- 5: boundaries of the numeric restrictions -------------------------------------------------------------

T = utc(2025, 1, 15, 8, 0)  # a Wednesday, 09:00 CET


def test_min_kwh_is_inclusive_of_the_energy_before_the_period() -> None:
    tf = tariff(element(pc("ENERGY", "0.50"), min_kwh="10"), element(pc("ENERGY", "0.20")))
    periods = [
        period(T, energy="9.999"),  # before: 0
        period(T + HOUR, energy="0.001"),  # before: 9.999 < 10
        period(T + 2 * HOUR, energy="1"),  # before: exactly 10 -> matches
    ]
    result = run(periods, [tf])
    assert elements_used(result, "ENERGY") == [1, 1, 0]
    # 9.999 x 0.20 = 1.9998; 0.001 x 0.20 = 0.0002; 1 x 0.50
    assert result.total_energy_cost == amount("2.5000", None)


def test_max_kwh_is_exclusive_of_the_energy_before_the_period() -> None:
    tf = tariff(element(pc("ENERGY", "0.50"), max_kwh="10"), element(pc("ENERGY", "0.20")))
    periods = [
        period(T, energy="9.999"),  # before: 0
        period(T + HOUR, energy="0.001"),  # before: 9.999 < 10 -> still matches
        period(T + 2 * HOUR, energy="1"),  # before: exactly 10 -> no longer
    ]
    result = run(periods, [tf])
    assert elements_used(result, "ENERGY") == [0, 0, 1]
    # 9.999 x 0.50 = 4.9995; 0.001 x 0.50 = 0.0005; 1 x 0.20
    assert result.total_energy_cost == amount("5.2000", None)


def _duration_periods() -> list[model.ChargingPeriod]:
    # 1764 s = 0.49 h, 36 s = 0.01 h: periods at +0 s, +1764 s and exactly +1800 s.
    return [
        period(T, time="0.49"),
        period(T + dt.timedelta(seconds=1764), time="0.01"),
        period(T + dt.timedelta(seconds=1800), time="0.5"),
    ]


def test_min_duration_is_inclusive_at_exactly_the_seconds() -> None:
    tf = tariff(element(pc("TIME", "2.00"), min_duration="1800"), element(pc("TIME", "1.00")))
    result = run(_duration_periods(), [tf])
    assert elements_used(result, "TIME") == [1, 1, 0]
    # 0.49 x 1.00 + 0.01 x 1.00 + 0.5 x 2.00
    assert result.total_time_cost == amount("1.50", None)


def test_max_duration_is_exclusive_at_exactly_the_seconds() -> None:
    tf = tariff(element(pc("TIME", "2.00"), max_duration="1800"), element(pc("TIME", "1.00")))
    result = run(_duration_periods(), [tf])
    assert elements_used(result, "TIME") == [0, 0, 1]
    # 0.49 x 2.00 + 0.01 x 2.00 + 0.5 x 1.00
    assert result.total_time_cost == amount("1.50", None)


@pytest.mark.parametrize(
    ("restriction", "dims", "matches"),
    [
        # min_* against the MIN_ dimension, inclusive (the MAX_ dimension is well above it)
        ({"min_power": "11"}, {"min_power": "11", "max_power": "22"}, True),
        ({"min_power": "11"}, {"min_power": "10.99", "max_power": "22"}, False),
        # max_* against the MAX_ dimension, exclusive (the MIN_ dimension is well below it)
        ({"max_power": "11"}, {"min_power": "5", "max_power": "11"}, False),
        ({"max_power": "11"}, {"min_power": "5", "max_power": "10.99"}, True),
        ({"min_current": "16"}, {"min_current": "16", "max_current": "32"}, True),
        ({"min_current": "16"}, {"min_current": "15.9", "max_current": "32"}, False),
        ({"max_current": "16"}, {"min_current": "6", "max_current": "16"}, False),
        ({"max_current": "16"}, {"min_current": "6", "max_current": "15.9"}, True),
    ],
    ids=[
        "min_power=MIN", "min_power>MIN", "max_power=MAX", "max_power>MAX",
        "min_current=MIN", "min_current>MIN", "max_current=MAX", "max_current>MAX",
    ],
)  # fmt: skip
def test_power_and_current_restrictions_min_inclusive_max_exclusive(
    restriction: dict[str, str], dims: dict[str, str], matches: bool
) -> None:
    tf = tariff(element(pc("ENERGY", "0.50"), **restriction), element(pc("ENERGY", "0.20")))
    result = run([period(T, energy="1", **dims)], [tf])
    assert elements_used(result, "ENERGY") == [0 if matches else 1]
    assert result.total_cost == amount("0.50" if matches else "0.20", None)


def test_power_restriction_without_power_dimension_is_unpriceable() -> None:
    tf = tariff(element(pc("ENERGY", "0.50"), min_power="11"), element(pc("ENERGY", "0.20")))
    with pytest.raises(UnpriceableError, match="POWER"):
        run([period(T, energy="1", min_current="16", max_current="32")], [tf])


def test_current_restriction_without_current_dimension_is_unpriceable() -> None:
    tf = tariff(element(pc("ENERGY", "0.50"), max_current="32"), element(pc("ENERGY", "0.20")))
    with pytest.raises(UnpriceableError, match="CURRENT"):
        run([period(T, energy="1", min_power="3.7", max_power="11")], [tf])


# --- 6: reservation -----------------------------------------------------------------------------------------

RESERVING = tariff(
    element(pc("TIME", "2.00", vat="20"), pc("FLAT", "1.00", vat="20"), reservation="RESERVATION"),
    element(pc("TIME", "3.00", vat="20"), reservation="RESERVATION_EXPIRES"),
    element(pc("ENERGY", "0.25", vat="10"), pc("FLAT", "0.50", vat="20")),
)


def test_reservation_followed_by_charging_is_reservation_cost() -> None:
    periods = [
        period(T, reservation_time="0.5"),
        period(T + dt.timedelta(minutes=30), energy="10", time="1"),
    ]
    result = run(periods, [RESERVING])
    reserved = lines_of(result, "RESERVATION_TIME")
    assert [(r.period, r.element, r.category) for r in reserved] == [(0, 0, "reservation")]
    assert reserved[0].cost == amount("1.0000", "1.2000")
    # 0.5 h x 2.00 + the reservation element's fixed 1.00 (counts as reservation, not fixed)
    assert result.total_reservation_cost == amount("2.00", "2.40")
    assert result.total_energy_cost == amount("2.50", "2.75")
    # The ordinary start fee, charged in the charging period only
    assert result.total_fixed_cost == amount("0.50", "0.60")
    assert result.total_cost == amount("5.00", "5.75")
    flats = [(line.period, line.element, line.category) for line in lines_of(result, "FLAT")]
    assert sorted(flats) == [(0, 0, "reservation"), (1, 2, "fixed")]
    assert result.total_reservation_time == D("0.5")


def test_expired_reservation_uses_the_reservation_expires_element() -> None:
    result = run([period(T, reservation_time="0.5")], [RESERVING])
    reserved = lines_of(result, "RESERVATION_TIME")
    assert [(r.element, r.price) for r in reserved] == [(1, D("3.00"))]
    # 0.5 h x 3.00 = 1.50 / 1.80 incl. 20 % VAT
    assert reserved[0].cost == amount("1.5000", "1.8000")
    # Plus the reservation fee of the RESERVATION element (a fee for reserving, expired or not); the
    # start fee of the charging element is not charged: nothing was charged.
    assert result.total_reservation_cost == amount("2.50", "3.00")
    assert result.total_fixed_cost == amount("0", "0")
    assert result.total_energy_cost == amount("0", "0")
    assert result.total_cost == amount("2.50", "3.00")


# --- 7: FLAT once per session ---------------------------------------------------------------------------------


def test_flat_is_charged_once_when_every_period_matches() -> None:
    tf = tariff(element(pc("FLAT", "0.50"), pc("ENERGY", "0.25")))
    periods = [period(T + i * HOUR, energy="1") for i in range(3)]
    result = run(periods, [tf])
    assert [line.period for line in lines_of(result, "FLAT")] == [0]
    assert result.total_fixed_cost == amount("0.50", None)
    # 3 x 0.25 + 0.50
    assert result.total_cost == amount("1.25", None)


def test_flat_restricted_to_evenings_is_charged_once_in_the_first_period_it_is_active() -> None:
    tf = tariff(element(pc("FLAT", "2.00"), start_time="18:00"), element(pc("ENERGY", "0.25")))
    periods = [
        period(utc(2025, 1, 15, 16, 0), energy="1"),  # 17:00 CET: no FLAT yet
        period(utc(2025, 1, 15, 17, 0), energy="1"),  # 18:00: FLAT active, charged here
        period(utc(2025, 1, 15, 18, 0), energy="1"),  # 19:00: active again, not charged again
    ]
    result = run(periods, [tf])
    assert [(line.period, line.element) for line in lines_of(result, "FLAT")] == [(1, 0)]
    assert result.total_fixed_cost == amount("2.00", None)
    assert result.total_cost == amount("2.75", None)


# --- 8: step size (rule 5) -------------------------------------------------------------------------------------


def test_energy_step_size_rounds_the_session_total_on_the_last_energy_period() -> None:
    tf = tariff(element(pc("ENERGY", "0.25", step=500), pc("PARKING_TIME", "0")))
    periods = [
        period(T, energy="6"),
        period(T + HOUR, energy="4.2"),
        period(T + 2 * HOUR, parking_time="0.5"),  # no ENERGY: the extra stays on period 1
    ]
    result = run(periods, [tf])
    energy = lines_of(result, "ENERGY")
    # 10.2 kWh = 10200 Wh -> 10500 Wh: 0.3 kWh extra on the last period that used the component
    assert [(line.period, line.step_extra, line.billed_volume) for line in energy] == [
        (0, D("0"), D("6")),
        (1, D("0.3"), D("4.5")),
    ]
    assert result.total_energy == D("10.2")
    assert result.total_energy_cost == amount("2.625", None)


def test_energy_step_size_of_the_last_element_decides_small_last_step() -> None:
    # Before 18:00 0.20/kWh per 1000 Wh; afterwards 0.30/kWh per 100 Wh.
    tf = tariff(
        element(pc("ENERGY", "0.20", step=1000), end_time="18:00"),
        element(pc("ENERGY", "0.30", step=100)),
    )
    periods = [
        period(utc(2025, 1, 15, 16, 0), energy="5.05"),  # 17:00 CET
        period(utc(2025, 1, 15, 17, 0), energy="3.02"),  # 18:00 CET
    ]
    result = run(periods, [tf])
    assert elements_used(result, "ENERGY") == [0, 1]
    # 8070 Wh -> 8100 Wh (step 100 of the last component): 0.03 kWh extra at 0.30
    assert [line.step_extra for line in lines_of(result, "ENERGY")] == [D("0"), D("0.03")]
    # 5.05 x 0.20 = 1.01; 3.05 x 0.30 = 0.915
    assert result.total_energy_cost == amount("1.925", None)


def test_energy_step_size_of_the_last_element_decides_large_last_step() -> None:
    tf = tariff(
        element(pc("ENERGY", "0.20", step=100), end_time="18:00"),
        element(pc("ENERGY", "0.30", step=1000)),
    )
    periods = [
        period(utc(2025, 1, 15, 16, 0), energy="5.05"),  # 17:00 CET
        period(utc(2025, 1, 15, 17, 0), energy="3.02"),  # 18:00 CET
    ]
    result = run(periods, [tf])
    # 8070 Wh -> 9000 Wh (step 1000 of the last component): 0.93 kWh extra at 0.30
    assert [line.step_extra for line in lines_of(result, "ENERGY")] == [D("0"), D("0.93")]
    # 5.05 x 0.20 = 1.01; 3.95 x 0.30 = 1.185
    assert result.total_energy_cost == amount("2.195", None)


def test_time_step_size_300_s_bills_6_minutes_as_10() -> None:
    tf = tariff(element(pc("TIME", "6.00", step=300)))
    result = run([period(T, time="0.1")], [tf])  # 6 min
    line = lines_of(result, "TIME")[0]
    # 360 s -> 600 s: 240 s = 1/15 h extra; 600 s x 6.00/h = 1.00
    assert round(line.step_extra * 3600) == 240
    assert line.cost == amount("1.0000", None)
    assert result.total_time_cost == amount("1.00", None)
    assert result.total_time == D("0.1")


def test_parking_after_charging_only_the_parking_total_is_rounded() -> None:
    tf = tariff(element(pc("TIME", "1.00", step=300), pc("PARKING_TIME", "2.00", step=900)))
    periods = [
        period(T, time="0.1"),  # 360 s charging: not rounded (300 s steps would make it 600 s)
        period(T + dt.timedelta(minutes=6), parking_time="0.2"),  # 720 s parking -> 900 s
    ]
    result = run(periods, [tf])
    assert [line.step_extra for line in lines_of(result, "TIME")] == [D("0")]
    assert [line.step_extra for line in lines_of(result, "PARKING_TIME")] == [D("0.05")]
    assert result.total_time_cost == amount("0.10", None)
    # 0.25 h x 2.00
    assert result.total_parking_cost == amount("0.50", None)
    assert result.total_cost == amount("0.60", None)


def test_time_step_size_when_the_last_time_period_is_free_uses_the_last_paid_component() -> None:
    # TIME: 1.00/h per 1800 s before 18:00; 2.00/h per 360 s from 18:00 to 19:00; free afterwards.
    # The free 720 s are a whole number of 360 s steps, so rounding the session total (3780 + 720 s)
    # or only the paid time (3780 s) bills the same 180 s extra.
    tf = tariff(
        element(pc("TIME", "1.00", step=1800), end_time="18:00"),
        element(pc("TIME", "2.00", step=360), start_time="18:00", end_time="19:00"),
    )
    periods = [
        period(utc(2025, 1, 15, 16, 57), time="0.05"),  # 17:57 CET, 180 s
        period(utc(2025, 1, 15, 17, 0), time="1"),  # 18:00 CET, 3600 s
        period(utc(2025, 1, 15, 18, 0), time="0.2"),  # 19:00 CET, 720 s, free
    ]
    result = run(periods, [tf])
    assert elements_used(result, "TIME") == [0, 1, None]
    # 4500 s -> 4680 s with the 360 s step: 180 s = 0.05 h extra on period 1 at 2.00
    assert [line.step_extra for line in lines_of(result, "TIME")] == [D("0"), D("0.05"), D("0")]
    # 0.05 x 1.00 + 1.05 x 2.00
    assert result.total_time_cost == amount("2.15", None)


# --- 9, 11: min_price / max_price ------------------------------------------------------------------------------


def _cheap_session(**fields: Any) -> Pricing:
    # 10 kWh x 0.18 at 50 % VAT: 1.80 excl. / 2.70 incl.
    tf = tariff(element(pc("ENERGY", "0.18", vat="50")), **fields)
    return run([period(T, energy="10")], [tf])


def test_min_price_applies_to_excl_and_incl_vat_separately() -> None:
    result = _cheap_session(min_price={"excl_vat": D("2.00"), "incl_vat": D("2.50")})
    assert result.total_cost == amount("2.00", "2.70")
    assert result.total_energy_cost == amount("1.80", "2.70")  # the parts are not changed
    assert any("min_price" in note for note in result.notes)


def test_min_price_incl_vat_reached_while_excl_vat_is_not() -> None:
    result = _cheap_session(min_price={"excl_vat": D("1.50"), "incl_vat": D("3.00")})
    assert result.total_cost == amount("1.80", "3.00")
    assert [note for note in result.notes if "min_price" in note] != []


def test_max_price_applies_to_excl_and_incl_vat_separately() -> None:
    result = _cheap_session(max_price={"excl_vat": D("2.00"), "incl_vat": D("2.50")})
    assert result.total_cost == amount("1.80", "2.50")
    assert any("max_price" in note for note in result.notes)


def test_min_and_max_price_not_reached_leave_no_note() -> None:
    result = _cheap_session(
        min_price={"excl_vat": D("1.00"), "incl_vat": D("1.50")},
        max_price={"excl_vat": D("3.00"), "incl_vat": D("3.00")},
    )
    assert result.total_cost == amount("1.80", "2.70")
    assert result.notes == ()


def test_min_price_in_the_2_3_0_price_limit_shape() -> None:
    result = _cheap_session(min_price={"before_taxes": D("2.00"), "after_taxes": D("2.50")})
    assert result.total_cost == amount("2.00", "2.70")
    assert any("min_price" in note for note in result.notes)


def test_max_price_in_the_2_3_0_price_limit_shape() -> None:
    result = _cheap_session(max_price={"before_taxes": D("2.00"), "after_taxes": D("2.50")})
    assert result.total_cost == amount("1.80", "2.50")
    assert any("max_price" in note for note in result.notes)


def test_min_price_2_3_0_before_taxes_only() -> None:
    # after_taxes is optional in a 2.3.0 PriceLimit: only the excl. VAT figure is raised.
    result = _cheap_session(min_price={"before_taxes": D("2.00")})
    assert result.total_cost == amount("2.00", "2.70")


# --- 10: VAT ---------------------------------------------------------------------------------------------------


def test_component_without_vat_makes_incl_vat_unknown_not_zero() -> None:
    tf = tariff(element(pc("ENERGY", "0.25", vat="10"), pc("FLAT", "0.50")))
    result = run([period(T, energy="10")], [tf])
    assert result.total_energy_cost == amount("2.50", "2.75")
    assert result.total_fixed_cost == amount("0.50", None)
    assert result.total_cost == amount("3.00", None)


def test_vat_rates_are_applied_per_component() -> None:
    tf = tariff(element(pc("ENERGY", "0.25", vat="10"), pc("FLAT", "0.50", vat="20"), pc("TIME", "1.00", vat="21")))
    result = run([period(T, energy="20", time="2")], [tf])
    assert result.total_energy_cost == amount("5.00", "5.50")
    assert result.total_fixed_cost == amount("0.50", "0.60")
    assert result.total_time_cost == amount("2.00", "2.42")
    assert result.total_cost == amount("7.50", "8.52")


def test_vat_zero_percent_is_known() -> None:
    tf = tariff(element(pc("ENERGY", "0.25", vat="0")))
    result = run([period(T, energy="10")], [tf])
    assert result.total_cost == amount("2.50", "2.50")


# --- 12: which tariff -----------------------------------------------------------------------------------------

CHEAP = tariff(element(pc("ENERGY", "0.20")), tariff_id="A")
DEAR = tariff(element(pc("ENERGY", "0.30")), tariff_id="B")


def test_each_period_is_priced_by_the_tariff_it_names() -> None:
    periods = [period(T, "A", energy="10"), period(T + HOUR, "B", energy="10")]
    result = run(periods, [CHEAP, DEAR])
    assert [(line.tariff_id, line.period) for line in lines_of(result, "ENERGY")] == [("A", 0), ("B", 1)]
    assert result.tariff_ids == ("A", "B")
    # 10 x 0.20 + 10 x 0.30
    assert result.total_cost == amount("5.00", None)


def test_unknown_tariff_id_is_unpriceable_and_named() -> None:
    periods = [period(T, "A", energy="10"), period(T + HOUR, "NOPE", energy="10")]
    with pytest.raises(UnpriceableError, match="NOPE"):
        run(periods, [CHEAP, DEAR])


def test_without_tariff_id_the_first_tariff_valid_at_session_start_is_used() -> None:
    switch = utc(2025, 1, 15, 8, 0)
    old = tariff(element(pc("ENERGY", "0.20")), tariff_id="OLD", end=switch)
    new = tariff(element(pc("ENERGY", "0.30")), tariff_id="NEW", start=switch)
    also_valid = tariff(element(pc("ENERGY", "0.40")), tariff_id="LATER")
    # The session starts exactly at the switch: end_date_time is exclusive, start_date_time inclusive.
    result = run([period(switch, energy="10")], [old, new, also_valid])
    assert result.tariff_ids == ("NEW",)
    assert result.total_cost == amount("3.00", None)
    # One second earlier the old tariff is still valid.
    before = switch - dt.timedelta(seconds=1)
    result = run([period(before, energy="10")], [old, new, also_valid])
    assert result.tariff_ids == ("OLD",)
    assert result.total_cost == amount("2.00", None)


def test_a_named_tariff_with_two_versions_uses_the_one_valid_at_session_start() -> None:
    switch = utc(2025, 1, 15, 8, 0)
    old = tariff(element(pc("ENERGY", "0.20")), tariff_id="T1", end=switch)
    new = tariff(element(pc("ENERGY", "0.30")), tariff_id="T1", start=switch)
    # Both periods name T1; the session started at the switch, so the new version prices both.
    periods = [period(switch, "T1", energy="10"), period(switch + HOUR, "T1", energy="10")]
    assert run(periods, [old, new]).total_cost == amount("6.00", None)


def test_without_tariff_id_and_no_tariff_valid_at_start_is_unpriceable() -> None:
    old = tariff(element(pc("ENERGY", "0.20")), tariff_id="OLD", end=utc(2025, 1, 1))
    with pytest.raises(UnpriceableError):
        run([period(T, energy="10")], [old])


# --- 13: credit CDRs -------------------------------------------------------------------------------------------


def _cdr_with_tariff(**changes: Any) -> model.Cdr:
    # make_cdr: 20 kWh at 0.25/kWh plus a 0.50 start fee, 21 % VAT: 5.50 / 6.655 in two periods of T1.
    t1 = tariff(element(pc("ENERGY", "0.25", vat="21"), pc("FLAT", "0.50", vat="21")), tariff_id="T1")
    return make_cdr(tariffs=(t1,), **changes)


def test_the_debit_cdr_checks_ok() -> None:
    check = pricing.check(_cdr_with_tariff())
    assert check.status == model.PRICE_OK
    assert check.total_cost == model.Price(D("5.50"), D("6.655"))


def test_credit_cdr_is_not_repriced() -> None:
    credit = _cdr_with_tariff(
        id="CDR0001-CREDIT",
        credit=True,
        credit_reference_id="CDR0001",
        total_cost=model.Price(D("-5.5"), D("-6.655")),
        total_energy_cost=model.Price(D("-5"), D("-6.05")),
        total_fixed_cost=model.Price(D("-0.5"), D("-0.605")),
    )
    check = pricing.check(credit)
    assert check.status == model.PRICE_CREDIT == "credit"
    assert check.total_cost is None
    with pytest.raises(UnpriceableError, match="credit"):
        pricing.price_cdr(credit)


def test_credit_cdr_is_not_repriced_even_with_store_tariffs() -> None:
    credit = dataclasses.replace(_cdr_with_tariff(), tariffs=(), credit=True, credit_reference_id="CDR0000")
    t1 = tariff(element(pc("ENERGY", "0.25", vat="21")), tariff_id="T1")
    assert pricing.check(credit, [t1]).status == "credit"
    with pytest.raises(UnpriceableError):
        pricing.price_cdr(credit, [t1])


# --- 14: exact decimals --------------------------------------------------------------------------------------


def test_small_periods_sum_exactly() -> None:
    tf = tariff(element(pc("TIME", "1.00", vat="21")))
    periods = [period(T + dt.timedelta(seconds=i * 1200), time="0.3333") for i in range(3)]
    result = run(periods, [tf])
    # 3 x 0.3333 h = 0.9999 h exactly = 3599.64 s; step_size 1 s (rule 5) bills 3600 s: the extra is
    # exactly 0.36 s = 0.0001 h on the last period. 1 h x 1.00 = 1.00; x 1.21 = 1.21.
    assert result.total_time == D("0.9999")
    assert [line.step_extra for line in lines_of(result, "TIME")] == [D("0"), D("0"), D("0.0001")]
    assert result.total_cost == amount("1.0000", "1.2100")


def test_small_periods_in_whole_steps_sum_exactly() -> None:
    # 3 x 0.0125 h = 3 x 45 s, a whole number of 1 s steps: 0.0375 h x 1.00 = 0.0375; x 1.21 = 0.045375
    tf = tariff(element(pc("TIME", "1.00", vat="21")))
    periods = [period(T + dt.timedelta(seconds=i * 45), time="0.0125") for i in range(3)]
    result = run(periods, [tf])
    assert [line.step_extra for line in lines_of(result, "TIME")] == [D("0")] * 3
    assert result.total_cost == amount("0.0375", "0.0454")


def test_many_tenths_sum_without_float_drift() -> None:
    tf = tariff(element(pc("ENERGY", "0.3", vat="21")))
    periods = [period(T + i * dt.timedelta(minutes=6), energy="0.1") for i in range(10)]
    result = run(periods, [tf])
    # 10 x 0.1 kWh = 1 kWh (in floats 0.9999999999999999); x 0.3 = 0.30; x 1.21 = 0.363
    assert result.total_energy == D("1.0")
    assert result.total_cost == amount("0.3000", "0.3630")


def test_totals_round_half_up_to_4_decimals() -> None:
    # 1 kWh x 0.12345 = 0.12345 -> 0.1235 (half up, not half even); incl. 10 %: 0.135795 -> 0.1358
    tf = tariff(element(pc("ENERGY", "0.12345", vat="10")))
    result = run([period(T, energy="1")], [tf])
    assert result.total_cost.excl_vat.as_tuple().exponent == -4
    assert result.total_cost == amount("0.1235", "0.1358")
