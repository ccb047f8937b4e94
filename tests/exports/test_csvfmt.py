"""The CSV dialects, cell formats, spreadsheet safety and file names every export uses (exports.md)."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest

from cdrlib.errors import ConfigError
from cdrlib.exports import csvfmt

EXCEL, EU, PLAIN = (csvfmt.DIALECTS[n] for n in ("excel", "excel-eu", "plain"))


def texts(expr: pl.Expr, frame: pl.DataFrame, d: csvfmt.Dialect = PLAIN) -> list[str | None]:
    """Text cells as they are; number and instant cells as `to_csv` writes them in dialect ``d``
    (None: an empty cell)."""
    cells = frame.select(expr.alias("x"))
    if cells.schema["x"] == pl.String:
        return cells["x"].to_list()
    lines = csvfmt.to_csv(frame.select(expr.alias("x")), d, bom=False).decode().split(d.line_end)[1:-1]
    return [line or None for line in lines]


def test_fixed_decimals_round_half_away_from_zero_in_both_marks():
    frame = pl.DataFrame({"v": [123_456, -5, None, -50, 0, 49, 50, -150, 10_000_000_000_000]})
    assert texts(csvfmt.fixed("v", 4), frame) == [
        "12.3456", "-0.0005", None, "-0.0050", "0.0000", "0.0049", "0.0050", "-0.0150", "1000000000.0000"
    ]
    assert texts(csvfmt.money("v"), frame) == [
        "12.35", "0.00", None, "-0.01", "0.00", "0.00", "0.01", "-0.02", "1000000000.00"
    ]
    assert texts(csvfmt.money("v"), frame, EU)[:2] == ["12,35", "0,00"]


def test_instants_in_utc_and_in_each_rows_zone_with_its_offset():
    # 2025-10-26 00:30 and 01:30 UTC are both 02:30 in Amsterdam, before and after the clocks go back.
    first, second = 1_761_438_600_000_000, 1_761_442_200_000_000
    frame = pl.DataFrame({
        "t": [first, second, second],
        "z": ["Europe/Amsterdam", "Europe/Amsterdam", "Europe/London"],
        "end": [first + 97_389_000_000, second + 59_000_000, second],
    })
    assert texts(csvfmt.utc_text("t"), frame) == [
        "2025-10-26T00:30:00+00:00", "2025-10-26T01:30:00+00:00", "2025-10-26T01:30:00+00:00"
    ]
    assert texts(csvfmt.local_text("t", "z", ["Europe/Amsterdam", "Europe/London"]), frame) == [
        "2025-10-26T02:30:00+02:00", "2025-10-26T02:30:00+01:00", "2025-10-26T01:30:00+00:00"
    ]
    assert texts(csvfmt.duration_text("t", "end"), frame) == ["27:03:09", "0:00:59", "0:00:00"]


@pytest.mark.parametrize("text", ["=1+1", "+31 6", "-x", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_would_run_as_a_formula_gets_a_quote(text):
    assert texts(csvfmt.safe_text("s"), pl.DataFrame({"s": [text]})) == ["'" + text]


def test_ordinary_text_is_left_alone():
    frame = pl.DataFrame({"s": ["Straße 1", "a=b", None, "3-4"]})
    assert texts(csvfmt.safe_text("s"), frame) == ["Straße 1", "a=b", None, "3-4"]


ROWS = pl.DataFrame({"Name": ["Café, Zürich", 'say "hi"', "two\nlines", None], "Amount": ["1.50", "-2.00", "0.00", ""]})


def test_each_dialect_byte_for_byte():
    assert csvfmt.to_csv(ROWS, EXCEL) == (
        b'\xef\xbb\xbfName,Amount\r\n"Caf\xc3\xa9, Z\xc3\xbcrich",1.50\r\n"say ""hi""",-2.00\r\n'
        b'"two\nlines",0.00\r\n,\r\n'
    )
    assert csvfmt.to_csv(ROWS, EU) == (
        b'\xef\xbb\xbfName;Amount\r\nCaf\xc3\xa9, Z\xc3\xbcrich;1.50\r\n"say ""hi""";-2.00\r\n'
        b'"two\nlines";0.00\r\n;\r\n'
    )
    assert csvfmt.to_csv(ROWS, PLAIN) == (
        b'Name,Amount\n"Caf\xc3\xa9, Z\xc3\xbcrich",1.50\n"say ""hi""",-2.00\n"two\nlines",0.00\n,\n'
    )


@pytest.mark.parametrize("name", list(csvfmt.DIALECTS))
def test_python_csv_reads_back_what_was_written(name):
    d = csvfmt.DIALECTS[name]
    text = csvfmt.to_csv(ROWS, d).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=d.delimiter))
    assert rows == [
        ["Name", "Amount"], ["Café, Zürich", "1.50"], ['say "hi"', "-2.00"], ["two\nlines", "0.00"], ["", ""]
    ]


def test_unknown_dialect_names_the_choices():
    with pytest.raises(ConfigError, match="excel, excel-eu, plain"):
        csvfmt.dialect("excel-us")


def test_file_names_keep_only_safe_characters_and_never_overwrite():
    names = csvfmt.file_names(["NLTNM", "NL/TNM", "NL:TNM", "nl_tnm", "..", "not_roamed"], ".csv",
                              taken=["not_roamed.csv"])
    assert names == {
        "..": "__.csv",
        "NL/TNM": "NL_TNM.csv",
        "NL:TNM": "NL_TNM_2.csv",
        "NLTNM": "NLTNM.csv",
        "nl_tnm": "nl_tnm_3.csv",  # NL_TNM.csv taken in any case
        "not_roamed": "not_roamed_2.csv",
    }
    assert all(csvfmt.file_stem(n.removesuffix(".csv")) == n.removesuffix(".csv") for n in names.values())
