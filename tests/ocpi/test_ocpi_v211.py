"""OCPI 2.1.1 CDRs are converted to the 2.2.1 fields (docs/ocpi-2.1.1-conversion.md)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from cdrlib import model
from cdrlib.errors import ConfigError, ValidationError
from cdrlib.ocpi import reader, records
from cdrlib.ocpi.reader import RawRecord
from tests.ocpi import samples


def sample() -> dict:
    return copy.deepcopy(samples.load("cdr_211.json"))


def test_conversion_field_by_field():
    cdr = records.parse_cdr(sample(), emp_id="NLTNM")
    assert cdr.ocpi_version == "2.1.1"
    # The sender: no country_code/party_id in 2.1.1, so the operator of the EVSE ID BE*BEC*E041503003.
    assert cdr.key == ("BE", "BEC", "12345")
    assert cdr.start_date_time == dt.datetime(2015, 6, 29, 21, 39, 9, tzinfo=dt.UTC)
    assert cdr.end_date_time == dt.datetime(2015, 6, 29, 23, 37, 32, tzinfo=dt.UTC)  # stop_date_time
    assert cdr.cdr_token == model.CdrToken(
        country_code="NL", party_id="TNM", uid="DE8ACC12E46L89", type="OTHER", contract_id="DE8ACC12E46L89"
    )
    assert cdr.emp_id == "NLTNM" and cdr.roamed is None
    assert cdr.auth_method == "WHITELIST"
    assert cdr.cdr_location == model.CdrLocation(
        id="LOC1",
        name="Gent Zuid",
        address="F.Rooseveltlaan 3A",
        city="Gent",
        postal_code="9000",
        country="BEL",
        latitude="3.729945",
        longitude="51.047594",
        evse_uid="3256",
        evse_id="BE*BEC*E041503003",
        connector_id="1",
        connector_standard="IEC_62196_T2",
        connector_format="SOCKET",
        connector_power_type="AC_1_PHASE",
    )
    assert cdr.time_zone == "Europe/Brussels" and not cdr.time_zone_guessed
    assert cdr.total_cost == model.Price(excl_vat=Decimal("4.00"))  # a bare number, excl. VAT
    assert (cdr.total_energy, cdr.total_time, cdr.total_parking_time) == (
        Decimal("15.342"),
        Decimal("1.973"),
        Decimal(0),
    )
    [period] = cdr.charging_periods
    assert period.dimensions() == {"TIME": Decimal("1.973")}
    assert period.tariff_id is None
    [tariff] = cdr.tariffs
    assert (tariff.country_code, tariff.party_id, tariff.id) == ("BE", "BEC", "12")  # the CDR's sender
    assert (cdr.meter_start, cdr.meter_stop, cdr.remark) == (1000, 16342, "via roaming hub")
    assert cdr.session_id is None and cdr.credit is None


def test_what_has_no_221_place_is_kept_in_extensions():
    sent = sample()
    cdr = records.parse_cdr(sent)
    extensions = json.loads(cdr.extensions or "")
    assert extensions["x_hub_ref"] == "H-77"
    assert extensions["ocpi_2_1_1"]["location"] == json.loads(json.dumps(sent["location"], default=float))
    assert extensions["ocpi_2_1_1"]["flat_dimensions"] == [
        {"charging_period": 0, "dimension": {"type": "FLAT", "volume": 1}}
    ]


def test_without_emp_id_the_token_has_no_issuer():
    cdr = records.parse_cdr(sample())
    assert (cdr.cdr_token.country_code, cdr.cdr_token.party_id, cdr.cdr_token.issuer, cdr.emp_id) == (
        None,
        None,
        None,
        None,
    )


def test_emp_id_is_ignored_for_a_221_cdr():
    assert records.parse_cdr(samples.minimal_cdr(), emp_id="DEXYZ").emp_id == "NLTNM"


def test_invalid_emp_id():
    with pytest.raises(ConfigError, match="emp_id"):
        records.parse_cdr(sample(), emp_id="TNM")


def test_reads_back_as_221():
    cdr = records.parse_cdr(sample(), emp_id="NLTNM")
    back = records.cdr_to_ocpi(cdr)
    assert back["end_date_time"] == "2015-06-29T23:37:32Z"
    assert back["cdr_token"] == {
        "country_code": "NL",
        "party_id": "TNM",
        "uid": "DE8ACC12E46L89",
        "type": "OTHER",
        "contract_id": "DE8ACC12E46L89",
    }
    assert back["cdr_location"]["evse_uid"] == "3256"
    assert back["total_cost"] == {"excl_vat": Decimal("4.00")}
    assert "stop_date_time" not in back and "auth_id" not in back and "location" not in back
    # The 2.2.1 reading of it validates as a 2.2.1 CDR (apart from its extension fields).
    again = records.parse_cdr(back)
    assert again.ocpi_version == "2.2.1"
    assert (again.key, again.total_cost, again.charging_periods) == (
        cdr.key,
        cdr.total_cost,
        cdr.charging_periods,
    )


def test_sender_given_as_fields():
    sent = sample()
    sent.update(country_code="be", party_id="xyz")
    assert records.parse_cdr(sent).key == ("BE", "XYZ", "12345")


def test_sender_unknown():
    sent = sample()
    sent["location"]["evses"][0]["evse_id"] = "3256"
    with pytest.raises(ValidationError) as caught:
        records.parse_cdr(sent)
    assert caught.value.field == "country_code"
    assert "an OCPI 2.1.1 CDR does not name its CPO" in str(caught.value)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda c: c.pop("stop_date_time"), "stop_date_time", "stop_date_time: field required"),
        (
            lambda c: c.update(stop_date_time="2015-06-29T20:00:00Z"),
            "stop_date_time",
            "stop_date_time (2015-06-29T20:00:00Z) is before start_date_time (2015-06-29T21:39:09Z)",
        ),
        (
            lambda c: c.update(total_cost=Decimal("-4")),
            "total_cost",
            "total_cost: must not be negative (got -4)",
        ),
        (
            lambda c: c.update(total_cost={"excl_vat": 4}),
            "total_cost",
            "total_cost: expected a number, got an object",
        ),
        (
            lambda c: c.update(auth_method="COMMAND"),
            "auth_method",
            "auth_method: 'COMMAND' is not a valid AuthMethod (OCPI 2.1.1)",
        ),
        (
            lambda c: c["location"]["evses"].append(copy.deepcopy(c["location"]["evses"][0])),
            "location.evses",
            "location.evses: must hold exactly the EVSE that was used, found 2 EVSEs",
        ),
        (
            lambda c: c["location"]["evses"][0].pop("evse_id"),
            "location.evses[0].evse_id",
            "location.evses[0].evse_id: field required",
        ),
        (
            lambda c: c["location"].update(country="BE"),
            "location.country",
            "location.country: unknown ISO 3166-1 alpha-3 code 'BE'",
        ),
        (
            lambda c: c["location"].update(time_zone="Europe/Gent"),
            "location.time_zone",
            "location.time_zone: unknown IANA time zone 'Europe/Gent'",
        ),
        (
            lambda c: c["charging_periods"][0]["dimensions"].append({"type": "POWER", "volume": 1}),
            "charging_periods[0].dimensions[2].type",
            "charging_periods[0].dimensions[2].type: 'POWER' is not a valid CdrDimensionType (OCPI 2.1.1)",
        ),
    ],
)
def test_bad_211_cdr(change, field: str, message: str):
    sent = sample()
    change(sent)
    with pytest.raises(ValidationError) as caught:
        records.parse_cdr(sent)
    assert caught.value.field == field
    assert str(caught.value).startswith(message), str(caught.value)


def test_211_cdr_from_a_gzip_ndjson_file(tmp_path: Path):
    import gzip

    line = json.dumps(json.loads((samples.DATA / "cdr_211.json").read_text()))
    path = tmp_path / "legacy.ndjson.gz"
    path.write_bytes(gzip.compress((line + "\n" + line.replace('"12345"', '"12346"') + "\n").encode()))
    ids = [records.parse_cdr(r.obj).id for r in reader.read_records(path) if isinstance(r, RawRecord)]
    assert ids == ["12345", "12346"]
