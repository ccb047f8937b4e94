"""An independent, deliberately plain pricer for the tests: OCPI 2.2.1 tariff JSON + charging periods
-> the CDR's totals, by the rules of `spec/pricing.md`, with `Decimal` and `zoneinfo` only.

It shares no code with `cdrlib.demo.tariffs`. It supports what the demo tariffs use and raises on
anything else (so a new restriction in a demo tariff cannot slip through unchecked).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from cdrlib import model

FOUR = Decimal("0.0001")
DIMENSIONS = ("ENERGY", "TIME", "PARKING_TIME", "FLAT")
KNOWN = {"start_time", "end_time", "day_of_week", "min_duration", "max_duration"}


def _clock(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def restrictions_hold(r: dict, local: dt.datetime, elapsed_s: float) -> bool:
    """Rule 3, for the restrictions the demo tariffs use."""
    unknown = set(r) - KNOWN
    if unknown:
        raise NotImplementedError(f"restrictions {unknown}")
    now = local.time().replace(tzinfo=None)
    if "start_time" in r or "end_time" in r:
        start = _clock(r.get("start_time", "00:00"))
        end_text = r.get("end_time", "00:00")
        end = _clock(end_text)
        if end_text == "00:00" or start < end:
            inside = start <= now and (end_text == "00:00" or now < end)
        else:  # wraps past midnight
            inside = now >= start or now < end
        if not inside:
            return False
    if "day_of_week" in r and local.strftime("%A").upper() not in r["day_of_week"]:
        return False
    if "min_duration" in r and elapsed_s < r["min_duration"]:
        return False
    return not ("max_duration" in r and elapsed_s >= r["max_duration"])


def component(doc: dict, dimension: str, local: dt.datetime, elapsed_s: float) -> dict | None:
    """Rule 2: the first element with a component of ``dimension`` whose restrictions all hold."""
    for element in doc["elements"]:
        for pc in element["price_components"]:
            if pc["type"] == dimension and restrictions_hold(element.get("restrictions", {}), local, elapsed_s):
                return pc
    return None


def price(cdr: model.Cdr) -> dict[str, tuple[Decimal, Decimal]]:
    """{"ENERGY"|"TIME"|"PARKING_TIME"|"FLAT"|"TOTAL": (excl, incl)}, each rounded half up to 4 decimals
    from the exact sum (rules 4, 6, 8, 9). Step sizes must be 1 and the volumes whole Wh / seconds."""
    tariffs = {t.id: json.loads(t.document, parse_float=Decimal) for t in cdr.tariffs}
    zone = ZoneInfo(cdr.time_zone)
    exact = {d: [Decimal(0), Decimal(0)] for d in DIMENSIONS}
    flat_done = False
    for p in cdr.charging_periods:
        doc = tariffs[p.tariff_id]
        local = p.start_date_time.astimezone(zone)
        elapsed = (p.start_date_time - cdr.start_date_time).total_seconds()
        volumes = {"ENERGY": p.energy, "TIME": p.time, "PARKING_TIME": p.parking_time, "FLAT": Decimal(1)}
        for dim in DIMENSIONS:
            volume = volumes[dim]
            if volume is None or (dim == "FLAT" and flat_done):
                continue
            pc = component(doc, dim, local, elapsed)
            if pc is None:
                continue
            assert pc.get("step_size", 1) == 1, "the test pricer knows step_size 1 only"
            excl = volume * pc["price"]
            exact[dim][0] += excl
            exact[dim][1] += excl * (1 + Decimal(pc["vat"]) / 100)
            if dim == "FLAT":
                flat_done = True
    result = {d: (v[0].quantize(FOUR, ROUND_HALF_UP), v[1].quantize(FOUR, ROUND_HALF_UP)) for d, v in exact.items()}
    total_excl = sum((v[0] for v in exact.values()), Decimal(0))
    total_incl = sum((v[1] for v in exact.values()), Decimal(0))
    result["TOTAL"] = (total_excl.quantize(FOUR, ROUND_HALF_UP), total_incl.quantize(FOUR, ROUND_HALF_UP))
    return result
