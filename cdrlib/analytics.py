"""Dashboard measures over sessions: pure functions over `pl.LazyFrame` with `SESSION_COLUMNS`.

Every function takes and returns a `pl.LazyFrame`; the caller collects once, at the edge
(`cdrlib.ui.data`). Amounts, kWh and hours stay exact integers of 1/10,000 (the store's ``_e4``
columns) through every aggregation; `Kpis.from_frame` turns them into `Decimal`. Instants are the
store's ``_us`` columns (microseconds since the epoch, UTC).

Rules, stated once:
- **Credit CDRs** (OCPI 2.2.1 mod_cdrs, CDR object: ``credit`` / ``credit_reference_id``) correct the
  cost of an earlier CDR. They count in revenue with their own (negative) amounts, in the period of
  their session start, but not as sessions, nor in energy, time or the roamed share: the session
  they correct was counted already (counting its kWh again would double them; a sender that
  negates the kWh would make them vanish).
- **Currencies** are never added up: revenue is kept per currency. The *main* currency is the one
  with the most sessions (then the most CDRs, then alphabetical); revenue per kWh divides that
  currency's revenue by the energy of that currency's sessions only.
- **Charging time** of a CDR is ``total_time - total_parking_time`` (parking time not given: 0),
  never below 0.
- Ratios are rounded half up to `RATIO_PLACES` decimals at the one place they are computed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

import polars as pl

from cdrlib import model
from cdrlib.store.schema import from_micros

RATIO_PLACES = 4  # decimals kept for averages, prices per kWh, shares and changes

Grain = Literal["day", "week", "month"]
Basis = Literal["start", "created"]
BASES: dict[str, str] = {"start": "Session start", "created": "CDR created"}
Power = Literal["AC", "DC"]
GRAINS: dict[str, str] = {"day": "1d", "week": "1w", "month": "1mo"}  # polars truncate intervals
SplitBy = Literal["power", "roamed"]

_IS_SESSION = ~pl.col("credit").fill_null(False)
_PARKING_E4 = pl.col("total_parking_time_e4").fill_null(0)
_CHARGING_E4 = (pl.col("total_time_e4") - _PARKING_E4).clip(lower_bound=0)


@dataclass(frozen=True, slots=True)
class SessionFilter:
    """Which CDRs a page covers besides the period. Empty collections and None mean "all".

    ``ou_codes`` should already include the children of a chosen OU (see `Store.ou_subtree`); a CDR
    matches on its EVSE's OU (``ou_code``). ``power``: ``AC`` or ``DC``, by the connector's power type.
    """

    ou_codes: frozenset[str] = frozenset()
    location_ids: frozenset[str] = frozenset()
    emp_ids: frozenset[str] = frozenset()
    roamed: bool | None = None
    power: Power | None = None


def prepare(frame: pl.DataFrame, reporting_tz: str) -> pl.DataFrame:
    """The store's analytics frame (`Store.analytics_frame`) with what every selection needs, computed
    once: ``start_local`` (the session start as a naive local time at the location, in its own zone),
    ``start_day`` (its date), ``created_day`` (the local date of ``created_us`` in ``reporting_tz``:
    the day the exports count it on) and ``power`` (``AC`` / ``DC``)."""
    utc = pl.from_epoch("start_us", time_unit="us").dt.replace_time_zone("UTC")
    zones = frame["time_zone"].drop_nulls().unique().sort().to_list()

    def naive(zone: str) -> pl.Expr:
        return utc.dt.convert_time_zone(zone).dt.replace_time_zone(None)

    local = pl.coalesce(*(pl.when(pl.col("time_zone") == z).then(naive(z)) for z in zones), naive(reporting_tz))
    created = pl.from_epoch("created_us", time_unit="us").dt.replace_time_zone("UTC")
    return frame.with_columns(
        start_local=local,
        created_day=created.dt.convert_time_zone(reporting_tz).dt.date(),
        power=pl.when(pl.col("connector_power_type").str.starts_with("DC")).then(pl.lit("DC")).otherwise(pl.lit("AC")),
    ).with_columns(*_coded(frame.schema), start_day=pl.col("start_local").dt.date())


# Texts with few distinct values (per location, EVSE, party, tariff): kept as categoricals, a code per
# row and each text once, so grouping and filtering on them compare integers (20 x faster than texts at
# a million rows) and the frame and its copy on disk are smaller. The CDR id and the contract id stay
# texts: nearly every row has its own.
CODED = (
    "time_zone", "currency", "emp_id", "ou_code", "location_ou_code", "location_id", "location_name",
    "location_country", "connector_power_type", "tariff_id", "price_status", "country_code", "party_id",
    "evse_uid", "power",
)


def _coded(schema: pl.Schema) -> list[pl.Expr]:
    return [pl.col(name).cast(pl.Categorical) for name in CODED if name in schema or name == "power"]


def session_starts(frame: pl.DataFrame) -> tuple[dt.datetime, dt.datetime] | None:
    """The first and the last session start (UTC) of a frame of CDRs; None for no CDRs."""
    if frame.is_empty():
        return None
    first, last = frame.select(pl.col("start_us").min().alias("a"), pl.col("start_us").max().alias("b")).row(0)
    return from_micros(first), from_micros(last)


def filter_options(frame: pl.DataFrame) -> tuple[list[tuple[str, str]], list[str]]:
    """What the filters offer, from the CDRs: (location id, ``name (id)``) pairs by id (the greatest name a
    location was sent with) and the EMP ids, sorted."""
    locations = frame.group_by("location_id").agg(pl.col("location_name").max()).sort("location_id")
    emps = frame["emp_id"].drop_nulls().unique().sort().to_list()
    return [(lid, f"{name} ({lid})" if name else lid) for lid, name in locations.iter_rows()], emps


def select(lf: pl.LazyFrame, basis: Basis, first: dt.date, last: dt.date, flt: SessionFilter) -> pl.LazyFrame:
    """The CDRs of a `prepare`d frame whose ``basis`` date lies in ``first`` .. ``last`` (both included)
    and that pass ``flt``, with that date as ``day``: the local date of the session start at the
    location (``start``), or the reporting-zone date the CDR was created (``created``, as the exports)."""
    day = pl.col("start_day" if basis == "start" else "created_day")
    conditions = [day.is_between(first, last)]
    if flt.ou_codes:
        conditions.append(pl.col("ou_code").is_in(sorted(flt.ou_codes)))
    if flt.location_ids:
        conditions.append(pl.col("location_id").is_in(sorted(flt.location_ids)))
    if flt.emp_ids:
        conditions.append(pl.col("emp_id").is_in(sorted(flt.emp_ids)))
    if flt.roamed is not None:
        conditions.append(pl.col("roamed").fill_null(False) == flt.roamed)
    if flt.power is not None:
        conditions.append(pl.col("power") == flt.power)
    return lf.filter(*conditions).with_columns(day=day)


def _total(expr: pl.Expr) -> pl.Expr:
    """Sum as Int64: counts of booleans (UInt32 in polars) and `_e4` sums alike; 0 for no rows."""
    return expr.sum().cast(pl.Int64)


def kpis(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Totals per currency, one row each (sorted by currency); no rows for no CDRs.

    Columns: ``currency``, ``cdrs``, ``sessions``, ``credit_cdrs``, ``roamed_sessions``,
    ``energy_e4`` (kWh), ``total_time_e4``, ``charging_time_e4``, ``parking_time_e4`` (hours),
    ``revenue_excl_e4``, ``revenue_incl_e4`` (in ``currency``), ``incl_vat_missing`` (CDRs whose
    sender gave no amount incl. VAT: ``revenue_incl_e4`` leaves them out).
    """
    session = _IS_SESSION
    return (
        lf.group_by("currency")
        .agg(
            cdrs=pl.len().cast(pl.Int64),
            sessions=_total(session),
            credit_cdrs=_total(~session),
            roamed_sessions=_total(session & pl.col("roamed").fill_null(False)),
            energy_e4=_total(pl.col("total_energy_e4").filter(session)),
            total_time_e4=_total(pl.col("total_time_e4").filter(session)),
            charging_time_e4=_total(_CHARGING_E4.filter(session)),
            parking_time_e4=_total(_PARKING_E4.filter(session)),
            revenue_excl_e4=_total(pl.col("total_cost_excl_e4")),
            revenue_incl_e4=_total(pl.col("total_cost_incl_e4").fill_null(0)),
            incl_vat_missing=_total(pl.col("total_cost_incl_e4").is_null()),
        )
        .sort("currency")
    )


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """``numerator / denominator`` rounded half up to `RATIO_PLACES`; None when dividing by 0."""
    if denominator == 0:
        return None
    q = Decimal(numerator) / Decimal(denominator)
    return q.quantize(Decimal(1).scaleb(-RATIO_PLACES), rounding=ROUND_HALF_UP)


def change(current: Decimal | int | None, previous: Decimal | int | None) -> Decimal | None:
    """Relative change from ``previous`` to ``current`` as a fraction (``0.25`` is +25 %).

    None when either is unknown or ``previous`` is 0 (no base to compare with).
    """
    if current is None or previous is None or previous == 0:
        return None
    return ratio(Decimal(current) - Decimal(previous), abs(Decimal(previous)))


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    """Revenue of the CDRs in one currency, with the sessions and energy it was earned on."""

    currency: str
    cdrs: int
    sessions: int
    energy_kwh: Decimal
    revenue_excl: Decimal
    revenue_incl: Decimal
    incl_vat_missing: int

    @property
    def revenue_per_kwh(self) -> Decimal | None:
        """Revenue excl. VAT per kWh charged in this currency's sessions."""
        return ratio(self.revenue_excl, self.energy_kwh)


@dataclass(frozen=True, slots=True)
class Kpis:
    """The headline numbers of a set of CDRs (see the module docstring for the rules)."""

    sessions: int
    roamed_sessions: int
    credit_cdrs: int
    energy_kwh: Decimal
    charging_hours: Decimal
    parking_hours: Decimal
    by_currency: tuple[CurrencyTotals, ...]  # the main currency first

    @classmethod
    def from_frame(cls, df: pl.DataFrame) -> Kpis:
        """Build from the collected result of `kpis`."""
        rows = df.to_dicts()
        totals = [
            CurrencyTotals(
                currency=r["currency"],
                cdrs=r["cdrs"],
                sessions=r["sessions"],
                energy_kwh=model.from_e4(r["energy_e4"]),
                revenue_excl=model.from_e4(r["revenue_excl_e4"]),
                revenue_incl=model.from_e4(r["revenue_incl_e4"]),
                incl_vat_missing=r["incl_vat_missing"],
            )
            for r in rows
        ]
        totals.sort(key=lambda t: (-t.sessions, -t.cdrs, t.currency))
        return cls(
            sessions=sum(r["sessions"] for r in rows),
            roamed_sessions=sum(r["roamed_sessions"] for r in rows),
            credit_cdrs=sum(r["credit_cdrs"] for r in rows),
            energy_kwh=model.from_e4(sum(r["energy_e4"] for r in rows)),
            charging_hours=model.from_e4(sum(r["charging_time_e4"] for r in rows)),
            parking_hours=model.from_e4(sum(r["parking_time_e4"] for r in rows)),
            by_currency=tuple(totals),
        )

    @property
    def main(self) -> CurrencyTotals | None:
        """The totals of the main currency; None without CDRs."""
        return self.by_currency[0] if self.by_currency else None

    @property
    def main_currency(self) -> str | None:
        return self.main.currency if self.main else None

    @property
    def others(self) -> tuple[CurrencyTotals, ...]:
        """The totals of the other currencies (shown next to, never added to, the main one)."""
        return self.by_currency[1:]

    def revenue(self, currency: str, *, incl_vat: bool = False) -> Decimal:
        """Revenue in ``currency`` (0 when no CDR is in it)."""
        for t in self.by_currency:
            if t.currency == currency:
                return t.revenue_incl if incl_vat else t.revenue_excl
        return Decimal(0)

    @property
    def avg_kwh_per_session(self) -> Decimal | None:
        return ratio(self.energy_kwh, self.sessions)

    @property
    def share_roamed(self) -> Decimal | None:
        """Roamed sessions as a fraction of all sessions (``0.25`` is 25 %)."""
        return ratio(self.roamed_sessions, self.sessions)


def trend(
    lf: pl.LazyFrame,
    grain: Grain,
    first: dt.date,
    last: dt.date,
    currency: str | None,
) -> pl.LazyFrame:
    """Sessions, kWh and revenue per ``day`` (the date of `select`), week (from Monday) or month.

    Buckets run over ``first`` .. ``last`` with zeros where nothing happened; a bucket is named by
    its first day (a week's Monday may fall before ``first``). Rows whose ``day`` lies outside the
    period are left out. Columns: ``bucket`` (date), ``sessions``,
    ``energy_e4``, ``revenue_excl_e4`` (CDRs in ``currency`` only, credit CDRs included; 0 when
    ``currency`` is None).
    """
    every = GRAINS[grain]
    day = pl.col("day")
    revenue = (
        pl.col("total_cost_excl_e4").filter(pl.col("currency") == currency)
        if currency is not None
        else pl.lit(0, dtype=pl.Int64)
    )
    measured = (
        lf.filter(day.is_between(first, last))
        .with_columns(bucket=day.dt.truncate(every))
        .group_by("bucket")
        .agg(
            sessions=_total(_IS_SESSION),
            energy_e4=_total(pl.col("total_energy_e4").filter(_IS_SESSION)),
            revenue_excl_e4=_total(revenue),
        )
    )
    buckets = (
        pl.LazyFrame({"bucket": pl.date_range(first, last, "1d", eager=True)})
        .select(pl.col("bucket").dt.truncate(every))
        .unique()
    )
    return (
        buckets.join(measured, on="bucket", how="left")
        .with_columns(pl.col("sessions", "energy_e4", "revenue_excl_e4").fill_null(0))
        .sort("bucket")
    )


def split(lf: pl.LazyFrame, by: SplitBy) -> pl.LazyFrame:
    """Sessions and kWh split by ``power`` (``AC`` / ``DC`` from the connector's power type) or
    ``roamed`` (``Roamed`` / ``Not roamed``). Columns: ``label``, ``sessions``, ``energy_e4``;
    sorted by label; credit CDRs are not sessions and left out."""
    if by == "power":
        label = pl.col("power")
    elif by == "roamed":
        label = pl.when(pl.col("roamed").fill_null(False)).then(pl.lit("Roamed")).otherwise(pl.lit("Not roamed"))
    else:
        raise ValueError(f"cannot split by {by!r}: use 'power' or 'roamed'")
    return (
        lf.filter(_IS_SESSION)
        .group_by(label.alias("label"))
        .agg(sessions=pl.len().cast(pl.Int64), energy_e4=_total(pl.col("total_energy_e4")))
        .sort("label")
    )
