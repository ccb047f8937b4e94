"""Each class of bad CDR gives one ValidationError whose message names the field and the problem."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from cdrlib import model
from cdrlib.errors import ConfigError, ValidationError
from cdrlib.ocpi import records
from tests.ocpi import samples

Cdr = dict[str, Any]
ALLOWED = ", ".join(model.CDR_DIMENSIONS)


def _set(path: str, value: object) -> Callable[[Cdr], None]:
    """A mutation that sets (or, with value ..., deletes) the field at a dotted path like a.b[1].c."""

    def apply(cdr: Cdr) -> None:
        *parents, last = path.replace("[", ".[").split(".")
        target: Any = cdr
        for part in parents:
            target = target[int(part[1:-1])] if part.startswith("[") else target[part]
        key: Any = int(last[1:-1]) if last.startswith("[") else last
        if value is ...:
            del target[key]
        else:
            target[key] = value

    return apply


CASES: list[tuple[str, Callable[[Cdr], None], str, str]] = [
    ("missing field", _set("cdr_token.uid", ...), "cdr_token.uid", "cdr_token.uid: field required"),
    (
        "bad date",
        _set("start_date_time", "2024-13-01T00:00:00Z"),
        "start_date_time",
        "start_date_time: not a valid date-time: '2024-13-01T00:00:00Z'",
    ),
    (
        "date not a string",
        _set("last_updated", 1704067200),
        "last_updated",
        "last_updated: expected a date-time string, got number 1704067200",
    ),
    (
        "end before start",
        _set("end_date_time", "2024-01-01T09:00:00Z"),
        "end_date_time",
        "end_date_time (2024-01-01T09:00:00Z) is before start_date_time (2024-01-01T10:00:00Z)",
    ),
    ("unknown currency", _set("currency", "EUX"), "currency", "currency: unknown ISO 4217 code 'EUX'"),
    ("lower-case currency", _set("currency", "eur"), "currency", "currency: unknown ISO 4217 code 'eur'"),
    (
        "unknown alpha-3 country",
        _set("cdr_location.country", "NLX"),
        "cdr_location.country",
        "cdr_location.country: unknown ISO 3166-1 alpha-3 code 'NLX'",
    ),
    (
        "alpha-2 where alpha-3 belongs",
        _set("cdr_location.country", "NL"),
        "cdr_location.country",
        "cdr_location.country: unknown ISO 3166-1 alpha-3 code 'NL'",
    ),
    (
        "unknown alpha-2 country",
        _set("country_code", "XX"),
        "country_code",
        "country_code: unknown ISO 3166-1 alpha-2 code 'XX'",
    ),
    (
        "token issuer country",
        _set("cdr_token.country_code", "NLD"),
        "cdr_token.country_code",
        "cdr_token.country_code: unknown ISO 3166-1 alpha-2 code 'NLD'",
    ),
    (
        "bad party id",
        _set("party_id", "LM"),
        "party_id",
        "party_id: not a valid party id 'LM' (3 letters or digits expected)",
    ),
    (
        "period after the end",
        _set("charging_periods[1].start_date_time", "2024-01-01T12:30:00Z"),
        "charging_periods[1].start_date_time",
        "charging_periods[1].start_date_time (2024-01-01T12:30:00Z) is outside the session "
        "(2024-01-01T10:00:00Z to 2024-01-01T12:00:00Z)",
    ),
    (
        "period exactly at the end",
        _set("charging_periods[1].start_date_time", "2024-01-01T12:00:00Z"),
        "charging_periods[1].start_date_time",
        "charging_periods[1].start_date_time (2024-01-01T12:00:00Z) is outside the session",
    ),
    (
        "period before the start",
        _set("charging_periods[0].start_date_time", "2024-01-01T09:59:59Z"),
        "charging_periods[0].start_date_time",
        "charging_periods[0].start_date_time (2024-01-01T09:59:59Z) is outside the session",
    ),
    (
        "periods out of order",
        _set("charging_periods[0].start_date_time", "2024-01-01T11:30:00Z"),
        "charging_periods[1].start_date_time",
        "charging_periods[1].start_date_time (2024-01-01T11:00:00Z) is before the start of the "
        "previous period (2024-01-01T11:30:00Z)",
    ),
    (
        "session-only dimension",
        _set("charging_periods[0].dimensions[1].type", "STATE_OF_CHARGE"),
        "charging_periods[0].dimensions[1].type",
        "charging_periods[0].dimensions[1].type: "
        f"'STATE_OF_CHARGE' is not allowed in a CDR (allowed: {ALLOWED})",
    ),
    (
        "unknown dimension",
        _set("charging_periods[0].dimensions[0].type", "KWH"),
        "charging_periods[0].dimensions[0].type",
        "charging_periods[0].dimensions[0].type: "
        f"'KWH' is not a CdrDimensionType (allowed in a CDR: {ALLOWED})",
    ),
    (
        "dimension twice in a period",
        _set("charging_periods[0].dimensions[1].type", "ENERGY"),
        "charging_periods[0].dimensions[1].type",
        "charging_periods[0].dimensions[1].type: 'ENERGY' is given more than once in this charging period",
    ),
    (
        "negative volume",
        _set("charging_periods[0].dimensions[0].volume", Decimal("-1.5")),
        "charging_periods[0].dimensions[0].volume",
        "charging_periods[0].dimensions[0].volume: must not be negative (got -1.5)",
    ),
    (
        "negative total_time",
        _set("total_time", -1),
        "total_time",
        "total_time: must not be negative (got -1)",
    ),
    (
        "negative total_parking_time",
        _set("total_parking_time", Decimal("-0.25")),
        "total_parking_time",
        "total_parking_time: must not be negative (got -0.25)",
    ),
    (
        "negative total_energy",
        _set("total_energy", Decimal("-3")),
        "total_energy",
        "total_energy: must not be negative (got -3)",
    ),
    (
        "parking longer than the session",
        _set("total_parking_time", 3),
        "total_parking_time",
        "total_parking_time (3 h) is more than total_time (2 h), of which it is a part",
    ),
    (
        "string where a number belongs",
        _set("total_energy", "12.5"),
        "total_energy",
        "total_energy: expected a number, got string '12.5'",
    ),
    (
        "boolean where a number belongs",
        _set("total_cost.excl_vat", True),
        "total_cost.excl_vat",
        "total_cost.excl_vat: expected a number, got boolean true",
    ),
    (
        "number where a string belongs",
        _set("cdr_token.uid", 12345),
        "cdr_token.uid",
        "cdr_token.uid: expected a string, got number 12345",
    ),
    (
        "null where a value is required",
        _set("auth_method", None),
        "auth_method",
        "auth_method: must not be null",
    ),
    ("empty identifier", _set("id", ""), "id", "id: must not be empty"),
    (
        "object where an array belongs",
        _set("charging_periods", {}),
        "charging_periods",
        "charging_periods: expected an array, got an object",
    ),
    (
        "no charging periods",
        _set("charging_periods", []),
        "charging_periods",
        "charging_periods: must not be empty",
    ),
    (
        "period without dimensions",
        _set("charging_periods[0].dimensions", []),
        "charging_periods[0].dimensions",
        "charging_periods[0].dimensions: must not be empty",
    ),
    (
        "unknown enum value",
        _set("auth_method", "PASSWORD"),
        "auth_method",
        "auth_method: 'PASSWORD' is not a valid AuthMethod (allowed: AUTH_REQUEST, COMMAND, WHITELIST)",
    ),
    (
        "2.3.0 token type in a 2.2.1 CDR",
        _set("cdr_token.type", "BADGE"),
        "cdr_token.type",
        "cdr_token.type: 'BADGE' is not a valid TokenType (allowed: AD_HOC_USER, APP_USER, OTHER, RFID)",
    ),
    (
        "latitude as a number",
        _set("cdr_location.coordinates.latitude", Decimal("52.37403")),
        "cdr_location.coordinates.latitude",
        "cdr_location.coordinates.latitude: "
        'expected a decimal string such as "52.37403", got number 52.37403',
    ),
    (
        "latitude out of range",
        _set("cdr_location.coordinates.latitude", "95.00000"),
        "cdr_location.coordinates.latitude",
        "cdr_location.coordinates.latitude: not a valid latitude: '95.00000'",
    ),
    (
        "negative cost without credit",
        _set("total_cost.excl_vat", Decimal("-5.00")),
        "total_cost.excl_vat",
        "total_cost.excl_vat: must not be negative unless the CDR is a credit CDR (credit: true), got -5.00",
    ),
    (
        "credit without reference",
        _set("credit", True),
        "credit_reference_id",
        "credit_reference_id: field required for a credit CDR (credit is true)",
    ),
    (
        "reference without credit",
        _set("credit_reference_id", "CDR-0"),
        "credit",
        "credit: must be true when credit_reference_id is set (a credit CDR)",
    ),
    (
        "two Price shapes",
        _set("total_energy_cost", {"before_taxes": 1}),
        "total_energy_cost",
        "total_energy_cost: has the OCPI 2.3.0 Price shape (before_taxes) but total_cost has the 2.2.1 shape",
    ),
    (
        "meter readings backwards",
        lambda c: c.update(meter_start=5000, meter_stop=4000),
        "meter_stop",
        "meter_stop (4000 Wh) is less than meter_start (5000 Wh)",
    ),
    (
        "meter reading not an integer",
        _set("meter_start", Decimal("1000.5")),
        "meter_start",
        "meter_start: expected an integer, got number 1000.5",
    ),
    (
        "negative meter reading",
        _set("meter_start", -1),
        "meter_start",
        "meter_start: must not be negative (got -1)",
    ),
    (
        "invalid embedded tariff",
        lambda c: c.update(tariffs=[{**samples.load("tariff_221.json"), "currency": "EUX"}]),
        "tariffs[0].currency",
        "tariffs[0].currency: unknown ISO 4217 code 'EUX'",
    ),
    (
        "embedded tariff not an object",
        lambda c: c.update(tariffs=["T1"]),
        "tariffs[0]",
        "tariffs[0]: expected an object, got string 'T1'",
    ),
]


@pytest.mark.parametrize(("mutate", "field", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_cdr(mutate: Callable[[Cdr], None], field: str, message: str):
    cdr = samples.minimal_cdr()
    mutate(cdr)
    with pytest.raises(ValidationError) as caught:
        records.parse_cdr(cdr)
    assert caught.value.field == field
    assert str(caught.value).startswith(message), str(caught.value)


def test_the_minimal_sample_is_valid():
    assert records.parse_cdr(samples.minimal_cdr()).id == "CDR-1"


def test_several_problems_are_all_named():
    cdr = samples.minimal_cdr()
    del cdr["cdr_token"]["uid"]
    cdr["currency"] = "EUX"
    cdr["total_time"] = "2"
    with pytest.raises(ValidationError) as caught:
        records.parse_cdr(cdr)
    assert str(caught.value) == (
        "cdr_token.uid: field required; currency: unknown ISO 4217 code 'EUX'; "
        "total_time: expected a number, got string '2'"
    )
    assert caught.value.field == "cdr_token.uid"


def test_not_an_object():
    with pytest.raises(ValidationError, match=r"^expected a JSON object \(an OCPI CDR\), got an array$"):
        records.parse_cdr([])


def test_zero_length_session_may_have_its_period_at_the_end():
    cdr = samples.minimal_cdr()
    cdr["end_date_time"] = cdr["start_date_time"]
    cdr["charging_periods"] = cdr["charging_periods"][:1]
    cdr.update(total_time=0, total_parking_time=0)
    assert records.parse_cdr(cdr).end_date_time == records.parse_cdr(cdr).start_date_time


def test_credit_cdr_carries_negative_amounts():
    cdr = samples.minimal_cdr()
    cdr.update(id="CDR-1-C", credit=True, credit_reference_id="CDR-1")
    cdr["total_cost"] = {"excl_vat": Decimal("-5.00"), "incl_vat": Decimal("-6.05")}
    cdr["total_energy_cost"] = {"excl_vat": Decimal("-5.00")}
    parsed = records.parse_cdr(cdr)
    assert parsed.credit is True and parsed.credit_reference_id == "CDR-1"
    assert parsed.total_cost == model.Price(excl_vat=Decimal("-5.00"), incl_vat=Decimal("-6.05"))
    assert parsed.total_energy == Decimal("12.5")  # volumes stay as in the original
    cdr["total_energy"] = Decimal("-12.5")
    with pytest.raises(ValidationError, match=r"^total_energy: must not be negative"):
        records.parse_cdr(cdr)


def test_negative_230_tax_without_credit():
    cdr = samples.minimal_cdr()
    cdr["total_cost"] = {"before_taxes": Decimal("5"), "taxes": [{"name": "VAT", "amount": Decimal("-1")}]}
    with pytest.raises(ValidationError) as caught:
        records.parse_cdr(cdr)
    assert caught.value.field == "total_cost.taxes[0].amount"


def test_negative_230_price_is_named_before_taxes():
    cdr = samples.minimal_cdr()
    cdr["total_cost"] = {"before_taxes": Decimal("-5")}
    with pytest.raises(ValidationError) as caught:
        records.parse_cdr(cdr)
    assert caught.value.field == "total_cost.before_taxes"


def test_session_in_the_future():
    now = dt.datetime(2024, 1, 1, 11, 0, tzinfo=dt.UTC)
    with pytest.raises(ValidationError, match=r"^end_date_time \(2024-01-01T12:00:00Z\) is in the future"):
        records.parse_cdr(samples.minimal_cdr(), now=now)
    records.parse_cdr(samples.minimal_cdr(), now=now + dt.timedelta(minutes=50))  # within the clock margin


def test_naive_now_is_utc():
    now = dt.datetime(2024, 1, 1, 11, 0)  # naive
    with pytest.raises(ValidationError, match="is in the future"):
        records.parse_cdr(samples.minimal_cdr(), now=now)


def test_invalid_emp_id_is_refused_whatever_the_version():
    with pytest.raises(ConfigError, match="emp_id"):
        records.parse_cdr(samples.minimal_cdr(), emp_id="not-an-emp")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01T10:00:00Z", dt.datetime(2024, 1, 1, 10, 0, tzinfo=dt.UTC)),
        ("2024-01-01T10:00:00", dt.datetime(2024, 1, 1, 10, 0, tzinfo=dt.UTC)),  # no zone: UTC (OCPI)
        ("2024-01-01T11:00:00+01:00", dt.datetime(2024, 1, 1, 10, 0, tzinfo=dt.UTC)),
        ("2024-01-01T08:30:00-0130", dt.datetime(2024, 1, 1, 10, 0, tzinfo=dt.UTC)),
        ("2024-01-01T10:00:00.2Z", dt.datetime(2024, 1, 1, 10, 0, 0, 200000, tzinfo=dt.UTC)),
        ("2024-01-01T10:00:00.123456789Z", dt.datetime(2024, 1, 1, 10, 0, 0, 123456, tzinfo=dt.UTC)),
    ],
)
def test_date_times_are_utc(text: str, expected: dt.datetime):
    cdr = samples.minimal_cdr()
    cdr["start_date_time"] = text
    cdr["charging_periods"][0]["start_date_time"] = text
    parsed = records.parse_cdr(cdr)
    assert parsed.start_date_time == expected and parsed.start_date_time.tzinfo is dt.UTC


@pytest.mark.parametrize("text", ["2024-01-01", "2024-01-01T25:00:00Z", "yesterday", "2024-02-30T10:00:00Z"])
def test_bad_date_times(text: str):
    cdr = samples.minimal_cdr()
    cdr["last_updated"] = text
    with pytest.raises(ValidationError) as caught:
        records.parse_cdr(cdr)
    assert str(caught.value) == f"last_updated: not a valid date-time: '{text}'"


def test_country_code_and_party_id_are_case_insensitive():
    cdr = samples.minimal_cdr()
    cdr.update(country_code="nl", party_id="lms")
    assert records.parse_cdr(cdr).key == ("NL", "LMS", "CDR-1")


def test_kind_of():
    assert records.kind_of(samples.minimal_cdr()) == "cdr"
    assert records.kind_of(samples.load("cdr_211.json")) == "cdr"
    assert records.kind_of(samples.load("tariff_221.json")) == "tariff"
    assert records.kind_of(samples.load("location_221.json")) == "location"


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([1], "expected a JSON object (an OCPI CDR, tariff or location), got an array"),
        ("CDR", "expected a JSON object (an OCPI CDR, tariff or location), got string 'CDR'"),
        ({"id": "x", "name": "y"}, "not an OCPI CDR, tariff or location (fields: id, name)"),
        ({"id": "S1", "kwh": 3, "status": "ACTIVE", "charging_periods": []}, "an OCPI Session"),
        ({"data": [], "status_code": 1000, "timestamp": "x"}, "an OCPI response envelope"),
    ],
)
def test_kind_of_unrecognisable(obj: object, message: str):
    with pytest.raises(ValidationError) as caught:
        records.kind_of(obj)
    assert str(caught.value).startswith(message)
    assert caught.value.field is None


def test_split_emp_id():
    assert records.split_emp_id("NLTNM") == ("NL", "TNM")
    assert records.split_emp_id("nl-tnm") == ("NL", "TNM")
    assert records.split_emp_id("DE*8EO") == ("DE", "8EO")
    with pytest.raises(ConfigError, match="emp_id: not a valid EMP party id 'XXTNM'"):
        records.split_emp_id("XXTNM")
