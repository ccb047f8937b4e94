"""Plotly figures of the dashboard. Charts may use floats; the numbers next to them stay exact."""

from __future__ import annotations

from typing import Literal

import plotly.graph_objects as go
import polars as pl

from cdrlib import analytics, model

Measure = Literal["sessions", "energy", "revenue"]
MEASURES: dict[str, str] = {"sessions": "Sessions", "energy": "Energy (kWh)", "revenue": "Revenue excl. VAT"}
GRAIN_LABELS: dict[str, str] = {"day": "Day", "week": "Week", "month": "Month"}
_HEIGHT_PX = 340
_SCALE = model.E4_SCALE
_WHOLE_TICKS_MAX = 10  # up to this many sessions, one tick per session


def _layout(fig: go.Figure, *, y_title: str) -> go.Figure:
    fig.update_layout(
        height=_HEIGHT_PX,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis_title=y_title,
        xaxis_title=None,
        showlegend=False,
        bargap=0.15,
    )
    return fig


def trend(df: pl.DataFrame, measure: Measure, grain: analytics.Grain, currency: str | None) -> go.Figure:
    """Bars of one measure per bucket of `analytics.trend`'s result."""
    if measure == "sessions":
        y, title, hover = df["sessions"].to_list(), "Sessions", "%{y:,}"
    elif measure == "energy":
        y, title, hover = (df["energy_e4"] / _SCALE).to_list(), "kWh", "%{y:,.1f} kWh"
    else:
        y = (df["revenue_excl_e4"] / _SCALE).to_list()
        title = f"Revenue excl. VAT ({currency})" if currency else "Revenue excl. VAT"
        hover = f"%{{y:,.2f}} {currency or ''}"
    x = df["bucket"].to_list()
    label = {"day": "%{x|%a %Y-%m-%d}", "week": "week of %{x|%Y-%m-%d}", "month": "%{x|%B %Y}"}[grain]
    fig = go.Figure(go.Bar(x=x, y=y, hovertemplate=f"{label}<br>{hover}<extra></extra>"))
    fig.update_xaxes(type="date")
    if measure == "sessions" and max(y, default=0) <= _WHOLE_TICKS_MAX:
        fig.update_yaxes(tick0=0, dtick=1)  # counts: no half sessions on the axis
    return _layout(fig, y_title=title)


def split(df: pl.DataFrame, title: str) -> go.Figure:
    """A donut of sessions per label (`analytics.split`), with kWh in the hover."""
    fig = go.Figure(
        go.Pie(
            labels=df["label"].to_list(),
            values=df["sessions"].to_list(),
            customdata=(df["energy_e4"] / _SCALE).to_list(),
            hole=0.55,
            sort=False,
            textinfo="label+percent",
            hovertemplate="%{label}<br>%{value:,} sessions<br>%{customdata:,.1f} kWh<extra></extra>",
        )
    )
    fig.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title={"text": title, "x": 0.5, "xanchor": "center"},
        showlegend=False,
    )
    return fig
