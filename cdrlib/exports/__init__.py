"""The exports staff download every month (spec/exports.md): one registry that the Exports page, the CLI
and the tests all use. Every format turns the same `ExportData` (one read of the period's CDRs) into the
bytes of one file.

    data = exports.data.read(store, first, last, settings.reporting_tz)
    fmt = exports.FORMATS["normal"]
    payload = fmt.build(data, exports.csvfmt.dialect("excel"))   # bytes of cdrs-normal_<from>_<to>.zip
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cdrlib.exports import csvfmt, normal
from cdrlib.exports.csvfmt import Dialect
from cdrlib.exports.data import ExportData

__all__ = ["FORMATS", "Format", "zip_files"]


@dataclass(frozen=True, slots=True)
class Format:
    """One export format: its CLI name, its title, its file name pattern and how it is built."""

    name: str
    title: str
    stem: str  # the file name is ``<stem>_<from>_<to>.<extension>``
    extension: str  # "zip" or "csv"
    build: Callable[[ExportData, Dialect], bytes]

    def file_name(self, data: ExportData) -> str:
        return f"{self.stem}_{data.label}.{self.extension}"

    @property
    def mime(self) -> str:
        return "application/zip" if self.extension == "zip" else "text/csv"


def zip_files(files: Mapping[str, bytes]) -> bytes:
    """A ZIP (deflate) of ``files`` in their order; entries dated 1980-01-01 so that the same data give
    the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, payload in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, payload)
    return buffer.getvalue()


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "normal",
            "Normal (eViolin): a CSV per EMP and the not-roamed CDRs",
            "cdrs-normal",
            "zip",
            lambda data, d: zip_files(normal.files(data, d)),
        ),
    )
}

DIALECTS = csvfmt.DIALECTS
