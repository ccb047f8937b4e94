"""Costs and tariffs on a small hand-built session frame: every expected figure is worked out by hand.

The frame (Europe/Amsterdam, March 2024, CET = UTC+1), amounts excl. VAT in 1/10,000:

    id  local start       cur  kWh  total    energy   time  parking fixed  resv  tariff emp    status
    A   Mon 04 09:00      EUR  20    55,000   50,000   -     -        5,000 -     T1     NLTNM  ok
    D   Mon 04 09:00      EUR  20   -55,000  -50,000   -     -       -5,000 -     T1     NLTNM  credit (credits A)
    B   Tue 05 09:00      EUR  10    40,000   25,000 10,000  3,000   -     -     T2     DEABC  mismatch
    E   Tue 05 10:00      GBP  15    60,000   60,000   -     -        -     -     TG     NLTNM  (not checked)
    C   Mon 11 09:00      EUR   0     5,000   -        -     -        5,000 -     T1     -      unpriced
    F   Wed 13 00:30      EUR  30   100,000   -        -     -        -     -     -      NLTNM  ok
    G   Wed 20 11:00      EUR   2    12,345   12,345   -     -        -     -     T1     DEABC  ok

B's components leave 2,000 of its total (other); F states no component (other 100,000).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from cdrlib import analytics, costs, model
from cdrlib.store import ISSUE_COLUMNS, SESSION_COLUMNS
from cdrlib.store.schema import to_micros
from tests.factories import make_cdr, utc

AMS = "Europe/Amsterdam"
D = dt.date


def row(cdr_id: str, start: dt.datetime, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {name: None for name in SESSION_COLUMNS}
    values.update(
        cdr_id=cdr_id,
        start_us=to_micros(start),
        end_us=to_micros(start + dt.timedelta(hours=1)),
        time_zone=AMS,
        currency="EUR",
        total_energy_e4=0,
        total_time_e4=10_000,
        credit=False,
    )
    values.update(changes)
    return values


ROWS = (
    row("A", utc(2024, 3, 4, 8), total_energy_e4=200_000, total_cost_excl_e4=55_000,
        total_energy_cost_excl_e4=50_000, total_fixed_cost_excl_e4=5_000,
        tariff_id="T1", emp_id="NLTNM", price_status="ok"),
    row("D", utc(2024, 3, 4, 8), total_energy_e4=200_000, total_cost_excl_e4=-55_000,
        total_energy_cost_excl_e4=-50_000, total_fixed_cost_excl_e4=-5_000,
        tariff_id="T1", emp_id="NLTNM", price_status="credit", credit=True),
    row("B", utc(2024, 3, 5, 8), total_energy_e4=100_000, total_cost_excl_e4=40_000,
        total_energy_cost_excl_e4=25_000, total_time_cost_excl_e4=10_000, total_parking_cost_excl_e4=3_000,
        tariff_id="T2", emp_id="DEABC", price_status="mismatch"),
    row("E", utc(2024, 3, 5, 9), currency="GBP", total_energy_e4=150_000, total_cost_excl_e4=60_000,
        total_energy_cost_excl_e4=60_000, tariff_id="TG", emp_id="NLTNM"),
    row("C", utc(2024, 3, 11, 8), total_energy_e4=0, total_cost_excl_e4=5_000, total_fixed_cost_excl_e4=5_000,
        tariff_id="T1", price_status="unpriced"),
    row("F", utc(2024, 3, 12, 23, 30), total_energy_e4=300_000, total_cost_excl_e4=100_000,
        emp_id="NLTNM", price_status="ok"),
    row("G", utc(2024, 3, 20, 10), total_energy_e4=20_000, total_cost_excl_e4=12_345,
        total_energy_cost_excl_e4=12_345, tariff_id="T1", emp_id="DEABC", price_status="ok"),
)  # fmt: skip


def _paged(df: pl.DataFrame) -> pl.LazyFrame:
    """``df`` as the pages see it: `analytics.prepare`d, dated by the local start."""
    return analytics.prepare(df, AMS).lazy().with_columns(day=pl.col("start_day"))


def frame(*rows: dict[str, Any]) -> pl.LazyFrame:
    return _paged(pl.DataFrame(list(rows or ROWS), schema=SESSION_COLUMNS, orient="row"))


def empty() -> pl.LazyFrame:
    return _paged(pl.DataFrame(schema=SESSION_COLUMNS))


def costs_of(
    energy: int = 0, time: int = 0, parking: int = 0, fixed: int = 0, reservation: int = 0, other: int = 0
) -> dict[str, int]:
    return {
        "energy_cost_e4": energy,
        "time_cost_e4": time,
        "parking_cost_e4": parking,
        "fixed_cost_e4": fixed,
        "reservation_cost_e4": reservation,
        "other_cost_e4": other,
    }


# ---------------------------------------------------------------------- revenue by component
def test_component_trend_per_week_adds_up_to_the_revenue() -> None:
    df = costs.component_trend(frame(), "week", D(2024, 3, 1), D(2024, 3, 31), "EUR").collect()
    assert df.to_dicts() == [
        {"bucket": D(2024, 2, 26), "currency": "EUR", "cdrs": 0, "revenue_excl_e4": 0, **costs_of()},
        # A and its credit D cancel out; B leaves 2,000 of its total to no component
        {"bucket": D(2024, 3, 4), "currency": "EUR", "cdrs": 3, "revenue_excl_e4": 40_000,
         **costs_of(energy=25_000, time=10_000, parking=3_000, other=2_000)},
        {"bucket": D(2024, 3, 11), "currency": "EUR", "cdrs": 2, "revenue_excl_e4": 105_000,
         **costs_of(fixed=5_000, other=100_000)},
        {"bucket": D(2024, 3, 18), "currency": "EUR", "cdrs": 1, "revenue_excl_e4": 12_345, **costs_of(energy=12_345)},
        {"bucket": D(2024, 3, 25), "currency": "EUR", "cdrs": 0, "revenue_excl_e4": 0, **costs_of()},
    ]  # fmt: skip


def test_component_trend_per_day_uses_the_local_date_and_never_mixes_currencies() -> None:
    df = costs.component_trend(frame(), "day", D(2024, 3, 1), D(2024, 3, 31), "EUR").collect()
    assert df.height == 31
    by_day = {r["bucket"]: r["revenue_excl_e4"] for r in df.to_dicts() if r["cdrs"]}
    # F started 12 March 23:30 UTC: 13 March 00:30 local. E (GBP) is not in the EUR figures.
    assert by_day == {D(2024, 3, 4): 0, D(2024, 3, 5): 40_000, D(2024, 3, 11): 5_000, D(2024, 3, 13): 100_000,
                      D(2024, 3, 20): 12_345}  # fmt: skip
    gbp = costs.component_trend(frame(), "month", D(2024, 3, 1), D(2024, 3, 31), "GBP").collect()
    assert gbp.to_dicts() == [
        {"bucket": D(2024, 3, 1), "currency": "GBP", "cdrs": 1, "revenue_excl_e4": 60_000, **costs_of(energy=60_000)}
    ]


def test_component_trend_leaves_out_sessions_outside_the_period() -> None:
    df = costs.component_trend(frame(), "day", D(2024, 3, 5), D(2024, 3, 12), "EUR").collect()
    assert df["bucket"].to_list() == [D(2024, 3, d) for d in range(5, 13)]
    assert df["revenue_excl_e4"].sum() == 45_000  # B and C; F is local 13 March


def test_component_trend_without_cdrs_is_zeros() -> None:
    df = costs.component_trend(empty(), "month", D(2024, 3, 1), D(2024, 4, 30), "EUR").collect()
    assert df.to_dicts() == [
        {"bucket": D(2024, 3, 1), "currency": "EUR", "cdrs": 0, "revenue_excl_e4": 0, **costs_of()},
        {"bucket": D(2024, 4, 1), "currency": "EUR", "cdrs": 0, "revenue_excl_e4": 0, **costs_of()},
    ]


def test_component_split_by_tariff_largest_first() -> None:
    df = costs.component_split(frame(), "tariff", "EUR").collect()
    assert df.to_dicts() == [
        {"label": "(none)", "currency": "EUR", "cdrs": 1, "sessions": 1, "energy_e4": 300_000,
         "revenue_excl_e4": 100_000, **costs_of(other=100_000)},
        {"label": "T2", "currency": "EUR", "cdrs": 1, "sessions": 1, "energy_e4": 100_000,
         "revenue_excl_e4": 40_000, **costs_of(energy=25_000, time=10_000, parking=3_000, other=2_000)},
        # A, its credit D (not a session, no kWh), C and G
        {"label": "T1", "currency": "EUR", "cdrs": 4, "sessions": 3, "energy_e4": 220_000,
         "revenue_excl_e4": 17_345, **costs_of(energy=12_345, fixed=5_000)},
    ]  # fmt: skip


def test_component_split_by_emp() -> None:
    df = costs.component_split(frame(), "emp", "EUR").collect()
    assert df.select("label", "cdrs", "sessions", "energy_e4", "revenue_excl_e4").rows() == [
        ("NLTNM", 3, 2, 500_000, 100_000),
        ("DEABC", 2, 2, 120_000, 52_345),
        ("(none)", 1, 1, 0, 5_000),
    ]
    gbp = costs.component_split(frame(), "emp", "GBP").collect()
    assert gbp.select("label", "revenue_excl_e4").rows() == [("NLTNM", 60_000)]


def test_component_split_refuses_an_unknown_split() -> None:
    with pytest.raises(ValueError, match="cannot split costs by 'ou'"):
        costs.component_split(frame(), "ou", "EUR")  # type: ignore[arg-type]


# ---------------------------------------------------------------------- price per kWh
def test_price_per_kwh_is_exact_and_rounded_half_up() -> None:
    df = costs.price_per_kwh(frame(), "EUR").collect()
    # A 5.50 / 20 = 0.275; F 10 / 30 = 0.33333.. -> 0.3333; B 4 / 10 = 0.4; G 1.2345 / 2 = 0.61725 -> 0.6173.
    # Left out: the credit D, C without kWh, E in GBP.
    assert df.select("cdr_id", "total_energy_e4", "total_cost_excl_e4", "price_per_kwh_e4").rows() == [
        ("A", 200_000, 55_000, 2_750),
        ("F", 300_000, 100_000, 3_333),
        ("B", 100_000, 40_000, 4_000),
        ("G", 20_000, 12_345, 6_173),
    ]
    assert set(df["currency"]) == {"EUR"}


def test_price_per_kwh_rounds_a_negative_price_half_away_from_zero() -> None:
    refund = row("R", utc(2024, 3, 6, 8), total_energy_e4=20_000, total_cost_excl_e4=-12_345)
    assert costs.price_per_kwh(frame(refund), "EUR").collect()["price_per_kwh_e4"].to_list() == [-6_173]


def test_price_spread_by_nearest_rank() -> None:
    df = costs.price_spread(costs.price_per_kwh(frame(), "EUR")).collect()
    # 4 prices: p10 is the 1st (ceil 0.4), the median the 2nd (ceil 2), p90 the 4th (ceil 3.6)
    assert df.to_dicts() == [
        {"cdrs": 4, "energy_e4": 620_000, "revenue_excl_e4": 207_345, "min_e4": 2_750, "p10_e4": 2_750,
         "median_e4": 3_333, "p90_e4": 6_173, "max_e4": 6_173}
    ]  # fmt: skip
    spread = costs.PriceSpread.from_frame(df)
    assert spread.median == Decimal("0.3333")
    assert spread.average == Decimal("0.3344")  # 20.7345 / 62 = 0.33442..


def test_price_spread_without_sessions() -> None:
    spread = costs.PriceSpread.from_frame(costs.price_spread(costs.price_per_kwh(empty(), "EUR")).collect())
    assert spread == costs.PriceSpread(0, Decimal(0), Decimal(0), None, None, None, None, None)
    assert spread.average is None


def prices(*e4: int) -> pl.LazyFrame:
    return pl.LazyFrame({"price_per_kwh_e4": list(e4)}, schema={"price_per_kwh_e4": pl.Int64})


def test_price_histogram_counts_every_price_in_one_bin_of_whole_e4_width() -> None:
    df = costs.price_histogram(prices(2_500, 2_500, 2_727, 2_750, 3_478, 5_000), 4).collect()
    # width (5,000 - 2,500) // 4 + 1 = 626: bins from 2,500, 3,126, 3,752 (empty: left out), 4,378
    assert df.rows() == [(2_500, 3_126, 4), (3_126, 3_752, 1), (4_378, 5_004, 1)]
    assert df["sessions"].sum() == 6


def test_price_histogram_of_one_price_or_none() -> None:
    assert costs.price_histogram(prices(3_000, 3_000), 40).collect().rows() == [(3_000, 3_001, 2)]
    assert costs.price_histogram(prices(), 40).collect().is_empty()
    # a refund's negative price: width (2,750 + 6,173) // 2 + 1 = 4,462
    assert costs.price_histogram(prices(-6_173, 2_750), 2).collect().rows() == [(-6_173, -1_711, 1), (-1_711, 2_751, 1)]
    with pytest.raises(ValueError, match="at least one bin"):
        costs.price_histogram(prices(1), 0)


# ---------------------------------------------------------------------- price checks
def test_price_checks_count_each_status() -> None:
    checks = costs.PriceChecks.from_frame(costs.price_checks(frame()).collect())
    assert checks == costs.PriceChecks(cdrs=7, ok=3, mismatch=1, unpriced=1, credit=1, unchecked=1)
    assert checks.checked == 5  # credit and unchecked left out
    assert checks.share("ok") == Decimal("0.6")
    assert checks.share("mismatch") == Decimal("0.2")
    none = costs.PriceChecks.from_frame(costs.price_checks(empty()).collect())
    assert none == costs.PriceChecks(0, 0, 0, 0, 0, 0)
    assert none.share("ok") is None


def test_issue_differences_are_stated_minus_recomputed() -> None:
    base = {name: None for name in ISSUE_COLUMNS}
    issues = pl.DataFrame(
        [
            {**base, "cdr_id": "X1", "total_cost_excl_e4": 60_000, "total_cost_incl_e4": 72_600,
             "calc_total_cost_excl_e4": 55_000, "calc_total_cost_incl_e4": 66_550, "price_status": "mismatch"},
            {**base, "cdr_id": "X2", "total_cost_excl_e4": 55_000, "total_cost_incl_e4": None,
             "calc_total_cost_excl_e4": 55_001, "calc_total_cost_incl_e4": 66_550, "price_status": "mismatch"},
            {**base, "cdr_id": "X3", "total_cost_excl_e4": 55_000, "total_cost_incl_e4": 66_550,
             "price_status": "unpriced"},
        ],
        schema=ISSUE_COLUMNS,
        orient="row",
    )  # fmt: skip
    df = costs.issue_differences(issues.lazy()).collect()
    assert df.select("cdr_id", "diff_excl_e4", "diff_incl_e4").rows() == [
        ("X1", 5_000, 6_050),
        ("X2", -1, None),
        ("X3", None, None),
    ]


# ---------------------------------------------------------------------- grain, time line, CSV
@pytest.mark.parametrize(
    ("days", "grain"), [(1, "day"), (31, "day"), (62, "day"), (63, "week"), (190, "week"), (191, "month")]
)
def test_default_grain(days: int, grain: str) -> None:
    assert costs.default_grain(days) == grain


def test_timeline_power_is_max_power_else_energy_over_time() -> None:
    start = utc(2024, 3, 5, 8)
    cdr = make_cdr(
        start_date_time=start,
        end_date_time=start + dt.timedelta(hours=2, minutes=50),
        charging_periods=(
            model.ChargingPeriod(start, "T1", energy=Decimal("1"), time=Decimal("0.3")),
            model.ChargingPeriod(start + dt.timedelta(hours=1), "T1", energy=Decimal("7.5"), time=Decimal("1"),
                                 max_power=Decimal("11")),
            model.ChargingPeriod(start + dt.timedelta(hours=2), "T1", parking_time=Decimal("0.5")),
            # no TIME dimension: the period's own 20 minutes
            model.ChargingPeriod(start + dt.timedelta(hours=2, minutes=30), "T2", energy=Decimal("1")),
        ),
    )  # fmt: skip
    df = costs.timeline(cdr).collect()
    hour = 3_600_000_000
    t0 = to_micros(start)
    assert df.rows() == [
        (1, t0, t0 + hour, "T1", 10_000, 3_000, None, None, 33_333, "energy / time"),  # 1 / 0.3 = 3.3333 kW
        (2, t0 + hour, t0 + 2 * hour, "T1", 75_000, 10_000, None, 110_000, 110_000, "MAX_POWER"),
        (3, t0 + 2 * hour, t0 + 5 * hour // 2, "T1", None, None, 5_000, None, None, None),
        (4, t0 + 5 * hour // 2, t0 + 17 * hour // 6, "T2", 10_000, None, None, None, 30_000, "energy / time"),
    ]


def test_timeline_of_a_cdr_without_periods_is_empty() -> None:
    df = costs.timeline(make_cdr(charging_periods=())).collect()
    assert df.is_empty()
    assert df.schema == pl.Schema(costs.TIMELINE_COLUMNS)


def test_readable_turns_e4_into_exact_text_and_us_into_utc_instants() -> None:
    lf = pl.LazyFrame(
        {
            "label": ["a", "b", "c", "d"],
            "revenue_excl_e4": [-12_345, 5, 1_234_567_890, None],
            "start_us": [to_micros(utc(2024, 3, 5, 8)), 1, 0, None],
            "cdrs": [1, 2, 3, 4],
        }
    )
    df = costs.readable(lf).collect()
    assert df.columns == ["label", "revenue_excl", "start", "cdrs"]
    assert df["revenue_excl"].to_list() == ["-1.2345", "0.0005", "123456.7890", None]
    assert df.write_csv() == (
        "label,revenue_excl,start,cdrs\n"
        "a,-1.2345,2024-03-05T08:00:00Z,1\n"
        "b,0.0005,1970-01-01T00:00:00.000001Z,2\n"
        "c,123456.7890,1970-01-01T00:00:00Z,3\n"
        "d,,,4\n"
    )
