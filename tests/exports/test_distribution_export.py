"""The Tariff distribution CDRs export (exports.md section 4; domain.md, Tariff distribution) on the fixed
dataset and on small stores made for one case each: both methods, a rule change inside the period (the
version of the local date of the session start), a lower OU's own rule, revenue smaller than the energy
compensation, credit CDRs reversing their original exactly.

The split itself, including a hypothesis test that the shares always add up, is tested in
``tests/test_distribution.py``; here it is the file: which CDRs, which rule and version, which cells.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from cdrlib import exports, model
from cdrlib.exports import csvfmt
from cdrlib.exports import data as export_data
from cdrlib.exports.data import ExportData
from cdrlib.store import Store
from tests.exports import dataset as ds
from tests.exports.dataset import by_id, members, number, read_rows
from tests.factories import utc

D = Decimal
SPLIT = ("Revenue_Excl_VAT", "Energy_Compensation", "CPO_Share", "Customer_Share")
RULE = ("Customer_OU_Code", "Distribution_Rule", "Rule_Valid_From", "Split_Method", "Energy_Compensation_Rate",
        "CPO_Fee_Rate", "CPO_Percentage", "Customer_Percentage")


def rows_of(data: ExportData, dialect: str = "excel") -> dict[str, dict[str, str]]:
    (payload,) = members("distribution", data, dialect).values()
    return by_id(read_rows(payload, dialect))


def read_small(tmp_path: Path, cdrs: tuple[model.Cdr, ...], **master: Any) -> ExportData:
    """October 2025 of a store with the dataset's master data and only ``cdrs``."""
    with Store.open(f"sqlite:///{tmp_path / 'small.db'}") as store:
        ds.fill(store, cdrs, **master)
        return export_data.read(store, ds.FIRST, ds.LAST, ds.TZ)


def cells(row: dict[str, str], *columns: str) -> tuple[str, ...]:
    return tuple(row[c] for c in columns)


def at(site: ds.Site, cdr_id: str, start: tuple[int, ...], kwh: str, excl: str, **changes: Any) -> model.Cdr:
    """A one-hour session at ``site`` costing ``excl`` (excl. VAT) in EUR."""
    begin = utc(*start)
    return ds.session(cdr_id, site, ds.TNM, begin, begin.replace(hour=begin.hour + 1), kwh, (excl, None), **changes)


def test_both_methods(dataset_data: ExportData) -> None:
    rows = rows_of(dataset_data)
    # C01 at HQ, under ACME's rule (FIXED_FEE): 5.4382 -> 5.44; 12.3456 x 0.20 = 2.46912 -> 2.47;
    # fee 12.3456 x 0.05 = 0.61728 -> 0.62; the customer the rest, 2.35.
    assert cells(rows["C01"], *RULE) == ("ACME", "Acme sites: energy plus CPO fee", "2025-01-01", "FIXED_FEE",
                                         "0.2000", "0.0500", "", "")
    assert cells(rows["C01"], *SPLIT) == ("5.44", "2.47", "0.62", "2.35")
    # C03 at DEPOT, under the depot's own rule (PERCENTAGE 30/70): 5.975 -> 5.98; 18.25 x 0.18 = 3.285
    # -> 3.29; left 2.69; CPO 30 % = 0.807 -> 0.81; the customer 1.88.
    assert cells(rows["C03"], *RULE) == ("ACME-DEPOT", "Acme depot: 30/70", "2025-01-01", "PERCENTAGE", "0.1800", "",
                                         "30.0000", "70.0000")
    assert cells(rows["C03"], *SPLIT) == ("5.98", "3.29", "0.81", "1.88")


def test_a_rule_change_inside_the_period_goes_by_the_local_date_of_the_start(dataset_data: ExportData) -> None:
    rows = rows_of(dataset_data)
    # The new version is valid from 10 October. C08 starts 23:30 local on the 9th; C07 00:30 local on the
    # 10th, which is still 22:30 on the 9th in UTC. Same session otherwise: 10 kWh for 3.50.
    assert (rows["C08"]["Local_Start_datetime"], rows["C07"]["Local_Start_datetime"]) == (
        "2025-10-09T23:30:00+02:00", "2025-10-10T00:30:00+02:00")
    assert (rows["C08"]["Start_datetime"][:10], rows["C07"]["Start_datetime"][:10]) == ("2025-10-09", "2025-10-09")
    assert cells(rows["C08"], "Rule_Valid_From", "Energy_Compensation_Rate", "CPO_Fee_Rate", *SPLIT) == (
        "2025-01-01", "0.2000", "0.0500", "3.50", "2.00", "0.50", "1.00")
    assert cells(rows["C07"], "Rule_Valid_From", "Energy_Compensation_Rate", "CPO_Fee_Rate", *SPLIT) == (
        "2025-10-10", "0.2200", "0.0600", "3.50", "2.20", "0.60", "0.70")


def test_the_rule_is_the_locations_ous_or_its_nearest_ancestors(dataset_data: ExportData) -> None:
    rows = rows_of(dataset_data)
    owners = {i: cells(r, "Location_ID", "Location_OU_Code", "Customer_OU_Code") for i, r in rows.items()}
    assert owners == {
        **{i: ("HQ", "ACME-HQ", "ACME") for i in ("C01", "C02", "C06", "C06-CR", "C08", "C07", "C09")},
        "C03": ("DEPOT", "ACME-DEPOT", "ACME-DEPOT"),  # a lower OU with its own rule
    }
    # C08's EVSE belongs to ACME-DEPOT, but the rule follows the location's OU (HQ -> ACME).
    # Not here: the public sites, London and the home chargers (no rule on their way up to XCP).


def test_revenue_smaller_than_the_energy_compensation(dataset_data: ExportData, tmp_path: Path) -> None:
    # C09: 40 kWh x 0.22 = 8.80 of compensation on a revenue of 5.00: capped, nothing left to share.
    assert cells(rows_of(dataset_data)["C09"], *SPLIT) == ("5.00", "5.00", "0.00", "0.00")
    cdrs = (
        # FIXED_FEE, the fee capped: 40 x 0.22 = 8.80 of 10.00; the fee 40 x 0.06 = 2.40 > 1.20 left.
        at(ds.HQ, "FEE", (2025, 10, 20, 10), "40.0000", "10.0000"),
        # PERCENTAGE: 30 x 0.18 = 5.40 > 4.00.
        at(ds.DEPOT, "PCT", (2025, 10, 20, 12), "30.0000", "4.0000"),
        # A free session: nothing to distribute, nothing negative.
        at(ds.HQ, "FREE", (2025, 10, 20, 14), "12.0000", "0"),
    )
    rows = rows_of(read_small(tmp_path, cdrs))
    assert cells(rows["FEE"], *SPLIT) == ("10.00", "8.80", "1.20", "0.00")
    assert cells(rows["PCT"], *SPLIT) == ("4.00", "4.00", "0.00", "0.00")
    assert cells(rows["FREE"], *SPLIT) == ("0.00", "0.00", "0.00", "0.00")


def test_a_credit_reverses_its_original_exactly(dataset_data: ExportData, tmp_path: Path) -> None:
    rows = rows_of(dataset_data)
    # C06: 8.55; 20.125 x 0.20 = 4.025 -> 4.03; x 0.05 = 1.00625 -> 1.01; 3.51. Its credit: the negation.
    assert cells(rows["C06"], *SPLIT) == ("8.55", "4.03", "1.01", "3.51")
    assert cells(rows["C06-CR"], *SPLIT) == ("-8.55", "-4.03", "-1.01", "-3.51")
    assert cells(rows["C06-CR"], *RULE) == cells(rows["C06"], *RULE)
    # PERCENTAGE with a rounding residue: 7.1234 -> 7.12; 11.1111 x 0.18 = 1.999998 -> 2.00; left 5.12;
    # CPO 30 % = 1.536 -> 1.54; customer 3.58. The credit rounds away from zero the same way.
    original = at(ds.DEPOT, "P1", (2025, 10, 21, 10), "11.1111", "7.1234")
    both = rows_of(read_small(tmp_path, (original, ds.credit(original, "P1-CR", utc(2025, 10, 22, 9, 0)))))
    assert cells(both["P1"], *SPLIT) == ("7.12", "2.00", "1.54", "3.58")
    assert cells(both["P1-CR"], *SPLIT) == ("-7.12", "-2.00", "-1.54", "-3.58")
    for column in SPLIT:
        assert number(both["P1"][column]) + number(both["P1-CR"][column]) == 0


def test_a_cdr_under_no_rule_is_absent(tmp_path: Path) -> None:
    cdrs = (
        at(ds.PUB2, "PUB", (2025, 10, 20, 10), "10.0000", "4.0000"),
        at(ds.HOME1, "HOME", (2025, 10, 20, 12), "10.0000", "4.0000"),
        at(ds.HQ, "HQ", (2025, 10, 20, 14), "10.0000", "4.0000"),
    )
    assert list(rows_of(read_small(tmp_path, cdrs))) == ["HQ"]
    assert list(rows_of(read_small(tmp_path / "none", cdrs, rules=()))) == []


def test_the_summary_totals(dataset_data: ExportData) -> None:
    (row,) = exports.FORMATS["distribution"].summary(dataset_data).to_dicts()
    assert row == {
        "file": "cdrs-distribution_2025-10-01_2025-10-31.csv", "Currency": "EUR", "Rows": 8,
        # 12.3456 + 7.5 + 20.125 x 2 + 10 + 10 + 40 + 18.25
        "Volume": D("138.3456"),
        # 5.44 + 3.50 + 8.55 - 8.55 + 3.50 + 3.50 + 5.00 + 5.98
        "Revenue_Excl_VAT": D("26.92"),
        # 2.47 + 1.50 + 4.03 - 4.03 + 2.00 + 2.20 + 5.00 + 3.29
        "Energy_Compensation": D("16.46"),
        # 0.62 + 0.38 + 1.01 - 1.01 + 0.50 + 0.60 + 0.00 + 0.81
        "CPO_Share": D("2.91"),
        # 2.35 + 1.62 + 3.51 - 3.51 + 1.00 + 0.70 + 0.00 + 1.88
        "Customer_Share": D("7.55"),
    }


def test_excel_eu_amounts_have_a_decimal_comma(dataset_data: ExportData) -> None:
    row = rows_of(dataset_data, "excel-eu")["C03"]
    assert cells(row, "Volume", "Energy_Compensation_Rate", "CPO_Percentage", *SPLIT) == (
        "18,2500", "0,1800", "30,0000", "5,98", "3,29", "0,81", "1,88")
    assert csvfmt.dialect("excel-eu").delimiter == ";"
