"""Small builders of domain objects for tests: one valid object, changed with keyword arguments."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from cdrlib import model

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def make_cdr(**changes: Any) -> model.Cdr:
    """A complete, consistent 2.2.1 CDR: 20 kWh in 2 h at 0.25/kWh plus a 0.50 start fee."""
    start = changes.pop("start_date_time", utc(2024, 3, 5, 8, 0))
    base = model.Cdr(
        country_code="NL",
        party_id="XCP",
        id="CDR0001",
        start_date_time=start,
        end_date_time=start + dt.timedelta(hours=2),
        cdr_token=model.CdrToken("NL", "TNM", "04A1B2C3D4E5F6", "RFID", "NL-TNM-C12345678-X"),
        auth_method="WHITELIST",
        cdr_location=model.CdrLocation(
            id="LOC001",
            name="Stationsplein",
            address="Stationsplein 1",
            city="Utrecht",
            postal_code="3511 ED",
            country="NLD",
            latitude="52.089444",
            longitude="5.110278",
            evse_uid="EVSE001",
            evse_id="NL*XCP*E0001",
            connector_id="1",
            connector_standard="IEC_62196_T2",
            connector_format="SOCKET",
            connector_power_type="AC_3_PHASE",
        ),
        currency="EUR",
        charging_periods=(
            model.ChargingPeriod(start, "T1", energy=Decimal("12.5"), time=Decimal("1")),
            model.ChargingPeriod(start + dt.timedelta(hours=1), "T1", energy=Decimal("7.5"), time=Decimal("1")),
        ),
        total_cost=model.Price(Decimal("5.5"), Decimal("6.655")),
        total_energy=Decimal("20"),
        total_time=Decimal("2"),
        last_updated=start + dt.timedelta(hours=2, minutes=1),
        session_id="SESS0001",
        total_energy_cost=model.Price(Decimal("5"), Decimal("6.05")),
        total_fixed_cost=model.Price(Decimal("0.5"), Decimal("0.605")),
        total_parking_time=Decimal("0"),
        time_zone="Europe/Amsterdam",
        roamed=True,
        emp_id="NLTNM",
        ou_code="ACME",
        location_ou_code="ACME",
        content_hash="h1",
    )
    return dataclasses.replace(base, **changes)
