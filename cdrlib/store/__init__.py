"""The CDR store: the only part of cdrlib that talks SQL.

It writes and reads the domain objects of `cdrlib.model` and hands polars frames upward for the
heavy reads. Open it with `Store.open(url)`; the schema is created on first use.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import inspect
import json
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from cdrlib import model
from cdrlib.errors import StoreError
from cdrlib.model import from_e4, to_e4
from cdrlib.store import fastread
from cdrlib.store import schema as s
from cdrlib.store.schema import to_micros

__all__ = [
    "ANALYTICS_COLUMNS",
    "EXPORT_COLUMNS",
    "FOUND_COLUMNS",
    "ISSUE_COLUMNS",
    "SESSION_COLUMNS",
    "AddResult",
    "PreparedCdrs",
    "RejectionRow",
    "Store",
    "prepare_cdrs",
    "sqlite_file",
]

_KEY_CHUNK = 500  # keys per IN (...) lookup: well under every database's bind-parameter limit
_PRICE_FIELDS = (
    "total_cost",
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_reservation_cost",
)
_DIMENSION_COLUMNS = (
    "energy_e4",
    "time_e4",
    "parking_time_e4",
    "reservation_time_e4",
    "min_current_e4",
    "max_current_e4",
    "min_power_e4",
    "max_power_e4",
)
_DIMENSION_FIELDS = tuple(c.removesuffix("_e4") for c in _DIMENSION_COLUMNS)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass(frozen=True, slots=True)
class AddResult:
    """What `Store.add_cdrs` did: ``conflicts`` holds the CDRs that were not written, and
    ``conflict_positions`` their positions in the input."""

    inserted: int = 0
    duplicates: int = 0
    conflicts: tuple[model.Cdr, ...] = ()
    conflict_positions: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PreparedCdrs:
    """CDRs in storage form, made by `prepare_cdrs`.

    Making it is the CPU-heavy half of writing CDRs and needs no database, so it may run in another
    process (the demo generator does so for big runs) while this one writes.
    """

    keys: tuple[tuple[str, str, str, str | None], ...]  # country_code, party_id, id, content_hash
    rows: tuple[tuple[Any, ...], ...]  # `cdr` rows without batch_pk; created_at None: now
    periods: tuple[tuple[tuple[Any, ...], ...], ...]  # per CDR, `cdr_period` rows without cdr_pk
    tariffs: tuple[tuple[model.Tariff, ...], ...]  # per CDR

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def concat(cls, parts: Sequence[PreparedCdrs]) -> PreparedCdrs:
        return cls(
            keys=tuple(k for p in parts for k in p.keys),
            rows=tuple(r for p in parts for r in p.rows),
            periods=tuple(r for p in parts for r in p.periods),
            tariffs=tuple(t for p in parts for t in p.tariffs),
        )


def prepare_cdrs(cdrs: Sequence[model.Cdr]) -> PreparedCdrs:
    """``cdrs`` in storage form: integers of 1/10,000 and of microseconds, one tuple per row."""
    return PreparedCdrs(
        keys=tuple((x.country_code, x.party_id, x.id, x.content_hash) for x in cdrs),
        rows=tuple(_cdr_row(x) for x in cdrs),
        periods=tuple(
            tuple(
                (
                    seq,
                    to_micros(p.start_date_time),
                    p.tariff_id,
                    *[None if v is None else to_e4(v) for v in _dimension_values(p)],
                )
                for seq, p in enumerate(x.charging_periods)
            )
            for x in cdrs
        ),
        tariffs=tuple(x.tariffs for x in cdrs),
    )


@dataclass(frozen=True, slots=True)
class RejectionRow:
    """A record that was not stored as data, kept with its raw text and the reason."""

    file: str
    position: int
    reason: str
    raw: str
    kind: str | None = None
    record_id: str | None = None
    field: str | None = None
    is_conflict: bool = False


# The columns of a dashboard session (part of `Store.analytics_frame`), with their polars types.
SESSION_COLUMNS: dict[str, pl.DataType] = {
    "pk": pl.Int64(),
    "cdr_id": pl.String(),
    "start_us": pl.Int64(),
    "end_us": pl.Int64(),
    "created_us": pl.Int64(),
    "time_zone": pl.String(),
    "currency": pl.String(),
    "total_energy_e4": pl.Int64(),
    "total_time_e4": pl.Int64(),
    "total_parking_time_e4": pl.Int64(),
    "total_cost_excl_e4": pl.Int64(),
    "total_cost_incl_e4": pl.Int64(),
    "roamed": pl.Boolean(),
    "emp_id": pl.String(),
    "ou_code": pl.String(),
    "location_ou_code": pl.String(),
    "location_id": pl.String(),
    "location_name": pl.String(),
    "location_country": pl.String(),
    "connector_power_type": pl.String(),
    "credit": pl.Boolean(),
    "total_energy_cost_excl_e4": pl.Int64(),
    "total_time_cost_excl_e4": pl.Int64(),
    "total_parking_cost_excl_e4": pl.Int64(),
    "total_fixed_cost_excl_e4": pl.Int64(),
    "total_reservation_cost_excl_e4": pl.Int64(),
    "tariff_id": pl.String(),
    "price_status": pl.String(),
}

# `Store.analytics_frame`: every CDR with what the analytics pages need, `SESSION_COLUMNS` and these.
ANALYTICS_COLUMNS: dict[str, pl.DataType] = {
    **SESSION_COLUMNS,
    "country_code": pl.String(),
    "party_id": pl.String(),
    "token_contract_id": pl.String(),
    "evse_uid": pl.String(),
    "max_power_e4": pl.Int64(),  # kW: the highest MAX_POWER of the CDR's charging periods; None when not given
}

# `Store.price_issues`: CDRs whose stated cost disagrees with the engine's, or that it cannot price.
ISSUE_COLUMNS: dict[str, pl.DataType] = {
    "country_code": pl.String(),
    "party_id": pl.String(),
    "cdr_id": pl.String(),
    "start_us": pl.Int64(),
    "time_zone": pl.String(),
    "location_id": pl.String(),
    "location_name": pl.String(),
    "emp_id": pl.String(),
    "tariff_id": pl.String(),
    "currency": pl.String(),
    "total_cost_excl_e4": pl.Int64(),
    "total_cost_incl_e4": pl.Int64(),
    "calc_total_cost_excl_e4": pl.Int64(),
    "calc_total_cost_incl_e4": pl.Int64(),
    "price_status": pl.String(),
    "price_reason": pl.String(),
}

# `Store.find_cdrs`: one row per CDR found.
FOUND_COLUMNS: dict[str, pl.DataType] = {
    "country_code": pl.String(),
    "party_id": pl.String(),
    "cdr_id": pl.String(),
    "start_us": pl.Int64(),
    "time_zone": pl.String(),
    "location_id": pl.String(),
    "location_name": pl.String(),
    "token_uid": pl.String(),
    "token_contract_id": pl.String(),
    "emp_id": pl.String(),
    "total_energy_e4": pl.Int64(),
    "total_cost_excl_e4": pl.Int64(),
    "currency": pl.String(),
    "price_status": pl.String(),
}
_CHECKED_AT = "price_checks_updated_at"  # meta key: when `set_price_checks` last stored checks
MAX_FOUND = 200  # rows `find_cdrs` returns at most

# `Store.export_frame`: what the exports need of each CDR, raw (``_e4`` integers, epoch microseconds).
# Columns with few distinct values (a location's, a tariff's, an EMP's) are categorical: a million CDRs
# then hold each value once, about 0.35 GB less (bench/bench_export.py).
_CAT = pl.Categorical()
EXPORT_COLUMNS: dict[str, pl.DataType] = {
    "pk": pl.Int64(),
    "country_code": _CAT,
    "party_id": _CAT,
    "cdr_id": pl.String(),
    "start_us": pl.Int64(),
    "end_us": pl.Int64(),
    "created_us": pl.Int64(),
    "time_zone": _CAT,
    "session_id": pl.String(),
    "token_country_code": _CAT,
    "token_party_id": _CAT,
    "token_uid": pl.String(),
    "token_type": _CAT,
    "token_contract_id": pl.String(),
    "auth_method": _CAT,
    "location_id": _CAT,
    "location_name": _CAT,
    "location_address": _CAT,
    "location_city": _CAT,
    "location_postal_code": _CAT,
    "location_country": _CAT,
    "location_latitude": _CAT,
    "location_longitude": _CAT,
    "evse_uid": _CAT,
    "evse_id": _CAT,
    "connector_id": _CAT,
    "connector_standard": _CAT,
    "connector_power_type": _CAT,
    "meter_id": _CAT,
    "currency": _CAT,
    "total_cost_excl_e4": pl.Int64(),
    "total_cost_incl_e4": pl.Int64(),
    "total_energy_e4": pl.Int64(),
    "total_time_e4": pl.Int64(),
    "total_parking_time_e4": pl.Int64(),
    "total_energy_cost_excl_e4": pl.Int64(),
    "total_time_cost_excl_e4": pl.Int64(),
    "total_parking_cost_excl_e4": pl.Int64(),
    "total_fixed_cost_excl_e4": pl.Int64(),
    "calc_total_energy_cost_excl_e4": pl.Int64(),
    "calc_total_time_cost_excl_e4": pl.Int64(),
    "calc_total_parking_cost_excl_e4": pl.Int64(),
    "calc_total_fixed_cost_excl_e4": pl.Int64(),
    "credit": pl.Boolean(),
    "credit_reference_id": pl.String(),
    "ou_code": _CAT,
    "location_ou_code": _CAT,
    "meter_start": pl.Int64(),
    "meter_stop": pl.Int64(),
    "roamed": pl.Boolean(),
    "emp_id": _CAT,
    "tariff_id": _CAT,
}
# `Store.tariff_versions`: every stored tariff version.
TARIFF_COLUMNS: dict[str, pl.DataType] = {
    "tariff_pk": pl.Int64(),
    "tariff_id": pl.String(),
    "type": pl.String(),
    "currency": pl.String(),
    "valid_from_us": pl.Int64(),
    "valid_until_us": pl.Int64(),
    "document": pl.String(),
}
_SESSION_SELECT = {
    "start_us": "start_date_time",
    "end_us": "end_date_time",
    "created_us": "created_at",
}
_TARIFF_SELECT = {"tariff_pk": "pk", "valid_from_us": "start_date_time", "valid_until_us": "end_date_time"}

# `Store.analytics_frame`'s texts that describe the location, EVSE, parties and tariff of a CDR: a few
# thousand distinct combinations in a million CDRs. From SQLite they are read as one JSON array per CDR
# (``json_array``: exact for any text and for NULL) and each distinct array is decoded once: ConnectorX
# pays per text cell (bench/bench_reads.py compares the two reads).
_PACKED = (
    "time_zone", "currency", "emp_id", "ou_code", "location_ou_code", "location_id", "location_name",
    "location_country", "connector_power_type", "tariff_id", "price_status", "country_code", "party_id", "evse_uid",
)
_PACKED_AS = "packed_texts"


def _unpacked(frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """``frame`` with its ``_PACKED_AS`` JSON arrays turned back into the ``names`` columns (texts): each
    distinct array decoded once, then picked per row by its position among them (a gather, not a join)."""
    arrays = frame[_PACKED_AS].unique()
    decoded = pl.col(_PACKED_AS).str.json_decode(pl.List(pl.String))
    values = arrays.to_frame().select(decoded.list.get(i, null_on_oob=True).alias(n) for i, n in enumerate(names))
    picked = values[frame[_PACKED_AS].cast(pl.Enum(arrays)).to_physical()]
    return frame.drop(_PACKED_AS).hstack(picked.get_columns())


class Store:
    """A CDR store on one SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, url: str, *, create: bool = True) -> Store:
        """Open (and on first use create) the store at ``url``.

        SQLite files get their folder created and WAL mode, so the dashboard reads while an
        import writes. Any failure becomes a `StoreError` naming the URL (password hidden).
        ``create`` False: only an existing store; a missing SQLite file or a database without the
        store's tables is a `StoreError` (and nothing is created), for the commands that only read or
        update what is there: a mistyped ``--db`` must not give an empty export that looks valid.
        """
        try:
            sa_url = sa.engine.make_url(url)
        except ArgumentError as exc:
            raise StoreError(f"not a database URL: {url!r} (example: sqlite:///data/cdrs.db)") from exc
        shown = sa_url.render_as_string(hide_password=True)
        is_sqlite = sa_url.get_backend_name() == "sqlite"
        file = sqlite_file(sa_url)
        if file is not None:
            if not create and not file.is_file():
                raise StoreError(f"no CDR store at {shown}: {file} does not exist{_MAKE_ONE}")
            folder = file.parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder of the CDR store {shown}: {exc.strerror or exc}") from exc
        try:
            engine = sa.create_engine(sa_url, **({"connect_args": {"timeout": 30}} if is_sqlite else {}))
        except (ArgumentError, NoSuchModuleError, ImportError) as exc:
            raise StoreError(f"cannot use database URL {shown}: {exc}") from exc
        if is_sqlite:
            event.listen(engine, "connect", _sqlite_on_connect)
        store = cls(engine)
        try:
            with engine.begin() as conn:
                if create:
                    s.metadata.create_all(conn)
                elif not sa.inspect(conn).has_table(s.cdr.name):
                    raise StoreError(f"no CDR store at {shown}: the database has no CDR tables{_MAKE_ONE}")
                missing = _missing_columns(conn)
                if missing and create and _upgrade(conn, missing):
                    missing = _missing_columns(conn)
        except StoreError:
            engine.dispose()
            raise
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StoreError(
                f"cannot open the CDR store at {shown}: {exc.__class__.__name__}: {exc.orig or exc}"
            ) from exc
        if missing:
            engine.dispose()
            raise StoreError(
                f"the CDR store at {shown} was made by another version of this program: it lacks "
                f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}. Use a new store (another "
                "CDR_DB_URL, or move the file away) and import the files again."
            )
        return store

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    # ------------------------------------------------------------------ meta
    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(s.meta_info.c.value).where(s.meta_info.c.key == key)).scalar()

    def set_meta(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(s.meta_info).where(s.meta_info.c.key == key))
            conn.execute(sa.insert(s.meta_info).values(key=key, value=value))

    # ------------------------------------------------------------------ master data
    def put_ous(self, ous: Iterable[model.OrganizationUnit]) -> None:
        """Insert or update OUs (parents first: the list is sorted so that parents come first)."""
        rows = {o.code: o for o in ous}
        ordered = _parents_first(rows)
        with self.engine.begin() as conn:
            existing = set(conn.execute(sa.select(s.ou.c.code)).scalars())
            for o in ordered:
                values = {"name": o.name, "parent_code": o.parent_code, "is_customer": o.is_customer}
                if o.code in existing:
                    conn.execute(sa.update(s.ou).where(s.ou.c.code == o.code).values(**values))
                else:
                    conn.execute(sa.insert(s.ou).values(code=o.code, **values))

    def ous(self) -> list[model.OrganizationUnit]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(s.ou).order_by(s.ou.c.code)).all()
        return [model.OrganizationUnit(r.code, r.name, r.parent_code, bool(r.is_customer)) for r in rows]

    def ou_subtree(self, code: str) -> frozenset[str]:
        """The OU ``code`` and all its descendants."""
        children: dict[str | None, list[str]] = {}
        for o in self.ous():
            children.setdefault(o.parent_code, []).append(o.code)
        found, todo = set(), [code]
        while todo:
            c = todo.pop()
            if c not in found:
                found.add(c)
                todo.extend(children.get(c, ()))
        return frozenset(found)

    def put_emps(self, emps: Iterable[model.Emp]) -> None:
        with self.engine.begin() as conn:
            for e in emps:
                conn.execute(sa.delete(s.emp).where(s.emp.c.id == e.id))
                conn.execute(sa.insert(s.emp).values(id=e.id, name=e.name))

    def emps(self) -> list[model.Emp]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(s.emp).order_by(s.emp.c.id)).all()
        return [model.Emp(r.id, r.name) for r in rows]

    def put_locations(self, locations: Iterable[model.Location]) -> int:
        """Insert or update locations and their EVSEs by key; returns how many were written.

        A location older than the stored one (``last_updated``) does not overwrite it. An OU code the
        store does not know yet is added to the OU tree as a top-level OU named after its code, so
        that the location is kept; staff can name and place it later.
        """
        written = 0
        locations = list(locations)
        with self.engine.begin() as conn:
            known = set(conn.execute(sa.select(s.ou.c.code)).scalars())
            for code in sorted(
                {c for loc in locations for c in (loc.ou_code, *(e.ou_code for e in loc.evses)) if c} - known
            ):
                conn.execute(sa.insert(s.ou).values(code=code, name=code, parent_code=None, is_customer=False))
            for loc in locations:
                key = (
                    (s.location.c.country_code == loc.country_code)
                    & (s.location.c.party_id == loc.party_id)
                    & (s.location.c.location_id == loc.id)
                )
                row = conn.execute(sa.select(s.location.c.pk, s.location.c.last_updated).where(key)).first()
                values = {
                    "name": loc.name,
                    "address": loc.address,
                    "city": loc.city,
                    "postal_code": loc.postal_code,
                    "state": loc.state,
                    "country": loc.country,
                    "latitude": loc.latitude,
                    "longitude": loc.longitude,
                    "time_zone": loc.time_zone,
                    "ou_code": loc.ou_code,
                    "last_updated": loc.last_updated,
                    "document": loc.document,
                }
                if row is None:
                    pk = conn.execute(
                        sa.insert(s.location).values(
                            country_code=loc.country_code, party_id=loc.party_id, location_id=loc.id, **values
                        )
                    ).inserted_primary_key[0]
                elif row.last_updated > loc.last_updated:
                    continue
                else:
                    pk = row.pk
                    conn.execute(sa.update(s.location).where(s.location.c.pk == pk).values(**values))
                    conn.execute(sa.delete(s.evse).where(s.evse.c.location_pk == pk))
                if loc.evses:
                    conn.execute(
                        sa.insert(s.evse),
                        [
                            {
                                "location_pk": pk,
                                "uid": e.uid,
                                "evse_id": e.evse_id,
                                "ou_code": e.ou_code,
                                "document": e.document,
                            }
                            for e in loc.evses
                        ],
                    )
                written += 1
        return written

    def locations(self) -> list[model.Location]:
        with self.engine.connect() as conn:
            locs = conn.execute(sa.select(s.location).order_by(s.location.c.pk)).all()
            evses: dict[int, list[model.Evse]] = {}
            for e in conn.execute(sa.select(s.evse).order_by(s.evse.c.pk)):
                evses.setdefault(e.location_pk, []).append(model.Evse(e.uid, e.evse_id, e.ou_code, e.document))
        return [
            model.Location(
                country_code=r.country_code,
                party_id=r.party_id,
                id=r.location_id,
                address=r.address,
                city=r.city,
                country=r.country,
                latitude=r.latitude,
                longitude=r.longitude,
                time_zone=r.time_zone,
                last_updated=r.last_updated,
                name=r.name,
                postal_code=r.postal_code,
                state=r.state,
                ou_code=r.ou_code,
                evses=tuple(evses.get(r.pk, ())),
                document=r.document,
            )
            for r in locs
        ]

    def location_index(self) -> dict[tuple[str, str, str], model.LocationFacts]:
        """(country_code, party_id, location id) -> time zone and OUs, for enriching CDRs."""
        with self.engine.connect() as conn:
            locs = conn.execute(
                sa.select(
                    s.location.c.pk,
                    s.location.c.country_code,
                    s.location.c.party_id,
                    s.location.c.location_id,
                    s.location.c.time_zone,
                    s.location.c.ou_code,
                )
            ).all()
            evse_ou: dict[int, dict[str, str | None]] = {}
            for e in conn.execute(sa.select(s.evse.c.location_pk, s.evse.c.uid, s.evse.c.ou_code)):
                evse_ou.setdefault(e.location_pk, {})[e.uid] = e.ou_code
        return {
            (r.country_code, r.party_id, r.location_id): model.LocationFacts(
                r.time_zone, r.ou_code, evse_ou.get(r.pk, {})
            )
            for r in locs
        }

    def put_tariffs(self, tariffs: Iterable[model.Tariff]) -> dict[TariffKey, int]:
        """Store the tariff versions not yet known; returns each one's `TariffKey` -> pk.

        A version is the tariff's key, ``last_updated`` and its document: a sender that changes a
        tariff without a new ``last_updated`` gets a second version, not an overwrite.
        """
        with self.engine.begin() as conn:
            return self._put_tariffs(conn, tariffs)

    def _put_tariffs(self, conn: Connection, tariffs: Iterable[model.Tariff]) -> dict[TariffKey, int]:
        wanted = {_tariff_key(t): t for t in tariffs}
        if not wanted:
            return {}
        t = s.tariff
        known: dict[tuple[str, str, str, dt.datetime, str], int] = {}
        ids = sorted({k[2] for k in wanted})
        for chunk in _chunks(ids, _KEY_CHUNK):
            for r in conn.execute(
                sa.select(
                    t.c.pk, t.c.country_code, t.c.party_id, t.c.tariff_id, t.c.last_updated, t.c.document_hash
                ).where(t.c.tariff_id.in_(chunk))
            ):
                known[(r.country_code, r.party_id, r.tariff_id, r.last_updated, r.document_hash)] = r.pk
        found: dict[TariffKey, int] = {}
        for key, tar in wanted.items():
            digest = hashlib.sha256(tar.document.encode()).hexdigest()
            stored = (*key[:4], digest)
            if stored not in known:
                known[stored] = conn.execute(
                    sa.insert(t).values(
                        country_code=tar.country_code,
                        party_id=tar.party_id,
                        tariff_id=tar.id,
                        currency=tar.currency,
                        type=tar.type,
                        start_date_time=tar.start_date_time,
                        end_date_time=tar.end_date_time,
                        last_updated=tar.last_updated,
                        document=tar.document,
                        document_hash=digest,
                    )
                ).inserted_primary_key[0]
            found[key] = known[stored]
        return found

    def tariffs(self) -> list[model.Tariff]:
        """Every stored tariff version, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(s.tariff).order_by(s.tariff.c.pk)).all()
        return [_tariff_from_row(r) for r in rows]

    def put_cards(self, cards: Iterable[model.Card]) -> None:
        """Add or replace cards (by contract id, case-insensitively)."""
        rows = {c.contract_id.upper(): c for c in cards}
        if not rows:
            return
        with self.engine.begin() as conn:
            conn.execute(sa.delete(s.card).where(s.card.c.contract_key.in_(list(rows))))
            conn.execute(
                sa.insert(s.card),
                [{"contract_key": k, "contract_id": c.contract_id, "ou_code": c.ou_code, "name": c.name}
                 for k, c in rows.items()],
            )

    def cards(self) -> list[model.Card]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(s.card).order_by(s.card.c.contract_key)).all()
        return [model.Card(r.contract_id, r.ou_code, r.name) for r in rows]

    def put_reimbursements(self, configs: Iterable[model.ReimbursementConfig]) -> None:
        with self.engine.begin() as conn:
            loc_pks = _location_pks(conn)
            for c in configs:
                loc_key = (c.location_country_code, c.location_party_id, c.location_id)
                if loc_key not in loc_pks:
                    raise StoreError(f"reimbursement for unknown location {'/'.join(loc_key)}")
                pk = conn.execute(
                    sa.insert(s.reimbursement).values(
                        location_pk=loc_pks[loc_key], contract_id=c.contract_id, ou_code=c.ou_code
                    )
                ).inserted_primary_key[0]
                conn.execute(
                    sa.insert(s.reimbursement_tariff),
                    [
                        {
                            "reimbursement_pk": pk,
                            "valid_from": t.valid_from,
                            "excl_vat_e4": to_e4(t.excl_vat),
                            "incl_vat_e4": to_e4(t.incl_vat),
                            "currency": t.currency,
                        }
                        for t in c.tariffs
                    ],
                )
                conn.execute(
                    sa.insert(s.reimbursement_payee),
                    [
                        {"reimbursement_pk": pk, "valid_from": p.valid_from, "name": p.name, "iban": p.iban}
                        for p in c.payees
                    ],
                )

    def reimbursements(self) -> list[model.ReimbursementConfig]:
        with self.engine.connect() as conn:
            locs = {pk: key for key, pk in _location_pks(conn).items()}
            tariffs: dict[int, list[model.ReimbursementTariff]] = {}
            for r in conn.execute(sa.select(s.reimbursement_tariff).order_by(s.reimbursement_tariff.c.valid_from)):
                tariffs.setdefault(r.reimbursement_pk, []).append(
                    model.ReimbursementTariff(r.valid_from, from_e4(r.excl_vat_e4), from_e4(r.incl_vat_e4), r.currency)
                )
            payees: dict[int, list[model.Payee]] = {}
            for r in conn.execute(sa.select(s.reimbursement_payee).order_by(s.reimbursement_payee.c.valid_from)):
                payees.setdefault(r.reimbursement_pk, []).append(model.Payee(r.valid_from, r.name, r.iban))
            rows = conn.execute(sa.select(s.reimbursement).order_by(s.reimbursement.c.pk)).all()
        return [
            model.ReimbursementConfig(
                *locs[r.location_pk],
                tariffs=tuple(tariffs.get(r.pk, ())),
                payees=tuple(payees.get(r.pk, ())),
                contract_id=r.contract_id,
                ou_code=r.ou_code,
            )
            for r in rows
        ]

    def put_distribution_rules(self, rules: Iterable[model.DistributionRule]) -> None:
        with self.engine.begin() as conn:
            for rule in rules:
                pk = conn.execute(
                    sa.insert(s.distribution_rule).values(ou_code=rule.ou_code, name=rule.name)
                ).inserted_primary_key[0]
                conn.execute(
                    sa.insert(s.distribution_version),
                    [
                        {
                            "rule_pk": pk,
                            "valid_from": v.valid_from,
                            "energy_compensation_e4": to_e4(v.energy_compensation_per_kwh),
                            "method": v.method,
                            "cpo_fee_e4": to_e4(v.cpo_fee_per_kwh),
                            "cpo_percentage_e4": to_e4(v.cpo_percentage),
                            "customer_percentage_e4": to_e4(v.customer_percentage),
                            "currency": v.currency,
                        }
                        for v in rule.versions
                    ],
                )

    def distribution_rules(self) -> list[model.DistributionRule]:
        with self.engine.connect() as conn:
            versions: dict[int, list[model.DistributionVersion]] = {}
            for v in conn.execute(sa.select(s.distribution_version).order_by(s.distribution_version.c.valid_from)):
                versions.setdefault(v.rule_pk, []).append(
                    model.DistributionVersion(
                        valid_from=v.valid_from,
                        energy_compensation_per_kwh=from_e4(v.energy_compensation_e4),
                        method=v.method,
                        currency=v.currency,
                        cpo_fee_per_kwh=from_e4(v.cpo_fee_e4),
                        cpo_percentage=from_e4(v.cpo_percentage_e4),
                        customer_percentage=from_e4(v.customer_percentage_e4),
                    )
                )
            rows = conn.execute(sa.select(s.distribution_rule).order_by(s.distribution_rule.c.pk)).all()
        return [model.DistributionRule(r.ou_code, r.name, tuple(versions.get(r.pk, ()))) for r in rows]

    # ------------------------------------------------------------------ batches and rejections
    def begin_batch(self, source: str, description: str = "") -> int:
        with self.engine.begin() as conn:
            return conn.execute(
                sa.insert(s.import_batch).values(
                    source=source,
                    description=description,
                    started_at=_now(),
                    accepted=0,
                    duplicates=0,
                    rejected=0,
                    conflicts=0,
                )
            ).inserted_primary_key[0]

    def finish_batch(
        self, batch_pk: int, *, accepted: int, duplicates: int, rejected: int, conflicts: int, finished: bool = True
    ) -> None:
        """Record a batch's counts; ``finished=False`` (interrupted) leaves ``finished_at`` empty."""
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(s.import_batch)
                .where(s.import_batch.c.pk == batch_pk)
                .values(
                    finished_at=_now() if finished else None,
                    accepted=accepted,
                    duplicates=duplicates,
                    rejected=rejected,
                    conflicts=conflicts,
                )
            )

    def add_rejections(self, batch_pk: int, rejections: Sequence[RejectionRow]) -> None:
        if not rejections:
            return
        now = _now()
        with self.engine.begin() as conn:
            conn.execute(
                sa.insert(s.rejection),
                [
                    {
                        "batch_pk": batch_pk,
                        "file": r.file,
                        "position": r.position,
                        "kind": r.kind,
                        "record_id": r.record_id,
                        "field": r.field,
                        "reason": r.reason,
                        "is_conflict": r.is_conflict,
                        "raw": r.raw,
                        "created_at": now,
                    }
                    for r in rejections
                ],
            )

    # ------------------------------------------------------------------ CDRs
    def add_cdrs(self, cdrs: Sequence[model.Cdr], *, batch_pk: int | None = None) -> AddResult:
        """Write CDRs in one transaction: all of them or none.

        A CDR whose key (country_code, party_id, id) is already stored, or repeated earlier in
        ``cdrs``, is a duplicate when its content hash is the same (both None counts as the same)
        and a conflict otherwise; conflicts are returned, never written. Every CDR must have
        ``roamed`` and ``time_zone`` decided (the importer and the generator do that).
        """
        result = self.add_prepared(prepare_cdrs(cdrs), batch_pk=batch_pk)
        return replace(result, conflicts=tuple(cdrs[i] for i in result.conflict_positions))

    def add_prepared(self, prepared: PreparedCdrs, *, batch_pk: int | None = None) -> AddResult:
        """`add_cdrs` for CDRs already in storage form (`prepare_cdrs`, possibly made in another
        process); the result names conflicts by their position only."""
        if not prepared.keys:
            return AddResult()
        try:
            with self.engine.begin() as conn:
                return self._add_prepared(conn, prepared, batch_pk)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot write CDRs to {self.url}: {exc.__class__.__name__}: {exc.orig or exc}") from exc

    def _add_prepared(self, conn: Connection, prepared: PreparedCdrs, batch_pk: int | None) -> AddResult:
        c = s.cdr
        seen: dict[tuple[str, str, str], str | None] = {}
        # Look the keys up per sender, so that the lookup uses the unique index (country, party, id).
        by_sender: dict[tuple[str, str], set[str]] = {}
        for country_code, party_id, cdr_id, _hash in prepared.keys:
            by_sender.setdefault((country_code, party_id), set()).add(cdr_id)
        for (country_code, party_id), ids in by_sender.items():
            for chunk in _chunks(sorted(ids), _KEY_CHUNK):
                q = sa.select(c.c.cdr_id, c.c.content_hash).where(
                    c.c.country_code == country_code, c.c.party_id == party_id, c.c.cdr_id.in_(chunk)
                )
                for r in conn.execute(q):
                    seen[(country_code, party_id, r.cdr_id)] = r.content_hash
        fresh: list[int] = []
        duplicates = 0
        conflicts: list[int] = []
        for i, (country_code, party_id, cdr_id, content_hash) in enumerate(prepared.keys):
            key = (country_code, party_id, cdr_id)
            if key in seen:
                if seen[key] == content_hash:
                    duplicates += 1
                else:
                    conflicts.append(i)
                continue
            seen[key] = content_hash
            fresh.append(i)
        if not fresh:
            return AddResult(0, duplicates, conflict_positions=tuple(conflicts))

        tariff_pks = self._put_tariffs(conn, (t for i in fresh for t in prepared.tariffs[i]))
        before = conn.execute(sa.select(sa.func.coalesce(sa.func.max(c.c.pk), 0))).scalar_one()
        now_us = to_micros(_now())
        rows = prepared.rows
        _bulk_insert(
            conn,
            c,
            _CDR_COLUMNS,
            [
                (*row, batch_pk)
                if row[_CREATED_AT] is not None
                else (*row[:_CREATED_AT], now_us, *row[_CREATED_AT + 1 :], batch_pk)
                for row in map(rows.__getitem__, fresh)
            ],
        )
        pks: dict[tuple[str, str, str], int] = {}
        for r in conn.execute(sa.select(c.c.pk, c.c.country_code, c.c.party_id, c.c.cdr_id).where(c.c.pk > before)):
            pks[(r.country_code, r.party_id, r.cdr_id)] = r.pk
        period_rows = []
        link_rows = []
        for i in fresh:
            pk = pks[prepared.keys[i][:3]]
            period_rows.extend((pk, *p) for p in prepared.periods[i])
            for seq, t in enumerate(prepared.tariffs[i]):
                link_rows.append((pk, seq, tariff_pks[_tariff_key(t)]))
        _bulk_insert(conn, s.cdr_period, _PERIOD_COLUMNS, period_rows)
        _bulk_insert(conn, s.cdr_tariff, ("cdr_pk", "seq", "tariff_pk"), link_rows)
        return AddResult(len(fresh), duplicates, conflict_positions=tuple(conflicts))

    def set_price_checks(self, checks: Sequence[tuple[tuple[str, str, str], model.PriceCheck]]) -> None:
        """Store new price checks, by CDR key, in one transaction (``python -m cdrlib reprice``)."""
        if not checks:
            return
        c = s.cdr
        names = [col.name for col in s.PRICE_CHECK_COLUMNS if col.name != "tariff_id"]
        stmt = (
            sa.update(c)
            .where(
                c.c.country_code == sa.bindparam("k_country"),
                c.c.party_id == sa.bindparam("k_party"),
                c.c.cdr_id == sa.bindparam("k_id"),
            )
            .values({name: sa.bindparam(f"v_{name}") for name in names})
        )
        rows = []
        for (country_code, party_id, cdr_id), check in checks:
            row = {"k_country": country_code, "k_party": party_id, "k_id": cdr_id}
            row.update({f"v_{n}": v for n, v in zip(names, _check_values(check), strict=True)})
            rows.append(row)
        with self.engine.begin() as conn:
            conn.execute(stmt, rows)
        self.set_meta(_CHECKED_AT, _now().isoformat())

    def count_cdrs(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(s.cdr)).scalar_one()

    def get_cdr(self, country_code: str, party_id: str, cdr_id: str) -> model.Cdr | None:
        """One CDR by its key, with its periods and tariffs; None when not stored."""
        where = (s.cdr.c.country_code == country_code) & (s.cdr.c.party_id == party_id) & (s.cdr.c.cdr_id == cdr_id)
        found = list(self.iter_cdrs(where=where))
        return found[0] if found else None

    def iter_cdrs(
        self,
        *,
        created_from: dt.datetime | None = None,
        created_to: dt.datetime | None = None,
        where: Any = None,
        chunk_size: int = 5_000,
        unpriced_only: bool = False,
    ) -> Iterator[model.Cdr]:
        """CDRs (oldest created first) with their periods and tariffs, a chunk of queries at a time:
        a few queries per ``chunk_size`` CDRs, never one per CDR. ``created_to`` is exclusive.
        ``unpriced_only``: only CDRs without a price check or that could not be priced."""
        c = s.cdr
        q = sa.select(c).order_by(c.c.created_at, c.c.pk)
        if unpriced_only:
            q = q.where(sa.or_(c.c.price_status.is_(None), c.c.price_status == model.PRICE_UNPRICED))
        if created_from is not None:
            q = q.where(c.c.created_at >= created_from)
        if created_to is not None:
            q = q.where(c.c.created_at < created_to)
        if where is not None:
            q = q.where(where)
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=chunk_size).execute(q)
            tariff_cache: dict[int, model.Tariff] = {}
            for rows in result.partitions(chunk_size):
                yield from self._cdrs_from_rows(conn, rows, tariff_cache)

    def _cdrs_from_rows(
        self, conn: Connection, rows: Sequence[Any], tariff_cache: dict[int, model.Tariff]
    ) -> list[model.Cdr]:
        """The CDRs of ``rows`` with their periods and tariffs: a few IN (...) queries on the primary
        keys of `cdr_period` and `cdr_tariff` per chunk; each tariff version is read once per call
        of `iter_cdrs` (``tariff_cache``), not once per CDR."""
        pks = sorted(r.pk for r in rows)
        periods: dict[int, list[model.ChargingPeriod]] = {}
        links: dict[int, list[int]] = {}
        p, link, t = s.cdr_period, s.cdr_tariff, s.tariff
        for chunk in _chunks(pks, _KEY_CHUNK):
            for r in conn.execute(sa.select(p).where(p.c.cdr_pk.in_(chunk)).order_by(p.c.cdr_pk, p.c.seq)):
                periods.setdefault(r.cdr_pk, []).append(
                    model.ChargingPeriod(
                        r.start_date_time,
                        r.tariff_id,
                        *[None if v is None else from_e4(v) for v in _period_dimensions(r)],
                    )
                )
            for cdr_pk, tariff_pk in conn.execute(
                sa.select(link.c.cdr_pk, link.c.tariff_pk)
                .where(link.c.cdr_pk.in_(chunk))
                .order_by(link.c.cdr_pk, link.c.seq)
            ):
                links.setdefault(cdr_pk, []).append(tariff_pk)
        missing = sorted({pk for pks_ in links.values() for pk in pks_} - tariff_cache.keys())
        for chunk in _chunks(missing, _KEY_CHUNK):
            for r in conn.execute(sa.select(t).where(t.c.pk.in_(chunk))):
                tariff_cache[r.pk] = _tariff_from_row(r)
        return [
            _cdr_from_row(
                r,
                tuple(periods.get(r.pk, ())),
                tuple(tariff_cache[pk] for pk in links.get(r.pk, ())),
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ dashboard reads
    def price_issues(self, pks: Sequence[int]) -> pl.DataFrame:
        """The CDRs with these keys (`ISSUE_COLUMNS`), newest session first: the caller picks the ones
        whose price check is a mismatch or unpriced (``price_status``) from `analytics_frame`."""
        c = s.cdr
        rows: list[tuple[Any, ...]] = []
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(pks)), _KEY_CHUNK):
                q = sa.select(*_frame_columns(ISSUE_COLUMNS), c.c.pk).where(c.c.pk.in_(chunk))
                rows.extend(tuple(r) for r in conn.execute(q).all())
        rows.sort(key=lambda r: (r[3], r[-1]), reverse=True)  # start, then key: newest first
        return pl.DataFrame([r[:-1] for r in rows], schema=ISSUE_COLUMNS, orient="row")

    def analytics_frame(self, after: int | None = None) -> pl.DataFrame:
        """Every CDR (with ``after``: those whose key is greater), one row each in key order
        (`ANALYTICS_COLUMNS`): what the analytics pages filter and aggregate in memory. Read by `fastread`
        (ConnectorX, in parallel key ranges); the highest MAX_POWER of each CDR comes from its
        charging periods, aggregated in the database."""
        c, p = s.cdr, s.cdr_period
        names = [n for n in ANALYTICS_COLUMNS if n != "max_power_e4"]
        packed = _PACKED if self.engine.url.get_backend_name() == "sqlite" else ()
        plain = [n for n in names if n not in packed]
        schema = {n: ANALYTICS_COLUMNS[n] for n in plain}
        columns = _frame_columns(plain)
        if packed:
            columns.append(sa.func.json_array(*(c.c[n] for n in packed)).label(_PACKED_AS))
            schema[_PACKED_AS] = pl.String()
        query = sa.select(*columns)
        power = (
            sa.select(p.c.cdr_pk.label("pk"), sa.func.max(p.c.max_power_e4).label("max_power_e4"))
            .where(p.c.max_power_e4.is_not(None))
            .group_by(p.c.cdr_pk)
        )
        if after is not None:
            query, power = query.where(c.c.pk > after), power.where(p.c.cdr_pk > after)
        with self.engine.connect() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
        frame = fastread.read(self.engine, query, schema, rows_hint=count, partition_on="pk")
        if packed:
            frame = _unpacked(frame, packed)
        powers = fastread.read(self.engine, power, {"pk": pl.Int64(), "max_power_e4": pl.Int64()}, rows_hint=0)
        return frame.select(names).join(powers, on="pk", how="left", maintain_order="left")

    def data_version(self) -> tuple[Any, ...]:
        """Changes whenever CDRs are added or their price checks are stored again: what a cached
        `analytics_frame` is keyed by. Cheap: the highest key, the count and the last re-pricing."""
        c = s.cdr
        with self.engine.connect() as conn:  # two queries: SQLite counts alone 10 x faster than with MAX
            count = conn.execute(sa.select(sa.func.count()).select_from(c)).scalar_one()
            top = conn.execute(sa.select(sa.func.max(c.c.pk))).scalar_one()
        return count, top, self.get_meta(_CHECKED_AT)

    def export_frame(self, created_from: dt.datetime, created_to: dt.datetime, *,
                     in_process: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The CDRs created in [created_from, created_to), one row each (`EXPORT_COLUMNS`), in the order
        the store received them (``pk``), and the tariff versions they carry (``cdr_pk``, ``seq``,
        ``tariff_pk``): the one read every export is built from. Read by `fastread` (by ConnectorX, in key
        ranges in parallel for a large period; the parts come back in any order and are put in order by
        their first key, which costs nothing, where sorting a million wide rows would cost seconds).

        ``in_process``: for a process that does nothing else meanwhile (`fastread.read`): the engine's
        pooled connections are closed first, and the read runs in this process when none is left open."""
        c = s.cdr
        in_period = (c.c.created_at >= created_from, c.c.created_at < created_to)
        with self.engine.connect() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(c).where(*in_period)).scalar_one()
        if in_process:
            self.engine.dispose()  # the pool's idle connections: open files of this process's SQLite
        frame = fastread.read(
            self.engine, sa.select(*_frame_columns(EXPORT_COLUMNS)).where(*in_period), EXPORT_COLUMNS,
            rows_hint=count, partition_on="pk", in_process=in_process,
        )
        # The links by key range (the created-in-period CDRs were mostly stored one after another), then
        # kept where the CDR is in the frame: a range scan of the clustered key beats a join per link.
        ct = s.cdr_tariff
        link_schema = {"cdr_pk": pl.Int64(), "seq": pl.Int64(), "tariff_pk": pl.Int64()}
        if frame.is_empty():
            return frame, pl.DataFrame(schema=link_schema)
        low, high = frame["pk"].min(), frame["pk"].max()
        links = fastread.read(
            self.engine,
            sa.select(ct.c.cdr_pk, ct.c.seq, ct.c.tariff_pk).where(ct.c.cdr_pk >= low, ct.c.cdr_pk <= high),
            link_schema,
            rows_hint=0,
            in_process=in_process,
        )
        links = links.filter(pl.col("cdr_pk").is_in(frame["pk"].implode()))
        return frame, links

    def tariff_versions(self) -> pl.DataFrame:
        """Every stored tariff version (`TARIFF_COLUMNS`), oldest first."""
        t = s.tariff
        cols = [
            sa.type_coerce(t.c[_TARIFF_SELECT[n]], sa.BigInteger).label(n)
            if n in ("valid_from_us", "valid_until_us")
            else (t.c.pk.label(n) if n == "tariff_pk" else t.c[n])
            for n in TARIFF_COLUMNS
        ]
        with self.engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(sa.select(*cols).order_by(t.c.pk)).all()]
        return pl.DataFrame(rows, schema=TARIFF_COLUMNS, orient="row")

    def find_cdrs(self, text: str, *, limit: int = MAX_FOUND) -> pl.DataFrame:
        """CDRs whose id, session id, token uid, contract id or location id is ``text``, or whose id
        starts with it; newest first, at most ``limit`` (`FOUND_COLUMNS`)."""
        text = text.strip()
        if not text:
            return pl.DataFrame(schema=FOUND_COLUMNS)
        c = s.cdr
        q = (
            sa.select(*_frame_columns(FOUND_COLUMNS))
            .where(
                sa.or_(
                    c.c.cdr_id.startswith(text, autoescape=True),
                    c.c.session_id == text,
                    c.c.token_uid == text,
                    c.c.token_contract_id == text,
                    c.c.location_id == text,
                )
            )
            .order_by(c.c.start_date_time.desc(), c.c.pk.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(q).all()]
        return pl.DataFrame(rows, schema=FOUND_COLUMNS, orient="row")


def sqlite_file(url: str | sa.URL) -> Path | None:
    """The file of a SQLite file store's URL (``~`` expanded); None for any other store, an in-memory
    SQLite or a URL that does not parse. The one place that tells a SQLite file store from the others."""
    try:
        parsed = sa.engine.make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser()


def _frame_columns(names: Iterable[str]) -> list[Any]:
    """The `schema.cdr` columns of a frame's ``names``; instants (``*_us``) are read as raw integers (no
    per-value type processing): the frame converts in bulk."""
    c = s.cdr
    return [
        sa.type_coerce(c.c[_SESSION_SELECT[name]], sa.BigInteger).label(name) if name in _SESSION_SELECT else c.c[name]
        for name in names
    ]


def _translate_errors(fn: Any) -> Any:
    """Turn a database failure in a public `Store` method into a `StoreError` naming the store."""

    def fail(self: Store, exc: SQLAlchemyError) -> StoreError:
        return StoreError(f"the CDR store at {self.url} failed: {exc.__class__.__name__}: {exc.orig or exc}")

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
            try:
                yield from fn(self, *args, **kwargs)
            except SQLAlchemyError as exc:
                raise fail(self, exc) from exc

        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except SQLAlchemyError as exc:
            raise fail(self, exc) from exc

    return wrapper


for _name, _member in list(vars(Store).items()):
    if not _name.startswith("_") and inspect.isfunction(_member) and _name not in ("close", "add_cdrs", "add_prepared"):
        setattr(Store, _name, _translate_errors(_member))


# ---------------------------------------------------------------------- row mapping
_CDR_COLUMNS = tuple(col.name for col in s.cdr.columns if col.name != "pk")  # `_cdr_row` order, then batch_pk
_CREATED_AT = _CDR_COLUMNS.index("created_at")
assert _CDR_COLUMNS[-1] == "batch_pk"
_dimension_values = operator.attrgetter(*_DIMENSION_FIELDS)
_period_dimensions = operator.attrgetter(*_DIMENSION_COLUMNS)
_PERIOD_COLUMNS = ("cdr_pk", "seq", "start_date_time", "tariff_id", *_DIMENSION_COLUMNS)


def _taxes_json(x: model.Cdr) -> str | None:
    if x.ocpi_version != "2.3.0":  # only 2.3.0 prices carry taxes
        return None
    taxes = {}
    for name in _PRICE_FIELDS:
        price = getattr(x, name)
        if price is not None and price.taxes is not None:
            taxes[name] = [
                {
                    k: v
                    for k, v in (
                        ("name", t.name),
                        ("amount", str(t.amount)),
                        ("account_number", t.account_number),
                        ("percentage", None if t.percentage is None else str(t.percentage)),
                    )
                    if v is not None
                }
                for t in price.taxes
            ]
    return _canonical(taxes) if taxes else None


def _cdr_row(x: model.Cdr) -> tuple[Any, ...]:
    """The `cdr` row of ``x`` in `_CDR_COLUMNS` order without the last (batch_pk), in storage form.

    Written out as one tuple (no dict, no loop): this runs once per CDR on the write path of
    imports and of the million-CDR demo benchmark.
    """
    if x.roamed is None or x.time_zone is None:
        raise StoreError(f"CDR {x.id}: roamed and time_zone must be decided before it is stored")
    tok, loc = x.cdr_token, x.cdr_location
    tc, fc, ec, timec, pc, rc = (
        x.total_cost,
        x.total_fixed_cost,
        x.total_energy_cost,
        x.total_time_cost,
        x.total_parking_cost,
        x.total_reservation_cost,
    )
    return (
        x.country_code,
        x.party_id,
        x.id,
        to_micros(x.start_date_time),
        to_micros(x.end_date_time),
        x.session_id,
        tok.country_code,
        tok.party_id,
        tok.uid,
        tok.type,
        tok.contract_id,
        x.auth_method,
        x.authorization_reference,
        loc.id,
        loc.name,
        loc.address,
        loc.city,
        loc.postal_code,
        loc.state,
        loc.country,
        loc.latitude,
        loc.longitude,
        loc.evse_uid,
        loc.evse_id,
        loc.connector_id,
        loc.connector_standard,
        loc.connector_format,
        loc.connector_power_type,
        x.meter_id,
        x.currency,
        x.signed_data,
        to_e4(tc.excl_vat),
        to_e4(tc.incl_vat),
        None if fc is None else to_e4(fc.excl_vat),
        None if fc is None else to_e4(fc.incl_vat),
        to_e4(x.total_energy),
        None if ec is None else to_e4(ec.excl_vat),
        None if ec is None else to_e4(ec.incl_vat),
        to_e4(x.total_time),
        None if timec is None else to_e4(timec.excl_vat),
        None if timec is None else to_e4(timec.incl_vat),
        to_e4(x.total_parking_time),
        None if pc is None else to_e4(pc.excl_vat),
        None if pc is None else to_e4(pc.incl_vat),
        None if rc is None else to_e4(rc.excl_vat),
        None if rc is None else to_e4(rc.incl_vat),
        _taxes_json(x),
        x.remark,
        x.invoice_reference_id,
        x.credit,
        x.credit_reference_id,
        x.home_charging_compensation,
        to_micros(x.last_updated),
        x.ocpi_version,
        x.extensions,
        None if x.created_at is None else to_micros(x.created_at),
        x.time_zone,
        x.time_zone_guessed,
        x.ou_code,
        x.location_ou_code,
        x.meter_start,
        x.meter_stop,
        x.roamed,
        x.emp_id,
        x.content_hash,
        _first_tariff_id(x),
        *_check_values(x.price_check),
    )


def _first_tariff_id(x: model.Cdr) -> str | None:
    if x.charging_periods and x.charging_periods[0].tariff_id:
        return x.charging_periods[0].tariff_id
    return x.tariffs[0].id if x.tariffs else None


_NO_CHECK = (None,) * (2 + 2 * len(s.CALC_PRICES))


def _check_values(check: model.PriceCheck | None) -> tuple[Any, ...]:
    """The price-check columns (`schema.PRICE_CHECK_COLUMNS` order)."""
    if check is None:
        return _NO_CHECK
    values: list[Any] = [check.status, check.reason]
    for name in s.CALC_PRICES:
        price = getattr(check, name)
        values.append(None if price is None else to_e4(price.excl_vat))
        values.append(None if price is None else to_e4(price.incl_vat))
    return tuple(values)


def _check_from_row(r: Any) -> model.PriceCheck | None:
    if r.price_status is None:
        return None
    prices = {}
    for name in s.CALC_PRICES:
        excl = getattr(r, f"calc_{name}_excl_e4")
        prices[name] = None if excl is None else model.Price(from_e4(excl), from_e4(getattr(r, f"calc_{name}_incl_e4")))
    return model.PriceCheck(r.price_status, r.price_reason, **prices)


def _price_from_row(r: Any, name: str, taxes: dict[str, Any]) -> model.Price | None:
    excl = getattr(r, f"{name}_excl_e4")
    if excl is None:
        return None
    tax_list = taxes.get(name)
    return model.Price(
        excl_vat=from_e4(excl),
        incl_vat=from_e4(getattr(r, f"{name}_incl_e4")),
        taxes=None
        if tax_list is None
        else tuple(
            model.TaxAmount(
                name=t["name"],
                amount=Decimal(t["amount"]),
                account_number=t.get("account_number"),
                percentage=None if t.get("percentage") is None else Decimal(t["percentage"]),
            )
            for t in tax_list
        ),
    )


def _cdr_from_row(r: Any, periods: tuple[model.ChargingPeriod, ...], tariffs: tuple[model.Tariff, ...]) -> model.Cdr:
    taxes = json.loads(r.taxes) if r.taxes else {}
    prices = {name: _price_from_row(r, name, taxes) for name in _PRICE_FIELDS}
    total_cost = prices.pop("total_cost")
    assert total_cost is not None  # NOT NULL column
    return model.Cdr(
        country_code=r.country_code,
        party_id=r.party_id,
        id=r.cdr_id,
        start_date_time=r.start_date_time,
        end_date_time=r.end_date_time,
        cdr_token=model.CdrToken(
            r.token_country_code, r.token_party_id, r.token_uid, r.token_type, r.token_contract_id
        ),
        auth_method=r.auth_method,
        cdr_location=model.CdrLocation(
            id=r.location_id,
            address=r.location_address,
            city=r.location_city,
            country=r.location_country,
            latitude=r.location_latitude,
            longitude=r.location_longitude,
            evse_uid=r.evse_uid,
            evse_id=r.evse_id,
            connector_id=r.connector_id,
            connector_standard=r.connector_standard,
            connector_format=r.connector_format,
            connector_power_type=r.connector_power_type,
            name=r.location_name,
            postal_code=r.location_postal_code,
            state=r.location_state,
        ),
        currency=r.currency,
        charging_periods=periods,
        total_cost=total_cost,
        total_energy=from_e4(r.total_energy_e4),
        total_time=from_e4(r.total_time_e4),
        last_updated=r.last_updated,
        session_id=r.session_id,
        authorization_reference=r.authorization_reference,
        meter_id=r.meter_id,
        tariffs=tariffs,
        signed_data=r.signed_data,
        total_parking_time=from_e4(r.total_parking_time_e4),
        remark=r.remark,
        invoice_reference_id=r.invoice_reference_id,
        credit=r.credit,
        credit_reference_id=r.credit_reference_id,
        home_charging_compensation=r.home_charging_compensation,
        ocpi_version=r.ocpi_version,
        extensions=r.extensions,
        created_at=r.created_at,
        time_zone=r.time_zone,
        time_zone_guessed=bool(r.time_zone_guessed),
        ou_code=r.ou_code,
        location_ou_code=r.location_ou_code,
        meter_start=r.meter_start,
        meter_stop=r.meter_stop,
        roamed=bool(r.roamed),
        emp_id=r.emp_id,
        content_hash=r.content_hash,
        price_check=_check_from_row(r),
        **prices,
    )


def _tariff_from_row(r: Any) -> model.Tariff:
    return model.Tariff(
        country_code=r.country_code,
        party_id=r.party_id,
        id=r.tariff_id,
        currency=r.currency,
        last_updated=r.last_updated,
        document=r.document,
        type=r.type,
        start_date_time=r.start_date_time,
        end_date_time=r.end_date_time,
    )


# ---------------------------------------------------------------------- helpers
TariffKey = tuple[str, str, str, dt.datetime, str]  # country, party, id, last_updated, document


def _tariff_key(t: model.Tariff) -> TariffKey:
    # The document itself, not its hash: CDRs share their tariff objects, so the lookup compares
    # the same string object and hashes it once.
    return (t.country_code, t.party_id, t.id, t.last_updated, t.document)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _parents_first(ous: dict[str, model.OrganizationUnit]) -> list[model.OrganizationUnit]:
    ordered: list[model.OrganizationUnit] = []
    placed: set[str] = set()

    def place(code: str, trail: tuple[str, ...]) -> None:
        if code in placed or code not in ous:
            return
        if code in trail:
            raise StoreError(f"OU tree has a cycle: {' -> '.join((*trail, code))}")
        parent = ous[code].parent_code
        if parent:
            place(parent, (*trail, code))
        placed.add(code)
        ordered.append(ous[code])

    for code in ous:
        place(code, ())
    return ordered


_MAKE_ONE = " (check --db or CDR_DB_URL; `import` or `demo` makes a store)"


def _missing_columns(conn: Connection) -> list[str]:
    """``table.column`` of every column the schema has and the database lacks (an older store)."""
    inspector = sa.inspect(conn)
    tables = set(inspector.get_table_names())
    missing = []
    for table in s.metadata.sorted_tables:
        if table.name not in tables:
            missing.append(table.name)
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        missing.extend(f"{table.name}.{c.name}" for c in table.columns if c.name not in have)
    return missing


def _upgrade(conn: Connection, missing: list[str]) -> bool:
    """Add the columns of a later release to an older store, when those are all it lacks (they are
    nullable: nothing to fill in). Returns whether it did."""
    added = {f"{table}.{column}" for table, column in s.ADDED_COLUMNS}
    if not set(missing) <= added:
        return False
    for name in missing:
        table, column = name.split(".")
        col = s.metadata.tables[table].c[column]
        kind = col.type.compile(dialect=conn.dialect)
        conn.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {column} {kind}"))
    for index, table, column in s.ADDED_INDEXES:
        conn.execute(sa.text(f"CREATE INDEX IF NOT EXISTS {index} ON {table} ({column})"))
    return True


def _location_pks(conn: Connection) -> dict[tuple[str, str, str], int]:
    loc = s.location
    return {
        (r.country_code, r.party_id, r.location_id): r.pk
        for r in conn.execute(sa.select(loc.c.pk, loc.c.country_code, loc.c.party_id, loc.c.location_id))
    }


def _bulk_insert(conn: Connection, table: sa.Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """executemany of plain tuples through the DB-API: values are already in storage form (ints for
    instants and `_e4` numbers), so no per-value type processing is needed."""
    if not rows:
        return
    style = conn.dialect.paramstyle
    mark = "?" if style == "qmark" else "%s" if style in ("format", "pyformat") else None
    if mark is None:  # a driver with named parameters: let SQLAlchemy do it
        conn.execute(sa.insert(table), [dict(zip(columns, r, strict=True)) for r in rows])
        return
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    conn.exec_driver_sql(sql, rows)


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers go on while an import writes
    cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no committed transaction's integrity
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache: big imports update large indexes
    cur.close()
