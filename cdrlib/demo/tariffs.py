"""The demo CPO's OCPI 2.2.1 tariffs, and how the generator splits a session into charging periods.

The documents are real OCPI 2.2.1 Tariff objects (mod_tariffs): elements with price components and
restrictions (time of day, day of week, minimum duration), stored as canonical JSON text. The costs
of every demo CDR are computed by the pricing engine (`cdrlib.pricing`, in `sessions.Builder`); this
module only decides where a session's charging periods begin, as a CPO's backend does: wherever the
element that prices energy, time or parking changes. For that it reads the subset of OCPI its own
tariffs use:

- restrictions ``start_time``/``end_time`` (local wall clock, end exclusive, wrapping past midnight),
  ``day_of_week`` (local), ``min_duration``/``max_duration`` (seconds since the session start);
- price components ENERGY, TIME, PARKING_TIME and FLAT, all with ``step_size`` 1.

The session model keeps step rounding trivial: energy is whole Wh in every period, and the charging
and parking totals are whole multiples of 36 s (0.01 h), so rounding up to a step of 1 Wh or 1 s
adds nothing (pricing rule 5).

Units inside: instants and durations in integer seconds, energy in Wh, volumes in 1/10,000 of their
OCPI unit (``_e4``).
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cdrlib import model
from cdrlib.demo import catalogue as cat
from cdrlib.demo.zones import ZoneTable

ENERGY, TIME, PARKING, FLAT = "ENERGY", "TIME", "PARKING_TIME", "FLAT"
_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_WORKDAYS = list(_WEEKDAYS[:5])

D = Decimal


def _pc(kind: str, price: str, vat: str) -> dict[str, Any]:
    return {"type": kind, "price": D(price), "vat": D(vat), "step_size": 1}


def _element(*components: dict[str, Any], **restrictions: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"price_components": list(components)}
    if restrictions:
        element["restrictions"] = restrictions
    return element


@dataclass(frozen=True, slots=True)
class TariffSpec:
    """One tariff version: its id, currency, elements, validity and a display text."""

    id: str
    currency: str
    elements: tuple[dict[str, Any], ...]
    text_en: str
    type: str = "REGULAR"


def specs(price_change: dt.date) -> list[tuple[TariffSpec, dt.date | None, dt.date | None]]:
    """Every tariff version with the local dates it is valid from / until (None: open).

    ``XCP-NL-AC`` has two versions: its energy prices rise on ``price_change``.
    """
    nl, be, de, gb = "21", "21", "19", "20"
    return [
        (TariffSpec(cat.T_NL_AC, "EUR", (
            _element(_pc(ENERGY, "0.40", nl), start_time="07:00", end_time="23:00"),
            _element(_pc(ENERGY, "0.30", nl)),
            _element(_pc(FLAT, "0.30", nl)),
        ), "EUR 0.40/kWh 07:00-23:00, EUR 0.30/kWh at night, EUR 0.30 per session (excl. 21% VAT)"),
         None, price_change),
        (TariffSpec(cat.T_NL_AC, "EUR", (
            _element(_pc(ENERGY, "0.50", nl), start_time="07:00", end_time="23:00"),
            _element(_pc(ENERGY, "0.40", nl)),
            _element(_pc(FLAT, "0.30", nl)),
        ), "EUR 0.50/kWh 07:00-23:00, EUR 0.40/kWh at night, EUR 0.30 per session (excl. 21% VAT)"),
         price_change, None),
        (TariffSpec(cat.T_NL_GARAGE, "EUR", (
            _element(_pc(ENERGY, "0.50", nl), start_time="07:00", end_time="23:00"),
            _element(_pc(ENERGY, "0.40", nl)),
            _element(_pc(FLAT, "0.30", nl)),
            _element(_pc(PARKING, "1.20", nl), min_duration=3 * 3600),
        ), "EUR 0.50/kWh 07:00-23:00, EUR 0.40/kWh at night, EUR 0.30 per session, EUR 1.20/h once charging "
           "has finished and the car has been plugged in for 3 hours (excl. 21% VAT)"), None, None),
        (TariffSpec(cat.T_BE_AC, "EUR", (
            _element(_pc(ENERGY, "0.50", be), start_time="08:00", end_time="20:00", day_of_week=_WORKDAYS),
            _element(_pc(ENERGY, "0.40", be)),
            _element(_pc(FLAT, "0.50", be)),
        ), "EUR 0.50/kWh on weekdays 08:00-20:00, else EUR 0.40/kWh, EUR 0.50 per session (excl. 21% VAT)"),
         None, None),
        (TariffSpec(cat.T_DE_AC, "EUR", (
            _element(_pc(ENERGY, "0.40", de), start_time="22:00", end_time="06:00"),
            _element(_pc(ENERGY, "0.50", de)),
        ), "EUR 0.50/kWh, EUR 0.40/kWh 22:00-06:00 (excl. 19% VAT)"), None, None),
        (TariffSpec(cat.T_DE_GARAGE, "EUR", (
            _element(_pc(ENERGY, "0.40", de), start_time="22:00", end_time="06:00"),
            _element(_pc(ENERGY, "0.50", de)),
            _element(_pc(PARKING, "2.40", de), min_duration=4 * 3600),
        ), "EUR 0.50/kWh, EUR 0.40/kWh 22:00-06:00, blocking fee EUR 2.40/h once charging has finished "
           "and the car has been plugged in for 4 hours (excl. 19% VAT)"), None, None),
        (TariffSpec(cat.T_EU_DC, "EUR", (
            _element(_pc(ENERGY, "0.60", nl)),
            _element(_pc(TIME, "6.00", nl), min_duration=45 * 60),
        ), "EUR 0.60/kWh, EUR 0.10/min charging after 45 minutes (excl. 21% VAT)"), None, None),
        (TariffSpec(cat.T_DE_DC, "EUR", (
            _element(_pc(ENERGY, "0.70", de)),
            _element(_pc(PARKING, "6.00", de)),
        ), "EUR 0.70/kWh, idle fee EUR 0.10/min once charging has finished (excl. 19% VAT)"), None, None),
        (TariffSpec(cat.T_GB_AC, "GBP", (
            _element(_pc(ENERGY, "0.70", gb), start_time="16:00", end_time="19:00", day_of_week=_WORKDAYS),
            _element(_pc(ENERGY, "0.50", gb)),
            _element(_pc(FLAT, "0.25", gb)),
        ), "GBP 0.70/kWh on weekdays 16:00-19:00, else GBP 0.50/kWh, GBP 0.25 per session "
           "(excl. 20% VAT)"), None, None),
        (TariffSpec(cat.T_GB_DC, "GBP", (
            _element(_pc(ENERGY, "0.80", gb)),
        ), "GBP 0.80/kWh (excl. 20% VAT)"), None, None),
        (TariffSpec(cat.T_OFFICE, "EUR", (
            _element(_pc(ENERGY, "0.30", nl)),
            _element(_pc(PARKING, "1.20", nl), min_duration=10 * 3600),
        ), "EUR 0.30/kWh, EUR 1.20/h parking after 10 hours (excl. 21% VAT)"), None, None),
        (TariffSpec(cat.T_HOME, "EUR", (
            _element(_pc(ENERGY, "0.30", nl)),
        ), "EUR 0.30/kWh (excl. 21% VAT), paid by the employer"), None, None),
        (TariffSpec(cat.T_HOME_DE, "EUR", (
            _element(_pc(ENERGY, "0.30", de)),
        ), "EUR 0.30/kWh (excl. 19% VAT), paid by the employer"), None, None),
        (TariffSpec(cat.T_ADHOC, "EUR", (
            _element(_pc(ENERGY, "0.70", nl)),
            _element(_pc(FLAT, "0.50", nl)),
        ), "EUR 0.70/kWh and EUR 0.50 per session, paid by card at the charger (excl. 21% VAT)",
            type="AD_HOC_PAYMENT"), None, None),
    ]


def document(spec: TariffSpec, start: dt.datetime | None, end: dt.datetime | None, last_updated: dt.datetime) -> str:
    """The OCPI 2.2.1 Tariff object as canonical JSON text (sorted keys, no spaces)."""
    doc: dict[str, Any] = {
        "country_code": cat.CPO_COUNTRY,
        "party_id": cat.CPO_PARTY,
        "id": spec.id,
        "currency": spec.currency,
        "type": spec.type,
        "tariff_alt_text": [{"language": "en", "text": spec.text_en}],
        "tariff_alt_url": f"https://www.xcp-charging.example/tariffs/{spec.id.lower()}",
        "elements": list(spec.elements),
        "last_updated": _stamp(last_updated),
    }
    if start is not None:
        doc["start_date_time"] = _stamp(start)
    if end is not None:
        doc["end_date_time"] = _stamp(end)
    return cat.canonical_json(doc)


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------------------------------ pricing
def _clock(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _e4(value: Decimal | int) -> int:
    scaled = Decimal(value) * 10_000
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than 4 decimals")
    return int(scaled)


@dataclass(frozen=True, slots=True)
class _Rule:
    """One element's restrictions, compiled. None: no such restriction."""

    start: int | None  # seconds after local midnight
    end: int | None  # seconds after local midnight; 86400 for an end of "00:00"
    days: frozenset[int] | None  # 0 = Monday
    min_duration: int | None
    max_duration: int | None

    def holds(self, clock: int, weekday: int, elapsed: int) -> bool:
        if self.start is not None or self.end is not None:
            start = self.start or 0
            end = 86_400 if self.end is None else self.end
            if start <= end:
                if not start <= clock < end:
                    return False
            elif end <= clock < start:  # wraps past midnight: outside is [end, start)
                return False
        if self.days is not None and weekday not in self.days:
            return False
        if self.min_duration is not None and elapsed < self.min_duration:
            return False
        return not (self.max_duration is not None and elapsed >= self.max_duration)


_SUPPORTED = {"start_time", "end_time", "day_of_week", "min_duration", "max_duration"}


class PricedTariff:
    """A tariff version compiled for the generator: per dimension, the candidate elements in order
    (rule 2), their prices and VAT, and the instants at which a restriction can change."""

    def __init__(self, tariff: model.Tariff, index: int) -> None:
        self.tariff = tariff
        self.tariffs = (tariff,)
        self.index = index
        self.id = tariff.id
        self.currency = tariff.currency
        doc = json.loads(tariff.document, parse_float=Decimal)
        if "min_price" in doc or "max_price" in doc:
            raise ValueError(f"{tariff.id}: the generator does not apply min_price / max_price")
        # dimension -> [(element index, price_e4, vat_e2, rule)]
        self.candidates: dict[str, list[tuple[int, int, int, _Rule]]] = {ENERGY: [], TIME: [], PARKING: [], FLAT: []}
        clock_times: set[int] = set()
        durations: set[int] = set()
        for n, element in enumerate(doc["elements"]):
            r = element.get("restrictions") or {}
            unknown = set(r) - _SUPPORTED
            if unknown:
                raise ValueError(f"{tariff.id}: restrictions {sorted(unknown)} are not supported by the generator")
            start = _clock(r["start_time"]) if "start_time" in r else None
            end = _clock(r["end_time"]) if "end_time" in r else None
            if end == 0:
                end = 86_400
            days = frozenset(_WEEKDAYS.index(d) for d in r["day_of_week"]) if "day_of_week" in r else None
            rule = _Rule(start, end, days, r.get("min_duration"), r.get("max_duration"))
            for value in (start, end):
                if value is not None:
                    clock_times.add(value % 86_400)
            if days is not None:
                clock_times.add(0)
            for value in (rule.min_duration, rule.max_duration):
                if value is not None:
                    durations.add(int(value))
            for pc in element["price_components"]:
                if pc.get("step_size", 1) != 1:
                    raise ValueError(f"{tariff.id}: the generator prices step_size 1 only")
                if pc.get("vat") is None:
                    raise ValueError(f"{tariff.id}: the generator needs a VAT rate on every component")
                vat_e2 = int(Decimal(pc["vat"]) * 100)
                self.candidates[pc["type"]].append((n, _e4(pc["price"]), vat_e2, rule))
        self.clock_times = tuple(sorted(clock_times))
        self.durations = tuple(sorted(durations))
        # Fast path: a dimension whose first candidate has no restriction is always priced by it.
        self._fixed = {
            dim: (c[0] if c and c[0][3] == _NO_RULE else None) for dim, c in self.candidates.items()
        }
        self.static = all(
            self._fixed[dim] is not None or not self.candidates[dim] for dim in (ENERGY, TIME, PARKING)
        )

    def select(self, dim: str, clock: int, weekday: int, elapsed: int) -> tuple[int, int, int, _Rule] | None:
        """The element pricing ``dim`` at a period start (rule 2); None: the dimension is free."""
        fixed = self._fixed[dim]
        if fixed is not None:
            return fixed
        for candidate in self.candidates[dim]:
            if candidate[3].holds(clock, weekday, elapsed):
                return candidate
        return None


_NO_RULE = _Rule(None, None, None, None, None)


Period = tuple[int, int | None, int | None, int | None]  # start s, energy_e4, time_e4, parking_e4 (None: absent)


def split_session(
    pt: PricedTariff, zone: ZoneTable, clock_table: Sequence[tuple[int, ...]], start: int, charged: int, end: int,
    wh: int
) -> tuple[Period, ...]:
    """Split the session ``start`` .. ``end`` (charging until ``charged``, then parking) into charging
    periods wherever its price can change.

    ``clock_table``: ``zone.clock_instants(pt.clock_times)``. Periods are split at the end of
    charging, at ``start`` + every min/max duration of the tariff, and at every local wall-clock
    time a restriction names (and local midnight for day-of-week restrictions), then merged again
    where the priced elements do not change. Energy (Wh) is spread over the charging periods in
    proportion to their time, as cumulative values rounded at each boundary, so that the periods add
    up exactly to the session's totals.
    """
    cuts = set()
    if start < charged < end:
        cuts.add(charged)
    for d in pt.durations:
        if start < start + d < end:
            cuts.add(start + d)
    if clock_table:
        first = zone.day_of(start)
        last = zone.day_of(end)
        margin = zone.MARGIN_DAYS
        for day in range(first, last + 1):
            for t in clock_table[day + margin]:
                if start < t < end:
                    cuts.add(t)
    bounds = sorted(cuts)
    bounds.append(end)

    # Walk the pieces; each piece's priced elements are decided at its start (rule 3), and a new
    # period opens only where they change (FLAT does not split: it is charged once, rule 4).
    periods: list[Period] = []
    charge_s = charged - start
    static = pt.static
    open_sel: tuple[Any, ...] | None = None
    open_start = piece_start = start
    for piece_end in bounds:
        charging = piece_start < charged
        if static:
            sel = _selection(pt, charging, 0, 0, 0)
        else:
            clock, weekday = zone.local(piece_start)
            sel = _selection(pt, charging, clock, weekday, piece_start - start)
        if open_sel is None:
            open_sel = sel
        elif sel[:3] != open_sel[:3]:
            periods.append(_period(open_sel[0], open_start, piece_start, start, charge_s, wh))
            open_start, open_sel = piece_start, sel
        piece_start = piece_end
    assert open_sel is not None
    periods.append(_period(open_sel[0], open_start, end, start, charge_s, wh))
    return tuple(periods)


def _selection(pt: PricedTariff, charging: bool, clock: int, weekday: int, elapsed: int) -> tuple[Any, ...]:
    """(charging?, element for ENERGY or PARKING, element for TIME, element for FLAT)."""
    if charging:
        return (
            True,
            pt.select(ENERGY, clock, weekday, elapsed),
            pt.select(TIME, clock, weekday, elapsed),
            pt.select(FLAT, clock, weekday, elapsed),
        )
    return (False, pt.select(PARKING, clock, weekday, elapsed), None, pt.select(FLAT, clock, weekday, elapsed))


def _hours_e4(seconds: int) -> int:
    """Seconds as hours in 1/10,000, rounded half up."""
    return (seconds * 10_000 + 1_800) // 3_600


def _period(charging: bool, a: int, b: int, start: int, charge_s: int, wh: int) -> Period:
    """The period [a, b): while charging its energy and time, after charging its parking time."""
    hours = _hours_e4(b - start) - _hours_e4(a - start)
    if charging:
        half = charge_s // 2
        energy = ((wh * (b - start) + half) // charge_s - (wh * (a - start) + half) // charge_s) * 10
        return (a, energy, hours, None)
    return (a, None, None, hours)


# --------------------------------------------------------------------------------------- catalogue
@dataclass(frozen=True, slots=True)
class TariffBook:
    """Every tariff version of a run, compiled, and how to find the one valid at an instant."""

    priced: tuple[PricedTariff, ...]
    by_id: dict[str, tuple[tuple[int, int, PricedTariff], ...]]  # id -> (valid from s, until s, version)

    def at(self, tariff_id: str, instant: int) -> PricedTariff:
        for valid_from, until, pt in self.by_id[tariff_id]:
            if valid_from <= instant < until:
                return pt
        raise LookupError(f"no version of tariff {tariff_id} at {instant}")


def book(first_day: dt.date, price_change: dt.date) -> TariffBook:
    """The tariff versions for a run starting ``first_day``. Validity instants are local midnight in
    Europe/Amsterdam (the CPO's home zone); ``last_updated`` two weeks before a version starts."""
    home = zoneinfo.ZoneInfo("Europe/Amsterdam")
    published = dt.datetime.combine(first_day - dt.timedelta(days=400), dt.time(9, 0), home).astimezone(dt.UTC)
    priced: list[PricedTariff] = []
    by_id: dict[str, list[tuple[int, int, PricedTariff]]] = {}
    far = 2**62
    for spec, valid_from, valid_until in specs(price_change):
        start = None if valid_from is None else dt.datetime.combine(valid_from, dt.time(), home).astimezone(dt.UTC)
        end = None if valid_until is None else dt.datetime.combine(valid_until, dt.time(), home).astimezone(dt.UTC)
        last_updated = published if start is None else start - dt.timedelta(days=14)
        tariff = model.Tariff(
            country_code=cat.CPO_COUNTRY,
            party_id=cat.CPO_PARTY,
            id=spec.id,
            currency=spec.currency,
            last_updated=last_updated,
            document=document(spec, start, end, last_updated),
            type=spec.type,
            start_date_time=start,
            end_date_time=end,
        )
        pt = PricedTariff(tariff, len(priced))
        priced.append(pt)
        by_id.setdefault(spec.id, []).append(
            (-far if start is None else int(start.timestamp()), far if end is None else int(end.timestamp()), pt)
        )
    return TariffBook(tuple(priced), {k: tuple(v) for k, v in by_id.items()})
