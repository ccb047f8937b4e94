"""The Overview page in AppTest on a real SQLite store: every KPI equals what the store holds."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cdrlib.ui import fmt, kpi
from tests.ui.conftest import ROOT, app_test, metrics

OVERVIEW = str(ROOT / "pages" / "overview.py")
E4 = Decimal(10_000)
# Whole local days in Europe/Amsterdam as UTC microseconds, written out rather than computed.
MARCH_2024 = (1_709_247_600_000_000, 1_711_922_400_000_000)  # 2024-02-29T23:00Z .. 2024-03-31T22:00Z
BEFORE_MARCH_2024 = (1_706_569_200_000_000, 1_709_247_600_000_000)  # 2024-01-29T23:00Z .. 2024-02-29T23:00Z
MARCH_30_2024 = (1_711_753_200_000_000, 1_711_839_600_000_000)  # 2024-03-29T23:00Z .. 2024-03-30T23:00Z
MARCH_31_2024 = (1_711_839_600_000_000, 1_711_922_400_000_000)  # 2024-03-30T23:00Z .. 2024-03-31T22:00Z


@dataclass(frozen=True)
class Expected:
    sessions: int
    roamed: int
    energy: Decimal
    charging: Decimal
    parking: Decimal
    excl: Decimal
    incl: Decimal
    main_energy: Decimal


def store_totals(db: Path, bounds: tuple[int, int], where: str = "1=1", currency: str = "EUR") -> Expected:
    """The KPIs straight from the SQLite file with plain SQL: independent of cdrlib's reads."""
    sql = f"""
        SELECT
          COALESCE(SUM(CASE WHEN credit THEN 0 ELSE 1 END), 0),
          COALESCE(SUM(CASE WHEN credit THEN 0 WHEN roamed THEN 1 ELSE 0 END), 0),
          COALESCE(SUM(CASE WHEN credit THEN 0 ELSE total_energy_e4 END), 0),
          COALESCE(SUM(CASE WHEN credit THEN 0
                            ELSE MAX(total_time_e4 - COALESCE(total_parking_time_e4, 0), 0) END), 0),
          COALESCE(SUM(CASE WHEN credit THEN 0 ELSE COALESCE(total_parking_time_e4, 0) END), 0),
          COALESCE(SUM(CASE WHEN currency = :cur THEN total_cost_excl_e4 ELSE 0 END), 0),
          COALESCE(SUM(CASE WHEN currency = :cur THEN COALESCE(total_cost_incl_e4, 0) ELSE 0 END), 0),
          COALESCE(SUM(CASE WHEN currency = :cur AND NOT COALESCE(credit, 0) THEN total_energy_e4 ELSE 0 END), 0)
        FROM cdr
        WHERE start_date_time >= :lo AND start_date_time < :hi AND ({where})
    """
    with sqlite3.connect(db) as conn:
        row = conn.execute(sql, {"lo": bounds[0], "hi": bounds[1], "cur": currency}).fetchone()
    sessions, roamed, *amounts = row
    energy, charging, parking, excl, incl, main_energy = (Decimal(a) / E4 for a in amounts)
    return Expected(sessions, roamed, energy, charging, parking, excl, incl, main_energy)


def q4(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def expected_values(e: Expected, currency: str = "EUR") -> dict[str, str]:
    return {
        kpi.SESSIONS: fmt.number(e.sessions),
        kpi.ENERGY: fmt.number(e.energy, 1),
        kpi.CHARGING: fmt.number(e.charging, 1),
        kpi.PARKING: fmt.number(e.parking, 1),
        kpi.ROAMED: fmt.percent(q4(Decimal(e.roamed) / e.sessions)) if e.sessions else "–",
        kpi.REVENUE_EXCL: fmt.money(e.excl, currency),
        kpi.REVENUE_INCL: fmt.money(e.incl, currency),
        kpi.PER_KWH: fmt.money(q4(e.excl / e.main_energy), currency) if e.main_energy else "–",
        kpi.AVG_KWH: fmt.number(q4(e.energy / e.sessions), 1) if e.sessions else "–",
    }


def values(at: AppTest) -> dict[str, str]:
    return {label: value for label, (value, _) in metrics(at).items()}


@pytest.fixture
def at(store_url: str) -> AppTest:
    at = app_test().run()
    assert not at.exception, at.exception
    return at


def test_overview_opens_on_the_last_full_month_with_every_kpi(at: AppTest) -> None:
    assert [t.value for t in at.title] == ["Overview"]
    assert at.date_input(key="period").value == (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    assert list(values(at)) == list(kpi.LABELS)
    assert any("Sessions started 2024-03-01 … 2024-03-31 (local time at each location" in c.value for c in at.caption)
    assert "Changes against the 31 days before: 2024-01-30 – 2024-02-29." in [c.value for c in at.caption]


def test_kpis_equal_the_store(at: AppTest, db_path: Path) -> None:
    expected = store_totals(db_path, MARCH_2024)
    assert values(at) == expected_values(expected)
    # and, written out for the known dataset:
    assert values(at) == {
        kpi.SESSIONS: "7",
        kpi.ENERGY: "147.5",
        kpi.CHARGING: "10.8",
        kpi.PARKING: "0.8",
        kpi.ROAMED: "71.4 %",
        kpi.REVENUE_EXCL: "€44.35",
        kpi.REVENUE_INCL: "€50.94",
        kpi.PER_KWH: "€0.33",
        kpi.AVG_KWH: "21.1",
    }


def test_kpis_compare_with_the_previous_period(at: AppTest, db_path: Path) -> None:
    now, before = store_totals(db_path, MARCH_2024), store_totals(db_path, BEFORE_MARCH_2024)
    assert before.sessions == 2
    shown = metrics(at)
    assert shown[kpi.SESSIONS][1] == "+250.0 %"
    assert shown[kpi.ENERGY][1] == fmt.change(q4((now.energy - before.energy) / before.energy))
    assert shown[kpi.REVENUE_EXCL][1] == fmt.change(q4((now.excl - before.excl) / before.excl))
    assert shown[kpi.ROAMED][1] == "+21.4 pp"  # 71.4 % now, 50 % before
    assert shown[kpi.PARKING][1] == ""  # nothing parked before: no base to compare with


def test_other_currencies_and_credits_are_mentioned_not_added(at: AppTest) -> None:
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Also £6.00 excl. VAT (£7.20 incl. VAT) in 1 session paid in GBP") for c in captions)
    assert any(c.startswith("1 credit CDR counted in revenue") for c in captions)
    assert any(c.startswith("1 CDR without an amount incl. VAT") for c in captions)


def test_ou_filter_includes_the_children(at: AppTest, db_path: Path) -> None:
    at.selectbox(key="ou").set_value("ACME").run()
    assert not at.exception
    expected = store_totals(db_path, MARCH_2024, "ou_code IN ('ACME', 'ACME-HQ', 'ACME-HQ-P1')")
    assert expected.sessions == 5
    assert values(at) == expected_values(expected)

    at.selectbox(key="ou").set_value("ACME-HQ").run()
    expected = store_totals(db_path, MARCH_2024, "ou_code IN ('ACME-HQ', 'ACME-HQ-P1')")
    assert values(at)[kpi.SESSIONS] == "3"
    assert values(at) == expected_values(expected)


def test_emp_filter(at: AppTest, db_path: Path) -> None:
    at.multiselect(key="emp").set_value(["NLTNM"]).run()
    expected = store_totals(db_path, MARCH_2024, "emp_id = 'NLTNM'")
    assert values(at)[kpi.SESSIONS] == "3"
    assert values(at) == expected_values(expected)


def test_location_filter(at: AppTest, db_path: Path) -> None:
    at.multiselect(key="location").set_value(["LOC004", "LOC002"]).run()
    expected = store_totals(db_path, MARCH_2024, "location_id IN ('LOC002', 'LOC004')")
    assert values(at)[kpi.SESSIONS] == "3"
    assert values(at) == expected_values(expected)


def test_roamed_filter(at: AppTest, db_path: Path) -> None:
    at.radio(key="roamed").set_value("not_roamed").run()
    expected = store_totals(db_path, MARCH_2024, "NOT roamed")
    assert values(at)[kpi.SESSIONS] == "2"
    assert values(at)[kpi.ROAMED] == "0.0 %"
    assert values(at) == expected_values(expected)

    at.radio(key="roamed").set_value("roamed").run()
    assert values(at) == expected_values(store_totals(db_path, MARCH_2024, "roamed"))


def test_period_filter_takes_whole_local_days(at: AppTest, db_path: Path) -> None:
    at.date_input(key="period").set_value((dt.date(2024, 3, 31), dt.date(2024, 3, 31))).run()
    expected = store_totals(db_path, MARCH_31_2024)
    assert expected.sessions == 2  # 00:30 +01:00 and 23:30 +02:00 on the 23-hour day
    assert values(at) == expected_values(expected)
    assert any("Sessions started 2024-03-31 … 2024-03-31" in c.value for c in at.caption)

    at.date_input(key="period").set_value((dt.date(2024, 3, 30), dt.date(2024, 3, 30))).run()
    assert values(at)[kpi.SESSIONS] == "1"  # 23:30 +01:00 is in, 00:30 the next day is not
    assert values(at) == expected_values(store_totals(db_path, MARCH_30_2024))


def test_a_period_without_sessions_shows_zeros(at: AppTest) -> None:
    at.date_input(key="period").set_value((dt.date(2024, 3, 2), dt.date(2024, 3, 9))).run()
    assert not at.exception
    shown = metrics(at)
    assert shown[kpi.SESSIONS] == ("0", "-100.0 %")  # 23 February .. 1 March had 2
    assert shown[kpi.REVENUE_EXCL] == ("€0.00", "-100.0 %")  # compared in the previous period's currency
    assert shown[kpi.AVG_KWH] == ("–", "")
    assert shown[kpi.PER_KWH] == ("–", "")


def test_trend_and_split_charts_are_drawn(at: AppTest) -> None:
    charts = at.get("plotly_chart")
    assert len(charts) == 3
    at.segmented_control(key="trend_measure").set_value("revenue").run()
    at.segmented_control(key="trend_grain").set_value("week").run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 3


def test_the_page_runs_on_its_own(store_url: str) -> None:
    """Started from its own file, without app.py: same frame, same numbers."""
    at = app_test(OVERVIEW).run()
    assert not at.exception, at.exception
    assert values(at)[kpi.SESSIONS] == "7"
    assert at.sidebar.date_input(key="period").value == (dt.date(2024, 3, 1), dt.date(2024, 3, 31))


def test_filters_come_from_the_url(store_url: str) -> None:
    at = app_test()
    at.query_params["roamed"] = "Not roamed"
    at.query_params["period"] = ["2024-03-10", "2024-03-15"]
    at.run()
    assert not at.exception, at.exception
    assert at.radio(key="roamed").value == "not_roamed"
    assert at.date_input(key="period").value == (dt.date(2024, 3, 10), dt.date(2024, 3, 15))
    assert values(at)[kpi.SESSIONS] == "1"  # M3; M2 on the 10th is roamed
