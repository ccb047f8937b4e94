"""cdrlib.ocpi.reader: every file shape, written to real files."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import pytest

from cdrlib.errors import InputFileError
from cdrlib.ocpi import reader
from cdrlib.ocpi.reader import RawRecord, Rejection

CDR_A = '{"id": "A", "total_cost": {"excl_vat": 12.50}, "total_energy": 7}'
CDR_B = '{"id": "B", "total_cost": {"excl_vat": 0.1}}'


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def read(path: Path) -> list[RawRecord | Rejection]:
    return list(reader.read_records(path))


def test_single_object_is_one_record_at_position_1(tmp_path: Path):
    path = write(tmp_path, "one.json", CDR_A + "\n")
    [record] = read(path)
    assert isinstance(record, RawRecord)
    assert (record.file, record.position, record.text) == (str(path), 1, CDR_A)
    assert record.obj == {"id": "A", "total_cost": {"excl_vat": Decimal("12.50")}, "total_energy": 7}


def test_one_line_object_after_blank_lines_is_at_its_line(tmp_path: Path):
    # A one-line object is also a one-line NDJSON file: its position is its line number.
    [record] = read(write(tmp_path, "one.json", "\n\n" + CDR_A))
    assert isinstance(record, RawRecord) and record.position == 3


def test_numbers_are_decimal_never_float(tmp_path: Path):
    [record] = read(write(tmp_path, "one.json", '{"a": 0.1, "b": 1e-3, "c": 3}'))
    assert isinstance(record, RawRecord)
    assert record.obj == {"a": Decimal("0.1"), "b": Decimal("0.001"), "c": 3}
    assert type(record.obj["a"]) is Decimal and type(record.obj["c"]) is int


def test_pretty_printed_object(tmp_path: Path):
    text = json.dumps({"id": "A", "nested": {"x": [1, 2]}}, indent=2)
    [record] = read(write(tmp_path, "pretty.json", text))
    assert isinstance(record, RawRecord)
    assert (record.position, record.obj) == (1, {"id": "A", "nested": {"x": [1, 2]}})


def test_array_positions_and_element_text(tmp_path: Path):
    path = write(tmp_path, "array.json", f"[\n  {CDR_A},\n  {CDR_B}\n]")
    records = read(path)
    assert [r.position for r in records] == [1, 2]
    assert all(isinstance(r, RawRecord) for r in records)
    first = records[0]
    assert isinstance(first, RawRecord)
    # The element's own JSON text, numbers with their digits (12.50, not 12.5).
    assert first.text == '{"id": "A", "total_cost": {"excl_vat": 12.50}, "total_energy": 7}'
    assert json.loads(first.text) == json.loads(CDR_A)


def test_array_text_keeps_non_ascii(tmp_path: Path):
    [record] = read(write(tmp_path, "array.json", '[{"city": "München"}]'))
    assert isinstance(record, RawRecord)
    assert record.text == '{"city": "München"}'


def test_empty_array_has_no_records(tmp_path: Path):
    assert read(write(tmp_path, "empty-array.json", "[]")) == []


def test_envelope_with_a_list(tmp_path: Path):
    text = json.dumps({"data": [json.loads(CDR_A), json.loads(CDR_B)], "status_code": 1000,
                       "status_message": "Success", "timestamp": "2024-01-01T00:00:00Z"})  # fmt: skip
    records = read(write(tmp_path, "envelope.json", text))
    assert [(r.position, r.obj["id"]) for r in records if isinstance(r, RawRecord)] == [(1, "A"), (2, "B")]


def test_envelope_with_one_object(tmp_path: Path):
    text = '{"data": ' + CDR_A + ', "status_code": 1000, "timestamp": "2024-01-01T00:00:00Z"}'
    [record] = read(write(tmp_path, "envelope.json", text))
    assert isinstance(record, RawRecord)
    assert (record.position, record.obj["id"]) == (1, "A")


def test_pretty_printed_envelope(tmp_path: Path):
    text = json.dumps({"data": [json.loads(CDR_A)], "status_code": 1000, "timestamp": "x"}, indent=2)
    [record] = read(write(tmp_path, "envelope.json", text))
    assert isinstance(record, RawRecord) and record.obj["id"] == "A"


def test_envelope_without_data_has_no_records(tmp_path: Path):
    assert read(write(tmp_path, "envelope.json", '{"status_code": 1000, "timestamp": "x"}')) == []


def test_envelope_reporting_an_error_is_refused(tmp_path: Path):
    text = '{"status_code": 2001, "status_message": "Invalid or missing parameters", "timestamp": "x"}'
    path = write(tmp_path, "error.json", text)
    with pytest.raises(InputFileError) as caught:
        reader.read_records(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert "status_code 2001" in message and "Invalid or missing parameters" in message


def test_ndjson_one_record_per_line(tmp_path: Path):
    path = write(tmp_path, "cdrs.ndjson", f"{CDR_A}\n\n{CDR_B}\n")
    records = read(path)
    assert [(type(r).__name__, r.position) for r in records] == [("RawRecord", 1), ("RawRecord", 3)]
    assert [r.text for r in records if isinstance(r, RawRecord)] == [CDR_A, CDR_B]


def test_ndjson_broken_line_costs_only_that_line(tmp_path: Path):
    broken = '{"id": "X", "total_cost": {"excl_vat": 1} "total_energy": 2}'
    path = write(
        tmp_path, "cdrs.ndjson", "\n".join([CDR_A, CDR_A, CDR_B, CDR_A, CDR_B, CDR_A, broken, CDR_B])
    )
    records = read(path)
    assert len(records) == 8
    rejection = records[6]
    assert isinstance(rejection, Rejection)
    assert (rejection.file, rejection.position, rejection.raw) == (str(path), 7, broken)
    assert rejection.reason == "line 7: not valid JSON: Expecting ',' delimiter (column 43)"
    assert (rejection.record_id, rejection.field, rejection.kind) == (None, None, None)
    assert [r.position for r in records if isinstance(r, RawRecord)] == [1, 2, 3, 4, 5, 6, 8]


def test_ndjson_broken_first_line(tmp_path: Path):
    records = read(write(tmp_path, "cdrs.ndjson", '{"id": "X",\n' + CDR_A + "\n" + CDR_B + "\n"))
    assert [type(r).__name__ for r in records] == ["Rejection", "RawRecord", "RawRecord"]
    assert records[0].position == 1 and records[0].reason.startswith("line 1: not valid JSON: ")
    assert [r.position for r in records[1:]] == [2, 3]


def test_ndjson_line_with_nan_is_rejected(tmp_path: Path):
    records = read(write(tmp_path, "cdrs.ndjson", CDR_A + '\n{"volume": NaN}\n'))
    assert isinstance(records[1], Rejection)
    assert records[1].reason == "line 2: not valid JSON: NaN is not a valid JSON number"


def test_ndjson_line_that_is_not_utf8_is_rejected(tmp_path: Path):
    content = (CDR_A + "\n").encode() + b'{"city": "M\xfcnchen"}\n' + (CDR_B + "\n").encode()
    records = read(write(tmp_path, "cdrs.ndjson", content))
    assert [type(r).__name__ for r in records] == ["RawRecord", "Rejection", "RawRecord"]
    assert records[1].reason.startswith("line 2: not UTF-8 text")


def test_gzip_detected_by_magic_bytes_not_name(tmp_path: Path):
    path = write(tmp_path, "cdrs.json", gzip.compress(f"{CDR_A}\n{CDR_B}\n".encode()))
    records = read(path)
    assert [r.obj["id"] for r in records if isinstance(r, RawRecord)] == ["A", "B"]


def test_gzip_array_with_bom(tmp_path: Path):
    path = write(tmp_path, "cdrs.json.gz", gzip.compress(b"\xef\xbb\xbf[" + CDR_A.encode() + b"]"))
    [record] = read(path)
    assert isinstance(record, RawRecord) and record.obj["id"] == "A"


def test_utf8_bom_is_skipped(tmp_path: Path):
    [record] = read(write(tmp_path, "bom.json", "\ufeff" + CDR_A))
    assert isinstance(record, RawRecord) and record.obj["id"] == "A"


def test_truncated_gzip(tmp_path: Path):
    data = gzip.compress(("\n".join([CDR_A] * 200)).encode())
    path = write(tmp_path, "cut.json", data[: len(data) // 2])
    with pytest.raises(InputFileError, match="not a valid gzip file"):
        read(path)


@pytest.mark.parametrize("content", ["", "   \n\n  ", "\ufeff"])
def test_empty_file(tmp_path: Path, content: str):
    path = write(tmp_path, "empty.json", content)
    with pytest.raises(InputFileError, match="empty"):
        reader.read_records(path)


def test_not_json_at_all(tmp_path: Path):
    path = write(tmp_path, "cdrs.csv", "id;start;end\n1;2024-01-01;2024-01-02\n")
    with pytest.raises(InputFileError) as caught:
        reader.read_records(path)
    assert str(caught.value) == f"{path}: not a JSON or NDJSON file: Expecting value (line 1, column 1)"


def test_pretty_printed_document_with_an_error_is_not_taken_for_ndjson(tmp_path: Path):
    text = '{\n  "id": "A",\n  "total_energy": 7\n  "x": {}\n}\n'
    path = write(tmp_path, "bad.json", text)
    with pytest.raises(InputFileError, match=r"Expecting ',' delimiter \(line 4, column 3\)"):
        reader.read_records(path)


def test_json_scalar_is_not_a_record_file(tmp_path: Path):
    with pytest.raises(InputFileError, match="holds a JSON number"):
        reader.read_records(write(tmp_path, "n.json", "42"))


def test_missing_file_raises_when_called(tmp_path: Path):
    with pytest.raises(InputFileError) as caught:
        reader.read_records(tmp_path / "nope.json")  # not iterated: the check is immediate
    assert str(caught.value) == f"{tmp_path / 'nope.json'}: file not found"


def test_directory(tmp_path: Path):
    with pytest.raises(InputFileError, match="is a directory"):
        reader.read_records(tmp_path)


def test_utf16_file(tmp_path: Path):
    path = write(tmp_path, "u16.json", CDR_A.encode("utf-16"))
    with pytest.raises(InputFileError, match="UTF-16"):
        reader.read_records(path)


def test_zip_archive(tmp_path: Path):
    with pytest.raises(InputFileError, match="ZIP archive"):
        reader.read_records(write(tmp_path, "cdrs.zip", b"PK\x03\x04rest-of-zip"))


def test_path_given_as_string(tmp_path: Path):
    path = write(tmp_path, "one.json", CDR_A)
    [record] = read(str(path))  # type: ignore[arg-type]
    assert isinstance(record, RawRecord) and record.file == str(path)
