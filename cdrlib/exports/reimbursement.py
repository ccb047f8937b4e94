"""The Reimbursement CDRs export: ``cdrs-reimbursement_<from>_<to>.csv``, one row per reimbursement CDR
(spec/exports.md section 3; domain.md, Reimbursement).

A CDR is a reimbursement CDR when its location has a reimbursement configuration and its token matches
it (`cdrlib.reimbursement.matches`: one card by contract id, or every card of an OU and the OUs under
it). The tariff and the payee are those valid on the local date of the session start. A credit CDR is
reimbursed with its energy negated, so that it reverses its original to the cent. A CDR before the
configuration's first tariff or payee is still listed, with those cells empty.
"""

from __future__ import annotations

import polars as pl

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

STEM = "cdrs-reimbursement"  # the file is ``<stem>_<from>_<to>.csv``


def file_name(data: ExportData) -> str:
    return data.file_name(STEM, "csv")


def rows(data: ExportData) -> pl.DataFrame:
    """`_rows`, once per period read."""
    return data.memo(__name__, lambda: _rows(data))


def _rows(data: ExportData) -> pl.DataFrame:
    """The reimbursement CDRs of the period (the CDR's columns and `reimbursement.REIMBURSED_COLUMNS`),
    in the period's order."""
    zones = csvfmt.zones(data.cdrs)
    source = data.cdrs.select(
        "pk", "country_code", "party_id", "location_id", "token_contract_id",
        csvfmt.local_naive("start_us", "time_zone", zones).dt.date().alias("day"),
        "total_energy_e4", "credit",
    )
    master = data.master
    added = calc.reimburse_frame(source, master.reimbursements, master.card_ous, master.ou_subtree)
    return export_data.beside(data, added)


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
