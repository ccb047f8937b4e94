"""Read-only views of the store for the dashboard pages that `Store` itself does not offer.

Each function takes an open `Store` and hands back plain frozen dataclasses; SQL stays in
`cdrlib.store`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from cdrlib.errors import StoreError
from cdrlib.store import Store
from cdrlib.store import schema as s

MAX_BATCHES = 500  # import batches listed, newest first
MAX_REJECTIONS = 5_000  # rejected records listed for one batch


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """One run of the importer (``source`` ``import``) or the demo generator (``demo``)."""

    pk: int
    source: str
    description: str
    started_at: dt.datetime
    finished_at: dt.datetime | None  # None: still running, or stopped before it finished
    accepted: int
    duplicates: int
    rejected: int
    conflicts: int


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record of a batch that was not stored as data: where it was, what it was, and why."""

    pk: int
    batch_pk: int
    file: str
    position: int
    kind: str | None
    record_id: str | None
    field: str | None
    reason: str
    is_conflict: bool
    raw: str
    created_at: dt.datetime


def _read(store: Store, what: str, query: sa.Select) -> list[sa.Row]:
    try:
        with store.engine.connect() as conn:
            return list(conn.execute(query).all())
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read {what} from {store.url}: {exc.__class__.__name__}: {exc}") from exc


def import_batches(store: Store, *, limit: int = MAX_BATCHES) -> list[ImportBatch]:
    """The last ``limit`` import batches, newest first."""
    b = s.import_batch
    rows = _read(store, "import batches", sa.select(b).order_by(b.c.pk.desc()).limit(limit))
    return [
        ImportBatch(
            pk=r.pk,
            source=r.source,
            description=r.description or "",
            started_at=r.started_at,
            finished_at=r.finished_at,
            accepted=r.accepted,
            duplicates=r.duplicates,
            rejected=r.rejected,
            conflicts=r.conflicts,
        )
        for r in rows
    ]


def batch_count(store: Store) -> int:
    """How many import batches (of any source) the store has."""
    rows = _read(store, "import batches", sa.select(sa.func.count()).select_from(s.import_batch))
    return int(rows[0][0])


def rejections(store: Store, batch_pk: int, *, limit: int = MAX_REJECTIONS) -> list[Rejection]:
    """The rejected records of one batch in file order (file, then position), at most ``limit``."""
    j = s.rejection
    q = sa.select(j).where(j.c.batch_pk == batch_pk).order_by(j.c.file, j.c.position, j.c.pk).limit(limit)
    return [
        Rejection(
            pk=r.pk,
            batch_pk=r.batch_pk,
            file=r.file,
            position=r.position,
            kind=r.kind,
            record_id=r.record_id,
            field=r.field,
            reason=r.reason,
            is_conflict=bool(r.is_conflict),
            raw=r.raw,
            created_at=r.created_at,
        )
        for r in _read(store, "rejected records", q)
    ]
