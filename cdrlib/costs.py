"""Costs and tariffs: revenue by cost component, tariff and EMP, the price per kWh, the price checks.

Pure functions over a `pl.LazyFrame` with `SESSION_COLUMNS` (the session frame); each returns a
`pl.LazyFrame` and the caller collects once, at the edge (`cdrlib.ui.data`). Amounts stay exact
integers of 1/10,000 (``_e4``); everything money is excl. VAT. The rules of `cdrlib.analytics` hold:

- **Credit CDRs** (OCPI 2.2.1 mod_cdrs, CDR object: ``credit``) count in revenue with their own,
  negated amounts, but not as sessions, in energy or in the price per kWh.
- **Currencies** are never added up: every money function takes the one currency it sums.
- **Components** are the CDR's own ``total_energy_cost``, ``total_time_cost``, ``total_parking_cost``,
  ``total_fixed_cost`` and ``total_reservation_cost`` (OCPI 2.2.1 mod_cdrs, CDR object: all optional).
  What they leave of ``total_cost`` is the component ``other`` (a component the sender did not give,
  a min_price / max_price adjustment), so that the components of a CDR always add up to its
  ``total_cost`` exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import polars as pl

from cdrlib import analytics, model
from cdrlib.store.schema import to_micros

# Cost components, in stacking order; ``other`` is the part of total_cost that no component states.
COMPONENTS: tuple[str, ...] = ("energy", "time", "parking", "fixed", "reservation", "other")
COMPONENT_LABELS: dict[str, str] = {
    "energy": "Energy",
    "time": "Time",
    "parking": "Parking",
    "fixed": "Fixed",
    "reservation": "Reservation",
    "other": "Not itemised",
}
_SOURCES: dict[str, str] = {  # component -> its session frame column
    "energy": "total_energy_cost_excl_e4",
    "time": "total_time_cost_excl_e4",
    "parking": "total_parking_cost_excl_e4",
    "fixed": "total_fixed_cost_excl_e4",
    "reservation": "total_reservation_cost_excl_e4",
}
SplitBy = Literal["tariff", "emp"]
SPLITS: dict[str, str] = {"tariff": "tariff_id", "emp": "emp_id"}  # split -> its session frame column
NONE_LABEL = "(none)"  # the label of CDRs without a tariff id / without an EMP

# Price check statuses as counted by `price_checks` (None in the frame: not checked).
CHECKS: tuple[str, ...] = (model.PRICE_OK, model.PRICE_MISMATCH, model.PRICE_UNPRICED, model.PRICE_CREDIT)

# Percentiles of the price per kWh (nearest rank); name -> percent.
PERCENTILES: dict[str, int] = {"p10": 10, "median": 50, "p90": 90}

# Period length (days) up to which `default_grain` picks days, then weeks; longer: months.
DAILY_MAX_DAYS = 62
WEEKLY_MAX_DAYS = 190

_IS_SESSION = ~pl.col("credit").fill_null(False)


def cost_column(component: str) -> str:
    """``energy`` -> ``energy_cost_e4``: the column of a component's revenue excl. VAT."""
    return f"{component}_cost_e4"


COST_COLUMNS: tuple[str, ...] = tuple(cost_column(c) for c in COMPONENTS)


def _total(expr: pl.Expr) -> pl.Expr:
    """Sum as Int64 (0 for no rows), like `cdrlib.analytics`."""
    return expr.sum().cast(pl.Int64)


def _component_costs() -> list[pl.Expr]:
    """Per CDR: each stated component (missing: 0) and ``other``, the rest of total_cost excl. VAT."""
    stated = [pl.col(source).fill_null(0).alias(cost_column(name)) for name, source in _SOURCES.items()]
    rest = pl.col("total_cost_excl_e4") - pl.sum_horizontal(pl.col(s).fill_null(0) for s in _SOURCES.values())
    return [*stated, rest.alias(cost_column("other"))]


def _revenue_sums() -> list[pl.Expr]:
    return [
        pl.len().cast(pl.Int64).alias("cdrs"),
        _total(pl.col("total_cost_excl_e4")).alias("revenue_excl_e4"),
        *(_total(pl.col(c)).alias(c) for c in COST_COLUMNS),
    ]


def default_grain(days: int) -> analytics.Grain:
    """The bucket of a revenue chart over ``days`` days: days, weeks, or months for a long period."""
    if days <= DAILY_MAX_DAYS:
        return "day"
    if days <= WEEKLY_MAX_DAYS:
        return "week"
    return "month"


def component_trend(
    lf: pl.LazyFrame,
    grain: analytics.Grain,
    first: dt.date,
    last: dt.date,
    currency: str,
) -> pl.LazyFrame:
    """Revenue excl. VAT in ``currency`` by component per ``day`` (the date of `analytics.select`), week
    (from Monday) or month, over ``first`` .. ``last`` with zeros where nothing happened (the buckets
    of `analytics.trend`). Credit CDRs included (negative).

    Columns: ``bucket`` (date), ``currency``, ``cdrs``, ``revenue_excl_e4``, then `COST_COLUMNS`,
    which add up to ``revenue_excl_e4`` in every row.
    """
    every = analytics.GRAINS[grain]
    day = pl.col("day")
    measured = (
        lf.filter(pl.col("currency") == currency, day.is_between(first, last))
        .with_columns(*_component_costs(), bucket=day.dt.truncate(every))
        .group_by("bucket")
        .agg(_revenue_sums())
    )
    buckets = (
        pl.LazyFrame({"bucket": pl.date_range(first, last, "1d", eager=True)})
        .select(pl.col("bucket").dt.truncate(every))
        .unique()
    )
    sums = ["cdrs", "revenue_excl_e4", *COST_COLUMNS]
    return (
        buckets.join(measured, on="bucket", how="left")
        .with_columns(pl.col(sums).fill_null(0), currency=pl.lit(currency, dtype=pl.String))
        .select("bucket", "currency", *sums)
        .sort("bucket")
    )


def component_split(lf: pl.LazyFrame, by: SplitBy, currency: str) -> pl.LazyFrame:
    """Revenue excl. VAT in ``currency`` by component per tariff (the tariff of the CDR's first
    charging period) or per EMP (the token's issuer; none for own cards and ad hoc payment).

    Columns: ``label`` (the tariff / EMP id, `NONE_LABEL` for none), ``currency``, ``cdrs``,
    ``sessions``, ``energy_e4`` (kWh of the sessions), ``revenue_excl_e4``, then `COST_COLUMNS`.
    Largest revenue first, then by label.
    """
    if by not in SPLITS:
        raise ValueError(f"cannot split costs by {by!r}: use 'tariff' or 'emp'")
    return (
        lf.filter(pl.col("currency") == currency)
        .with_columns(*_component_costs(), label=pl.col(SPLITS[by]).fill_null(NONE_LABEL))
        .group_by("label")
        .agg(
            *_revenue_sums(),
            sessions=_total(_IS_SESSION),
            energy_e4=_total(pl.col("total_energy_e4").filter(_IS_SESSION)),
        )
        .with_columns(currency=pl.lit(currency, dtype=pl.String))
        .select("label", "currency", "cdrs", "sessions", "energy_e4", "revenue_excl_e4", *COST_COLUMNS)
        .sort(["revenue_excl_e4", "label"], descending=[True, False])
    )


def _divide_half_up(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """``numerator / denominator`` (denominator > 0) as an integer, rounded half away from zero, exact."""
    n = numerator.abs()
    q = (2 * n + denominator) // (2 * denominator)
    return pl.when(numerator < 0).then(-q).otherwise(q)


def price_per_kwh(lf: pl.LazyFrame, currency: str) -> pl.LazyFrame:
    """The effective price per kWh of each session in ``currency``: total_cost excl. VAT divided by
    total_energy, for sessions with energy (credit CDRs and sessions without kWh left out).

    Columns: ``cdr_id``, ``tariff_id``, ``emp_id``, ``currency``, ``total_energy_e4``,
    ``total_cost_excl_e4``, ``price_per_kwh_e4`` (rounded half up to 4 decimals). Cheapest first.
    """
    return (
        lf.filter(pl.col("currency") == currency, _IS_SESSION, pl.col("total_energy_e4") > 0)
        .select(
            "cdr_id",
            "tariff_id",
            "emp_id",
            "currency",
            "total_energy_e4",
            "total_cost_excl_e4",
            price_per_kwh_e4=_divide_half_up(pl.col("total_cost_excl_e4") * model.E4_SCALE, pl.col("total_energy_e4")),
        )
        .sort(["price_per_kwh_e4", "cdr_id"])
    )


def price_spread(per_kwh: pl.LazyFrame) -> pl.LazyFrame:
    """One row summing up `price_per_kwh`'s result: ``cdrs``, ``energy_e4``, ``revenue_excl_e4``,
    ``min_e4``, ``p10_e4``, ``median_e4``, ``p90_e4``, ``max_e4`` (null without CDRs).

    Percentiles are by nearest rank: the smallest price at or under which at least that share of
    the sessions lie (so each one is the price of a session, never an interpolation).
    """
    price = pl.col("price_per_kwh_e4").sort()
    n = pl.len().cast(pl.Int64)
    ranked = {f"{name}_e4": price.get((n * p + 99) // 100 - 1, null_on_oob=True) for name, p in PERCENTILES.items()}
    return per_kwh.select(
        cdrs=n,
        energy_e4=_total(pl.col("total_energy_e4")),
        revenue_excl_e4=_total(pl.col("total_cost_excl_e4")),
        min_e4=pl.col("price_per_kwh_e4").min(),
        **ranked,
        max_e4=pl.col("price_per_kwh_e4").max(),
    )


def price_histogram(per_kwh: pl.LazyFrame, bins: int) -> pl.LazyFrame:
    """`price_per_kwh`'s prices counted in at most ``bins`` bins of one width in whole 1/10,000s, from
    the lowest price: ``low_e4`` (included), ``high_e4`` (excluded), ``sessions``. Only bins with
    sessions, cheapest first; no rows without sessions. A chart of a month's 90,000 sessions sends these
    rows, not 90,000 prices."""
    if bins < 1:
        raise ValueError(f"a histogram needs at least one bin, not {bins}")
    price = pl.col("price_per_kwh_e4")
    # width > (highest - lowest) / bins, so the highest price falls in the last bin at most
    lowest, width = pl.col("_lowest"), pl.col("_width")
    return (
        per_kwh.select(price, _lowest=price.min(), _width=(price.max() - price.min()) // bins + 1)
        .with_columns(low_e4=lowest + (price - lowest) // width * width)
        .group_by("low_e4")
        .agg(high_e4=pl.col("low_e4").first() + width.first(), sessions=pl.len().cast(pl.Int64))
        .sort("low_e4")
    )


@dataclass(frozen=True, slots=True)
class PriceSpread:
    """The spread of the price per kWh (`price_spread`), exact; the prices are None without sessions."""

    cdrs: int
    energy_kwh: Decimal
    revenue_excl: Decimal
    minimum: Decimal | None
    p10: Decimal | None
    median: Decimal | None
    p90: Decimal | None
    maximum: Decimal | None

    @classmethod
    def from_frame(cls, df: pl.DataFrame) -> PriceSpread:
        r = df.row(0, named=True)
        return cls(
            cdrs=r["cdrs"],
            energy_kwh=model.from_e4(r["energy_e4"]),
            revenue_excl=model.from_e4(r["revenue_excl_e4"]),
            minimum=model.from_e4(r["min_e4"]),
            p10=model.from_e4(r["p10_e4"]),
            median=model.from_e4(r["median_e4"]),
            p90=model.from_e4(r["p90_e4"]),
            maximum=model.from_e4(r["max_e4"]),
        )

    @property
    def average(self) -> Decimal | None:
        """Revenue excl. VAT per kWh over all these sessions together (weighted by their kWh)."""
        return analytics.ratio(self.revenue_excl, self.energy_kwh)


def price_checks(lf: pl.LazyFrame) -> pl.LazyFrame:
    """How many CDRs the pricing engine found ``ok``, ``mismatch``, ``unpriced`` or ``credit``, and
    how many were not checked (``unchecked``: no price status), with ``cdrs`` in all; one row."""
    status = pl.col("price_status")
    return lf.select(
        cdrs=pl.len().cast(pl.Int64),
        **{name: _total(status == name) for name in CHECKS},
        unchecked=_total(status.is_null()),
    )


@dataclass(frozen=True, slots=True)
class PriceChecks:
    """The result of `price_checks`."""

    cdrs: int
    ok: int
    mismatch: int
    unpriced: int
    credit: int
    unchecked: int

    @classmethod
    def from_frame(cls, df: pl.DataFrame) -> PriceChecks:
        return cls(**df.row(0, named=True))

    @property
    def checked(self) -> int:
        """CDRs the engine re-priced or tried to (credit CDRs are not re-priced)."""
        return self.ok + self.mismatch + self.unpriced

    def share(self, status: str) -> Decimal | None:
        """The CDRs of ``status`` (ok, mismatch, unpriced) as a fraction of the checked ones."""
        return analytics.ratio(getattr(self, status), self.checked)


def issue_keys(lf: pl.LazyFrame, limit: int) -> pl.LazyFrame:
    """The keys (``pk``) of the CDRs whose price check is a mismatch or unpriced, newest session first,
    at most ``limit``: `Store.price_issues` reads their details."""
    issue = pl.col("price_status").is_in([model.PRICE_MISMATCH, model.PRICE_UNPRICED])
    return lf.filter(issue).sort(["start_us", "pk"], descending=True).head(limit).select("pk")


def issue_differences(issues: pl.LazyFrame) -> pl.LazyFrame:
    """`Store.price_issues`'s frame with ``diff_excl_e4`` and ``diff_incl_e4``: stated minus recomputed
    (null where either is unknown, e.g. for an unpriced CDR)."""
    return issues.with_columns(
        diff_excl_e4=pl.col("total_cost_excl_e4") - pl.col("calc_total_cost_excl_e4"),
        diff_incl_e4=pl.col("total_cost_incl_e4") - pl.col("calc_total_cost_incl_e4"),
    )


# ---------------------------------------------------------------------- one CDR
TIMELINE_COLUMNS: dict[str, pl.DataType] = {
    "period": pl.Int64(),  # 1-based, as in `pricing.as_json`
    "start_us": pl.Int64(),
    "end_us": pl.Int64(),
    "tariff_id": pl.String(),
    "energy_e4": pl.Int64(),  # kWh
    "time_e4": pl.Int64(),  # hours charging
    "parking_time_e4": pl.Int64(),  # hours
    "max_power_e4": pl.Int64(),  # kW
    "power_e4": pl.Int64(),  # kW
    "power_from": pl.String(),  # "MAX_POWER" or "energy / time"
}
POWER_MEASURED = "MAX_POWER"
POWER_AVERAGE = "energy / time"
_US_PER_HOUR = Decimal(3_600_000_000)


def _power(period: model.ChargingPeriod, start: dt.datetime, end: dt.datetime) -> tuple[Decimal | None, str | None]:
    """The period's power (kW): its MAX_POWER when given, else its energy over its charging time
    (the TIME dimension, or the period's length without one); None without energy."""
    if period.max_power is not None:
        return period.max_power, POWER_MEASURED
    if period.energy is None:
        return None, None
    hours = period.time if period.time else Decimal(to_micros(end) - to_micros(start)) / _US_PER_HOUR
    if hours <= 0:
        return None, None
    return period.energy / hours, POWER_AVERAGE


def timeline(cdr: model.Cdr) -> pl.LazyFrame:
    """The CDR's charging periods, one row each (`TIMELINE_COLUMNS`): a period ends where the next
    one starts, the last one at the CDR's end (OCPI 2.2.1 mod_cdrs, ChargingPeriod)."""
    periods = cdr.charging_periods
    rows = []
    for i, p in enumerate(periods):
        end = periods[i + 1].start_date_time if i + 1 < len(periods) else cdr.end_date_time
        power, source = _power(p, p.start_date_time, end)
        dimensions = (p.energy, p.time, p.parking_time, p.max_power, power)
        rows.append(
            (i + 1, to_micros(p.start_date_time), to_micros(end), p.tariff_id, *map(model.to_e4, dimensions), source)
        )
    return pl.DataFrame(rows, schema=TIMELINE_COLUMNS, orient="row").lazy()


# ---------------------------------------------------------------------- CSV
def _e4_text(name: str) -> pl.Expr:
    """An ``_e4`` integer column as its exact decimal text with 4 decimals (``-12345`` -> ``-1.2345``)."""
    value = pl.col(name)
    magnitude = value.abs()
    return pl.concat_str(
        pl.when(value < 0).then(pl.lit("-")).otherwise(pl.lit("")),
        (magnitude // model.E4_SCALE).cast(pl.String),
        pl.lit("."),
        (magnitude % model.E4_SCALE).cast(pl.String).str.zfill(model.E4_PLACES),
    ).alias(name.removesuffix("_e4"))


def _us_text(name: str) -> pl.Expr:
    """A ``_us`` column as an ISO 8601 UTC instant (``2024-03-05T08:00:00Z``)."""
    instant = pl.from_epoch(name, time_unit="us").dt.replace_time_zone("UTC")
    return instant.dt.to_string("%Y-%m-%dT%H:%M:%S%.fZ").alias(name.removesuffix("_us"))


def readable(lf: pl.LazyFrame) -> pl.LazyFrame:
    """A frame as a file shows it: ``_e4`` columns become exact decimal text (suffix dropped),
    ``_us`` columns ISO 8601 UTC instants; other columns stay as they are."""
    names = lf.collect_schema().names()
    return lf.select(
        _e4_text(n) if n.endswith("_e4") else _us_text(n) if n.endswith("_us") else pl.col(n) for n in names
    )
