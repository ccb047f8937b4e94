"""From a stored `model.Cdr` back to an OCPI CDR: the read-back that shows nothing was lost.

The result is a ``dict`` in OCPI field order, in the shape of OCPI 2.2.1 (mod_cdrs, CDR object) or 2.3.0
(the same, with the 2.3.0 Price ``{before_taxes, taxes}``). Numbers are `Decimal` objects (integers stay
`int`), never floats: write the dict with `cdrlib.ocpi.jsontext.dumps` (or ``canonical``) to get JSON
numbers with the exact digits. Date-times are OCPI DateTime strings in UTC, ``2024-01-01T10:00:00Z``
(with a fraction of a second only when it is not zero). Fields the sender did not give are left out.
The unknown fields kept in ``Cdr.extensions`` are merged back where they were.
"""

from __future__ import annotations

from typing import Any

from cdrlib import model
from cdrlib.ocpi import jsontext
from cdrlib.ocpi.convert import ocpi_datetime
from cdrlib.ocpi.models import PRICE_FIELDS

VERSIONS = ("2.2.1", "2.3.0")


def cdr_to_ocpi(cdr: model.Cdr, version: str | None = None) -> dict[str, Any]:
    """The OCPI JSON object of ``cdr`` (see the module docstring).

    ``version`` None: the shape the CDR was received in; a CDR converted from OCPI 2.1.1 reads back
    as 2.2.1. ``"2.2.1"`` / ``"2.3.0"``: that shape (the Price is converted; a 2.2.1 ``incl_vat``
    becomes one tax line named ``VAT``; 2.3.0 taxes become ``incl_vat``, and unknown fields inside a
    tax line are left out). Embedded tariffs are given back as they were received (a 2.1.1 tariff
    gains the ``country_code`` / ``party_id`` it was stored under).
    """
    target = version or ("2.2.1" if cdr.ocpi_version == "2.1.1" else cdr.ocpi_version)
    if target not in VERSIONS:
        raise ValueError(f"cannot write a CDR as OCPI {target}; choose one of {', '.join(VERSIONS)}")
    as_230 = target == "2.3.0"
    token, location = cdr.cdr_token, cdr.cdr_location
    out: dict[str, Any] = {
        "country_code": cdr.country_code,
        "party_id": cdr.party_id,
        "id": cdr.id,
        "start_date_time": ocpi_datetime(cdr.start_date_time),
        "end_date_time": ocpi_datetime(cdr.end_date_time),
    }
    _put(out, "session_id", cdr.session_id)
    cdr_token: dict[str, Any] = {}
    _put(cdr_token, "country_code", token.country_code)
    _put(cdr_token, "party_id", token.party_id)
    cdr_token.update(uid=token.uid, type=token.type, contract_id=token.contract_id)
    out["cdr_token"] = cdr_token
    out["auth_method"] = cdr.auth_method
    _put(out, "authorization_reference", cdr.authorization_reference)
    cdr_location: dict[str, Any] = {"id": location.id}
    _put(cdr_location, "name", location.name)
    cdr_location.update(address=location.address, city=location.city)
    _put(cdr_location, "postal_code", location.postal_code)
    _put(cdr_location, "state", location.state)
    cdr_location.update(
        country=location.country,
        coordinates={"latitude": location.latitude, "longitude": location.longitude},
        evse_uid=location.evse_uid,
        evse_id=location.evse_id,
        connector_id=location.connector_id,
        connector_standard=location.connector_standard,
        connector_format=location.connector_format,
        connector_power_type=location.connector_power_type,
    )
    out["cdr_location"] = cdr_location
    _put(out, "meter_id", cdr.meter_id)
    out["currency"] = cdr.currency
    if cdr.tariffs:
        out["tariffs"] = [_tariff(tariff) for tariff in cdr.tariffs]
    out["charging_periods"] = [_period(period) for period in cdr.charging_periods]
    if cdr.signed_data is not None:
        out["signed_data"] = jsontext.loads(cdr.signed_data)
    out["total_cost"] = _price(cdr.total_cost, as_230)
    _put(out, "total_fixed_cost", _price(cdr.total_fixed_cost, as_230))
    out["total_energy"] = cdr.total_energy
    _put(out, "total_energy_cost", _price(cdr.total_energy_cost, as_230))
    out["total_time"] = cdr.total_time
    _put(out, "total_time_cost", _price(cdr.total_time_cost, as_230))
    _put(out, "total_parking_time", cdr.total_parking_time)
    _put(out, "total_parking_cost", _price(cdr.total_parking_cost, as_230))
    _put(out, "total_reservation_cost", _price(cdr.total_reservation_cost, as_230))
    _put(out, "remark", cdr.remark)
    _put(out, "invoice_reference_id", cdr.invoice_reference_id)
    _put(out, "credit", cdr.credit)
    _put(out, "credit_reference_id", cdr.credit_reference_id)
    _put(out, "home_charging_compensation", cdr.home_charging_compensation)
    out["last_updated"] = ocpi_datetime(cdr.last_updated)
    _put(out, "meter_start", cdr.meter_start)
    _put(out, "meter_stop", cdr.meter_stop)
    if cdr.extensions:
        extensions = jsontext.loads(cdr.extensions)
        if isinstance(extensions, dict):
            if cdr.ocpi_version == "2.3.0" and not as_230:
                _drop_tax_residuals(extensions)
            merge(out, extensions)
    return out


def _drop_tax_residuals(extensions: dict[str, Any]) -> None:
    """The unknown fields of 2.3.0 tax lines have no place in a 2.2.1 Price: leave them out."""
    for name in PRICE_FIELDS:
        price = extensions.get(name)
        if isinstance(price, dict):
            price.pop("taxes", None)
            if not price:
                del extensions[name]


def _put(out: dict[str, Any], key: str, value: object) -> None:
    if value is not None:
        out[key] = value


def _tariff(tariff: model.Tariff) -> Any:
    """The tariff as received; an OCPI 2.1.1 tariff gains the country_code / party_id 2.2.1 requires."""
    document = jsontext.loads(tariff.document)
    if isinstance(document, dict) and ("country_code" not in document or "party_id" not in document):
        document = {"country_code": tariff.country_code, "party_id": tariff.party_id, **document}
    return document


def _period(period: model.ChargingPeriod) -> dict[str, Any]:
    out: dict[str, Any] = {
        "start_date_time": ocpi_datetime(period.start_date_time),
        "dimensions": [{"type": name, "volume": volume} for name, volume in period.dimensions().items()],
    }
    _put(out, "tariff_id", period.tariff_id)
    return out


def _price(price: model.Price | None, as_230: bool) -> dict[str, Any] | None:
    if price is None:
        return None
    if not as_230:
        out: dict[str, Any] = {"excl_vat": price.excl_vat}
        _put(out, "incl_vat", price.incl_vat)
        return out
    out = {"before_taxes": price.excl_vat}
    if price.taxes is not None:
        out["taxes"] = [_tax(tax) for tax in price.taxes]
    elif price.incl_vat is not None:
        out["taxes"] = [{"name": "VAT", "amount": price.incl_vat - price.excl_vat}]
    return out


def _tax(tax: model.TaxAmount) -> dict[str, Any]:
    out: dict[str, Any] = {"name": tax.name}
    _put(out, "account_number", tax.account_number)
    _put(out, "percentage", tax.percentage)
    out["amount"] = tax.amount
    return out


def merge(target: dict[str, Any], extra: dict[str, Any]) -> None:
    """Put the unknown fields ``extra`` back into ``target``: objects merge, arrays merge by position."""
    for key, value in extra.items():
        current = target.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merge(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            for item, item_extra in zip(current, value, strict=False):
                if isinstance(item, dict) and isinstance(item_extra, dict):
                    merge(item, item_extra)
        else:
            target[key] = value
