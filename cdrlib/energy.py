"""Energy and time: when and where energy is charged, how long cars stay, at what power, and for whom.

Pure functions over a `pl.LazyFrame` with `ANALYTICS_COLUMNS` (the session frame, `analytics.select`ed:
with ``start_local``, ``power`` and ``day``); each returns a small `pl.LazyFrame` and the caller
collects once, at the edge (`cdrlib.ui.energy`). kWh, hours and kW stay exact integers of 1/10,000
(``_e4``) through every aggregation; shares are fractions of 1/10,000 too (``5000`` is 50 %).

The rules of `cdrlib.analytics` hold, and these:

- **Credit CDRs** (OCPI 2.2.1 mod_cdrs, CDR object: ``credit``) are not sessions: every function here
  leaves them out (their kWh and hours belong to the session they correct, counted already).
- **Session duration** is ``total_time`` (OCPI: the whole session, charging and not charging, in
  hours): how long the car was plugged in. **Charging time** is ``total_time - total_parking_time``
  (parking not given: 0), never below 0; **parking (idle) time** is ``total_parking_time`` (OCPI: the
  part of the session in which the car did not charge), 0 when not given.
- **Local time** is the session start at the location, in the location's own time zone
  (``start_local`` of `analytics.prepare`): the heat map shows when people arrive *there*.
- **Maximum power** of a session is the highest MAX_POWER of its charging periods (OCPI 2.2.1
  mod_cdrs, CdrDimensionType MAX_POWER, kW) where the sender gives it; else its average power while
  charging, ``total_energy / charging time`` (kW), which is at most the real peak. A session with
  neither (no MAX_POWER, and no energy or no charging time) has no power and is left out of the spread.
- **Occupancy** of a location is the plugged-in hours (``total_time``) of its selected sessions over
  its capacity in the period: its EVSEs (the distinct EVSE uids the whole store has seen there, at
  least 1) times the hours of the period (24 per day). A session counts wholly in the period its
  start (or creation) lies in, so a session running past the last day can lift occupancy a little.
- Ratios (averages, shares, power) are rounded half up to whole 1/10,000s where they are computed.
- Bins of a spread hold the values above their lower edge up to and including their upper edge
  (the first bin starts at 0 included), so that an 11 kW charge lies in "7.4–11 kW".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import polars as pl

from cdrlib import analytics, model

HOURS_PER_DAY = 24
NONE_LABEL = "(none)"  # the EMP of own cards and ad hoc payment (no token issuer)
OTHERS_LABEL = "Other EMPs"  # the EMPs beyond the ones `emp_mix` lists
ALL_LABEL = "All"  # the row of `charging_vs_parking` over AC and DC together
POWERS: tuple[str, ...] = ("AC", "DC")
WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # ISO order: 1 = Monday

# Upper edges of the bins of a spread (the last bin has none): session duration in hours, power in kW.
DURATION_EDGES_H: tuple[str, ...] = ("0.25", "0.5", "1", "2", "3", "4", "6", "8", "12", "24")
POWER_EDGES_KW: tuple[str, ...] = ("3.7", "7.4", "11", "22", "50", "100", "150", "350")

# Percentiles of a spread (nearest rank); name -> percent.
PERCENTILES: dict[str, int] = {"p10": 10, "median": 50, "p90": 90}

LocationsBy = Literal["energy", "occupancy"]
POWER_FROM_MAX = "MAX_POWER"
POWER_FROM_AVERAGE = "energy / charging time"

_SCALE = model.E4_SCALE
_IS_SESSION = ~pl.col("credit").fill_null(False)
_IS_DC = pl.col("power") == "DC"
_ENERGY_E4 = pl.col("total_energy_e4").fill_null(0)
_TOTAL_TIME_E4 = pl.col("total_time_e4").fill_null(0)
_PARKING_E4 = pl.col("total_parking_time_e4").fill_null(0)
_CHARGING_E4 = (_TOTAL_TIME_E4 - _PARKING_E4).clip(lower_bound=0)


def _total(expr: pl.Expr) -> pl.Expr:
    """Sum as Int64 (0 for no rows), like `cdrlib.analytics`."""
    return expr.sum().cast(pl.Int64)


def _divide_half_up(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """``numerator / denominator`` as an integer, rounded half away from zero, exact; null when the
    denominator is 0 (or null)."""
    n = numerator.abs()
    d = pl.when(denominator != 0).then(denominator.abs())
    q = (2 * n + d) // (2 * d)
    sign_negative = (numerator < 0) != (denominator < 0)
    return pl.when(sign_negative).then(-q).otherwise(q).cast(pl.Int64)


def _share_e4(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    """``part / whole`` as a fraction of 1/10,000 (``5000`` is 50 %); null when ``whole`` is 0."""
    return _divide_half_up(part * _SCALE, whole)


def _sessions(lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.filter(_IS_SESSION)


def _sessions_by_power() -> dict[str, pl.Expr]:
    """``sessions_ac`` and ``sessions_dc``: the count of each."""
    return {"sessions_ac": _total(~_IS_DC), "sessions_dc": _total(_IS_DC)}


# ---------------------------------------------------------------------- over time
def energy_by_grain(lf: pl.LazyFrame, grain: analytics.Grain, first: dt.date, last: dt.date) -> pl.LazyFrame:
    """Sessions and kWh per ``day`` (the date of `analytics.select`), week (from Monday) or month, split
    AC / DC, over ``first`` .. ``last`` with zeros where nothing happened (the buckets of
    `analytics.trend`: a bucket is named by its first day, a week's Monday may fall before ``first``).

    Columns: ``bucket`` (date), ``sessions_ac``, ``sessions_dc``, ``sessions``, ``energy_ac_e4``,
    ``energy_dc_e4``, ``energy_e4`` (kWh).
    """
    every = analytics.GRAINS[grain]
    day = pl.col("day")
    measured = (
        _sessions(lf)
        .filter(day.is_between(first, last))
        .with_columns(bucket=day.dt.truncate(every))
        .group_by("bucket")
        .agg(
            **_sessions_by_power(),
            energy_ac_e4=_total(_ENERGY_E4.filter(~_IS_DC)),
            energy_dc_e4=_total(_ENERGY_E4.filter(_IS_DC)),
        )
    )
    buckets = (
        pl.LazyFrame({"bucket": pl.date_range(first, last, "1d", eager=True)})
        .select(pl.col("bucket").dt.truncate(every))
        .unique()
    )
    sums = ["sessions_ac", "sessions_dc", "energy_ac_e4", "energy_dc_e4"]
    return (
        buckets.join(measured, on="bucket", how="left")
        .with_columns(pl.col(sums).fill_null(0))
        .select(
            "bucket",
            "sessions_ac",
            "sessions_dc",
            sessions=pl.col("sessions_ac") + pl.col("sessions_dc"),
            energy_ac_e4=pl.col("energy_ac_e4"),
            energy_dc_e4=pl.col("energy_dc_e4"),
            energy_e4=pl.col("energy_ac_e4") + pl.col("energy_dc_e4"),
        )
        .sort("bucket")
    )


# ---------------------------------------------------------------------- when
def heatmap(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Sessions and kWh by the weekday and hour of the session start in the location's own time zone
    (``start_local``): all 7 × 24 cells, zeros where nothing started.

    Columns: ``weekday`` (1 = Monday .. 7 = Sunday), ``weekday_name`` (`WEEKDAYS`), ``hour`` (0 .. 23:
    the sessions that started from that hour up to the next), ``sessions``, ``energy_e4`` (kWh).
    Sorted by weekday, then hour.
    """
    start = pl.col("start_local")
    measured = (
        _sessions(lf)
        .group_by(weekday=start.dt.weekday().cast(pl.Int64), hour=start.dt.hour().cast(pl.Int64))
        .agg(sessions=pl.len().cast(pl.Int64), energy_e4=_total(_ENERGY_E4))
    )
    cells = pl.LazyFrame(
        {
            "weekday": [w for w in range(1, 8) for _ in range(HOURS_PER_DAY)],
            "weekday_name": [name for name in WEEKDAYS for _ in range(HOURS_PER_DAY)],
            "hour": list(range(HOURS_PER_DAY)) * 7,
        },
        schema={"weekday": pl.Int64, "weekday_name": pl.String, "hour": pl.Int64},
    )
    return (
        cells.join(measured, on=["weekday", "hour"], how="left")
        .with_columns(pl.col("sessions", "energy_e4").fill_null(0))
        .sort("weekday", "hour")
    )


# ---------------------------------------------------------------------- spreads
def _edges_e4(edges: tuple[str, ...]) -> list[int]:
    return [model.to_e4(Decimal(e)) for e in edges]


def _bins(edges: tuple[str, ...], unit: str) -> pl.LazyFrame:
    """One row per bin: ``bin`` (0 ..), ``label`` (``1–2 h``, ``> 24 h``), ``lower_e4``, ``upper_e4``
    (null for the last bin)."""
    lowers = ["0", *edges]
    uppers: list[str | None] = [*edges, None]
    labels = [
        f"{lo}–{up} {unit}" if up is not None else f"> {lo} {unit}" for lo, up in zip(lowers, uppers, strict=True)
    ]
    return pl.LazyFrame(
        {
            "bin": list(range(len(lowers))),
            "label": labels,
            "lower_e4": [model.to_e4(Decimal(v)) for v in lowers],
            "upper_e4": [None if v is None else model.to_e4(Decimal(v)) for v in uppers],
        },
        schema={"bin": pl.Int64, "label": pl.String, "lower_e4": pl.Int64, "upper_e4": pl.Int64},
    )


def _bin_of(value: pl.Expr, edges: tuple[str, ...]) -> pl.Expr:
    """The bin of ``value``: how many upper edges it lies above (so a bin includes its upper edge)."""
    return pl.sum_horizontal((value > e).cast(pl.Int64) for e in _edges_e4(edges))


def _binned(lf: pl.LazyFrame, value: pl.Expr, edges: tuple[str, ...], unit: str, **extra: pl.Expr) -> pl.LazyFrame:
    """Sessions (those with a non-null ``value``) per bin of ``value``, AC / DC, with every bin."""
    counted = lf.filter(value.is_not_null()).group_by(bin=_bin_of(value, edges)).agg(**_sessions_by_power(), **extra)
    sums = ["sessions_ac", "sessions_dc", *extra]
    return (
        _bins(edges, unit)
        .join(counted, on="bin", how="left")
        .with_columns(pl.col(sums).fill_null(0))
        .with_columns(sessions=pl.col("sessions_ac") + pl.col("sessions_dc"))
        .select("bin", "label", "lower_e4", "upper_e4", "sessions_ac", "sessions_dc", "sessions", *extra)
        .sort("bin")
    )


def _percentiles(lf: pl.LazyFrame, value: pl.Expr, **extra: pl.Expr) -> pl.LazyFrame:
    """One row: ``sessions`` (with a non-null ``value``), ``min_e4``, ``p10_e4``, ``median_e4``,
    ``p90_e4``, ``max_e4`` (null without sessions), and ``extra`` aggregated over the same sessions.
    Percentiles are by nearest rank: the smallest value at or under which at least that share of the
    sessions lie (always a session's own value)."""
    ordered = pl.col("_value").sort()
    n = pl.len().cast(pl.Int64)
    ranked = {f"{name}_e4": ordered.get((n * p + 99) // 100 - 1, null_on_oob=True) for name, p in PERCENTILES.items()}
    return (
        lf.with_columns(_value=value)
        .filter(pl.col("_value").is_not_null())
        .select(sessions=n, min_e4=pl.col("_value").min(), **ranked, max_e4=pl.col("_value").max(), **extra)
    )


@dataclass(frozen=True, slots=True)
class Spread:
    """The collected result of `duration_percentiles` or `power_percentiles`, exact (hours or kW);
    the values are None without sessions."""

    sessions: int
    minimum: Decimal | None
    p10: Decimal | None
    median: Decimal | None
    p90: Decimal | None
    maximum: Decimal | None

    @classmethod
    def from_frame(cls, df: pl.DataFrame) -> Spread:
        r = df.row(0, named=True)
        return cls(
            sessions=r["sessions"],
            minimum=model.from_e4(r["min_e4"]),
            p10=model.from_e4(r["p10_e4"]),
            median=model.from_e4(r["median_e4"]),
            p90=model.from_e4(r["p90_e4"]),
            maximum=model.from_e4(r["max_e4"]),
        )


def durations(lf: pl.LazyFrame) -> pl.LazyFrame:
    """How long sessions lasted (``total_time``: plugged in, charging or not), per bin of
    `DURATION_EDGES_H`, every bin listed.

    Columns: ``bin``, ``label`` (``1–2 h``), ``lower_e4``, ``upper_e4`` (hours; null for the last bin),
    ``sessions_ac``, ``sessions_dc``, ``sessions``.
    """
    return _binned(_sessions(lf), _TOTAL_TIME_E4, DURATION_EDGES_H, "h")


def duration_percentiles(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The spread of session durations (``total_time``, hours) in one row (see `_percentiles`)."""
    return _percentiles(_sessions(lf), _TOTAL_TIME_E4)


def session_power(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Each session's maximum power: ``power_e4`` (kW) and where it comes from, ``power_from``
    (`POWER_FROM_MAX` or `POWER_FROM_AVERAGE`; both null when the session has no power, see the module
    docstring). Adds the two columns to the sessions (credit CDRs left out)."""
    average = pl.when(_ENERGY_E4 > 0).then(_divide_half_up(_ENERGY_E4 * _SCALE, _CHARGING_E4))
    measured = pl.col("max_power_e4").is_not_null()
    return _sessions(lf).with_columns(
        power_e4=pl.when(measured).then(pl.col("max_power_e4")).otherwise(average),
        power_from=pl.when(measured)
        .then(pl.lit(POWER_FROM_MAX))
        .when(average.is_not_null())
        .then(pl.lit(POWER_FROM_AVERAGE)),
    )


def power_spread(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The spread of sessions' maximum power (`session_power`) per bin of `POWER_EDGES_KW`, every bin
    listed; sessions without power are left out.

    Columns: ``bin``, ``label`` (``11–22 kW``), ``lower_e4``, ``upper_e4`` (kW; null for the last bin),
    ``sessions_ac``, ``sessions_dc``, ``sessions``, ``from_max_power`` (of ``sessions``, those whose
    power is a MAX_POWER the sender gave; the others' is energy / charging time).
    """
    from_max = pl.col("power_from") == POWER_FROM_MAX
    return _binned(session_power(lf), pl.col("power_e4"), POWER_EDGES_KW, "kW", from_max_power=_total(from_max))


def power_percentiles(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The spread of sessions' maximum power (kW) in one row (see `_percentiles`), with
    ``from_max_power``: how many of them come from MAX_POWER."""
    from_max = _total(pl.col("power_from") == POWER_FROM_MAX)
    return _percentiles(session_power(lf), pl.col("power_e4"), from_max_power=from_max)


# ---------------------------------------------------------------------- charging and parking
def _time_sums() -> dict[str, pl.Expr]:
    return {
        "sessions": pl.len().cast(pl.Int64),
        "charging_time_e4": _total(_CHARGING_E4),
        "parking_time_e4": _total(_PARKING_E4),
    }


def _time_ratios() -> dict[str, pl.Expr]:
    """Averages per session (hours) and the idle share (parking / (charging + parking))."""
    charging, parking = pl.col("charging_time_e4"), pl.col("parking_time_e4")
    return {
        "avg_charging_e4": _divide_half_up(charging, pl.col("sessions")),
        "avg_parking_e4": _divide_half_up(parking, pl.col("sessions")),
        "idle_share_e4": _share_e4(parking, charging + parking),
    }


def charging_vs_parking(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Charging time against parking (idle) time, for AC, DC and both together (`ALL_LABEL`).

    Columns: ``power`` (``AC``, ``DC``, ``All``), ``sessions``, ``charging_time_e4``,
    ``parking_time_e4`` (hours, summed), ``avg_charging_e4``, ``avg_parking_e4`` (hours per session;
    null without sessions), ``idle_share_e4`` (parking as a share of charging + parking; null without
    time). Always these three rows, in this order.
    """
    sessions = _sessions(lf)
    by_power = sessions.group_by("power").agg(**_time_sums())
    both = sessions.select(power=pl.lit(ALL_LABEL), **_time_sums())
    rows = pl.LazyFrame({"power": [*POWERS, ALL_LABEL], "order": [0, 1, 2]})
    measured = pl.concat([by_power, both], how="vertical_relaxed")
    return (
        rows.join(measured, on="power", how="left")
        .with_columns(pl.col("sessions", "charging_time_e4", "parking_time_e4").fill_null(0))
        .with_columns(**_time_ratios())
        .sort("order")
        .drop("order")
    )


def _per_location(lf: pl.LazyFrame, **sums: pl.Expr) -> pl.LazyFrame:
    """The sessions grouped by location: ``location_id``, ``location_name`` (the one the store lists it
    under: the greatest, as `Store.filter_options`), ``sessions`` and ``sums``."""
    return (
        _sessions(lf)
        .group_by("location_id")
        .agg(location_name=pl.col("location_name").max(), sessions=pl.len().cast(pl.Int64), **sums)
    )


def longest_idle_locations(lf: pl.LazyFrame, n: int) -> pl.LazyFrame:
    """The ``n`` locations where cars stay longest after charging: the most parking (idle) hours per
    session, then the most parking hours, then by location id. Locations where no session parked
    are left out.

    Columns: ``location_id``, ``location_name``, ``sessions``, ``charging_time_e4``,
    ``parking_time_e4`` (hours), ``avg_charging_e4``, ``avg_parking_e4`` (hours per session),
    ``idle_share_e4`` (parking / (charging + parking)).
    """
    return (
        _per_location(lf, charging_time_e4=_total(_CHARGING_E4), parking_time_e4=_total(_PARKING_E4))
        .filter(pl.col("parking_time_e4") > 0)
        .with_columns(**_time_ratios())
        .sort(["avg_parking_e4", "parking_time_e4", "location_id"], descending=[True, True, False])
        .head(n)
    )


# ---------------------------------------------------------------------- locations
def period_hours(first: dt.date, last: dt.date) -> int:
    """The hours of ``first`` .. ``last`` (both included) for occupancy: 24 per day."""
    return ((last - first).days + 1) * HOURS_PER_DAY


def evse_counts(lf: pl.LazyFrame) -> pl.LazyFrame:
    """EVSEs per location: the distinct ``evse_uid`` seen in its CDRs (give it every CDR of the store,
    not a selection), at least 1. Columns: ``location_id``, ``evses``."""
    return lf.group_by("location_id").agg(
        evses=pl.col("evse_uid").drop_nulls().n_unique().cast(pl.Int64).clip(lower_bound=1)
    )


def locations(lf: pl.LazyFrame, evses: pl.LazyFrame, hours: int) -> pl.LazyFrame:
    """Energy and occupancy of every location with sessions (see the module docstring for occupancy).

    ``evses`` is `evse_counts`'s result (a location it lacks counts as 1 EVSE); ``hours`` the hours of
    the period (`period_hours`). Columns: ``location_id``, ``location_name``, ``sessions``,
    ``energy_e4`` (kWh), ``plugged_time_e4`` (hours plugged in), ``evses``, ``period_hours``,
    ``occupancy_e4`` (plugged-in hours / (EVSEs × period hours), a share of 1/10,000). By location id.
    """
    return (
        _per_location(lf, energy_e4=_total(_ENERGY_E4), plugged_time_e4=_total(_TOTAL_TIME_E4))
        .with_columns(pl.col("location_id").cast(pl.String))  # ids as texts on both sides of the join
        .join(evses.with_columns(pl.col("location_id").cast(pl.String)), on="location_id", how="left")
        .with_columns(pl.col("evses").fill_null(1), period_hours=pl.lit(hours, dtype=pl.Int64))
        .with_columns(occupancy_e4=_divide_half_up(pl.col("plugged_time_e4"), pl.col("evses") * hours))
        .sort("location_id")
    )


def top_locations(lf: pl.LazyFrame, evses: pl.LazyFrame, hours: int, n: int, by: LocationsBy) -> pl.LazyFrame:
    """The ``n`` locations of `locations` with the most energy (``by="energy"``) or the highest
    occupancy (``by="occupancy"``), then the most plugged-in hours, then by location id."""
    if by == "energy":
        order = ["energy_e4", "plugged_time_e4"]
    elif by == "occupancy":
        order = ["occupancy_e4", "plugged_time_e4"]
    else:
        raise ValueError(f"cannot rank locations by {by!r}: use 'energy' or 'occupancy'")
    return locations(lf, evses, hours).sort([*order, "location_id"], descending=[True, True, False]).head(n)


# ---------------------------------------------------------------------- EMPs
def emp_mix(lf: pl.LazyFrame, n: int) -> pl.LazyFrame:
    """Sessions and kWh per EMP (the token's issuer, `NONE_LABEL` for own cards and ad hoc payment):
    the ``n`` EMPs with the most sessions (then the most kWh, then by id), the rest together as
    `OTHERS_LABEL` (last).

    Columns: ``label``, ``sessions``, ``energy_e4`` (kWh), ``sessions_share_e4``, ``energy_share_e4``
    (of all sessions / kWh here, a share of 1/10,000; null when the whole is 0).
    """
    per_emp = (
        _sessions(lf)
        .group_by(label=pl.col("emp_id").fill_null(NONE_LABEL))
        .agg(sessions=pl.len().cast(pl.Int64), energy_e4=_total(_ENERGY_E4))
        .sort(["sessions", "energy_e4", "label"], descending=[True, True, False])
        .with_row_index("rank")
    )
    folded = (
        per_emp.with_columns(
            rank=pl.min_horizontal(pl.col("rank"), pl.lit(n, dtype=pl.UInt32)),
            label=pl.when(pl.col("rank") < n).then(pl.col("label")).otherwise(pl.lit(OTHERS_LABEL)),
        )
        .group_by("rank", "label")
        .agg(_total(pl.col("sessions")).alias("sessions"), _total(pl.col("energy_e4")).alias("energy_e4"))
        .sort("rank")
    )
    return folded.select(
        "label",
        "sessions",
        "energy_e4",
        sessions_share_e4=_share_e4(pl.col("sessions"), pl.col("sessions").sum()),
        energy_share_e4=_share_e4(pl.col("energy_e4"), pl.col("energy_e4").sum()),
    )
