"""Read OCPI records from a file: one JSON object, a JSON array, an OCPI response envelope, or NDJSON.

What a file may hold (each optionally gzip-compressed, detected by its magic bytes ``1f 8b``, and UTF-8
with or without a byte-order mark):

- one JSON object: one record, position 1 (an object on one line is read as NDJSON, so its position
  is its line number: 1 unless blank lines come first);
- a JSON array of records: position = 1-based index in the array;
- an OCPI response envelope (OCPI 2.2.1 transport_and_format, *Response format*:
  ``{"data": ..., "status_code": 1000, "status_message": ..., "timestamp": ...}``) whose ``data`` is one
  record or an array of them. A ``status_code`` outside 1000-1999 means the sender reported an error,
  and the file is refused (`InputFileError`);
- NDJSON, one record per line: position = line number. A line that is not valid JSON costs only that
  line: it is yielded as a `Rejection`. Blank lines are skipped. NDJSON is read line by line, so a large
  file does not have to fit in memory. A JSON document (object, array, envelope) is parsed at once, and
  a syntax error anywhere in it makes the whole file unreadable.

Fractional numbers are parsed as `Decimal` (never float). A file that cannot be read or is not JSON at
all raises `cdrlib.errors.InputFileError` with one message for a person; `read_records` checks the file
when it is called, before the first record is asked for.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Protocol

from cdrlib.errors import InputFileError
from cdrlib.ocpi import jsontext

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# OCPI 2.2.1 status codes: 1xxx success, 2xxx client errors, 3xxx server errors, 4xxx hub errors.
SUCCESS_STATUS_CODES = range(1000, 2000)
# How much of a bad record is repeated in a message.
SNIPPET_CHARS = 60


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as read: where it came from, its raw JSON text and its parsed value."""

    file: str  # the path as given
    position: int  # 1-based: index in the array / line number in NDJSON / 1 for a single object
    text: str  # this record's raw JSON text (NDJSON: the line; array element: its JSON text)
    obj: object  # the parsed JSON value (fractional numbers as Decimal)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that was not accepted, and why. ``field`` is a dotted path when the problem has one."""

    file: str
    position: int
    record_id: str | None
    field: str | None
    reason: str
    raw: str
    kind: str | None = None  # "cdr" | "tariff" | "location" when known


def read_records(path: str | os.PathLike[str]) -> Iterator[RawRecord | Rejection]:
    """Yield the records of an OCPI JSON / NDJSON file (see the module docstring for what it may hold).

    Raises `InputFileError` at once for a missing, unreadable, empty or non-JSON file, or an envelope
    that reports an error; a later read error of a compressed stream raises it while iterating.
    """
    name = os.fspath(path)
    stream = _open(name)
    try:
        first = _first_content_line(stream, name)
        stripped = first[1].lstrip()
        if stripped.startswith("{"):
            try:
                obj = jsontext.loads(first[1])
            except ValueError:
                pass  # a pretty-printed document, or NDJSON with a broken first line
            else:
                if isinstance(obj, dict) and _is_envelope(obj):
                    rest = stream.read()
                    if rest.strip():
                        # A one-line envelope followed by more lines: NDJSON, read as a whole.
                        return _document(name, first, first[1] + _decode(rest, name), stream)
                    return _close_after(stream, _records_of(name, obj))
                return _close_after(stream, _ndjson(name, stream, first, obj))
        return _document(name, first, first[1] + _decode(stream.read(), name), stream)
    except OSError as exc:
        stream.close()
        raise InputFileError(f"{name}: cannot read: {_os_reason(exc)}") from exc
    except BaseException:
        stream.close()
        raise


# --- opening -------------------------------------------------------------------------------------


class _ByteLines(Protocol):
    def readline(self) -> bytes: ...
    def read(self) -> bytes: ...
    def close(self) -> None: ...


def _open(name: str) -> _ByteLines:
    try:
        raw = open(name, "rb")  # noqa: SIM115 -- handed to the generator, closed there
    except FileNotFoundError as exc:
        raise InputFileError(f"{name}: file not found") from exc
    except IsADirectoryError as exc:
        raise InputFileError(f"{name}: is a directory, not a file") from exc
    except OSError as exc:
        raise InputFileError(f"{name}: cannot open: {_os_reason(exc)}") from exc
    try:
        magic = raw.read(4)
        raw.seek(0)
    except OSError as exc:
        raw.close()
        raise InputFileError(f"{name}: cannot read: {_os_reason(exc)}") from exc
    if magic.startswith(GZIP_MAGIC):
        return _GzipReader(gzip.GzipFile(fileobj=raw, mode="rb"), raw, name)
    if magic.startswith(ZIP_MAGIC):
        raw.close()
        raise InputFileError(f"{name}: is a ZIP archive; unpack it and import the files inside")
    return raw


class _GzipReader:
    """A gzip stream whose decompression errors become `InputFileError` and that closes its file."""

    def __init__(self, stream: gzip.GzipFile, raw: IO[bytes], name: str) -> None:
        self._stream, self._raw, self._name = stream, raw, name

    def _guard(self, call: Callable[[], bytes]) -> bytes:
        try:
            return call()
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise InputFileError(f"{self._name}: not a valid gzip file: {exc or 'truncated'}") from exc

    def readline(self) -> bytes:
        return self._guard(self._stream.readline)

    def read(self) -> bytes:
        return self._guard(self._stream.read)

    def close(self) -> None:
        self._stream.close()
        self._raw.close()


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{name}: not a JSON or NDJSON file: not UTF-8 text (byte {exc.start + 1}: {exc.reason})"
        ) from exc


def _first_content_line(stream: _ByteLines, name: str) -> tuple[int, str]:
    """The first non-blank line and its number, BOM removed. Raises for an empty file."""
    number = 0
    while True:
        line = stream.readline()
        if not line:
            raise InputFileError(f"{name}: empty: no records in the file")
        number += 1
        if number == 1:
            if line.startswith(UTF16_BOMS):
                raise InputFileError(f"{name}: is UTF-16 text; only UTF-8 is supported, please convert it")
            if line.startswith(UTF8_BOM):
                line = line[len(UTF8_BOM) :]
        if line.strip():
            return number, _decode(line, name)


def _close_after(
    stream: _ByteLines, records: Iterable[RawRecord | Rejection]
) -> Iterator[RawRecord | Rejection]:
    try:
        yield from records
    finally:
        stream.close()


# --- whole documents -----------------------------------------------------------------------------


def _document(
    name: str, first: tuple[int, str], text: str, stream: _ByteLines
) -> Iterator[RawRecord | Rejection]:
    """Parse the whole text as one JSON document; failing that, as NDJSON with at least one good line.

    ``text`` starts at the first non-blank line, ``first`` (its number and text).
    """
    stream.close()
    skipped = first[0] - 1
    try:
        obj = jsontext.loads(text)
    except ValueError as exc:
        lines = text.splitlines()
        # A pretty-printed document opens with a lone "{" or "["; NDJSON has a record on its first line.
        if len(lines) > 1 and first[1].strip() not in ("{", "["):
            records = list(_ndjson_lines(name, enumerate(lines, start=first[0])))
            if any(isinstance(r, RawRecord) and isinstance(r.obj, dict) for r in records):
                return iter(records)
        reason = _json_error(exc, line_offset=skipped)
        raise InputFileError(f"{name}: not a JSON or NDJSON file: {reason}") from exc
    if isinstance(obj, dict) and _is_envelope(obj):
        return _records_of(name, obj)
    if isinstance(obj, list):
        return _array(name, obj)
    if isinstance(obj, dict):
        return iter([RawRecord(name, 1, text.strip(), obj)])
    raise InputFileError(f"{name}: holds a JSON {_json_type(obj)}, not an OCPI object or a list of them")


def _array(name: str, items: list[object]) -> Iterator[RawRecord | Rejection]:
    for index, item in enumerate(items, start=1):
        yield RawRecord(name, index, jsontext.dumps(item), item)


def _is_envelope(obj: dict[str, object]) -> bool:
    return "status_code" in obj and ("data" in obj or "timestamp" in obj or "status_message" in obj)


def _records_of(name: str, envelope: dict[str, object]) -> Iterator[RawRecord | Rejection]:
    """The records in an OCPI response envelope; refuses an envelope that reports an error."""
    code = envelope.get("status_code")
    message = envelope.get("status_message")
    if not isinstance(code, int) or isinstance(code, bool):
        raise InputFileError(f"{name}: OCPI response with an invalid status_code: {jsontext.dumps(code)}")
    if code not in SUCCESS_STATUS_CODES:
        detail = f": {message}" if isinstance(message, str) and message else ""
        raise InputFileError(
            f"{name}: the OCPI response reports an error, status_code {code}{detail}; it holds no records"
        )
    data = envelope.get("data")
    if data is None:
        return iter(())
    if isinstance(data, list):
        return _array(name, data)
    return iter([RawRecord(name, 1, jsontext.dumps(data), data)])


# --- NDJSON --------------------------------------------------------------------------------------


def _ndjson(
    name: str, stream: _ByteLines, first: tuple[int, str], first_obj: object
) -> Iterator[RawRecord | Rejection]:
    number, line = first
    yield RawRecord(name, number, line.strip(), first_obj)
    while True:
        data = stream.readline()
        if not data:
            return
        number += 1
        if not data.strip():
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raw = data.decode("utf-8", errors="replace").strip()
            yield Rejection(name, number, None, None, f"line {number}: not UTF-8 text ({exc.reason})", raw)
            continue
        yield from _ndjson_lines(name, [(number, text)])


def _ndjson_lines(name: str, lines: Iterable[tuple[int, str]]) -> Iterator[RawRecord | Rejection]:
    for number, line in lines:
        text = line.strip()
        if not text:
            continue
        try:
            obj = jsontext.loads(text)
        except ValueError as exc:
            yield Rejection(
                name, number, None, None, f"line {number}: not valid JSON: {_json_error(exc)}", text
            )
            continue
        yield RawRecord(name, number, text, obj)


# --- messages ------------------------------------------------------------------------------------


def _json_error(exc: ValueError, *, line_offset: int | None = None) -> str:
    """``Expecting ',' delimiter (column 23)``; with ``line_offset``, the line number is given too."""
    if isinstance(exc, json.JSONDecodeError):
        if line_offset is None:
            return f"{exc.msg} (column {exc.colno})"
        return f"{exc.msg} (line {exc.lineno + line_offset}, column {exc.colno})"
    return str(exc)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    return "number"
