"""Every generated CDR is complete, consistent and priced right; the whole set looks like a real CPO."""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal

import pytest

from cdrlib import model, pricing
from cdrlib.demo import catalogue
from cdrlib.store import Store
from tests.demo import ocpi_pricing
from tests.demo.conftest import Dataset

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
FOUR = Decimal("0.0001")


def originals(dataset: Dataset) -> list[model.Cdr]:
    return [c for c in dataset.cdrs if not c.credit]


# ------------------------------------------------------------------------------------------ prices
def test_totals_equal_the_tariff_arithmetic(dataset: Dataset) -> None:
    checked = stale = 0
    for cdr in originals(dataset):
        expected = ocpi_pricing.price(cdr)
        assert cdr.price_check is not None, cdr.id
        if cdr.price_check.status == model.PRICE_MISMATCH:
            # A stale CDR states the superseded version's price; the check holds the carried tariff's.
            stale += 1
            computed = cdr.price_check.total_cost
            assert computed is not None
            assert (computed.excl_vat, computed.incl_vat) == expected["TOTAL"], cdr.id
            assert cdr.total_cost.excl_vat < computed.excl_vat, cdr.id  # the old price was lower
            continue
        got = {
            "ENERGY": cdr.total_energy_cost,
            "TIME": cdr.total_time_cost,
            "PARKING_TIME": cdr.total_parking_cost,
            "FLAT": cdr.total_fixed_cost,
            "TOTAL": cdr.total_cost,
        }
        for name, price in got.items():
            assert price is not None, (cdr.id, name)
            assert (price.excl_vat, price.incl_vat) == expected[name], (cdr.id, name, price, expected[name])
        checked += 1
    assert checked > 3_000
    assert 1 <= stale <= checked // 200


def test_the_stored_check_is_the_engines(dataset: Dataset) -> None:
    """The demo prices with the engine: re-checking every CDR gives the stored verdict and figures."""
    statuses = collections.Counter()
    for cdr in dataset.cdrs:
        assert pricing.check(cdr) == cdr.price_check, cdr.id
        statuses[cdr.price_check.status] += 1  # type: ignore[union-attr]
    assert set(statuses) == {model.PRICE_OK, model.PRICE_MISMATCH, model.PRICE_CREDIT}


def test_every_kind_of_cost_occurs(dataset: Dataset) -> None:
    def paid(field: str) -> int:
        return sum(1 for c in originals(dataset) if getattr(c, field).excl_vat > 0)

    for field in ("total_energy_cost", "total_time_cost", "total_parking_cost", "total_fixed_cost"):
        assert paid(field) > 20, field


def test_total_cost_is_the_sum_of_its_parts(dataset: Dataset) -> None:
    for cdr in dataset.cdrs:
        parts = [cdr.total_energy_cost, cdr.total_time_cost, cdr.total_parking_cost, cdr.total_fixed_cost]
        assert all(p is not None and p.incl_vat is not None for p in parts)
        # Excl. VAT exactly (every exact part has at most 4 decimals); incl. VAT each part and the total
        # are rounded on their own (pricing rule 9), so they may differ by the rounding of the parts.
        assert cdr.total_cost.excl_vat == sum(p.excl_vat for p in parts), cdr.id  # type: ignore[union-attr]
        incl = sum(p.incl_vat for p in parts)  # type: ignore[union-attr, misc]
        assert abs(cdr.total_cost.incl_vat - incl) <= Decimal("0.0002"), cdr.id  # type: ignore[operator]
        assert cdr.total_reservation_cost is None


def test_vat_rates_by_country(dataset: Dataset) -> None:
    rates = collections.defaultdict(set)
    for cdr in originals(dataset):
        if cdr.total_cost.excl_vat >= 1:
            ratio = (cdr.total_cost.incl_vat / cdr.total_cost.excl_vat - 1) * 100  # type: ignore[operator]
            rates[cdr.cdr_location.country].add(ratio.quantize(Decimal("1"), ROUND_HALF_UP))
    assert rates == {"NLD": {21}, "BEL": {21}, "DEU": {19}, "GBR": {20}}


def test_credit_cdrs_negate_their_original(dataset: Dataset) -> None:
    by_id = {c.id: c for c in dataset.cdrs}
    credits = [c for c in dataset.cdrs if c.credit]
    assert 3 <= len(credits) <= len(dataset.cdrs) // 50
    for credit in credits:
        assert credit.credit_reference_id is not None
        assert credit.id == f"{credit.credit_reference_id}-C"
        original = by_id[credit.credit_reference_id]
        assert not original.credit and original.credit_reference_id is None
        for field in ("total_cost", "total_energy_cost", "total_time_cost", "total_parking_cost", "total_fixed_cost"):
            a, b = getattr(credit, field), getattr(original, field)
            assert (a.excl_vat, a.incl_vat) == (-b.excl_vat, -b.incl_vat), (credit.id, field)
        assert credit.total_cost.excl_vat < 0
        assert credit.created_at > original.created_at  # type: ignore[operator]
        assert credit.total_energy == original.total_energy
        assert credit.session_id == original.session_id
        assert credit.content_hash != original.content_hash


# ------------------------------------------------------------------------------- periods and times
def test_periods_lie_inside_the_session_and_add_up(dataset: Dataset) -> None:
    for cdr in dataset.cdrs:
        periods = cdr.charging_periods
        assert periods and periods[0].start_date_time == cdr.start_date_time
        starts = [p.start_date_time for p in periods]
        assert starts == sorted(set(starts))
        assert starts[-1] < cdr.end_date_time
        assert {p.tariff_id for p in periods} == {t.id for t in cdr.tariffs}
        energy = sum((p.energy or Decimal(0) for p in periods), Decimal(0))
        hours = sum(((p.time or 0) + (p.parking_time or 0) for p in periods), Decimal(0))
        parking = sum((p.parking_time or Decimal(0) for p in periods), Decimal(0))
        assert energy == cdr.total_energy > 0
        assert parking == cdr.total_parking_time
        seconds = (cdr.end_date_time - cdr.start_date_time).total_seconds()
        assert hours == cdr.total_time == (Decimal(seconds) / 3600).quantize(FOUR, ROUND_HALF_UP)
        # Parking follows charging: once a period is a parking period, the rest are too.
        kinds = ["P" if p.parking_time is not None else "C" for p in periods]
        assert "".join(kinds).lstrip("C").strip("P") == "", (cdr.id, kinds)
        for p in periods:
            assert (p.energy is None) == (p.time is None) == (p.parking_time is not None)
            for value in p.dimensions().values():
                assert value == value.quantize(FOUR)


def test_meters_and_energy(dataset: Dataset) -> None:
    for cdr in dataset.cdrs:
        assert cdr.meter_start is not None and cdr.meter_stop is not None
        assert cdr.meter_stop - cdr.meter_start == int(cdr.total_energy * 1000)
        assert cdr.total_energy == cdr.total_energy.quantize(Decimal("0.001"))  # whole Wh
    dc = [c for c in dataset.cdrs if c.cdr_location.connector_power_type == "DC"]
    ac = [c for c in dataset.cdrs if c.cdr_location.connector_power_type != "DC"]
    assert all(p.max_power is not None for c in dc for p in c.charging_periods if p.energy is not None)
    assert all(p.max_power is None for c in ac for p in c.charging_periods)
    assert any(c.meter_id for c in dataset.cdrs) and not all(c.meter_id for c in dataset.cdrs)
    mean = sum(c.total_energy for c in dc) / len(dc)
    assert Decimal(15) < mean < Decimal(60)


def test_created_after_the_session_mostly_within_minutes(dataset: Dataset) -> None:
    delays = []
    for cdr in dataset.cdrs:
        assert cdr.created_at is not None
        assert cdr.created_at > cdr.end_date_time
        assert cdr.last_updated == cdr.created_at
        if not cdr.credit:
            delays.append(cdr.created_at - cdr.end_date_time)
    late = sum(1 for d in delays if d > dt.timedelta(days=1))
    assert sum(1 for d in delays if d < dt.timedelta(hours=1)) > 0.9 * len(delays)
    assert 0.01 * len(delays) < late < 0.06 * len(delays)
    other_month = [c for c in dataset.cdrs if f"{c.created_at:%Y-%m}" != f"{c.start_date_time:%Y-%m}"]
    assert len(other_month) >= 5


def test_peak_boundaries_are_local_time_across_daylight_saving(dataset: Dataset) -> None:
    """XCP-NL-AC changes price at 07:00 and 23:00 Amsterdam time: 06:00 / 22:00 UTC in winter,
    05:00 / 21:00 UTC in summer. Every split between two charging periods is at one of those."""
    utc_hours = collections.Counter()
    for cdr in dataset.cdrs:
        if cdr.tariffs[0].id != catalogue.T_NL_AC:
            continue
        periods = cdr.charging_periods
        for before, after in itertools.pairwise(periods):
            if before.energy is None or after.energy is None:
                continue  # the start of parking, not a price boundary of the day
            local = after.start_date_time.astimezone(AMS)
            assert (local.hour, local.minute, local.second) in ((7, 0, 0), (23, 0, 0)), (cdr.id, local)
            summer = local.utcoffset() == dt.timedelta(hours=2)
            utc_hours[(summer, after.start_date_time.hour)] += 1
    assert set(utc_hours) <= {(False, 6), (False, 22), (True, 5), (True, 21)}
    assert utc_hours[(False, 6)] and utc_hours[(True, 5)], utc_hours


def test_local_times_follow_the_location(dataset: Dataset, store: Store) -> None:
    zones = {loc.id: loc.time_zone for loc in store.locations()}
    assert {c.time_zone for c in dataset.cdrs} >= {"Europe/Amsterdam", "Europe/Brussels", "Europe/Berlin",
                                                   "Europe/London"}
    for cdr in dataset.cdrs:
        assert cdr.time_zone == zones[cdr.cdr_location.id]
        assert not cdr.time_zone_guessed


# ---------------------------------------------------------------------------- who, where and what
def test_cdr_fields_follow_the_master_data(dataset: Dataset, store: Store) -> None:
    locations = {loc.id: loc for loc in store.locations()}
    for cdr in dataset.cdrs:
        loc = locations[cdr.cdr_location.id]
        evse = next(e for e in loc.evses if e.uid == cdr.cdr_location.evse_uid)
        assert cdr.cdr_location.evse_id == evse.evse_id
        assert (cdr.cdr_location.address, cdr.cdr_location.city, cdr.cdr_location.country) == (
            loc.address, loc.city, loc.country)
        assert (cdr.cdr_location.latitude, cdr.cdr_location.longitude) == (loc.latitude, loc.longitude)
        assert cdr.location_ou_code == loc.ou_code
        assert cdr.ou_code == (evse.ou_code or loc.ou_code)
        assert cdr.currency == cdr.tariffs[0].currency == ("GBP" if loc.country == "GBR" else "EUR")
        assert (cdr.country_code, cdr.party_id, cdr.ocpi_version) == ("NL", "XCP", "2.2.1")
        assert cdr.home_charging_compensation == (_kind(cdr) == catalogue.HOME)
    assert any(c.ou_code != c.location_ou_code for c in dataset.cdrs)


def test_tokens_emps_and_roaming(dataset: Dataset) -> None:
    by_type = collections.Counter()
    for cdr in dataset.cdrs:
        tok = cdr.cdr_token
        assert cdr.emp_id == tok.issuer
        assert cdr.roamed == (cdr.emp_id != "NLXCP")
        by_type[(tok.type, cdr.roamed)] += 1
        if tok.type == "RFID":
            cc, party = tok.country_code, tok.party_id
            assert tok.contract_id.startswith(f"{cc}-{party}-C") and len(tok.contract_id) == 18
            assert len(tok.uid) == 14 and tok.uid.startswith("04")
        if tok.type == "AD_HOC_USER":
            assert cdr.auth_method == "COMMAND" and cdr.cdr_location.connector_power_type == "DC"
            assert cdr.tariffs[0].type == "AD_HOC_PAYMENT"
        if cdr.auth_method == "AUTH_REQUEST":
            assert cdr.authorization_reference
    emps = {c.emp_id for c in dataset.cdrs if c.roamed}
    assert len(emps) >= 6
    for kind in ("RFID", "APP_USER", "AD_HOC_USER"):
        assert by_type[(kind, False)] > 0, kind
    assert by_type[("RFID", True)] > 0.5 * len(dataset.cdrs)
    assert {c.auth_method for c in dataset.cdrs} == {"AUTH_REQUEST", "WHITELIST", "COMMAND"}


def test_same_tariff_object_for_every_cdr_of_a_version(dataset: Dataset) -> None:
    from cdrlib.demo import sessions
    from tests.demo.conftest import SEED, UNTIL

    plan = sessions.Plan(300, SEED, UNTIL)
    built = sessions.Builder(plan).build([r for d in range(plan.days) for r in sessions.generate_day(plan, d)])
    by_key: dict[tuple[str, dt.datetime], set[int]] = collections.defaultdict(set)
    for cdr in built:
        assert len(cdr.tariffs) == 1
        by_key[(cdr.tariffs[0].id, cdr.tariffs[0].last_updated)].add(id(cdr.tariffs[0]))
    assert all(len(ids) == 1 for ids in by_key.values())
    versions = collections.Counter(t.id for c in dataset.cdrs for t in c.tariffs)
    assert len(versions) >= 8


def test_nl_ac_price_change_mid_year(dataset: Dataset) -> None:
    versions = {}
    for cdr in dataset.cdrs:
        t = cdr.tariffs[0]
        if t.id == catalogue.T_NL_AC:
            versions.setdefault(t.last_updated, t)
            assert t.start_date_time is None or t.start_date_time <= cdr.start_date_time
            assert t.end_date_time is None or cdr.start_date_time < t.end_date_time
    assert len(versions) == 2


def test_text_fields_keep_to_ocpi_lengths(dataset: Dataset) -> None:
    """The demo sends what a correct OCPI 2.2.1 sender would (the store itself takes any length)."""
    limits = {  # OCPI 2.2.1 mod_cdrs: CiString / string lengths
        "id": 39, "session_id": 36, "authorization_reference": 36, "meter_id": 255,
        "invoice_reference_id": 39, "credit_reference_id": 39,
    }
    nested = {
        ("cdr_token", "uid"): 36, ("cdr_token", "contract_id"): 36, ("cdr_location", "address"): 45,
        ("cdr_location", "city"): 45, ("cdr_location", "postal_code"): 10, ("cdr_location", "latitude"): 10,
        ("cdr_location", "longitude"): 11, ("cdr_location", "evse_uid"): 36, ("cdr_location", "evse_id"): 48,
    }
    for cdr in dataset.cdrs:
        for field, length in limits.items():
            value = getattr(cdr, field)
            assert value is None or len(value) <= length, (field, value)
        for (outer, field), length in nested.items():
            value = getattr(getattr(cdr, outer), field)
            assert value is None or len(value) <= length, (field, value)
    ids = [c.id for c in dataset.cdrs]
    assert len(set(ids)) == len(ids)
    assert len({c.content_hash for c in dataset.cdrs}) == len(ids)


# ------------------------------------------------------------------------------------- patterns
def _local(cdr: model.Cdr) -> dt.datetime:
    return cdr.start_date_time.astimezone(zoneinfo.ZoneInfo(cdr.time_zone or "UTC"))


def _kind(cdr: model.Cdr) -> str:
    return {site.id: site.kind for site in catalogue.SITES}[cdr.cdr_location.id]


@pytest.fixture(scope="module")
def by_kind(dataset: Dataset) -> dict[str, list[model.Cdr]]:
    groups: dict[str, list[model.Cdr]] = collections.defaultdict(list)
    for cdr in originals(dataset):
        groups[_kind(cdr)].append(cdr)
    return groups


def test_offices_fill_up_in_the_morning_on_weekdays(by_kind: dict[str, list[model.Cdr]]) -> None:
    office = by_kind[catalogue.OFFICE]
    weekday = [c for c in office if _local(c).weekday() < 5]
    assert len(weekday) / 5 > 4 * (len(office) - len(weekday)) / 2  # per day: weekdays over 4x weekends
    morning = sum(1 for c in weekday if 6 <= _local(c).hour < 10)
    assert morning > 0.5 * len(weekday)


def test_homes_charge_in_the_evening_and_overnight(by_kind: dict[str, list[model.Cdr]]) -> None:
    home = by_kind[catalogue.HOME]
    evening = sum(1 for c in home if 16 <= _local(c).hour < 23)
    assert evening > 0.6 * len(home)
    overnight = sum(1 for c in home if _local(c).date() != c.end_date_time.astimezone(_local(c).tzinfo).date())
    assert overnight > 0.4 * len(home)


def test_motorway_hubs_all_day_and_short(by_kind: dict[str, list[model.Cdr]]) -> None:
    hub = by_kind[catalogue.HUB]
    hours = collections.Counter(_local(c).hour for c in hub)
    assert len(hours) >= 20
    assert max(hours.values()) < 0.12 * len(hub)
    durations = sorted(c.end_date_time - c.start_date_time for c in hub)
    assert dt.timedelta(minutes=10) < durations[len(durations) // 2] < dt.timedelta(hours=1)


def test_more_sessions_at_the_end_of_the_year(dataset: Dataset) -> None:
    months = collections.Counter((c.start_date_time.year, c.start_date_time.month) for c in dataset.cdrs)
    assert months[(2025, 11)] > months[(2025, 1)]


def test_keyword_fallback_builds_the_same_cdrs(monkeypatch: pytest.MonkeyPatch) -> None:
    from cdrlib.demo import sessions
    from tests.demo.conftest import SEED, UNTIL

    plan = sessions.Plan(200, SEED, UNTIL)
    records = [r for d in range(plan.days) for r in sessions.generate_day(plan, d)]
    assert sessions._POSITIONAL  # the model's field order is the one the builder knows
    fast = sessions.Builder(plan).build(records)
    monkeypatch.setattr(sessions, "_POSITIONAL", False)
    assert sessions.Builder(plan).build(records) == fast
    assert [c.content_hash for c in fast] == [r[17] for r in records]
