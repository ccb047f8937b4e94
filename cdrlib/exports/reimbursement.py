"""The Reimbursement CDRs export: ``cdrs-reimbursement_<from>_<to>.csv``, one row per reimbursement CDR
(spec/exports.md section 3; domain.md, Reimbursement).

A CDR is a reimbursement CDR when its location has a reimbursement configuration and its token matches
it (`cdrlib.reimbursement.matches`: one card by contract id, or every card of an OU and the OUs under
it). The tariff and the payee are those valid on the local date of the session start. A credit CDR is
reimbursed with its energy negated, so that it reverses its original to the cent. A CDR before the
configuration's first tariff or payee is still listed, with those cells empty.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl

from cdrlib import model
from cdrlib import reimbursement as calc
from cdrlib.exports import csvfmt
from cdrlib.exports import data as export_data
from cdrlib.exports.csvfmt import Dialect
from cdrlib.exports.data import ExportData

COLUMNS = (
    "CDR_ID", "Session_ID", "Start_datetime", "End_datetime", "Time_Zone", "Local_Start_datetime",
    "Local_End_datetime", "Location_ID", "Location_Name", "Charge_Point_Address", "Charge_Point_ZIP",
    "Charge_Point_City", "Charge_Point_ID", "Connector_ID", "Authentication_ID", "Contract_ID", "OU_Code",
    "Payee_Name", "Bank_Account", "Bank_Account_Valid_From", "Meter_Start", "Meter_Stop", "Volume",
    "Reimbursement_Tariff_Excl_VAT", "Reimbursement_Tariff_Incl_VAT", "Reimbursement_Tariff_Valid_From",
    "Reimbursement_Excl_VAT", "Reimbursement_Incl_VAT", "Currency",
)  # fmt: skip
SUMS = {"Volume": "volume_e4", "Reimbursement_Excl_VAT": "excl_e4", "Reimbursement_Incl_VAT": "incl_e4"}

# What `rows` adds to the CDR's own columns.
_ADDED: dict[str, pl.DataType] = {
    "pk": pl.Int64(),
    "payee_name": pl.String(),
    "iban": pl.String(),
    "payee_from": pl.Date(),
    "volume_e4": pl.Int64(),
    "tariff_excl_e4": pl.Int64(),
    "tariff_incl_e4": pl.Int64(),
    "tariff_from": pl.Date(),
    "excl_e4": pl.Int64(),
    "incl_e4": pl.Int64(),
    "reimbursement_currency": pl.String(),
}


STEM = "cdrs-reimbursement"  # the file is ``<stem>_<from>_<to>.csv``


def file_name(data: ExportData) -> str:
    return data.file_name(STEM, "csv")


def rows(data: ExportData) -> pl.DataFrame:
    """`_rows`, once per period read."""
    return data.memo(__name__, lambda: _rows(data))


def _rows(data: ExportData) -> pl.DataFrame:
    """The reimbursement CDRs of the period (the CDR's columns and `_ADDED`), in the period's order."""
    configs = data.master.reimbursements
    if not configs or data.cdrs.is_empty():
        return export_data.beside(data, [], _ADDED)
    by_location: dict[tuple[str, str, str], list[model.ReimbursementConfig]] = {}
    for config in configs:
        key = (config.location_country_code, config.location_party_id, config.location_id)
        by_location.setdefault(tuple(k.casefold() for k in key), []).append(config)  # type: ignore[arg-type]
    keys = pl.DataFrame(
        [list(k) for k in by_location], schema=["_cc", "_party", "_loc"], orient="row"
    ).with_columns(_at=pl.lit(True))
    zones = csvfmt.zones(data.cdrs)
    candidates = (
        data.cdrs.with_columns(
            _cc=pl.col("country_code").cast(pl.String).str.to_lowercase(),
            _party=pl.col("party_id").cast(pl.String).str.to_lowercase(),
            _loc=pl.col("location_id").cast(pl.String).str.to_lowercase(),
            _day=csvfmt.local_naive("start_us", "time_zone", zones).dt.date(),
        )
        .join(keys, on=["_cc", "_party", "_loc"], how="left", maintain_order="left")
        .filter(pl.col("_at"))
    )
    found: list[tuple[Any, ...]] = []
    for r in candidates.select("pk", "_cc", "_party", "_loc", "token_contract_id", "_day", "total_energy_e4",
                               "credit").iter_rows():
        pk, cc, party, loc, contract_id, day, energy_e4, credit = r
        card_ou = data.master.card_ous.get((contract_id or "").upper())
        for config in by_location[(cc, party, loc)]:
            if calc.matches(config, location_key=(cc, party, loc), contract_id=contract_id or "",
                            card_ou=card_ou, ou_subtree=data.master.ou_subtree):
                found.append((pk, *_reimbursed(config, day, energy_e4, credit)))
                break
    return export_data.beside(data, found, _ADDED)


def _reimbursed(config: model.ReimbursementConfig, day: dt.date | None, energy_e4: int | None,
                credit: bool) -> tuple[Any, ...]:
    payee = calc.payee_at(config, day) if day is not None else None
    tariff = calc.tariff_at(config, day) if day is not None else None
    kwh = Decimal(energy_e4 or 0).scaleb(-4)
    if credit:
        kwh = -abs(kwh)
    excl = incl = None
    if tariff is not None:
        excl, incl = calc.reimburse(kwh, tariff)
    return (
        payee.name if payee else None,
        payee.iban if payee else None,
        payee.valid_from if payee else None,
        None if energy_e4 is None else model.to_e4(kwh),
        model.to_e4(tariff.excl_vat) if tariff else None,
        model.to_e4(tariff.incl_vat) if tariff else None,
        tariff.valid_from if tariff else None,
        model.to_e4(excl),
        model.to_e4(incl),
        tariff.currency if tariff else None,
    )


def table(frame: pl.DataFrame) -> pl.DataFrame:
    """The file's columns as cells (see `csvfmt.to_csv`)."""
    zones = csvfmt.zones(frame)
    text = csvfmt.safe_text
    return frame.select(
        text("cdr_id").alias("CDR_ID"),
        text("session_id").alias("Session_ID"),
        csvfmt.utc_text("start_us").alias("Start_datetime"),
        csvfmt.utc_text("end_us").alias("End_datetime"),
        text("time_zone").alias("Time_Zone"),
        csvfmt.local_text("start_us", "time_zone", zones).alias("Local_Start_datetime"),
        csvfmt.local_text("end_us", "time_zone", zones).alias("Local_End_datetime"),
        text("location_id").alias("Location_ID"),
        text("location_name").alias("Location_Name"),
        text("location_address").alias("Charge_Point_Address"),
        text("location_postal_code").alias("Charge_Point_ZIP"),
        text("location_city").alias("Charge_Point_City"),
        text("evse_id").alias("Charge_Point_ID"),
        text("connector_id").alias("Connector_ID"),
        text("token_uid").alias("Authentication_ID"),
        text("token_contract_id").alias("Contract_ID"),
        text("ou_code").alias("OU_Code"),
        text("payee_name").alias("Payee_Name"),
        text("iban").alias("Bank_Account"),
        pl.col("payee_from").alias("Bank_Account_Valid_From"),
        pl.col("meter_start").cast(pl.String).alias("Meter_Start"),
        pl.col("meter_stop").cast(pl.String).alias("Meter_Stop"),
        csvfmt.fixed("volume_e4", 4).alias("Volume"),
        csvfmt.fixed("tariff_excl_e4", 4).alias("Reimbursement_Tariff_Excl_VAT"),
        csvfmt.fixed("tariff_incl_e4", 4).alias("Reimbursement_Tariff_Incl_VAT"),
        pl.col("tariff_from").alias("Reimbursement_Tariff_Valid_From"),
        csvfmt.money("excl_e4").alias("Reimbursement_Excl_VAT"),
        csvfmt.money("incl_e4").alias("Reimbursement_Incl_VAT"),
        text("reimbursement_currency").alias("Currency"),
    )


def build(data: ExportData, d: Dialect) -> bytes:
    """The CSV file."""
    return csvfmt.to_csv(table(rows(data)), d)


def summary(data: ExportData) -> pl.DataFrame:
    """Per currency: the rows and the sums of the volume and the reimbursements."""
    frame = rows(data).with_columns(pl.col("reimbursement_currency").alias("currency"))
    return export_data.summary(frame, file_name(data), SUMS)
