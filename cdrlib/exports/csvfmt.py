"""How every export writes its CSV (spec/exports.md, "CSV dialects"): the dialects, the cell formats as
polars expressions (so that a million rows are formatted column by column, not cell by cell), the
spreadsheet-safety rule and the file names inside a ZIP.

The formats take the store's raw columns: amounts, kWh and hours as integers of 1/10,000 (``_e4``),
instants as microseconds since the epoch (``_us``). Every cell is turned into text here; the CSV writer
then only quotes (RFC 4180: a field holding the delimiter, a quote or a line break) and joins.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from cdrlib.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Dialect:
    """One CSV dialect of spec/exports.md."""

    name: str
    delimiter: str
    decimal_mark: str
    bom: bool
    line_end: str
    purpose: str


DIALECTS: dict[str, Dialect] = {
    d.name: d
    for d in (
        Dialect("excel", ",", ".", True, "\r\n", "Excel in English locales, most systems"),
        Dialect("excel-eu", ";", ",", True, "\r\n", "Excel in Dutch/German/French locales"),
        Dialect("plain", ",", ".", False, "\n", "scripts and other systems"),
    )
}
DEFAULT_DIALECT = "excel"
BOM = "\ufeff".encode()


def dialect(name: str) -> Dialect:
    """The dialect called ``name``; a clear `ConfigError` naming the choices otherwise."""
    try:
        return DIALECTS[name]
    except KeyError:
        raise ConfigError(f"unknown CSV dialect {name!r}: choose one of {', '.join(DIALECTS)}") from None


# ------------------------------------------------------------------------------------------ numbers
def fixed(column: str | pl.Expr, places: int) -> pl.Expr:
    """An ``_e4`` integer as a number cell with ``places`` (0-4) decimals, rounded half away from zero (so
    a credit rounds exactly like the CDR it negates). The cell is an exact ``Decimal`` that `to_csv`
    writes in the dialect's decimal mark, never with thousands separators or an exponent; a value that
    rounds to zero has no minus sign ("-0.00" reads as an error in a ledger)."""
    if not 0 <= places <= 4:
        raise ValueError(f"places must be 0..4, not {places}")
    value = pl.col(column) if isinstance(column, str) else column
    unit = 10 ** (4 - places)
    if unit > 1:
        magnitude = (value.abs() + unit // 2) // unit
        value = pl.when(value < 0).then(-magnitude).otherwise(magnitude)
    # Times 10^-places (exact, the scale of the result): a multiplication, several times faster than
    # the division by 10^places that gives the same value.
    return value.cast(pl.Decimal(38, 0)) * pl.lit(Decimal(1).scaleb(-places), dtype=pl.Decimal(38, places))


def money(column: str | pl.Expr) -> pl.Expr:
    """An amount to the cent (2 decimals, half away from zero)."""
    return fixed(column, 2)


# ------------------------------------------------------------------------------------------ instants
_UTC_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"
_LOCAL_FORMAT = "%Y-%m-%dT%H:%M:%S%:z"


def utc_text(column: str) -> pl.Expr:
    """Microseconds since the epoch as an instant cell that `to_csv` writes ``YYYY-MM-DDTHH:MM:SS+00:00``
    (UTC; fractions of a second dropped)."""
    return pl.from_epoch(pl.col(column), time_unit="us")


def local_text(column: str, zone_column: str, zones: Iterable[str]) -> pl.Expr:
    """Microseconds since the epoch in each row's own IANA zone, with its offset
    (``2025-10-26T02:30:00+01:00``): one conversion per zone present (``zones``), not per row."""
    instant = pl.from_epoch(pl.col(column), time_unit="us").dt.replace_time_zone("UTC")
    expr: pl.Expr | None = None
    for zone in sorted(set(zones)):
        text = instant.dt.convert_time_zone(zone).dt.strftime(_LOCAL_FORMAT)
        expr = (pl.when(pl.col(zone_column) == zone) if expr is None else expr.when(pl.col(zone_column) == zone)).then(
            text
        )
    if expr is None:
        return pl.lit(None, dtype=pl.String)
    return expr.otherwise(None)


def zones(frame: pl.DataFrame, column: str = "time_zone") -> list[str]:
    """The IANA zones present in ``frame``: what `local_text` and `local_naive` convert to."""
    return frame[column].drop_nulls().unique().cast(pl.String).to_list()


def local_naive(column: str, zone_column: str, zones: Iterable[str]) -> pl.Expr:
    """Epoch microseconds as the local wall-clock time (naive) in each row's zone."""
    instant = pl.from_epoch(pl.col(column), time_unit="us").dt.replace_time_zone("UTC")
    expr: pl.Expr = pl.lit(None, dtype=pl.Datetime("us"))
    for zone in sorted(set(zones)):
        local = instant.dt.convert_time_zone(zone).dt.replace_time_zone(None)
        expr = pl.when(pl.col(zone_column) == zone).then(local).otherwise(expr)
    return expr


def duration_text(start: str, end: str) -> pl.Expr:
    """``end - start`` as ``H:MM:SS``, hours not wrapped at 24 (``27:03:09``)."""
    seconds = (pl.col(end) - pl.col(start)) // 1_000_000
    # The minutes and seconds from a table of the 3,600 ``MM:SS`` texts: a gather, not two number
    # formats and two paddings per row.
    return pl.concat_str((seconds // 3600).cast(pl.String), pl.lit(":"), pl.lit(_MM_SS).gather(seconds % 3600))


_MM_SS = pl.Series([f"{m:02d}:{s:02d}" for m in range(60) for s in range(60)])
_HH_MM_SS = pl.Series([f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)])
_DAY_US = 86_400_000_000


def utc_offsets(frame: pl.DataFrame, column: str, zone_column: str, zones: Iterable[str]) -> pl.Series:
    """Per row, the offset in seconds of its zone (``zone_column``) from UTC at the instant ``column``
    (epoch microseconds); null where the zone is unknown or not in ``zones``. With `InstantText`, the
    instants are written as `local_text` writes them."""
    naive = pl.from_epoch(pl.col(column), time_unit="us")
    return frame.select(
        ((local_naive(column, zone_column, zones) - naive).dt.total_seconds()).cast(pl.Int32).alias(column)
    ).to_series()


@dataclass(frozen=True)
class InstantText:
    """Writes instants as `utc_text` and `local_text` do, from tables instead of a date format per cell:
    the date from a table of the days present, the time of day from a table of the 86,400 ``HH:MM:SS``,
    a local time's offset from a table of the offsets present (`utc_offsets`; each worked out by
    `local_text`'s format on an instant that has it)."""

    first_day: int  # days since the epoch of the first entry of ``days``
    days: pl.Series
    first_offset: int  # seconds of the first entry of ``offsets``
    offsets: pl.Series

    @classmethod
    def of(cls, frame: pl.DataFrame, instants: Iterable[tuple[str, pl.Series | None]], zone_column: str,
           zones: Iterable[str]) -> InstantText:
        """The tables for the instants (epoch microseconds) of ``frame``: per (column, its offsets from
        `utc_offsets`, or None for UTC) of ``instants``."""
        zones = sorted(set(zones))
        local_days: list[pl.Series] = []
        examples: list[pl.DataFrame] = []
        for column, offsets in instants:
            offset = pl.lit(0, dtype=pl.Int32) if offsets is None else offsets.alias("_offset")
            with_offset = frame.select(column, zone_column).with_columns(offset.alias("_offset"))
            local_days.append(
                with_offset.select(((pl.col(column) // 1_000_000 + pl.col("_offset")) // 86_400).alias("d"))["d"]
            )
            if offsets is not None:
                examples.append(
                    with_offset.drop_nulls("_offset").unique("_offset", keep="any").rename({column: "_at"})
                )
        days = pl.concat(local_days).drop_nulls()
        first_day, last_day = (int(days.min()), int(days.max())) if len(days) else (0, 0)  # type: ignore[arg-type]
        day_texts = pl.int_range(first_day, last_day + 1, eager=True).cast(pl.Date).dt.strftime("%Y-%m-%d")
        found = pl.concat(examples).unique("_offset", keep="any") if examples else pl.DataFrame(
            schema={"_at": pl.Int64, zone_column: pl.String, "_offset": pl.Int32}
        )
        instant = pl.from_epoch(pl.col("_at"), time_unit="us").dt.replace_time_zone("UTC")
        offset_text: pl.Expr = pl.lit(None, dtype=pl.String)
        for zone in zones:
            offset_text = (
                pl.when(pl.col(zone_column) == zone)
                .then(instant.dt.convert_time_zone(zone).dt.strftime("%:z"))
                .otherwise(offset_text)
            )
        found = found.select("_offset", offset_text.alias("text"))
        first_offset = int(found["_offset"].min()) if found.height else 0  # type: ignore[arg-type]
        last_offset = int(found["_offset"].max()) if found.height else 0  # type: ignore[arg-type]
        by_offset = dict(zip(found["_offset"].to_list(), found["text"].to_list(), strict=True))
        offset_texts = pl.Series([by_offset.get(o) for o in range(first_offset, last_offset + 1)], dtype=pl.String)
        return cls(first_day, day_texts, first_offset, offset_texts)

    def text(self, column: str, offset: str | None = None) -> pl.Expr:
        """The instant ``column`` in UTC (``offset`` None: ``2025-10-26T01:30:00+00:00``) or with the
        offset in seconds in column ``offset`` (``2025-10-26T02:30:00+01:00``)."""
        seconds = pl.col(column) // 1_000_000
        local = seconds if offset is None else seconds + pl.col(offset)
        return pl.concat_str(
            pl.lit(self.days).gather(local // 86_400 - self.first_day),
            pl.lit("T"),
            pl.lit(_HH_MM_SS).gather(local % 86_400),
            pl.lit("+00:00") if offset is None else pl.lit(self.offsets).gather(pl.col(offset) - self.first_offset),
        )


# ------------------------------------------------------------------------------------------ text
_FORMULA_START = r"^[=+\-@\t\r]"


def safe_text(column: str | pl.Expr) -> pl.Expr:
    """Spreadsheet safety: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return
    would run as a formula in Excel; it is written with a leading ``'``. Numbers never pass here."""
    value = (pl.col(column) if isinstance(column, str) else column).cast(pl.String)  # also a categorical
    return pl.when(value.str.contains(_FORMULA_START)).then(pl.concat_str(pl.lit("'"), value)).otherwise(value)


# ------------------------------------------------------------------------------------------ writing
def to_csv(frame: pl.DataFrame, d: Dialect, *, header: bool = True, bom: bool | None = None) -> bytes:
    """The CSV file of ``frame``: text cells, number cells (`fixed`: ``Decimal``), instant cells (`utc_text`:
    UTC ``Datetime``) and dates; null is an empty cell. Header and BOM (as the dialect says) first,
    unless ``header`` is False (a later chunk of the same file); ``bom`` overrides the dialect's."""
    # An empty text is an empty cell, like an unknown value (polars would write "" for it).
    text = pl.col(pl.String)
    frame = frame.with_columns(pl.when(text.str.len_bytes() == 0).then(None).otherwise(text).name.keep())
    # To a str, not to a Python file: polars then writes in one piece, a third faster.
    body = frame.write_csv(
        None,
        separator=d.delimiter,
        line_terminator=d.line_end,
        quote_style="necessary",
        null_value="",
        include_header=header,
        decimal_comma=d.decimal_mark == ",",
        datetime_format=_UTC_FORMAT,
        date_format="%Y-%m-%d",
    ).encode()
    return BOM + body if (d.bom if bom is None else bom) and header else body


# ------------------------------------------------------------------------------------------ fields
# What the CSV writer does to a cell, done once where cells repeat: a format can render a group of
# columns once per distinct value (a location's, a tariff's) and write the rows with `write_fields`.
_NEEDS_QUOTES = ('"', "\r", "\n")


def quoted(column: str | pl.Expr, d: Dialect) -> pl.Expr:
    """A text cell as the CSV writer writes it (RFC 4180): in quotes, with its quotes doubled, when it
    holds the delimiter, a quote or a line break; else as it is."""
    value = pl.col(column) if isinstance(column, str) else column
    return (
        pl.when(value.str.contains_any([d.delimiter, *_NEEDS_QUOTES]))
        .then(pl.concat_str(pl.lit('"'), value.str.replace_all('"', '""', literal=True), pl.lit('"')))
        .otherwise(value)
    )


def plain(column: str, d: Dialect) -> pl.Expr:
    """Whether no text of ``column`` needs the formula guard (`safe_text`) or quotes (`quoted`): then
    the column is its own field text."""
    value = pl.col(column).cast(pl.String)
    quote = "[" + re.escape(d.delimiter) + '"\\r\\n]'
    return ~(value.str.contains(_FORMULA_START) | value.str.contains(quote)).any()


def fields(frame: pl.DataFrame, d: Dialect) -> pl.Series:
    """Per row of cells (as `to_csv` takes them), its fields as `to_csv` writes them, joined by the
    delimiter: one text that stands for those columns in a frame written by `write_fields`."""
    texts: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        cell = pl.col(name)
        if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
            text = quoted(cell.cast(pl.String), d)
        elif isinstance(dtype, pl.Decimal):
            text = cell.cast(pl.String)
            if d.decimal_mark != ".":
                text = text.str.replace(".", d.decimal_mark, literal=True)
        elif dtype.is_integer():
            text = cell.cast(pl.String)
        elif isinstance(dtype, pl.Datetime) and dtype.time_zone is None:  # type: ignore[union-attr]
            text = cell.dt.strftime(_UTC_FORMAT)
        elif dtype == pl.Date:
            text = cell.dt.strftime("%Y-%m-%d")
        elif dtype == pl.Null:
            text = pl.lit("")
        else:
            raise TypeError(f"no field text for a {dtype} cell ({name})")
        texts.append(text.fill_null(""))
    if not texts:
        return pl.Series("fields", [""] * frame.height, dtype=pl.String)
    return frame.select(pl.concat_str(texts, separator=d.delimiter).alias("fields")).to_series()


def write_fields(frame: pl.DataFrame, d: Dialect) -> bytes:
    """The CSV lines (no header) of ``frame``, whose text cells are already fields (`quoted`, `fields`):
    written as they are; number and instant cells as `to_csv` writes them."""
    if d.decimal_mark == d.delimiter:  # a number would need quotes; no dialect does this
        raise ValueError(f"dialect {d.name}: the decimal mark is the delimiter")
    out = io.BytesIO()
    frame.write_csv(
        out,
        separator=d.delimiter,
        line_terminator=d.line_end,
        quote_style="never",
        null_value="",
        include_header=False,
        decimal_comma=d.decimal_mark == ",",
        datetime_format=_UTC_FORMAT,
        date_format="%Y-%m-%d",
    )
    return out.getvalue()


# ------------------------------------------------------------------------------------------ file names
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_.-]")


def file_stem(identifier: str) -> str:
    """An id as a file name inside a ZIP: only ``A-Z a-z 0-9 _ - .``, anything else becomes ``_``."""
    stem = _NOT_ALLOWED.sub("_", identifier)
    return stem if stem.strip(".") else "_" * max(1, len(stem))  # never "", "." or ".."


def file_names(identifiers: Iterable[str], suffix: str, taken: Iterable[str] = ()) -> dict[str, str]:
    """A distinct file name per id (``<stem><suffix>``): two ids that map to the same name (also when
    they differ only in case, for case-insensitive file systems) get ``_2``, ``_3``... instead of
    overwriting each other. ``taken``: names already used in the same ZIP."""
    used = {name.casefold() for name in taken}
    names: dict[str, str] = {}
    for identifier in sorted(set(identifiers)):
        stem = file_stem(identifier)
        name = f"{stem}{suffix}"
        n = 1
        while name.casefold() in used:
            n += 1
            name = f"{stem}_{n}{suffix}"
        used.add(name.casefold())
        names[identifier] = name
    return names
