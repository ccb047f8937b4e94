"""The Full download: a ZIP with ``cdrs_full.csv`` (the roamed CDRs of every EMP) and
``not_roamed_full.csv``, in the 20 eViolin columns and 33 more (spec/exports.md section 2).

The tariff prices at the session start (columns 27-30) are looked up per (tariff, local day, time of
day segment), not per CDR: `cdrlib.pricing.tariff.start_prices` cuts each day at the bounds of the
tariff's time restrictions, and a binary search gives each CDR its segment.

The file is written by polars' CSV writer from 29 columns instead of 53: runs of cells that repeat per
location, EVSE, token issuer or tariff (`_BLOCKS`) are rendered once per distinct value and written as
one pre-rendered text; instants are written from tables of days and times of day (`csvfmt.InstantText`).
The text is the one the 53 cells of `full_columns` give.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
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


def _start_prices(data: ExportData, start_offsets: pl.Series) -> tuple[pl.Series, pl.DataFrame]:
    """The prices of the applicable tariff at each CDR's start (``_price``: a row of the returned table
    of distinct `_PRICE_COLUMNS`, null where unknown), from the local day and time of day of the start
    (``start_offsets``: `csvfmt.utc_offsets`).

    Each (tariff, local day) present gets its prices by time of day (`_price_table`); a CDR finds its
    segment by a binary search over one sorted integer key (tariff, day, second), no sort of the CDRs."""
    local = pl.col("start_us") // 1_000_000 + pl.col("_offset")
    narrow = data.cdrs.select("tariff_pk", "start_us").with_columns(start_offsets.alias("_offset")).select(
        "tariff_pk", _day=(local // 86_400).cast(pl.Int32), _clock=(local % 86_400).cast(pl.Int32)
    )
    prices = _price_table(narrow.with_columns(pl.col("_day").cast(pl.Date)), data.tariffs)
    none = pl.Series("_price", [None] * data.cdrs.height, dtype=pl.UInt32)
    distinct = prices.select(_PRICE_COLUMNS).unique(maintain_order=True)
    if prices.is_empty():
        return none, distinct
    pks = prices["tariff_pk"].unique().sort()
    first_day = min(int(narrow["_day"].min()), int(prices["_day"].cast(pl.Int32).min()))  # type: ignore[arg-type]
    span = max(int(narrow["_day"].max()), int(prices["_day"].cast(pl.Int32).max())) - first_day + 1  # type: ignore[arg-type]

    def key(day: pl.Expr, second: pl.Expr) -> pl.Expr:
        tariff = pl.col("tariff_pk").replace_strict(pks, pl.int_range(len(pks), eager=True), default=None,
                                                    return_dtype=pl.Int64)
        return (tariff * span + (day.cast(pl.Int64) - first_day)) * 86_400 + second.cast(pl.Int64)

    table = (
        prices.join(distinct.with_row_index("_price"), on=list(_PRICE_COLUMNS), how="left", nulls_equal=True)
        .select(key(pl.col("_day").cast(pl.Int32), pl.col("_from")).alias("_key"), "_price")
        .sort("_key")
    )
    wanted = narrow.select(key(pl.col("_day"), pl.col("_clock")).alias("_key"))["_key"]
    at = table["_key"].search_sorted(wanted, side="right").cast(pl.Int64) - 1
    found = pl.DataFrame({"_key": wanted, "_at": at}).select(
        pl.when((pl.col("_at") >= 0) & (pl.lit(table["_key"]).gather(pl.col("_at").clip(0)) // 86_400
                                        == pl.col("_key") // 86_400))
        .then(pl.lit(table["_price"]).gather(pl.col("_at").clip(0)))
        .alias("_price")
    )["_price"]
    return found, distinct


def full_columns(data: ExportData, d: Dialect) -> list[pl.Expr]:
    """The 53 columns of the Full download as cell expressions (see `csvfmt.to_csv`) over the CDRs with
    the applicable tariff's ``start_tariff_id``, ``tariff_type`` and start prices (`_PRICE_COLUMNS`)
    beside them; the coordinates keep their text, with the dialect's decimal mark. `build` writes the
    same text faster."""
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
FORMAT_THREADS = 2  # chunks formatted at once (polars releases the GIL while it formats and writes)


# The ZIP's two files, in order, and which CDRs each holds.
_FILES = ((ROAMED, pl.col("roamed")), (NOT_ROAMED, ~pl.col("roamed")))

# Runs of columns whose cells depend only on a few low-cardinality columns (a location's, an EVSE's,
# a token issuer's, the tariff's), with those columns: each run is rendered once per distinct value of
# them, as the text of its fields (`csvfmt.fields`), and written as one column. A million CDRs then cost
# 29 cells each instead of 53; the text is the same. (A cell reading a column not listed fails loudly.)
_BLOCKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Charge_Point_Address", "Tariff_Type", ("location_address", "location_postal_code", "location_city",
                                             "location_country", "connector_power_type", "connector_standard",
                                             "tariff_pk")),
    ("Meter_ID", "Infra_Provider_ID", ("meter_id", "evse_id", "emp_id", "country_code", "party_id")),
    ("Time_Zone", "Time_Zone", ("time_zone",)),
    ("Location_ID", "Parking_Tariff", ("location_id", "location_ou_code", "tariff_pk", "_price")),
    ("Currency", "Connector_Power_Type", ("currency", "ou_code", "location_name", "location_latitude",
                                          "location_longitude", "evse_uid", "connector_id", "connector_power_type")),
    ("Auth_Method", "Token_Type", ("auth_method", "token_type")),
)
# Per-CDR text cells that can hold any text: quoted here, as the writer would.
_FREE_TEXT = {"CDR_ID": "cdr_id", "Authentication_ID": "token_uid", "Contract_ID": "token_contract_id",
              "Session_ID": "session_id", "Credit_Reference_ID": "credit_reference_id"}


def build(data: ExportData, d: Dialect) -> bytes:
    """The ZIP file: the CDRs are formatted a chunk at a time, two chunks at once, while earlier chunks
    are deflated on other threads (`archive.ZipBuilder`), so that a million CDRs never exist as one CSV
    text and both cores stay busy."""
    zones = csvfmt.zones(data.cdrs)
    cells = {e.meta.output_name(): e for e in full_columns(data, d)}
    with ThreadPoolExecutor(2, thread_name_prefix="prepare") as pool:
        # The set-up work side by side (polars releases the GIL; the start prices are partly Python),
        # each task waiting only for tasks given to the pool before it.
        start_offsets, end_offsets = (
            pool.submit(csvfmt.utc_offsets, data.cdrs, column, "time_zone", zones) for column in ("start_us", "end_us")
        )
        start_prices = pool.submit(lambda: _start_prices(data, start_offsets.result()))
        instant_tables = pool.submit(
            lambda: csvfmt.InstantText.of(
                data.cdrs,
                [("start_us", start_offsets.result()), ("end_us", end_offsets.result()), ("start_us", None),
                 ("end_us", None), ("created_us", None)],
                "time_zone", zones,
            )
        )

        def block(i: int) -> tuple[pl.Series, pl.Series]:
            first, last, keys = _BLOCKS[i]
            price, prices = start_prices.result() if "_price" in keys else (None, pl.DataFrame())
            beside = pl.DataFrame([] if price is None else [price])
            return _block(data, beside, prices, keys, [cells[c] for c in _run(first, last)], d)

        # The block that needs the start prices last: the others are made while those are worked out.
        order = sorted(range(len(_BLOCKS)), key=lambda i: "_price" in _BLOCKS[i][2])
        pending = {i: pool.submit(block, i) for i in order}
        blocks = [pending[i].result() for i in range(len(_BLOCKS))]
        price, _ = start_prices.result()
        instants = instant_tables.result()
    # Beside each chunk: adding these to the whole frame would copy it.
    added = pl.DataFrame([
        price, start_offsets.result().alias("_start_offset"), end_offsets.result().alias("_end_offset"),
        *(at.alias(f"_block{i}") for i, (at, _) in enumerate(blocks)),
    ])
    texts = [text for _, text in blocks]
    in_block = {c for first, last, _ in _BLOCKS for c in _run(first, last)}
    by_first = {first: i for i, (first, _, _) in enumerate(_BLOCKS)}
    row_cells = {
        **{c: e for c, e in cells.items() if c not in in_block},
        **{c: pl.lit(texts[i]).gather(pl.col(f"_block{i}")) for c, i in by_first.items()},
        "Start_datetime": instants.text("start_us"),
        "End_datetime": instants.text("end_us"),
        "Local_Start_datetime": instants.text("start_us", "_start_offset"),
        "Local_End_datetime": instants.text("end_us", "_end_offset"),
        "Created_datetime": instants.text("created_us"),
    }
    written = [c for c in COLUMNS if c in by_first or c not in in_block]

    def chunk_files(offset: int) -> list[bytes]:
        chunk = data.cdrs.slice(offset, CHUNK_ROWS).hstack(added.slice(offset, CHUNK_ROWS))
        # Free text as it is where no text of the chunk needs the guard or quotes (nearly always).
        plain = chunk.select(csvfmt.plain(column, d).alias(c) for c, column in _FREE_TEXT.items()).row(0)
        free = {c: pl.col(column) if ok else csvfmt.quoted(cells[c], d)
                for (c, column), ok in zip(_FREE_TEXT.items(), plain, strict=True)}
        rows = chunk.select(pl.col("roamed"), *(free.get(c, row_cells[c]).alias(c) for c in written))
        return [csvfmt.write_fields(rows.filter(keep).drop("roamed"), d) for _, keep in _FILES]

    header = csvfmt.to_csv(pl.DataFrame(schema=dict.fromkeys(COLUMNS, pl.String)), d)
    with archive.ZipBuilder() as z, ThreadPoolExecutor(FORMAT_THREADS, thread_name_prefix="format") as pool:
        formatting: deque[Future[list[bytes]]] = deque()
        done = 0

        def write_next() -> None:
            nonlocal done
            for (name, _), body in zip(_FILES, formatting.popleft().result(), strict=True):
                z.write(name, body if done else header + body)
            done += 1

        for offset in range(0, max(data.cdrs.height, 1), CHUNK_ROWS):
            formatting.append(pool.submit(chunk_files, offset))
            if len(formatting) > FORMAT_THREADS:
                write_next()
        while formatting:
            write_next()
        return z.close()


def _run(first: str, last: str) -> tuple[str, ...]:
    """The columns ``first`` .. ``last`` of the file."""
    return COLUMNS[COLUMNS.index(first) : COLUMNS.index(last) + 1]


def _block(data: ExportData, added: pl.DataFrame, prices: pl.DataFrame, keys: tuple[str, ...],
           cells: list[pl.Expr], d: Dialect) -> tuple[pl.Series, pl.Series]:
    """Per CDR, the entry (UInt32) of its value of ``keys`` in the returned texts: per distinct value,
    the fields of a run of ``cells`` as one text.

    The value is one integer per CDR, built from the places of its key columns' values among their
    distinct values (`_places`, of a categorical's physical codes): no hash of several columns, and each
    chunk gathers its texts instead of joining on the key columns."""
    columns = [data.cdrs[k] if k in data.cdrs.columns else added[k] for k in keys]
    value = pl.Series("value", [0] * data.cdrs.height, dtype=pl.UInt64)
    size = 1
    for column in columns:
        code, count, _ = _places(column.to_physical() if column.dtype == pl.Categorical else column)
        if size * count >= 1 << 62:  # not seen: make the value so far dense again
            value, size, _ = _places(value)
        value, size = value * count + code, size * count
    place, _, first_rows = _places(value)
    at = (place - 1).cast(pl.UInt32)
    values = pl.DataFrame([c.gather(first_rows) for c in columns])
    if "tariff_pk" in keys:
        known = data.tariffs.select("tariff_pk", pl.col("tariff_id").alias("start_tariff_id"),
                                    pl.col("type").alias("tariff_type"))
        values = values.join(known, on="tariff_pk", how="left", maintain_order="left")
    if "_price" in keys:
        values = values.join(prices.with_row_index("_price"), on="_price", how="left", maintain_order="left")
    return at, csvfmt.fields(values.select(cells), d)


_TABLE_LIMIT = 1 << 22  # integers below this are numbered through a table, others by a binary search


def _places(column: pl.Series) -> tuple[pl.Series, int, pl.Series]:
    """Each value of an integer ``column`` as its place among its distinct values in order (1, 2, ...;
    null is 0) as UInt64, the number of places, and a row of each distinct value, in that order."""
    first_rows = column.arg_unique()  # a hash of the integers: several times cheaper than `unique`
    firsts = column.gather(first_rows)
    order = firsts.arg_sort(nulls_last=False)
    first_rows, distinct = first_rows.gather(order), firsts.gather(order)
    if distinct.null_count():
        first_rows, distinct = first_rows.slice(1), distinct.slice(1)
    if not len(distinct):
        return pl.Series([0] * len(column), dtype=pl.UInt64), 1, first_rows
    low, high = int(distinct[0]), int(distinct[-1])
    if low >= 0 and high < _TABLE_LIMIT:
        table = pl.Series([0], dtype=pl.UInt64).extend_constant(0, high).scatter(
            distinct, pl.int_range(1, len(distinct) + 1, eager=True, dtype=pl.UInt64))
        code = table.gather(column)
    else:
        code = distinct.search_sorted(column.fill_null(low)).cast(pl.UInt64) + 1
        if column.null_count():
            code = pl.select(pl.when(column.is_null()).then(None).otherwise(code)).to_series()
    return code.fill_null(0), len(distinct) + 1, first_rows


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
