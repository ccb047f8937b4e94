"""The Tariff distribution CDRs export: ``cdrs-distribution_<from>_<to>.csv``, one row per CDR under a
distribution rule (spec/exports.md section 4; domain.md, Tariff distribution).

The rule is that of the CDR's **location OU** or its nearest ancestor with one (domain.md: a rule
"applies to every location under it unless a lower OU has its own"); a CDR without a location OU falls
back to its own (EVSE) OU. The version is the one valid on the local date of the session start. A CDR
whose currency is not the version's is not split (a rate per kWh in another currency would be wrong)
and is left out, like a CDR before the rule's first version.
"""

from __future__ import annotations

import polars as pl

from cdrlib import distribution as calc
from cdrlib.exports import csvfmt
from cdrlib.exports import data as export_data
from cdrlib.exports.csvfmt import Dialect
from cdrlib.exports.data import ExportData

COLUMNS = (
    "CDR_ID", "Start_datetime", "End_datetime", "Local_Start_datetime", "Location_ID", "Location_Name",
    "Location_OU_Code", "Customer_OU_Code", "Distribution_Rule", "Rule_Valid_From", "Volume",
    "Revenue_Excl_VAT", "Energy_Compensation_Rate", "Energy_Compensation", "Split_Method", "CPO_Fee_Rate",
    "CPO_Percentage", "Customer_Percentage", "CPO_Share", "Customer_Share", "Currency",
)  # fmt: skip
SUMS = {
    "Volume": "total_energy_e4",
    "Revenue_Excl_VAT": "revenue_e4",
    "Energy_Compensation": "compensation_e4",
    "CPO_Share": "cpo_e4",
    "Customer_Share": "customer_e4",
}

STEM = "cdrs-distribution"  # the file is ``<stem>_<from>_<to>.csv``


def file_name(data: ExportData) -> str:
    return data.file_name(STEM, "csv")


def rows(data: ExportData) -> pl.DataFrame:
    """`_rows`, once per period read."""
    return data.memo(__name__, lambda: _rows(data))


def _rows(data: ExportData) -> pl.DataFrame:
    """The CDRs of the period under a distribution rule (the CDR's columns and
    `distribution.SPLIT_COLUMNS`), in order."""
    zones = csvfmt.zones(data.cdrs)
    source = data.cdrs.select(
        "pk",
        pl.coalesce("location_ou_code", "ou_code").alias("ou"),
        csvfmt.local_naive("start_us", "time_zone", zones).dt.date().alias("day"),
        "currency", "total_energy_e4", "total_cost_excl_e4",
    )
    return export_data.beside(data, calc.split_frame(source, data.master.rules, data.master.ou_parents))


def table(frame: pl.DataFrame) -> pl.DataFrame:
    """The file's columns as cells (see `csvfmt.to_csv`)."""
    zones = csvfmt.zones(frame)
    text = csvfmt.safe_text
    return frame.select(
        text("cdr_id").alias("CDR_ID"),
        csvfmt.utc_text("start_us").alias("Start_datetime"),
        csvfmt.utc_text("end_us").alias("End_datetime"),
        csvfmt.local_text("start_us", "time_zone", zones).alias("Local_Start_datetime"),
        text("location_id").alias("Location_ID"),
        text("location_name").alias("Location_Name"),
        text("location_ou_code").alias("Location_OU_Code"),
        text("customer_ou").alias("Customer_OU_Code"),
        text("rule_name").alias("Distribution_Rule"),
        pl.col("rule_from").alias("Rule_Valid_From"),
        csvfmt.fixed("total_energy_e4", 4).alias("Volume"),
        csvfmt.money("revenue_e4").alias("Revenue_Excl_VAT"),
        csvfmt.fixed("compensation_rate_e4", 4).alias("Energy_Compensation_Rate"),
        csvfmt.money("compensation_e4").alias("Energy_Compensation"),
        pl.col("method").alias("Split_Method"),
        csvfmt.fixed("fee_rate_e4", 4).alias("CPO_Fee_Rate"),
        csvfmt.fixed("cpo_pct_e4", 4).alias("CPO_Percentage"),
        csvfmt.fixed("customer_pct_e4", 4).alias("Customer_Percentage"),
        csvfmt.money("cpo_e4").alias("CPO_Share"),
        csvfmt.money("customer_e4").alias("Customer_Share"),
        text("currency").alias("Currency"),
    )


def build(data: ExportData, d: Dialect) -> bytes:
    """The CSV file."""
    return csvfmt.to_csv(table(rows(data)), d)


def summary(data: ExportData) -> pl.DataFrame:
    """Per currency: the rows and the sums of the volume, the revenue and the three shares."""
    return export_data.summary(rows(data), file_name(data), SUMS)

