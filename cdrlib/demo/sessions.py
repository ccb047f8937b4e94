"""The session model: how many sessions happen when and where, and what each one looks like.

A run covers the local days ``first_day`` .. ``until - 1``. The number of CDRs of each day is fixed
up front from the day's expected activity (weekday, public holidays, a growing customer base), so
that any day can be generated on its own from ``Random(f"{seed}:{day}")``: the output does not
depend on the chunk size, nor on which process generates which day.

Within a day, each session picks a connector (by the site's activity on that weekday), a start time
from its kind of site's hourly profile (commuters at offices, evenings at home, all day at motorway
hubs, shoppers in garages), a car, an energy need and a dwell time, and a token (by the site's mix
of EMPs, own cards, app and ad-hoc payment). It is then priced by `cdrlib.demo.tariffs`.

A day is produced as compact records (tuples of ints and strings, cheap to pass between processes)
and turned into `model.Cdr` objects by `build_cdrs`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import random
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from operator import itemgetter

from cdrlib import model, pricing
from cdrlib.demo import catalogue as cat
from cdrlib.demo import tariffs as tf
from cdrlib.demo.zones import DAY_S, ZoneTable

CREDIT_SHARE = 0.004  # sessions that get a credit CDR later
LATE_SHARE = 0.03  # CDRs created days after the session
QUANTUM_S = 36  # charging and parking durations are multiples of 0.01 h (see tariffs)
END_MARGIN_S = 120  # sessions end at least this long before ``until``
STALE_DAYS = 3  # after a tariff's price change, its sessions of these days may state the old price ...
STALE_EVERY = 5  # ... every fifth of them (a backend that switched late: price mismatches to look into)


@dataclass(frozen=True, slots=True)
class Kind:
    """The pattern of one kind of site: relative activity per weekday (Monday first) and on public
    holidays, and the hourly start profile on working days and on weekends/holidays."""

    weekdays: tuple[float, ...]
    holiday: float
    hours_work: tuple[float, ...]
    hours_free: tuple[float, ...]


KINDS: dict[str, Kind] = {
    cat.OFFICE: Kind(
        (1.0, 1.05, 1.0, 1.05, 0.85, 0.12, 0.08), 0.1,
        (0, 0, 0, 0, 0, 0.5, 3, 12, 22, 16, 7, 4, 4, 4, 3, 2, 2, 2, 1, 1, 0.5, 0.3, 0, 0),
        (0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 4, 3, 3, 2, 2, 1, 1, 1, 0, 0, 0, 0, 0),
    ),
    cat.HOME: Kind(
        (1.0, 1.0, 1.0, 1.0, 0.9, 0.8, 0.8), 0.8,
        (0.3, 0.1, 0, 0, 0, 0, 0.5, 1, 1, 1, 1, 1.5, 2, 2, 2, 3, 5, 10, 14, 12, 8, 5, 3, 1),
        (0.3, 0.1, 0, 0, 0, 0, 0.3, 1, 2, 3, 4, 4, 4, 4, 4, 4, 5, 7, 8, 7, 5, 3, 2, 1),
    ),
    cat.STREET: Kind(
        (1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8), 0.8,
        (0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 1, 3, 5, 5, 4, 4, 4, 4, 4, 4, 5, 8, 9, 7, 5, 3, 2, 1),
        (0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.5, 1, 3, 4, 5, 5, 5, 5, 5, 5, 5, 6, 7, 6, 4, 3, 2, 1),
    ),
    cat.GARAGE: Kind(
        (0.9, 0.9, 0.9, 1.0, 1.2, 1.4, 0.8), 1.0,
        (0, 0, 0, 0, 0, 0, 1, 4, 8, 8, 8, 8, 7, 7, 7, 6, 5, 4, 4, 3, 2, 1, 0.5, 0.2),
        (0, 0, 0, 0, 0, 0, 0.3, 1, 3, 6, 9, 10, 10, 9, 8, 7, 5, 4, 3, 3, 2, 1, 0.5, 0.2),
    ),
    cat.HUB: Kind(
        (1.0, 1.0, 1.0, 1.05, 1.25, 1.15, 1.1), 1.2,
        (1, 0.6, 0.4, 0.3, 0.4, 0.8, 2, 4, 6, 7, 8, 9, 9, 8, 8, 9, 10, 10, 8, 6, 4, 3, 2, 1.5),
        (1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 4, 7, 10, 11, 11, 10, 10, 10, 10, 9, 7, 5, 4, 3, 2, 1.5),
    ),
    cat.RETAIL: Kind(
        (1.0, 1.0, 1.0, 1.0, 1.1, 1.3, 0.5), 0.4,
        (0, 0, 0, 0, 0, 0, 0, 1, 3, 5, 7, 8, 8, 7, 7, 7, 8, 8, 7, 5, 3, 1, 0, 0),
        (0, 0, 0, 0, 0, 0, 0, 0.5, 2, 5, 8, 9, 9, 8, 8, 7, 6, 5, 4, 2, 1, 0.5, 0, 0),
    ),
}

# Fixed-date public holidays (month, day) per country; sites then follow their Sunday pattern.
HOLIDAYS: dict[str, frozenset[tuple[int, int]]] = {
    "NL": frozenset({(1, 1), (4, 27), (12, 25), (12, 26)}),
    "BE": frozenset({(1, 1), (5, 1), (7, 21), (8, 15), (11, 1), (11, 11), (12, 25)}),
    "DE": frozenset({(1, 1), (5, 1), (10, 3), (12, 25), (12, 26)}),
    "GB": frozenset({(1, 1), (12, 25), (12, 26)}),
}

# Energy need in winter is higher (heating, lower efficiency); by month, January first.
SEASON = (1.12, 1.12, 1.06, 1.0, 0.97, 0.95, 0.95, 0.95, 0.97, 1.0, 1.06, 1.12)

# Cars: (max AC kW, share) and (max DC kW, share).
AC_CARS = ((3.7, 0.08), (7.4, 0.22), (11.0, 0.6), (22.0, 0.1))
DC_CARS = ((50.0, 0.12), (100.0, 0.33), (150.0, 0.33), (250.0, 0.22))


def _cum(weights: Sequence[float]) -> list[float]:
    return list(accumulate(weights))


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` earlier (the last day of a shorter month)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    for d in range(day.day, 0, -1):
        try:
            return dt.date(y, m + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True, slots=True)
class _Conn:
    """What the hot loop needs of a connector, flattened."""

    index: int
    kind: str
    is_dc: bool
    max_kw: float
    one_phase: bool
    zone: ZoneTable
    tariff_id: str
    mix: tuple[list[float], tuple[str, ...]]
    owner: int | None
    meter_base: int
    meter_rate: float  # Wh per second of the run, for a believable rising meter


class Plan:
    """Everything fixed for one run (cdrs, seed, until): days, per-day counts, zones, tariffs,
    connectors and tokens. Built the same, deterministically, in every process that needs it."""

    def __init__(self, cdrs: int, seed: int, until: dt.date) -> None:
        self.cdrs = cdrs
        self.seed = seed
        self.until = until
        self.first_day = months_before(until, 13)
        self.days = (until - self.first_day).days
        self.price_change = _month_start(self.first_day + dt.timedelta(days=self.days // 2))
        self.book = tf.book(self.first_day, self.price_change)
        self.zones = {name: ZoneTable(name, self.first_day, self.days) for name in sorted(set(cat.ZONES.values()))}
        self.until_s = min(z.midnight(self.days) for z in self.zones.values())
        self.until_s = min(self.until_s, int(dt.datetime.combine(until, dt.time(), dt.UTC).timestamp()))
        self.first_s = min(z.midnight(0) for z in self.zones.values())
        self.connectors = cat.connectors()
        self.pools = cat.token_pools()
        mixes = {
            name: (_cum(list(weights.values())), tuple(weights)) for name, weights in cat.MIXES.items()
        }
        self.conns = tuple(
            _Conn(
                c.index, c.site.kind, c.is_dc, c.max_kw, c.power_type == "AC_1_PHASE",
                self.zones[c.site.time_zone], c.tariff_id,
                mixes[c.site.mix_dc if c.is_dc else c.site.mix_ac],
                None if c.site.owner is None else cat.card(c.site.owner),
                c.meter_base_wh,
                (100_000_000 if c.is_dc else 5_000_000) / (365 * DAY_S),
            )
            for c in self.connectors
        )
        # Clock-time cut tables per (zone, tariff version).
        self.clock_tables: dict[tuple[str, int], list[tuple[int, ...]]] = {}
        for pt in self.book.priced:
            for name, zone in self.zones.items():
                self.clock_tables[(name, pt.index)] = zone.clock_instants(pt.clock_times) if pt.clock_times else []
        self.day_counts = self._day_counts()
        # A tariff version that replaced another: new index -> old index, and each version's start (s).
        self.superseded: dict[int, int] = {}
        self.book_starts: dict[int, int] = {}
        for versions in self.book.by_id.values():
            ordered = sorted(versions, key=lambda v: v[0])
            for (_, _, old), (valid_from, _, new) in itertools.pairwise(ordered):
                self.superseded[new.index] = old.index
                self.book_starts[new.index] = valid_from

    # ------------------------------------------------------------------ the plan of days
    def day_weights(self, day: int) -> list[float]:
        """Per connector, the expected relative number of sessions on ``day``."""
        date = self.first_day + dt.timedelta(days=day)
        weekday = date.weekday()
        growth = 0.8 + 0.45 * day / max(1, self.days)
        weights = []
        for c in self.connectors:
            kind = KINDS[c.site.kind]
            factor = kind.holiday if (date.month, date.day) in HOLIDAYS[c.site.country] else kind.weekdays[weekday]
            if c.site.kind == cat.OFFICE and ((date.month, date.day) >= (12, 24) or (date.month, date.day) == (1, 2)):
                factor *= 0.3  # Christmas week at the office
            weights.append(c.weight * factor * growth)
        return weights

    def _day_counts(self) -> list[int]:
        """CDRs per day (credits included): ``cdrs`` shared by expected activity, largest remainder."""
        totals = [sum(self.day_weights(d)) for d in range(self.days)]
        grand = sum(totals)
        exact = [self.cdrs * t / grand for t in totals]
        counts = [int(x) for x in exact]
        short = self.cdrs - sum(counts)
        by_rest = sorted(range(self.days), key=lambda d: (counts[d] - exact[d], d))
        for d in by_rest[:short]:
            counts[d] += 1
        return counts

    def is_free_day(self, day: int, country: str) -> bool:
        date = self.first_day + dt.timedelta(days=day)
        return date.weekday() >= 5 or (date.month, date.day) in HOLIDAYS[country]


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


_HOUR_CUMS = {k: (_cum(v.hours_work), _cum(v.hours_free)) for k, v in KINDS.items()}
_AC_CUM = (_cum([s for _, s in AC_CARS]), tuple(kw for kw, _ in AC_CARS))
_DC_CUM = (_cum([s for _, s in DC_CARS]), tuple(kw for kw, _ in DC_CARS))

# A record: see `generate_day`.
Record = tuple


def generate_day(plan: Plan, day: int) -> list[Record]:
    """The CDRs of local day ``day`` (sessions sorted by start, then the credit CDRs of that day's
    sessions), as records:

    (0 cdr id, 1 start s, 2 end s, 3 created s, 4 connector index, 5 token index or ad-hoc uid,
    6 auth method, 7 authorization reference, 8 tariff version index, 9 periods, 10 MAX_POWER_e4 or
    None, 11 energy Wh, 12 total time_e4, 13 parking time_e4, 14 stale: the CDR states a cost computed
    with the superseded tariff version (a price mismatch, `STALE_SHARE`),
    15 meter start Wh, 16 id of the credited CDR or None, 17 content hash)
    """
    n = plan.day_counts[day]
    if n == 0:
        return []
    rng = random.Random(f"xcp-demo:{plan.seed}:{day}")
    r = rng.random
    weights = plan.day_weights(day)
    cum = _cum(weights)
    total_w = cum[-1]
    date = plan.first_day + dt.timedelta(days=day)
    season = SEASON[date.month - 1]
    free = {country: plan.is_free_day(day, country) for country in cat.ZONES}
    conns = plan.conns
    connectors = plan.connectors
    book = plan.book
    pools = plan.pools
    until_s = plan.until_s
    first_s = plan.first_s
    limit = until_s - END_MARGIN_S

    # Credits need a session of the day created at least two days before ``until``: none near the end.
    credits = 0 if day >= plan.days - 15 else min(n // 2, sum(1 for _ in range(n) if r() < CREDIT_SHARE))
    sessions = []
    for _ in range(n - credits):
        c = conns[bisect(cum, r() * total_w)]
        site = connectors[c.index].site
        zone = c.zone
        kind = c.kind
        hours = _HOUR_CUMS[kind][1 if free[site.country] else 0]
        hour = bisect(hours, r() * hours[-1])
        clock = hour * 3600 + int(r() * 3600)
        start = zone.midnight(day) + clock
        if start > limit - 3 * 3600:
            start = limit - 3 * 3600 - int(r() * 6 * 3600)

        # The car, the energy it wants and how long it stays.
        if c.is_dc:
            car = _DC_CUM[1][bisect(_DC_CUM[0], r())]
            peak = min(c.max_kw, car)
            power = peak * (0.55 + 0.25 * r())
            need = (12.0 + 43.0 * r() ** 1.2) * season
            charge = need / power * 3600.0
            x = r()
            idle = 0.0 if x < 0.6 else (60 + 420 * r() if x < 0.95 else 600 + 3000 * r())
            dwell = charge + idle
        else:
            car = _AC_CUM[1][bisect(_AC_CUM[0], r())]
            peak = min(c.max_kw, car)
            if c.one_phase:
                peak = min(peak, 3.7 if car == 11.0 else 7.4)
            power = peak * (0.88 + 0.09 * r())
            dwell = _dwell(kind, clock, r)
            need = _need(kind, r) * season
            charge = min(need / power * 3600.0, dwell)
        charge_s = max(1, round(charge / QUANTUM_S)) * QUANTUM_S
        park_s = max(0, round((dwell - charge) / QUANTUM_S)) * QUANTUM_S
        if start + charge_s + park_s > limit:
            total = max(QUANTUM_S, (limit - start) // QUANTUM_S * QUANTUM_S)
            charge_s = min(charge_s, total)
            park_s = total - charge_s
        end = start + charge_s + park_s
        wh = max(1, int(power * charge_s / 3.6))

        # Who charges.
        mix_cum, mix_names = c.mix
        source = mix_names[bisect(mix_cum, r() * mix_cum[-1])]
        auth_ref = None
        if source == "OWNER":
            token: int | str = c.owner if c.owner is not None else pools.start["OWN"]
            auth = "WHITELIST"
        elif source == "ADHOC":
            token = f"ADHOC-{rng.getrandbits(48):012X}"
            auth = "COMMAND"
            auth_ref = f"PAY-{rng.getrandbits(40):010X}"
        elif source == "ACME":
            token = pools.start["NLTNM"] + int(cat.ACME_FLEET_CARDS * r())
            auth = "WHITELIST"
        else:
            token = pools.start[source] + int(pools.size[source] * r() ** 1.7)
            if source == "APP":
                auth = "COMMAND"
                auth_ref = f"APP-{rng.getrandbits(40):010X}"
            elif source == "OWN" or r() < 0.35:
                auth = "WHITELIST"
            else:
                auth = "AUTH_REQUEST"
                auth_ref = f"{rng.getrandbits(64):016x}"
        tariff_id = cat.T_ADHOC if source == "ADHOC" else c.tariff_id
        pt = book.at(tariff_id, start)
        priced = tf.split_session(pt, zone, plan.clock_tables[(zone.name, pt.index)], start, start + charge_s, end, wh)
        max_power = int(min(c.max_kw, peak * (0.92 + 0.08 * r())) * 10) * 1_000 if c.is_dc else None

        x = r()
        if x < LATE_SHARE:
            created = end + 86_400 * (1 + int(r() * 9)) + int(r() * 86_400)
        else:
            created = end + 20 + int(rng.expovariate(1 / 240.0))
        created = min(created, until_s - 1)
        meter_start = c.meter_base + int((start - first_s) * c.meter_rate)
        sessions.append(
            (start, c.index, token, auth, auth_ref, pt.index, priced, max_power, end, wh, park_s, created,
             meter_start, charge_s)
        )

    sessions.sort(key=_BY_START)
    stamp = date.strftime("%Y%m%d")
    seed = plan.seed
    records: list[Record] = []
    for seq, s in enumerate(sessions, start=1):
        (start, conn, token, auth, auth_ref, tariff_index, priced, max_power, end, wh, park_s, created,
         meter_start, charge_s) = s
        cdr_id = f"XCP-{stamp}-{seq:06d}"
        total_time = tf._hours_e4(end - start)
        parking = total_time - tf._hours_e4(charge_s)
        # A backend that had not switched to a new tariff version yet: the first days after a price
        # change, some CDRs state the old price while carrying the new tariff.
        stale = tariff_index in plan.superseded and start - plan.book_starts[tariff_index] < STALE_DAYS * DAY_S and (
            seq % STALE_EVERY == 0
        )
        digest = hashlib.sha256(
            f"{cdr_id}|{seed}|{start}|{end}|{created}|{conn}|{token}|{wh}|{tariff_index}|{stale}".encode()
        ).hexdigest()
        records.append(
            (cdr_id, start, end, created, conn, token, auth, auth_ref, tariff_index, priced, max_power, wh,
             total_time, parking, stale, meter_start, None, digest)
        )

    # Credit CDRs: a refund of one of the day's sessions, days later, with every amount negated.
    # (When the day has no session left to credit, the day simply has fewer CDRs.)
    candidates = [i for i in range(len(records)) if records[i][3] <= until_s - 2 * DAY_S]
    rng.shuffle(candidates)
    for i in candidates[:credits]:
        original = records[i]
        created = min(original[3] + DAY_S * (1 + int(r() * 20)) + int(r() * DAY_S), until_s - 1)
        credit_id = f"{original[0]}-C"
        digest = hashlib.sha256(f"{credit_id}|{seed}|{original[17]}|{created}".encode()).hexdigest()
        records.append(
            (credit_id, *original[1:3], created, *original[4:14], original[14], original[15], original[0], digest)
        )
    return records


_BY_START = itemgetter(0, 1)  # start, then connector


def _dwell(kind: str, clock: int, rnd: Callable[[], float]) -> float:
    """How long an AC car stays plugged in (seconds), by kind of site and local start time."""
    hour = clock / 3600.0
    if kind == cat.HOME:
        if hour >= 16 or hour < 2:
            leave = 24.0 + 6.0 + 2.5 * rnd()  # next morning 06:00-08:30
            return max(1.0, (leave - hour) if hour >= 16 else (leave - 24.0 - hour)) * 3600.0
        return (1.0 + 4.0 * rnd()) * 3600.0
    if kind == cat.OFFICE:
        if hour < 11:
            return (6.5 + 3.0 * rnd()) * 3600.0
        return (1.0 + 3.0 * rnd()) * 3600.0
    if kind == cat.STREET:
        if (hour >= 17 or hour < 3) and rnd() < 0.6:
            leave = 7.0 + 2.5 * rnd()
            return ((24.0 - hour + leave) if hour >= 17 else (leave - hour)) * 3600.0
        return (0.75 + 3.25 * rnd()) * 3600.0
    if kind == cat.GARAGE:
        if 7 <= hour < 9.5 and rnd() < 0.3:
            return (8.0 + 2.0 * rnd()) * 3600.0
        return (0.75 + 3.25 * rnd()) * 3600.0
    return (0.5 + 1.5 * rnd()) * 3600.0  # RETAIL AC


def _need(kind: str, rnd: Callable[[], float]) -> float:
    """kWh an AC car would take if it could, by kind of site."""
    x = rnd()
    if kind == cat.HOME:
        return 6.0 + 34.0 * x**1.3
    if kind == cat.OFFICE:
        return 5.0 + 30.0 * x**1.2
    if kind == cat.STREET:
        return 4.0 + 36.0 * x**1.4
    if kind == cat.GARAGE:
        return 3.0 + 25.0 * x**1.3
    return 2.0 + 12.0 * x


# ---------------------------------------------------------------------------------------- building
# The fields of `model.Cdr` in the order `Builder.build` gives them. Positional arguments save a tenth
# of the building time; should the model's field order ever differ, keywords are used instead.
_CDR_FIELDS = (
    "country_code", "party_id", "id", "start_date_time", "end_date_time", "cdr_token", "auth_method",
    "cdr_location", "currency", "charging_periods", "total_cost", "total_energy", "total_time", "last_updated",
    "session_id", "authorization_reference", "meter_id", "tariffs", "signed_data", "total_fixed_cost",
    "total_energy_cost", "total_time_cost", "total_parking_time", "total_parking_cost", "total_reservation_cost",
    "remark", "invoice_reference_id", "credit", "credit_reference_id", "home_charging_compensation",
    "ocpi_version", "extensions", "created_at", "time_zone", "time_zone_guessed", "ou_code", "location_ou_code",
    "meter_start", "meter_stop", "roamed", "emp_id", "content_hash", "price_check",
)
_POSITIONAL = tuple(f.name for f in dataclasses.fields(model.Cdr)) == _CDR_FIELDS
_CACHE_LIMIT = 50_000  # shared Decimal / Price objects kept between chunks (bounds their memory)
_UTC = dt.UTC
_fromtimestamp = dt.datetime.fromtimestamp


class Builder:
    """Turns records into `model.Cdr` objects; holds what every CDR of a run shares."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.tokens = plan.pools.tokens
        self.conn_info = tuple(
            (
                c.cdr_location,
                c.site.time_zone,
                c.ou_code,
                c.site.ou,
                c.meter_id,
                c.site.kind == cat.HOME,
            )
            for c in plan.connectors
        )
        self.tariff_info = tuple((pt.tariffs, pt.id, pt.currency) for pt in plan.book.priced)
        self.superseded = plan.superseded
        self._decimals: dict[int, Decimal] = {}
        self._prices: dict[tuple[int, int], model.Price] = {}

    def build(self, records: Sequence[Record]) -> list[model.Cdr]:
        """The CDR objects of ``records``. Equal amounts share one `Decimal` / `Price` object (they are
        immutable): most volumes and fixed costs repeat, and building objects is the costly part."""
        tokens = self.tokens
        conn_info = self.conn_info
        tariff_info = self.tariff_info
        utc = _UTC
        ts = _fromtimestamp
        cp = model.ChargingPeriod
        cdr_type = model.Cdr
        positional = _POSITIONAL
        if len(self._decimals) > _CACHE_LIMIT:
            self._decimals.clear()
        if len(self._prices) > _CACHE_LIMIT:
            self._prices.clear()
        decimals = self._decimals
        prices = self._prices

        def d4(value: int) -> Decimal:
            found = decimals.get(value)
            if found is None:
                found = decimals[value] = Decimal(f"{value}e-4")
            return found

        def price(amount: pricing.Amount, negate: bool) -> model.Price:
            key = (amount.excl_vat, amount.incl_vat, negate)
            found = prices.get(key)
            if found is None:
                excl, incl = amount.excl_vat, amount.incl_vat
                if negate:
                    excl, incl = -excl, None if incl is None else -incl
                found = prices[key] = model.Price(excl, incl)
            return found

        engine = pricing.price
        credit_check = model.PriceCheck(
            model.PRICE_CREDIT, "credit CDR: not re-priced, it carries the negation of the CDR it credits"
        )

        out = []
        append = out.append
        for rec in records:
            (cdr_id, start, end, created, conn, token, auth, auth_ref, tariff_index, periods, max_power, wh,
             total_time, parking, stale, meter_start, credit_of, digest) = rec
            location, zone, ou, location_ou, meter_id, home = conn_info[conn]
            tariffs, tariff_id, currency = tariff_info[tariff_index]
            if type(token) is int:
                tok = tokens[token]
            else:
                tok = model.CdrToken(cat.CPO_COUNTRY, cat.CPO_PARTY, token, "AD_HOC_USER", token)
            power = None if max_power is None else d4(max_power)
            start_dt = ts(start, utc)
            charging_periods = tuple(
                cp(start_dt if p[0] == start else ts(p[0], utc), tariff_id, d4(p[1]), d4(p[2]), None,
                   None, None, None, None, power)
                if p[3] is None
                else cp(ts(p[0], utc), tariff_id, None, None, d4(p[3]), None, None, None, None, None)
                for p in periods
            )
            end_dt = ts(end, utc)
            # The costs are the pricing engine's (as the CPO's backend would compute them); a stale
            # CDR states what the superseded tariff version gives for the same periods.
            computed = engine(start_dt, end_dt, charging_periods, tariffs, zone, currency=currency)
            stated = computed
            if stale:
                stated = engine(start_dt, end_dt, charging_periods, tariff_info[self.superseded[tariff_index]][0], zone)
            negate = credit_of is not None
            if negate:
                check = credit_check
            elif stale:
                check = pricing.verdict(price(stated.total_cost, False), computed)
            else:
                check = model.PriceCheck(
                    model.PRICE_OK,
                    None,
                    price(computed.total_cost, False),
                    price(computed.total_energy_cost, False),
                    price(computed.total_time_cost, False),
                    price(computed.total_parking_cost, False),
                    price(computed.total_fixed_cost, False),
                    price(computed.total_reservation_cost, False),
                )
            created_dt = ts(created, utc)
            issuer = f"{tok.country_code}{tok.party_id}"
            invoice = None
            if tok.type == "AD_HOC_USER":
                invoice = f"RCPT-{cdr_id}"
            elif tok.type == "APP_USER":
                invoice = f"INV-{start_dt:%Y%m}-{token:05d}"
            values = (
                cat.CPO_COUNTRY,  # country_code
                cat.CPO_PARTY,  # party_id
                cdr_id,  # id
                start_dt,  # start_date_time
                end_dt,  # end_date_time
                tok,  # cdr_token
                auth,  # auth_method
                location,  # cdr_location
                currency,  # currency
                charging_periods,  # charging_periods
                price(stated.total_cost, negate),  # total_cost
                d4(wh * 10),  # total_energy
                d4(total_time),  # total_time
                created_dt,  # last_updated
                f"SES{(credit_of or cdr_id)[3:]}",  # session_id
                auth_ref,  # authorization_reference
                meter_id,  # meter_id
                tariffs,  # tariffs
                None,  # signed_data
                price(stated.total_fixed_cost, negate),  # total_fixed_cost
                price(stated.total_energy_cost, negate),  # total_energy_cost
                price(stated.total_time_cost, negate),  # total_time_cost
                d4(parking),  # total_parking_time
                price(stated.total_parking_cost, negate),  # total_parking_cost
                None,  # total_reservation_cost
                None,  # remark
                invoice,  # invoice_reference_id
                credit_of is not None,  # credit
                credit_of,  # credit_reference_id
                home,  # home_charging_compensation
                "2.2.1",  # ocpi_version
                None,  # extensions
                created_dt,  # created_at
                zone,  # time_zone
                False,  # time_zone_guessed
                ou,  # ou_code
                location_ou,  # location_ou_code
                meter_start,  # meter_start
                meter_start + wh,  # meter_stop
                issuer != cat.CPO_ID,  # roamed
                issuer,  # emp_id
                digest,  # content_hash
                check,  # price_check
            )
            append(cdr_type(*values) if positional else cdr_type(**dict(zip(_CDR_FIELDS, values, strict=True))))
        return out
