"""The CDR explorer in AppTest on a real SQLite store: the known dataset (`tests.ui.dataset`), with
tariff T1 stored where the explanation needs it, and a small demo dataset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from cdrlib.store import Store
from cdrlib.ui import explorer
from tests.ui.conftest import DEMO_MISMATCH, ROOT, app_test
from tests.ui.test_costs_page import TARIFF_T1, UNKNOWN_T9, add_priced

EXPLORER = "pages/cdr.py"
PROMPT = "Type a CDR id (or its beginning), a session id, a token uid, a contract id or a location id."
CREDIT_REASON = "A credit CDR is not re-priced: it carries the negation of the CDR it credits."


@pytest.fixture
def with_tariff(store_url: str) -> str:
    with Store.open(store_url) as store:
        store.put_tariffs([TARIFF_T1])
    return store_url




def open_explorer(find: str | None = None, cdr: str | None = None) -> AppTest:
    at = app_test()
    if find is not None:
        at.query_params[explorer.KEY_FIND] = find
    if cdr is not None:
        at.query_params[explorer.KEY_CDR] = cdr
    at.run()
    at.switch_page(EXPLORER).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["CDR explorer"]
    return at


def search(at: AppTest, text: str) -> AppTest:
    at.text_input(key=explorer.KEY_FIND).set_value(text).run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest, key: str) -> list[dict[str, Any]]:
    """The rows of the dataframe drawn with ``key`` (AppTest lists dataframes without their keys: by
    position in the page's order: found, details, periods, totals, lines)."""
    order = ["cdr_found", "cdr_details", "cdr_periods", "cdr_explain_totals", "cdr_explain_lines"]
    return at.dataframe[order.index(key)].value.to_dict("records")


def details(at: AppTest) -> dict[str, str]:
    return {r["Field"]: r["Value"] for r in table(at, "cdr_details")}


# ---------------------------------------------------------------------- smoke
def test_the_page_asks_for_a_search(store_url: str) -> None:
    at = open_explorer()
    assert [i.value for i in at.info] == [PROMPT]
    assert not at.dataframe


def test_an_empty_store_finds_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDR_DB_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = search(open_explorer(), "M1")
    assert [i.value for i in at.info] == ["No CDR found for “M1”."]
    assert not at.error


def test_the_page_runs_started_from_its_own_file(store_url: str) -> None:
    at = app_test(str(ROOT / EXPLORER))
    at.query_params[explorer.KEY_FIND] = "M2"
    at.run()
    assert not at.exception, at.exception
    assert details(at)["CDR id"] == "M2"


def test_demo_data_a_mismatch_and_a_credit(demo_url: str) -> None:
    at = open_explorer(find=DEMO_MISMATCH)
    assert details(at)["Price check"] == "mismatch"
    assert len(at.get("plotly_chart")) == 1
    totals = table(at, "cdr_explain_totals")
    assert totals[0]["Cost"] == "Total" and totals[0]["Difference excl. VAT"] not in ("", "€0.0000")
    assert any(m.value.startswith("The stated total cost differs from the recomputed one") for m in at.markdown)
    search(at, "XCP-2024")  # many CDRs: the newest 200
    assert len(table(at, "cdr_found")) == 200
    search(at, "XCP-20240109-000001")  # a session and the credit CDR of it
    assert [r["CDR"] for r in table(at, "cdr_found")] == ["XCP-20240109-000001-C", "XCP-20240109-000001"]
    assert details(at)["Price check"] == "ok"  # the exact id first
    at.selectbox(key=explorer.KEY_CDR).set_value("NL*XCP*XCP-20240109-000001-C").run()
    assert details(at)["Credit"] == "yes, for XCP-20240109-000001"
    assert [i.value for i in at.info] == [CREDIT_REASON]
    assert not at.warning and not at.error


# ---------------------------------------------------------------------- search and details
def test_find_by_cdr_id_shows_its_details(store_url: str) -> None:
    at = search(open_explorer(), "M2")
    assert table(at, "cdr_found") == [
        {
            "CDR": "M2",
            "Sender": "NL XCP",
            "Start": "2024-03-10 10:00 +01:00",
            "Location": "Site LOC002 (LOC002)",
            "Token": "04A1B2C3D4E5F6",
            "Contract": "NL-TNM-C12345678-X",
            "EMP": "DEABC",
            "Energy (kWh)": "35.5000",
            "Cost excl. VAT": "€12.35",
            "Price check": "not checked",
        }
    ]
    assert {m.label: m.value for m in at.metric} == {
        "Energy (kWh)": "35.5000",
        "Total time (h)": "3.0000",
        "Total cost excl. VAT": "€12.3456",
        "Price check": "not checked",
    }
    shown = details(at)
    assert shown["Start"] == "2024-03-10 10:00 +01:00"
    assert shown["End"] == "2024-03-10 13:00 +01:00"
    assert shown["Time zone"] == "Europe/Amsterdam"
    assert shown["Charging time"] == "2.5000 h"  # 3 h in all, 0.5 h parked
    assert shown["Parking time"] == "0.5000 h"
    assert shown["Total cost (stated)"] == "€12.3456 excl. VAT, €14.9382 incl. VAT"
    assert shown["Tariffs"] == "T1"
    assert shown["EMP"] == "DEABC"


def test_find_by_location_newest_first(store_url: str) -> None:
    at = search(open_explorer(), "LOC001")
    assert [r["CDR"] for r in table(at, "cdr_found")] == ["M7", "M1-CREDIT", "M1", "P1"]
    assert at.selectbox(key=explorer.KEY_CDR).value == "NL*XCP*M7"  # the newest
    assert details(at)["CDR id"] == "M7"
    at.selectbox(key=explorer.KEY_CDR).set_value("NL*XCP*P1").run()
    assert details(at)["Start"] == "2024-02-10 09:00 +01:00"


def test_find_by_token_or_contract(store_url: str) -> None:
    by_token = [r["CDR"] for r in table(search(open_explorer(), "04A1B2C3D4E5F6"), "cdr_found")]
    by_contract = [r["CDR"] for r in table(search(open_explorer(), "NL-TNM-C12345678-X"), "cdr_found")]
    assert len(by_token) == 10  # every CDR of the known dataset has the factory's token
    assert by_contract == by_token


def test_an_id_prefix_prefers_the_exact_id(store_url: str) -> None:
    at = search(open_explorer(), "M1")
    assert [r["CDR"] for r in table(at, "cdr_found")] == ["M1-CREDIT", "M1"]
    assert at.selectbox(key=explorer.KEY_CDR).value == "NL*XCP*M1"


def test_no_result(store_url: str) -> None:
    at = search(open_explorer(), "nothing like this")
    assert [i.value for i in at.info] == ["No CDR found for “nothing like this”."]
    assert not at.dataframe


def test_the_url_opens_one_cdr(store_url: str) -> None:
    at = open_explorer(find="M1", cdr="NL*XCP*M1-CREDIT")
    assert at.text_input(key=explorer.KEY_FIND).value == "M1"
    assert at.selectbox(key=explorer.KEY_CDR).value == "NL*XCP*M1-CREDIT"
    assert details(at)["Credit"] == "yes, for M1"


# ---------------------------------------------------------------------- periods and explanation
def test_charging_periods_on_a_time_line(store_url: str) -> None:
    at = search(open_explorer(), "M2")
    assert table(at, "cdr_periods") == [
        {"Period": 1, "Start": "2024-03-10 10:00 +01:00", "End": "2024-03-10 11:00 +01:00", "Tariff": "T1",
         "Energy": "12.5000 kWh", "Charging time": "1.0000 h", "Parking time": "", "MAX_POWER": "",
         "Power": "12.5000 kW", "Power from": "energy / time"},
        {"Period": 2, "Start": "2024-03-10 11:00 +01:00", "End": "2024-03-10 13:00 +01:00", "Tariff": "T1",
         "Energy": "7.5000 kWh", "Charging time": "1.0000 h", "Parking time": "", "MAX_POWER": "",
         "Power": "7.5000 kW", "Power from": "energy / time"},
    ]  # fmt: skip
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [t["name"] for t in figure["data"]] == ["Power (kW)", "Energy (kWh)"]
    assert figure["data"][0]["y"] == [12.5, 12.5, None, 7.5, 7.5, None]  # a step per period
    assert figure["data"][1]["y"] == [12.5, 7.5]
    assert figure["data"][1]["x"][0].startswith("2024-03-10T10:00:00")  # local wall-clock time
    assert figure["layout"]["xaxis2"]["title"]["text"] == "Local time (Europe/Amsterdam, UTC+01:00); shaded: parking"
    assert len(at.get("download_button")) == 1


def test_the_explanation_of_a_cdr_priced_as_stated(with_tariff: str) -> None:
    at = search(open_explorer(), "M1")
    assert any(m.value.startswith("The stated total cost agrees with the recomputed one") for m in at.markdown)
    totals = table(at, "cdr_explain_totals")
    assert totals[0] == {
        "Cost": "Total",
        "Stated excl. VAT": "€5.5000",
        "Recomputed excl. VAT": "€5.5000",
        "Difference excl. VAT": "€0.0000",
        "Stated incl. VAT": "€6.6550",
        "Recomputed incl. VAT": "€6.6550",
        "Difference incl. VAT": "€0.0000",
    }
    assert [(r["Cost"], r["Stated excl. VAT"], r["Recomputed excl. VAT"]) for r in totals[1:]] == [
        ("Energy", "€5.0000", "€5.0000"),
        ("Time", "not stated", "€0.0000"),
        ("Parking", "not stated", "€0.0000"),
        ("Fixed", "€0.5000", "€0.5000"),
        ("Reservation", "not stated", "€0.0000"),
    ]
    # 12.5 kWh x 0.25 = 3.125 (x 1.21 = 3.78125 -> 3.7813); 7.5 kWh x 0.25 = 1.875 (2.26875 -> 2.2688)
    assert table(at, "cdr_explain_lines") == [
        {"Period": 1, "Start": "2024-03-01 09:00 +01:00", "Dimension": "ENERGY", "Tariff": "T1", "Element": "0",
         "Component": "ENERGY", "Price": "€0.25/kWh", "VAT": "21 %", "Step size": "1", "Volume": "12.5000 kWh",
         "Billed volume": "12.5000 kWh", "Step extra": "0.0000 kWh", "Cost excl. VAT": "€3.1250",
         "Cost incl. VAT": "€3.7813", "Counts as": "energy"},
        {"Period": 1, "Start": "2024-03-01 09:00 +01:00", "Dimension": "TIME", "Tariff": "T1", "Element": "",
         "Component": "free", "Price": "", "VAT": "", "Step size": "", "Volume": "1.0000 h",
         "Billed volume": "1.0000 h", "Step extra": "0.0000 h", "Cost excl. VAT": "€0.0000",
         "Cost incl. VAT": "€0.0000", "Counts as": ""},
        {"Period": 1, "Start": "2024-03-01 09:00 +01:00", "Dimension": "FLAT", "Tariff": "T1", "Element": "0",
         "Component": "FLAT", "Price": "€0.50", "VAT": "21 %", "Step size": "1", "Volume": "1.0000",
         "Billed volume": "1.0000", "Step extra": "0.0000", "Cost excl. VAT": "€0.5000",
         "Cost incl. VAT": "€0.6050", "Counts as": "fixed"},
        {"Period": 2, "Start": "2024-03-01 10:00 +01:00", "Dimension": "ENERGY", "Tariff": "T1", "Element": "0",
         "Component": "ENERGY", "Price": "€0.25/kWh", "VAT": "21 %", "Step size": "1", "Volume": "7.5000 kWh",
         "Billed volume": "7.5000 kWh", "Step extra": "0.0000 kWh", "Cost excl. VAT": "€1.8750",
         "Cost incl. VAT": "€2.2688", "Counts as": "energy"},
        {"Period": 2, "Start": "2024-03-01 10:00 +01:00", "Dimension": "TIME", "Tariff": "T1", "Element": "",
         "Component": "free", "Price": "", "VAT": "", "Step size": "", "Volume": "1.0000 h",
         "Billed volume": "1.0000 h", "Step extra": "0.0000 h", "Cost excl. VAT": "€0.0000",
         "Cost incl. VAT": "€0.0000", "Counts as": ""},
    ]  # fmt: skip


def test_a_mismatch_shows_both_figures(store_url: str) -> None:
    add_priced(store_url)
    at = open_explorer(find="X1")
    assert details(at)["Price check"] == "mismatch"
    assert details(at)["Price check reason"] == (
        "stated 6.0000 excl. / 7.2600 incl. VAT, recomputed 5.5000 excl. / 6.6550 incl. VAT"
    )
    total = table(at, "cdr_explain_totals")[0]
    assert (total["Stated excl. VAT"], total["Recomputed excl. VAT"], total["Difference excl. VAT"]) == (
        "€6.0000",
        "€5.5000",
        "€0.5000",
    )


def test_an_unpriceable_cdr_gives_the_reason(store_url: str) -> None:
    add_priced(store_url)
    at = open_explorer(find="X2")
    assert [w.value for w in at.warning] == [f"The pricing engine cannot price this CDR: {UNKNOWN_T9}"]
    assert not at.error
    assert details(at)["CDR id"] == "X2"  # the details and the periods are still shown
    assert len(at.get("plotly_chart")) == 1


def test_a_cdr_whose_tariff_is_not_stored(store_url: str) -> None:
    at = search(open_explorer(), "M2")
    (warning,) = [w.value for w in at.warning]
    assert warning.startswith("The pricing engine cannot price this CDR: the CDR carries no tariff and the tariff")


def test_a_credit_cdr_is_information_not_an_error(with_tariff: str) -> None:
    at = search(open_explorer(), "M1-CREDIT")
    assert [i.value for i in at.info] == [CREDIT_REASON]
    assert not at.warning and not at.error
