"""How every export writes its CSV (spec/exports.md, "CSV dialects"): the dialects, the cell formats as
polars expressions (so that a million rows are formatted column by column, not cell by cell), the
spreadsheet-safety rule and the file names inside a ZIP.

The formats take the store's raw columns: amounts, kWh and hours as integers of 1/10,000 (``_e4``),
instants as microseconds since the epoch (``_us``). Every cell is turned into text here; the CSV writer
then only quotes (RFC 4180: a field holding the delimiter, a quote or a line break) and joins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

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
    return value.cast(pl.Decimal(38, places)) / 10**places


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
    return pl.concat_str(
        (seconds // 3600).cast(pl.String),
        pl.lit(":"),
        (seconds % 3600 // 60).cast(pl.String).str.zfill(2),
        pl.lit(":"),
        (seconds % 60).cast(pl.String).str.zfill(2),
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
