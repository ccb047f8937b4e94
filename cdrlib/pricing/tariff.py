"""An OCPI tariff compiled for pricing: per dimension, its candidate price components in element order.

OCPI 2.2.1 mod_tariffs, *Tariff object*: "When the list of Tariff Elements contains more than one
Element with the same Tariff Dimension (ENERGY/FLAT/TIME etc.), then the first Tariff Element with that
Dimension in the list with matching Tariff Restrictions will be used." Compiling a tariff document once
turns that rule into a short list per dimension (`CompiledTariff.candidates`) of (restrictions,
component) pairs to try in order.

Shapes read: 2.2.1 and 2.1.1 (``vat`` absent: no VAT known) and 2.3.0 (``min_price`` / ``max_price`` as
``PriceLimit`` with ``before_taxes`` / ``after_taxes``). Anything the engine cannot apply raises
`UnpriceableError`, so that no tariff is priced with a rule silently ignored.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cdrlib import model
from cdrlib.errors import UnpriceableError

ENERGY, TIME, PARKING_TIME, FLAT, RESERVATION_TIME = "ENERGY", "TIME", "PARKING_TIME", "FLAT", "RESERVATION_TIME"
WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
COMPONENT_TYPES = (ENERGY, FLAT, PARKING_TIME, TIME)

# Candidate lists of a compiled tariff. Reservation elements (restriction ``reservation``) only price
# reservation time (their TIME component) and their own fixed fee (FLAT); OCPI 2.2.1 mod_tariffs,
# ReservationRestrictionType: "A reservation can only have: FLAT and TIME TariffDimensions, where TIME
# is for the duration of the reservation."
RES_TIME, RES_FLAT = "RESERVATION:TIME", "RESERVATION:FLAT"
RESX_TIME, RESX_FLAT = "RESERVATION_EXPIRES:TIME", "RESERVATION_EXPIRES:FLAT"

# Category of the CDR totals a component's cost counts towards (OCPI 2.2.1 mod_cdrs, CDR object:
# total_fixed_cost "except fixed price components of parking and reservation").
CAT_ENERGY, CAT_TIME, CAT_PARKING, CAT_FIXED, CAT_RESERVATION = "energy", "time", "parking", "fixed", "reservation"
CATEGORIES = (CAT_ENERGY, CAT_TIME, CAT_PARKING, CAT_FIXED, CAT_RESERVATION)

_KNOWN_RESTRICTIONS = frozenset({
    "start_time", "end_time", "start_date", "end_date", "min_kwh", "max_kwh", "min_current", "max_current",
    "min_power", "max_power", "min_duration", "max_duration", "day_of_week", "reservation",
})  # fmt: skip
DAY_S = 86_400


@dataclass(frozen=True, slots=True)
class Component:
    """One OCPI PriceComponent with where it came from. ``vat`` None: no VAT known (not 0 %)."""

    type: str
    price: Decimal
    vat: Decimal | None
    step_size: int
    element: int  # index in the tariff's ``elements``
    category: str  # which CDR total its cost counts towards
    slot: int  # index of ``category`` in `CATEGORIES`


@dataclass(frozen=True, slots=True)
class Facts:
    """What the restrictions are tested against, at the start of one charging period."""

    clock: int  # seconds after local midnight (wall clock)
    date: dt.date  # local date
    weekday: int  # 0 = Monday, local
    elapsed: Decimal  # seconds since the session start
    energy_before: Decimal  # kWh charged in the session before this period
    charging_period: model.ChargingPeriod  # its power and current dimensions
    period: int  # index, for messages


@dataclass(frozen=True, slots=True)
class Restrictions:
    """One element's restrictions, compiled; every one present must hold (AND).

    pricing.md rule 3: times and dates are local, start inclusive, end exclusive; an end time before
    the start wraps past midnight and ``00:00`` as an end is midnight at the end of the day; kWh,
    duration, power and current: min inclusive, max exclusive.
    """

    start_s: int | None = None
    end_s: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    days: frozenset[int] | None = None
    reservation: str | None = None

    @property
    def local(self) -> bool:
        """Whether testing needs the local wall clock or date."""
        return (
            self.start_s is not None or self.end_s is not None or self.start_date is not None
            or self.end_date is not None or self.days is not None
        )

    def holds(self, f: Facts) -> bool:
        if self.start_s is not None or self.end_s is not None:
            start = self.start_s or 0
            end = DAY_S if self.end_s is None else self.end_s
            if start <= end:
                if not start <= f.clock < end:
                    return False
            elif end <= f.clock < start:  # wraps past midnight: outside is [end, start)
                return False
        if self.start_date is not None and f.date < self.start_date:
            return False
        if self.end_date is not None and f.date >= self.end_date:
            return False
        if self.days is not None and f.weekday not in self.days:
            return False
        if self.min_kwh is not None and f.energy_before < self.min_kwh:
            return False
        if self.max_kwh is not None and f.energy_before >= self.max_kwh:
            return False
        if self.min_duration is not None and f.elapsed < self.min_duration:
            return False
        if self.max_duration is not None and f.elapsed >= self.max_duration:
            return False
        if (self.min_power is not None or self.max_power is not None) and not _in_range(
            f, "MIN_POWER", "MAX_POWER", self.min_power, self.max_power, "power (kW)"
        ):
            return False
        return (self.min_current is None and self.max_current is None) or _in_range(
            f, "MIN_CURRENT", "MAX_CURRENT", self.min_current, self.max_current, "current (A)"
        )


def _in_range(f: Facts, low_dim: str, high_dim: str, low: Decimal | None, high: Decimal | None, what: str) -> bool:
    """min_power / max_power (and current) against the period's MIN_ / MAX_ dimensions.

    pricing.md rule 3: ``min_*`` is tested against the period's MIN_ dimension (inclusive), ``max_*``
    against its MAX_ dimension (exclusive); where the period gives only one of the two, that one serves
    both. A period with neither cannot be tested: the CDR cannot be priced, rather than priced wrong.
    """
    lo = getattr(f.charging_period, low_dim.lower())
    hi = getattr(f.charging_period, high_dim.lower())
    if lo is None and hi is None:
        raise UnpriceableError(
            f"charging period {f.period + 1} has no {low_dim} / {high_dim}, but the tariff restricts the {what}"
        )
    lo = hi if lo is None else lo
    hi = lo if hi is None else hi
    if low is not None and lo < low:
        return False
    return not (high is not None and hi >= high)


ALWAYS = Restrictions()


@dataclass(frozen=True, slots=True)
class Limit:
    """min_price / max_price: excl. and incl. VAT apply separately; either may be absent."""

    excl_vat: Decimal | None
    incl_vat: Decimal | None


@dataclass(frozen=True, slots=True)
class CompiledTariff:
    """A tariff version ready to price with. ``candidates``: key -> ((restrictions, component), ...)."""

    tariff: model.Tariff
    candidates: dict[str, tuple[tuple[Restrictions, Component], ...]]
    min_price: Limit | None
    max_price: Limit | None
    local: bool  # some restriction needs local time
    restricted: bool  # some element has restrictions
    tax_included: str | None = None  # OCPI 2.3.0: YES (prices include tax), NO, N/A (no tax applies)

    @property
    def id(self) -> str:
        return self.tariff.id

    @property
    def currency(self) -> str:
        return self.tariff.currency

    def first(self, key: str, facts: Facts) -> Component | None:
        """pricing.md rule 2: the first element, in list order, with a component of this kind whose
        restrictions all hold; None: the dimension is free in this period."""
        for restrictions, component in self.candidates.get(key, ()):
            if restrictions is ALWAYS or restrictions.holds(facts):
                return component
        return None

    def valid_at(self, instant: dt.datetime) -> bool:
        """pricing.md rule 1: ``start_date_time`` <= instant < ``end_date_time`` (both optional)."""
        t = self.tariff
        if t.start_date_time is not None and instant < t.start_date_time:
            return False
        return not (t.end_date_time is not None and instant >= t.end_date_time)


@functools.lru_cache(maxsize=4096)
def compile_tariff(tariff: model.Tariff) -> CompiledTariff:
    """Compile one tariff version (cached: a tariff object is compiled once per process, and its
    document text once whatever object carries it)."""
    return CompiledTariff(tariff, *_compile(tariff.document))


def _vat(pc: dict[str, Any], tariff_id: str, index: int, tax_included: str | None) -> Decimal | None:
    if tax_included == "N/A":
        return Decimal(0)  # OCPI 2.3.0 TaxIncluded N/A: "No taxes are applicable to this Tariff"
    return None if pc.get("vat") is None else _decimal(pc["vat"], tariff_id, index, "vat")


@functools.lru_cache(maxsize=4096)
def _compile(
    document: str,
) -> tuple[
    dict[str, tuple[tuple[Restrictions, Component], ...]], Limit | None, Limit | None, bool, bool, str | None
]:
    doc = json.loads(document, parse_float=Decimal, parse_int=Decimal)
    tariff_id = doc.get("id", "?")
    elements = doc.get("elements")
    if not isinstance(elements, list) or not elements:
        raise UnpriceableError(f"tariff {tariff_id} has no elements")
    candidates: dict[str, list[tuple[Restrictions, Component]]] = {}
    tax_included = doc.get("tax_included")
    local = restricted = False
    for index, element in enumerate(elements):
        restrictions = _restrictions(tariff_id, index, element.get("restrictions") or {})
        local = local or restrictions.local
        restricted = restricted or restrictions is not ALWAYS
        components = element.get("price_components") or []
        types = {pc.get("type") for pc in components}
        for pc in components:
            kind = pc.get("type")
            if kind not in COMPONENT_TYPES:
                raise UnpriceableError(
                    f"tariff {tariff_id} elements[{index}] has a price component of type {kind!r}, "
                    f"which the engine does not support (supported: {', '.join(COMPONENT_TYPES)})"
                )
            category = _category(kind, restrictions, types)
            price = _decimal(pc.get("price"), tariff_id, index, "price")
            vat = _vat(pc, tariff_id, index, tax_included)
            if tax_included == "YES":
                # OCPI 2.3.0: the price includes the tax; the engine works before tax and adds it.
                if vat is None:
                    raise UnpriceableError(
                        f"tariff {tariff_id} states its prices including taxes (tax_included YES) but "
                        f"elements[{index}] gives no VAT rate: the amount before taxes cannot be derived"
                    )
                with decimal.localcontext(decimal.Context(prec=60)):
                    price = price * 100 / (100 + vat)
            component = Component(
                type=kind,
                price=price,
                vat=vat,
                step_size=_step(pc.get("step_size"), tariff_id, index),
                element=index,
                category=category,
                slot=CATEGORIES.index(category),
            )
            for key in _keys(kind, restrictions, tariff_id, index):
                candidates.setdefault(key, []).append((restrictions, component))
    return (
        {k: tuple(v) for k, v in candidates.items()},
        _limit(doc.get("min_price")),
        _limit(doc.get("max_price")),
        local,
        restricted,
        tax_included,
    )


def _keys(kind: str, r: Restrictions, tariff_id: str, index: int) -> tuple[str, ...]:
    if r.reservation is None:
        return (kind,)
    if kind not in (TIME, FLAT):
        raise UnpriceableError(
            f"tariff {tariff_id} elements[{index}] is a reservation element with a {kind} component; "
            "OCPI allows only FLAT and TIME in a reservation element"
        )
    if r.reservation == "RESERVATION":
        return (RES_TIME if kind == TIME else RES_FLAT,)
    return (RESX_TIME if kind == TIME else RESX_FLAT,)


def _category(kind: str, r: Restrictions, types: set[Any]) -> str:
    """The CDR total a component counts towards. FLAT is fixed cost, except in a reservation element
    (reservation cost) and in an element that prices only parking (a fixed part of parking)."""
    if r.reservation is not None:
        return CAT_RESERVATION
    if kind == ENERGY:
        return CAT_ENERGY
    if kind == TIME:
        return CAT_TIME
    if kind == PARKING_TIME:
        return CAT_PARKING
    if PARKING_TIME in types and not types & {ENERGY, TIME}:
        return CAT_PARKING
    return CAT_FIXED


def _restrictions(tariff_id: str, index: int, r: dict[str, Any]) -> Restrictions:
    if not r:
        return ALWAYS
    unknown = set(r) - _KNOWN_RESTRICTIONS
    if unknown:
        raise UnpriceableError(
            f"tariff {tariff_id} elements[{index}] has restriction(s) {', '.join(sorted(unknown))}, "
            "which the engine does not support"
        )

    def clock(name: str) -> int | None:
        text = r.get(name)
        if text is None:
            return None
        try:
            hours, minutes = str(text).split(":")
            value = int(hours) * 3600 + int(minutes) * 60
        except ValueError:
            raise UnpriceableError(f"tariff {tariff_id} elements[{index}] {name} {text!r} is not HH:MM") from None
        if not 0 <= value < DAY_S:
            raise UnpriceableError(f"tariff {tariff_id} elements[{index}] {name} {text!r} is not HH:MM")
        return value

    def date(name: str) -> dt.date | None:
        text = r.get(name)
        if text is None:
            return None
        try:
            return dt.date.fromisoformat(str(text))
        except ValueError:
            raise UnpriceableError(
                f"tariff {tariff_id} elements[{index}] {name} {text!r} is not YYYY-MM-DD"
            ) from None

    def number(name: str) -> Decimal | None:
        value = r.get(name)
        return None if value is None else _decimal(value, tariff_id, index, name)

    start_s = clock("start_time")
    end_s = clock("end_time")
    if end_s == 0:
        end_s = DAY_S  # "00:00" as an end: midnight at the end of the day (00:00-00:00 is the whole day)
    days = r.get("day_of_week")
    if days is not None:
        try:
            day_set: frozenset[int] | None = frozenset(WEEKDAYS.index(str(d)) for d in days)
        except ValueError:
            raise UnpriceableError(f"tariff {tariff_id} elements[{index}] day_of_week {days!r} is not valid") from None
    else:
        day_set = None
    min_duration = number("min_duration")
    max_duration = number("max_duration")
    reservation = r.get("reservation")
    if reservation is not None and reservation not in ("RESERVATION", "RESERVATION_EXPIRES"):
        raise UnpriceableError(f"tariff {tariff_id} elements[{index}] reservation {reservation!r} is not supported")
    return Restrictions(
        start_s=start_s,
        end_s=end_s,
        start_date=date("start_date"),
        end_date=date("end_date"),
        min_kwh=number("min_kwh"),
        max_kwh=number("max_kwh"),
        min_duration=None if min_duration is None else int(min_duration),
        max_duration=None if max_duration is None else int(max_duration),
        min_power=number("min_power"),
        max_power=number("max_power"),
        min_current=number("min_current"),
        max_current=number("max_current"),
        days=day_set,
        reservation=reservation,
    )


def _decimal(value: Any, tariff_id: str, index: int, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise UnpriceableError(f"tariff {tariff_id} elements[{index}] {name} {value!r} is not a number")
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise UnpriceableError(f"tariff {tariff_id} elements[{index}] {name} {value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise UnpriceableError(f"tariff {tariff_id} elements[{index}] {name} {value!r} is not a number >= 0")
    return number


def _step(value: Any, tariff_id: str, index: int) -> int:
    if value is None:
        return 1
    number = _decimal(value, tariff_id, index, "step_size")
    if number != number.to_integral_value():
        raise UnpriceableError(f"tariff {tariff_id} elements[{index}] step_size {value!r} is not a whole number")
    return int(number)


def _limit(value: Any) -> Limit | None:
    """A 2.2.1 Price (``excl_vat``/``incl_vat``) or 2.3.0 PriceLimit (``before_taxes``/``after_taxes``)."""
    if not isinstance(value, dict):
        return None
    excl = value.get("excl_vat", value.get("before_taxes"))
    incl = value.get("incl_vat", value.get("after_taxes"))
    if excl is None and incl is None:
        return None
    return Limit(None if excl is None else Decimal(excl), None if incl is None else Decimal(incl))


# The dimensions whose price the Full download shows (exports.md columns 27-30), in that order.
START_PRICE_TYPES = (FLAT, ENERGY, TIME, PARKING_TIME)
_PRICE_E4 = Decimal("0.0001")


def start_prices(compiled: CompiledTariff, day: dt.date) -> list[tuple[int, tuple[Decimal | None, ...]]]:
    """The excl.-VAT price of each of `START_PRICE_TYPES` that applies to a session starting on local
    ``day``, as ``[(from_second, prices), ...]``: the price for a start at local second ``s`` of the day is
    that of the last ``from_second <= s`` (the first entry is at 0).

    A price is that of the first element whose restrictions hold at the very start (pricing.md rules 2
    and 3, with no energy charged and no time elapsed yet), rounded to 4 decimals; None where no element
    applies, or where the answer depends on the power or current, which a start does not know. Times of
    day are the only restrictions that change within a day, so the day is cut at their bounds.
    """
    bounds = {0}
    for candidates in compiled.candidates.values():
        for r, _ in candidates:
            bounds.update(b for b in (r.start_s, r.end_s) if b is not None and 0 <= b < DAY_S)
    empty = model.ChargingPeriod(dt.datetime.combine(day, dt.time(), dt.UTC))
    out: list[tuple[int, tuple[Decimal | None, ...]]] = []
    for second in sorted(bounds):
        facts = Facts(second, day, day.weekday(), Decimal(0), Decimal(0), empty, 0)
        prices = tuple(_start_price(compiled, kind, facts) for kind in START_PRICE_TYPES)
        if not out or out[-1][1] != prices:
            out.append((second, prices))
    return out


def _start_price(compiled: CompiledTariff, kind: str, facts: Facts) -> Decimal | None:
    for restrictions, component in compiled.candidates.get(kind, ()):
        try:
            holds = restrictions is ALWAYS or restrictions.holds(facts)
        except UnpriceableError:  # a power or current restriction: unknown at the start
            return None
        if holds:
            return component.price.quantize(_PRICE_E4, rounding=decimal.ROUND_HALF_UP)
    return None
