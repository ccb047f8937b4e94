"""The Normal export (eViolin): a ZIP with a CSV per EMP of its roamed CDRs, and ``not_roamed.csv``.

spec/exports.md section 1; the 20 eViolin columns in their order. The Full download (``full.py``)
starts from the same columns.
"""

from __future__ import annotations

import polars as pl

from cdrlib.exports import csvfmt
from cdrlib.exports import data as export_data
from cdrlib.exports.csvfmt import Dialect
from cdrlib.exports.data import ExportData

NOT_ROAMED = "not_roamed.csv"
UNKNOWN_EMP = "UNKNOWN"  # a roamed CDR without a token issuer (never made by the importer; kept visible)

COLUMNS = (
    "CDR_ID", "Start_datetime", "End_datetime", "Duration", "Volume", "Charge_Point_Address",
    "Charge_Point_ZIP", "Charge_Point_City", "Charge_Point_Country", "Charge_Point_Type", "Product_Type",
    "Tariff_Type", "Authentication_ID", "Contract_ID", "Meter_ID", "OBIS_Code", "Charge_Point_ID",
    "Service_Provider_ID", "Infra_Provider_ID", "Calculated_Cost",
)  # fmt: skip


def eviolin_columns(data: ExportData) -> list[pl.Expr]:
    """The 20 eViolin columns as cell expressions over `ExportData.cdrs` (joined with ``tariff_type``)."""
    text = csvfmt.safe_text
    return [
        text("cdr_id").alias("CDR_ID"),
        csvfmt.utc_text("start_us").alias("Start_datetime"),
        csvfmt.utc_text("end_us").alias("End_datetime"),
        csvfmt.duration_text("start_us", "end_us").alias("Duration"),
        csvfmt.fixed("total_energy_e4", 4).alias("Volume"),
        text("location_address").alias("Charge_Point_Address"),
        text("location_postal_code").alias("Charge_Point_ZIP"),
        text("location_city").alias("Charge_Point_City"),
        text("location_country").alias("Charge_Point_Country"),
        pl.when(pl.col("connector_power_type") == "DC").then(pl.lit("DC")).otherwise(pl.lit("AC"))
        .alias("Charge_Point_Type"),
        text("connector_standard").alias("Product_Type"),
        text("tariff_type").alias("Tariff_Type"),
        text("token_uid").alias("Authentication_ID"),
        text("token_contract_id").alias("Contract_ID"),
        text("meter_id").alias("Meter_ID"),
        pl.lit(None, dtype=pl.String).alias("OBIS_Code"),  # not known from OCPI
        text("evse_id").alias("Charge_Point_ID"),
        text("emp_id").alias("Service_Provider_ID"),
        text(pl.concat_str(pl.col("country_code", "party_id").cast(pl.String).str.to_uppercase()))
        .alias("Infra_Provider_ID"),
        csvfmt.fixed("total_cost_excl_e4", 4).alias("Calculated_Cost"),
    ]


def with_tariff_type(data: ExportData) -> pl.DataFrame:
    """`ExportData.cdrs` with ``tariff_type``: the OCPI type of the tariff applicable at the start
    (looked up on the one column and put beside the others, so that the wide frame is not copied)."""
    types = data.tariffs.select("tariff_pk", pl.col("type").alias("tariff_type"))
    found = data.cdrs.select("tariff_pk").join(types, on="tariff_pk", how="left", maintain_order="left")
    return data.cdrs.with_columns(export_data.chunked_like(found["tariff_type"], data.cdrs))


# The preview's sums (`cdrlib.exports.data.summary`): file column -> raw column.
SUMS = {"Volume": "total_energy_e4", "Calculated_Cost": "total_cost_excl_e4"}


def parts(data: ExportData, rows: pl.DataFrame | None = None) -> list[tuple[str, pl.DataFrame]]:
    """The ZIP's files by name with their CDRs (raw rows; ``rows``: some columns of them): ``<EMP>.csv``
    per EMP with roamed CDRs, in name order, then ``not_roamed.csv``."""
    rows = (with_tariff_type(data) if rows is None else rows).with_columns(
        _emp=pl.col("emp_id").fill_null(UNKNOWN_EMP)
    )
    roamed = rows.filter(pl.col("roamed"))
    names = csvfmt.file_names(roamed["_emp"].unique().to_list(), ".csv", taken=[NOT_ROAMED])
    out = [(names[emp], part) for (emp,), part in roamed.partition_by("_emp", as_dict=True).items()]
    out.sort(key=lambda item: item[0])
    out.append((NOT_ROAMED, rows.filter(~pl.col("roamed"))))
    return out


def files(data: ExportData, d: Dialect) -> dict[str, bytes]:
    """The ZIP's files by name (see `parts`)."""
    return {name: csvfmt.to_csv(part.select(eviolin_columns(data)), d) for name, part in parts(data)}


def summary(data: ExportData) -> pl.DataFrame:
    """Per file and currency: the CDRs and the sums of ``Volume`` and ``Calculated_Cost``."""
    narrow = data.cdrs.select("roamed", "emp_id", "currency", *SUMS.values())
    return pl.concat([export_data.summary(part, name, SUMS) for name, part in parts(data, narrow)])
