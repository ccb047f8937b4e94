"""Importing real files into a real SQLite store: formats, bad input, duplicates, conflicts, resume."""

from __future__ import annotations

import copy
import gzip
import json
from decimal import Decimal

import pytest

from cdrlib import importer, settings
from cdrlib.errors import InputFileError
from cdrlib.store import Store, views

CDR = {
    "country_code": "NL",
    "party_id": "XCP",
    "id": "CDR1",
    "start_date_time": "2024-03-05T08:00:00Z",
    "end_date_time": "2024-03-05T10:00:00Z",
    "session_id": "S1",
    "cdr_token": {
        "country_code": "NL",
        "party_id": "TNM",
        "uid": "04A1B2C3D4E5F6",
        "type": "RFID",
        "contract_id": "NL-TNM-C12345678-X",
    },
    "auth_method": "WHITELIST",
    "cdr_location": {
        "id": "LOC001",
        "name": "Stationsplein",
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "postal_code": "3511 ED",
        "country": "NLD",
        "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
        "evse_uid": "EVSE001",
        "evse_id": "NL*XCP*E0001",
        "connector_id": "1",
        "connector_standard": "IEC_62196_T2",
        "connector_format": "SOCKET",
        "connector_power_type": "AC_3_PHASE",
    },
    "currency": "EUR",
    "charging_periods": [
        {
            "start_date_time": "2024-03-05T08:00:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 20}, {"type": "TIME", "volume": 2}],
            "tariff_id": "T1",
        }
    ],
    "total_cost": {"excl_vat": 5.5, "incl_vat": 6.655},
    "total_energy": 20,
    "total_time": 2,
    "last_updated": "2024-03-05T10:01:00Z",
}

LOCATION = {
    "country_code": "NL",
    "party_id": "XCP",
    "id": "LOC001",
    "publish": True,
    "name": "Stationsplein",
    "address": "Stationsplein 1",
    "city": "Utrecht",
    "postal_code": "3511 ED",
    "country": "NLD",
    "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
    "time_zone": "Europe/Amsterdam",
    "evses": [
        {
            "uid": "EVSE001",
            "evse_id": "NL*XCP*E0001",
            "status": "AVAILABLE",
            "connectors": [
                {
                    "id": "1",
                    "standard": "IEC_62196_T2",
                    "format": "SOCKET",
                    "power_type": "AC_3_PHASE",
                    "max_voltage": 230,
                    "max_amperage": 16,
                    "last_updated": "2024-01-01T00:00:00Z",
                }
            ],
            "last_updated": "2024-01-01T00:00:00Z",
        }
    ],
    "last_updated": "2024-01-01T00:00:00Z",
}


def cdr(**changes):
    obj = copy.deepcopy(CDR)
    obj.update(changes)
    return obj


@pytest.fixture
def store(empty_store_url):
    """A new store, once on SQLite and once on PostgreSQL."""
    with Store.open(empty_store_url) as st:
        yield st


@pytest.fixture
def conf(tmp_path):
    return settings.load({}, db_url=f"sqlite:///{tmp_path / 'cdrs.db'}")


def write(path, records, fmt="array"):
    if fmt == "array":
        text = json.dumps(records)
    elif fmt == "ndjson":
        text = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n"
    elif fmt == "envelope":
        text = json.dumps({"data": records, "status_code": 1000, "timestamp": "2024-03-06T00:00:00Z"})
    else:
        text = json.dumps(records[0])
    path.write_text(text)
    return path


@pytest.mark.parametrize("fmt", ["array", "ndjson", "envelope", "single"])
def test_each_file_shape_is_imported(store, conf, tmp_path, fmt):
    recs = [cdr(), cdr(id="CDR2")] if fmt != "single" else [cdr()]
    report = importer.import_files(store, [write(tmp_path / "in.json", recs, fmt)], settings=conf)
    assert report.ok and report.accepted == len(recs) == store.count_cdrs()


def test_gzip_file(store, conf, tmp_path):
    path = tmp_path / "cdrs.json.gz"
    path.write_bytes(gzip.compress(json.dumps([cdr(), cdr(id="CDR2")]).encode()))
    assert importer.import_files(store, [path], settings=conf).accepted == 2


def test_location_first_gives_time_zone_and_ou(store, conf, tmp_path):
    loc = copy.deepcopy(LOCATION)
    loc["country"] = "GBR"
    loc["time_zone"] = "Europe/London"
    report = importer.import_files(store, [write(tmp_path / "a.json", [loc, cdr()])], settings=conf)
    assert report.ok and report.locations == 1
    stored = store.get_cdr("NL", "XCP", "CDR1")
    assert (stored.time_zone, stored.time_zone_guessed) == ("Europe/London", False)


def test_unknown_location_guesses_zone_from_country(store, conf, tmp_path):
    c2 = cdr(id="CDR2")
    c2["cdr_location"] = dict(c2["cdr_location"], country="ESP")  # several zones: reporting zone
    report = importer.import_files(store, [write(tmp_path / "a.json", [cdr(), c2])], settings=conf)
    one, two = store.get_cdr("NL", "XCP", "CDR1"), store.get_cdr("NL", "XCP", "CDR2")
    assert (one.time_zone, one.time_zone_guessed) == ("Europe/Amsterdam", True)
    assert (two.time_zone, two.time_zone_guessed) == (conf.reporting_tz, True)
    assert report.zone_unknown == 1  # only the Spanish one: the Dutch zone is certain from the country


def test_roamed_follows_own_parties(store, tmp_path):
    own = cdr(id="OWN")
    own["cdr_token"] = dict(own["cdr_token"], party_id="XCP")
    be = cdr(id="BE")
    be["cdr_token"] = dict(be["cdr_token"], country_code="BE", party_id="XCP")
    path = write(tmp_path / "a.json", [cdr(), own, be])
    importer.import_files(store, [path], settings=settings.load({}, db_url="sqlite://"))
    got = {c.id: (c.roamed, c.emp_id) for c in store.iter_cdrs()}
    assert got == {"CDR1": (True, "NLTNM"), "OWN": (False, "NLXCP"), "BE": (True, "BEXCP")}
    with Store.open(f"sqlite:///{tmp_path / 'two.db'}") as other:
        conf = settings.load({"CDR_OWN_PARTIES": "NLXCP,BEXCP"}, db_url="sqlite://")
        importer.import_files(other, [path], settings=conf)
        assert {c.id: c.roamed for c in other.iter_cdrs()} == {"CDR1": True, "OWN": False, "BE": False}


BAD = [
    ("missing", {"cdr_token": {k: v for k, v in CDR["cdr_token"].items() if k != "uid"}}, "cdr_token.uid"),
    ("wrong type", {"total_energy": "twenty"}, "total_energy"),
    ("bad date", {"start_date_time": "2024-13-05T08:00:00Z"}, "start_date_time"),
    ("end before start", {"end_date_time": "2024-03-05T07:00:00Z"}, "end_date_time"),
    ("negative time", {"total_time": -1}, "total_time"),
    ("negative parking", {"total_parking_time": -0.5}, "total_parking_time"),
    ("currency", {"currency": "EUX"}, "currency"),
    ("country", {"cdr_location": dict(CDR["cdr_location"], country="NLX")}, "cdr_location.country"),
    (
        "period outside",
        {"charging_periods": [dict(CDR["charging_periods"][0], start_date_time="2024-03-05T11:00:00Z")]},
        "charging_periods",
    ),
    (
        "dimension type",
        {
            "charging_periods": [
                dict(CDR["charging_periods"][0], dimensions=[{"type": "STATE_OF_CHARGE", "volume": 80}])
            ]
        },
        "STATE_OF_CHARGE",
    ),
]


@pytest.mark.parametrize(("label", "change", "needle"), BAD, ids=[b[0] for b in BAD])
def test_bad_record_is_rejected_with_reason_and_valid_ones_kept(store, conf, tmp_path, label, change, needle):
    bad = cdr(id="BAD1", **change)
    path = write(tmp_path / "in.json", [cdr(), bad, cdr(id="CDR3")])
    report = importer.import_files(store, [path], settings=conf)
    assert (report.accepted, report.rejected) == (2, 1)
    (rej,) = report.rejections
    assert rej.position == 2 and rej.record_id == "BAD1"
    assert "in.json" in rej.reason and "record 2" in rej.reason and "BAD1" in rej.reason
    assert needle in rej.reason
    assert store.count_cdrs() == 2
    kept = views.rejections(store, report.batch_pk)
    assert len(kept) == 1 and json.loads(kept[0].raw)["id"] == "BAD1"


def test_date_without_zone_is_utc(store, conf, tmp_path):
    c = cdr(start_date_time="2024-03-05T08:00:00", end_date_time="2024-03-05T12:00:00+02:00")
    c["charging_periods"][0]["start_date_time"] = "2024-03-05T08:00:00"
    importer.import_files(store, [write(tmp_path / "a.json", [c])], settings=conf)
    got = store.get_cdr("NL", "XCP", "CDR1")
    assert got.start_date_time.isoformat() == "2024-03-05T08:00:00+00:00"
    assert got.end_date_time.isoformat() == "2024-03-05T10:00:00+00:00"


def test_broken_ndjson_line_costs_only_that_line(store, conf, tmp_path):
    path = write(tmp_path / "in.ndjson", [cdr(), '{"id": "CDR2", broken', cdr(id="CDR3")], fmt="ndjson")
    report = importer.import_files(store, [path], settings=conf)
    assert (report.accepted, report.rejected) == (2, 1)
    assert report.rejections[0].position == 2
    assert views.rejections(store, report.batch_pk)[0].raw == '{"id": "CDR2", broken'


def test_not_json_file_is_one_clear_rejection(store, conf, tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_text("CDR_ID,Start\n1,2\n")
    good = write(tmp_path / "good.json", [cdr()])
    report = importer.import_files(store, [junk, good], settings=conf)
    assert (report.accepted, report.rejected) == (1, 1)
    assert "junk.csv" in report.rejections[0].reason and "JSON" in report.rejections[0].reason


def test_missing_file_fails_before_anything_is_written(store, conf, tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        importer.import_files(store, [write(tmp_path / "a.json", [cdr()]), tmp_path / "nope.json"], settings=conf)
    assert store.count_cdrs() == 0


def test_duplicates_and_conflicts(store, conf, tmp_path):
    first = importer.import_files(store, [write(tmp_path / "a.json", [cdr(), cdr(id="CDR2")])], settings=conf)
    assert first.accepted == 2
    changed = cdr(total_energy=21)
    again = importer.import_files(store, [write(tmp_path / "b.json", [cdr(), changed, cdr(id="CDR3")])], settings=conf)
    assert (again.accepted, again.duplicates, again.conflicts, again.rejected) == (2, 1, 1, 0)
    assert not again.ok
    (conflict,) = again.rejections
    assert conflict.is_conflict and "conflict" in conflict.reason and conflict.position == 2
    assert store.get_cdr("NL", "XCP", "CDR1").total_energy == Decimal("20")
    assert json.loads(views.rejections(store, again.batch_pk)[0].raw)["total_energy"] == 21


def test_interrupted_import_is_completed_by_running_it_again(store, conf, tmp_path, monkeypatch):
    recs = [cdr(id=f"C{i}") for i in range(10)]
    path = write(tmp_path / "a.json", recs)
    monkeypatch.setattr(importer, "CDR_CHUNK", 4)
    real = store.add_cdrs
    calls = 0

    def dies_on_second_chunk(cdrs, **kw):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        return real(cdrs, **kw)

    monkeypatch.setattr(store, "add_cdrs", dies_on_second_chunk)
    with pytest.raises(KeyboardInterrupt):
        importer.import_files(store, [path], settings=conf)
    assert store.count_cdrs() == 4  # the first chunk, whole
    monkeypatch.setattr(store, "add_cdrs", real)
    report = importer.import_files(store, [path], settings=conf)
    assert (report.accepted, report.duplicates) == (10, 4)
    assert store.count_cdrs() == 10


@pytest.mark.parametrize("name", ["cdr_221_full.json", "cdr_230_full.json"])
def test_every_ocpi_field_survives_import_store_and_read_back(store, tmp_path, name):
    """File -> importer -> SQLite -> Store.get_cdr -> OCPI JSON equals what was sent."""
    from cdrlib.ocpi import records
    from tests.ocpi import samples

    sent = samples.load(name)
    path = tmp_path / name
    path.write_text((samples.DATA / name).read_text())
    report = importer.import_files(store, [path], settings=settings.load({}, db_url="sqlite://"))
    assert report.ok and report.accepted == 1
    stored = store.get_cdr(sent["country_code"].upper(), sent["party_id"].upper(), sent["id"])
    assert samples.normalized(records.cdr_to_ocpi(stored)) == samples.normalized(sent)


def test_211_cdr_keeps_the_time_zone_it_was_sent_with(store, conf, tmp_path):
    from cdrlib.ocpi import jsontext
    from tests.ocpi import samples

    sent = samples.load("cdr_211.json")
    sent["location"]["country"] = "ESP"
    sent["location"]["time_zone"] = "Atlantic/Canary"
    path = tmp_path / "211.json"
    path.write_text(jsontext.dumps(sent))
    report = importer.import_files(store, [path], settings=conf, emp_id="NLTNM")
    assert report.ok, report.rejections
    (stored,) = list(store.iter_cdrs())
    assert (stored.time_zone, stored.time_zone_guessed) == ("Atlantic/Canary", False)


@pytest.mark.parametrize(
    ("change", "needle"),
    [({"total_energy": 1e20}, "out of range"), ({"credit": True, "credit_reference_id": "X"}, "positive")],
    ids=["huge number", "credit with positive amount"],
)
def test_more_bad_records_are_rejected_alone(store, conf, tmp_path, change, needle):
    path = write(tmp_path / "in.json", [cdr(), cdr(id="BAD", **change)])
    report = importer.import_files(store, [path], settings=conf)
    assert (report.accepted, report.rejected) == (1, 1)
    assert needle in report.rejections[0].reason and "BAD" in report.rejections[0].reason


def test_many_locations_then_their_cdrs(store, conf, tmp_path):
    locs = []
    for i in range(300):
        loc = copy.deepcopy(LOCATION)
        loc["id"] = f"LOC{i:03}"
        loc["evses"][0]["uid"] = f"EVSE{i:03}"
        locs.append(loc)
    locs[-1]["time_zone"] = "Europe/London"
    last = cdr()
    last["cdr_location"] = dict(last["cdr_location"], id="LOC299", evse_uid="EVSE299")
    report = importer.import_files(store, [write(tmp_path / "a.json", [*locs, last])], settings=conf)
    assert (report.locations, report.accepted) == (300, 1)
    assert store.get_cdr("NL", "XCP", "CDR1").time_zone == "Europe/London"


def test_interrupted_import_keeps_no_finish_time(store, conf, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "add_cdrs", interrupted)
    with pytest.raises(KeyboardInterrupt):
        importer.import_files(store, [write(tmp_path / "a.json", [cdr()])], settings=conf)
    (batch,) = views.import_batches(store)
    assert batch.finished_at is None
