"""The Exports page in AppTest on a real SQLite store: the demo dataset (`demo_url`, June 2024) and an
empty store.

The files are built as a click would build them: by the callable the page gave each download button
(recorded where Streamlit registers it, `MediaFileManager.add_deferred`). They are read back with the
`csv` module and compared with the numbers the page shows.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from cdrlib import exports
from cdrlib.exports import csvfmt, distribution, full, normal, reimbursement
from cdrlib.ui import exports as exports_ui
from tests.ui.conftest import DEMO_JUNE_2024, app_test

EXPORTS = "pages/exports.py"
JUNE = (dt.date(2024, 6, 1), dt.date(2024, 6, 30))
JULY = (dt.date(2024, 7, 1), dt.date(2024, 7, 31))
COLUMNS = {
    "normal": normal.COLUMNS,
    "full": full.COLUMNS,
    "reimbursement": reimbursement.COLUMNS,
    "distribution": distribution.COLUMNS,
}
NO_CDRS = "No CDRs created in this period. The files can still be downloaded: each holds only its header row."
TOTALS = 0  # with CDRs, the first table: totals per currency; the last ones: one per format, in order


# ---------------------------------------------------------------------- reading files and the page
@dataclass(frozen=True)
class Deferred:
    """What a page run handed Streamlit for one download button."""

    data: Callable[[], bytes]
    mime: str | None
    file_name: str | None


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, Deferred]:
    """Every deferred download registered, by its file id (the button's ``deferred_file_id``)."""
    found: dict[str, Deferred] = {}
    real = MediaFileManager.add_deferred

    def recording(
        self: MediaFileManager,
        data_callable: Any,
        mimetype: Any,
        coordinates: str,
        file_name: str | None = None,
        **kwargs: Any,
    ) -> str:
        file_id = real(self, data_callable, mimetype, coordinates, file_name, **kwargs)
        found[file_id] = Deferred(data_callable, mimetype, file_name)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    return found


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each format's file was built."""
    counted: Counter[str] = Counter()
    for name, f in list(exports.FORMATS.items()):

        def build(data: Any, d: csvfmt.Dialect, _name: str = name, _real: Any = f.build) -> bytes:
            counted[_name] += 1
            return _real(data, d)

        monkeypatch.setitem(exports.FORMATS, name, dataclasses.replace(f, build=build))
    return counted


def open_exports(period: tuple[dt.date, dt.date] | None = None, dialect: str | None = None) -> AppTest:
    at = app_test()
    if period:
        at.query_params[exports_ui.KEY_FROM] = period[0].isoformat()
        at.query_params[exports_ui.KEY_TO] = period[1].isoformat()
    if dialect:
        at.query_params[exports_ui.KEY_DIALECT] = dialect
    at.run()
    at.switch_page(EXPORTS).run()
    assert_drawn(at)
    return at


def assert_drawn(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Exports"]
    assert not at.error, [e.value for e in at.error]


def set_period(at: AppTest, first: dt.date, last: dt.date) -> AppTest:
    at.date_input(key=exports_ui.KEY_FROM).set_value(first)
    at.date_input(key=exports_ui.KEY_TO).set_value(last)
    return at.run()


def number(text: str, dialect: csvfmt.Dialect = csvfmt.DIALECTS["excel"]) -> Decimal:
    """A number as the page shows it (thousands separated) or as a file holds it (its decimal mark)."""
    if dialect.decimal_mark == ",":
        return Decimal(text.replace(",", "."))
    return Decimal(text.replace(",", ""))


Key = tuple[str, str]  # (file, currency)


def shown(at: AppTest, fmt: str) -> dict[Key, dict[str, Decimal]]:
    """The preview table of format ``fmt``: (file, currency) -> Rows and the sums."""
    frame = at.table[len(at.table) - len(exports.FORMATS) + list(exports.FORMATS).index(fmt)].value
    out: dict[Key, dict[str, Decimal]] = {}
    for row in frame.to_dict("records"):
        key = (row.pop("File"), row.pop("Currency"))
        assert key not in out, key
        out[key] = {column: number(value) for column, value in row.items()}
    return out


def buttons(at: AppTest) -> dict[str, Any]:
    """The download buttons by format name (their keys are ``export_<format>``)."""
    return {b.key.removeprefix("export_"): b for b in at.download_button}


def build(at: AppTest, deferred: dict[str, Deferred], fmt: str) -> bytes:
    """The file a click on ``fmt``'s button downloads: its registered callable, called."""
    payload = deferred[buttons(at)[fmt].proto.deferred_file_id].data()
    assert isinstance(payload, bytes)
    return payload


def members(payload: bytes, f: exports.Format) -> dict[str, bytes]:
    """A ZIP's files by name, in order; a CSV file as the one member named ``""``."""
    if f.extension != "zip":
        return {"": payload}
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def read_csv(payload: bytes, dialect: csvfmt.Dialect) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows (column -> cell) of a CSV file written in ``dialect``."""
    assert payload.startswith(csvfmt.BOM) == dialect.bom
    text = payload.decode("utf-8-sig" if dialect.bom else "utf-8")
    header, *body = list(csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter))
    assert text.startswith(dialect.delimiter.join(header) + dialect.line_end) and text.endswith(dialect.line_end)
    assert all(len(row) == len(header) for row in body)
    return header, [dict(zip(header, row, strict=True)) for row in body]


def contents(
    at: AppTest, deferred: dict[str, Deferred], fmt: str, dialect: csvfmt.Dialect
) -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    """Every CSV of ``fmt``'s download, read: file name -> (header, rows)."""
    f = exports.FORMATS[fmt]
    files = members(build(at, deferred, fmt), f)
    # the one CSV of a CSV format is named after the download
    return {(member or file_name(at, fmt)): read_csv(payload, dialect) for member, payload in files.items()}


def file_name(at: AppTest, fmt: str) -> str:
    return buttons(at)[fmt].label.removeprefix("Download ")


def tally(
    files: dict[str, tuple[list[str], list[dict[str, str]]]],
    sums: list[str],
    currency_of: Callable[[dict[str, str]], str],
    dialect: csvfmt.Dialect,
) -> dict[Key, dict[str, Decimal]]:
    """What the files hold as the preview counts it: per (file, currency) the rows and column sums."""
    out: dict[Key, dict[str, Decimal]] = {}
    for name, (_, rows) in files.items():
        if not rows:
            out[(name, exports_ui.NO_CURRENCY)] = {"Rows": Decimal(0), **dict.fromkeys(sums, Decimal(0))}
        for row in rows:
            totals = out.setdefault((name, currency_of(row)), {"Rows": Decimal(0), **dict.fromkeys(sums, Decimal(0))})
            totals["Rows"] += 1
            for column in sums:
                totals[column] += number(row[column], dialect) if row[column] else Decimal(0)
    return out


# ---------------------------------------------------------------------- smoke
def test_the_page_runs_on_demo_data(demo_url: str, deferred: dict[str, Deferred]) -> None:
    at = open_exports(JUNE)
    assert [m.label for m in at.metric] == ["CDRs created", "Roamed", "Not roamed", "EMP files"]
    assert not at.info
    assert len(at.table) == 1 + len(exports.FORMATS)
    assert [s.value for s in at.subheader] == [f.title for f in exports.FORMATS.values()]
    assert list(buttons(at)) == list(exports.FORMATS)
    assert any("created" in c.value and "sidebar" in c.value for c in at.caption)  # says which dates count
    assert "CDRs created from 2024-06-01 00:00 +02:00 up to 2024-07-01 00:00 +02:00" in [
        c.value.split(" (")[0] for c in at.caption
    ]


def test_the_page_runs_on_an_empty_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deferred: dict[str, Deferred]
) -> None:
    monkeypatch.setenv("CDR_DB_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.delenv("CDR_REPORTING_TZ", raising=False)
    at = open_exports()
    assert [i.value for i in at.info] == [NO_CDRS]
    assert not at.metric
    assert list(buttons(at)) == list(exports.FORMATS)  # the empty files are still offered
    excel = csvfmt.DIALECTS["excel"]
    expected = {
        "normal": [normal.NOT_ROAMED],  # spec: an empty period gives a header-only not_roamed.csv
        "full": [full.ROAMED, full.NOT_ROAMED],
        "reimbursement": [file_name(at, "reimbursement")],
        "distribution": [file_name(at, "distribution")],
    }
    for fmt in exports.FORMATS:
        files = contents(at, deferred, fmt, excel)
        assert list(files) == expected[fmt]
        for name, (header, rows) in files.items():
            assert header == list(COLUMNS[fmt]), (fmt, name)
            assert rows == [], (fmt, name)
        previewed = shown(at, fmt)
        assert list(previewed) == [(name, exports_ui.NO_CURRENCY) for name in expected[fmt]]
        assert all(v == 0 for totals in previewed.values() for v in totals.values())


def test_the_page_opens_with_the_last_full_month_and_excel(store_url: str) -> None:
    at = open_exports()
    first, last = exports_ui.default_period("Europe/Amsterdam")
    assert at.date_input(key=exports_ui.KEY_FROM).value == first
    assert at.date_input(key=exports_ui.KEY_TO).value == last
    assert at.radio(key=exports_ui.KEY_DIALECT).value == csvfmt.DEFAULT_DIALECT == "excel"
    assert at.radio(key=exports_ui.KEY_DIALECT).options == list(csvfmt.DIALECTS)


@pytest.mark.parametrize(
    ("today", "month"),
    [
        (dt.date(2026, 3, 15), (dt.date(2026, 2, 1), dt.date(2026, 2, 28))),
        (dt.date(2024, 3, 1), (dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
        (dt.date(2025, 1, 31), (dt.date(2024, 12, 1), dt.date(2024, 12, 31))),
    ],
)
def test_the_default_period_is_the_last_full_calendar_month(today: dt.date, month: tuple[dt.date, dt.date]) -> None:
    assert exports_ui.default_period("Europe/Amsterdam", today) == month


def test_the_dialects_are_offered_with_their_purpose(store_url: str) -> None:
    at = open_exports()
    radio = at.radio(key=exports_ui.KEY_DIALECT)
    captions = list(radio.proto.captions)
    assert len(captions) == len(csvfmt.DIALECTS)
    for caption, d in zip(captions, csvfmt.DIALECTS.values(), strict=True):
        assert caption.startswith(d.purpose), (caption, d)


# ---------------------------------------------------------------------- the buttons
def test_the_buttons_are_deferred_with_the_specs_file_names(
    demo_url: str, deferred: dict[str, Deferred], builds: Counter[str]
) -> None:
    at = open_exports(JUNE)
    names = {
        "normal": "cdrs-normal_2024-06-01_2024-06-30.zip",
        "full": "cdrs-full_2024-06-01_2024-06-30.zip",
        "reimbursement": "cdrs-reimbursement_2024-06-01_2024-06-30.csv",
        "distribution": "cdrs-distribution_2024-06-01_2024-06-30.csv",
    }
    mimes = {
        "normal": "application/zip",
        "full": "application/zip",
        "reimbursement": "text/csv",
        "distribution": "text/csv",
    }
    for fmt, button in buttons(at).items():
        proto = button.proto
        # deferred: no file URL (no bytes were sent), a callable registered under the button's file id
        assert proto.url == "" and proto.deferred_file_id, fmt
        registered = deferred[proto.deferred_file_id]
        assert callable(registered.data) and not isinstance(registered.data, (bytes, str)), fmt
        assert registered.file_name == names[fmt] and registered.mime == mimes[fmt], fmt
        assert button.label == f"Download {names[fmt]}"
        assert proto.ignore_rerun, fmt  # a click downloads without rerunning the page
    assert not builds, "a file was built before its button was clicked"

    # the page runs again on any change: still nothing built
    at.radio(key=exports_ui.KEY_DIALECT).set_value("plain").run()
    assert not builds
    for fmt in exports.FORMATS:
        build(at, deferred, fmt)
    assert builds == dict.fromkeys(exports.FORMATS, 1)


def test_the_callables_capture_the_chosen_period_and_dialect(demo_url: str, deferred: dict[str, Deferred]) -> None:
    at = open_exports(JUNE)
    at.radio(key=exports_ui.KEY_DIALECT).set_value("excel-eu")
    set_period(at, *JULY)
    assert_drawn(at)
    eu = csvfmt.DIALECTS["excel-eu"]
    for fmt, button in buttons(at).items():
        registered = deferred[button.proto.deferred_file_id]
        f = exports.FORMATS[fmt]
        assert registered.file_name == f"{f.stem}_2024-07-01_2024-07-31.{f.extension}"
        assert isinstance(registered.data, exports_ui.Build)
        assert (registered.data.sel.first, registered.data.sel.last) == JULY
        assert registered.data.dialect == "excel-eu"
        for header, _ in contents(at, deferred, fmt, eu).values():
            assert header == list(COLUMNS[fmt])
    # the Normal files really are in the EU dialect: ';' between fields, ',' before decimals
    payload = members(build(at, deferred, "normal"), exports.FORMATS["normal"])
    body = payload[normal.NOT_ROAMED].decode("utf-8-sig")
    assert body.startswith(";".join(normal.COLUMNS) + "\r\n")
    _, rows = read_csv(payload[normal.NOT_ROAMED], eu)
    assert rows and all("," in row["Volume"] and "." not in row["Volume"] for row in rows)


# ---------------------------------------------------------------------- the numbers
@pytest.mark.parametrize("dialect", ["excel", "excel-eu", "plain"])
def test_the_preview_equals_the_files(demo_url: str, deferred: dict[str, Deferred], dialect: str) -> None:
    at = open_exports(JUNE, dialect)
    d = csvfmt.DIALECTS[dialect]
    tables = {fmt: shown(at, fmt) for fmt in exports.FORMATS}

    def own(row: dict[str, str]) -> str:
        return row["Currency"] or exports_ui.NO_CURRENCY

    full_files = contents(at, deferred, "full", d)
    currency = {row["CDR_ID"]: own(row) for _, rows in full_files.values() for row in rows}
    assert len(currency) == sum(len(rows) for _, rows in full_files.values())  # each CDR once

    def via_full(row: dict[str, str]) -> str:  # the eViolin columns have no currency
        return currency[row["CDR_ID"]]

    for fmt in exports.FORMATS:
        files = full_files if fmt == "full" else contents(at, deferred, fmt, d)
        for name, (header, _) in files.items():
            assert header == list(COLUMNS[fmt]), (fmt, name)
        sums = [c for c in next(iter(tables[fmt].values())) if c != "Rows"]
        held = tally(files, sums, via_full if fmt == "normal" else own, d)
        assert held == tables[fmt], fmt

    # Normal and Full hold the same CDRs; the metrics and the totals agree with them
    normal_files = contents(at, deferred, "normal", d)
    assert sorted(r["CDR_ID"] for _, rows in normal_files.values() for r in rows) == sorted(currency)
    cards = {m.label: int(m.value.replace(",", "")) for m in at.metric}
    not_roamed = len(full_files[full.NOT_ROAMED][1])
    assert cards == {
        "CDRs created": len(currency),
        "Roamed": len(currency) - not_roamed,
        "Not roamed": not_roamed,
        "EMP files": len(normal_files) - 1,
    }
    totals = shown_totals(at)
    for cur, figures in totals.items():
        rows = [r for _, rs in full_files.values() for r in rs if r["Currency"] == cur]
        assert figures["CDRs"] == len(rows)
        for column in ("Volume", "Calculated_Cost", "Calculated_Cost_Incl_VAT"):
            assert figures[column] == sum((number(r[column], d) for r in rows if r[column]), Decimal(0)), column
    assert set(totals) == set(currency.values())


def shown_totals(at: AppTest) -> dict[str, dict[str, Decimal]]:
    frame = at.table[TOTALS].value
    return {row.pop("Currency"): {k: number(v) for k, v in row.items()} for row in frame.to_dict("records")}


def test_the_preview_counts_cdrs_per_emp_and_the_reimbursements_and_distribution(demo_url: str) -> None:
    at = open_exports(JUNE)
    normal_table = shown(at, "normal")
    assert ("not_roamed.csv", "EUR") in normal_table
    assert len({file for file, _ in normal_table}) > 2  # several EMPs in June 2024
    assert sum(v["Rows"] for v in shown(at, "reimbursement").values()) > 0
    assert sum(v["Rows"] for v in shown(at, "distribution").values()) > 0


def test_a_period_change_changes_the_numbers(demo_url: str) -> None:
    at = open_exports(JUNE)
    june = [(m.label, m.value) for m in at.metric], [shown(at, f) for f in exports.FORMATS], shown_totals(at)
    labels = [b.label for b in at.download_button]
    set_period(at, *JULY)
    assert_drawn(at)
    july = [(m.label, m.value) for m in at.metric], [shown(at, f) for f in exports.FORMATS], shown_totals(at)
    assert june[0] != july[0]
    assert all(a != b for a, b in zip(june[1], july[1], strict=True))
    assert june[2] != july[2]
    assert [b.label for b in at.download_button] == [
        label.replace("2024-06-01_2024-06-30", "2024-07-01_2024-07-31") for label in labels
    ]


def test_a_period_without_cdrs_says_so(demo_url: str) -> None:
    at = open_exports((dt.date(2025, 3, 1), dt.date(2025, 3, 31)))  # after the demo data
    assert [i.value for i in at.info] == [NO_CDRS]
    assert len(at.download_button) == len(exports.FORMATS)


def test_a_period_that_ends_before_it_starts_is_an_error_not_a_traceback(demo_url: str) -> None:
    at = open_exports(JUNE)
    set_period(at, JULY[0], JUNE[1])
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "The period starts after it ends: From 2024-07-01 is after To 2024-06-30. "
        "Pick a From date on or before the To date."
    ]
    assert not at.download_button and not at.table
    set_period(at, *JUNE)  # and the page recovers
    assert_drawn(at)
    assert len(at.download_button) == len(exports.FORMATS)


def test_the_sidebar_filters_do_not_change_the_exports(demo_url: str) -> None:
    at = open_exports(JUNE)
    before = [shown(at, f) for f in exports.FORMATS], shown_totals(at)
    at.radio(key="roamed").set_value("not_roamed")
    at.date_input(key="period").set_value(tuple(dt.date.fromisoformat(d) for d in DEMO_JUNE_2024)).run()
    assert_drawn(at)
    assert ([shown(at, f) for f in exports.FORMATS], shown_totals(at)) == before
