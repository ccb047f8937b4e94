"""The Reimbursement CDRs export (exports.md section 3; domain.md, Reimbursement) on the fixed dataset and
on small stores made for one case each: tariff and bank-account changes inside the period (by the local
date of the session start), token and OU modes, locations without reimbursement, credits."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from cdrlib import exports, model
from cdrlib.exports import data as export_data
from cdrlib.exports.data import ExportData
from cdrlib.store import Store
from tests.exports import dataset as ds
from tests.exports.dataset import by_id, members, read_rows
from tests.factories import utc

D = Decimal


def rows_of(data: ExportData, dialect: str = "excel") -> dict[str, dict[str, str]]:
    (payload,) = members("reimbursement", data, dialect).values()
    return by_id(read_rows(payload, dialect))


def read_small(tmp_path: Path, cdrs: tuple[model.Cdr, ...], **master: Any) -> ExportData:
    """October 2025 of a store with the dataset's master data and only ``cdrs``."""
    with Store.open(f"sqlite:///{tmp_path / 'small.db'}") as store:
        ds.fill(store, cdrs, **master)
        return export_data.read(store, ds.FIRST, ds.LAST, ds.TZ)


def cells(row: dict[str, str], *columns: str) -> tuple[str, ...]:
    return tuple(row[c] for c in columns)


TARIFF = ("Reimbursement_Tariff_Excl_VAT", "Reimbursement_Tariff_Incl_VAT", "Reimbursement_Tariff_Valid_From")
PAYEE = ("Payee_Name", "Bank_Account", "Bank_Account_Valid_From")
AMOUNTS = ("Volume", "Reimbursement_Excl_VAT", "Reimbursement_Incl_VAT", "Currency")


def test_the_tariff_changes_on_the_local_date_of_the_session_start(dataset_data: ExportData) -> None:
    rows = rows_of(dataset_data)
    # R1 starts 23:30 local on 14 October, R2 00:30 local on 15 October (22:30 UTC on the 14th): the new
    # tariff is valid from the 15th, so R2 has it although its UTC date is the 14th.
    assert cells(rows["R1"], *TARIFF) == ("0.2200", "0.2662", "2025-01-01")
    assert cells(rows["R2"], *TARIFF) == ("0.2500", "0.3025", "2025-10-15")
    assert cells(rows["R1"], *AMOUNTS) == ("11.1111", "2.44", "2.96", "EUR")  # 2.444442, 2.95777482
    assert cells(rows["R2"], *AMOUNTS) == ("8.0200", "2.01", "2.43", "EUR")  # 2.005 (half up), 2.42605


def test_the_bank_account_changes_on_the_local_date_of_the_session_start(dataset_data: ExportData) -> None:
    rows = rows_of(dataset_data)
    # New account from 20 October: R2 (15th) is paid to the old one, R3 (00:15 local on the 20th, 22:15
    # UTC on the 19th) to the new one.
    assert cells(rows["R2"], *PAYEE) == ("S. Bakker", "NL91ABNA0417164300", "2025-01-01")
    assert cells(rows["R3"], *PAYEE) == ("S. Bakker", "NL44RABO0123456789", "2025-10-20")
    assert cells(rows["R3"], *AMOUNTS) == ("15.5000", "3.88", "4.69", "EUR")  # 3.875 (half up), 4.68875


def test_ou_mode_pays_every_card_of_the_ou_and_of_the_ous_under_it(dataset_data: ExportData) -> None:
    rows = rows_of(dataset_data)
    at_home1 = {i: r["Contract_ID"] for i, r in rows.items() if r["Location_ID"] == "HOME1"}
    # R1, R2: a card of ACME; R3: a card of ACME-SALES, a child of ACME. R4, a card of BRIGHT (not under
    # ACME) charging at the same place, is not reimbursed.
    assert at_home1 == {"R1": ds.ACME_CARD, "R2": ds.ACME_CARD, "R3": ds.SALES_CARD}


def test_token_mode_pays_only_its_card(dataset_data: ExportData) -> None:
    rows = rows_of(dataset_data)
    at_home2 = {i: r["Contract_ID"] for i, r in rows.items() if r["Location_ID"] == "HOME2"}
    assert at_home2 == {"R5": ds.VISSER_CARD}  # not R6, an ACME card at the same charger
    assert cells(rows["R5"], *PAYEE, *TARIFF, *AMOUNTS) == (
        "P. Visser", "NL31INGB0100166318", "2025-01-01", "0.2300", "0.2783", "2025-01-01",
        "9.8765", "2.27", "2.75", "EUR",  # 2.271595, 2.74862995
    )


def test_a_location_without_reimbursement_is_absent(dataset_data: ExportData) -> None:
    rows = rows_of(dataset_data)
    assert "R7" not in rows  # an ACME card at HOME3, which has no reimbursement
    assert {r["Location_ID"] for r in rows.values()} == {"HOME1", "HOME2"}
    assert list(rows) == ["R1", "R2", "R3", "R5"]


def test_the_summary_totals(dataset_data: ExportData) -> None:
    (row,) = exports.FORMATS["reimbursement"].summary(dataset_data).to_dicts()
    assert row == {
        "file": "cdrs-reimbursement_2025-10-01_2025-10-31.csv", "Currency": "EUR", "Rows": 4,
        "Volume": D("44.5076"),  # 11.1111 + 8.0200 + 15.5000 + 9.8765
        "Reimbursement_Excl_VAT": D("10.60"),  # 2.44 + 2.01 + 3.88 + 2.27
        "Reimbursement_Incl_VAT": D("12.83"),  # 2.96 + 2.43 + 4.69 + 2.75
    }


def test_excel_eu_amounts_have_a_decimal_comma(dataset_data: ExportData) -> None:
    rows = rows_of(dataset_data, "excel-eu")
    assert cells(rows["R2"], *TARIFF, *AMOUNTS) == ("0,2500", "0,3025", "2025-10-15", "8,0200", "2,01", "2,43", "EUR")


def test_contract_ids_match_case_insensitively(tmp_path: Path) -> None:
    lower = dataclasses.replace(ds.VISSER_TOKEN, contract_id=ds.VISSER_CARD.lower())
    cdr = ds.session("LOW", ds.HOME2, lower, utc(2025, 10, 22, 17, 0), utc(2025, 10, 22, 18, 0), "10.0000", ds.FREE)
    rows = rows_of(read_small(tmp_path, (cdr,)))
    # OCPI CiString: "nl-tnm-c00000042-x" is the card of the token-mode configuration. 10 x 0.23 = 2.30.
    assert cells(rows["LOW"], "Contract_ID", "Reimbursement_Excl_VAT") == (ds.VISSER_CARD.lower(), "2.30")


def test_a_credit_reverses_its_original_to_the_cent(tmp_path: Path) -> None:
    original = ds.session("H1", ds.HOME1, ds.ACME, utc(2025, 10, 16, 17, 0), utc(2025, 10, 16, 18, 0), "8.0200",
                          ds.FREE)
    rows = rows_of(read_small(tmp_path, (original, ds.credit(original, "H1-CR", utc(2025, 10, 17, 9, 0)))))
    # 8.02 x 0.25 = 2.005 -> 2.01 and x 0.3025 = 2.42605 -> 2.43; the credit is half away from zero too.
    assert cells(rows["H1"], *AMOUNTS) == ("8.0200", "2.01", "2.43", "EUR")
    assert cells(rows["H1-CR"], *AMOUNTS) == ("-8.0200", "-2.01", "-2.43", "EUR")
    assert cells(rows["H1-CR"], *PAYEE, *TARIFF) == cells(rows["H1"], *PAYEE, *TARIFF)


def test_an_empty_period_is_a_header_only(tmp_path: Path) -> None:
    payload = exports.FORMATS["reimbursement"].build(read_small(tmp_path, ()), exports.csvfmt.dialect("plain"))
    assert payload.decode().splitlines() == [
        "CDR_ID,Session_ID,Start_datetime,End_datetime,Time_Zone,Local_Start_datetime,Local_End_datetime,"
        "Location_ID,Location_Name,Charge_Point_Address,Charge_Point_ZIP,Charge_Point_City,Charge_Point_ID,"
        "Connector_ID,Authentication_ID,Contract_ID,OU_Code,Payee_Name,Bank_Account,Bank_Account_Valid_From,"
        "Meter_Start,Meter_Stop,Volume,Reimbursement_Tariff_Excl_VAT,Reimbursement_Tariff_Incl_VAT,"
        "Reimbursement_Tariff_Valid_From,Reimbursement_Excl_VAT,Reimbursement_Incl_VAT,Currency"
    ]


def test_a_session_at_a_reimbursed_location_before_the_period_is_not_listed(tmp_path: Path) -> None:
    # Created 23:59:59 local on 30 September: outside October, although the session is at HOME1.
    early = ds.session("OLD", ds.HOME1, ds.ACME, utc(2025, 9, 30, 20, 0), utc(2025, 9, 30, 21, 0), "5.0000",
                       ds.FREE, created=utc(2025, 9, 30, 21, 59, 59))
    late = ds.session("NEW", ds.HOME1, ds.ACME, utc(2025, 10, 31, 21, 0), utc(2025, 10, 31, 22, 0), "5.0000",
                      ds.FREE, created=dt.datetime(2025, 10, 31, 22, 59, 59, tzinfo=dt.UTC))
    assert list(rows_of(read_small(tmp_path, (early, late)))) == ["NEW"]
