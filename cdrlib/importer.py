"""Import OCPI files (CDRs, tariffs, locations) into the store.

Each record is validated on its own: an invalid one is rejected with a message naming the file,
its position and id, the field and the problem, and kept in the store with its raw text; the valid
records of the same file are stored. CDRs are written in transactions of `CDR_CHUNK` records (a CDR
with its periods and tariffs is never half-written), so an import that dies half-way is completed
by running it again: what was stored counts as duplicates.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdrlib import enrich, model, pricing
from cdrlib.errors import InputFileError, ValidationError
from cdrlib.ocpi import reader, records
from cdrlib.settings import Settings
from cdrlib.store import RejectionRow, Store

CDR_CHUNK = 2_000  # CDRs per transaction

Progress = Callable[[str, int], None]  # (file, records done in it)


@dataclass
class ImportReport:
    """The outcome of one import; ``rejections`` lists rejected records and conflicts alike."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    conflicts: int = 0
    tariffs: int = 0
    locations: int = 0
    price_mismatches: int = 0  # accepted CDRs whose stated total_cost differs from the recomputed one
    unpriced: int = 0  # accepted CDRs the engine could not price (reason kept with the CDR)
    # accepted CDRs without a known location in a country with several zones (or an unknown one): their
    # local times use the reporting zone (`enrich`), which may be wrong for them
    zone_unknown: int = 0
    rejections: list[RejectionRow] = field(default_factory=list)
    batch_pk: int | None = None

    @property
    def ok(self) -> bool:
        return self.rejected == 0 and self.conflicts == 0

    def as_json(self) -> dict[str, Any]:
        """The CLI's ``--json`` object."""
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "conflicts": self.conflicts,
            "tariffs": self.tariffs,
            "locations": self.locations,
            "price_mismatches": self.price_mismatches,
            "unpriced": self.unpriced,
            "zone_unknown": self.zone_unknown,
            "rejections": [
                {"file": r.file, "record": r.position, "id": r.record_id, "reason": r.reason, "field": r.field}
                for r in self.rejections
            ],
        }


def check_files(paths: Sequence[str | os.PathLike[str]]) -> None:
    """Fail before anything is written when a file is missing or unreadable (a usage error)."""
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise InputFileError(f"{p}: no such file")
        if not path.is_file():
            raise InputFileError(f"{p}: not a file")
        if not os.access(path, os.R_OK):
            raise InputFileError(f"{p}: not readable")


def import_files(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    *,
    settings: Settings,
    emp_id: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import every record of ``paths`` into ``store``; see the module docstring.

    ``emp_id`` names the EMP an OCPI 2.1.1 file came from (2.1.1 CDRs carry no token issuer).
    """
    check_files(paths)
    report = ImportReport()
    report.batch_pk = store.begin_batch("import", ", ".join(printable(str(p)) for p in paths))
    finished = False
    try:
        for path in paths:
            _FileImport(store, str(path), settings, emp_id, report, progress).run()
        finished = True
    finally:
        # The counts of what was committed are kept either way; an interrupted import keeps no
        # finish time, so that it shows as stopped.
        store.finish_batch(
            report.batch_pk,
            accepted=report.accepted,
            duplicates=report.duplicates,
            rejected=report.rejected,
            conflicts=report.conflicts,
            finished=finished,
        )
    return report


@dataclass
class _Pending:
    cdr: model.Cdr
    raw: reader.RawRecord


class _FileImport:
    def __init__(
        self,
        store: Store,
        path: str,
        settings: Settings,
        emp_id: str | None,
        report: ImportReport,
        progress: Progress | None,
    ) -> None:
        self.store, self.path, self.settings, self.emp_id = store, path, settings, emp_id
        self.report, self.progress = report, progress
        self.pending: list[_Pending] = []
        self.rejects: list[RejectionRow] = []
        self.locations = store.location_index()
        self.locations_changed = False
        self.tariffs: pricing.TariffIndex | None = None  # the store's, read when first needed

    def run(self) -> None:
        done = 0
        try:
            for item in reader.read_records(self.path):
                done += 1
                if isinstance(item, reader.Rejection):
                    self._reject_row(
                        RejectionRow(
                            item.file, item.position, item.reason, item.raw, item.kind, item.record_id, item.field
                        )
                    )
                else:
                    self._take(item)
                if len(self.pending) >= CDR_CHUNK:
                    self._flush()
                if self.progress is not None and done % 500 == 0:
                    self.progress(self.path, done)
        except InputFileError as exc:
            # The whole file is unreadable (not JSON, an error envelope): one clear rejection. Its
            # message names the file already.
            self._reject_row(RejectionRow(self.path, 0, str(exc), _head(self.path)), prefixed=True)
        self._flush()
        if self.progress is not None:
            self.progress(self.path, done)

    def _take(self, rec: reader.RawRecord) -> None:
        kind: str | None = None
        try:
            kind = records.kind_of(rec.obj)
            if kind == "cdr":
                cdr = records.parse_cdr(rec.obj, emp_id=self.emp_id)
                self.pending.append(_Pending(cdr, rec))
            elif kind == "tariff":
                self.store.put_tariffs([records.parse_tariff(rec.obj)])
                self.tariffs = None  # read the store's tariffs again before the next CDRs
                self.report.tariffs += 1
            else:
                self.store.put_locations([records.parse_location(rec.obj)])
                self.locations_changed = True  # read the index again before the next CDRs
                self.report.locations += 1
        except ValidationError as exc:
            self._reject_row(
                RejectionRow(
                    rec.file, rec.position, str(exc), rec.text, kind, _record_id(rec.obj), getattr(exc, "field", None)
                )
            )

    def _reject_row(self, row: RejectionRow, *, prefixed: bool = False) -> None:
        """Count and keep a rejection; its reason is prefixed with the file, position and id."""
        ident = f" (id {row.record_id})" if row.record_id else ""
        file = printable(row.file)
        reason = printable(row.reason if prefixed else f"{file}, record {row.position}{ident}: {row.reason}")
        row = RejectionRow(file, row.position, reason, row.raw, row.kind, row.record_id, row.field, row.is_conflict)
        self.rejects.append(row)
        self.report.rejections.append(row)
        if row.is_conflict:
            self.report.conflicts += 1
        else:
            self.report.rejected += 1

    def _flush(self) -> None:
        batch = self.pending
        self.pending = []
        if batch:
            if self.locations_changed:
                self.locations = self.store.location_index()
                self.locations_changed = False
            cdrs = [
                enrich.enrich(
                    p.cdr,
                    locations=self.locations,
                    own_parties=self.settings.own_parties,
                    reporting_tz=self.settings.reporting_tz,
                )
                for p in batch
            ]
            cdrs = self._checked(cdrs)
            result = self.store.add_cdrs(cdrs, batch_pk=self.report.batch_pk)
            conflicted = {(c.key, c.content_hash) for c in result.conflicts}
            for cdr in cdrs:
                if (cdr.key, cdr.content_hash) in conflicted:
                    continue
                if cdr.time_zone_guessed and cdr.cdr_location.country.upper() not in enrich.SINGLE_ZONE_COUNTRIES:
                    self.report.zone_unknown += 1
                if cdr.price_check is None:
                    continue
                if cdr.price_check.status == model.PRICE_MISMATCH:
                    self.report.price_mismatches += 1
                elif cdr.price_check.status == model.PRICE_UNPRICED:
                    self.report.unpriced += 1
            self.report.accepted += result.inserted + result.duplicates
            self.report.duplicates += result.duplicates
            if result.conflicts:
                # Several pending CDRs may share a key: take each received record once, in order.
                by_key: dict[tuple[str, str, str], list[_Pending]] = {}
                for p in batch:
                    by_key.setdefault(p.cdr.key, []).append(p)
                for c in result.conflicts:
                    p = next(q for q in by_key[c.key] if q.cdr.content_hash == c.content_hash)
                    by_key[c.key].remove(p)
                    self._reject_row(
                        RejectionRow(
                            p.raw.file,
                            p.raw.position,
                            f"conflict: a different CDR with key {'/'.join(c.key)} is already stored; "
                            "the stored one is kept",
                            p.raw.text,
                            "cdr",
                            c.id,
                            None,
                            is_conflict=True,
                        )
                    )
        if self.rejects:
            self.store.add_rejections(self.report.batch_pk or 0, self.rejects)
            self.rejects = []


    def _checked(self, cdrs: list[model.Cdr]) -> list[model.Cdr]:
        """Price every CDR with its tariffs (its own, else the store's) and keep the check with it
        (spec/pricing.md, Validation). The CDR itself is never changed or dropped."""
        if self.tariffs is None:
            self.tariffs = pricing.TariffIndex(self.store.tariffs())
        return [dataclasses.replace(c, price_check=pricing.check(c, self.tariffs)) for c in cdrs]


def printable(text: str) -> str:
    """A file name as people (and the store) can take it: a name that is not UTF-8 reaches Python
    as surrogate escapes, which are shown as U+FFFD instead."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _record_id(obj: object) -> str | None:
    if isinstance(obj, dict):
        value = obj.get("id")
        if isinstance(value, str | int):
            return str(value)
    return None


def _head(path: str, limit: int = 64 * 1024) -> str:
    """The start of an unreadable file, kept as the raw text of its rejection."""
    try:
        with open(path, "rb") as fh:
            return fh.read(limit).decode("utf-8", errors="replace")
    except OSError as exc:
        return f"<unreadable: {exc}>"
