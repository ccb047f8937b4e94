"""One small fixed dataset for the export tests (golden files, invariants, reimbursement, distribution).

The period is October 2025 in the reporting zone Europe/Amsterdam: 2025-10-01 00:00 +02:00 up to, not
including, 2025-11-01 00:00 +01:00, i.e. ``[2025-09-30T22:00Z, 2025-10-31T23:00Z)``. The clocks go back
on 2025-10-26 at 03:00 +02:00 (= 01:00 UTC) in Amsterdam and at 02:00 +01:00 (= 01:00 UTC) in London.

Everything is sent by the CPO ``NL`` ``XCP`` (Infra_Provider_ID ``NLXCP``); its own cards are not roamed.

Who is who
- EMPs ``NLTNM`` and ``DEA:B`` (a colon: not allowed in a file name, so its file is ``DEA_B.csv``).
- OUs: ``XCP`` (the CPO) > ``ACME`` (customer: FIXED_FEE rule, a new version from 2025-10-10) >
  ``ACME-HQ`` (no rule of its own: ACME's applies), ``ACME-DEPOT`` (its own PERCENTAGE rule),
  ``ACME-SALES`` (drivers only); ``XCP`` > ``XCP-PUB``, ``XCP-GB``, ``HOME`` (no rule); ``XCP`` >
  ``BRIGHT`` (another customer's drivers, not under ACME).
- Locations: ``HQ`` (Utrecht), ``DEPOT`` (non-ASCII name), ``PUB`` (texts that start with ``=``, ``@``,
  ``+`` and a token uid starting with ``-``), ``PUB2``, ``LON`` (Europe/London, GBP), home chargers
  ``HOME1`` (reimbursed for every card of OU ACME; tariff change 2025-10-15, new bank account 2025-10-20),
  ``HOME2`` (reimbursed for one card: token mode) and ``HOME3`` (no reimbursement).
- Tariffs: ``T-AC`` (EUR, ENERGY 0.40 from 07:00 to 23:00 local, else 0.30; FLAT 0.50; PARKING_TIME
  1.50/h; 21 % VAT), carried by the CDRs; ``T-GB`` (GBP, ENERGY 0.45, TIME 1.20/h; 20 % VAT), known to the
  store only (the London CDR names it in its charging periods).

The CDRs (start in UTC and local; every figure is worked out in the tests):

==========  ======  ===============================  ========  ========================================
id          EMP     start UTC / local                kWh       why
==========  ======  ===============================  ========  ========================================
C01         NLTNM   10-03 05:30Z / 07:30 +02:00      12.3456   day price at 07:30 local (UTC is night);
                                                               sender's cost breakdown
C02         NLTNM   10-04 21:30Z / 23:30 +02:00       7.5000   night price at 23:30 local (UTC is day);
                                                               no breakdown: cost columns from calc_*
C03         own     10-25 23:30Z / 10-26 01:30 +02:00 18.2500  across the DST switch: ends 03:15 +01:00,
                                                               lasts 2:45:00; DEPOT (PERCENTAGE)
C04         DEA:B   10-12 17:00Z / 18:00 +01:00      30.0000   London, GBP, 27:03:09 long, tariff known
                                                               to the store only, no breakdown
C05         NLTNM   10-06 12:00Z / 14:00 +02:00      10.0000   formula texts; a breakdown that differs
                                                               from the engine's (the sender's wins)
C06         DEA:B   10-07 08:00Z / 10:00 +02:00      20.1250   original of the credit C06-CR
C06-CR      DEA:B   (as C06)                         20.1250   credit: negative amounts
C07         NLTNM   10-09 22:30Z / 10-10 00:30 +02:00 10.0000  new distribution version (local date
                                                               10-10, UTC date still 10-09)
C08         NLTNM   10-09 21:30Z / 23:30 +02:00      10.0000   old distribution version; EVSE of another
                                                               OU than its location
C09         own     10-16 10:00Z / 12:00 +02:00      40.0000   revenue 5.00 < energy compensation 8.80
R1          NLTNM   10-14 21:30Z / 23:30 +02:00      11.1111   HOME1, ACME card: old tariff, old account
R2          NLTNM   10-14 22:30Z / 10-15 00:30 +02:00  8.0200  HOME1, ACME card: new tariff (local date)
R3          NLTNM   10-19 22:15Z / 10-20 00:15 +02:00 15.5000  HOME1, card of ACME-SALES (child OU):
                                                               new tariff, new account
R4          NLTNM   10-21 18:00Z                      6.0000   HOME1, card of BRIGHT: not reimbursed
R5          NLTNM   10-22 17:00Z / 19:00 +02:00       9.8765   HOME2, the one card of the config
R6          NLTNM   10-23 17:00Z                      7.0000   HOME2, another card: not reimbursed
R7          NLTNM   10-24 17:00Z                      5.0000   HOME3, no reimbursement there
LAST        DEA:B   10-31 20:00Z                      5.0000   created 23:59:59 local on the last day: in
NEXT        NLTNM   10-31 20:30Z                      5.0000   created 00:00:00 local on 1 Nov: out
EARLY       NLTNM   09-30 19:00Z                      5.0000   created 23:59:59 local on 30 Sep: out
==========  ======  ===============================  ========  ========================================

A CDR is created 10 minutes after its session ends unless said otherwise; the exports list CDRs in the
order of creation.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cdrlib import model, pricing
from cdrlib.store import Store
from tests.factories import make_cdr, utc

D = Decimal
TZ = "Europe/Amsterdam"  # the reporting time zone
FIRST, LAST = dt.date(2025, 10, 1), dt.date(2025, 10, 31)
LABEL = "2025-10-01_2025-10-31"
CPO = ("NL", "XCP")
CREATED_AFTER_END = dt.timedelta(minutes=10)

# ------------------------------------------------------------------------------------- master data
OUS = (
    model.OrganizationUnit("XCP", "XCP Charging B.V."),
    model.OrganizationUnit("ACME", "Acme Logistics B.V.", "XCP", is_customer=True),
    model.OrganizationUnit("ACME-HQ", "Acme head office", "ACME", is_customer=True),
    model.OrganizationUnit("ACME-DEPOT", "Acme depot", "ACME", is_customer=True),
    model.OrganizationUnit("ACME-SALES", "Acme sales team", "ACME"),
    model.OrganizationUnit("XCP-PUB", "Public charging", "XCP"),
    model.OrganizationUnit("XCP-GB", "Region United Kingdom", "XCP"),
    model.OrganizationUnit("HOME", "Home chargers", "XCP"),
    model.OrganizationUnit("BRIGHT", "Brightfield Consultancy B.V.", "XCP", is_customer=True),
)
EMPS = (model.Emp("NLTNM", "Tanamo Mobility B.V."), model.Emp("DEA:B", "A:B Laden GmbH"))

# Distribution (domain.md, Tariff distribution)
RULE_CHANGE = dt.date(2025, 10, 10)
ACME_OLD = model.DistributionVersion(dt.date(2025, 1, 1), D("0.2000"), "FIXED_FEE", "EUR", cpo_fee_per_kwh=D("0.0500"))
ACME_NEW = model.DistributionVersion(RULE_CHANGE, D("0.2200"), "FIXED_FEE", "EUR", cpo_fee_per_kwh=D("0.0600"))
DEPOT_PCT = model.DistributionVersion(
    dt.date(2025, 1, 1), D("0.1800"), "PERCENTAGE", "EUR", cpo_percentage=D("30"), customer_percentage=D("70")
)
RULES = (
    model.DistributionRule("ACME", "Acme sites: energy plus CPO fee", (ACME_OLD, ACME_NEW)),
    model.DistributionRule("ACME-DEPOT", "Acme depot: 30/70", (DEPOT_PCT,)),
)

# Cards (contract id -> OU) and the reimbursement configurations
ACME_CARD = "NL-TNM-C00000001-A"  # OU ACME
SALES_CARD = "NL-TNM-C00000002-B"  # OU ACME-SALES, a child of ACME
BRIGHT_CARD = "NL-TNM-C00000003-C"  # OU BRIGHT, not under ACME
VISSER_CARD = "NL-TNM-C00000042-X"  # OU BRIGHT; reimbursed at HOME2 by contract id
CARDS = (
    model.Card(ACME_CARD, "ACME", "Acme fleet card 1"),
    model.Card(SALES_CARD, "ACME-SALES", "Acme sales card"),
    model.Card(BRIGHT_CARD, "BRIGHT", "Brightfield card"),
    model.Card(VISSER_CARD, "BRIGHT", "P. Visser"),
)
TARIFF_CHANGE = dt.date(2025, 10, 15)
ACCOUNT_CHANGE = dt.date(2025, 10, 20)
HOME_OLD = model.ReimbursementTariff(dt.date(2025, 1, 1), D("0.2200"), D("0.2662"), "EUR")
HOME_NEW = model.ReimbursementTariff(TARIFF_CHANGE, D("0.2500"), D("0.3025"), "EUR")
ABNA = model.Payee(dt.date(2025, 1, 1), "S. Bakker", "NL91ABNA0417164300")
RABO = model.Payee(ACCOUNT_CHANGE, "S. Bakker", "NL44RABO0123456789")
VISSER_TARIFF = model.ReimbursementTariff(dt.date(2025, 1, 1), D("0.2300"), D("0.2783"), "EUR")
VISSER = model.Payee(dt.date(2025, 1, 1), "P. Visser", "NL31INGB0100166318")
REIMBURSEMENTS = (
    model.ReimbursementConfig(*CPO, "HOME1", (HOME_NEW, HOME_OLD), (RABO, ABNA), ou_code="ACME"),
    model.ReimbursementConfig(*CPO, "HOME2", (VISSER_TARIFF,), (VISSER,), contract_id=VISSER_CARD),
)

# ------------------------------------------------------------------------------------------ tariffs
LAST_UPDATED = utc(2025, 1, 1)


def _tariff(tariff_id: str, currency: str, elements: str) -> model.Tariff:
    """A 2.2.1 tariff; ``elements`` is JSON text (OCPI numbers, no float in between)."""
    document = (
        f'{{"country_code":"{CPO[0]}","currency":"{currency}","elements":{elements},"id":"{tariff_id}",'
        f'"last_updated":"2025-01-01T00:00:00Z","party_id":"{CPO[1]}","type":"REGULAR"}}'
    )
    json.loads(document)  # well-formed
    return model.Tariff(*CPO, tariff_id, currency, LAST_UPDATED, document, type="REGULAR")


# ENERGY 0.40 from 07:00 to 23:00 local, else 0.30; FLAT 0.50; PARKING_TIME 1.50/h; 21 % VAT.
T_AC = _tariff("T-AC", "EUR", (
    '[{"price_components":[{"price":0.40,"step_size":1,"type":"ENERGY","vat":21.0}],'
    '"restrictions":{"end_time":"23:00","start_time":"07:00"}},'
    '{"price_components":[{"price":0.30,"step_size":1,"type":"ENERGY","vat":21.0}]},'
    '{"price_components":[{"price":0.50,"step_size":1,"type":"FLAT","vat":21.0}]},'
    '{"price_components":[{"price":1.50,"step_size":1,"type":"PARKING_TIME","vat":21.0}]}]'
))
# ENERGY 0.45, TIME 1.20/h (charging only); 20 % VAT.
T_GB = _tariff("T-GB", "GBP", (
    '[{"price_components":[{"price":0.45,"step_size":1,"type":"ENERGY","vat":20.0},'
    '{"price":1.20,"step_size":1,"type":"TIME","vat":20.0}]}]'
))


# ---------------------------------------------------------------------------------------- locations
@dataclass(frozen=True)
class Site:
    location: model.CdrLocation
    zone: str
    ou: str
    name_in_master: str | None = None

    def master(self) -> model.Location:
        loc = self.location
        return model.Location(
            *CPO, loc.id, loc.address, loc.city, loc.country, loc.latitude, loc.longitude, self.zone,
            LAST_UPDATED, name=loc.name, postal_code=loc.postal_code, ou_code=self.ou,
            evses=(model.Evse(loc.evse_uid, loc.evse_id),),
        )


def _site(loc_id: str, zone: str, ou: str, n: int, **changes: Any) -> Site:
    base = dataclasses.replace(
        make_cdr().cdr_location, id=loc_id, name=f"Site {loc_id}", evse_uid=f"EVSE-{loc_id}",
        evse_id=f"NL*XCP*E{n:04d}", connector_id="1",
    )
    return Site(dataclasses.replace(base, **changes), zone, ou)


AMS = "Europe/Amsterdam"
HQ = _site("HQ", AMS, "ACME-HQ", 1, name="Acme HQ", address="Europalaan 100", city="Utrecht",
           postal_code="3526 KS")
DEPOT = _site("DEPOT", AMS, "ACME-DEPOT", 2, name="Dépôt Tilburg Nord–Süd", address="Ringbaan-Oost 8",
              city="Tilburg", postal_code="5013 CA", connector_power_type="DC", connector_standard="IEC_62196_T2_COMBO",
              connector_format="CABLE")
PUB = _site("PUB", AMS, "XCP-PUB", 3, name="+Laadplein Noord", address='=HYPERLINK("http://x.example","Laadpaal")',
            city="@Amsterdam", postal_code="1012 AB", latitude="52.379189", longitude="4.899431")
PUB2 = _site("PUB2", AMS, "XCP-PUB", 4, name="Stationsplein", address="Stationsplein 1", city="Utrecht",
             postal_code="3511 ED")
LON = _site("LON", "Europe/London", "XCP-GB", 5, name="King's Cross Garage", address="1 Pancras Road",
            city="London", postal_code="N1C 4AG", country="GBR", latitude="51.534000", longitude="-0.125000",
            evse_id="GB*XCP*E0005")
HOME1 = _site("HOME1", AMS, "HOME", 6, name="Home S. Bakker", address="Dorpsstraat 1", city="Houten",
              postal_code="3991 AA")
HOME2 = _site("HOME2", AMS, "HOME", 7, name="Home P. Visser", address="Kerkweg 2", city="Zeist",
              postal_code="3701 AB")
HOME3 = _site("HOME3", AMS, "HOME", 8, name="Home J. Jansen", address="Laan 3", city="Bunnik",
              postal_code="3981 AC")
SITES = (HQ, DEPOT, PUB, PUB2, LON, HOME1, HOME2, HOME3)


# ------------------------------------------------------------------------------------------- tokens
def token(emp: str | None, uid: str, contract: str, kind: str = "RFID") -> model.CdrToken:
    """A token of ``emp`` (country code + party id; the CPO's own when None)."""
    cc, party = (emp[:2], emp[2:]) if emp else CPO
    return model.CdrToken(cc, party, uid, kind, contract)


TNM = token("NLTNM", "04A1B2C3D4E5F6", "NL-TNM-C12345678-X")
AB = token("DEA:B", "DE0000AB01", "DE-A:B-C00000001-1")
OWN = token(None, "OWN-APP-7", "NL-XCP-C00000007-Z", "APP_USER")
FORMULA = token("NLTNM", "-04AB12CD", "NL-TNM-C55555555-5")  # Authentication_ID starts with "-"
ACME = token("NLTNM", "04ACME0001", ACME_CARD)
SALES = token("NLTNM", "04ACME0002", SALES_CARD)
BRIGHT = token("NLTNM", "04BRGT0003", BRIGHT_CARD)
VISSER_TOKEN = token("NLTNM", "04VISS0042", VISSER_CARD)


# --------------------------------------------------------------------------------------------- CDRs
def _price(excl: str, incl: str | None = None) -> model.Price:
    return model.Price(D(excl), None if incl is None else D(incl))


def session(
    cdr_id: str,
    site: Site,
    tok: model.CdrToken,
    start: dt.datetime,
    end: dt.datetime,
    kwh: str,
    cost: tuple[str, str | None],
    *,
    parking_h: str = "0",
    tariff: model.Tariff | None = None,
    carried: bool = True,
    breakdown: dict[str, tuple[str, str | None]] | None = None,
    created: dt.datetime | None = None,
    ou: str | None = None,
    **changes: Any,
) -> model.Cdr:
    """A CDR of one charging period (and a parking period when ``parking_h`` > 0).

    ``breakdown``: the sender's total_<name>_cost (``energy``, ``time``, ``parking``, ``fixed``) as
    (excl, incl); None: the sender gave none. ``carried``: the CDR carries its tariff (else it only names
    it in the charging periods and the store must know it).
    """
    hours = D((end - start) // dt.timedelta(seconds=1)) / 3600
    total_time = hours.quantize(D("0.0001"))
    assert total_time == hours, f"{cdr_id}: the session must last a whole number of 0.36 s"
    parking = D(parking_h)
    charging = total_time - parking
    tariff_id = tariff.id if tariff else None
    periods = [model.ChargingPeriod(start, tariff_id, energy=D(kwh), time=charging)]
    if parking:
        periods.append(model.ChargingPeriod(start + dt.timedelta(hours=float(charging)), tariff_id,
                                            parking_time=parking))
    is_own = (tok.country_code, tok.party_id) == CPO
    costs = {f"total_{name}_cost": None for name in ("energy", "time", "parking", "fixed")}
    for name, value in (breakdown or {}).items():
        costs[f"total_{name}_cost"] = _price(*value)
    cdr = make_cdr(
        id=cdr_id,
        start_date_time=start,
        end_date_time=end,
        cdr_token=tok,
        cdr_location=site.location,
        currency=(tariff.currency if tariff else "EUR"),
        charging_periods=tuple(periods),
        total_cost=_price(*cost),
        total_energy=D(kwh),
        total_time=total_time,
        total_parking_time=parking,
        last_updated=end + CREATED_AFTER_END,
        session_id=f"SES-{cdr_id}",
        meter_id=f"MTR-{site.location.id}",
        tariffs=(tariff,) if tariff and carried else (),
        time_zone=site.zone,
        ou_code=ou or site.ou,
        location_ou_code=site.ou,
        roamed=not is_own,
        emp_id=tok.issuer,
        content_hash=f"hash-{cdr_id}",
        created_at=created or end + CREATED_AFTER_END,
        **costs,
        **changes,
    )
    # The project's own calculation (``calc_*``), as the importer stores it.
    known = [T_AC, T_GB]
    return dataclasses.replace(cdr, price_check=pricing.check(cdr, known))


def credit(original: model.Cdr, cdr_id: str, created: dt.datetime) -> model.Cdr:
    """The credit CDR of ``original``: the same session, every amount negated (OCPI 2.2.1 mod_cdrs, Credit)."""

    def neg(p: model.Price | None) -> model.Price | None:
        return None if p is None else model.Price(-p.excl_vat, None if p.incl_vat is None else -p.incl_vat)

    out = dataclasses.replace(
        original, id=cdr_id, credit=True, credit_reference_id=original.id, created_at=created,
        total_cost=neg(original.total_cost), total_energy_cost=neg(original.total_energy_cost),
        total_time_cost=neg(original.total_time_cost), total_parking_cost=neg(original.total_parking_cost),
        total_fixed_cost=neg(original.total_fixed_cost), content_hash=f"hash-{cdr_id}", last_updated=created,
    )
    return dataclasses.replace(out, price_check=pricing.check(out))


C01 = session("C01", HQ, TNM, utc(2025, 10, 3, 5, 30), utc(2025, 10, 3, 7, 30), "12.3456", ("5.4382", "6.5802"),
              tariff=T_AC, breakdown={"energy": ("4.9382", "5.9752"), "fixed": ("0.5000", "0.6050")},
              meter_start=500_000, meter_stop=512_346)
C02 = session("C02", HQ, TNM, utc(2025, 10, 4, 21, 30), utc(2025, 10, 4, 23, 0), "7.5000", ("3.5000", "4.2350"),
              parking_h="0.5", tariff=T_AC)
C03 = session("C03", DEPOT, OWN, utc(2025, 10, 25, 23, 30), utc(2025, 10, 26, 2, 15), "18.2500",
              ("5.9750", "7.2298"), tariff=T_AC, auth_method="COMMAND",
              breakdown={"energy": ("5.4750", "6.6248"), "fixed": ("0.5000", "0.6050")},
              meter_start=1_000_000, meter_stop=1_018_250)
C04 = session("C04", LON, AB, utc(2025, 10, 12, 17, 0), utc(2025, 10, 13, 20, 3, 9), "30.0000", ("17.1000", "20.5200"),
              parking_h="24.0525", tariff=T_GB, carried=False)
C05 = session("C05", PUB, FORMULA, utc(2025, 10, 6, 12, 0), utc(2025, 10, 6, 13, 0), "10.0000", ("4.5000", "5.4450"),
              tariff=T_AC, breakdown={"energy": ("4.5000", "5.4450"), "time": ("0", "0"), "parking": ("0", "0"),
                                      "fixed": ("0", "0")})
C06 = session("C06", HQ, AB, utc(2025, 10, 7, 8, 0), utc(2025, 10, 7, 9, 30), "20.1250", ("8.5500", "10.3455"),
              tariff=T_AC, breakdown={"energy": ("8.0500", "9.7405"), "fixed": ("0.5000", "0.6050")})
C06_CR = credit(C06, "C06-CR", utc(2025, 10, 8, 9, 0))
C07 = session("C07", HQ, TNM, utc(2025, 10, 9, 22, 30), utc(2025, 10, 9, 23, 30), "10.0000", ("3.5000", "4.2350"),
              tariff=T_AC, breakdown={"energy": ("3.0000", "3.6300"), "fixed": ("0.5000", "0.6050")})
C08 = session("C08", HQ, TNM, utc(2025, 10, 9, 21, 30), utc(2025, 10, 9, 22, 30), "10.0000", ("3.5000", "4.2350"),
              tariff=T_AC, breakdown={"energy": ("3.0000", "3.6300"), "fixed": ("0.5000", "0.6050")},
              ou="ACME-DEPOT")
C09 = session("C09", HQ, OWN, utc(2025, 10, 16, 10, 0), utc(2025, 10, 16, 12, 0), "40.0000", ("5.0000", "6.0500"),
              tariff=T_AC, breakdown={"energy": ("5.0000", "6.0500"), "fixed": ("0", "0")})
# Home charging: no tariff, no cost at the charger (the employer reimburses the energy).
FREE = ("0", "0")
R1 = session("R1", HOME1, ACME, utc(2025, 10, 14, 21, 30), utc(2025, 10, 14, 22, 15), "11.1111", FREE,
             meter_start=20_000, meter_stop=31_111)
R2 = session("R2", HOME1, ACME, utc(2025, 10, 14, 22, 30), utc(2025, 10, 14, 23, 45), "8.0200", FREE,
             meter_start=31_111, meter_stop=39_131)
R3 = session("R3", HOME1, SALES, utc(2025, 10, 19, 22, 15), utc(2025, 10, 20, 1, 15), "15.5000", FREE)
R4 = session("R4", HOME1, BRIGHT, utc(2025, 10, 21, 18, 0), utc(2025, 10, 21, 19, 0), "6.0000", FREE)
R5 = session("R5", HOME2, VISSER_TOKEN, utc(2025, 10, 22, 17, 0), utc(2025, 10, 22, 19, 0), "9.8765", FREE)
R6 = session("R6", HOME2, ACME, utc(2025, 10, 23, 17, 0), utc(2025, 10, 23, 18, 0), "7.0000", FREE)
R7 = session("R7", HOME3, ACME, utc(2025, 10, 24, 17, 0), utc(2025, 10, 24, 18, 0), "5.0000", FREE)
# The period's edges (reporting zone Europe/Amsterdam, CET +01:00 after 26 October).
_EDGE = {"tariff": T_AC, "breakdown": {"energy": ("2.0000", "2.4200"), "fixed": ("0.5000", "0.6050")}}
LAST_IN = session("LAST", PUB2, AB, utc(2025, 10, 31, 20, 0), utc(2025, 10, 31, 21, 0), "5.0000", ("2.5000", "3.0250"),
                  created=utc(2025, 10, 31, 22, 59, 59), **_EDGE)  # 23:59:59 +01:00 on 31 October
NEXT_OUT = session("NEXT", PUB2, TNM, utc(2025, 10, 31, 20, 30), utc(2025, 10, 31, 21, 30), "5.0000",
                   ("2.5000", "3.0250"), created=utc(2025, 10, 31, 23, 0, 0), **_EDGE)  # 00:00:00 on 1 November
EARLY_OUT = session("EARLY", PUB2, TNM, utc(2025, 9, 30, 19, 0), utc(2025, 9, 30, 20, 0), "5.0000",
                    ("2.5000", "3.0250"), created=utc(2025, 9, 30, 21, 59, 59), **_EDGE)  # 23:59:59 +02:00, 30 Sep

CDRS = (C01, C02, C03, C04, C05, C06, C06_CR, C07, C08, C09, R1, R2, R3, R4, R5, R6, R7, LAST_IN, NEXT_OUT,
        EARLY_OUT)
OUT_OF_PERIOD = ("NEXT", "EARLY")
IN_PERIOD = tuple(c.id for c in CDRS if c.id not in OUT_OF_PERIOD)


def fill(
    store: Store,
    cdrs: tuple[model.Cdr, ...] = CDRS,
    *,
    reimbursements: tuple[model.ReimbursementConfig, ...] = REIMBURSEMENTS,
    rules: tuple[model.DistributionRule, ...] = RULES,
) -> None:
    """Write the dataset into ``store`` (an empty one): the master data and ``cdrs`` (default: all)."""
    store.put_ous(OUS)
    store.put_emps(EMPS)
    store.put_locations(site.master() for site in SITES)
    store.put_tariffs([T_AC, T_GB])
    store.put_cards(CARDS)
    store.put_reimbursements(reimbursements)
    store.put_distribution_rules(rules)
    result = store.add_cdrs(list(cdrs))
    assert result.inserted == len(cdrs), result


# ------------------------------------------------------------------------ reading what the exports wrote
def members(fmt: str, data: Any, dialect_name: str) -> dict[str, bytes]:
    """The files of format ``fmt`` built from ``data`` in ``dialect_name``: a ZIP's members by name in
    their order in the ZIP, or the one CSV file by its file name."""
    from cdrlib import exports
    from cdrlib.exports import csvfmt

    f = exports.FORMATS[fmt]
    payload = f.build(data, csvfmt.dialect(dialect_name))
    if f.extension != "zip":
        return {f.file_name(data): payload}
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def read_rows(payload: bytes, dialect_name: str = "excel") -> list[dict[str, str]]:
    """A CSV file as rows of column -> cell text (the header checked to be unique)."""
    from cdrlib.exports import csvfmt

    d = csvfmt.dialect(dialect_name)
    assert payload.startswith(csvfmt.BOM) == d.bom
    text = payload.decode("utf-8-sig" if d.bom else "utf-8")
    lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=d.delimiter))
    header, body = lines[0], lines[1:]
    assert len(set(header)) == len(header), header
    assert all(len(line) == len(header) for line in body)
    return [dict(zip(header, line, strict=True)) for line in body]


def by_id(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    out = {r["CDR_ID"]: r for r in rows}
    assert len(out) == len(rows), "a CDR twice in one file"
    return out


def number(cell: str, dialect_name: str = "excel") -> Decimal:
    """A number cell as an exact decimal (the dialect's decimal mark); an empty cell is an error."""
    assert cell, "empty cell where a number is expected"
    return D(cell.replace(",", ".") if dialect_name == "excel-eu" else cell)
