"""parse_cdr -> cdr_to_ocpi gives back every field of the input (OCPI 2.2.1 and 2.3.0)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from cdrlib import model
from cdrlib.ocpi import jsontext, reader, records
from cdrlib.ocpi.reader import RawRecord
from tests.ocpi import samples


@pytest.mark.parametrize(
    ("name", "version"), [("cdr_221_full.json", "2.2.1"), ("cdr_230_full.json", "2.3.0")]
)
def test_every_field_survives_the_round_trip(name: str, version: str):
    sent = samples.load(name)
    cdr = records.parse_cdr(sent)
    assert cdr.ocpi_version == version
    back = records.cdr_to_ocpi(cdr)
    assert samples.normalized(back) == samples.normalized(sent)


def test_round_trip_through_a_real_file(tmp_path: Path):
    path = tmp_path / "cdrs.ndjson"
    lines = [
        json.dumps(json.loads((samples.DATA / n).read_text()))
        for n in ("cdr_221_full.json", "cdr_230_full.json")
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    for item in reader.read_records(path):
        assert isinstance(item, RawRecord)
        back = records.cdr_to_ocpi(records.parse_cdr(item.obj))
        assert samples.normalized(back) == samples.normalized(item.obj)


def test_every_cdr_field_of_the_model_is_filled_by_the_full_221_sample():
    # Guards the round-trip test: the full sample really exercises every OCPI field of model.Cdr.
    cdr = records.parse_cdr(samples.load("cdr_221_full.json"))
    cpo_fields = {
        "created_at", "time_zone", "time_zone_guessed", "ou_code", "location_ou_code", "roamed", "price_check"
    }
    empty = [
        f for f in model.Cdr.__dataclass_fields__ if f not in cpo_fields and getattr(cdr, f) in (None, ())
    ]
    assert empty == ["credit_reference_id"]  # only set on a credit CDR, tested there


def test_read_back_numbers_are_exact_decimals():
    cdr = records.parse_cdr(samples.load("cdr_221_full.json"))
    back = records.cdr_to_ocpi(cdr)
    assert back["total_cost"]["excl_vat"] == Decimal("8.50") and str(back["total_cost"]["excl_vat"]) == "8.50"
    assert str(back["total_energy_cost"]["excl_vat"]) == "2.5308"
    assert back["meter_start"] == 1234500 and type(back["meter_start"]) is int
    text = jsontext.dumps(back)
    assert '"excl_vat": 8.50' in text and '"total_energy": 10.123' in text


def test_read_back_date_times():
    cdr = records.parse_cdr(samples.load("cdr_221_full.json"))
    back = records.cdr_to_ocpi(cdr)
    assert back["start_date_time"] == "2024-03-09T10:17:09Z"
    assert back["end_date_time"] == "2024-03-09T12:47:09.25Z"  # a fraction only when there is one


def test_model_values_of_the_full_221_sample():
    cdr = records.parse_cdr(samples.load("cdr_221_full.json"))
    assert cdr.key == ("NL", "LMS", "CDR-2024-0001")
    assert cdr.emp_id == "NLTNM" and cdr.cdr_token.issuer == "NLTNM"
    assert cdr.start_date_time == dt.datetime(2024, 3, 9, 10, 17, 9, tzinfo=dt.UTC)
    assert cdr.end_date_time == dt.datetime(2024, 3, 9, 12, 47, 9, 250000, tzinfo=dt.UTC)
    assert cdr.total_cost == model.Price(excl_vat=Decimal("8.50"), incl_vat=Decimal("10.29"))
    first, second = cdr.charging_periods
    assert first.dimensions() == {
        "ENERGY": Decimal("10.123"),
        "TIME": Decimal("1.5"),
        "MIN_CURRENT": Decimal("6.0"),
        "MAX_CURRENT": Decimal("32"),
        "MIN_POWER": Decimal("1.38"),
        "MAX_POWER": Decimal("22.08"),
    }
    assert first.tariff_id == "12" and second.tariff_id is None
    assert second.parking_time == Decimal("1.0000") and second.reservation_time == Decimal("0.25")
    assert (cdr.meter_start, cdr.meter_stop) == (1234500, 1244623)
    [tariff] = cdr.tariffs
    assert (tariff.id, tariff.type, tariff.currency) == ("12", "REGULAR", "EUR")
    assert json.loads(tariff.document)["elements"][1]["price_components"][0]["price"] == 0.25
    assert json.loads(cdr.signed_data or "")["encoding_method"] == "OCMF"
    assert cdr.roamed is None and cdr.created_at is None


def test_unknown_fields_are_kept_where_they_were():
    cdr = records.parse_cdr(samples.load("cdr_221_full.json"))
    extensions = json.loads(cdr.extensions or "")
    assert extensions["x_vendor"] == {"ticket": 991, "flags": ["a", "b"]}
    assert extensions["x_note"] == "ümlaut ok"
    assert extensions["cdr_token"] == {"x_token_note": "card #2"}
    assert extensions["cdr_location"] == {"coordinates": {"x_accuracy_m": 5}}
    assert extensions["total_cost"] == {"x_rounding": "HALF_UP"}
    assert extensions["charging_periods"][0] == {"x_phase": "L1L2L3"}
    assert "meter_start" not in extensions and "meter_stop" not in extensions
    back = records.cdr_to_ocpi(cdr)
    assert back["charging_periods"][1]["dimensions"][1] == {
        "type": "PARKING_TIME",
        "volume": 1,
        "x_spot": "A4",
    }


def test_no_extensions_when_there_are_no_unknown_fields():
    assert records.parse_cdr(samples.minimal_cdr()).extensions is None


def test_230_price_taxes():
    cdr = records.parse_cdr(samples.load("cdr_230_full.json"))
    assert cdr.total_cost.excl_vat == Decimal("54.2250")
    assert cdr.total_cost.incl_vat == Decimal("65.0278")  # before_taxes + every tax amount
    assert cdr.total_cost.taxes == (
        model.TaxAmount(
            name="VAT", amount=Decimal("10.3028"), account_number="DE123456789", percentage=Decimal(19)
        ),
        model.TaxAmount(name="Stromsteuer", amount=Decimal("0.50")),
    )
    # An empty taxes list does not mean "no tax": incl_vat stays unknown (OCPI 2.3.0 tax_included).
    assert cdr.total_energy_cost == model.Price(excl_vat=Decimal("54.2250"), incl_vat=None, taxes=())
    assert cdr.total_fixed_cost == model.Price(excl_vat=Decimal(0))
    assert cdr.cdr_token.type == "EMAID" and cdr.cdr_location.connector_standard == "MCS"


def test_221_cdr_read_back_as_230():
    cdr = records.parse_cdr(samples.minimal_cdr())
    back = records.cdr_to_ocpi(cdr, "2.3.0")
    assert back["total_cost"] == {
        "before_taxes": Decimal("5.00"),
        "taxes": [{"name": "VAT", "amount": Decimal("1.05")}],
    }


def test_230_cdr_read_back_as_221():
    cdr = records.parse_cdr(samples.load("cdr_230_full.json"))
    back = records.cdr_to_ocpi(cdr, "2.2.1")
    assert back["total_cost"] == {"excl_vat": Decimal("54.2250"), "incl_vat": Decimal("65.0278")}
    assert back["total_fixed_cost"] == {"excl_vat": Decimal(0)}
    assert back["total_energy_cost"] == {"excl_vat": Decimal("54.2250")}


def test_read_back_in_an_unknown_version_is_refused():
    cdr = records.parse_cdr(samples.minimal_cdr())
    with pytest.raises(ValueError, match=r"2\.1\.1"):
        records.cdr_to_ocpi(cdr, "2.1.1")


def test_content_hash_ignores_formatting_but_not_values():
    sent = samples.minimal_cdr()
    again = jsontext.loads(jsontext.dumps(dict(reversed(list(sent.items())))))  # other key order
    again["total_cost"]["excl_vat"] = Decimal("5.0")  # 5.00 == 5.0
    again["total_energy"] = float("12.5")  # a float from a plain json.loads hashes the same
    again["total_time"] = 2
    assert records.content_hash(again) == records.content_hash(sent)
    changed = samples.minimal_cdr()
    changed["total_cost"]["excl_vat"] = Decimal("5.01")
    assert records.content_hash(changed) != records.content_hash(sent)
    assert records.parse_cdr(sent).content_hash == records.content_hash(sent)
    assert len(records.content_hash(sent)) == 64


def test_parse_accepts_floats_from_a_plain_json_load():
    sent = json.loads((samples.DATA / "cdr_221_full.json").read_text())
    cdr = records.parse_cdr(sent)
    assert cdr.total_energy_cost is not None and cdr.total_energy_cost.excl_vat == Decimal("2.5308")
    assert cdr.content_hash == records.content_hash(samples.load("cdr_221_full.json"))
