"""From validated OCPI JSON to the frozen domain objects of `cdrlib.model`, with the checks that span fields.

The wire shapes are checked by the pydantic models of `cdrlib.ocpi.models`; what one field cannot tell
is checked here (a session that ends before it starts, a charging period outside its session, a dimension
given twice, negative money on a CDR that is no credit CDR ...). Problems are raised as
`cdrlib.ocpi.models.Invalid`; `cdrlib.ocpi.records` is the public face that turns them into
`cdrlib.errors.ValidationError`.

An OCPI 2.1.1 CDR is converted to the 2.2.1 fields here (`_cdr_from_211`); the mapping is documented
field by field in ``docs/ocpi-2.1.1-conversion.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from cdrlib import model
from cdrlib.errors import ConfigError
from cdrlib.ocpi import iso_codes, jsontext, models
from cdrlib.ocpi.models import Invalid, residual

# A CDR describes a finished session: one that ends later than "now" plus this margin (clock skew between
# the charging station, the CPO back office and this machine) is refused.
FUTURE_TOLERANCE = dt.timedelta(minutes=15)

# The CDR fields that mark each kind of record (kind_of).
CDR_MARKERS = ("charging_periods", "total_cost", "cdr_token", "auth_id")
# Extension key under which the parts of a 2.1.1 CDR without a 2.2.1 place are kept.
OCPI_211_KEY = "ocpi_2_1_1"
# The 2.3.0 open-enum values that a 2.2.1 record cannot carry: seeing one tells the version.
TOKEN_TYPES_230_ONLY = frozenset({"EMAID"})
CONNECTOR_TYPES_230_ONLY = frozenset({"MCS", "SAE_J3400"})

_DIMENSION_ORDER = {name: index for index, name in enumerate(model.CDR_DIMENSIONS)}
# eMI3 / ISO 15118 EVSE ID: <country><S><operator id><S>E<outlet id>, S an optional "*".
_EVSE_ID = re.compile(r"([A-Za-z]{2})\*?([A-Za-z0-9]{3})\*?[Ee]\S+")
_EMP_ID = re.compile(r"([A-Za-z]{2})[-*\s]?([A-Za-z0-9]{3})")


def ocpi_datetime(when: dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC, with the fraction of a second only when it is not zero."""
    when = when.astimezone(dt.UTC) if when.utcoffset() else when
    text = f"{when.year:04d}-{when.month:02d}-{when.day:02d}T{when.hour:02d}:{when.minute:02d}:{when.second:02d}"
    if when.microsecond:
        text += f".{when.microsecond:06d}".rstrip("0")
    return text + "Z"


# --- kinds and versions ----------------------------------------------------------------------------


def kind_of(obj: object) -> str:
    """``"cdr"``, ``"tariff"`` or ``"location"``, decided by the fields present."""
    if not isinstance(obj, dict):
        raise Invalid.at("", f"expected a JSON object (an OCPI CDR, tariff or location), got {models.json_type(obj)}")
    if "status_code" in obj and ("data" in obj or "timestamp" in obj):
        raise Invalid.at("", "an OCPI response envelope inside a record; give its data, one record per line")
    if any(marker in obj for marker in CDR_MARKERS):
        if "kwh" in obj and "status" in obj and "total_energy" not in obj:
            raise Invalid.at("", "an OCPI Session (it has kwh and status), not a CDR; only finished CDRs are read")
        return "cdr"
    if "elements" in obj:
        return "tariff"
    if "evses" in obj or "coordinates" in obj:
        return "location"
    fields = ", ".join(sorted(map(str, obj))[:12]) or "none"
    raise Invalid.at("", f"not an OCPI CDR, tariff or location (fields: {fields})")


def cdr_version(obj: dict[str, Any]) -> str:
    """The OCPI version whose shape a CDR has: ``2.1.1``, ``2.2.1`` or ``2.3.0``.

    2.1.1: no ``cdr_token`` but ``auth_id`` / ``stop_date_time`` / ``location`` (OCPI 2.1.1 mod_cdrs).
    2.3.0: a Price with ``before_taxes`` (OCPI 2.3.0 types, Price), else a token type or connector
    standard only 2.3.0 has. Otherwise 2.2.1.
    """
    if "cdr_token" not in obj and ("auth_id" in obj or "stop_date_time" in obj or "location" in obj):
        return "2.1.1"
    shape_221 = shape_230 = None
    for name in models.PRICE_FIELDS:
        price = obj.get(name)
        if isinstance(price, dict):
            if "before_taxes" in price:
                shape_230 = shape_230 or name
            elif "excl_vat" in price:
                shape_221 = shape_221 or name
    if shape_221 and shape_230:
        raise Invalid.at(
            shape_230,
            f"has the OCPI 2.3.0 Price shape (before_taxes) but {shape_221} has the 2.2.1 shape (excl_vat)",
        )
    if shape_230:
        return "2.3.0"
    if shape_221:
        return "2.2.1"
    token, location = obj.get("cdr_token"), obj.get("cdr_location")
    if isinstance(token, dict) and token.get("type") in TOKEN_TYPES_230_ONLY:
        return "2.3.0"
    if isinstance(location, dict) and location.get("connector_standard") in CONNECTOR_TYPES_230_ONLY:
        return "2.3.0"
    return "2.2.1"


# --- CDR -------------------------------------------------------------------------------------------


def cdr_from_ocpi(
    obj: object, *, emp_id: str | None = None, now: dt.datetime | None = None, content_hash: str | None = None
) -> model.Cdr:
    """Validate one OCPI CDR (2.1.1, 2.2.1 or 2.3.0) and turn it into a `model.Cdr`."""
    if not isinstance(obj, dict):
        raise Invalid.at("", f"expected a JSON object (an OCPI CDR), got {models.json_type(obj)}")
    if emp_id is not None:
        split_emp_id(emp_id)  # refused the same way whatever the CDR's version
    if now is None:
        now = dt.datetime.now(dt.UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)  # naive: UTC, like every instant here
    version = cdr_version(obj)
    if version == "2.1.1":
        cdr = _cdr_from_211(obj, emp_id, content_hash)
        names = _NAMES_211
    else:
        cdr = _cdr_from_22x(obj, version, content_hash)
        names = _NAMES_230 if version == "2.3.0" else {}
    issues = _cdr_problems(cdr, now, names)
    if issues:
        raise Invalid(issues)
    return cdr


def _cdr_from_22x(obj: dict[str, Any], version: str, content_hash: str | None) -> model.Cdr:
    wire: models.Cdr = models.validate(models.Cdr230 if version == "2.3.0" else models.Cdr, obj)
    token, location = wire.cdr_token, wire.cdr_location
    periods, period_residuals = _periods(wire.charging_periods)
    tariffs = tuple(
        tariff_from_ocpi(item, path=f"tariffs[{index}]") for index, item in enumerate(obj.get("tariffs") or ())
    )
    extensions = residual(wire)
    _nest(extensions, "cdr_token", residual(token))
    location_residual = residual(location)
    _nest(location_residual, "coordinates", residual(location.coordinates))
    _nest(extensions, "cdr_location", location_residual)
    prices = {}
    for name in models.PRICE_FIELDS:
        wire_price = getattr(wire, name)
        prices[name] = _price(wire_price)
        if wire_price is not None:
            _nest(extensions, name, _price_residual(wire_price))
    if any(period_residuals):
        extensions["charging_periods"] = period_residuals
    emp = f"{token.country_code}{token.party_id}"
    return model.Cdr(
        country_code=wire.country_code,
        party_id=wire.party_id,
        id=wire.id,
        start_date_time=wire.start_date_time,
        end_date_time=wire.end_date_time,
        cdr_token=model.CdrToken(
            country_code=token.country_code,
            party_id=token.party_id,
            uid=token.uid,
            type=token.type,
            contract_id=token.contract_id,
        ),
        auth_method=wire.auth_method,
        cdr_location=model.CdrLocation(
            id=location.id,
            address=location.address,
            city=location.city,
            country=location.country,
            latitude=location.coordinates.latitude,
            longitude=location.coordinates.longitude,
            evse_uid=location.evse_uid,
            evse_id=location.evse_id,
            connector_id=location.connector_id,
            connector_standard=location.connector_standard,
            connector_format=location.connector_format,
            connector_power_type=location.connector_power_type,
            name=location.name,
            postal_code=location.postal_code,
            state=location.state,
        ),
        currency=wire.currency,
        charging_periods=periods,
        total_cost=prices["total_cost"],  # type: ignore[arg-type]  # required, never None
        total_energy=wire.total_energy,
        total_time=wire.total_time,
        last_updated=wire.last_updated,
        session_id=wire.session_id,
        authorization_reference=wire.authorization_reference,
        meter_id=wire.meter_id,
        tariffs=tariffs,
        signed_data=jsontext.canonical(obj["signed_data"]) if wire.signed_data is not None else None,
        total_fixed_cost=prices["total_fixed_cost"],
        total_energy_cost=prices["total_energy_cost"],
        total_time_cost=prices["total_time_cost"],
        total_parking_time=wire.total_parking_time,
        total_parking_cost=prices["total_parking_cost"],
        total_reservation_cost=prices["total_reservation_cost"],
        remark=wire.remark,
        invoice_reference_id=wire.invoice_reference_id,
        credit=wire.credit,
        credit_reference_id=wire.credit_reference_id,
        home_charging_compensation=wire.home_charging_compensation,
        ocpi_version=version,
        extensions=jsontext.canonical(extensions) if extensions else None,
        meter_start=wire.meter_start,
        meter_stop=wire.meter_stop,
        emp_id=emp.upper(),
        content_hash=content_hash,
    )


def _nest(parent: dict[str, Any], key: str, child: dict[str, Any]) -> None:
    if child:
        parent[key] = child


def _price(price: models.Price | models.Price230 | None) -> model.Price | None:
    """OCPI 2.2.1 Price as is; OCPI 2.3.0 Price: before_taxes -> excl_vat, incl_vat = before_taxes + taxes."""
    if price is None:
        return None
    if isinstance(price, models.Price):
        return model.Price(excl_vat=price.excl_vat, incl_vat=price.incl_vat)
    if price.taxes is None:
        return model.Price(excl_vat=price.before_taxes)
    taxes = tuple(
        model.TaxAmount(name=t.name, amount=t.amount, account_number=t.account_number, percentage=t.percentage)
        for t in price.taxes
    )
    # No tax listed is not "no tax due" (OCPI 2.3.0 Tariff.tax_included): incl_vat stays unknown.
    incl_vat = price.before_taxes + sum((t.amount for t in taxes), Decimal(0)) if taxes else None
    return model.Price(excl_vat=price.before_taxes, incl_vat=incl_vat, taxes=taxes)


def _price_residual(price: models.Price | models.Price230) -> dict[str, Any]:
    out = residual(price)
    if isinstance(price, models.Price230) and price.taxes:
        taxes = [residual(t) for t in price.taxes]
        if any(taxes):
            out["taxes"] = taxes
    return out


def _periods(
    wire_periods: Sequence[models.ChargingPeriod | models.ChargingPeriod211],
) -> tuple[tuple[model.ChargingPeriod, ...], list[dict[str, Any]]]:
    """The periods, and the unknown fields of each (dimensions in the order they are written back)."""
    periods: list[model.ChargingPeriod] = []
    residuals: list[dict[str, Any]] = []
    issues: list[tuple[str, str]] = []
    for i, period in enumerate(wire_periods):
        volumes: dict[str, Decimal] = {}
        dimension_residuals: dict[str, dict[str, Any]] = {}
        for j, dimension in enumerate(period.dimensions):
            if dimension.type not in _DIMENSION_ORDER:  # a 2.1.1 FLAT dimension: kept by the caller
                continue
            if dimension.type in volumes:
                issues.append(
                    (
                        f"charging_periods[{i}].dimensions[{j}].type",
                        f"{dimension.type!r} is given more than once in this charging period",
                    )
                )
                continue
            volumes[dimension.type] = dimension.volume
            dimension_residuals[dimension.type] = residual(dimension)
        periods.append(
            model.ChargingPeriod(
                start_date_time=period.start_date_time,
                tariff_id=period.tariff_id if isinstance(period, models.ChargingPeriod) else None,
                **{name.lower(): volume for name, volume in volumes.items()},
            )
        )
        period_residual = residual(period)
        ordered = [dimension_residuals[name] for name in sorted(dimension_residuals, key=_DIMENSION_ORDER.get)]
        if any(ordered):
            period_residual["dimensions"] = ordered
        residuals.append(period_residual)
    if issues:
        raise Invalid(issues)
    return tuple(periods), residuals


# Field names of the checks below, as the sender's version calls them.
_NAMES_230 = {"excl_vat": "before_taxes"}
_NAMES_211 = {"end_date_time": "stop_date_time", "total_cost.excl_vat": "total_cost"}


def _cdr_problems(cdr: model.Cdr, now: dt.datetime, names: dict[str, str]) -> list[tuple[str, str]]:
    """Rules that span fields (OCPI 2.2.1 mod_cdrs, CDR object and ChargingPeriod class)."""
    issues: list[tuple[str, str]] = []
    end_name = names.get("end_date_time", "end_date_time")
    start, end = cdr.start_date_time, cdr.end_date_time
    start_text, end_text = ocpi_datetime(start), ocpi_datetime(end)
    if end < start:
        issues.append((end_name, f"{end_name} ({end_text}) is before start_date_time ({start_text})"))
    if end > now + FUTURE_TOLERANCE:
        issues.append((end_name, f"{end_name} ({end_text}) is in the future; a CDR is for a finished session"))

    # "A period ends when the next period starts. The last period ends when the session ends."
    previous: dt.datetime | None = None
    for i, period in enumerate(cdr.charging_periods):
        path = f"charging_periods[{i}].start_date_time"
        begin = period.start_date_time
        inside = start <= begin < end or begin == start == end
        if not inside and end >= start:
            problem = f"is outside the session ({start_text} to {end_text})"
            issues.append((path, f"{path} ({ocpi_datetime(begin)}) {problem}"))
        elif previous is not None and begin < previous:
            problem = f"is before the start of the previous period ({ocpi_datetime(previous)})"
            issues.append((path, f"{path} ({ocpi_datetime(begin)}) {problem}; periods must be in time order"))
        previous = begin

    parking, total = cdr.total_parking_time, cdr.total_time
    if parking is not None and parking > total:
        problem = f"is more than total_time ({total} h), of which it is a part"
        issues.append(("total_parking_time", f"total_parking_time ({parking} h) {problem}"))

    # Credit CDRs (OCPI 2.2.1 mod_cdrs, Credit CDRs) repeat the original with negative amounts.
    if cdr.credit:
        if not cdr.credit_reference_id:
            problem = "field required for a credit CDR (credit is true): the id of the credited CDR"
            issues.append(("credit_reference_id", problem))
        if cdr.total_cost.excl_vat > 0:
            path = names.get("total_cost.excl_vat", f"total_cost.{names.get('excl_vat', 'excl_vat')}")
            issues.append((path, f"must not be positive in a credit CDR (credit: true), got {cdr.total_cost.excl_vat}"))
    else:
        if cdr.credit_reference_id:
            issues.append(("credit", "must be true when credit_reference_id is set (a credit CDR)"))
        issues.extend(_negative_prices(cdr, names))

    meter_start, meter_stop = cdr.meter_start, cdr.meter_stop
    if meter_start is not None and meter_stop is not None and meter_stop < meter_start:
        issues.append(("meter_stop", f"meter_stop ({meter_stop} Wh) is less than meter_start ({meter_start} Wh)"))
    return issues


def _negative_prices(cdr: model.Cdr, names: dict[str, str]) -> Iterable[tuple[str, str]]:
    excl_name = names.get("excl_vat", "excl_vat")
    for name in models.PRICE_FIELDS:
        price: model.Price | None = getattr(cdr, name)
        if price is None:
            continue
        problem = "must not be negative unless the CDR is a credit CDR (credit: true)"
        if price.excl_vat < 0:
            path = names.get(f"{name}.excl_vat", f"{name}.{excl_name}")
            yield path, f"{problem}, got {price.excl_vat}"
        if price.taxes is not None:
            for k, tax in enumerate(price.taxes):
                if tax.amount < 0:
                    yield f"{name}.taxes[{k}].amount", f"{problem}, got {tax.amount}"
        elif price.incl_vat is not None and price.incl_vat < 0:
            yield f"{name}.incl_vat", f"{problem}, got {price.incl_vat}"


# --- CDR, OCPI 2.1.1 -------------------------------------------------------------------------------


def split_emp_id(emp_id: str) -> tuple[str, str]:
    """``"NLTNM"`` (or ``NL-TNM``, ``NL*TNM``) -> ``("NL", "TNM")``; `ConfigError` when it is not one."""
    match = _EMP_ID.fullmatch(emp_id.strip()) if isinstance(emp_id, str) else None
    if match is None or match.group(1).upper() not in iso_codes.COUNTRY_ALPHA2:
        raise ConfigError(
            f"emp_id: not a valid EMP party id {emp_id!r} (an ISO 3166-1 country code and a 3-character "
            "party id, e.g. NLTNM)"
        )
    return match.group(1).upper(), match.group(2).upper()


def _cdr_from_211(obj: dict[str, Any], emp_id: str | None, content_hash: str | None) -> model.Cdr:
    """OCPI 2.1.1 CDR -> the 2.2.1 fields; see docs/ocpi-2.1.1-conversion.md."""
    emp = split_emp_id(emp_id) if emp_id is not None else None
    wire = models.validate(models.Cdr211, obj)
    location = wire.location
    issues: list[tuple[str, str]] = []
    if len(location.evses) != 1:
        issues.append(
            ("location.evses", f"must hold exactly the EVSE that was used, found {len(location.evses)} EVSEs")
        )
    evse = location.evses[0]
    if len(evse.connectors) != 1:
        issues.append(
            (
                "location.evses[0].connectors",
                f"must hold exactly the connector that was used, found {len(evse.connectors)} connectors",
            )
        )
    if evse.evse_id is None:
        issues.append(("location.evses[0].evse_id", "field required (it becomes cdr_location.evse_id)"))
    sender = _sender_211(wire, evse.evse_id)
    if sender is None:
        issues.append(
            (
                "country_code",
                "field required: an OCPI 2.1.1 CDR does not name its CPO; give country_code and party_id, "
                "or an EVSE ID such as NL*LMS*E12345 in location.evses[0].evse_id",
            )
        )
    if issues:
        raise Invalid(issues)
    assert sender is not None and evse.evse_id is not None
    country_code, party_id = sender
    connector = evse.connectors[0]
    periods, period_residuals = _periods(wire.charging_periods)
    flat = [
        {"charging_period": i, "dimension": obj["charging_periods"][i]["dimensions"][j]}
        for i, period in enumerate(wire.charging_periods)
        for j, dimension in enumerate(period.dimensions)
        if dimension.type == "FLAT"
    ]
    tariffs = tuple(
        tariff_from_ocpi(item, path=f"tariffs[{index}]", country_code=country_code, party_id=party_id)
        for index, item in enumerate(obj.get("tariffs") or ())
    )
    extensions = residual(wire)
    if any(period_residuals):
        extensions["charging_periods"] = period_residuals
    kept: dict[str, Any] = {"location": obj["location"]}
    if flat:
        kept["flat_dimensions"] = flat
    extensions[OCPI_211_KEY] = kept
    return model.Cdr(
        country_code=country_code,
        party_id=party_id,
        id=wire.id,
        start_date_time=wire.start_date_time,
        end_date_time=wire.stop_date_time,
        cdr_token=model.CdrToken(
            country_code=emp[0] if emp else None,
            party_id=emp[1] if emp else None,
            uid=wire.auth_id,
            type="OTHER",
            contract_id=wire.auth_id,
        ),
        auth_method=wire.auth_method,
        cdr_location=model.CdrLocation(
            id=location.id,
            address=location.address,
            city=location.city,
            country=location.country,
            latitude=location.coordinates.latitude,
            longitude=location.coordinates.longitude,
            evse_uid=evse.uid,
            evse_id=evse.evse_id,
            connector_id=connector.id,
            connector_standard=connector.standard,
            connector_format=connector.format,
            connector_power_type=connector.power_type,
            name=location.name,
            postal_code=location.postal_code,
        ),
        currency=wire.currency,
        charging_periods=periods,
        total_cost=model.Price(excl_vat=wire.total_cost),
        total_energy=wire.total_energy,
        total_time=wire.total_time,
        last_updated=wire.last_updated,
        meter_id=wire.meter_id,
        tariffs=tariffs,
        total_parking_time=wire.total_parking_time,
        remark=wire.remark,
        ocpi_version="2.1.1",
        extensions=jsontext.canonical(extensions),
        time_zone=location.time_zone,
        meter_start=wire.meter_start,
        meter_stop=wire.meter_stop,
        emp_id=f"{emp[0]}{emp[1]}" if emp else None,
        content_hash=content_hash,
    )


def _sender_211(wire: models.Cdr211, evse_id: str | None) -> tuple[str, str] | None:
    """The CPO of a 2.1.1 CDR: its country_code/party_id when given, else the operator in the EVSE ID."""
    if wire.country_code and wire.party_id:
        return wire.country_code, wire.party_id
    match = _EVSE_ID.fullmatch(evse_id) if evse_id else None
    if match and match.group(1).upper() in iso_codes.COUNTRY_ALPHA2:
        return match.group(1).upper(), match.group(2).upper()
    return None


# --- Tariff ----------------------------------------------------------------------------------------


_RANGES = (("min_kwh", "max_kwh"), ("min_current", "max_current"), ("min_power", "max_power"))


def tariff_from_ocpi(
    obj: object, *, path: str = "", country_code: str | None = None, party_id: str | None = None
) -> model.Tariff:
    """Validate one OCPI Tariff (mod_tariffs) and keep it whole as canonical JSON in ``document``."""
    wire = models.validate(models.Tariff, obj, path)
    assert isinstance(obj, dict)
    issues: list[tuple[str, str]] = []
    owner_country = wire.country_code or (country_code.upper() if country_code else None)
    owner_party = wire.party_id or (party_id.upper() if party_id else None)
    if owner_country is None:
        issues.append((models.join_path(path, "country_code"), "field required"))
    if owner_party is None:
        issues.append((models.join_path(path, "party_id"), "field required"))
    if wire.start_date_time and wire.end_date_time and wire.end_date_time <= wire.start_date_time:
        issues.append(
            (
                models.join_path(path, "end_date_time"),
                f"end_date_time ({ocpi_datetime(wire.end_date_time)}) is not after start_date_time "
                f"({ocpi_datetime(wire.start_date_time)})",
            )
        )
    for name in ("min_price", "max_price"):
        limit = getattr(wire, name)
        if limit is not None and limit.excl_vat is None and limit.before_taxes is None:
            issues.append((models.join_path(path, name), "needs excl_vat (OCPI 2.2.1) or before_taxes (2.3.0)"))
    for i, element in enumerate(wire.elements):
        restrictions = element.restrictions
        if restrictions is None:
            continue
        for low, high in (*_RANGES, ("min_duration", "max_duration")):
            low_value, high_value = getattr(restrictions, low), getattr(restrictions, high)
            if low_value is not None and high_value is not None and low_value > high_value:
                where = models.join_path(path, f"elements[{i}].restrictions.{low}")
                issues.append((where, f"{low} ({low_value}) is more than {high} ({high_value})"))
    if issues:
        raise Invalid(issues)
    assert owner_country is not None and owner_party is not None
    return model.Tariff(
        country_code=owner_country,
        party_id=owner_party,
        id=wire.id,
        currency=wire.currency,
        last_updated=wire.last_updated,
        document=jsontext.canonical(obj),
        type=wire.type,
        start_date_time=wire.start_date_time,
        end_date_time=wire.end_date_time,
    )


# --- Location --------------------------------------------------------------------------------------


def location_from_ocpi(obj: object, *, country_code: str | None = None, party_id: str | None = None) -> model.Location:
    """Validate one OCPI Location (mod_locations) and keep it whole as canonical JSON in ``document``.

    ``ou_code`` (on the location and on each EVSE) is a CPO extension field, not OCPI: the code of the
    organization unit the location / EVSE belongs to. An EVSE without one belongs to the location's OU.
    """
    wire = models.validate(models.Location, obj)
    assert isinstance(obj, dict)
    issues: list[tuple[str, str]] = []
    owner_country = wire.country_code or (country_code.upper() if country_code else None)
    owner_party = wire.party_id or (party_id.upper() if party_id else None)
    if owner_country is None:
        issues.append(("country_code", "field required"))
    if owner_party is None:
        issues.append(("party_id", "field required"))
    evses: list[model.Evse] = []
    seen: set[str] = set()
    for index, evse in enumerate(wire.evses or ()):
        if evse.uid in seen:
            issues.append((f"evses[{index}].uid", f"{evse.uid!r} is given to more than one EVSE"))
        seen.add(evse.uid)
        raw_evse = obj["evses"][index]
        evses.append(
            model.Evse(
                uid=evse.uid,
                evse_id=evse.evse_id,
                ou_code=evse.ou_code,
                document=jsontext.canonical(raw_evse),
            )
        )
    if issues:
        raise Invalid(issues)
    assert owner_country is not None and owner_party is not None
    return model.Location(
        country_code=owner_country,
        party_id=owner_party,
        id=wire.id,
        address=wire.address,
        city=wire.city,
        country=wire.country,
        latitude=wire.coordinates.latitude,
        longitude=wire.coordinates.longitude,
        time_zone=wire.time_zone,
        last_updated=wire.last_updated,
        name=wire.name,
        postal_code=wire.postal_code,
        state=wire.state,
        ou_code=wire.ou_code,
        evses=tuple(evses),
        document=jsontext.canonical(obj),
    )
