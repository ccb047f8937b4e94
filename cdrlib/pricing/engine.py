"""Price a CDR's charging periods with its OCPI tariffs, and explain every line of the result.

The rules are `spec/pricing.md`, which follows OCPI 2.2.1 mod_tariffs and mod_cdrs (numbers in the
comments refer to its rules). Arithmetic is exact: every cost is kept as a numerator over 3,600
(energy: kWh x price x 3600; time: seconds x price; FLAT: price x 3600; incl. VAT additionally x
(100 + vat) over 100), so that hours given in seconds and step-size extras divide only once, when each
total is rounded half up to 4 decimals at the end (rule 9).
"""

from __future__ import annotations

import datetime as dt
import decimal
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from cdrlib import model
from cdrlib.errors import UnpriceableError
from cdrlib.pricing import tariff as tf
from cdrlib.pricing.tariff import (
    CAT_ENERGY,
    CAT_FIXED,
    CAT_PARKING,
    CAT_RESERVATION,
    CAT_TIME,
    CATEGORIES,
    ENERGY,
    FLAT,
    PARKING_TIME,
    RESERVATION_TIME,
    TIME,
    CompiledTariff,
    Component,
    Facts,
)

_S = Decimal(3600)  # the common denominator of the numerators (seconds per hour)
_VAT_S = Decimal(360_000)  # ... and of the incl.-VAT numerators (3600 x 100)
_E4 = Decimal("0.0001")
_ZERO = Decimal(0)
_ONE = Decimal(1)
_KWH_WH = Decimal(1000)
_CTX = decimal.Context(prec=60, rounding=ROUND_HALF_UP)  # wide enough that products never round


@dataclass(frozen=True, slots=True)
class Amount:
    """A cost excl. and incl. VAT; ``incl_vat`` None where no VAT is known (rule 6)."""

    excl_vat: Decimal
    incl_vat: Decimal | None


@dataclass(frozen=True, slots=True)
class Line:
    """How one dimension of one charging period was priced.

    ``element`` / ``component`` None: no element matched, the dimension is free in this period (rule 2).
    Volumes are in the dimension's OCPI unit (kWh, hours; 1 for FLAT). ``step_extra`` is what step-size
    rounding added to this line (rule 5); ``billed_volume`` = ``volume`` + ``step_extra``. ``cost`` is
    rounded to 4 decimals for reading; the totals are summed before rounding.
    """

    period: int  # 0-based index in the CDR's charging_periods
    dimension: str  # ENERGY, TIME, PARKING_TIME, RESERVATION_TIME or FLAT
    tariff_id: str
    element: int | None
    component: str | None
    price: Decimal | None
    vat: Decimal | None
    step_size: int | None
    volume: Decimal
    billed_volume: Decimal
    step_extra: Decimal
    category: str | None  # the CDR total it counts towards; None for a free line
    _excl: Decimal = Decimal(0)  # the cost excl. VAT x 3600 (exact)
    _incl: Decimal | None = Decimal(0)  # the cost incl. VAT x 360000 (exact); None: no VAT known

    @property
    def cost(self) -> Amount:
        """The line's cost, rounded half up to 4 decimals (computed when read: the totals do not need it)."""
        return Amount(_round(self._excl, _S), None if self._incl is None else _round(self._incl, _VAT_S))


@dataclass(frozen=True, slots=True)
class Pricing:
    """The recomputed totals of one CDR and their explanation."""

    currency: str
    time_zone: str
    tariff_ids: tuple[str, ...]  # the tariffs used, in order of first use
    total_cost: Amount
    total_energy_cost: Amount
    total_time_cost: Amount
    total_parking_cost: Amount
    total_fixed_cost: Amount
    total_reservation_cost: Amount
    total_energy: Decimal  # kWh
    total_time: Decimal  # hours of the TIME and PARKING_TIME dimensions (OCPI total_time when the periods carry them)
    total_parking_time: Decimal  # hours
    total_reservation_time: Decimal  # hours
    lines: tuple[Line, ...]
    notes: tuple[str, ...]  # session-level adjustments (min_price / max_price), in words


class _Open:
    """A line while the session is being priced (mutable until step size is applied)."""

    __slots__ = ("category", "component", "dimension", "extra", "period", "tariff_id", "volume")

    def __init__(self, period: int, dimension: str, tariff_id: str, component: Component | None, volume: Decimal):
        self.period = period
        self.dimension = dimension
        self.tariff_id = tariff_id
        self.component = component
        self.volume = volume  # OCPI unit
        self.extra = _ZERO  # OCPI unit
        self.category = None if component is None else component.category


def price(
    start: dt.datetime,
    end: dt.datetime,
    periods: Sequence[model.ChargingPeriod],
    tariffs: Sequence[model.Tariff],
    time_zone: str,
    *,
    currency: str | None = None,
) -> Pricing:
    """Price a session's charging periods (OCPI 2.2.1 mod_cdrs ChargingPeriod) with its tariffs.

    ``tariffs``: the candidates in list order (the CDR's own, else the store's). ``time_zone``: the
    location's IANA zone, in which restriction times, dates and weekdays are read. ``currency``: the
    CDR's, checked against the tariffs'. Raises `UnpriceableError` with the reason when the session
    cannot be priced.
    """
    if not periods:
        raise UnpriceableError("the CDR has no charging periods")
    if not tariffs:
        raise UnpriceableError("no tariff: the CDR carries none and none was given")
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UnpriceableError(f"unknown time zone {time_zone!r}") from None
    compiled = [tf.compile_tariff(t) for t in tariffs]
    default: CompiledTariff | None = None

    with decimal.localcontext(_CTX):
        # Reservation that is not followed by charging is an expired reservation: its time is priced
        # by RESERVATION_EXPIRES elements first (OCPI 2.2.1 mod_tariffs, ReservationRestrictionType).
        charged = any((p.energy or _ZERO) > 0 or (p.time or _ZERO) > 0 for p in periods)
        res_time_keys = (tf.RES_TIME,) if charged else (tf.RESX_TIME, tf.RES_TIME)
        res_flat_keys = (tf.RES_FLAT,) if charged else (tf.RESX_FLAT, tf.RES_FLAT)

        lines: list[_Open] = []
        used: list[CompiledTariff] = []
        named: dict[str, CompiledTariff] = {}
        energy_before = _ZERO
        flat_done = res_flat_done = False
        for index, period in enumerate(periods):
            tariff_id = period.tariff_id
            if tariff_id:
                tariff = named.get(tariff_id)
                if tariff is None:
                    tariff = named[tariff_id] = _named(compiled, tariff_id, start, index)
            else:
                if default is None:
                    default = _valid_at_start(compiled, start)
                tariff = default
            if tariff not in used:
                used.append(tariff)
            energy, time, parking = period.energy, period.time, period.parking_time
            facts = (
                _facts(tariff, zone, period, start, energy_before, index) if tariff.restricted else _NO_FACTS
            )
            if energy is not None:
                lines.append(_Open(index, ENERGY, tariff.id, tariff.first(ENERGY, facts), energy))
                energy_before += energy
            if time is not None:
                lines.append(_Open(index, TIME, tariff.id, tariff.first(TIME, facts), time))
            if parking is not None:
                lines.append(_Open(index, PARKING_TIME, tariff.id, tariff.first(PARKING_TIME, facts), parking))
            reservation = period.reservation_time
            if reservation is not None:
                component = _first(tariff, res_time_keys, facts)
                lines.append(_Open(index, RESERVATION_TIME, tariff.id, component, reservation))
                if not res_flat_done:
                    component = _first(tariff, res_flat_keys, facts)
                    if component is not None:
                        lines.append(_Open(index, FLAT, tariff.id, component, _ONE))
                        res_flat_done = True
            # rule 4: FLAT once per session, the first time it is active (not in a pure reservation period).
            if not flat_done and (energy is not None or time is not None or parking is not None):
                component = tariff.first(FLAT, facts)
                if component is not None:
                    lines.append(_Open(index, FLAT, tariff.id, component, _ONE))
                    flat_done = True

        currencies = {t.currency for t in used}
        if len(currencies) > 1:
            shown = ", ".join(sorted(currencies))
            raise UnpriceableError(f"the periods are priced by tariffs in different currencies ({shown})")
        tariff_currency = used[0].currency
        if currency is not None and currency != tariff_currency:
            raise UnpriceableError(f"the CDR is in {currency}, its tariff {used[0].id} in {tariff_currency}")

        _step_energy(lines)
        _step_time(lines)
        _step_reservation(lines)
        return _totals(lines, used, time_zone, periods)


def _first(tariff: CompiledTariff, keys: tuple[str, ...], facts: Facts) -> Component | None:
    for key in keys:
        component = tariff.first(key, facts)
        if component is not None:
            return component
    return None


def _named(compiled: list[CompiledTariff], tariff_id: str, start: dt.datetime, index: int) -> CompiledTariff:
    """Rule 1: a period's ``tariff_id`` names its tariff; of several versions, the one valid at the
    session start, else the first. OCPI ids are case-insensitive (CiString)."""
    wanted = tariff_id.casefold()
    same = [c for c in compiled if c.id.casefold() == wanted]
    if not same:
        known = ", ".join(sorted({c.id for c in compiled}))
        raise UnpriceableError(
            f"charging period {index + 1} names tariff {tariff_id!r}, which is not among the tariffs given ({known})"
        )
    for candidate in same:
        if candidate.valid_at(start):
            return candidate
    return same[0]


def _valid_at_start(compiled: list[CompiledTariff], start: dt.datetime) -> CompiledTariff:
    """Rule 1: without a ``tariff_id``, the first tariff in list order valid at the session start."""
    for candidate in compiled:
        if candidate.valid_at(start):
            return candidate
    ids = ", ".join(sorted({c.id for c in compiled}))
    raise UnpriceableError(f"none of the tariffs ({ids}) is valid at the session start {start.isoformat()}")


def _facts(
    tariff: CompiledTariff, zone: zoneinfo.ZoneInfo, period: model.ChargingPeriod, start: dt.datetime,
    energy_before: Decimal, index: int,
) -> Facts:
    """Rule 3: restrictions are evaluated at the start of each charging period, local time at the location.
    ``energy_before``: kWh charged before this period."""
    at = period.start_date_time
    elapsed = Decimal((at - start) // _MICROSECOND) / 1_000_000
    if tariff.local:
        local = at.astimezone(zone)
        clock = local.hour * 3600 + local.minute * 60 + local.second
        return Facts(clock, local.date(), local.weekday(), elapsed, energy_before, period, index)
    return Facts(0, _EPOCH, 0, elapsed, energy_before, period, index)


_MICROSECOND = dt.timedelta(microseconds=1)
_EPOCH = dt.date(1970, 1, 1)
# For a tariff without restrictions: never read.
_NO_FACTS = Facts(0, _EPOCH, 0, _ZERO, _ZERO, model.ChargingPeriod(dt.datetime(1970, 1, 1, tzinfo=dt.UTC)), 0)


def _step_energy(lines: list[_Open]) -> None:
    """Rule 5, ENERGY: the session's billable energy (Wh, the periods a component priced) is rounded up
    to a multiple of the step size of the last ENERGY component used; the extra is billed on that last
    line, at its price. OCPI 2.2.1 mod_cdrs, step_size: "once per session", "the total amount of a
    certain unit used during a session, not only the last ChargingPeriod"."""
    last = None
    total = _ZERO
    for line in lines:
        if line.dimension == ENERGY and line.component is not None:
            total += line.volume
            if line.volume > 0:
                last = line
    _round_up(last, total * _KWH_WH, _KWH_WH)


def _step_time(lines: list[_Open]) -> None:
    """Rule 5, TIME and PARKING_TIME: their billable total (seconds) is rounded with the step size of the
    last paid time-based component (a free last period does not decide it); when parking follows
    charging and the last paid component is parking, only the parking time is rounded (OCPI 2.2.1
    mod_cdrs: "step_size is only taken into account for the total parking duration"; 2.3.0: "the total
    of billable parking time")."""
    last = None
    charging = parking = _ZERO
    for line in lines:
        if line.component is None:
            continue
        if line.dimension == TIME:
            charging += line.volume
        elif line.dimension == PARKING_TIME:
            parking += line.volume
        else:
            continue
        if line.volume > 0:
            last = line
    if last is None:
        return
    hours = parking if last.dimension == PARKING_TIME and charging > 0 else charging + parking
    _round_up(last, hours * _S, _S)


def _step_reservation(lines: list[_Open]) -> None:
    """Rule 5 for reservation time (priced by a reservation element's TIME component): its total is
    rounded up with the step size of the last one used (OCPI 2.2.1 mod_tariffs, reservation example:
    "billed per 5 minutes ... 15 minutes of reservation")."""
    last = None
    hours = _ZERO
    for line in lines:
        if line.dimension == RESERVATION_TIME and line.component is not None:
            hours += line.volume
            if line.volume > 0:
                last = line
    _round_up(last, hours * _S, _S)


def _round_up(last: _Open | None, amount: Decimal, unit: Decimal) -> None:
    """Bill ``amount`` (in step units: Wh or seconds) up to a multiple of ``last``'s step size; the
    extra goes on ``last``, in its OCPI unit (``amount / unit``)."""
    if last is None or last.component is None or last.component.step_size <= 0:
        return
    step = last.component.step_size
    billed = (amount / step).to_integral_value(rounding=ROUND_CEILING) * step
    last.extra = (billed - amount) / unit


def _numerator(line: _Open) -> Decimal:
    """The line's cost excl. VAT x 3600."""
    c = line.component
    assert c is not None
    billed = line.volume + line.extra
    if line.dimension == FLAT:
        return c.price * _S
    return billed * _S * c.price  # kWh or hours, both x 3600


_Z4 = Decimal("0.0000")
_NOTHING = Amount(_Z4, _Z4)


def _round(numerator: Decimal, denominator: Decimal) -> Decimal:
    if not numerator:
        return _Z4
    return (numerator / denominator).quantize(_E4, rounding=ROUND_HALF_UP)


def _totals(
    lines: list[_Open], used: list[CompiledTariff], time_zone: str, periods: Sequence[model.ChargingPeriod]
) -> Pricing:
    n = len(CATEGORIES)
    excl = [_ZERO] * n
    incl = [_ZERO] * n
    vat_known = [True] * n
    volumes = {ENERGY: _ZERO, TIME: _ZERO, PARKING_TIME: _ZERO, RESERVATION_TIME: _ZERO, FLAT: _ZERO}
    done: list[Line] = []
    for line in lines:
        volumes[line.dimension] += line.volume
        c = line.component
        if c is None:
            done.append(Line(line.period, line.dimension, line.tariff_id, None, None, None, None, None,
                             line.volume, line.volume, _ZERO, None))
            continue
        num = _numerator(line)
        slot = c.slot
        if c.vat is None:
            num_incl = None
            if num:
                vat_known[slot] = False
        else:
            num_incl = num * (100 + c.vat)
            incl[slot] += num_incl
        excl[slot] += num
        done.append(Line(
            line.period, line.dimension, line.tariff_id, c.element, c.type, c.price, c.vat, c.step_size,
            line.volume, line.volume + line.extra, line.extra, c.category, num, num_incl,
        ))

    total_excl = sum(excl, _ZERO)
    total_incl: Decimal | None = sum(incl, _ZERO) if all(vat_known) else None
    notes: list[str] = []
    session_tariff = used[0]
    # rule 7: min_price / max_price on the session total, excl. and incl. VAT separately.
    low, high = session_tariff.min_price, session_tariff.max_price
    if low is not None:
        if low.excl_vat is not None and total_excl < low.excl_vat * _S:
            notes.append(f"min_price {low.excl_vat} excl. VAT applies (computed {_round(total_excl, _S)})")
            total_excl = low.excl_vat * _S
        if low.incl_vat is not None and total_incl is not None and total_incl < low.incl_vat * _VAT_S:
            notes.append(f"min_price {low.incl_vat} incl. VAT applies (computed {_round(total_incl, _VAT_S)})")
            total_incl = low.incl_vat * _VAT_S
    if high is not None:
        if high.excl_vat is not None and total_excl > high.excl_vat * _S:
            notes.append(f"max_price {high.excl_vat} excl. VAT applies (computed {_round(total_excl, _S)})")
            total_excl = high.excl_vat * _S
        if high.incl_vat is not None and total_incl is not None and total_incl > high.incl_vat * _VAT_S:
            notes.append(f"max_price {high.incl_vat} incl. VAT applies (computed {_round(total_incl, _VAT_S)})")
            total_incl = high.incl_vat * _VAT_S

    def amount(category: str) -> Amount:
        slot = CATEGORIES.index(category)
        if not excl[slot] and vat_known[slot]:
            return _NOTHING
        return Amount(_round(excl[slot], _S), _round(incl[slot], _VAT_S) if vat_known[slot] else None)

    return Pricing(
        currency=session_tariff.currency,
        time_zone=time_zone,
        tariff_ids=tuple(dict.fromkeys(t.id for t in used)),
        total_cost=Amount(_round(total_excl, _S), None if total_incl is None else _round(total_incl, _VAT_S)),
        total_energy_cost=amount(CAT_ENERGY),
        total_time_cost=amount(CAT_TIME),
        total_parking_cost=amount(CAT_PARKING),
        total_fixed_cost=amount(CAT_FIXED),
        total_reservation_cost=amount(CAT_RESERVATION),
        total_energy=volumes[ENERGY],
        total_time=volumes[TIME] + volumes[PARKING_TIME],
        total_parking_time=volumes[PARKING_TIME],
        total_reservation_time=volumes[RESERVATION_TIME],
        lines=tuple(done),
        notes=tuple(notes),
    )
