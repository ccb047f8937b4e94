"""The export ZIPs: chunks deflated in parallel and joined into one stream must give a ZIP that other
tools read back exactly (spec/exports.md: a ZIP file; the Full download is one)."""

from __future__ import annotations

import io
import random
import subprocess
import zipfile

import pytest

from cdrlib.exports import archive

ROWS = [f"CDR-{n:07d},2025-10-26T01:30:00+00:00,{n * 7 % 10_000}.{n % 10_000:04d}\r\n".encode() for n in range(30_000)]


def build(force_zip64: bool = False) -> tuple[bytes, dict[str, bytes]]:
    expected = {"a.csv": b"", "b.csv": b"", "empty.csv": b"", "caf\u00e9.csv": "h\u00e9\r\n".encode()}
    with archive.ZipBuilder(workers=2, force_zip64=force_zip64) as z:
        z.write("empty.csv", b"")
        for i in range(0, len(ROWS), 4_000):  # interleaved writes to two files, in chunks
            for name, rows in (("a.csv", ROWS[i : i + 4_000]), ("b.csv", ROWS[i : i + 2_000])):
                chunk = b"".join(rows)
                z.write(name, chunk)
                expected[name] += chunk
        noise = random.Random(1).randbytes(50_000)  # does not compress: stored blocks inside the stream
        z.write("b.csv", noise)
        expected["b.csv"] += noise
        z.write("caf\u00e9.csv", expected["caf\u00e9.csv"])
        return z.close(), expected


@pytest.mark.parametrize("force_zip64", [False, True])
def test_python_reads_back_every_file_in_write_order(force_zip64):
    payload, expected = build(force_zip64)
    with zipfile.ZipFile(io.BytesIO(payload)) as z:
        assert z.testzip() is None  # every CRC matches
        assert z.namelist() == ["empty.csv", "a.csv", "b.csv", "caf\u00e9.csv"]
        assert z.read("a.csv") == expected["a.csv"]
        assert z.read("b.csv") == expected["b.csv"]
        assert z.read("empty.csv") == b""
        assert z.read("caf\u00e9.csv") == expected["caf\u00e9.csv"]
        info = z.getinfo("a.csv")
        assert info.compress_type == zipfile.ZIP_DEFLATED and info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.compress_size < info.file_size / 3


@pytest.mark.parametrize("force_zip64", [False, True])
def test_info_zip_tests_it_clean(tmp_path, force_zip64):
    path = tmp_path / "x.zip"
    path.write_bytes(build(force_zip64)[0])
    done = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and "No errors detected" in done.stdout, done.stdout + done.stderr


def test_the_same_writes_give_the_same_bytes():
    assert build()[0] == build()[0]


def test_an_archive_without_files_is_an_empty_zip():
    with zipfile.ZipFile(io.BytesIO(archive.zip_files({}))) as z:
        assert z.namelist() == []


def test_a_closed_archive_takes_no_more_writes():
    z = archive.ZipBuilder()
    z.close()
    with pytest.raises(ValueError, match="closed"):
        z.write("a.csv", b"x")
