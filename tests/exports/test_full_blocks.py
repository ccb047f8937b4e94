"""The Full download's fast writing (`full.build`: blocks of cells rendered once per distinct key,
instants from tables, text quoted only where needed) against the plain way, cell by cell; and how it
numbers the distinct values of a block's key columns (`full._places`)."""

from __future__ import annotations

import io
import zipfile

import polars as pl
import pytest

from cdrlib.exports import csvfmt, full
from cdrlib.exports.data import ExportData


@pytest.mark.parametrize("shift", [0, 1 << 40, -(1 << 40)])
def test_places_in_order_null_first_with_a_row_of_each(shift: int) -> None:
    values = [7, None, 3, 7, 12, 3, None, 0]
    column = pl.Series([None if v is None else v + shift for v in values], dtype=pl.Int64)
    place, count, rows = full._places(column)
    assert place.to_list() == [3, 0, 2, 3, 4, 2, 0, 1]
    assert count == 5
    assert [column[r] for r in rows.to_list()] == [0 + shift, 3 + shift, 7 + shift, 12 + shift]


def test_places_of_nothing_and_of_only_nulls() -> None:
    assert full._places(pl.Series([], dtype=pl.UInt32))[1] == 1
    place, count, rows = full._places(pl.Series([None, None], dtype=pl.UInt32))
    assert (place.to_list(), count, rows.to_list()) == ([0, 0], 1, [])


def _cell_by_cell(data: ExportData, d: csvfmt.Dialect) -> dict[str, bytes]:
    """The Full download's two files the plain way: the 53 cells of `full.full_columns` written by
    `csvfmt.to_csv`, with the applicable tariff's id, type and start prices beside each CDR."""
    zones = csvfmt.zones(data.cdrs)
    price, prices = full._start_prices(data, csvfmt.utc_offsets(data.cdrs, "start_us", "time_zone", zones))
    known = data.tariffs.select("tariff_pk", pl.col("tariff_id").alias("start_tariff_id"),
                                pl.col("type").alias("tariff_type"))
    beside = (
        pl.DataFrame([data.cdrs["tariff_pk"], price])
        .join(known, on="tariff_pk", how="left", maintain_order="left")
        .join(prices.with_row_index("_price"), on="_price", how="left", maintain_order="left")
        .drop("tariff_pk", "_price")
    )
    cells = data.cdrs.hstack(beside).select(pl.col("roamed"), *full.full_columns(data, d))
    return {name: csvfmt.to_csv(cells.filter(keep).drop("roamed"), d) for name, keep in full._FILES}


def _awkward(data: ExportData) -> ExportData:
    """The dataset's CDRs many times over, with the awkward values a real store may hold: unknown
    zones and tariffs, text that needs quotes or the formula guard, empty text, instants before 1970,
    negative and unknown amounts."""
    many = pl.concat([data.cdrs] * 40)
    i = pl.int_range(0, many.height)

    def cat(column: str, expr: pl.Expr) -> pl.Expr:
        return expr.otherwise(pl.col(column).cast(pl.String)).cast(pl.Categorical).alias(column)

    cdrs = many.with_columns(
        pk=i + 1,
        time_zone=cat("time_zone", pl.when(i % 7 == 0).then(None)),
        tariff_pk=pl.when(i % 11 == 0).then(None).otherwise(pl.col("tariff_pk")),
        cdr_id=pl.when(i % 13 == 0).then(pl.lit('=a,"b"')).when(i % 17 == 0).then(pl.lit("x\ny"))
        .otherwise(pl.col("cdr_id")),
        session_id=pl.when(i % 19 == 0).then(pl.lit("-5;3")).when(i % 23 == 0).then(pl.lit(""))
        .otherwise(pl.col("session_id")),
        token_uid=pl.when(i % 29 == 0).then(None).otherwise(pl.col("token_uid")),
        location_name=cat("location_name", pl.when(i % 31 == 0).then(pl.lit('@Loc, "HQ"'))),
        location_latitude=cat("location_latitude", pl.when(i % 37 == 0).then(pl.lit("52,1"))),
        meter_id=cat("meter_id", pl.when(i % 41 == 0).then(pl.lit("+31\r"))),
        start_us=pl.when(i % 43 == 0).then(pl.lit(-86_400_000_123)).otherwise(pl.col("start_us")),
        total_energy_e4=pl.when(i % 47 == 0).then(None).when(i % 53 == 0).then(-12345)
        .otherwise(pl.col("total_energy_e4")),
    )
    return ExportData(data.first, data.last, cdrs, data.tariffs, data.master)


@pytest.mark.parametrize("dialect", sorted(csvfmt.DIALECTS))
def test_build_writes_what_the_cells_say(dataset_data: ExportData, dialect: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(full, "CHUNK_ROWS", 97)  # many chunks, some without a roamed CDR
    data = _awkward(dataset_data)
    d = csvfmt.dialect(dialect)
    with zipfile.ZipFile(io.BytesIO(full.build(data, d))) as z:
        built = {name: z.read(name) for name in z.namelist()}
    assert built == _cell_by_cell(data, d)
    assert [text.count(d.line_end.encode()) > 50 for text in built.values()] == [True, True], built.keys()
