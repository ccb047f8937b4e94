"""Energy and time on a small hand-built session frame: every expected figure is worked out by hand.

The frame (March 2024; Amsterdam is CET = UTC+1, London GMT = UTC+0), kWh and hours in 1/10,000:

    id  zone  local start          loc evse power kWh      time    parking  charging MAX_POWER emp
    A   AMS   Mon 04 09:00         L1  E1   AC    100,000  20,000   5,000   15,000   -         NLTNM
    D   AMS   Mon 04 09:00         L1  E1   AC    100,000  20,000   5,000   (a credit for A: not a session)
    B   AMS   Mon 04 09:30         L2  E3   DC    300,000   5,000   -        5,000   1,200,000 DEABC
    C   LON   Tue 05 23:30         L3  E4   AC     70,000  40,000  30,000   10,000     110,000 -
    E   AMS   Sun 10 18:00         L1  E2   AC          0  10,000  10,000        0   -         NLTNM
    F   AMS   Wed 13 12:00         L1  E1   AC    220,000  20,000       0   20,000   -         NLTNM
    G   AMS   Sat 16 10:00         L4  E5   AC     50,000  10,000  15,000        0   -         DEABC

C starts at 23:30 in London, which is Wednesday 00:30 in Amsterdam: the heat map shows it on Tuesday
23:00. G states more parking than total time: its charging time is 0, never below. H (L2, EVSE E9,
February) lies outside the period: it only adds an EVSE to L2 for occupancy.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from cdrlib import analytics, energy
from cdrlib.store import ANALYTICS_COLUMNS
from cdrlib.store.schema import to_micros
from tests.factories import utc

AMS = "Europe/Amsterdam"
LON = "Europe/London"
D = dt.date
MARCH = (D(2024, 3, 1), D(2024, 3, 31))
MARCH_HOURS = 31 * 24


def row(cdr_id: str, start: dt.datetime, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {name: None for name in ANALYTICS_COLUMNS}
    values.update(
        cdr_id=cdr_id,
        start_us=to_micros(start),
        end_us=to_micros(start + dt.timedelta(hours=1)),
        time_zone=AMS,
        currency="EUR",
        total_energy_e4=0,
        total_time_e4=10_000,
        total_parking_time_e4=0,
        credit=False,
        connector_power_type="AC_3_PHASE",
        location_id="L1",
        location_name="Site L1",
        evse_uid="E1",
    )
    values.update(changes)
    return values


ROWS = (
    row("A", utc(2024, 3, 4, 8), total_energy_e4=100_000, total_time_e4=20_000, total_parking_time_e4=5_000,
        emp_id="NLTNM"),
    row("D", utc(2024, 3, 4, 8), total_energy_e4=100_000, total_time_e4=20_000, total_parking_time_e4=5_000,
        emp_id="NLTNM", credit=True),
    row("B", utc(2024, 3, 4, 8, 30), total_energy_e4=300_000, total_time_e4=5_000, total_parking_time_e4=None,
        connector_power_type="DC", max_power_e4=1_200_000, emp_id="DEABC",
        location_id="L2", location_name="Site L2", evse_uid="E3"),
    row("C", utc(2024, 3, 5, 23, 30), time_zone=LON, total_energy_e4=70_000, total_time_e4=40_000,
        total_parking_time_e4=30_000, max_power_e4=110_000, location_id="L3", location_name="London L3", evse_uid="E4"),
    row("E", utc(2024, 3, 10, 17), total_energy_e4=0, total_time_e4=10_000, total_parking_time_e4=10_000,
        emp_id="NLTNM", evse_uid="E2"),
    row("F", utc(2024, 3, 13, 11), total_energy_e4=220_000, total_time_e4=20_000, emp_id="NLTNM"),
    row("G", utc(2024, 3, 16, 9), total_energy_e4=50_000, total_time_e4=10_000, total_parking_time_e4=15_000,
        emp_id="DEABC", location_id="L4", location_name=None, evse_uid="E5"),
)  # fmt: skip
OUTSIDE = row("H", utc(2024, 2, 10, 9), total_energy_e4=10_000, location_id="L2", evse_uid="E9")


def _prepared(rows: tuple[dict[str, Any], ...]) -> pl.LazyFrame:
    df = pl.DataFrame(list(rows), schema=ANALYTICS_COLUMNS, orient="row")
    return analytics.prepare(df, AMS).lazy().with_columns(day=pl.col("start_day"))


def frame(*rows: dict[str, Any]) -> pl.LazyFrame:
    """The sessions as the page sees them: `analytics.prepare`d, dated by the local start."""
    return _prepared(rows or ROWS)


def empty() -> pl.LazyFrame:
    return _prepared(())


def evses() -> pl.LazyFrame:
    """EVSEs per location over the whole store: the period's CDRs and H."""
    return energy.evse_counts(_prepared((*ROWS, OUTSIDE)))


# ---------------------------------------------------------------------- over time
def test_energy_per_week_split_ac_and_dc_without_credits() -> None:
    df = energy.energy_by_grain(frame(), "week", *MARCH).collect()
    assert df.rows(named=True) == [
        {"bucket": D(2024, 2, 26), "sessions_ac": 0, "sessions_dc": 0, "sessions": 0,
         "energy_ac_e4": 0, "energy_dc_e4": 0, "energy_e4": 0},
        # A, C, E (AC) and B (DC); not D, A's credit
        {"bucket": D(2024, 3, 4), "sessions_ac": 3, "sessions_dc": 1, "sessions": 4,
         "energy_ac_e4": 170_000, "energy_dc_e4": 300_000, "energy_e4": 470_000},
        {"bucket": D(2024, 3, 11), "sessions_ac": 2, "sessions_dc": 0, "sessions": 2,
         "energy_ac_e4": 270_000, "energy_dc_e4": 0, "energy_e4": 270_000},
        {"bucket": D(2024, 3, 18), "sessions_ac": 0, "sessions_dc": 0, "sessions": 0,
         "energy_ac_e4": 0, "energy_dc_e4": 0, "energy_e4": 0},
        {"bucket": D(2024, 3, 25), "sessions_ac": 0, "sessions_dc": 0, "sessions": 0,
         "energy_ac_e4": 0, "energy_dc_e4": 0, "energy_e4": 0},
    ]  # fmt: skip


def test_energy_per_day_and_month_over_the_period_only() -> None:
    days = energy.energy_by_grain(frame(), "day", D(2024, 3, 5), D(2024, 3, 10)).collect()
    assert days["bucket"].to_list() == [D(2024, 3, d) for d in range(5, 11)]
    # C on the 5th (London), E on the 10th; A and B (the 4th) and F (the 13th) lie outside
    assert days.select("energy_ac_e4", "sessions").rows() == [(70_000, 1), (0, 0), (0, 0), (0, 0), (0, 0), (0, 1)]
    month = energy.energy_by_grain(frame(), "month", D(2024, 2, 15), D(2024, 3, 31)).collect()
    assert month.select("bucket", "sessions", "energy_e4").rows() == [
        (D(2024, 2, 1), 0, 0),
        (D(2024, 3, 1), 6, 740_000),
    ]


def test_energy_per_grain_without_cdrs_is_zeros() -> None:
    df = energy.energy_by_grain(empty(), "month", D(2024, 3, 1), D(2024, 4, 30)).collect()
    assert df.select("bucket", "sessions", "energy_e4").rows() == [(D(2024, 3, 1), 0, 0), (D(2024, 4, 1), 0, 0)]


# ---------------------------------------------------------------------- heat map
def test_heatmap_by_local_weekday_and_hour_in_each_locations_zone() -> None:
    df = energy.heatmap(frame()).collect()
    assert df.height == 7 * 24
    assert df.columns == ["weekday", "weekday_name", "hour", "sessions", "energy_e4"]
    busy = df.filter(pl.col("sessions") > 0).rows()
    assert busy == [
        (1, "Mon", 9, 2, 400_000),  # A and B (09:00 and 09:30); not D
        (2, "Tue", 23, 1, 70_000),  # C: 23:30 in London (00:30 on Wednesday in Amsterdam)
        (3, "Wed", 12, 1, 220_000),  # F
        (6, "Sat", 10, 1, 50_000),  # G
        (7, "Sun", 18, 1, 0),  # E
    ]
    assert df.row(0) == (1, "Mon", 0, 0, 0)
    assert df.row(-1) == (7, "Sun", 23, 0, 0)


def test_heatmap_without_cdrs_has_every_cell() -> None:
    df = energy.heatmap(empty()).collect()
    assert df.height == 168
    assert df["sessions"].sum() == 0


# ---------------------------------------------------------------------- durations
def test_durations_per_bin_up_to_and_including_the_upper_edge() -> None:
    df = energy.durations(frame()).collect()
    assert df["label"].to_list() == [
        "0–0.25 h", "0.25–0.5 h", "0.5–1 h", "1–2 h", "2–3 h", "3–4 h", "4–6 h", "6–8 h", "8–12 h", "12–24 h", "> 24 h"
    ]  # fmt: skip
    assert df.row(1, named=True) == {
        "bin": 1, "label": "0.25–0.5 h", "lower_e4": 2_500, "upper_e4": 5_000,
        "sessions_ac": 0, "sessions_dc": 1, "sessions": 1,  # B: 0.5 h
    }  # fmt: skip
    # E and G (1 h), A and F (2 h), C (4 h)
    assert df["sessions"].to_list() == [0, 1, 2, 2, 0, 1, 0, 0, 0, 0, 0]
    assert df["sessions_dc"].sum() == 1
    assert df.row(-1, named=True)["upper_e4"] is None


def test_duration_percentiles_by_nearest_rank() -> None:
    # 0.5, 1, 1, 2, 2, 4 h: p10 the 1st (ceil 0.6), the median the 3rd, p90 the 6th (ceil 5.4)
    df = energy.duration_percentiles(frame()).collect()
    assert df.to_dicts() == [
        {"sessions": 6, "min_e4": 5_000, "p10_e4": 5_000, "median_e4": 10_000, "p90_e4": 40_000, "max_e4": 40_000}
    ]
    spread = energy.Spread.from_frame(df)
    assert (spread.median, spread.maximum) == (Decimal(1), Decimal(4))


def test_duration_percentiles_without_sessions() -> None:
    spread = energy.Spread.from_frame(energy.duration_percentiles(frame(ROWS[1])).collect())  # the credit only
    assert spread == energy.Spread(0, None, None, None, None, None)


# ---------------------------------------------------------------------- power
def test_session_power_from_max_power_else_energy_over_charging_time() -> None:
    df = energy.session_power(frame()).sort("cdr_id").collect()
    assert df.select("cdr_id", "power_e4", "power_from").rows() == [
        ("A", 66_667, "energy / charging time"),  # 10 kWh / 1.5 h = 6.66667 kW
        ("B", 1_200_000, "MAX_POWER"),
        ("C", 110_000, "MAX_POWER"),  # not its average, 7 kWh / 1 h
        ("E", None, None),  # no energy
        ("F", 110_000, "energy / charging time"),  # 22 kWh / 2 h
        ("G", None, None),  # no charging time
    ]


def test_power_spread_per_bin() -> None:
    df = energy.power_spread(frame()).collect()
    assert df["label"].to_list() == [
        "0–3.7 kW", "3.7–7.4 kW", "7.4–11 kW", "11–22 kW", "22–50 kW", "50–100 kW", "100–150 kW", "150–350 kW",
        "> 350 kW",
    ]  # fmt: skip
    assert df.select("sessions_ac", "sessions_dc", "sessions", "from_max_power").rows() == [
        (0, 0, 0, 0),
        (1, 0, 1, 0),  # A
        (2, 0, 2, 1),  # C (MAX_POWER 11) and F (11 kW on average): 11 kW is in the bin up to 11
        (0, 0, 0, 0),
        (0, 0, 0, 0),
        (0, 0, 0, 0),
        (0, 1, 1, 1),  # B
        (0, 0, 0, 0),
        (0, 0, 0, 0),
    ]


def test_power_percentiles() -> None:
    df = energy.power_percentiles(frame()).collect()
    # 6.6667, 11, 11, 120 kW: p10 the 1st, the median the 2nd, p90 the 4th
    assert df.to_dicts() == [
        {"sessions": 4, "min_e4": 66_667, "p10_e4": 66_667, "median_e4": 110_000, "p90_e4": 1_200_000,
         "max_e4": 1_200_000, "from_max_power": 2}
    ]  # fmt: skip
    empty_df = energy.power_percentiles(empty()).collect()
    assert empty_df.to_dicts() == [
        {"sessions": 0, "min_e4": None, "p10_e4": None, "median_e4": None, "p90_e4": None, "max_e4": None,
         "from_max_power": 0}
    ]  # fmt: skip


# ---------------------------------------------------------------------- charging and parking
def test_charging_vs_parking_for_ac_dc_and_all() -> None:
    df = energy.charging_vs_parking(frame()).collect()
    assert df.rows(named=True) == [
        # A, C, E, F, G: 4.5 h charging (G's never below 0), 6 h parking; 6 / 10.5 idle
        {"power": "AC", "sessions": 5, "charging_time_e4": 45_000, "parking_time_e4": 60_000,
         "avg_charging_e4": 9_000, "avg_parking_e4": 12_000, "idle_share_e4": 5_714},
        # B: parking not given, 0
        {"power": "DC", "sessions": 1, "charging_time_e4": 5_000, "parking_time_e4": 0,
         "avg_charging_e4": 5_000, "avg_parking_e4": 0, "idle_share_e4": 0},
        # 5 h / 6 = 0.83333 h; 6 / 11 = 0.54545
        {"power": "All", "sessions": 6, "charging_time_e4": 50_000, "parking_time_e4": 60_000,
         "avg_charging_e4": 8_333, "avg_parking_e4": 10_000, "idle_share_e4": 5_455},
    ]  # fmt: skip


def test_charging_vs_parking_without_sessions_keeps_its_rows() -> None:
    df = energy.charging_vs_parking(empty()).collect()
    assert df.select("power", "sessions", "avg_charging_e4", "idle_share_e4").rows() == [
        ("AC", 0, None, None),
        ("DC", 0, None, None),
        ("All", 0, None, None),
    ]


def test_longest_idle_locations() -> None:
    df = energy.longest_idle_locations(frame(), 5).collect()
    # L3: 3 h parking in 1 session; L4: 1.5 h; L1: A 0.5 + E 1 h over 3 sessions. L2 never parked: left out.
    assert df.rows(named=True) == [
        {"location_id": "L3", "location_name": "London L3", "sessions": 1, "charging_time_e4": 10_000,
         "parking_time_e4": 30_000, "avg_charging_e4": 10_000, "avg_parking_e4": 30_000, "idle_share_e4": 7_500},
        {"location_id": "L4", "location_name": None, "sessions": 1, "charging_time_e4": 0,
         "parking_time_e4": 15_000, "avg_charging_e4": 0, "avg_parking_e4": 15_000, "idle_share_e4": 10_000},
        {"location_id": "L1", "location_name": "Site L1", "sessions": 3, "charging_time_e4": 35_000,
         "parking_time_e4": 15_000, "avg_charging_e4": 11_667, "avg_parking_e4": 5_000, "idle_share_e4": 3_000},
    ]  # fmt: skip
    assert energy.longest_idle_locations(frame(), 2).collect()["location_id"].to_list() == ["L3", "L4"]
    assert energy.longest_idle_locations(empty(), 5).collect().is_empty()


# ---------------------------------------------------------------------- locations
def test_evse_counts_over_the_whole_store() -> None:
    counts = dict(evses().sort("location_id").collect().rows())
    assert counts == {"L1": 2, "L2": 2, "L3": 1, "L4": 1}  # L2: E3, and E9 of H in February
    no_uid = energy.evse_counts(frame(row("X", utc(2024, 3, 4, 8), location_id="L9", evse_uid=None))).collect()
    assert no_uid.rows() == [("L9", 1)]


def test_period_hours() -> None:
    assert energy.period_hours(*MARCH) == MARCH_HOURS
    assert energy.period_hours(D(2024, 3, 31), D(2024, 3, 31)) == 24


def test_locations_with_energy_and_occupancy() -> None:
    df = energy.locations(frame(), evses(), MARCH_HOURS).collect()
    assert df.select("location_id", "sessions", "energy_e4", "plugged_time_e4", "evses", "occupancy_e4").rows() == [
        ("L1", 3, 320_000, 50_000, 2, 34),  # 5 h / (2 EVSEs × 744 h) = 0.00336
        ("L2", 1, 300_000, 5_000, 2, 3),  # 0.5 h / (2 × 744 h) = 0.000336
        ("L3", 1, 70_000, 40_000, 1, 54),  # 4 h / 744 h = 0.005376
        ("L4", 1, 50_000, 10_000, 1, 13),  # 1 h / 744 h = 0.001344
    ]
    assert set(df["period_hours"]) == {MARCH_HOURS}


def test_a_location_the_evse_counts_lack_has_one_evse() -> None:
    none = pl.LazyFrame(schema={"location_id": pl.String, "evses": pl.Int64})
    df = energy.locations(frame(), none, MARCH_HOURS).collect()
    assert df.filter(pl.col("location_id") == "L1").select("evses", "occupancy_e4").row(0) == (1, 67)  # 5 / 744


def test_top_locations_by_energy_and_by_occupancy() -> None:
    by_energy = energy.top_locations(frame(), evses(), MARCH_HOURS, 3, "energy").collect()
    assert by_energy.select("location_id", "energy_e4").rows() == [("L1", 320_000), ("L2", 300_000), ("L3", 70_000)]
    by_occupancy = energy.top_locations(frame(), evses(), MARCH_HOURS, 10, "occupancy").collect()
    assert by_occupancy["location_id"].to_list() == ["L3", "L1", "L4", "L2"]
    with pytest.raises(ValueError, match="cannot rank locations by 'revenue'"):
        energy.top_locations(frame(), evses(), MARCH_HOURS, 3, "revenue")  # type: ignore[arg-type]
    assert energy.top_locations(empty(), evses(), MARCH_HOURS, 3, "energy").collect().is_empty()


# ---------------------------------------------------------------------- EMPs
def test_emp_mix_with_shares() -> None:
    df = energy.emp_mix(frame(), 10).collect()
    assert df.rows() == [
        ("NLTNM", 3, 320_000, 5_000, 4_324),  # A, E, F; not the credit D. 32 / 74 kWh = 0.43243
        ("DEABC", 2, 350_000, 3_333, 4_730),  # B, G
        ("(none)", 1, 70_000, 1_667, 946),  # C
    ]
    assert df.columns == ["label", "sessions", "energy_e4", "sessions_share_e4", "energy_share_e4"]


def test_emp_mix_folds_the_rest_into_others() -> None:
    assert energy.emp_mix(frame(), 1).collect().rows() == [
        ("NLTNM", 3, 320_000, 5_000, 4_324),
        ("Other EMPs", 3, 420_000, 5_000, 5_676),
    ]
    assert energy.emp_mix(empty(), 5).collect().is_empty()
