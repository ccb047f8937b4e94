"""Pydantic models of the OCPI wire shapes this project reads, and the translation of their errors.

The models are strict: a string where a number is expected (or the reverse) is a wrong type, not
something to coerce. Every object keeps the fields OCPI does not define (``extra="allow"``), so that
nothing a sender gave is lost. Field names and cardinalities follow OCPI 2.2.1 (mod_cdrs, mod_tariffs,
mod_locations, types); the 2.3.0 differences (Price ``{before_taxes, taxes}``, open enums for the token
type and the connector standard) and the 2.1.1 CDR (mod_cdrs of 2.1.1) have their own models.

Deliberately not enforced: the maximum string lengths of OCPI (``string(45)`` for an address ...).
Real records break them in harmless ways, and refusing a billing record for a long street name helps
nobody. Identifiers must not be empty.

Validation problems are raised as `Invalid`, a list of ``(dotted.path, problem)`` pairs;
`cdrlib.ocpi.records` turns it into one `cdrlib.errors.ValidationError`.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, Field, PlainValidator
from pydantic_core import PydanticCustomError

from cdrlib import model
from cdrlib.ocpi import iso_codes

# At most this many problems are listed in one message; the rest are counted.
MAX_ISSUES_LISTED = 8

# --- problems --------------------------------------------------------------------------------------


class Invalid(Exception):
    """One record is invalid: the problems as ``(path, problem)`` pairs, path "" for the whole record."""

    def __init__(self, issues: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(_render(p, m) for p, m in issues))
        self.issues = issues

    @classmethod
    def at(cls, path: str, problem: str) -> Invalid:
        return cls([(path, problem)])

    def prefixed(self, prefix: str) -> Invalid:
        """The same problems below ``prefix`` (e.g. ``tariffs[0]``)."""
        return Invalid([(join_path(prefix, p), m) for p, m in self.issues])

    def message(self) -> str:
        shown = [_render(p, m) for p, m in self.issues[:MAX_ISSUES_LISTED]]
        hidden = len(self.issues) - len(shown)
        if hidden:
            shown.append(f"and {hidden} more problem{'s' if hidden > 1 else ''}")
        return "; ".join(shown)

    @property
    def field(self) -> str | None:
        return self.issues[0][0] or None


def _render(path: str, problem: str) -> str:
    """``path: problem``; a problem that already names its field (``end_date_time (...) is ...``) as is."""
    if not path or problem.startswith(path):
        return problem
    return f"{path}: {problem}"


def join_path(prefix: str, path: str) -> str:
    if not path:
        return prefix
    if not prefix:
        return path
    return prefix + path if path.startswith("[") else f"{prefix}.{path}"


def format_loc(loc: Iterable[int | str]) -> str:
    """Pydantic's ``("charging_periods", 2, "type")`` as ``charging_periods[2].type``."""
    out = ""
    for part in loc:
        out = f"{out}[{part}]" if isinstance(part, int) else (f"{out}.{part}" if out else str(part))
    return out


def json_type(value: object) -> str:
    """The JSON type of a parsed value, with the value where it helps: ``number 12``, ``string 'x'``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {'true' if value else 'false'}"
    if isinstance(value, (int, float, Decimal)):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {_quote(value)}"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _quote(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "bool_type": "true or false",
    "list_type": "an array",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
}


def translate(exc: pydantic.ValidationError, prefix: str = "") -> Invalid:
    """One `Invalid` from a pydantic error, each problem named by its OCPI field path."""
    issues: list[tuple[str, str]] = []
    for error in exc.errors(include_url=False):
        path = join_path(prefix, format_loc(error["loc"]))
        kind = error["type"]
        value = error.get("input")
        if kind == "missing":
            problem = "field required"
        elif kind in _EXPECTED:
            expected = _EXPECTED[kind]
            problem = "must not be null" if value is None else f"expected {expected}, got {json_type(value)}"
        elif kind in ("too_short", "string_too_short"):
            problem = "must not be empty"
        elif kind == "greater_than_equal":
            problem = f"must not be negative (got {value})"
        else:
            problem = str(error["msg"])
        issues.append((path, problem))
    return Invalid(issues)


M = TypeVar("M", bound=BaseModel)


def validate(cls: type[M], obj: object, prefix: str = "") -> M:
    """``cls.model_validate(obj)``, raising `Invalid` with OCPI paths instead of pydantic's error."""
    if not isinstance(obj, dict):
        raise Invalid.at(prefix, f"expected a JSON object, got {json_type(obj)}")
    try:
        return cls.model_validate(obj)
    except pydantic.ValidationError as exc:
        raise translate(exc, prefix) from None


# --- scalar types ----------------------------------------------------------------------------------


def _fail(problem: str) -> PydanticCustomError:
    return PydanticCustomError("ocpi", "{problem}", {"problem": problem})


def _wrong_type(value: object, expected: str) -> PydanticCustomError:
    if value is None:
        return _fail("must not be null")
    return _fail(f"expected {expected}, got {json_type(value)}")


# The largest magnitude of an OCPI number the store keeps exactly (integers of 1/10,000 in 64 bits);
# no charging session comes near it (a billion kWh, a billion euro).
MAX_NUMBER = Decimal(10) ** 12


def _number(value: object) -> Decimal:
    """OCPI *number*: a JSON number, exact (int, Decimal, or a float read via its shortest repr)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _fail(f"not a finite number: {value}")
        number = value
    elif isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _fail(f"not a finite number: {value}")
        number = Decimal(repr(value))
    else:
        raise _wrong_type(value, "a number")
    if abs(number) >= MAX_NUMBER:
        raise _fail(f"out of range: {value} (at most {MAX_NUMBER:.0E} in size)")
    return number


def _non_negative(value: object) -> Decimal:
    number = _number(value)
    if number < 0:
        raise _fail(f"must not be negative (got {number})")
    return number


# OCPI 2.2.1 types, DateTime: "2015-06-29T20:39:09Z", "2015-06-29T20:39:09", "2016-12-29T17:45:09.2Z".
# All OCPI timestamps are UTC; one without a zone designator is UTC as well. An explicit offset is
# tolerated (not OCPI, but unambiguous) and converted. Fractions beyond microseconds are truncated.
_DATETIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?\s*(Z|z|[+-]\d\d(?::?\d\d)?)?")


def parse_datetime(value: object) -> dt.datetime:
    """An OCPI DateTime as an aware UTC `datetime`; `PydanticCustomError` when it is not one."""
    if not isinstance(value, str):
        raise _wrong_type(value, "a date-time string")
    match = _DATETIME.fullmatch(value.strip())
    if match is None:
        raise _fail(f"not a valid date-time: {_quote(value)}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        when = dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=dt.UTC,
        )
        if zone and zone not in ("Z", "z"):
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            if offset >= dt.timedelta(hours=24):
                raise ValueError("offset out of range")
            when -= sign * offset
    except (ValueError, OverflowError):
        raise _fail(f"not a valid date-time: {_quote(value)}") from None
    return when


def _code(values: frozenset[str], describe: str, *, upper: bool = False) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str):
            raise _wrong_type(value, "a string")
        code = value.upper() if upper else value
        if code not in values:
            raise _fail(f"unknown {describe} {_quote(value)}")
        return code

    return check


_PARTY_ID = re.compile(r"[A-Za-z0-9]{3}")


def _party_id(value: object) -> str:
    """OCPI 2.2.1 party_id: CiString(3), following ISO 15118 (3 letters or digits); kept upper case."""
    if not isinstance(value, str):
        raise _wrong_type(value, "a string")
    if not _PARTY_ID.fullmatch(value):
        raise _fail(f"not a valid party id {_quote(value)} (3 letters or digits expected)")
    return value.upper()


def _enum(name: str, values: Iterable[str]) -> Callable[[object], str]:
    allowed = frozenset(values)
    listing = ", ".join(sorted(allowed))

    def check(value: object) -> str:
        if not isinstance(value, str):
            raise _wrong_type(value, "a string")
        if value not in allowed:
            raise _fail(f"{_quote(value)} is not a valid {name} (allowed: {listing})")
        return value

    return check


def _open_enum(value: object) -> str:
    """OCPI 2.3.0 OpenEnum: a known value or a new one; it has to be a non-empty string."""
    if not isinstance(value, str):
        raise _wrong_type(value, "a string")
    if not value.strip():
        raise _fail("must not be empty")
    return value


# OCPI 2.2.1 mod_cdrs, CdrDimensionType: the values that SHALL only be used in Sessions.
SESSION_ONLY_DIMENSIONS = frozenset({"CURRENT", "ENERGY_EXPORT", "ENERGY_IMPORT", "POWER", "STATE_OF_CHARGE"})
_CDR_DIMENSIONS = frozenset(model.CDR_DIMENSIONS)


def _cdr_dimension_type(value: object) -> str:
    if not isinstance(value, str):
        raise _wrong_type(value, "a string")
    if value in _CDR_DIMENSIONS:
        return value
    allowed = ", ".join(model.CDR_DIMENSIONS)
    if value in SESSION_ONLY_DIMENSIONS:
        raise _fail(f"{_quote(value)} is not allowed in a CDR (allowed: {allowed})")
    raise _fail(f"{_quote(value)} is not a CdrDimensionType (allowed in a CDR: {allowed})")


_LATITUDE = re.compile(r"-?[0-9]{1,2}(\.[0-9]+)?")
_LONGITUDE = re.compile(r"-?[0-9]{1,3}(\.[0-9]+)?")


def _coordinate(pattern: re.Pattern[str], limit: int, what: str) -> Callable[[object], str]:
    """OCPI GeoLocation: decimal degrees as a *string*; any number of decimals is accepted here."""

    def check(value: object) -> str:
        if not isinstance(value, str):
            raise _wrong_type(value, 'a decimal string such as "52.37403"')
        if not pattern.fullmatch(value) or abs(Decimal(value)) > limit:
            raise _fail(f"not a valid {what}: {_quote(value)}")
        return value

    return check


@lru_cache(maxsize=1024)
def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _time_zone(value: object) -> str:
    """OCPI Location.time_zone: "One of IANA tzdata's TZ-values representing the time zone"."""
    if not isinstance(value, str):
        raise _wrong_type(value, "a string")
    if not value or not _known_zone(value):
        raise _fail(f"unknown IANA time zone {_quote(value)} (e.g. Europe/Amsterdam)")
    return value


_LOCAL_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


def _local_time(value: object) -> str:
    """OCPI TariffRestrictions start_time / end_time: string(5), ``HH:MM`` (00:00 - 23:59)."""
    if not isinstance(value, str):
        raise _wrong_type(value, "a string")
    if not _LOCAL_TIME.fullmatch(value):
        raise _fail(f"not a valid time of day {_quote(value)} (HH:MM expected)")
    return value


def _local_date(value: object) -> str:
    """OCPI TariffRestrictions start_date / end_date: string(10), ``YYYY-MM-DD``."""
    if not isinstance(value, str):
        raise _wrong_type(value, "a string")
    try:
        if len(value) != 10:
            raise ValueError
        dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(f"not a valid date {_quote(value)} (YYYY-MM-DD expected)") from None
    return value


Number = Annotated[Decimal, PlainValidator(_number)]
NonNegative = Annotated[Decimal, PlainValidator(_non_negative)]
DateTime = Annotated[dt.datetime, PlainValidator(parse_datetime)]
Text = str
Ident = Annotated[str, Field(min_length=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
CountryCode = Annotated[str, PlainValidator(_code(iso_codes.COUNTRY_ALPHA2, "ISO 3166-1 alpha-2 code", upper=True))]
Country3 = Annotated[str, PlainValidator(_code(iso_codes.COUNTRY_ALPHA3, "ISO 3166-1 alpha-3 code"))]
Currency = Annotated[str, PlainValidator(_code(iso_codes.CURRENCIES, "ISO 4217 code"))]
PartyId = Annotated[str, PlainValidator(_party_id)]
OpenEnum = Annotated[str, PlainValidator(_open_enum)]
TimeZone = Annotated[str, PlainValidator(_time_zone)]
Latitude = Annotated[str, PlainValidator(_coordinate(_LATITUDE, 90, "latitude"))]
Longitude = Annotated[str, PlainValidator(_coordinate(_LONGITUDE, 180, "longitude"))]
LocalTime = Annotated[str, PlainValidator(_local_time)]
LocalDate = Annotated[str, PlainValidator(_local_date)]
CdrDimensionType = Annotated[str, PlainValidator(_cdr_dimension_type)]

# OCPI 2.2.1 enums (mod_cdrs, mod_tokens, mod_locations, mod_tariffs).
AUTH_METHODS = ("AUTH_REQUEST", "COMMAND", "WHITELIST")
TOKEN_TYPES = ("AD_HOC_USER", "APP_USER", "OTHER", "RFID")
CONNECTOR_FORMATS = ("SOCKET", "CABLE")
POWER_TYPES = ("AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC")
CONNECTOR_TYPES = (
    "CHADEMO", "CHAOJI",
    "DOMESTIC_A", "DOMESTIC_B", "DOMESTIC_C", "DOMESTIC_D", "DOMESTIC_E", "DOMESTIC_F", "DOMESTIC_G",
    "DOMESTIC_H", "DOMESTIC_I", "DOMESTIC_J", "DOMESTIC_K", "DOMESTIC_L", "DOMESTIC_M", "DOMESTIC_N",
    "DOMESTIC_O",
    "GBT_AC", "GBT_DC",
    "IEC_60309_2_single_16", "IEC_60309_2_three_16", "IEC_60309_2_three_32", "IEC_60309_2_three_64",
    "IEC_62196_T1", "IEC_62196_T1_COMBO", "IEC_62196_T2", "IEC_62196_T2_COMBO", "IEC_62196_T3A",
    "IEC_62196_T3C",
    "NEMA_5_20", "NEMA_6_30", "NEMA_6_50", "NEMA_10_30", "NEMA_10_50", "NEMA_14_30", "NEMA_14_50",
    "PANTOGRAPH_BOTTOM_UP", "PANTOGRAPH_TOP_DOWN",
    "TESLA_R", "TESLA_S",
)  # fmt: skip
TARIFF_DIMENSIONS = ("ENERGY", "FLAT", "PARKING_TIME", "TIME")
TARIFF_TYPES = ("AD_HOC_PAYMENT", "PROFILE_CHEAP", "PROFILE_FAST", "PROFILE_GREEN", "REGULAR")
DAYS_OF_WEEK = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
RESERVATION_TYPES = ("RESERVATION", "RESERVATION_EXPIRES")
TAX_INCLUDED = ("YES", "NO", "N/A")  # OCPI 2.3.0 Tariff.tax_included
# OCPI 2.1.1 mod_cdrs.
AUTH_METHODS_211 = ("AUTH_REQUEST", "WHITELIST")
DIMENSIONS_211 = ("ENERGY", "FLAT", "MAX_CURRENT", "MIN_CURRENT", "PARKING_TIME", "TIME")
POWER_TYPES_211 = ("AC_1_PHASE", "AC_3_PHASE", "DC")

AuthMethod = Annotated[str, PlainValidator(_enum("AuthMethod", AUTH_METHODS))]
TokenType = Annotated[str, PlainValidator(_enum("TokenType", TOKEN_TYPES))]
ConnectorType = Annotated[str, PlainValidator(_enum("ConnectorType", CONNECTOR_TYPES))]
ConnectorFormat = Annotated[str, PlainValidator(_enum("ConnectorFormat", CONNECTOR_FORMATS))]
PowerType = Annotated[str, PlainValidator(_enum("PowerType", POWER_TYPES))]
TariffDimensionType = Annotated[str, PlainValidator(_enum("TariffDimensionType", TARIFF_DIMENSIONS))]
TariffType = Annotated[str, PlainValidator(_enum("TariffType", TARIFF_TYPES))]
DayOfWeek = Annotated[str, PlainValidator(_enum("DayOfWeek", DAYS_OF_WEEK))]
ReservationType = Annotated[str, PlainValidator(_enum("ReservationRestrictionType", RESERVATION_TYPES))]
TaxIncluded = Annotated[str, PlainValidator(_enum("TaxIncluded", TAX_INCLUDED))]
AuthMethod211 = Annotated[str, PlainValidator(_enum("AuthMethod (OCPI 2.1.1)", AUTH_METHODS_211))]
CdrDimensionType211 = Annotated[str, PlainValidator(_enum("CdrDimensionType (OCPI 2.1.1)", DIMENSIONS_211))]
PowerType211 = Annotated[str, PlainValidator(_enum("PowerType (OCPI 2.1.1)", POWER_TYPES_211))]


class OcpiModel(BaseModel):
    """Strict, and keeps unknown fields (``model_extra``)."""

    model_config = ConfigDict(strict=True, extra="allow", validate_default=False)


# --- CDR, OCPI 2.2.1 / 2.3.0 -----------------------------------------------------------------------


class GeoLocation(OcpiModel):
    latitude: Latitude
    longitude: Longitude


class CdrToken(OcpiModel):
    """OCPI 2.2.1 mod_cdrs CdrToken."""

    country_code: CountryCode
    party_id: PartyId
    uid: Ident
    type: TokenType
    contract_id: Ident


class CdrToken230(CdrToken):
    type: OpenEnum  # type: ignore[assignment]  # 2.3.0: OpenEnum, adds EMAID


class CdrLocation(OcpiModel):
    """OCPI 2.2.1 mod_cdrs CdrLocation."""

    id: Ident
    name: Text | None = None
    address: Text
    city: Text
    postal_code: Text | None = None
    state: Text | None = None
    country: Country3
    coordinates: GeoLocation
    evse_uid: Ident
    evse_id: Ident
    connector_id: Ident
    connector_standard: ConnectorType
    connector_format: ConnectorFormat
    connector_power_type: PowerType


class CdrLocation230(CdrLocation):
    connector_standard: OpenEnum  # type: ignore[assignment]  # 2.3.0: OpenEnum, adds MCS, SAE_J3400


class CdrDimension(OcpiModel):
    type: CdrDimensionType
    volume: NonNegative


class ChargingPeriod(OcpiModel):
    start_date_time: DateTime
    dimensions: list[CdrDimension] = Field(min_length=1)
    tariff_id: Text | None = None


class Price(OcpiModel):
    """OCPI 2.2.1 types Price: ``excl_vat``, ``incl_vat``."""

    excl_vat: Number
    incl_vat: Number | None = None


class TaxAmount(OcpiModel):
    """OCPI 2.3.0 types TaxAmount."""

    name: Text
    account_number: Text | None = None
    percentage: NonNegative | None = None
    amount: Number


class Price230(OcpiModel):
    """OCPI 2.3.0 types Price: ``before_taxes`` and the list of ``taxes``."""

    before_taxes: Number
    taxes: list[TaxAmount] | None = None


class SignedValue(OcpiModel):
    nature: Text
    plain_data: Text
    signed_data: Text


class SignedData(OcpiModel):
    """OCPI 2.2.1 mod_cdrs SignedData (kept whole as canonical JSON; checked for shape only)."""

    encoding_method: Ident
    encoding_method_version: int | None = None
    public_key: Text | None = None
    signed_values: list[SignedValue] = Field(min_length=1)
    url: Text | None = None


class Cdr(OcpiModel):
    """OCPI 2.2.1 mod_cdrs CDR object, plus the CPO's optional ``meter_start`` / ``meter_stop`` (Wh)."""

    country_code: CountryCode
    party_id: PartyId
    id: Ident
    start_date_time: DateTime
    end_date_time: DateTime
    session_id: Text | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: Text | None = None
    cdr_location: CdrLocation
    meter_id: Text | None = None
    currency: Currency
    tariffs: list[dict[str, Any]] | None = None  # each checked by the tariff model, with its path
    charging_periods: list[ChargingPeriod] = Field(min_length=1)
    signed_data: SignedData | None = None
    total_cost: Price
    total_fixed_cost: Price | None = None
    total_energy: NonNegative
    total_energy_cost: Price | None = None
    total_time: NonNegative
    total_time_cost: Price | None = None
    total_parking_time: NonNegative | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    remark: Text | None = None
    invoice_reference_id: Text | None = None
    credit: bool | None = None
    credit_reference_id: Text | None = None
    home_charging_compensation: bool | None = None
    last_updated: DateTime
    # CPO extension fields (not OCPI): meter readings of the charging station, Wh.
    meter_start: NonNegativeInt | None = None
    meter_stop: NonNegativeInt | None = None


class Cdr230(Cdr):
    """OCPI 2.3.0 mod_cdrs CDR object: the same fields, 2.3.0 Price and open enums."""

    cdr_token: CdrToken230
    cdr_location: CdrLocation230
    total_cost: Price230  # type: ignore[assignment]
    total_fixed_cost: Price230 | None = None  # type: ignore[assignment]
    total_energy_cost: Price230 | None = None  # type: ignore[assignment]
    total_time_cost: Price230 | None = None  # type: ignore[assignment]
    total_parking_cost: Price230 | None = None  # type: ignore[assignment]
    total_reservation_cost: Price230 | None = None  # type: ignore[assignment]


PRICE_FIELDS = (
    "total_cost",
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_reservation_cost",
)


# --- CDR, OCPI 2.1.1 -------------------------------------------------------------------------------


class Connector211(OcpiModel):
    """OCPI 2.1.1 mod_locations Connector (the fields a CDR needs; the rest is kept)."""

    id: Ident
    standard: Ident
    format: ConnectorFormat
    power_type: PowerType211


class Evse211(OcpiModel):
    uid: Ident
    evse_id: Ident | None = None
    connectors: list[Connector211] = Field(min_length=1)


class Location211(OcpiModel):
    """OCPI 2.1.1 mod_locations Location, as embedded in a 2.1.1 CDR."""

    id: Ident
    name: Text | None = None
    address: Text
    city: Text
    postal_code: Text | None = None
    country: Country3
    coordinates: GeoLocation
    evses: list[Evse211] = Field(min_length=1)
    time_zone: TimeZone | None = None


class CdrDimension211(OcpiModel):
    type: CdrDimensionType211
    volume: NonNegative


class ChargingPeriod211(OcpiModel):
    start_date_time: DateTime
    dimensions: list[CdrDimension211] = Field(min_length=1)


class Cdr211(OcpiModel):
    """OCPI 2.1.1 mod_cdrs CDR object (``country_code`` / ``party_id`` are not 2.1.1 but often sent)."""

    id: Ident
    start_date_time: DateTime
    stop_date_time: DateTime
    auth_id: Ident
    auth_method: AuthMethod211
    location: Location211
    meter_id: Text | None = None
    currency: Currency
    tariffs: list[dict[str, Any]] | None = None
    charging_periods: list[ChargingPeriod211] = Field(min_length=1)
    total_cost: NonNegative
    total_energy: NonNegative
    total_time: NonNegative
    total_parking_time: NonNegative | None = None
    remark: Text | None = None
    last_updated: DateTime
    country_code: CountryCode | None = None
    party_id: PartyId | None = None
    meter_start: NonNegativeInt | None = None
    meter_stop: NonNegativeInt | None = None


# --- Tariff ----------------------------------------------------------------------------------------


class PriceComponent(OcpiModel):
    type: TariffDimensionType
    price: NonNegative
    vat: NonNegative | None = None
    step_size: NonNegativeInt


class TariffRestrictions(OcpiModel):
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    start_date: LocalDate | None = None
    end_date: LocalDate | None = None
    min_kwh: NonNegative | None = None
    max_kwh: NonNegative | None = None
    min_current: NonNegative | None = None
    max_current: NonNegative | None = None
    min_power: NonNegative | None = None
    max_power: NonNegative | None = None
    min_duration: NonNegativeInt | None = None
    max_duration: NonNegativeInt | None = None
    day_of_week: list[DayOfWeek] | None = None
    reservation: ReservationType | None = None


class TariffElement(OcpiModel):
    price_components: list[PriceComponent] = Field(min_length=1)
    restrictions: TariffRestrictions | None = None


class PriceLimit(OcpiModel):
    """Tariff min_price / max_price: a 2.2.1 Price or a 2.3.0 PriceLimit (``before_taxes``...)."""

    excl_vat: NonNegative | None = None
    incl_vat: NonNegative | None = None
    before_taxes: NonNegative | None = None
    after_taxes: NonNegative | None = None


class DisplayText(OcpiModel):
    language: Text
    text: Text


class Tariff(OcpiModel):
    """OCPI 2.2.1 / 2.3.0 mod_tariffs Tariff (2.1.1 tariffs have no country_code / party_id)."""

    country_code: CountryCode | None = None
    party_id: PartyId | None = None
    id: Ident
    currency: Currency
    type: TariffType | None = None
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: Text | None = None
    min_price: PriceLimit | None = None
    max_price: PriceLimit | None = None
    preauthorize_amount: NonNegative | None = None
    elements: list[TariffElement] = Field(min_length=1)
    tax_included: TaxIncluded | None = None
    energy_mix: dict[str, Any] | None = None
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    last_updated: DateTime


# --- Location --------------------------------------------------------------------------------------


class LocationEvse(OcpiModel):
    """OCPI mod_locations EVSE: what the store indexes; ``ou_code`` is a CPO extension field."""

    uid: Ident
    evse_id: Text | None = None
    ou_code: Ident | None = None


class Location(OcpiModel):
    """OCPI 2.2.1 mod_locations Location: what the store indexes; ``ou_code`` is a CPO extension."""

    country_code: CountryCode | None = None
    party_id: PartyId | None = None
    id: Ident
    name: Text | None = None
    address: Text
    city: Text
    postal_code: Text | None = None
    state: Text | None = None
    country: Country3
    coordinates: GeoLocation
    evses: list[LocationEvse] | None = None
    time_zone: TimeZone
    last_updated: DateTime
    ou_code: Ident | None = None


def residual(item: BaseModel) -> dict[str, Any]:
    """The unknown fields of one object (never None)."""
    return dict(item.model_extra) if item.model_extra else {}
