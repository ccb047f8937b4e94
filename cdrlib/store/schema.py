"""The tables of the CDR store.

Design for the two heavy reads (an export of a million CDRs of one creation period; dashboard
aggregations over a year of sessions):
- one wide `cdr` row per CDR with every OCPI scalar flattened into columns, so both reads are one
  range scan (`ix_cdr_created_at`, `ix_cdr_start`) with no join and no query per CDR;
- charging periods in `cdr_period` keyed by (cdr_pk, seq), read for a set of CDRs in one query;
- numbers as exact integers: OCPI numbers have 4 decimals (OCPI 2.2.1 Types, number), so amounts,
  kWh and hours are stored as integers of 1/10,000 (columns ending in ``_e4``). Integer SUMs are
  exact on SQLite and PostgreSQL alike (SQLite has no exact decimal type; see `model.to_e4`);
- instants as integers of microseconds since the epoch, UTC (`UtcMicros`): unambiguous, indexable,
  cheap to read in bulk, and the same on both databases.
Only SQL that PostgreSQL also runs is used.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

from cdrlib import model

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class UtcMicros(TypeDecorator[dt.datetime]):
    """An aware UTC datetime stored as microseconds since the epoch (BIGINT)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> int | None:
        return None if value is None else to_micros(value)

    def process_result_value(self, value: int | None, dialect: object) -> dt.datetime | None:
        return None if value is None else from_micros(value)


def to_micros(value: dt.datetime) -> int:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: the store keeps UTC instants only")
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=value)


metadata = MetaData()

ou = Table(
    "ou",
    metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("parent_code", Text, ForeignKey("ou.code"), nullable=True),
    Column("is_customer", Boolean, nullable=False, default=False),
)

emp = Table(
    "emp",
    metadata,
    Column("id", Text, primary_key=True),  # OCPI country code + party id, e.g. NLTNM
    Column("name", Text, nullable=False),
)

# Which OU a charge card belongs to (an employer's drivers), for reimbursement by OU (domain.md). OCPI
# does not carry it: the CPO keeps it. Keyed by the contract id (EMAID) in upper case, as OCPI compares
# it case-insensitively.
card = Table(
    "card",
    metadata,
    Column("contract_key", Text, primary_key=True),
    Column("contract_id", Text, nullable=False),
    Column("ou_code", Text, ForeignKey("ou.code"), nullable=False),
    Column("name", Text),
)

location = Table(
    "location",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("country_code", Text, nullable=False),
    Column("party_id", Text, nullable=False),
    Column("location_id", Text, nullable=False),
    Column("name", Text),
    Column("address", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("postal_code", Text),
    Column("state", Text),
    Column("country", Text, nullable=False),
    Column("latitude", Text, nullable=False),
    Column("longitude", Text, nullable=False),
    Column("time_zone", Text, nullable=False),
    Column("ou_code", Text, ForeignKey("ou.code")),
    Column("last_updated", UtcMicros, nullable=False),
    Column("document", Text),
    UniqueConstraint("country_code", "party_id", "location_id", name="uq_location_key"),
)

evse = Table(
    "evse",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("location_pk", Integer, ForeignKey("location.pk", ondelete="CASCADE"), nullable=False),
    Column("uid", Text, nullable=False),
    Column("evse_id", Text),
    Column("ou_code", Text, ForeignKey("ou.code")),  # NULL: the location's OU
    Column("document", Text),
    UniqueConstraint("location_pk", "uid", name="uq_evse_key"),
)

tariff = Table(
    "tariff",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("country_code", Text, nullable=False),
    Column("party_id", Text, nullable=False),
    Column("tariff_id", Text, nullable=False),
    Column("currency", Text, nullable=False),
    Column("type", Text),
    Column("start_date_time", UtcMicros),
    Column("end_date_time", UtcMicros),
    Column("last_updated", UtcMicros, nullable=False),
    Column("document", Text, nullable=False),  # the whole OCPI tariff, canonical JSON
    Column("document_hash", Text, nullable=False),  # sha256 of document
    # A tariff id may change over time: each version (last_updated) is kept, and so is a different
    # document sent under the same version (it is what the CDRs that carry it were priced with).
    UniqueConstraint(
        "country_code", "party_id", "tariff_id", "last_updated", "document_hash", name="uq_tariff_version"
    ),
)

import_batch = Table(
    "import_batch",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),  # "import" | "demo"
    Column("description", Text),  # file names, demo parameters
    Column("started_at", UtcMicros, nullable=False),
    Column("finished_at", UtcMicros),
    Column("accepted", Integer, nullable=False, default=0),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("conflicts", Integer, nullable=False, default=0),
)

rejection = Table(
    "rejection",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("batch_pk", Integer, ForeignKey("import_batch.pk"), nullable=False, index=True),
    Column("file", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", Text),  # cdr | tariff | location
    Column("record_id", Text),
    Column("field", Text),
    Column("reason", Text, nullable=False),
    Column("is_conflict", Boolean, nullable=False, default=False),
    Column("raw", Text, nullable=False),  # the record exactly as received
    Column("created_at", UtcMicros, nullable=False),
)

# Columns added after the first release; `Store.open` adds them to an older store (all nullable: a CDR
# stored before has no price check until `python -m cdrlib reprice`).
CALC_PRICES = model.PRICE_TOTALS
PRICE_CHECK_COLUMNS = (
    Column("tariff_id", Text),  # the tariff of the first charging period (else the first carried)
    Column("price_status", Text),  # model.PRICE_STATUSES; NULL: not checked
    Column("price_reason", Text),
    *(Column(f"calc_{name}_{part}_e4", BigInteger) for name in CALC_PRICES for part in ("excl", "incl")),
)
ADDED_COLUMNS = {("cdr", c.name) for c in PRICE_CHECK_COLUMNS}
ADDED_INDEXES = (("ix_cdr_price_status", "cdr", "price_status"),)


cdr = Table(
    "cdr",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    # --- OCPI CDR, flattened (2.2.1 names) ---
    Column("country_code", Text, nullable=False),
    Column("party_id", Text, nullable=False),
    Column("cdr_id", Text, nullable=False),
    Column("start_date_time", UtcMicros, nullable=False),
    Column("end_date_time", UtcMicros, nullable=False),
    Column("session_id", Text),
    Column("token_country_code", Text),
    Column("token_party_id", Text),
    Column("token_uid", Text, nullable=False),
    Column("token_type", Text, nullable=False),
    Column("token_contract_id", Text, nullable=False),
    Column("auth_method", Text, nullable=False),
    Column("authorization_reference", Text),
    Column("location_id", Text, nullable=False),
    Column("location_name", Text),
    Column("location_address", Text, nullable=False),
    Column("location_city", Text, nullable=False),
    Column("location_postal_code", Text),
    Column("location_state", Text),
    Column("location_country", Text, nullable=False),
    Column("location_latitude", Text, nullable=False),
    Column("location_longitude", Text, nullable=False),
    Column("evse_uid", Text, nullable=False),
    Column("evse_id", Text, nullable=False),
    Column("connector_id", Text, nullable=False),
    Column("connector_standard", Text, nullable=False),
    Column("connector_format", Text, nullable=False),
    Column("connector_power_type", Text, nullable=False),
    Column("meter_id", Text),
    Column("currency", Text, nullable=False),
    Column("signed_data", Text),  # OCPI SignedData, canonical JSON
    Column("total_cost_excl_e4", BigInteger, nullable=False),
    Column("total_cost_incl_e4", BigInteger),
    Column("total_fixed_cost_excl_e4", BigInteger),
    Column("total_fixed_cost_incl_e4", BigInteger),
    Column("total_energy_e4", BigInteger, nullable=False),  # kWh
    Column("total_energy_cost_excl_e4", BigInteger),
    Column("total_energy_cost_incl_e4", BigInteger),
    Column("total_time_e4", BigInteger, nullable=False),  # hours
    Column("total_time_cost_excl_e4", BigInteger),
    Column("total_time_cost_incl_e4", BigInteger),
    Column("total_parking_time_e4", BigInteger),  # hours
    Column("total_parking_cost_excl_e4", BigInteger),
    Column("total_parking_cost_incl_e4", BigInteger),
    Column("total_reservation_cost_excl_e4", BigInteger),
    Column("total_reservation_cost_incl_e4", BigInteger),
    Column("taxes", Text),  # 2.3.0: {"total_cost": [TaxAmount...], ...} as canonical JSON
    Column("remark", Text),
    Column("invoice_reference_id", Text),
    Column("credit", Boolean),
    Column("credit_reference_id", Text),
    Column("home_charging_compensation", Boolean),
    Column("last_updated", UtcMicros, nullable=False),
    Column("ocpi_version", Text, nullable=False),
    Column("extensions", Text),  # fields OCPI does not define, as sent (canonical JSON)
    # --- added by the CPO (domain.md) ---
    Column("created_at", UtcMicros, nullable=False),
    Column("time_zone", Text, nullable=False),
    Column("time_zone_guessed", Boolean, nullable=False, default=False),
    Column("ou_code", Text),
    Column("location_ou_code", Text),
    Column("meter_start", BigInteger),  # Wh
    Column("meter_stop", BigInteger),  # Wh
    Column("roamed", Boolean, nullable=False),
    Column("emp_id", Text),
    Column("content_hash", Text),
    # --- the pricing engine's recomputation (cdrlib.pricing), beside the sender's figures ---
    *PRICE_CHECK_COLUMNS,
    Column("batch_pk", Integer, ForeignKey("import_batch.pk")),
    UniqueConstraint("country_code", "party_id", "cdr_id", name="uq_cdr_key"),
    Index("ix_cdr_created_at", "created_at"),
    Index("ix_cdr_start", "start_date_time"),
    Index("ix_cdr_price_status", "price_status"),
)

cdr_period = Table(
    "cdr_period",
    metadata,
    Column("cdr_pk", Integer, ForeignKey("cdr.pk", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("start_date_time", UtcMicros, nullable=False),
    Column("tariff_id", Text),
    # One column per dimension type allowed in a CDR (model.CDR_DIMENSIONS); NULL: not given.
    Column("energy_e4", BigInteger),  # kWh
    Column("time_e4", BigInteger),  # hours
    Column("parking_time_e4", BigInteger),  # hours
    Column("reservation_time_e4", BigInteger),  # hours
    Column("min_current_e4", BigInteger),  # A
    Column("max_current_e4", BigInteger),  # A
    Column("min_power_e4", BigInteger),  # kW
    Column("max_power_e4", BigInteger),  # kW
    sqlite_with_rowid=False,  # SQLite: clustered on the primary key, no second index to maintain
)

cdr_tariff = Table(
    "cdr_tariff",
    metadata,
    Column("cdr_pk", Integer, ForeignKey("cdr.pk", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("tariff_pk", Integer, ForeignKey("tariff.pk"), nullable=False),
    sqlite_with_rowid=False,
)

reimbursement = Table(
    "reimbursement",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("location_pk", Integer, ForeignKey("location.pk"), nullable=False, index=True),
    Column("contract_id", Text),  # one card ...
    Column("ou_code", Text, ForeignKey("ou.code")),  # ... or every card of an OU
)

reimbursement_tariff = Table(
    "reimbursement_tariff",
    metadata,
    Column("reimbursement_pk", Integer, ForeignKey("reimbursement.pk", ondelete="CASCADE"), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("excl_vat_e4", BigInteger, nullable=False),  # per kWh
    Column("incl_vat_e4", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
)

reimbursement_payee = Table(
    "reimbursement_payee",
    metadata,
    Column("reimbursement_pk", Integer, ForeignKey("reimbursement.pk", ondelete="CASCADE"), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("name", Text, nullable=False),
    Column("iban", Text, nullable=False),
)

distribution_rule = Table(
    "distribution_rule",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("ou_code", Text, ForeignKey("ou.code"), nullable=False, unique=True),
    Column("name", Text, nullable=False),
)

distribution_version = Table(
    "distribution_version",
    metadata,
    Column("rule_pk", Integer, ForeignKey("distribution_rule.pk", ondelete="CASCADE"), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("energy_compensation_e4", BigInteger, nullable=False),  # per kWh
    Column("method", Text, nullable=False),  # FIXED_FEE | PERCENTAGE
    Column("cpo_fee_e4", BigInteger),  # per kWh
    Column("cpo_percentage_e4", BigInteger),
    Column("customer_percentage_e4", BigInteger),
    Column("currency", Text, nullable=False),
)

meta_info = Table(
    "meta_info",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)
