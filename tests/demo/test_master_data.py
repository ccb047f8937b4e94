"""The demo CPO's master data as the store holds it after a run."""

from __future__ import annotations

import json
from decimal import Decimal

from cdrlib.demo import catalogue
from cdrlib.ocpi import jsontext
from cdrlib.store import Store


def iban_ok(iban: str) -> bool:
    """ISO 13616 check, written independently of `catalogue.iban`."""
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def test_ou_tree_with_customers(store: Store) -> None:
    ous = {o.code: o for o in store.ous()}
    roots = [o for o in ous.values() if o.parent_code is None]
    assert [r.code for r in roots] == ["XCP"]

    def depth(code: str) -> int:
        parent = ous[code].parent_code
        return 0 if parent is None else 1 + depth(parent)

    customers = [o for o in ous.values() if o.is_customer]
    assert len(customers) >= 4
    assert max(depth(c) for c in ous) >= 3
    assert {"ACME-HQ", "GEM-UTR", "CPA"} <= {c.code for c in customers}


def test_locations_and_evses(store: Store) -> None:
    locations = store.locations()
    assert len(locations) >= 40
    assert len({loc.country for loc in locations}) >= 3
    assert len({loc.time_zone for loc in locations}) >= 3
    assert {loc.ou_code for loc in locations} <= {o.code for o in store.ous()}
    assert sum(1 for loc in locations for e in loc.evses if e.ou_code and e.ou_code != loc.ou_code) >= 3
    standards = set()
    for loc in locations:
        doc = json.loads(loc.document or "{}")
        assert doc["id"] == loc.id and doc["time_zone"] == loc.time_zone
        assert [e["uid"] for e in doc["evses"]] == [e.uid for e in loc.evses]
        for evse in doc["evses"]:
            for con in evse["connectors"]:
                standards.add((con["standard"], con["format"], con["power_type"]))
    assert {("IEC_62196_T2", "SOCKET", "AC_3_PHASE"), ("IEC_62196_T2", "CABLE", "AC_1_PHASE"),
            ("IEC_62196_T2_COMBO", "CABLE", "DC"), ("CHADEMO", "CABLE", "DC")} <= standards


def test_emps(store: Store) -> None:
    emps = {e.id: e.name for e in store.emps()}
    assert len([e for e in emps if e != "NLXCP"]) >= 6
    assert {"NLTNM", "DEICE", "BEALL", "NLXCP"} <= set(emps)


def test_reimbursements(store: Store) -> None:
    configs = store.reimbursements()
    assert any(c.contract_id for c in configs) and any(c.ou_code for c in configs)
    homes = {loc.id for loc in store.locations() if "HOM" in loc.id}
    for c in configs:
        assert c.location_id in homes
        assert (c.contract_id is None) != (c.ou_code is None)
        assert len(c.tariffs) == 2 and c.tariffs[0].valid_from < c.tariffs[1].valid_from
        assert c.tariffs[0].excl_vat != c.tariffs[1].excl_vat
        for t in c.tariffs:
            assert t.incl_vat in (t.excl_vat * Decimal("1.21"), t.excl_vat * Decimal("1.19"))
        for p in c.payees:
            assert iban_ok(p.iban), p.iban
            assert p.iban[:2] in ("NL", "BE", "DE")
            assert len(p.iban) == {"NL": 18, "BE": 16, "DE": 22}[p.iban[:2]]
    assert {p.iban[:2] for c in configs for p in c.payees} == {"NL", "BE", "DE"}
    assert any(len(c.payees) > 1 for c in configs)
    # A contract id configuration names a card that charges there.
    contracts = {c.contract_id for c in configs if c.contract_id}
    assert contracts <= {t.contract_id for t in catalogue.token_pools().tokens}


def test_distribution_rules(store: Store) -> None:
    rules = store.distribution_rules()
    customers = {o.code for o in store.ous() if o.is_customer}
    assert {r.ou_code for r in rules} <= customers
    methods = set()
    for rule in rules:
        assert len(rule.versions) == 2 and rule.versions[0].valid_from < rule.versions[1].valid_from
        for v in rule.versions:
            methods.add(v.method)
            if v.method == "PERCENTAGE":
                assert v.cpo_percentage + v.customer_percentage == 100  # type: ignore[operator]
            else:
                assert v.cpo_fee_per_kwh is not None and v.cpo_fee_per_kwh > 0
    assert methods == {"FIXED_FEE", "PERCENTAGE"}


def test_tariff_documents_are_canonical_ocpi(store: Store) -> None:
    tariffs = store.tariffs()
    assert len(tariffs) >= 8
    restrictions = set()
    for t in tariffs:
        doc = jsontext.loads(t.document)
        assert isinstance(doc, dict)
        assert jsontext.canonical(doc) == t.document
        assert (doc["country_code"], doc["party_id"], doc["id"], doc["currency"]) == (
            t.country_code, t.party_id, t.id, t.currency)
        assert doc["last_updated"] == t.last_updated.strftime("%Y-%m-%dT%H:%M:%SZ")
        for element in doc["elements"]:
            restrictions.update(element.get("restrictions", {}))
            for pc in element["price_components"]:
                assert pc["type"] in ("ENERGY", "TIME", "PARKING_TIME", "FLAT")
                assert pc["step_size"] == 1 and pc["vat"] in (19, 20, 21)
    assert restrictions == {"start_time", "end_time", "day_of_week", "min_duration"}


def test_iban_helper_matches_published_examples() -> None:
    # Examples from the IBAN registry (SWIFT): check digits come out the same.
    assert catalogue.iban("NL", "ABNA0417164300") == "NL91ABNA0417164300"
    assert catalogue.iban("BE", "539007547034") == "BE68539007547034"
    assert catalogue.iban("DE", "370400440532013000") == "DE89370400440532013000"
    assert catalogue.be_bban(539, 75470) == "539007547034"
