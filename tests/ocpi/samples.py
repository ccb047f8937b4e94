"""Sample OCPI records for the tests: the JSON files in ``data/`` and a small valid CDR to mutate."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

from cdrlib import model
from cdrlib.ocpi import jsontext

DATA = Path(__file__).parent / "data"


def load(name: str) -> Any:
    """A fixture file parsed the way the reader parses (fractional numbers as Decimal)."""
    return jsontext.loads((DATA / name).read_text(encoding="utf-8"))


def normalized(cdr: dict[str, Any]) -> str:
    """Canonical text of an OCPI CDR, its dimensions in `model.CDR_DIMENSIONS` order (OCPI gives them
    no order), without null fields and without an empty tariffs list (OCPI: absent = null = empty)."""
    cdr = _drop_nulls(copy.deepcopy(cdr))
    if cdr.get("tariffs") == []:
        del cdr["tariffs"]
    order = {name: i for i, name in enumerate(model.CDR_DIMENSIONS)}
    for period in cdr.get("charging_periods", []):
        period["dimensions"].sort(key=lambda d: order.get(d["type"], 99))
    return jsontext.canonical(cdr)


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def minimal_cdr() -> dict[str, Any]:
    """A small valid OCPI 2.2.1 CDR (a fresh copy each call)."""
    return {
        "country_code": "NL",
        "party_id": "LMS",
        "id": "CDR-1",
        "start_date_time": "2024-01-01T10:00:00Z",
        "end_date_time": "2024-01-01T12:00:00Z",
        "cdr_token": {
            "country_code": "NL",
            "party_id": "TNM",
            "uid": "04AB12CD",
            "type": "RFID",
            "contract_id": "NL-TNM-C12345678-X",
        },
        "auth_method": "AUTH_REQUEST",
        "cdr_location": {
            "id": "LOC1",
            "address": "Damrak 1",
            "city": "Amsterdam",
            "postal_code": "1012 LG",
            "country": "NLD",
            "coordinates": {"latitude": "52.37403", "longitude": "4.88969"},
            "evse_uid": "EVSE-1",
            "evse_id": "NL*LMS*E0001",
            "connector_id": "1",
            "connector_standard": "IEC_62196_T2",
            "connector_format": "SOCKET",
            "connector_power_type": "AC_3_PHASE",
        },
        "currency": "EUR",
        "charging_periods": [
            {
                "start_date_time": "2024-01-01T10:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": Decimal("12.5")}, {"type": "TIME", "volume": 1}],
                "tariff_id": "T1",
            },
            {
                "start_date_time": "2024-01-01T11:00:00Z",
                "dimensions": [{"type": "PARKING_TIME", "volume": 1}],
            },
        ],
        "total_cost": {"excl_vat": Decimal("5.00"), "incl_vat": Decimal("6.05")},
        "total_energy": Decimal("12.5"),
        "total_time": 2,
        "total_parking_time": 1,
        "last_updated": "2024-01-01T12:05:00Z",
    }
