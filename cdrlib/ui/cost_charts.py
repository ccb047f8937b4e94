"""Plotly figures of the Costs & tariffs page and the CDR explorer (charts may use floats; the CSV
next to each chart has the exact numbers)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from cdrlib import analytics, costs, model
from cdrlib.store.schema import from_micros
from cdrlib.ui import fmt

_SCALE = model.E4_SCALE
_HEIGHT_PX = 360
_BAR_ROW_PX = 26  # height per bar of a horizontal bar chart
_BARS_MIN_PX = 220
_MARGIN = {"l": 10, "r": 10, "t": 10, "b": 10}
COMPONENT_COLORS: dict[str, str] = {
    "energy": "#0b7a75",
    "time": "#e39b2d",
    "parking": "#c4463a",
    "fixed": "#5470c6",
    "reservation": "#9a60b4",
    "other": "#9e9e9e",
}
_BUCKET_FORMATS = {"day": "%a %Y-%m-%d", "week": "week of %Y-%m-%d", "month": "%B %Y"}
PRICE_BINS = 40  # bars of the price per kWh histogram (at most)


def revenue_title(currency: str) -> str:
    return f"Revenue excl. VAT ({currency})"


def _shown_components(df: pl.DataFrame) -> list[str]:
    """The components with any revenue in ``df`` (energy always, so that an empty chart has a legend)."""
    return [c for c in costs.COMPONENTS if c == "energy" or df[costs.cost_column(c)].abs().sum() > 0]


def components_over_time(df: pl.DataFrame, grain: analytics.Grain, currency: str) -> go.Figure:
    """Stacked bars of revenue by component per bucket (`costs.component_trend`); credits below zero."""
    x = df["bucket"].to_list()
    # the total of each bucket with CDRs (a bucket without any has no total to mark)
    total = [t / _SCALE if n else None for t, n in zip(df["revenue_excl_e4"], df["cdrs"], strict=True)]
    fig = go.Figure()
    for c in _shown_components(df):
        fig.add_trace(
            go.Bar(
                name=costs.COMPONENT_LABELS[c],
                x=x,
                y=(df[costs.cost_column(c)] / _SCALE).to_list(),
                marker_color=COMPONENT_COLORS[c],
                hovertemplate=f"%{{y:,.2f}} {currency}",
            )
        )
    fig.add_trace(
        go.Scatter(
            name="Total",
            x=x,
            y=total,
            mode="markers",
            marker={"symbol": "line-ew-open", "size": 14, "color": "#333333"},
            hovertemplate=f"<b>%{{y:,.2f}} {currency}</b>",
        )
    )
    fig.update_xaxes(type="date", title=None, hoverformat=_BUCKET_FORMATS[grain])
    fig.update_layout(
        barmode="relative",
        height=_HEIGHT_PX,
        margin=_MARGIN,
        yaxis_title=revenue_title(currency),
        hovermode="x unified",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        bargap=0.15,
    )
    return fig


def components_by(df: pl.DataFrame, what: str, currency: str) -> go.Figure:
    """Horizontal stacked bars of revenue by component per tariff or EMP (`costs.component_split`),
    the largest on top, with CDRs, sessions and kWh in the hover."""
    labels = df["label"].to_list()
    extra = list(
        zip(
            df["cdrs"].to_list(),
            df["sessions"].to_list(),
            (df["energy_e4"] / _SCALE).to_list(),
            (df["revenue_excl_e4"] / _SCALE).to_list(),
            strict=True,
        )
    )
    fig = go.Figure()
    for c in _shown_components(df):
        fig.add_trace(
            go.Bar(
                name=costs.COMPONENT_LABELS[c],
                y=labels,
                x=(df[costs.cost_column(c)] / _SCALE).to_list(),
                orientation="h",
                marker_color=COMPONENT_COLORS[c],
                customdata=extra,
                hovertemplate=(
                    f"<b>%{{y}}</b> · {costs.COMPONENT_LABELS[c]}: %{{x:,.2f}} {currency}<br>"
                    f"total %{{customdata[3]:,.2f}} {currency} from %{{customdata[0]:,}} CDRs, "
                    "%{customdata[1]:,} sessions, %{customdata[2]:,.1f} kWh<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(autorange="reversed", title=what, type="category")
    fig.update_layout(
        barmode="relative",
        height=max(_BARS_MIN_PX, _BAR_ROW_PX * len(labels) + 90),
        margin=_MARGIN,
        xaxis_title=revenue_title(currency),
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        bargap=0.25,
    )
    return fig


def price_spread(histogram: pl.DataFrame, spread: costs.PriceSpread, currency: str) -> go.Figure:
    """The price per kWh of the sessions: bars of `costs.price_histogram`, with the 10th percentile,
    the median and the 90th percentile of `costs.PriceSpread` marked."""
    unit = f"{currency}/kWh"
    low = (histogram["low_e4"] / _SCALE).to_list()
    high = (histogram["high_e4"] / _SCALE).to_list()
    fig = go.Figure(
        go.Bar(
            x=[(a + b) / 2 for a, b in zip(low, high, strict=True)],
            y=histogram["sessions"].to_list(),
            width=[b - a for a, b in zip(low, high, strict=True)],
            customdata=list(zip(low, high, strict=True)),
            marker_color=COMPONENT_COLORS["energy"],
            hovertemplate=f"%{{customdata[0]:.4f}} to under %{{customdata[1]:.4f}} {unit}"
            "<br>%{y:,} sessions<extra></extra>",
        )
    )
    for label, value in (("10 %", spread.p10), ("median", spread.median), ("90 %", spread.p90)):
        if value is not None:
            fig.add_vline(
                x=float(value), line_dash="dot", line_color="#444",
                annotation_text=f"{label} {fmt.money(value, currency)}", annotation_position="top",
            )
    fig.update_layout(
        height=_HEIGHT_PX, margin={**_MARGIN, "t": 30}, showlegend=False, bargap=0.05,
        xaxis_title=f"Price per kWh excl. VAT ({unit})", yaxis_title="Sessions",
    )
    return fig


def _local(us: int, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """Local wall-clock time (naive: plotly draws it as given)."""
    return from_micros(us).astimezone(zone).replace(tzinfo=None)


_HEADROOM = 1.15  # an axis reaches this much above its highest value
_TIMELINE_HEIGHT_PX = 440


def _headroom(values: list[float | None]) -> list[float]:
    top = max((v for v in values if v is not None), default=0.0)
    return [0.0, top * _HEADROOM if top > 0 else 1.0]


def timeline(df: pl.DataFrame, tz: str) -> go.Figure:
    """A CDR's charging periods (`costs.timeline`) against local time in ``tz``: the power as a step
    line on top (MAX_POWER where given, else energy / time), a bar of energy over each period below,
    and the periods that only park shaded."""
    zone = zoneinfo.ZoneInfo(tz)
    rows = df.to_dicts()
    starts = [_local(r["start_us"], zone) for r in rows]
    ends = [_local(r["end_us"], zone) for r in rows]
    spans = [
        f"{fmt.local_time(from_micros(r['start_us']), tz)} – {fmt.local_time(from_micros(r['end_us']), tz)}"
        for r in rows
    ]
    energy = [None if r["energy_e4"] is None else r["energy_e4"] / _SCALE for r in rows]
    power = [None if r["power_e4"] is None else r["power_e4"] / _SCALE for r in rows]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.4, 0.6], vertical_spacing=0.06)
    # A step line: each period's power from its start to its end.
    px: list[dt.datetime | None] = []
    py: list[float | None] = []
    ptext: list[str] = []
    for s, e, p, r in zip(starts, ends, power, rows, strict=True):
        px += [s, e, None]
        py += [p, p, None]
        ptext += [r["power_from"] or "", r["power_from"] or "", ""]
    fig.add_trace(
        go.Scatter(
            name="Power (kW)",
            x=px,
            y=py,
            mode="lines",
            line={"color": COMPONENT_COLORS["parking"], "width": 3},
            text=ptext,
            hovertemplate="%{y:,.1f} kW (%{text})<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            name="Energy (kWh)",
            x=starts,
            y=energy,
            width=[(e - s).total_seconds() * 1000 for s, e in zip(starts, ends, strict=True)],
            offset=0,
            marker_color=COMPONENT_COLORS["energy"],
            marker_line={"color": "white", "width": 1},
            customdata=[[r["period"], span, r["tariff_id"] or ""] for r, span in zip(rows, spans, strict=True)],
            hovertemplate=(
                "Period %{customdata[0]}: %{customdata[1]}<br>%{y:,.4f} kWh<br>tariff %{customdata[2]}<extra></extra>"
            ),
        ),
        row=2,
        col=1,
    )
    for s, e, r in zip(starts, ends, rows, strict=True):
        if not r["energy_e4"] and r["parking_time_e4"]:
            fig.add_vrect(x0=s, x1=e, fillcolor=COMPONENT_COLORS["other"], opacity=0.2, line_width=0, row="all", col=1)
    offsets = sorted({fmt.local_time(from_micros(r["start_us"]), tz)[-6:] for r in rows})
    fig.update_xaxes(type="date")
    fig.update_xaxes(title=f"Local time ({tz}, UTC{'/'.join(offsets)}); shaded: parking", row=2, col=1)
    fig.update_yaxes(title="Power (kW)", range=_headroom(power), row=1, col=1)
    fig.update_yaxes(title="Energy (kWh)", range=_headroom(energy), row=2, col=1)
    fig.update_layout(
        height=_TIMELINE_HEIGHT_PX,
        margin=_MARGIN,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hovermode="closest",
        bargap=0,
    )
    return fig
