"""The exports staff download every month (spec/exports.md): one registry that the Exports page, the CLI
and the tests all use. Every format turns the same `ExportData` (one read of the period's CDRs) into the
bytes of one file.

    data = exports.data.read(store, first, last, settings.reporting_tz)
    fmt = exports.FORMATS["normal"]
    payload = fmt.build(data, exports.csvfmt.dialect("excel"))   # bytes of cdrs-normal_<from>_<to>.zip
    fmt.summary(data)    # what the files hold: per file and currency, the rows and the sums
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from cdrlib.exports import csvfmt, distribution, full, normal, reimbursement
from cdrlib.exports.archive import zip_files
from cdrlib.exports.csvfmt import Dialect
from cdrlib.exports.data import ExportData

__all__ = ["FORMATS", "Format", "zip_files"]


@dataclass(frozen=True, slots=True)
class Format:
    """One export format: its CLI name, its title, its file name pattern and how it is built."""

    name: str
    title: str
    description: str
    stem: str  # the file name is ``<stem>_<from>_<to>.<extension>``
    extension: str  # "zip" or "csv"
    build: Callable[[ExportData, Dialect], bytes]
    summary: Callable[[ExportData], pl.DataFrame]  # per file and currency: rows and sums (`data.summary`)

    def file_name(self, data: ExportData) -> str:
        return data.file_name(self.stem, self.extension)

    @property
    def mime(self) -> str:
        return "application/zip" if self.extension == "zip" else "text/csv"


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "normal",
            "Normal (eViolin)",
            "A CSV per EMP of its roamed CDRs, and the not-roamed CDRs (ZIP)",
            "cdrs-normal",
            "zip",
            lambda data, d: zip_files(normal.files(data, d)),
            normal.summary,
        ),
        Format(
            "full",
            "Full download",
            "The roamed and the not-roamed CDRs with every column (ZIP)",
            "cdrs-full",
            "zip",
            full.build,
            full.summary,
        ),
        Format(
            "reimbursement",
            "Reimbursement CDRs",
            "Home and fleet charging to pay back to drivers (CSV)",
            reimbursement.STEM,
            "csv",
            reimbursement.build,
            reimbursement.summary,
        ),
        Format(
            "distribution",
            "Tariff distribution CDRs",
            "Each session's revenue split between energy, the CPO and the customer (CSV)",
            distribution.STEM,
            "csv",
            distribution.build,
            distribution.summary,
        ),
    )
}

DIALECTS = csvfmt.DIALECTS
