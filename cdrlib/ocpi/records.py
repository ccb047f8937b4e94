"""The public face of OCPI record parsing: classify a record, validate it, read it back, hash it.

Every function takes the parsed JSON of one record (as `cdrlib.ocpi.reader` yields it; numbers as
`Decimal` or `int`, though `float` is accepted too) and raises `cdrlib.errors.ValidationError` with a
message that names the field and the problem, e.g. ``cdr_token.uid: field required`` or
``currency: unknown ISO 4217 code 'EUX'``; ``ValidationError.field`` is the (first) dotted path. When a
record has several problems they are all listed, joined by ``"; "``.

Specifications followed: OCPI 2.2.1 and 2.3.0 (mod_cdrs, mod_tariffs, mod_locations, types), and OCPI
2.1.1 mod_cdrs for CDRs that are converted on the way in (``docs/ocpi-2.1.1-conversion.md``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from cdrlib import model
from cdrlib.errors import ValidationError
from cdrlib.ocpi import convert, jsontext, readback
from cdrlib.ocpi.models import Invalid


def _public(exc: Invalid) -> ValidationError:
    return ValidationError(exc.message(), field=exc.field)


def kind_of(obj: object) -> str:
    """``"cdr"``, ``"tariff"`` or ``"location"``, decided by the fields of the record.

    A CDR has ``charging_periods``, ``total_cost``, ``cdr_token`` or (OCPI 2.1.1) ``auth_id``
    (OCPI 2.2.1 mod_cdrs); a tariff has ``elements`` (mod_tariffs); a location has ``evses`` or
    ``coordinates`` and no charging periods (mod_locations). An OCPI Session (it has ``kwh`` and
    ``status``) is refused: only CDRs are billing records. Raises `ValidationError` for anything else.
    """
    try:
        return convert.kind_of(obj)
    except Invalid as exc:
        raise _public(exc) from None


def parse_cdr(obj: object, *, emp_id: str | None = None, now: dt.datetime | None = None) -> model.Cdr:
    """Validate one OCPI CDR and return it as a `model.Cdr` (OCPI 2.2.1 mod_cdrs, *CDR object*).

    The shape is detected: OCPI 2.3.0 (a Price with ``before_taxes``, or a 2.3.0-only token type or
    connector standard), 2.2.1, or 2.1.1 (``auth_id``, ``location``, ``stop_date_time``, no
    ``cdr_token``), which is converted to the 2.2.1 fields; ``Cdr.ocpi_version`` says which it was.

    ``emp_id`` (e.g. ``"NLTNM"``) names the EMP a 2.1.1 CDR came from, since a 2.1.1 CDR carries no token
    issuer; it becomes ``cdr_token.country_code`` / ``party_id`` and ``Cdr.emp_id``. For 2.2.1 / 2.3.0
    the token issuer is used and ``emp_id`` is ignored. An invalid ``emp_id`` raises
    `cdrlib.errors.ConfigError`.

    ``now`` (default: the current time) is the instant a session must have ended by (give or take
    `convert.FUTURE_TOLERANCE`).

    Checked besides the types and the ISO codes: the session does not end before it starts or in the
    future; every charging period starts inside the session (start <= period start < end; a period may
    start at the end only in a session of zero length) and after the previous period; a dimension type
    allowed in a CDR (`model.CDR_DIMENSIONS`), at most once per period; no negative volume, duration or
    meter reading; total_parking_time not over total_time; no negative amount unless ``credit`` is true,
    and a credit CDR names ``credit_reference_id`` (OCPI 2.2.1 mod_cdrs, *Credit CDRs*).

    Unknown fields are kept in ``Cdr.extensions`` (canonical JSON): top-level ones under their name,
    unknown fields inside a known object under that object's name (e.g. ``{"cdr_token": {"x": 1}}``),
    so that `cdr_to_ocpi` can put each back where it was. The CPO extension fields ``meter_start`` and
    ``meter_stop`` (integers, Wh) are read into the model instead. ``Cdr.content_hash`` is
    `content_hash` of ``obj``.
    """
    try:
        return convert.cdr_from_ocpi(obj, emp_id=emp_id, now=now, content_hash=content_hash(obj))
    except Invalid as exc:
        raise _public(exc) from None


def parse_tariff(
    obj: object, *, country_code: str | None = None, party_id: str | None = None
) -> model.Tariff:
    """Validate one OCPI Tariff (OCPI 2.2.1 / 2.3.0 mod_tariffs, *Tariff object*).

    The whole object is kept as canonical JSON in ``Tariff.document``. Checked: currency (ISO 4217), at
    least one element with at least one price component (type ENERGY / FLAT / PARKING_TIME / TIME,
    price >= 0, integer step_size >= 0), the restriction formats (``HH:MM``, ``YYYY-MM-DD``, day_of_week
    values, min <= max) and a validity window that is not empty. ``country_code`` / ``party_id`` are used
    when the tariff has none (an OCPI 2.1.1 tariff, e.g. embedded in a 2.1.1 CDR).
    """
    try:
        return convert.tariff_from_ocpi(obj, country_code=country_code, party_id=party_id)
    except Invalid as exc:
        raise _public(exc) from None


def parse_location(
    obj: object, *, country_code: str | None = None, party_id: str | None = None
) -> model.Location:
    """Validate one OCPI Location (OCPI 2.2.1 mod_locations, *Location object*).

    The whole object is kept as canonical JSON in ``Location.document`` (each EVSE in
    ``Evse.document``). Checked: id, address, city, ``country`` (ISO 3166-1 alpha-3), coordinates,
    ``time_zone`` (required, an IANA zone known to `zoneinfo`), ``last_updated``, and EVSEs with a unique
    ``uid``. ``ou_code`` on the location or on an EVSE is a CPO extension field (the organization unit;
    an EVSE without one belongs to the location's). ``country_code`` / ``party_id`` are used when the
    location has none (OCPI 2.1.1).
    """
    try:
        return convert.location_from_ocpi(obj, country_code=country_code, party_id=party_id)
    except Invalid as exc:
        raise _public(exc) from None


def cdr_to_ocpi(cdr: model.Cdr, version: str | None = None) -> dict[str, Any]:
    """The OCPI JSON object of a stored CDR, in the shape of ``cdr.ocpi_version`` (or ``version``).

    A CDR converted from 2.1.1 reads back as OCPI 2.2.1. Numbers are `Decimal` (or `int`) objects, not
    floats, so that no digit is lost: write the result with `cdrlib.ocpi.jsontext.dumps`. Date-times are
    ``YYYY-MM-DDTHH:MM:SSZ`` (with a fraction of a second only when it is not zero). ``extensions`` are
    merged back in. ``version`` other than 2.2.1 / 2.3.0 raises ValueError. See `readback`.
    """
    return readback.cdr_to_ocpi(cdr, version)


def content_hash(obj: object) -> str:
    """SHA-256 (hex) of the canonical JSON of a parsed record.

    Canonical: keys sorted, no whitespace, non-ASCII kept, numbers in their shortest exact form; so a
    record sent again with other key order, spacing or number formatting (``12.50`` / ``12.5``) hashes
    the same, and any change of a value does not.
    """
    return hashlib.sha256(jsontext.canonical(obj).encode("utf-8")).hexdigest()


def canonical_json(obj: object) -> str:
    """The canonical JSON text of a parsed record (the text `content_hash` hashes)."""
    return jsontext.canonical(obj)


def split_emp_id(emp_id: str) -> tuple[str, str]:
    """``"NLTNM"`` -> ``("NL", "TNM")``: check an EMP id (e.g. a CLI option) before an import starts.

    Raises `cdrlib.errors.ConfigError` when it is not an ISO 3166-1 alpha-2 code and a 3-character
    party id (``NL-TNM`` and ``NL*TNM`` are accepted too).
    """
    return convert.split_emp_id(emp_id)
