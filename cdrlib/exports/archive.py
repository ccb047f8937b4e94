"""The ZIP files of the exports, deflated in parallel with ISA-L.

`zipfile` at its default level deflates a million-CDR Full download (about 550 MB of CSV) in more time
than the whole export may take. Here each file is written as chunks of CSV; every chunk is deflated on
its own, on a pool of threads (ISA-L releases the GIL), and ends with a sync flush, so the chunks joined
in order are one valid deflate stream (as ``pigz`` does). The CRC-32 is computed in order as the chunks
come. The archive is a plain ZIP (APPNOTE 6.3.10), with Zip64 fields only where a size or an offset
needs them; entries are dated 1980-01-01 so that the same data give the same bytes.

    with ZipBuilder() as z:
        z.write("a.csv", header_and_first_rows)
        z.write("a.csv", more_rows)
        payload = z.close()
"""

from __future__ import annotations

import os
import struct
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

try:
    from isal import isal_zlib as _deflate

    LEVEL = 1  # ISA-L levels are 0..3; 1 is its fast default, about as small as zlib's level 1
except ImportError:  # pragma: no cover - isal is in requirements.txt; zlib gives the same format
    _deflate = zlib  # type: ignore[no-redef]
    LEVEL = 1

MAX_PENDING = 3  # chunks being deflated at once (bounds the memory held by CSV text)
_ZIP64_LIMIT = 0xFFFFFFFF
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_DOS_TIME = 0
_FINAL = b"\x03\x00"  # an empty final fixed-Huffman block: ends a stream made of sync-flushed chunks


def _deflate_chunk(data: bytes) -> bytes:
    compressor = _deflate.compressobj(LEVEL, _deflate.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(_deflate.Z_SYNC_FLUSH)


_COMBINE = getattr(_deflate, "crc32_combine", None)  # ISA-L has it; without it the CRC is computed in order


def _deflate_and_check(data: bytes) -> tuple[bytes, int | None]:
    """The chunk deflated, and its own CRC-32 (to combine in order) when it can be combined."""
    return _deflate_chunk(data), None if _COMBINE is None else _deflate.crc32(data)


@dataclass
class _Entry:
    name: str
    crc: int = 0
    size: int = 0
    parts: list[tuple[Future[tuple[bytes, int | None]], int]] = field(default_factory=list)  # (chunk, size)

    def checked_crc(self) -> int:
        """The CRC-32 of the whole file: the chunks' own CRCs combined in order (else computed as they
        came)."""
        crc = self.crc
        for future, size in self.parts:
            chunk_crc = future.result()[1]
            if chunk_crc is not None:
                crc = _COMBINE(crc, chunk_crc, size)  # type: ignore[misc]
        return crc


class ZipBuilder:
    """Builds a ZIP in memory from files written chunk by chunk, in any interleaving."""

    def __init__(self, workers: int | None = None, *, force_zip64: bool = False) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1, thread_name_prefix="deflate")
        self._entries: dict[str, _Entry] = {}
        self._pending: deque[Future[tuple[bytes, int | None]]] = deque()
        self._force_zip64 = force_zip64
        self._closed = False

    def write(self, name: str, data: bytes) -> None:
        """Append ``data`` to file ``name`` (created on first write)."""
        if self._closed:
            raise ValueError("the ZIP is closed")
        entry = self._entries.get(name)
        if entry is None:
            entry = self._entries[name] = _Entry(name)
        if not data:
            return
        entry.size += len(data)
        while len(self._pending) >= MAX_PENDING:
            self._pending.popleft().result()
        if _COMBINE is None:
            entry.crc = zlib.crc32(data, entry.crc)
        # The CRC on the deflating thread too, where it can be combined: not on the one making chunks.
        future = self._pool.submit(_deflate_and_check, data)
        entry.parts.append((future, len(data)))
        self._pending.append(future)

    def close(self) -> bytes:
        """The whole ZIP file."""
        self._closed = True
        pieces: list[bytes] = []  # joined once at the end: the ZIP is copied once, not three times
        offset = 0
        central: list[bytes] = []
        try:
            for entry in self._entries.values():
                entry.crc = entry.checked_crc()
                compressed = sum(len(f.result()[0]) for f, _ in entry.parts) + len(_FINAL)
                zip64 = self._force_zip64 or max(entry.size, compressed, offset) >= _ZIP64_LIMIT
                name = entry.name.encode("utf-8")
                flags = 0 if name.isascii() else 0x800  # bit 11: the name is UTF-8
                version = 45 if zip64 else 20
                sizes = (_ZIP64_LIMIT, _ZIP64_LIMIT) if zip64 else (compressed, entry.size)
                local_extra = struct.pack("<HHQQ", 1, 16, entry.size, compressed) if zip64 else b""
                header = struct.pack("<IHHHHHIIIHH", 0x04034B50, version, flags, 8, _DOS_TIME, _DOS_DATE,
                                     entry.crc, *sizes, len(name), len(local_extra)) + name + local_extra
                pieces.append(header)
                pieces.extend(f.result()[0] for f, _ in entry.parts)
                pieces.append(_FINAL)
                entry.parts.clear()
                central_extra = struct.pack("<HHQQQ", 1, 24, entry.size, compressed, offset) if zip64 else b""
                central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | version, version, flags, 8,
                                           _DOS_TIME, _DOS_DATE, entry.crc, *sizes, len(name), len(central_extra),
                                           0, 0, 0, 0o644 << 16, _ZIP64_LIMIT if zip64 else offset))
                central.append(name + central_extra)
                offset += len(header) + compressed
        finally:
            self._pool.shutdown(wait=True)
        start = offset
        directory = b"".join(central)
        pieces.append(directory)
        count = len(self._entries)
        if self._force_zip64 or start >= _ZIP64_LIMIT or count >= 0xFFFF:
            end64 = start + len(directory)
            pieces.append(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, (3 << 8) | 45, 45, 0, 0, count, count,
                                      len(directory), start))
            pieces.append(struct.pack("<IIQI", 0x07064B50, 0, end64, 1))
            pieces.append(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, _ZIP64_LIMIT, _ZIP64_LIMIT, 0))
        else:
            pieces.append(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), start, 0))
        return b"".join(pieces)

    def __enter__(self) -> ZipBuilder:
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)


def zip_files(files: dict[str, bytes]) -> bytes:
    """A ZIP of whole files, in their order."""
    with ZipBuilder() as z:
        for name, data in files.items():
            z.write(name, data)
        return z.close()
