"""Every format in every dialect, byte for byte, against golden files; and the key cells worked out by hand.

The dataset is `tests.exports.dataset` (October 2025). Golden files live in
``golden/<dialect>/<format>/<file>``: for a ZIP format each CSV inside it (the ZIP's own bytes are not
compared: the compressor may change), for a CSV format the file under its spec name.

    UPDATE_GOLDEN=1 python -m pytest tests/exports/test_golden.py   # rewrite them (never in CI)

Without ``UPDATE_GOLDEN`` a missing golden file fails. Rewritten files must be read before they are
committed: the hand-worked tests below say what the important cells must hold, independently of them.
"""

from __future__ import annotations

import difflib
import os
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from cdrlib import exports
from cdrlib.exports import csvfmt
from cdrlib.exports.data import ExportData
from cdrlib.store import Store
from tests.exports import dataset as ds
from tests.exports.dataset import by_id, members, read_rows

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
DIALECTS = ("excel", "excel-eu", "plain")
FORMATS = ("normal", "full", "reimbursement", "distribution")
D = Decimal

# The files of each format, in the order of the ZIP (EMP files by name, then the not-roamed one).
FILES = {
    "normal": ["DEA_B.csv", "NLTNM.csv", "not_roamed.csv"],  # "DEA:B": ":" is not allowed in a file name
    "full": ["cdrs_full.csv", "not_roamed_full.csv"],
    "reimbursement": [f"cdrs-reimbursement_{ds.LABEL}.csv"],
    "distribution": [f"cdrs-distribution_{ds.LABEL}.csv"],
}


def _diff(expected: bytes, actual: bytes) -> str:
    lines = difflib.unified_diff(
        expected.decode("utf-8", "replace").splitlines(keepends=True),
        actual.decode("utf-8", "replace").splitlines(keepends=True),
        "golden", "built", n=0,
    )
    return "".join(repr(line) + "\n" for line in list(lines)[:40])


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_file_byte_for_byte(dataset_data: ExportData, dialect: str, fmt: str) -> None:
    files = members(fmt, dataset_data, dialect)
    assert list(files) == FILES[fmt]
    folder = GOLDEN / dialect / fmt
    if UPDATE:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.iterdir():
            if stale.name not in files:
                stale.unlink()
        for name, payload in files.items():
            (folder / name).write_bytes(payload)
    assert folder.is_dir(), f"no golden files in {folder}: run with UPDATE_GOLDEN=1 and check them"
    assert sorted(p.name for p in folder.iterdir()) == sorted(files)
    for name, payload in files.items():
        expected = (folder / name).read_bytes()
        assert payload == expected, f"{dialect}/{fmt}/{name} differs:\n{_diff(expected, payload)}"


def test_file_names(dataset_data: ExportData) -> None:
    names = {f: exports.FORMATS[f].file_name(dataset_data) for f in FORMATS}
    assert names == {
        "normal": "cdrs-normal_2025-10-01_2025-10-31.zip",
        "full": "cdrs-full_2025-10-01_2025-10-31.zip",
        "reimbursement": "cdrs-reimbursement_2025-10-01_2025-10-31.csv",
        "distribution": "cdrs-distribution_2025-10-01_2025-10-31.csv",
    }


# ------------------------------------------------------------------------------ the dialects agree
_DECIMAL = re.compile(r"^-?[0-9]+\.[0-9]+$")


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_dialects_differ_only_in_their_marks(dataset_data: ExportData, fmt: str) -> None:
    """exports.md, CSV dialects: excel = BOM, ``,``, ``.``, CRLF; excel-eu = BOM, ``;``, ``,``, CRLF;
    plain = no BOM, ``,``, ``.``, LF. Every decimal number of the excel file is the same number with a
    decimal comma in the excel-eu file; every other cell is the same text."""
    excel, eu, plain = (members(fmt, dataset_data, d) for d in DIALECTS)
    for name, payload in excel.items():
        assert payload.startswith(csvfmt.BOM) and eu[name].startswith(csvfmt.BOM)
        assert not plain[name].startswith(csvfmt.BOM)
        assert plain[name] == payload.removeprefix(csvfmt.BOM).replace(b"\r\n", b"\n")  # no line break in a cell
        assert b"\n" not in payload.replace(b"\r\n", b"")
        excel_rows, eu_rows = read_rows(payload, "excel"), read_rows(eu[name], "excel-eu")
        assert [list(r) for r in excel_rows] == [list(r) for r in eu_rows]
        wrong = [
            (r["CDR_ID"], column, text, e[column])
            for r, e in zip(excel_rows, eu_rows, strict=True)
            for column, text in r.items()
            if e[column] != (text.replace(".", ",") if _DECIMAL.match(text) else text)
        ]
        columns = sorted({column for _, column, _, _ in wrong})
        assert wrong == [], (
            f"{name}: in {columns} the excel-eu cell is not the excel number with a decimal comma, e.g. {wrong[:2]}"
        )


# ------------------------------------------------------------------------------ worked out by hand
@pytest.fixture
def normal(dataset_data: ExportData) -> dict[str, list[dict[str, str]]]:
    return {name: read_rows(payload) for name, payload in members("normal", dataset_data, "excel").items()}


@pytest.fixture
def full(dataset_data: ExportData) -> dict[str, dict[str, str]]:
    """Every CDR of the Full download by id (roamed and not roamed)."""
    files = members("full", dataset_data, "excel")
    rows = {**by_id(read_rows(files["cdrs_full.csv"])), **by_id(read_rows(files["not_roamed_full.csv"]))}
    assert len(rows) == 18
    return rows


def test_each_emp_gets_its_roamed_cdrs_in_the_order_the_store_received_them(
    normal: dict[str, list[dict[str, str]]],
) -> None:
    ids = {name: [r["CDR_ID"] for r in rows] for name, rows in normal.items()}
    # The dataset is stored in its list order, not in order of creation: C04 was created a day after
    # C06-CR, C07 an hour after C08, C03 after C09, and they still come first.
    assert ids == {
        "DEA_B.csv": ["C04", "C06", "C06-CR", "LAST"],
        # R4, R6 and R7 are here though not reimbursed.
        "NLTNM.csv": ["C01", "C02", "C05", "C07", "C08", "R1", "R2", "R3", "R4", "R5", "R6", "R7"],
        "not_roamed.csv": ["C03", "C09"],
    }
    # NEXT (created 00:00:00 +01:00 on 1 November) and EARLY (23:59:59 +02:00 on 30 September) are out;
    # LAST (23:59:59 +01:00 on 31 October = 22:59:59Z) is in.
    assert {r["Service_Provider_ID"] for r in normal["DEA_B.csv"]} == {"DEA:B"}
    assert {r["Service_Provider_ID"] for r in normal["NLTNM.csv"]} == {"NLTNM"}
    assert {r["Service_Provider_ID"] for r in normal["not_roamed.csv"]} == {"NLXCP"}  # the CPO's own cards
    assert {r["Infra_Provider_ID"] for rows in normal.values() for r in rows} == {"NLXCP"}


def test_period_edges_by_creation_time(full: dict[str, dict[str, str]]) -> None:
    assert full["LAST"]["Created_datetime"] == "2025-10-31T22:59:59+00:00"  # 23:59:59 +01:00, last day: in
    assert "NEXT" not in full and "EARLY" not in full
    assert full["C01"]["Created_datetime"] == "2025-10-03T07:40:00+00:00"  # 10 minutes after the end


def test_utc_local_and_duration(full: dict[str, dict[str, str]]) -> None:
    def times(cdr_id: str) -> tuple[str, ...]:
        r = full[cdr_id]
        return (r["Start_datetime"], r["End_datetime"], r["Duration"], r["Time_Zone"], r["Local_Start_datetime"],
                r["Local_End_datetime"])

    # Summer time (+02:00) in Amsterdam until 26 October 03:00 local.
    assert times("C01") == ("2025-10-03T05:30:00+00:00", "2025-10-03T07:30:00+00:00", "2:00:00", "Europe/Amsterdam",
                            "2025-10-03T07:30:00+02:00", "2025-10-03T09:30:00+02:00")
    # Across the switch: 01:30 +02:00 to 03:15 +01:00 reads as 1:45 on the wall clock, lasts 2:45.
    assert times("C03") == ("2025-10-25T23:30:00+00:00", "2025-10-26T02:15:00+00:00", "2:45:00", "Europe/Amsterdam",
                            "2025-10-26T01:30:00+02:00", "2025-10-26T03:15:00+01:00")
    # London: BST (+01:00) on 12 and 13 October; 17:00Z to 20:03:09Z the next day = 24 h + 3:03:09.
    assert times("C04") == ("2025-10-12T17:00:00+00:00", "2025-10-13T20:03:09+00:00", "27:03:09", "Europe/London",
                            "2025-10-12T18:00:00+01:00", "2025-10-13T21:03:09+01:00")
    # The local date is already 10 October while UTC is still on the 9th.
    assert times("C07")[4] == "2025-10-10T00:30:00+02:00"
    # Winter time (+01:00) after the switch.
    assert times("LAST") == ("2025-10-31T20:00:00+00:00", "2025-10-31T21:00:00+00:00", "1:00:00", "Europe/Amsterdam",
                             "2025-10-31T21:00:00+01:00", "2025-10-31T22:00:00+01:00")
    assert times("R1")[2] == "0:45:00"


def test_formula_guard_and_non_ascii(dataset_data: ExportData, full: dict[str, dict[str, str]]) -> None:
    c05 = full["C05"]
    assert c05["Charge_Point_Address"] == """'=HYPERLINK("http://x.example","Laadpaal")"""
    assert c05["Charge_Point_City"] == "'@Amsterdam"
    assert c05["Authentication_ID"] == "'-04AB12CD"
    assert c05["Location_Name"] == "'+Laadplein Noord"
    # Numbers are not text cells: a credit's negative amounts and a negative longitude keep their sign.
    assert full["C06-CR"]["Calculated_Cost"] == "-8.5500"
    assert full["C04"]["Longitude"] == "-0.125000"
    # RFC 4180: the address holds commas and quotes, so it is quoted and its quotes doubled.
    raw = members("normal", dataset_data, "excel")["NLTNM.csv"]
    assert b',"\'=HYPERLINK(""http://x.example"",""Laadpaal"")",1012 AB,\'@Amsterdam,' in raw
    assert full["C03"]["Location_Name"] == "Dépôt Tilburg Nord–Süd"
    raw = members("full", dataset_data, "plain")["not_roamed_full.csv"]
    assert "Dépôt Tilburg Nord–Süd".encode() in raw and b"D\xc3\xa9p\xc3\xb4t Tilburg Nord\xe2\x80\x93S\xc3\xbcd" in raw


def test_start_prices_follow_the_local_start_time(full: dict[str, dict[str, str]]) -> None:
    def prices(cdr_id: str) -> tuple[str, ...]:
        r = full[cdr_id]
        return (r["Tariff_Type"], r["Tariff_ID"], r["Start_Tariff"], r["kWh_Tariff"], r["Time_Tariff"],
                r["Parking_Tariff"])

    # T-AC: ENERGY 0.40 from 07:00 to 23:00 local, else 0.30; FLAT 0.50; PARKING_TIME 1.50; no TIME.
    assert prices("C01") == ("REGULAR", "T-AC", "0.5000", "0.4000", "", "1.5000")  # 07:30 local (05:30 UTC)
    assert prices("C02") == ("REGULAR", "T-AC", "0.5000", "0.3000", "", "1.5000")  # 23:30 local (21:30 UTC)
    assert prices("C07")[3] == "0.3000"  # 00:30 local
    assert prices("C03")[3] == "0.3000"  # 01:30 local
    assert prices("C09")[3] == "0.4000"  # 12:00 local
    # T-GB is not carried by the CDR, only named in its charging periods: the store's version is used.
    # ENERGY 0.45, TIME 1.20/h, no FLAT, no PARKING_TIME.
    assert prices("C04") == ("REGULAR", "T-GB", "", "0.4500", "1.2000", "")
    # No tariff at home chargers.
    assert prices("R1") == ("", "", "", "", "", "")


def test_cost_columns_come_from_the_sender_else_from_the_calculation(
    dataset_store: Store, full: dict[str, dict[str, str]]
) -> None:
    def costs(cdr_id: str) -> tuple[str, ...]:
        r = full[cdr_id]
        return (r["Energy_Cost"], r["Time_Cost"], r["Parking_Cost"], r["Fixed_Cost"], r["Calculated_Cost"],
                r["Calculated_Cost_Incl_VAT"], r["Charging_Time"], r["Parking_Time"])

    # C01, the sender's breakdown: energy 4.9382. The engine rounds the energy up to whole Wh (12.346 kWh
    # x 0.40 = 4.9384), so the two differ and the file shows which one it took.
    cdr = dataset_store.get_cdr("NL", "XCP", "C01")
    assert cdr is not None and cdr.price_check is not None and cdr.price_check.total_energy_cost is not None
    assert cdr.price_check.total_energy_cost.excl_vat == D("4.9384")
    assert costs("C01") == ("4.9382", "", "", "0.5000", "5.4382", "6.5802", "2.0000", "0.0000")
    # C05: the sender put the start fee in its energy cost (4.50 and 0.00); the engine says 4.00 and 0.50.
    assert costs("C05") == ("4.5000", "0.0000", "0.0000", "0.0000", "4.5000", "5.4450", "1.0000", "0.0000")
    # C02, no breakdown: the engine's. 7.5 kWh x 0.30 (night) = 2.25; 0.5 h parked x 1.50 = 0.75; start 0.50.
    assert costs("C02") == ("2.2500", "0.0000", "0.7500", "0.5000", "3.5000", "4.2350", "1.0000", "0.5000")
    # C04, no breakdown: 30 kWh x 0.45 = 13.50; 3 h charging x 1.20 = 3.60; parking free; 17.10 x 1.20 = 20.52.
    assert costs("C04") == ("13.5000", "3.6000", "0.0000", "0.0000", "17.1000", "20.5200", "3.0000", "24.0525")
    # A credit: the sender's breakdown, negated.
    assert costs("C06-CR") == ("-8.0500", "", "", "-0.5000", "-8.5500", "-10.3455", "1.5000", "0.0000")
    assert (full["C06-CR"]["Credit"], full["C06-CR"]["Credit_Reference_ID"]) == ("Y", "C06")
    assert (full["C06"]["Credit"], full["C06"]["Credit_Reference_ID"]) == ("N", "")
    # Neither a breakdown nor a tariff: empty.
    assert costs("R1") == ("", "", "", "", "0.0000", "0.0000", "0.7500", "0.0000")


def test_other_full_columns(full: dict[str, dict[str, str]]) -> None:
    c03, c08 = full["C03"], full["C08"]
    assert (c03["Charge_Point_Type"], c03["Product_Type"], c03["Connector_Power_Type"]) == (
        "DC", "IEC_62196_T2_COMBO", "DC")
    assert (c03["Meter_Start"], c03["Meter_Stop"], c03["Auth_Method"], c03["Token_Type"]) == (
        "1000000", "1018250", "COMMAND", "APP_USER")
    assert (c08["OU_Code"], c08["Location_OU_Code"]) == ("ACME-DEPOT", "ACME-HQ")  # EVSE of another OU
    assert (full["C04"]["Currency"], full["C04"]["Charge_Point_Country"]) == ("GBP", "GBR")
    assert full["C01"]["OBIS_Code"] == ""


REIMBURSEMENT_COLUMNS = ("Location_ID", "Contract_ID", "Local_Start_datetime", "Payee_Name", "Bank_Account",
                         "Bank_Account_Valid_From", "Volume", "Reimbursement_Tariff_Excl_VAT",
                         "Reimbursement_Tariff_Incl_VAT", "Reimbursement_Tariff_Valid_From",
                         "Reimbursement_Excl_VAT", "Reimbursement_Incl_VAT", "Currency")


def _cent(amount: Decimal) -> str:
    return str(amount.quantize(D("0.01"), rounding=ROUND_HALF_UP))


def test_reimbursement_by_hand(dataset_data: ExportData) -> None:
    (payload,) = members("reimbursement", dataset_data, "excel").values()
    rows = by_id(read_rows(payload))
    got = {cdr_id: tuple(r[c] for c in REIMBURSEMENT_COLUMNS) for cdr_id, r in rows.items()}
    # The products, to the cent (half up):
    assert _cent(D("11.1111") * D("0.2200")) == "2.44"  # 2.444442
    assert _cent(D("11.1111") * D("0.2662")) == "2.96"  # 2.95777482
    assert _cent(D("8.0200") * D("0.2500")) == "2.01"  # 2.005: half up
    assert _cent(D("8.0200") * D("0.3025")) == "2.43"  # 2.42605
    assert _cent(D("15.5000") * D("0.2500")) == "3.88"  # 3.875: half up
    assert _cent(D("15.5000") * D("0.3025")) == "4.69"  # 4.68875
    assert _cent(D("9.8765") * D("0.2300")) == "2.27"  # 2.271595
    assert _cent(D("9.8765") * D("0.2783")) == "2.75"  # 2.74862995
    old = ("0.2200", "0.2662", "2025-01-01")
    new = ("0.2500", "0.3025", "2025-10-15")
    abna = ("S. Bakker", "NL91ABNA0417164300", "2025-01-01")
    rabo = ("S. Bakker", "NL44RABO0123456789", "2025-10-20")
    assert got == {
        # HOME1, OU mode (every card of ACME and below). 23:30 local on the 14th: the old tariff.
        "R1": ("HOME1", ds.ACME_CARD, "2025-10-14T23:30:00+02:00", *abna, "11.1111", *old, "2.44", "2.96", "EUR"),
        # 00:30 local on the 15th (UTC still the 14th): the new tariff; the old account until the 20th.
        "R2": ("HOME1", ds.ACME_CARD, "2025-10-15T00:30:00+02:00", *abna, "8.0200", *new, "2.01", "2.43", "EUR"),
        # A card of ACME-SALES, a child of ACME. 00:15 local on the 20th (UTC the 19th): the new account.
        "R3": ("HOME1", ds.SALES_CARD, "2025-10-20T00:15:00+02:00", *rabo, "15.5000", *new, "3.88", "4.69", "EUR"),
        # HOME2, token mode: only that card.
        "R5": ("HOME2", ds.VISSER_CARD, "2025-10-22T19:00:00+02:00", "P. Visser", "NL31INGB0100166318",
               "2025-01-01", "9.8765", "0.2300", "0.2783", "2025-01-01", "2.27", "2.75", "EUR"),
    }
    # Not here: R4 (a card of BRIGHT at HOME1), R6 (another card at HOME2), R7 (HOME3 has no reimbursement)
    # and every CDR at a location without a configuration.
    assert list(rows) == ["R1", "R2", "R3", "R5"]
    assert (rows["R1"]["Meter_Start"], rows["R1"]["Meter_Stop"], rows["R3"]["Meter_Start"]) == ("20000", "31111", "")
    assert (rows["R1"]["Session_ID"], rows["R1"]["Time_Zone"], rows["R1"]["Charge_Point_ID"]) == (
        "SES-R1", "Europe/Amsterdam", "NL*XCP*E0006")


DISTRIBUTION_COLUMNS = ("Location_OU_Code", "Customer_OU_Code", "Rule_Valid_From", "Volume", "Revenue_Excl_VAT",
                        "Energy_Compensation_Rate", "Energy_Compensation", "Split_Method", "CPO_Fee_Rate",
                        "CPO_Percentage", "Customer_Percentage", "CPO_Share", "Customer_Share", "Currency")


def test_distribution_by_hand(dataset_data: ExportData) -> None:
    (payload,) = members("distribution", dataset_data, "excel").values()
    rows = by_id(read_rows(payload))
    got = {cdr_id: tuple(r[c] for c in DISTRIBUTION_COLUMNS) for cdr_id, r in rows.items()}
    old = ("2025-01-01",)  # ACME: energy 0.20/kWh, CPO fee 0.05/kWh
    new = ("2025-10-10",)  # ACME: energy 0.22/kWh, CPO fee 0.06/kWh
    acme = ("ACME-HQ", "ACME")  # HQ has no rule of its own: its parent ACME's applies
    assert got == {
        # 5.4382 -> 5.44; 12.3456 x 0.20 = 2.46912 -> 2.47; x 0.05 = 0.61728 -> 0.62; 5.44 - 2.47 - 0.62 = 2.35
        "C01": (*acme, *old, "12.3456", "5.44", "0.2000", "2.47", "FIXED_FEE", "0.0500", "", "", "0.62", "2.35", "EUR"),
        # 3.50; 7.5 x 0.20 = 1.50; 7.5 x 0.05 = 0.375 -> 0.38; 3.50 - 1.50 - 0.38 = 1.62
        "C02": (*acme, *old, "7.5000", "3.50", "0.2000", "1.50", "FIXED_FEE", "0.0500", "", "", "0.38", "1.62", "EUR"),
        # 8.55; 20.125 x 0.20 = 4.025 -> 4.03; x 0.05 = 1.00625 -> 1.01; 8.55 - 4.03 - 1.01 = 3.51
        "C06": (*acme, *old, "20.1250", "8.55", "0.2000", "4.03", "FIXED_FEE", "0.0500", "", "", "1.01", "3.51", "EUR"),
        # its credit: every share negated exactly
        "C06-CR": (*acme, *old, "20.1250", "-8.55", "0.2000", "-4.03", "FIXED_FEE", "0.0500", "", "", "-1.01", "-3.51",
                   "EUR"),
        # 23:30 local on the 9th: the old version. 10 x 0.20 = 2.00; 10 x 0.05 = 0.50; 3.50 - 2.50 = 1.00.
        # (Its EVSE belongs to ACME-DEPOT, whose own rule is not the location's.)
        "C08": (*acme, *old, "10.0000", "3.50", "0.2000", "2.00", "FIXED_FEE", "0.0500", "", "", "0.50", "1.00", "EUR"),
        # 00:30 local on the 10th (UTC 22:30 on the 9th): the new version. 2.20; 0.60; 0.70.
        "C07": (*acme, *new, "10.0000", "3.50", "0.2200", "2.20", "FIXED_FEE", "0.0600", "", "", "0.60", "0.70", "EUR"),
        # 40 x 0.22 = 8.80 > 5.00: the compensation takes the whole revenue, nothing is left to share.
        "C09": (*acme, *new, "40.0000", "5.00", "0.2200", "5.00", "FIXED_FEE", "0.0600", "", "", "0.00", "0.00", "EUR"),
        # DEPOT's own rule (a lower OU): 5.975 -> 5.98; 18.25 x 0.18 = 3.285 -> 3.29; left 2.69;
        # CPO 30 % = 0.807 -> 0.81; customer 2.69 - 0.81 = 1.88.
        "C03": ("ACME-DEPOT", "ACME-DEPOT", "2025-01-01", "18.2500", "5.98", "0.1800", "3.29", "PERCENTAGE", "",
                "30.0000", "70.0000", "0.81", "1.88", "EUR"),
    }
    assert list(rows) == ["C01", "C02", "C03", "C06", "C06-CR", "C07", "C08", "C09"]  # the order stored
    assert rows["C03"]["Distribution_Rule"] == "Acme depot: 30/70"
    assert rows["C03"]["Location_Name"] == "Dépôt Tilburg Nord–Süd"
    assert rows["C07"]["Local_Start_datetime"] == "2025-10-10T00:30:00+02:00"
    assert rows["C01"]["Distribution_Rule"] == "Acme sites: energy plus CPO fee"
