"""The Energy & time page in AppTest on a real SQLite store with the known dataset (`tests.ui.dataset`).

March 2024, by local session start: M1 (LOC001, 20 kWh, 2 h), M2 (LOC002, 35.5 kWh, 3 h of which 0.5 h
parking, DEABC), M3 (LOC003, 11 kWh, 1.5 h of which 0.25 h parking, no EMP), M5 (LOC005, 15 kWh, 2 h,
DEABC, GBP), M6 (LOC002, 7 kWh, 1 h, Saturday 30th 23:30), M7 (LOC001, 9 kWh, 1 h, no EMP, Sunday 31st
00:30) and M4 (LOC004, DC, 50 kWh, 1 h, parking not given, Sunday 31st 23:30 +02:00); M1's credit is not
a session. No CDR states MAX_POWER and every one has the same EVSE uid: one EVSE per location.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from cdrlib.ui import download, energy
from tests.ui.conftest import DEMO_JUNE_2024, ROOT, app_test, open_section

ENERGY = "pages/energy.py"
MARCH = "2024-03-01_2024-03-31"
OVER_TIME, DURATIONS, POWER, PLACES = energy.VIEWS
SECTIONS = {  # the page's sections (tabs) with their charts
    OVER_TIME: ("energy_over_time", "energy_heatmap"),
    DURATIONS: ("energy_durations", "energy_charging_parking", "energy_idle_locations"),
    POWER: ("energy_power",),
    PLACES: ("energy_top_energy", "energy_top_occupancy", "energy_emp_mix"),
}
CHARTS = tuple(chart for charts in SECTIONS.values() for chart in charts)
NO_CDRS = "No CDRs in this period under these filters."


@pytest.fixture
def csv_files(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Every CSV the page offers, by file name, as text."""
    offered: dict[str, str] = {}
    original: Callable[..., None] = download.csv_button

    def recording(df: pl.DataFrame, file_name: str, key: str, label: str = "Download CSV") -> None:
        offered[file_name] = download.csv_bytes(df).decode()
        original(df, file_name, key, label)

    monkeypatch.setattr(download, "csv_button", recording)
    return offered


def open_energy(at: AppTest | None = None, view: str | None = None) -> AppTest:
    """The page, on its section ``view`` (default: the first)."""
    at = (at or app_test()).run()
    at.switch_page(ENERGY).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Energy & time"]
    return show(at, view) if view else at


def show(at: AppTest, view: str) -> AppTest:
    return open_section(at, "energy_view", view)


def every_section(at: AppTest) -> dict[str, dict[str, Any]]:
    """Every chart of every section, by key; each section shows only its own charts."""
    shown: dict[str, dict[str, Any]] = {}
    for view, keys in SECTIONS.items():
        section = charts(show(at, view))
        assert set(section) <= set(keys), view
        shown.update(section)
    return shown


def charts(at: AppTest) -> dict[str, dict[str, Any]]:
    """Every chart's plotly spec by its widget key (``energy_...``)."""
    return {element.proto.id.rsplit("-", 1)[-1]: json.loads(element.proto.spec) for element in at.get("plotly_chart")}


def axis_title(spec: dict[str, Any], axis: str) -> str:
    return spec["layout"][axis]["title"]["text"]


def csv_rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.splitlines()]


# ---------------------------------------------------------------------- smoke
def test_the_page_draws_every_chart_with_its_download(store_url: str, csv_files: dict[str, str]) -> None:
    at = open_energy()
    headings = {
        OVER_TIME: ["Energy (kWh) per day, AC and DC", "When sessions start"],
        DURATIONS: ["Session durations", "Charging and parking"],
        POWER: ["Maximum power"],
        PLACES: ["Top locations", "EMP mix"],
    }
    # The first section opens by default; each shows its own charts, each chart with its download.
    assert [s.value for s in at.subheader] == headings[OVER_TIME]
    for view, keys in SECTIONS.items():
        show(at, view)
        assert [s.value for s in at.subheader] == headings[view]
        assert sorted(charts(at)) == sorted(keys)
        assert len(at.get("download_button")) == len(keys)
        assert not at.info and not at.error and not at.warning
    assert sorted(csv_files) == sorted(
        f"{name}-{MARCH}.csv"
        for name in (
            "energy-by-day",
            "sessions-by-weekday-hour",
            "session-durations",
            "charging-vs-parking",
            "longest-idle-locations",
            "maximum-power",
            "top-locations-by-energy",
            "top-locations-by-occupancy",
            "emp-mix",
        )
    )
    assert not at.info and not at.error and not at.warning


def test_every_chart_has_units_on_its_axes_and_hover_details(store_url: str) -> None:
    shown = every_section(open_energy())
    assert axis_title(shown["energy_over_time"], "yaxis") == "Energy (kWh)"
    assert axis_title(shown["energy_over_time"], "xaxis") == "Day"
    assert axis_title(shown["energy_heatmap"], "xaxis") == "Hour of session start (h, local time at the location)"
    assert axis_title(shown["energy_heatmap"], "yaxis") == "Weekday"
    assert axis_title(shown["energy_durations"], "xaxis") == "Session duration, plugged in (hours)"
    assert axis_title(shown["energy_durations"], "yaxis") == "Sessions"
    assert axis_title(shown["energy_charging_parking"], "xaxis") == "Average hours per session (h)"
    assert axis_title(shown["energy_idle_locations"], "xaxis") == "Average hours per session (h)"
    assert axis_title(shown["energy_power"], "xaxis") == "Maximum power (kW)"
    assert axis_title(shown["energy_top_energy"], "xaxis") == "Energy (kWh)"
    assert axis_title(shown["energy_top_occupancy"], "xaxis") == "Occupancy (%)"
    assert axis_title(shown["energy_emp_mix"], "xaxis") == "Energy (kWh)"
    for key, spec in shown.items():
        assert all(trace.get("hovertemplate") for trace in spec["data"]), key


def test_the_page_runs_on_demo_data_with_every_control(demo_url: str) -> None:
    at = app_test()
    at.query_params["period"] = DEMO_JUNE_2024
    at = open_energy(at)
    assert sorted(every_section(at)) == sorted(CHARTS)
    caption = next(c.value for c in show(at, POWER).caption if c.value.startswith("Median") and "kW" in c.value)
    assert "with MAX_POWER" in caption  # the demo's DC sessions state it
    show(at, OVER_TIME)
    for grain in ("day", "week", "month"):
        at.segmented_control(key="energy_grain").set_value(grain).run()
        assert not at.exception, at.exception
    at.segmented_control(key="energy_measure").set_value("sessions").run()
    assert not at.exception, at.exception
    assert axis_title(charts(at)["energy_over_time"], "yaxis") == "Sessions"
    at.radio(key="basis").set_value("created").run()
    assert not at.exception, at.exception
    assert sorted(every_section(at)) == sorted(CHARTS)


def test_the_page_runs_started_from_its_own_file(store_url: str) -> None:
    at = app_test(str(ROOT / ENERGY)).run()  # as Streamlit may run it (see cdrlib.ui.navigation)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Energy & time"]
    assert sorted(charts(at)) == sorted(SECTIONS[OVER_TIME])


def test_an_empty_store_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDR_DB_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = open_energy()
    assert [i.value for i in at.info] == [NO_CDRS]
    assert not at.get("plotly_chart")
    assert not at.get("download_button")
    assert not at.error


def test_a_period_without_cdrs_says_so(store_url: str) -> None:
    at = open_energy()
    at.date_input(key="period").set_value((dt.date(2024, 3, 2), dt.date(2024, 3, 9))).run()
    assert not at.exception
    assert [i.value for i in at.info] == [NO_CDRS]
    assert not at.get("plotly_chart")


# ---------------------------------------------------------------------- numbers
def test_energy_per_week_split_ac_and_dc(store_url: str, csv_files: dict[str, str]) -> None:
    at = open_energy()
    assert at.segmented_control(key="energy_grain").value == "day"  # a month: per day
    at.segmented_control(key="energy_grain").set_value("week").run()
    assert not at.exception
    # 26 Feb: M1 (not its credit); 4 Mar: M2 (Sunday 10th); 11: M3; 18: M5 (GBP: energy has no currency);
    # 25 Mar: M6, M7 (AC) and M4 (DC)
    assert csv_files[f"energy-by-week-{MARCH}.csv"] == (
        "bucket,sessions_ac,sessions_dc,sessions,energy_ac,energy_dc,energy\n"
        "2024-02-26,1,0,1,20.0000,0.0000,20.0000\n"
        "2024-03-04,1,0,1,35.5000,0.0000,35.5000\n"
        "2024-03-11,1,0,1,11.0000,0.0000,11.0000\n"
        "2024-03-18,1,0,1,15.0000,0.0000,15.0000\n"
        "2024-03-25,2,1,3,16.0000,50.0000,66.0000\n"
    )
    over_time = charts(at)["energy_over_time"]
    assert [t["name"] for t in over_time["data"]] == ["AC", "DC"]
    assert over_time["data"][1]["y"] == [0, 0, 0, 0, 50]
    assert over_time["layout"]["barmode"] == "stack"


def test_heatmap_in_local_time(store_url: str, csv_files: dict[str, str]) -> None:
    at = open_energy()
    z = charts(at)["energy_heatmap"]["data"][0]["z"]
    assert len(z) == 7 and {len(r) for r in z} == {24}
    filled = {(d, h): v for d, r in enumerate(z) for h, v in enumerate(r) if v}
    # Fri 09 M1, Sun 10 M2, Fri 11 M3, Wed 13 M5, Sat 23 M6, Sun 00 M7, Sun 23 M4 (+02:00 after the switch)
    assert filled == {(4, 9): 20, (6, 10): 35.5, (4, 11): 11, (2, 13): 15, (5, 23): 7, (6, 0): 9, (6, 23): 50}
    rows = csv_rows(csv_files[f"sessions-by-weekday-hour-{MARCH}.csv"])
    assert rows[0] == ["weekday", "weekday_name", "hour", "sessions", "energy"]
    assert [r for r in rows[1:] if r[3] != "0"] == [
        ["3", "Wed", "13", "1", "15.0000"],
        ["5", "Fri", "9", "1", "20.0000"],
        ["5", "Fri", "11", "1", "11.0000"],
        ["6", "Sat", "23", "1", "7.0000"],
        ["7", "Sun", "0", "1", "9.0000"],
        ["7", "Sun", "10", "1", "35.5000"],
        ["7", "Sun", "23", "1", "50.0000"],
    ]


def test_durations_charging_and_parking(store_url: str, csv_files: dict[str, str]) -> None:
    at = open_energy(view=DURATIONS)
    durations = csv_rows(csv_files[f"session-durations-{MARCH}.csv"])
    assert durations[0] == ["bin", "label", "lower", "upper", "sessions_ac", "sessions_dc", "sessions"]
    # 1 h: M6, M7, M4 (DC); 1.5 h and 2 h: M3, M1, M5; 3 h: M2
    assert [(r[1], r[4], r[5]) for r in durations[1:] if r[6] != "0"] == [
        ("0.5–1 h", "2", "1"),
        ("1–2 h", "3", "0"),
        ("2–3 h", "1", "0"),
    ]
    assert (
        "Median 1.50 h plugged in over 7 sessions; 10 % of them last 1.00 h or less, 90 % 3.00 h or less; "
        "from 1.00 h to 3.00 h."
    ) in next(c.value for c in at.caption if c.value.startswith("Median 1.50 h"))
    # AC: 9.75 h charging, 0.75 h parking over 6 sessions; DC: M4, 1 h charging
    assert csv_files[f"charging-vs-parking-{MARCH}.csv"] == (
        "power,sessions,charging_time,parking_time,avg_charging,avg_parking,idle_share\n"
        "AC,6,9.7500,0.7500,1.6250,0.1250,0.0714\n"
        "DC,1,1.0000,0.0000,1.0000,0.0000,0.0000\n"
        "All,7,10.7500,0.7500,1.5357,0.1071,0.0652\n"
    )
    # LOC002: M2's 0.5 h over 2 sessions; LOC003: M3's 0.25 h; no other location parked
    idle = csv_rows(csv_files[f"longest-idle-locations-{MARCH}.csv"])
    assert [r[:2] + r[5:7] for r in idle[1:]] == [["LOC002", "Site LOC002", "1.7500", "0.2500"],
                                                   ["LOC003", "Site LOC003", "1.2500", "0.2500"]]  # fmt: skip


def test_maximum_power_falls_back_to_energy_over_charging_time(store_url: str, csv_files: dict[str, str]) -> None:
    at = open_energy(view=POWER)
    # no MAX_POWER: 7 (M6), 7.5 (M5), 8.8 (M3), 9 (M7), 10 (M1), 14.2 (M2: 35.5 / 2.5 h), 50 kW (M4)
    power = csv_rows(csv_files[f"maximum-power-{MARCH}.csv"])
    assert [(r[1], r[4], r[5], r[7]) for r in power[1:] if r[6] != "0"] == [
        ("3.7–7.4 kW", "1", "0", "0"),
        ("7.4–11 kW", "4", "0", "0"),
        ("11–22 kW", "1", "0", "0"),
        ("22–50 kW", "0", "1", "0"),
    ]
    assert (
        "Median 9.0 kW over 7 sessions (0 sessions with MAX_POWER, the rest energy / charging time); "
        "10 % reach 7.0 kW or less, 90 % 50.0 kW or less; from 7.0 kW to 50.0 kW."
    ) in [c.value for c in at.caption]


def test_top_locations_by_energy_and_occupancy(store_url: str, csv_files: dict[str, str]) -> None:
    at = open_energy(view=PLACES)
    # one EVSE each, 744 hours in March: LOC002 4 h plugged in (M2, M6) = 0.54 %
    assert csv_files[f"top-locations-by-occupancy-{MARCH}.csv"] == (
        "location_id,location_name,sessions,energy,plugged_time,evses,period_hours,occupancy\n"
        "LOC002,Site LOC002,2,42.5000,4.0000,1,744,0.0054\n"
        "LOC001,Site LOC001,2,29.0000,3.0000,1,744,0.0040\n"
        "LOC005,Site LOC005,1,15.0000,2.0000,1,744,0.0027\n"
        "LOC003,Site LOC003,1,11.0000,1.5000,1,744,0.0020\n"
        "LOC004,Site LOC004,1,50.0000,1.0000,1,744,0.0013\n"
    )
    by_energy = csv_rows(csv_files[f"top-locations-by-energy-{MARCH}.csv"])
    assert [(r[0], r[3]) for r in by_energy[1:]] == [
        ("LOC004", "50.0000"),
        ("LOC002", "42.5000"),
        ("LOC001", "29.0000"),
        ("LOC005", "15.0000"),
        ("LOC003", "11.0000"),
    ]
    shown = charts(at)
    assert shown["energy_top_occupancy"]["data"][0]["x"] == [0.54, 0.4, 0.27, 0.2, 0.13]
    assert shown["energy_top_energy"]["data"][0]["y"][0] == "Site LOC004 (LOC004)"


def test_emp_mix(store_url: str, csv_files: dict[str, str]) -> None:
    at = open_energy(view=PLACES)
    # NLTNM: M1, M4, M6; DEABC: M2, M5; none: M3, M7 (not roamed). 147.5 kWh in all.
    assert csv_files[f"emp-mix-{MARCH}.csv"] == (
        "label,sessions,energy,sessions_share,energy_share\n"
        "NLTNM,3,77.0000,0.4286,0.5220\n"
        "DEABC,2,50.5000,0.2857,0.3424\n"
        "(none),2,20.0000,0.2857,0.1356\n"
    )
    mix = charts(at)["energy_emp_mix"]["data"][0]
    assert mix["y"] == ["Tinmobility (NLTNM)", "ABC Laden (DEABC)", "(none)"]
    assert mix["x"] == [77, 50.5, 20]
    at.segmented_control(key="energy_measure").set_value("sessions").run()
    assert charts(at)["energy_emp_mix"]["data"][0]["x"] == [3, 2, 2]


def test_the_power_filter_changes_the_numbers(store_url: str, csv_files: dict[str, str]) -> None:
    at = open_energy()
    at.radio(key="power").set_value("DC").run()
    assert not at.exception
    # M4 alone
    assert csv_rows(csv_files[f"energy-by-day-{MARCH}.csv"])[-1] == ["2024-03-31", "0", "1", "1", "0.0000", "50.0000",
                                                                    "50.0000"]  # fmt: skip
    assert sum(float(r[-1]) for r in csv_rows(csv_files[f"energy-by-day-{MARCH}.csv"])[1:]) == 50
    show(at, PLACES)
    assert csv_files[f"emp-mix-{MARCH}.csv"].splitlines()[1:] == ["NLTNM,1,50.0000,1.0000,1.0000"]
    assert [r[0] for r in csv_rows(csv_files[f"top-locations-by-occupancy-{MARCH}.csv"])[1:]] == ["LOC004"]
    # M4 never parked: no idle locations to show, said so instead of an empty chart
    show(at, DURATIONS)
    assert [i.value for i in at.info] == ["No session in this selection parked after charging."]
    assert sorted(charts(at)) == ["energy_charging_parking", "energy_durations"]


def test_a_link_opens_its_section(store_url: str) -> None:
    at = app_test().run()
    at.switch_page(ENERGY)
    at.query_params["energy_view"] = POWER  # as a shared link of the Power section has it
    at.run()
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader] == ["Maximum power"]
    assert sorted(charts(at)) == ["energy_power"]
