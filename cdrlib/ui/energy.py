"""The Energy & time page's cached reads and plotly figures.

Each read collects one `cdrlib.energy` pipeline over `data.sessions` (the page's period, basis and
filters) and is cached like the reads of `cdrlib.ui.data`. Charts may use floats; the CSV next to each
chart has the exact numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cdrlib import analytics, energy, model
from cdrlib.period import Period
from cdrlib.ui import data, fmt
from cdrlib.ui.context import PageContext

Measure = Literal["energy", "sessions"]
MEASURES: dict[str, str] = {"energy": "Energy (kWh)", "sessions": "Sessions"}
# The page's sections (tabs), one open at a time; the first is the default.
VIEWS = ("Over time", "Durations and parking", "Power", "Locations and EMPs")
TOP_LOCATIONS = 10  # locations in each top list
TOP_EMPS = 10  # EMPs listed by name in the mix; the rest together
NONE_LABEL = energy.NONE_LABEL
OTHERS_LABEL = energy.OTHERS_LABEL
POWER_COLORS: dict[str, str] = {"AC": "#0b7a75", "DC": "#e39b2d"}
TIME_COLORS: dict[str, str] = {"charging": "#0b7a75", "parking": "#c4463a"}
_SCALE = model.E4_SCALE
_HEIGHT_PX = 360
_BAR_ROW_PX = 26  # height per bar of a horizontal bar chart
_BARS_MIN_PX = 220
_MARGIN = {"l": 10, "r": 10, "t": 10, "b": 10}
_LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0}
_GRAIN_AXIS = {"day": "Day", "week": "Week (from Monday)", "month": "Month"}
_BUCKET_FORMATS = {"day": "%a %Y-%m-%d", "week": "week of %Y-%m-%d", "month": "%B %Y"}

OCCUPANCY_NOTE = (
    "Occupancy: the hours cars were plugged in (OCPI total_time) at the location in the selected sessions, "
    "divided by its EVSEs (all EVSE uids ever seen there) × the hours of the period (24 per day). "
    "A session counts wholly in the period it is dated in."
)
POWER_NOTE = (
    "Maximum power: the highest MAX_POWER of the session's charging periods where the CDR gives it; "
    "otherwise its average power while charging (energy / charging time), which is at most the real peak."
)
TIME_NOTE = (
    "Charging time: total time minus parking time (OCPI total_parking_time, 0 when not given). Parking (idle): "
    "time plugged in without charging. Credit CDRs are not sessions and are left out of every chart."
)


# ---------------------------------------------------------------------- cached reads
@st.cache_data(ttl=data.CACHE_TTL_S, show_spinner=False, hash_funcs=data._HASH)
def by_grain(ctx: PageContext, within: Period, grain: analytics.Grain) -> pl.DataFrame:
    return energy.energy_by_grain(data.sessions(ctx, within), grain, within.first, within.last).collect()


@st.cache_data(ttl=data.CACHE_TTL_S, show_spinner=False, hash_funcs=data._HASH)
def heatmap(ctx: PageContext, within: Period) -> pl.DataFrame:
    return energy.heatmap(data.sessions(ctx, within)).collect()


@st.cache_data(ttl=data.CACHE_TTL_S, show_spinner=False, hash_funcs=data._HASH)
def durations(ctx: PageContext, within: Period) -> pl.DataFrame:
    return energy.durations(data.sessions(ctx, within)).collect()


@st.cache_data(ttl=data.CACHE_TTL_S, show_spinner=False, hash_funcs=data._HASH)
def duration_spread(ctx: PageContext, within: Period) -> energy.Spread:
    return energy.Spread.from_frame(energy.duration_percentiles(data.sessions(ctx, within)).collect())


@st.cache_data(ttl=data.CACHE_TTL_S, show_spinner=False, hash_funcs=data._HASH)
def charging_vs_parking(ctx: PageContext, within: Period) -> pl.DataFrame:
    return energy.charging_vs_parking(data.sessions(ctx, within)).collect()


@st.cache_data(ttl=data.CACHE_TTL_S, show_spinner=False, hash_funcs=data._HASH)
def idle_locations(ctx: PageContext, within: Period, n: int = TOP_LOCATIONS) -> pl.DataFrame:
    return energy.longest_idle_locations(data.sessions(ctx, within), n).collect()


@st.cache_data(ttl=data.CACHE_TTL_S, show_spinner=False, hash_funcs=data._HASH)
def power_spread(ctx: PageContext, within: Period) -> pl.DataFrame:
    return energy.power_spread(data.sessions(ctx, within)).collect()


@st.cache_data(ttl=data.CACHE_TTL_S, show_spinner=False, hash_funcs=data._HASH)
def power_percentiles(ctx: PageContext, within: Period) -> tuple[energy.Spread, int]:
    """The spread of maximum power and how many of its sessions state MAX_POWER."""
    df = energy.power_percentiles(data.sessions(ctx, within)).collect()
    return energy.Spread.from_frame(df), df["from_max_power"][0]


@st.cache_data(ttl=data.CACHE_TTL_S, show_spinner=False)
def evses(url: str, tz: str, version: tuple[Any, ...]) -> pl.DataFrame:
    """EVSEs per location over every CDR of the store (`energy.evse_counts`), not just a selection."""
    return energy.evse_counts(data.cdrs(url, tz, version).lazy()).collect()


@st.cache_data(ttl=data.CACHE_TTL_S, show_spinner=False, hash_funcs=data._HASH)
def top_locations(ctx: PageContext, within: Period, by: energy.LocationsBy, n: int = TOP_LOCATIONS) -> pl.DataFrame:
    counts = evses(ctx.url, ctx.tz, ctx.version).lazy()
    hours = energy.period_hours(within.first, within.last)
    return energy.top_locations(data.sessions(ctx, within), counts, hours, n, by).collect()


@st.cache_data(ttl=data.CACHE_TTL_S, show_spinner=False, hash_funcs=data._HASH)
def emp_mix(ctx: PageContext, within: Period, n: int = TOP_EMPS) -> pl.DataFrame:
    return energy.emp_mix(data.sessions(ctx, within), n).collect()


def emp_names(ctx: PageContext) -> dict[str, str]:
    """EMP id -> ``Name (ID)`` as the sidebar lists them."""
    return dict(data.filter_choices(ctx.url, ctx.tz, ctx.version).emps)


# ---------------------------------------------------------------------- captions
def _hours(value: Decimal | None) -> str:
    return "–" if value is None else fmt.hours(value, 2)


def _kw(value: Decimal | None) -> str:
    return "–" if value is None else f"{fmt.number(value, 1)} kW"


def duration_text(spread: energy.Spread) -> str:
    """``Median 1.50 h plugged in over 7 sessions; 10 % ... ``."""
    return (
        f"Median {_hours(spread.median)} plugged in over {fmt.count(spread.sessions, 'session')}; "
        f"10 % of them last {_hours(spread.p10)} or less, 90 % {_hours(spread.p90)} or less; "
        f"from {_hours(spread.minimum)} to {_hours(spread.maximum)}. Duration: OCPI total_time "
        "(charging and parking); a bar holds the durations above its lower edge up to its upper edge."
    )


def power_text(spread: energy.Spread, from_max_power: int) -> str:
    measured = fmt.count(from_max_power, "session")
    return (
        f"Median {_kw(spread.median)} over {fmt.count(spread.sessions, 'session')} "
        f"({measured} with MAX_POWER, the rest energy / charging time); 10 % reach {_kw(spread.p10)} or less, "
        f"90 % {_kw(spread.p90)} or less; from {_kw(spread.minimum)} to {_kw(spread.maximum)}."
    )


# ---------------------------------------------------------------------- figures
def _kwh(series: pl.Series) -> list[float]:
    return (series / _SCALE).to_list()


def _layout(fig: go.Figure, **changes: Any) -> go.Figure:
    fig.update_layout({"height": _HEIGHT_PX, "margin": _MARGIN, "legend": _LEGEND, "bargap": 0.15, **changes})
    return fig


def _bars_height(n: int) -> int:
    return max(_BARS_MIN_PX, _BAR_ROW_PX * n + 90)


def _location_labels(df: pl.DataFrame) -> list[str]:
    """``Name (ID)``, or the id alone for a location without a name: unique per location."""
    return [
        f"{name} ({lid})" if name else lid
        for lid, name in zip(df["location_id"].to_list(), df["location_name"].to_list(), strict=True)
    ]


def over_time(df: pl.DataFrame, measure: Measure, grain: analytics.Grain) -> go.Figure:
    """Stacked AC and DC bars of kWh or sessions per bucket (`energy.energy_by_grain`)."""
    x = df["bucket"].to_list()
    fig = go.Figure()
    for power in energy.POWERS:
        p = power.lower()
        if measure == "energy":
            y, hover = _kwh(df[f"energy_{p}_e4"]), f"{power}: %{{y:,.1f}} kWh"
        else:
            y, hover = df[f"sessions_{p}"].to_list(), f"{power}: %{{y:,}} sessions"
        fig.add_trace(go.Bar(name=power, x=x, y=y, marker_color=POWER_COLORS[power], hovertemplate=hover))
    fig.update_xaxes(type="date", title=_GRAIN_AXIS[grain], hoverformat=_BUCKET_FORMATS[grain])
    return _layout(fig, barmode="stack", yaxis_title=MEASURES[measure], hovermode="x unified")


def heatmap_chart(df: pl.DataFrame, measure: Measure) -> go.Figure:
    """Sessions or kWh by weekday (rows, Monday on top) and local hour of the session start
    (`energy.heatmap`), with the other measure in the hover."""
    hours = [f"{h:02d}" for h in range(energy.HOURS_PER_DAY)]
    sessions = df["sessions"].to_list()
    kwh = _kwh(df["energy_e4"])

    def grid(values: list[Any]) -> list[list[Any]]:
        n = energy.HOURS_PER_DAY
        return [values[i * n : (i + 1) * n] for i in range(len(energy.WEEKDAYS))]

    if measure == "energy":
        z, text, shown = grid(kwh), grid([fmt.count(s, "session") for s in sessions]), "%{z:,.1f} kWh"
    else:
        z, text, shown = grid(sessions), grid([f"{k:,.1f} kWh" for k in kwh]), "%{z:,} sessions"
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=hours,
            y=list(energy.WEEKDAYS),
            text=text,
            colorscale="Teal",
            colorbar={"title": {"text": MEASURES[measure]}},
            hovertemplate=f"%{{y}} %{{x}}:00–%{{x}}:59 local<br>{shown}<br>%{{text}}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    fig.update_xaxes(title="Hour of session start (h, local time at the location)", type="category")
    fig.update_yaxes(title="Weekday", autorange="reversed", type="category")
    fig.update_layout(height=_HEIGHT_PX, margin=_MARGIN)
    return fig


def _spread_chart(df: pl.DataFrame, x_title: str, extra: str = "") -> go.Figure:
    labels = df["label"].to_list()
    fig = go.Figure()
    for power in energy.POWERS:
        fig.add_trace(
            go.Bar(
                name=power,
                x=labels,
                y=df[f"sessions_{power.lower()}"].to_list(),
                marker_color=POWER_COLORS[power],
                hovertemplate=f"{power}: %{{y:,}} sessions",
            )
        )
    if extra:
        fig.add_trace(
            go.Scatter(
                name="All",
                x=labels,
                y=df["sessions"].to_list(),
                customdata=df[extra].to_list(),
                mode="markers",
                marker={"symbol": "line-ew-open", "size": 14, "color": "#333333"},
                hovertemplate="<b>%{y:,} sessions</b>, %{customdata:,} with MAX_POWER",
            )
        )
    fig.update_xaxes(title=x_title, type="category")
    return _layout(fig, barmode="stack", yaxis_title="Sessions", hovermode="x unified")


def durations_chart(df: pl.DataFrame) -> go.Figure:
    """Sessions per duration bin (`energy.durations`), AC and DC stacked."""
    return _spread_chart(df, "Session duration, plugged in (hours)")


def power_chart(df: pl.DataFrame) -> go.Figure:
    """Sessions per bin of maximum power (`energy.power_spread`), AC and DC stacked, with how many
    state MAX_POWER in the hover."""
    return _spread_chart(df, "Maximum power (kW)", extra="from_max_power")


def _time_bars(fig: go.Figure, y: list[str], df: pl.DataFrame) -> None:
    """Average charging and parking hours per session as stacked horizontal bars (rows of ``df``)."""
    extra = list(
        zip(
            df["sessions"].to_list(),
            _kwh(df["charging_time_e4"]),
            _kwh(df["parking_time_e4"]),
            [None if v is None else v / 100 for v in df["idle_share_e4"].to_list()],
            strict=True,
        )
    )
    for what, label in (("charging", "Charging"), ("parking", "Parking (idle)")):
        fig.add_trace(
            go.Bar(
                name=label,
                y=y,
                x=[None if v is None else v / _SCALE for v in df[f"avg_{what}_e4"].to_list()],
                orientation="h",
                marker_color=TIME_COLORS[what],
                customdata=extra,
                hovertemplate=(
                    f"<b>%{{y}}</b> · {label}: %{{x:,.2f}} h per session<br>"
                    "%{customdata[0]:,} sessions: %{customdata[1]:,.1f} h charging, %{customdata[2]:,.1f} h parking "
                    "(%{customdata[3]:.1f} % idle)<extra></extra>"
                ),
            )
        )


def charging_parking_chart(df: pl.DataFrame) -> go.Figure:
    """Average charging and parking hours per session for AC, DC and all (`energy.charging_vs_parking`)."""
    fig = go.Figure()
    _time_bars(fig, df["power"].to_list(), df)
    fig.update_yaxes(autorange="reversed", title="Connector power type", type="category")
    return _layout(fig, barmode="stack", height=_BARS_MIN_PX + 40, xaxis_title="Average hours per session (h)")


def idle_locations_chart(df: pl.DataFrame) -> go.Figure:
    """Average charging and parking hours per session at the locations where cars stay longest after
    charging (`energy.longest_idle_locations`), the longest on top."""
    fig = go.Figure()
    _time_bars(fig, _location_labels(df), df)
    fig.update_yaxes(autorange="reversed", title="Location", type="category")
    return _layout(fig, barmode="stack", height=_bars_height(df.height), xaxis_title="Average hours per session (h)")


def locations_chart(df: pl.DataFrame, by: energy.LocationsBy) -> go.Figure:
    """Horizontal bars of the top locations (`energy.top_locations`) by kWh or occupancy, the top on top."""
    extra = list(
        zip(
            df["sessions"].to_list(),
            _kwh(df["energy_e4"]),
            _kwh(df["plugged_time_e4"]),
            df["evses"].to_list(),
            [v / 100 for v in df["occupancy_e4"].to_list()],
            strict=True,
        )
    )
    if by == "energy":
        x, title, shown = _kwh(df["energy_e4"]), "Energy (kWh)", "%{x:,.1f} kWh"
    else:
        x, title, shown = [v / 100 for v in df["occupancy_e4"].to_list()], "Occupancy (%)", "%{x:.2f} % occupied"
    fig = go.Figure(
        go.Bar(
            y=_location_labels(df),
            x=x,
            orientation="h",
            marker_color=POWER_COLORS["AC"] if by == "energy" else TIME_COLORS["parking"],
            customdata=extra,
            hovertemplate=(
                f"<b>%{{y}}</b>: {shown}<br>%{{customdata[0]:,}} sessions, %{{customdata[1]:,.1f}} kWh, "
                "%{customdata[2]:,.1f} h plugged in on %{customdata[3]:,} EVSEs (%{customdata[4]:.2f} %)"
                "<extra></extra>"
            ),
        )
    )
    fig.update_yaxes(autorange="reversed", title="Location", type="category")
    fig.update_layout(height=_bars_height(df.height), margin=_MARGIN, xaxis_title=title, showlegend=False, bargap=0.25)
    return fig


def emp_chart(df: pl.DataFrame, measure: Measure, names: dict[str, str]) -> go.Figure:
    """Horizontal bars of sessions or kWh per EMP (`energy.emp_mix`), with both and the shares in the hover."""
    labels = [names.get(label, label) for label in df["label"].to_list()]
    share_col = "energy_share_e4" if measure == "energy" else "sessions_share_e4"
    extra = list(
        zip(
            df["sessions"].to_list(),
            _kwh(df["energy_e4"]),
            [None if v is None else v / 100 for v in df[share_col].to_list()],
            strict=True,
        )
    )
    if measure == "energy":
        x, shown = _kwh(df["energy_e4"]), "%{x:,.1f} kWh"
    else:
        x, shown = df["sessions"].to_list(), "%{x:,} sessions"
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=x,
            orientation="h",
            marker_color=POWER_COLORS["AC"],
            customdata=extra,
            hovertemplate=(
                f"<b>%{{y}}</b>: {shown} (%{{customdata[2]:.1f}} %)<br>"
                "%{customdata[0]:,} sessions, %{customdata[1]:,.1f} kWh<extra></extra>"
            ),
        )
    )
    fig.update_yaxes(autorange="reversed", title="EMP", type="category")
    fig.update_layout(
        height=_bars_height(df.height), margin=_MARGIN, xaxis_title=MEASURES[measure], showlegend=False, bargap=0.25
    )
    return fig
