"""parse_tariff and parse_location: the whole object kept, the indexed fields checked."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from cdrlib.errors import ValidationError
from cdrlib.ocpi import jsontext, reader, records
from cdrlib.ocpi.reader import RawRecord
from tests.ocpi import samples


def tariff() -> dict[str, Any]:
    return copy.deepcopy(samples.load("tariff_221.json"))


def location() -> dict[str, Any]:
    return copy.deepcopy(samples.load("location_221.json"))


def test_tariff():
    sent = tariff()
    parsed = records.parse_tariff(sent)
    assert (parsed.country_code, parsed.party_id, parsed.id, parsed.currency, parsed.type) == (
        "NL",
        "LMS",
        "T-DAY-NIGHT",
        "EUR",
        "REGULAR",
    )
    assert parsed.last_updated == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert parsed.start_date_time is None and parsed.end_date_time is None
    assert parsed.document == jsontext.canonical(sent)  # the whole object, unknown fields included
    assert json.loads(parsed.document)["x_internal_code"] == "DN-1"


def test_tariff_document_numbers_are_json_numbers():
    parsed = records.parse_tariff(tariff())
    assert '"price":0.35' in parsed.document and '"price":"' not in parsed.document


def test_230_tariff():
    sent = samples.load("cdr_230_full.json")["tariffs"][0]
    parsed = records.parse_tariff(sent)
    assert parsed.id == "T-230" and json.loads(parsed.document)["tax_included"] == "NO"


def test_211_tariff_takes_its_owner_from_the_caller():
    sent = samples.load("cdr_211.json")["tariffs"][0]
    with pytest.raises(ValidationError, match=r"^country_code: field required; party_id: field required$"):
        records.parse_tariff(sent)
    parsed = records.parse_tariff(sent, country_code="be", party_id="bec")
    assert (parsed.country_code, parsed.party_id) == ("BE", "BEC")


def _set(obj: dict[str, Any], path: str, value: object) -> None:
    *parents, last = path.split(".")
    for part in parents:
        obj = obj[int(part)] if part.isdigit() else obj[part]
    obj[int(last) if last.isdigit() else last] = value  # type: ignore[index]


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        ("currency", "EUX", "currency", "currency: unknown ISO 4217 code 'EUX'"),
        ("elements", [], "elements", "elements: must not be empty"),
        (
            "elements.0.price_components",
            [],
            "elements[0].price_components",
            "elements[0].price_components: must not be empty",
        ),
        (
            "elements.1.price_components.0.type",
            "RESERVATION_TIME",
            "elements[1].price_components[0].type",
            "elements[1].price_components[0].type: 'RESERVATION_TIME' is not a valid TariffDimensionType "
            "(allowed: ENERGY, FLAT, PARKING_TIME, TIME)",
        ),
        (
            "elements.1.price_components.0.price",
            -0.1,
            "elements[1].price_components[0].price",
            "elements[1].price_components[0].price: must not be negative (got -0.1)",
        ),
        (
            "elements.1.price_components.0.price",
            "0.25",
            "elements[1].price_components[0].price",
            "elements[1].price_components[0].price: expected a number, got string '0.25'",
        ),
        (
            "elements.1.price_components.0.step_size",
            1.0,
            "elements[1].price_components[0].step_size",
            "elements[1].price_components[0].step_size: expected an integer, got number 1.0",
        ),
        (
            "elements.0.restrictions.start_time",
            "7:00",
            "elements[0].restrictions.start_time",
            "elements[0].restrictions.start_time: not a valid time of day '7:00' (HH:MM expected)",
        ),
        (
            "elements.0.restrictions.end_time",
            "24:00",
            "elements[0].restrictions.end_time",
            "elements[0].restrictions.end_time: not a valid time of day '24:00' (HH:MM expected)",
        ),
        (
            "elements.0.restrictions.start_date",
            "2024-02-30",
            "elements[0].restrictions.start_date",
            "elements[0].restrictions.start_date: not a valid date '2024-02-30' (YYYY-MM-DD expected)",
        ),
        (
            "elements.0.restrictions.day_of_week",
            ["MONDAY", "MON"],
            "elements[0].restrictions.day_of_week[1]",
            "elements[0].restrictions.day_of_week[1]: 'MON' is not a valid DayOfWeek",
        ),
        (
            "elements.0.restrictions.max_kwh",
            5,
            "elements[0].restrictions.min_kwh",
            "elements[0].restrictions.min_kwh: min_kwh (10) is more than max_kwh (5)",
        ),
        ("type", "CHEAP", "type", "type: 'CHEAP' is not a valid TariffType"),
        ("last_updated", None, "last_updated", "last_updated: must not be null"),
        (
            "end_date_time",
            "2023-01-01T00:00:00Z",
            "end_date_time",
            "end_date_time (2023-01-01T00:00:00Z) is not after start_date_time (2024-01-01T00:00:00Z)",
        ),
        ("min_price", {"incl_vat": 1}, "min_price", "min_price: needs excl_vat (OCPI 2.2.1) or before_taxes"),
    ],
)
def test_bad_tariff(path: str, value: object, field: str, message: str):
    sent = tariff()
    sent["elements"][0]["restrictions"]["min_kwh"] = 10
    sent["start_date_time"] = "2024-01-01T00:00:00Z"
    _set(sent, path, value)
    with pytest.raises(ValidationError) as caught:
        records.parse_tariff(sent)
    assert caught.value.field == field
    assert str(caught.value).startswith(message), str(caught.value)


def test_location():
    sent = location()
    parsed = records.parse_location(sent)
    assert (parsed.country_code, parsed.party_id, parsed.id) == ("NL", "LMS", "LOC-AMS-1")
    assert (parsed.address, parsed.city, parsed.postal_code, parsed.country) == (
        "Damrak 1",
        "Amsterdam",
        "1012 LG",
        "NLD",
    )
    assert (parsed.latitude, parsed.longitude, parsed.time_zone) == (
        "52.37403",
        "4.88969",
        "Europe/Amsterdam",
    )
    assert parsed.ou_code == "ACME" and parsed.name == "Garage Centrum"
    assert [(e.uid, e.evse_id, e.ou_code) for e in parsed.evses] == [
        ("EVSE-1", "NL*LMS*E0001", None),  # None: the location's OU
        ("EVSE-2", "NL*LMS*E0002", "ACME-HQ"),
    ]
    assert parsed.document == jsontext.canonical(sent)
    assert parsed.evses[1].document == jsontext.canonical(sent["evses"][1])


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda loc: loc.pop("time_zone"), "time_zone", "time_zone: field required"),
        (
            lambda loc: loc.update(time_zone="Europe/Amsterdm"),
            "time_zone",
            "time_zone: unknown IANA time zone 'Europe/Amsterdm'",
        ),
        (
            lambda loc: loc.update(time_zone="+01:00"),
            "time_zone",
            "time_zone: unknown IANA time zone '+01:00'",
        ),
        (lambda loc: loc.update(country="NLX"), "country", "country: unknown ISO 3166-1 alpha-3 code 'NLX'"),
        (lambda loc: loc["evses"][1].pop("uid"), "evses[1].uid", "evses[1].uid: field required"),
        (
            lambda loc: loc["evses"][1].update(uid="EVSE-1"),
            "evses[1].uid",
            "evses[1].uid: 'EVSE-1' is given to more than one EVSE",
        ),
        (lambda loc: loc.update(ou_code=7), "ou_code", "ou_code: expected a string, got number 7"),
        (lambda loc: loc.pop("coordinates"), "coordinates", "coordinates: field required"),
        (lambda loc: loc.pop("party_id"), "party_id", "party_id: field required"),
    ],
)
def test_bad_location(change, field: str, message: str):
    sent = location()
    change(sent)
    with pytest.raises(ValidationError) as caught:
        records.parse_location(sent)
    assert caught.value.field == field
    assert str(caught.value).startswith(message), str(caught.value)


def test_location_without_evses():
    sent = location()
    del sent["evses"]
    sent["coordinates"]["latitude"] = "52.3"
    assert records.parse_location(sent).evses == ()


def test_mixed_file_of_records(tmp_path: Path):
    lines = [json.dumps(json.loads((samples.DATA / name).read_text())) for name in (
        "location_221.json", "tariff_221.json", "cdr_221_full.json", "cdr_211.json")]  # fmt: skip
    path = tmp_path / "mixed.ndjson"
    path.write_text("\n".join(lines), encoding="utf-8")
    kinds = [records.kind_of(r.obj) for r in reader.read_records(path) if isinstance(r, RawRecord)]
    assert kinds == ["location", "tariff", "cdr", "cdr"]
