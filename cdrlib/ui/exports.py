"""The Streamlit side of the Exports page: the period's export data read once and kept, the preview of
what every file will hold, and the download buttons that build a file only when clicked.

One read, four formats: `period_data` reads the CDRs created in the period once (`ExportData`, polars
frames) and keeps it as a resource: `st.cache_data` would pickle and copy the frames on every page
run. The preview (`preview`, small frames) and every download of the period use that same object, so
the files hold exactly what the preview counts. Both are keyed by a `Selection`, which carries a
`generation` token kept in `st.cache_data`: "Reload data" (`cdrlib.ui.data.clear`) and the cache TTL
renew it, so the kept data is as fresh as every other read of the dashboard.

The downloads are deferred (Streamlit 1.67, ``st.download_button`` with a callable ``data``): the page
run registers a `Build` per button and sends no bytes; a click asks the server to call it (in a worker
thread, ``runtime/backend_operation_handler.py`` `DeferredFileHandler`) and the browser downloads the
result. While it runs the button itself is disabled and shows a spinner (``DownloadButton`` in the
frontend); a failure shows "Failed to generate file for download" under it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

import polars as pl
import streamlit as st

from cdrlib import exports, period
from cdrlib.errors import ConfigError
from cdrlib.exports import csvfmt
from cdrlib.exports import data as export_data
from cdrlib.exports.data import ExportData
from cdrlib.ui import data, fmt

CACHE_TTL_S = data.CACHE_TTL_S
MAX_PERIODS = 4  # periods whose ExportData stays in memory (a month of the 1M demo store: 88,000 CDRs, 38 MB)

# Widget keys: also the query parameter names of the URL (a link carries the period and dialect).
KEY_FROM = "export_from"
KEY_TO = "export_to"
KEY_DIALECT = "export_dialect"

NO_CURRENCY = "–"  # the currency cell of a file without rows
MIN_PLACES = 2  # a sum is shown exactly: at least cents, at most the files' 4 decimals
MAX_PLACES = 4


def default_period(tz: str, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last full calendar month before ``today`` (default: today in ``tz``)."""
    today = today or period.local_date(dt.datetime.now(dt.UTC), tz)
    return period.month_of(today.replace(day=1) - dt.timedelta(days=1))


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def generation(url: str) -> str:
    """A token that changes whenever the dashboard's cached reads are cleared or expire."""
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Selection:
    """The CDRs created on the local days ``first`` .. ``last`` (both included, ``tz``) of the store at
    ``url``, as read under ``generation``: the key of every cached read of the page."""

    url: str
    first: dt.date
    last: dt.date
    tz: str
    generation: str


def selection(url: str, tz: str, first: dt.date | None, last: dt.date | None) -> Selection:
    """The page's choice as a `Selection`; a `ConfigError` for a period that is not one."""
    if first is None or last is None:
        raise ConfigError("Pick the first and the last day of the period.")
    if first > last:
        raise ConfigError(
            f"The period starts after it ends: From {first} is after To {last}. "
            "Pick a From date on or before the To date."
        )
    return Selection(url, first, last, tz, generation(url))


def period_caption(sel: Selection) -> str:
    """``CDRs created from 2024-06-01 00:00 +02:00 up to 2024-07-01 00:00 +02:00 (Europe/Amsterdam, 30 days)``."""
    start, end = period.day_bounds(sel.first, sel.last, sel.tz)
    return (
        f"CDRs created from {fmt.local_time(start, sel.tz)} up to {fmt.local_time(end, sel.tz)} "
        f"({sel.tz}, {fmt.count(period.days(sel.first, sel.last), 'day')})"
    )


# No spinner: it would show only where nothing can (nested in `preview`, or in a `Build` thread).
@st.cache_resource(ttl=CACHE_TTL_S, max_entries=MAX_PERIODS, show_spinner=False)
def period_data(sel: Selection) -> ExportData:
    """The one read of the period that the preview and every download use (`exports.data.read`)."""
    return export_data.read(data.store(sel.url), sel.first, sel.last, sel.tz)


@dataclass(frozen=True)
class Preview:
    """What the files of a period will hold.

    ``summaries``: per format name, `exports.Format.summary` (a row per file and currency: ``Rows`` and
    the exact sums of the file's columns). ``totals``: per currency, the CDRs and the sums of the Full
    download's amounts over roamed and not roamed.
    """

    cdrs: int
    roamed: int
    file_names: dict[str, str]
    summaries: dict[str, pl.DataFrame]
    totals: pl.DataFrame

    @property
    def not_roamed(self) -> int:
        return self.cdrs - self.roamed

    @property
    def emp_files(self) -> int:
        """The Normal ZIP's files of EMPs (all but the not-roamed one)."""
        return self.summaries["normal"]["file"].n_unique() - 1


@st.cache_data(ttl=CACHE_TTL_S, show_spinner="Reading the CDRs created in the period…")
def preview(sel: Selection) -> Preview:
    d = period_data(sel)
    summaries = {name: f.summary(d) for name, f in exports.FORMATS.items()}
    full = summaries["full"].filter(pl.col("Rows") > 0)
    totals = full.drop("file").group_by("Currency").agg(pl.all().sum()).sort("Currency", nulls_last=True)
    return Preview(
        cdrs=d.cdrs.height,
        roamed=int(d.cdrs["roamed"].sum()),
        file_names={name: f.file_name(d) for name, f in exports.FORMATS.items()},
        summaries=summaries,
        totals=totals,
    )


# ---------------------------------------------------------------------- tables
def _places(values: list[Decimal]) -> int:
    """The decimals that show every value of a column exactly (2 to 4)."""
    needed = [-int(v.normalize().as_tuple().exponent) for v in values if v != 0]
    return min(MAX_PLACES, max([MIN_PLACES, *needed]))


def table(summary: pl.DataFrame) -> pl.DataFrame:
    """A summary as a person reads it: ``File``, ``Currency``, ``Rows``, then the exact sums named after
    the file's columns, with thousands separators and the same decimals down a column."""
    return _readable(summary.rename({"file": "File"}), leading=3)


def totals_table(p: Preview) -> pl.DataFrame:
    """Per currency: the CDRs and their sums (`Preview.totals`), as `table` shows them."""
    return _readable(p.totals.rename({"Rows": "CDRs"}), leading=2)


def _readable(frame: pl.DataFrame, leading: int) -> pl.DataFrame:
    """Every cell as text: the ``leading`` columns are names (a missing currency: `NO_CURRENCY`) and a
    count, the others exact decimal sums."""
    out: dict[str, list[str]] = {}
    for i, column in enumerate(frame.columns):
        values = frame[column].to_list()
        if i < leading - 1:
            out[column] = [NO_CURRENCY if v is None else v for v in values]
        elif i == leading - 1:
            out[column] = [fmt.number(n) for n in values]
        else:
            places = _places(values)
            out[column] = [fmt.number(v, places) for v in values]
    return pl.DataFrame(out, schema=dict.fromkeys(out, pl.String()))


def dialect_caption(d: csvfmt.Dialect) -> str:
    """``Excel in English locales, most systems: comma-separated, decimal point, UTF-8 with BOM, CRLF``."""
    separated = _SEPARATORS.get(d.delimiter, f"{d.delimiter!r}-separated")
    mark = _MARKS.get(d.decimal_mark, f"decimal {d.decimal_mark!r}")
    encoding = "UTF-8 with BOM" if d.bom else "UTF-8"
    ends = "CRLF" if d.line_end == "\r\n" else "LF"
    return f"{d.purpose}: {separated}, {mark}, {encoding}, {ends} line ends"


_SEPARATORS = {",": "comma-separated", ";": "semicolon-separated"}
_MARKS = {".": "decimal point", ",": "decimal comma"}


# ---------------------------------------------------------------------- downloads
@dataclass(frozen=True, slots=True)
class Build:
    """The deferred ``data`` of one download button: one format's file of a selection in a dialect.

    It holds the choices only, never the data: Streamlit keeps every callable a run registers until the
    session ends (``MediaFileManager.add_deferred``; ``remove_orphaned_files`` runs on session shutdown),
    and a page run registers four. When called (in a worker thread, after a click) it takes the period's
    data from `period_data` (the object the preview was counted from, read again only when it expired).
    """

    sel: Selection
    format: str
    dialect: str

    def __call__(self) -> bytes:
        return exports.FORMATS[self.format].build(period_data(self.sel), csvfmt.dialect(self.dialect))


def download_button(f: exports.Format, sel: Selection, p: Preview, dialect: str) -> None:
    """The button that builds and downloads ``f``'s file when clicked, without rerunning the page."""
    name = p.file_names[f.name]
    st.download_button(
        f"Download {name}",
        data=Build(sel, f.name, dialect),
        file_name=name,
        mime=f.mime,
        key=f"export_{f.name}",
        on_click="ignore",
        icon=":material/download:",
        help="The file is built when you click: the button shows a spinner until the download starts.",
    )
