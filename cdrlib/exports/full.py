"""The Full download: a ZIP with ``cdrs_full.csv`` (the roamed CDRs of every EMP) and
``not_roamed_full.csv``, in the 20 eViolin columns and 33 more (spec/exports.md section 2).

The tariff prices at the session start (columns 27-30) are looked up per (tariff, local day, time of
day segment), not per CDR: `cdrlib.pricing.tariff.start_prices` cuts each day at the bounds of the
tariff's time restrictions, and a polars as-of join gives each CDR its segment.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from cdrlib import model
from cdrlib.errors import UnpriceableError
from cdrlib.exports import archive, csvfmt, normal
from cdrlib.exports import data as export_data
from cdrlib.exports.csvfmt import Dialect
from cdrlib.exports.data import ExportData
from cdrlib.pricing import tariff as tariffs

ROAMED = "cdrs_full.csv"
NOT_ROAMED = "not_roamed_full.csv"

EXTRA_COLUMNS = (
    "Time_Zone", "Local_Start_datetime", "Local_End_datetime", "Location_ID", "Location_OU_Code",
    "Tariff_ID", "Start_Tariff", "kWh_Tariff", "Time_Tariff", "Parking_Tariff", "Charging_Time",
    "Parking_Time", "Energy_Cost", "Time_Cost", "Parking_Cost", "Fixed_Cost", "Calculated_Cost_Incl_VAT",
    "Currency", "OU_Code", "Location_Name", "Latitude", "Longitude", "EVSE_UID", "Connector_ID",
    "Connector_Power_Type", "Meter_Start", "Meter_Stop", "Session_ID", "Auth_Method", "Token_Type",
    "Created_datetime", "Credit", "Credit_Reference_ID",
)  # fmt: skip
COLUMNS = normal.COLUMNS + EXTRA_COLUMNS

_PRICE_COLUMNS = ("start_price_e4", "kwh_price_e4", "time_price_e4", "parking_price_e4")
# Cost columns 33-36: the sender's breakdown, else the engine's (``calc_``).
_COSTS = (("energy", "Energy_Cost"), ("time", "Time_Cost"), ("parking", "Parking_Cost"), ("fixed", "Fixed_Cost"))
_NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"


def _start_columns(data: ExportData) -> pl.DataFrame:
    """What the Full columns need besides the CDR's own: the applicable tariff's id and type, and its
    prices at the start (``_e4`` integers, null where unknown); one row per CDR in the same order, worked
    out on a narrow frame and put beside each chunk of CDRs by `build`."""
    known = data.tariffs.select("tariff_pk", pl.col("tariff_id").alias("start_tariff_id"),
                                pl.col("type").alias("tariff_type"))
    local = csvfmt.local_naive("start_us", "time_zone", csvfmt.zones(data.cdrs))
    narrow = data.cdrs.select(
        "tariff_pk",
        _day=local.dt.date(),
        _clock=(local.dt.hour().cast(pl.Int32) * 3600 + local.dt.minute().cast(pl.Int32) * 60
                + local.dt.second().cast(pl.Int32)),
    ).with_row_index("_row")
    prices = _price_table(narrow, data.tariffs)
    return (
        narrow.sort("_clock")
        .join_asof(prices, left_on="_clock", right_on="_from", by=["tariff_pk", "_day"], check_sortedness=False)
        .sort("_row")
        .join(known, on="tariff_pk", how="left", maintain_order="left")
        .select("start_tariff_id", "tariff_type", *_PRICE_COLUMNS)
    )


def full_columns(data: ExportData, d: Dialect) -> list[pl.Expr]:
    """The 53 columns of the Full download as cell expressions (see `csvfmt.to_csv`) over the CDRs with
    `_start_columns` beside them; the coordinates keep their text, with the dialect's decimal mark."""
    zones = csvfmt.zones(data.cdrs)
    text = csvfmt.safe_text
    sender = pl.any_horizontal(pl.col(f"total_{name}_cost_excl_e4").is_not_null() for name, _ in _COSTS)
    costs = [
        csvfmt.fixed(
            pl.when(sender).then(pl.col(f"total_{name}_cost_excl_e4")).otherwise(pl.col(f"calc_total_{name}_cost_excl_e4")),
            4,
        ).alias(label)
        for name, label in _COSTS
    ]
    parking = pl.col("total_parking_time_e4")
    return [
        *normal.eviolin_columns(data),
        text("time_zone").alias("Time_Zone"),
        csvfmt.local_text("start_us", "time_zone", zones).alias("Local_Start_datetime"),
        csvfmt.local_text("end_us", "time_zone", zones).alias("Local_End_datetime"),
        text("location_id").alias("Location_ID"),
        text("location_ou_code").alias("Location_OU_Code"),
        text("start_tariff_id").alias("Tariff_ID"),
        csvfmt.fixed("start_price_e4", 4).alias("Start_Tariff"),
        csvfmt.fixed("kwh_price_e4", 4).alias("kWh_Tariff"),
        csvfmt.fixed("time_price_e4", 4).alias("Time_Tariff"),
        csvfmt.fixed("parking_price_e4", 4).alias("Parking_Tariff"),
        csvfmt.fixed(pl.col("total_time_e4") - parking.fill_null(0), 4).alias("Charging_Time"),
        csvfmt.fixed(parking, 4).alias("Parking_Time"),
        *costs,
        csvfmt.fixed("total_cost_incl_e4", 4).alias("Calculated_Cost_Incl_VAT"),
        text("currency").alias("Currency"),
        text("ou_code").alias("OU_Code"),
        text("location_name").alias("Location_Name"),
        _coordinate("location_latitude", d).alias("Latitude"),
        _coordinate("location_longitude", d).alias("Longitude"),
        text("evse_uid").alias("EVSE_UID"),
        text("connector_id").alias("Connector_ID"),
        text("connector_power_type").alias("Connector_Power_Type"),
        pl.col("meter_start").alias("Meter_Start"),
        pl.col("meter_stop").alias("Meter_Stop"),
        text("session_id").alias("Session_ID"),
        text("auth_method").alias("Auth_Method"),
        text("token_type").alias("Token_Type"),
        csvfmt.utc_text("created_us").alias("Created_datetime"),
        pl.when(pl.col("credit")).then(pl.lit("Y")).otherwise(pl.lit("N")).alias("Credit"),
        text("credit_reference_id").alias("Credit_Reference_ID"),
    ]


# The preview's sums (`cdrlib.exports.data.summary`): file column -> raw column.
SUMS = {**normal.SUMS, "Calculated_Cost_Incl_VAT": "total_cost_incl_e4"}


CHUNK_ROWS = 25_000  # CDRs formatted and deflated at a time: bounds memory, overlaps the two


# The ZIP's two files, in order, and which CDRs each holds.
_FILES = ((ROAMED, pl.col("roamed")), (NOT_ROAMED, ~pl.col("roamed")))


def build(data: ExportData, d: Dialect) -> bytes:
    """The ZIP file: the CDRs are formatted a chunk at a time while earlier chunks are deflated on
    other threads (`archive.ZipBuilder`), so that a million CDRs never exist as one CSV text."""
    added = _start_columns(data)  # beside each chunk: adding it to the whole frame would copy it
    columns = full_columns(data, d)
    with archive.ZipBuilder() as z:
        for index, offset in enumerate(range(0, max(data.cdrs.height, 1), CHUNK_ROWS)):
            chunk = data.cdrs.slice(offset, CHUNK_ROWS).hstack(added.slice(offset, CHUNK_ROWS))
            cells = chunk.select(pl.col("roamed"), *columns)
            for name, keep in _FILES:
                z.write(name, csvfmt.to_csv(cells.filter(keep).drop("roamed"), d, header=index == 0))
        return z.close()


def summary(data: ExportData) -> pl.DataFrame:
    """Per file and currency: the CDRs and the sums of the volume and the costs."""
    narrow = data.cdrs.select("roamed", "currency", *SUMS.values())
    return pl.concat([export_data.summary(narrow.filter(keep), name, SUMS) for name, keep in _FILES])


def _coordinate(column: str, d: Dialect) -> pl.Expr:
    """A latitude or longitude as sent (OCPI: 5 to 7 decimals), a number in the dialect's decimal mark
    (its minus sign is not a formula); anything else as guarded text."""
    value = pl.col(column).cast(pl.String)
    number = value.str.replace(".", d.decimal_mark, literal=True) if d.decimal_mark != "." else value
    return pl.when(value.str.contains(_NUMBER)).then(number).otherwise(csvfmt.safe_text(value))


def _price_table(frame: pl.DataFrame, versions: pl.DataFrame) -> pl.DataFrame:
    """Per (tariff version, local day) present in ``frame``: the start prices by time of day
    (``_from`` seconds), for the as-of join."""
    wanted = frame.select("tariff_pk", "_day").drop_nulls().unique()
    details = versions.select("tariff_id", "currency", "document").rows()
    documents = dict(zip(versions["tariff_pk"], details, strict=True))
    out: list[tuple[int, dt.date, int, int | None, int | None, int | None, int | None]] = []
    compiled: dict[int, tariffs.CompiledTariff | None] = {}
    for pk, day in wanted.sort("tariff_pk", "_day").iter_rows():
        if pk not in compiled:
            compiled[pk] = _compile(*documents[pk])
        tariff = compiled[pk]
        if tariff is None:
            continue
        out.extend((pk, day, second, *map(_e4, prices)) for second, prices in tariffs.start_prices(tariff, day))
    schema = {"tariff_pk": pl.Int64(), "_day": pl.Date(), "_from": pl.Int32(),
              **dict.fromkeys(_PRICE_COLUMNS, pl.Int64())}
    return pl.DataFrame(out, schema=schema, orient="row").sort("_from")


def _compile(tariff_id: str, currency: str, document: str) -> tariffs.CompiledTariff | None:
    """The compiled tariff, None when the engine cannot read it (its prices are then left empty)."""
    stub = model.Tariff("", "", tariff_id, currency, dt.datetime(1970, 1, 1, tzinfo=dt.UTC), document)
    try:
        return tariffs.compile_tariff(stub)
    except UnpriceableError:
        return None


def _e4(price: Decimal | None) -> int | None:
    return None if price is None else int(price.scaleb(4))
