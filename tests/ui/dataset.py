"""A small known dataset: CDRs built with `tests.factories.make_cdr`, written to a real store.

March 2024 is the period the dashboard opens with (the last full month with data); 30 January ..
29 February 2024 is the period of the same length before it. Expected values are computed from
the store in the tests themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from cdrlib import model
from cdrlib.store import Store
from tests.factories import make_cdr, utc

OUS = (
    model.OrganizationUnit("ACME", "Acme Corporation"),
    model.OrganizationUnit("ACME-HQ", "Acme head office", "ACME"),
    model.OrganizationUnit("ACME-HQ-P1", "Acme HQ parking 1", "ACME-HQ"),
    model.OrganizationUnit("CITY", "City of Utrecht", is_customer=True),
)
EMPS = (model.Emp("NLTNM", "Tinmobility"), model.Emp("DEABC", "ABC Laden"))


def _cdr(
    cdr_id: str,
    start: dt.datetime,
    *,
    location: str,
    ou: str,
    energy: str,
    excl: str,
    incl: str | None,
    time: str = "2",
    parking: str | None = "0",
    emp: str | None = "NLTNM",
    roamed: bool = True,
    power: str = "AC_3_PHASE",
    currency: str = "EUR",
    **changes: Any,
) -> model.Cdr:
    base = make_cdr()
    issuer = (emp[:2], emp[2:]) if emp else ("NL", "XCP")
    return make_cdr(
        id=cdr_id,
        start_date_time=start,
        end_date_time=start + dt.timedelta(hours=float(time)),
        cdr_token=dataclasses.replace(base.cdr_token, country_code=issuer[0], party_id=issuer[1]),
        cdr_location=dataclasses.replace(
            base.cdr_location, id=location, name=f"Site {location}", connector_power_type=power
        ),
        currency=currency,
        total_cost=model.Price(Decimal(excl), None if incl is None else Decimal(incl)),
        total_energy=Decimal(energy),
        total_time=Decimal(time),
        total_parking_time=None if parking is None else Decimal(parking),
        roamed=roamed,
        emp_id=emp if roamed else None,
        ou_code=ou,
        location_ou_code=ou,
        content_hash=f"hash-{cdr_id}",
        **changes,
    )


CDRS = (
    _cdr("M1", utc(2024, 3, 1, 8), location="LOC001", ou="ACME", energy="20", excl="5.5", incl="6.655"),
    _cdr(
        "M2",
        utc(2024, 3, 10, 9),
        location="LOC002",
        ou="ACME-HQ",
        energy="35.5",
        excl="12.3456",
        incl="14.9382",
        time="3",
        parking="0.5",
        emp="DEABC",
    ),
    _cdr(
        "M3",
        utc(2024, 3, 15, 10),
        location="LOC003",
        ou="ACME-HQ-P1",
        energy="11",
        excl="3",
        incl="3.63",
        time="1.5",
        parking="0.25",
        emp=None,
        roamed=False,
    ),
    # 31 March 23:30 +02:00: the last local day of March
    _cdr(
        "M4",
        utc(2024, 3, 31, 21, 30),
        location="LOC004",
        ou="CITY",
        energy="50",
        excl="25",
        incl="30.25",
        time="1",
        parking=None,
        power="DC",
    ),
    _cdr(
        "M5",
        utc(2024, 3, 20, 12),
        location="LOC005",
        ou="CITY",
        energy="15",
        excl="6",
        incl="7.2",
        emp="DEABC",
        currency="GBP",
    ),
    # a credit CDR for M1: revenue only, not a session
    _cdr(
        "M1-CREDIT",
        utc(2024, 3, 1, 8),
        location="LOC001",
        ou="ACME",
        energy="20",
        excl="-5.5",
        incl="-6.655",
        credit=True,
        credit_reference_id="M1",
    ),
    # 30 March 23:30 +01:00 and, an hour later, 31 March 00:30 +01:00: a day boundary
    _cdr(
        "M6",
        utc(2024, 3, 30, 22, 30),
        location="LOC002",
        ou="ACME-HQ",
        energy="7",
        excl="1.75",
        incl="2.1175",
        time="1",
    ),
    _cdr(
        "M7",
        utc(2024, 3, 30, 23, 30),
        location="LOC001",
        ou="ACME",
        energy="9",
        excl="2.25",
        incl=None,
        time="1",
        emp=None,
        roamed=False,
    ),
    # the previous period
    _cdr("P1", utc(2024, 2, 10, 8), location="LOC001", ou="ACME", energy="10", excl="2.5", incl="3.025"),
    # 29 February 23:30 +01:00
    _cdr(
        "P2",
        utc(2024, 2, 29, 22, 30),
        location="LOC004",
        ou="CITY",
        energy="30",
        excl="9",
        incl="10.89",
        emp=None,
        roamed=False,
    ),
)


def fill(url: str, *, demo: bool = False) -> None:
    with Store.open(url) as store:
        store.put_ous(OUS)
        store.put_emps(EMPS)
        result = store.add_cdrs(list(CDRS))
        assert result.inserted == len(CDRS)
        if demo:
            store.set_meta("dataset", "demo")
