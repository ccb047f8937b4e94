"""Plain, frozen domain objects: what the store keeps and every other module hands around.

OCPI JSON is validated at the boundary (`cdrlib.ocpi`) and turned into these; the store writes and
reads them. Money is `Decimal` (OCPI numbers have at most 4 decimals), always next to its currency
(`Cdr.currency`, `Tariff.currency`). Instants are timezone-aware UTC `datetime`s.

Field names follow OCPI 2.2.1 (mod_cdrs, mod_tariffs, mod_locations); 2.3.0 differences are noted
where they change the shape (the 2.3.0 `Price` has `before_taxes` and a list of `taxes`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol, TypeVar, overload

from cdrlib.errors import ValidationError

# OCPI numbers have 4 decimals (OCPI 2.2.1 Types, number). The store keeps them, and its frames hand
# them up, as exact integers of 1/10,000 ("_e4"): exact sums on every database, no float anywhere.
E4_PLACES = 4
E4_SCALE = 10**E4_PLACES


@overload
def to_e4(value: Decimal | int) -> int: ...
@overload
def to_e4(value: None) -> None: ...
def to_e4(value: Decimal | int | None) -> int | None:
    """An exact decimal as an integer of 1/10,000, rounded half up beyond 4 decimals."""
    if value is None:
        return None
    # Memoized: the write path converts ~30 numbers per CDR, and amounts repeat a lot (a dict lookup
    # is a sixth of the conversion). Equal decimals (5.5 and 5.5000) have one value, so sharing is safe.
    found = _E4_MEMO.get(value)
    if found is not None:
        return found
    if len(_E4_MEMO) >= _E4_MEMO_MAX:
        _E4_MEMO.clear()
    scaled = Decimal(value).scaleb(E4_PLACES)
    whole = int(scaled)
    result = whole if whole == scaled else int(scaled.to_integral_value(rounding=ROUND_HALF_UP))
    _E4_MEMO[value] = result
    return result


_E4_MEMO: dict[Decimal | int, int] = {}
_E4_MEMO_MAX = 100_000  # entries (a few MiB), then it starts again


@overload
def from_e4(value: int) -> Decimal: ...
@overload
def from_e4(value: None) -> None: ...
def from_e4(value: int | None) -> Decimal | None:
    """An ``_e4`` integer as the exact `Decimal` (``12345`` -> ``Decimal("1.2345")``)."""
    return None if value is None else Decimal(int(value)).scaleb(-E4_PLACES)


# The CDR dimension types OCPI 2.2.1 allows in a CDR's charging period (mod_cdrs, CdrDimensionType:
# the others -- CURRENT, ENERGY_EXPORT, ENERGY_IMPORT, POWER, STATE_OF_CHARGE -- are for sessions only).
CDR_DIMENSIONS: tuple[str, ...] = (
    "ENERGY",  # kWh
    "TIME",  # hours
    "PARKING_TIME",  # hours
    "RESERVATION_TIME",  # hours
    "MIN_CURRENT",  # A
    "MAX_CURRENT",  # A
    "MIN_POWER",  # kW
    "MAX_POWER",  # kW
)


@dataclass(frozen=True, slots=True)
class TaxAmount:
    """OCPI 2.3.0 `TaxAmount`: one tax in a `Price`."""

    name: str
    amount: Decimal
    account_number: str | None = None
    percentage: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Price:
    """An amount in the currency of its CDR or tariff.

    2.2.1: ``excl_vat`` / ``incl_vat``. 2.3.0: ``before_taxes`` (kept as ``excl_vat``) and ``taxes``;
    ``incl_vat`` is then before_taxes plus the sum of the tax amounts.
    ``incl_vat`` is None where the sender gave none (unknown, not zero).
    """

    excl_vat: Decimal
    incl_vat: Decimal | None = None
    taxes: tuple[TaxAmount, ...] | None = None


# `PriceCheck.status` values.
PRICE_OK = "ok"  # the stated total_cost is within 0.01 of the recomputed one (excl. and incl. VAT)
PRICE_MISMATCH = "mismatch"  # it differs by more than 0.01 in either figure
PRICE_UNPRICED = "unpriced"  # the engine cannot price it; ``reason`` says why
PRICE_CREDIT = "credit"  # a credit CDR: not re-priced (pricing.md rule 10)
PRICE_STATUSES = (PRICE_OK, PRICE_MISMATCH, PRICE_UNPRICED, PRICE_CREDIT)
# The cost totals of a CDR (OCPI 2.2.1 mod_cdrs) that `PriceCheck` recomputes, in its field order.
PRICE_TOTALS = (
    "total_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_fixed_cost",
    "total_reservation_cost",
)


@dataclass(frozen=True, slots=True)
class PriceCheck:
    """The pricing engine's recomputation of a CDR, kept beside the sender's figures.

    The costs are None when the CDR was not priced (``status`` unpriced or credit).
    """

    status: str
    reason: str | None = None
    total_cost: Price | None = None
    total_energy_cost: Price | None = None
    total_time_cost: Price | None = None
    total_parking_cost: Price | None = None
    total_fixed_cost: Price | None = None
    total_reservation_cost: Price | None = None


@dataclass(frozen=True, slots=True)
class CdrToken:
    """OCPI 2.2.1 `CdrToken`. ``country_code`` + ``party_id`` identify the issuing EMP."""

    country_code: str | None
    party_id: str | None
    uid: str
    type: str
    contract_id: str

    @property
    def issuer(self) -> str | None:
        """The EMP id of the token issuer, e.g. ``NLTNM``; None when unknown (OCPI 2.1.1)."""
        if self.country_code and self.party_id:
            return f"{self.country_code}{self.party_id}".upper()
        return None


@dataclass(frozen=True, slots=True)
class CdrLocation:
    """OCPI 2.2.1 `CdrLocation`: the location as it was at the time of the session."""

    id: str
    address: str
    city: str
    country: str  # ISO 3166-1 alpha-3
    latitude: str
    longitude: str
    evse_uid: str
    evse_id: str
    connector_id: str
    connector_standard: str
    connector_format: str
    connector_power_type: str
    name: str | None = None
    postal_code: str | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True)
class ChargingPeriod:
    """One OCPI charging period. It ends where the next one starts (the last at the CDR's end).

    Each dimension is None when the sender did not give it. Units: ENERGY kWh, TIME / PARKING_TIME /
    RESERVATION_TIME hours, currents A, powers kW.
    """

    start_date_time: dt.datetime
    tariff_id: str | None = None
    energy: Decimal | None = None
    time: Decimal | None = None
    parking_time: Decimal | None = None
    reservation_time: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None

    def dimensions(self) -> dict[str, Decimal]:
        """The given dimensions by OCPI type name, in `CDR_DIMENSIONS` order."""
        values = (
            self.energy,
            self.time,
            self.parking_time,
            self.reservation_time,
            self.min_current,
            self.max_current,
            self.min_power,
            self.max_power,
        )
        return {name: v for name, v in zip(CDR_DIMENSIONS, values, strict=True) if v is not None}


@dataclass(frozen=True, slots=True)
class Tariff:
    """An OCPI tariff. ``document`` is the whole tariff as canonical OCPI JSON text (sorted keys), so
    that no field is lost; the pricing engine reads its elements from there. The other fields are
    the ones the store indexes and filters on.
    """

    country_code: str
    party_id: str
    id: str
    currency: str
    last_updated: dt.datetime
    document: str
    type: str | None = None
    start_date_time: dt.datetime | None = None
    end_date_time: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Cdr:
    """A Charge Detail Record: every OCPI field, plus what the CPO adds (the second block).

    The key is (``country_code``, ``party_id``, ``id``): the sender and its id for the CDR.
    """

    # --- OCPI (2.2.1 names) ---
    country_code: str
    party_id: str
    id: str
    start_date_time: dt.datetime
    end_date_time: dt.datetime
    cdr_token: CdrToken
    auth_method: str
    cdr_location: CdrLocation
    currency: str
    charging_periods: tuple[ChargingPeriod, ...]
    total_cost: Price
    total_energy: Decimal
    total_time: Decimal
    last_updated: dt.datetime
    session_id: str | None = None
    authorization_reference: str | None = None
    meter_id: str | None = None
    tariffs: tuple[Tariff, ...] = ()
    signed_data: str | None = None  # canonical JSON text of OCPI SignedData
    total_fixed_cost: Price | None = None
    total_energy_cost: Price | None = None
    total_time_cost: Price | None = None
    total_parking_time: Decimal | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    remark: str | None = None
    invoice_reference_id: str | None = None
    credit: bool | None = None
    credit_reference_id: str | None = None
    home_charging_compensation: bool | None = None
    ocpi_version: str = "2.2.1"  # the shape it was received in: 2.1.1, 2.2.1 or 2.3.0
    extensions: str | None = None  # canonical JSON text of fields OCPI does not define, kept as sent

    # --- added by the CPO (domain.md) ---
    created_at: dt.datetime | None = None  # set by the store when None
    time_zone: str | None = None  # IANA name of the location's zone
    time_zone_guessed: bool = False
    ou_code: str | None = None  # OU of the EVSE at the time of the session
    location_ou_code: str | None = None
    meter_start: int | None = None  # Wh
    meter_stop: int | None = None  # Wh
    roamed: bool | None = None  # None: decided by the store from the settings' own parties
    emp_id: str | None = None  # token issuer, e.g. NLTNM
    content_hash: str | None = None  # hash of the record as received, to tell duplicates from conflicts
    price_check: PriceCheck | None = None  # the engine's recomputation (None: not checked)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.country_code, self.party_id, self.id)

    @property
    def sender(self) -> str:
        """The CPO party that sent the CDR, e.g. ``NLXCP`` (eViolin `Infra_Provider_ID`)."""
        return f"{self.country_code}{self.party_id}".upper()


@dataclass(frozen=True, slots=True)
class Evse:
    """An EVSE of a location; ``ou_code`` None means the location's OU."""

    uid: str
    evse_id: str | None = None
    ou_code: str | None = None
    document: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    """OCPI location master data, with what the CPO adds (time zone from OCPI, OU)."""

    country_code: str
    party_id: str
    id: str
    address: str
    city: str
    country: str
    latitude: str
    longitude: str
    time_zone: str
    last_updated: dt.datetime
    name: str | None = None
    postal_code: str | None = None
    state: str | None = None
    ou_code: str | None = None
    evses: tuple[Evse, ...] = ()
    document: str | None = None  # canonical OCPI JSON text when imported


@dataclass(frozen=True, slots=True)
class LocationFacts:
    """What the store knows of a location, for enriching its CDRs (`cdrlib.enrich`)."""

    time_zone: str
    ou_code: str | None
    evse_ou: dict[str, str | None] = field(default_factory=dict)  # EVSE uid -> its own OU, if any


@dataclass(frozen=True, slots=True)
class OrganizationUnit:
    """A node of the CPO's OU tree. ``is_customer``: an OU that owns chargers the CPO operates."""

    code: str
    name: str
    parent_code: str | None = None
    is_customer: bool = False


@dataclass(frozen=True, slots=True)
class Emp:
    """An e-mobility service provider, by its OCPI party id (``NLTNM``)."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Card:
    """A charge card the CPO knows the OU of (an employer's driver), by its contract id (EMAID)."""

    contract_id: str
    ou_code: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ReimbursementTariff:
    """Per-kWh reimbursement price valid from ``valid_from`` (local date at the location)."""

    valid_from: dt.date
    excl_vat: Decimal
    incl_vat: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Payee:
    """Who is paid, valid from ``valid_from``. ``iban`` is validated before it gets here."""

    valid_from: dt.date
    name: str
    iban: str


@dataclass(frozen=True, slots=True)
class ReimbursementConfig:
    """Reimbursement at one location for one card (``contract_id``) or every card of an OU."""

    location_country_code: str
    location_party_id: str
    location_id: str
    tariffs: tuple[ReimbursementTariff, ...]
    payees: tuple[Payee, ...]
    contract_id: str | None = None
    ou_code: str | None = None


@dataclass(frozen=True, slots=True)
class DistributionVersion:
    """One version of a distribution rule (domain.md, Tariff distribution).

    ``method`` is ``FIXED_FEE`` (``cpo_fee_per_kwh``) or ``PERCENTAGE`` (``cpo_percentage`` +
    ``customer_percentage`` = 100).
    """

    valid_from: dt.date
    energy_compensation_per_kwh: Decimal
    method: str
    currency: str
    cpo_fee_per_kwh: Decimal | None = None
    cpo_percentage: Decimal | None = None
    customer_percentage: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DistributionRule:
    """A revenue-sharing rule of an OU, with its version history."""

    ou_code: str
    name: str
    versions: tuple[DistributionVersion, ...] = field(default_factory=tuple)


class _Dated(Protocol):
    @property
    def valid_from(self) -> dt.date: ...


_D = TypeVar("_D", bound=_Dated)


def valid_on(items: Iterable[_D], day: dt.date, what: str) -> _D | None:
    """Of a history (reimbursement tariffs, payees, distribution versions), the item valid on ``day``:
    the latest ``valid_from`` <= ``day``; None before the first. The items may come in any order; two
    from the same date make the history ambiguous and raise `ValidationError` (``what`` names them)."""
    found: _D | None = None
    for item in items:
        if item.valid_from > day:
            continue
        if found is not None and item.valid_from == found.valid_from:
            raise ValidationError(f"two {what} valid from {item.valid_from.isoformat()}", field="valid_from")
        if found is None or item.valid_from > found.valid_from:
            found = item
    return found
