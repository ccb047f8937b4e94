"""Dashboard measures on small hand-built session frames, with exact expected values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from cdrlib import analytics, model
from cdrlib.store import SESSION_COLUMNS
from cdrlib.store.schema import to_micros

AMS = "Europe/Amsterdam"
D = dt.date


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


_pk = iter(range(1, 10_000))
TUESDAY = dt.datetime(2024, 3, 5, 8, tzinfo=dt.UTC)


def row(start: dt.datetime = TUESDAY, **changes: Any) -> dict[str, Any]:
    """One session row: 20 kWh in 2 h (0.5 h parking), 5.50 EUR excl. / 6.655 incl. VAT, roamed, AC."""
    values: dict[str, Any] = {
        "pk": next(_pk),
        "cdr_id": "CDR",
        "start_us": to_micros(start),
        "end_us": to_micros(start + dt.timedelta(hours=2)),
        "created_us": to_micros(start + dt.timedelta(hours=3)),
        "time_zone": AMS,
        "currency": "EUR",
        "total_energy_e4": 200_000,
        "total_time_e4": 20_000,
        "total_parking_time_e4": 5_000,
        "total_cost_excl_e4": 55_000,
        "total_cost_incl_e4": 66_550,
        "roamed": True,
        "emp_id": "NLTNM",
        "ou_code": "ACME",
        "location_ou_code": "ACME",
        "location_id": "LOC001",
        "location_name": "Stationsplein",
        "location_country": "NLD",
        "connector_power_type": "AC_3_PHASE",
        "credit": None,
    }
    values.update(changes)
    return values


def frame(*rows: dict[str, Any]) -> pl.LazyFrame:
    """The rows as the pages see them: `analytics.prepare`d, dated by their local start."""
    df = analytics.prepare(pl.DataFrame(list(rows), schema=SESSION_COLUMNS, orient="row"), AMS)
    return df.lazy().with_columns(day=pl.col("start_day"))


def kpis(*rows: dict[str, Any]) -> analytics.Kpis:
    return analytics.Kpis.from_frame(analytics.kpis(frame(*rows)).collect())


# ---------------------------------------------------------------------- kpis
def test_kpis_frame_has_one_row_per_currency_with_exact_integers() -> None:
    df = analytics.kpis(
        frame(
            row(),
            row(total_energy_e4=123_456, total_cost_excl_e4=10_001, total_cost_incl_e4=None, roamed=False),
            row(currency="GBP", total_energy_e4=100_000, total_cost_excl_e4=30_000, total_cost_incl_e4=36_000),
            row(credit=True, total_cost_excl_e4=-55_000, total_cost_incl_e4=-66_550),
        )
    ).collect()
    assert df.to_dicts() == [
        {
            "currency": "EUR",
            "cdrs": 3,
            "sessions": 2,
            "credit_cdrs": 1,
            "roamed_sessions": 1,
            "energy_e4": 323_456,
            "total_time_e4": 40_000,
            "charging_time_e4": 30_000,
            "parking_time_e4": 10_000,
            "revenue_excl_e4": 10_001,
            "revenue_incl_e4": 0,
            "incl_vat_missing": 1,
        },
        {
            "currency": "GBP",
            "cdrs": 1,
            "sessions": 1,
            "credit_cdrs": 0,
            "roamed_sessions": 1,
            "energy_e4": 100_000,
            "total_time_e4": 20_000,
            "charging_time_e4": 15_000,
            "parking_time_e4": 5_000,
            "revenue_excl_e4": 30_000,
            "revenue_incl_e4": 36_000,
            "incl_vat_missing": 0,
        },
    ]


def test_kpis_are_exact_decimals_and_never_add_currencies() -> None:
    k = kpis(
        row(),
        row(total_energy_e4=100_001, total_cost_excl_e4=33_333, total_cost_incl_e4=40_333, roamed=False),
        row(currency="GBP", total_energy_e4=100_000, total_cost_excl_e4=30_000, total_cost_incl_e4=36_000),
    )
    assert k.sessions == 3
    assert k.roamed_sessions == 2
    assert k.energy_kwh == Decimal("40.0001")
    assert k.charging_hours == Decimal("4.5")
    assert k.parking_hours == Decimal("1.5")
    assert k.main_currency == "EUR"
    assert k.revenue("EUR") == Decimal("8.8333")
    assert k.revenue("EUR", incl_vat=True) == Decimal("10.6883")
    assert k.revenue("GBP") == Decimal("3")
    assert k.revenue("USD") == Decimal(0)
    assert [t.currency for t in k.others] == ["GBP"]
    # per kWh of the main currency's own sessions: 8.8333 / 30.0001
    assert k.main is not None
    assert k.main.revenue_per_kwh == Decimal("0.2944")
    assert k.avg_kwh_per_session == Decimal("13.3334")  # 40.0001 / 3 = 13.33336..
    assert k.share_roamed == Decimal("0.6667")


def test_credit_cdrs_count_in_revenue_but_not_as_sessions() -> None:
    k = kpis(
        row(),
        row(),
        row(credit=True, total_energy_e4=-200_000, total_cost_excl_e4=-55_000, total_cost_incl_e4=-66_550),
    )
    assert k.sessions == 2
    assert k.credit_cdrs == 1
    assert k.energy_kwh == Decimal("40")
    assert k.charging_hours == Decimal("3")
    assert k.revenue("EUR") == Decimal("5.5")
    assert k.revenue("EUR", incl_vat=True) == Decimal("6.655")
    assert k.share_roamed == Decimal("1")
    assert k.main is not None
    assert k.main.revenue_per_kwh == Decimal("0.1375")  # 5.50 / 40 kWh


def test_credit_false_is_a_session() -> None:
    assert kpis(row(credit=False), row(credit=None)).sessions == 2


def test_charging_time_without_parking_time_and_never_negative() -> None:
    k = kpis(
        row(total_time_e4=15_000, total_parking_time_e4=None),
        row(total_time_e4=10_000, total_parking_time_e4=12_000),  # a sender's inconsistency
    )
    assert k.charging_hours == Decimal("1.5")
    assert k.parking_hours == Decimal("1.2")


def test_main_currency_is_the_one_with_most_sessions() -> None:
    k = kpis(row(currency="GBP"), row(currency="GBP"), row(currency="EUR", total_cost_excl_e4=9_999_999))
    assert k.main_currency == "GBP"
    assert [t.currency for t in k.by_currency] == ["GBP", "EUR"]


def test_main_currency_ties_go_to_more_cdrs_then_alphabet() -> None:
    assert kpis(row(currency="GBP"), row(currency="EUR")).main_currency == "EUR"
    tie = kpis(row(currency="GBP"), row(currency="EUR"), row(currency="GBP", credit=True, total_cost_excl_e4=-1))
    assert tie.main_currency == "GBP"


def test_no_cdrs_gives_zeros_and_no_ratios() -> None:
    k = kpis()
    assert (k.sessions, k.energy_kwh, k.charging_hours, k.parking_hours) == (0, 0, 0, 0)
    assert k.main is None and k.main_currency is None and k.others == ()
    assert k.avg_kwh_per_session is None
    assert k.share_roamed is None


def test_only_a_credit_cdr() -> None:
    k = kpis(row(credit=True, total_cost_excl_e4=-10_000, total_cost_incl_e4=-12_100))
    assert k.sessions == 0
    assert k.main_currency == "EUR"
    assert k.revenue("EUR") == Decimal("-1")
    assert k.main is not None and k.main.revenue_per_kwh is None


# ---------------------------------------------------------------------- helpers
def test_ratio_rounds_half_up_to_four_places() -> None:
    assert analytics.ratio(1, 8) == Decimal("0.1250")
    assert analytics.ratio(Decimal("0.00005"), 1) == Decimal("0.0001")
    assert analytics.ratio(2, 3) == Decimal("0.6667")
    assert analytics.ratio(1, 0) is None


def test_change_is_relative_to_the_previous_value() -> None:
    assert analytics.change(150, 100) == Decimal("0.5")
    assert analytics.change(Decimal("75"), Decimal("100")) == Decimal("-0.25")
    assert analytics.change(-5, -10) == Decimal("0.5")  # a smaller loss is an improvement
    assert analytics.change(10, 0) is None
    assert analytics.change(None, 10) is None
    assert analytics.change(10, None) is None


def test_from_e4() -> None:
    assert model.from_e4(12_345) == Decimal("1.2345")
    assert model.from_e4(-1) == Decimal("-0.0001")


# ---------------------------------------------------------------------- trend
def test_trend_by_local_day_across_spring_forward() -> None:
    lf = frame(
        row(utc(2024, 2, 29, 23, 30)),  # 1 March 00:30 +01:00
        row(utc(2024, 3, 30, 22, 59)),  # 30 March 23:59 +01:00
        row(utc(2024, 3, 30, 23, 0)),  # 31 March 00:00 +01:00
        row(utc(2024, 3, 31, 21, 59), total_energy_e4=1),  # 31 March 23:59 +02:00
        row(utc(2024, 3, 31, 22, 0)),  # 1 April 00:00 +02:00: outside the period
        row(utc(2024, 2, 29, 22, 59)),  # 29 February 23:59 +01:00: outside the period
    )
    df = analytics.trend(lf, "day", D(2024, 3, 1), D(2024, 3, 31), "EUR").collect()
    assert df.height == 31
    assert df["bucket"][0] == D(2024, 3, 1) and df["bucket"][-1] == D(2024, 3, 31)
    by_day = {r["bucket"]: (r["sessions"], r["energy_e4"], r["revenue_excl_e4"]) for r in df.to_dicts()}
    assert by_day[D(2024, 3, 1)] == (1, 200_000, 55_000)
    assert by_day[D(2024, 3, 30)] == (1, 200_000, 55_000)
    assert by_day[D(2024, 3, 31)] == (2, 200_001, 110_000)
    assert by_day[D(2024, 3, 15)] == (0, 0, 0)
    assert df["sessions"].sum() == 4


def test_trend_by_local_day_across_fall_back() -> None:
    lf = frame(
        row(utc(2024, 10, 26, 22, 0)),  # 27 October 00:00 +02:00
        row(utc(2024, 10, 27, 22, 59)),  # 27 October 23:59 +01:00 (the 25-hour day)
        row(utc(2024, 10, 27, 23, 0)),  # 28 October 00:00 +01:00
    )
    df = analytics.trend(lf, "day", D(2024, 10, 27), D(2024, 10, 28), None).collect()
    assert df.to_dicts() == [
        {"bucket": D(2024, 10, 27), "sessions": 2, "energy_e4": 400_000, "revenue_excl_e4": 0},
        {"bucket": D(2024, 10, 28), "sessions": 1, "energy_e4": 200_000, "revenue_excl_e4": 0},
    ]


def test_trend_revenue_is_of_one_currency_and_includes_credits() -> None:
    lf = frame(
        row(utc(2024, 3, 5, 8)),
        row(utc(2024, 3, 5, 9), currency="GBP", total_cost_excl_e4=99_999),
        row(utc(2024, 3, 5, 10), credit=True, total_cost_excl_e4=-5_000),
    )
    eur = analytics.trend(lf, "day", D(2024, 3, 5), D(2024, 3, 5), "EUR").collect()
    assert eur.to_dicts() == [{"bucket": D(2024, 3, 5), "sessions": 2, "energy_e4": 400_000, "revenue_excl_e4": 50_000}]
    gbp = analytics.trend(lf, "day", D(2024, 3, 5), D(2024, 3, 5), "GBP").collect()
    assert gbp["revenue_excl_e4"].to_list() == [99_999]


def test_trend_by_week_starts_on_monday() -> None:
    lf = frame(
        row(utc(2024, 3, 1, 8)),  # Friday
        row(utc(2024, 3, 4, 8)),  # Monday
        row(utc(2024, 3, 10, 22, 30)),  # Sunday 23:30 +01:00
        row(utc(2024, 3, 10, 23, 30)),  # Monday 11 March 00:30 +01:00
    )
    df = analytics.trend(lf, "week", D(2024, 3, 1), D(2024, 3, 14), "EUR").collect()
    assert df.select("bucket", "sessions").to_dicts() == [
        {"bucket": D(2024, 2, 26), "sessions": 1},
        {"bucket": D(2024, 3, 4), "sessions": 2},
        {"bucket": D(2024, 3, 11), "sessions": 1},
    ]


def test_trend_by_month() -> None:
    lf = frame(row(utc(2024, 1, 31, 23, 30)), row(utc(2024, 3, 5)))  # 1 February 00:30 +01:00; 5 March
    df = analytics.trend(lf, "month", D(2024, 1, 15), D(2024, 3, 31), "EUR").collect()
    assert df.select("bucket", "sessions").to_dicts() == [
        {"bucket": D(2024, 1, 1), "sessions": 0},
        {"bucket": D(2024, 2, 1), "sessions": 1},
        {"bucket": D(2024, 3, 1), "sessions": 1},
    ]


def test_trend_of_no_sessions_is_all_zeros() -> None:
    df = analytics.trend(frame(), "day", D(2024, 3, 1), D(2024, 3, 3), "EUR").collect()
    assert df["sessions"].to_list() == [0, 0, 0]
    assert df["revenue_excl_e4"].to_list() == [0, 0, 0]


# ---------------------------------------------------------------------- split
def test_split_by_power_type() -> None:
    lf = frame(
        row(),
        row(connector_power_type="AC_1_PHASE", total_energy_e4=10_000),
        row(connector_power_type="DC", total_energy_e4=500_000),
        row(connector_power_type="DC", credit=True),
    )
    assert analytics.split(lf, "power").collect().to_dicts() == [
        {"label": "AC", "sessions": 2, "energy_e4": 210_000},
        {"label": "DC", "sessions": 1, "energy_e4": 500_000},
    ]


def test_split_by_roaming() -> None:
    lf = frame(row(), row(roamed=False), row(roamed=False))
    assert analytics.split(lf, "roamed").collect().to_dicts() == [
        {"label": "Not roamed", "sessions": 2, "energy_e4": 400_000},
        {"label": "Roamed", "sessions": 1, "energy_e4": 200_000},
    ]


def test_split_by_something_else_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot split"):
        analytics.split(frame(), "emp")  # type: ignore[arg-type]


# ---------------------------------------------------------------------- prepare, sidebar choices
def test_prepared_texts_of_few_values_are_coded_and_keep_their_values() -> None:
    df = frame(row(location_id="L2", location_name="Zuid"), row(location_id="L1")).collect()
    assert df.schema["location_id"] == pl.Categorical and df.schema["power"] == pl.Categorical
    assert df.schema["cdr_id"] == pl.String  # nearly one per row: not coded
    assert df.sort("location_id")["location_id"].to_list() == ["L1", "L2"]  # sorted by the text
    assert df.filter(pl.col("location_id").is_in(["L2"]))["location_name"].to_list() == ["Zuid"]


def test_session_starts_are_the_first_and_last_start_in_utc() -> None:
    df = frame(row(start=utc(2024, 3, 9, 23, 30)), row(start=utc(2024, 1, 2, 7)), row(start=utc(2024, 2, 1))).collect()
    assert analytics.session_starts(df) == (utc(2024, 1, 2, 7), utc(2024, 3, 9, 23, 30))
    assert analytics.session_starts(df.clear()) is None
