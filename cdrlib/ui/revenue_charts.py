"""Plotly figures of the Revenue distribution page (charts may use floats; the CSV beside each chart and
the cards above them have the exact numbers)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from cdrlib import model, revenue

_SCALE = model.E4_SCALE
_HEIGHT_PX = 360
_MARGIN = {"l": 10, "r": 10, "t": 10, "b": 10}
PARTY_COLORS: dict[str, str] = {
    "compensation_e4": "#e39b2d",
    "cpo_e4": "#0b7a75",
    "customer_e4": "#5470c6",
}
_REVENUE_COLOR = "#9e9e9e"
MAX_NAMES = 12  # names (drivers, OUs) drawn one by one; the rest together as "others"


def _money_axis(currency: str) -> str:
    return f"Amount excl. VAT ({currency})"


def parties_per_month(df: pl.DataFrame, currency: str) -> go.Figure:
    """Stacked bars per month (`revenue.by_month`): the energy compensation, the CPO's and the customer's
    share, which add up to the revenue of the customers' chargers (credits below zero)."""
    x = df["month"].to_list()
    fig = go.Figure()
    for column, label in revenue.PARTIES.items():
        fig.add_trace(
            go.Bar(
                name=label,
                x=x,
                y=(df[column] / _SCALE).to_list(),
                marker_color=PARTY_COLORS[column],
                hovertemplate=f"%{{x|%B %Y}}<br>{label}: %{{y:,.2f}} {currency}<extra></extra>",
            )
        )
    fig.update_xaxes(type="date", dtick="M1", tickformat="%b %Y", title=None)
    fig.update_layout(
        barmode="relative",
        height=_HEIGHT_PX,
        margin=_MARGIN,
        yaxis_title=_money_axis(currency),
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def flows(links: list[tuple[str, str, int]], currency: str) -> go.Figure:
    """A sankey from each customer's revenue to the three parties (`revenue.flows`)."""
    customers = sorted({c for c, _, _ in links})
    parties = list(revenue.PARTIES.values())
    labels = [*customers, *parties]
    index = {name: i for i, name in enumerate(labels)}
    colors = [_REVENUE_COLOR] * len(customers) + [PARTY_COLORS[c] for c in revenue.PARTIES]
    fig = go.Figure(
        go.Sankey(
            valueformat=",.2f",
            valuesuffix=f" {currency}",
            node={"label": labels, "color": colors, "pad": 18, "thickness": 16,
                  "hovertemplate": "%{label}: %{value}<extra></extra>"},
            link={
                "source": [index[c] for c, _, _ in links],
                "target": [index[p] for _, p, _ in links],
                "value": [v / _SCALE for _, _, v in links],
                "hovertemplate": "%{source.label} → %{target.label}: %{value}<extra></extra>",
            },
        )
    )
    fig.update_layout(height=_HEIGHT_PX, margin=_MARGIN)
    return fig


def reimbursements(df: pl.DataFrame, currency: str) -> go.Figure:
    """Stacked bars per month of the reimbursements excl. VAT (`revenue.reimbursements_by`, one
    currency), one colour per name; beyond `MAX_NAMES` names the smallest are summed as "others"."""
    df = df.filter(pl.col("currency") == currency)
    largest = (
        df.group_by("name").agg(pl.col("excl_e4").abs().sum()).sort(["excl_e4", "name"], descending=[True, False])
    )["name"].to_list()
    keep = set(largest[:MAX_NAMES])
    shown = (
        df.with_columns(name=pl.when(pl.col("name").is_in(list(keep))).then("name").otherwise(pl.lit("others")))
        .group_by("month", "name")
        .agg(pl.col("excl_e4", "volume_e4", "cdrs").sum())
        .sort("month", "name")
    )
    fig = go.Figure()
    for name in [*largest[:MAX_NAMES], *(["others"] if len(largest) > MAX_NAMES else [])]:
        part = shown.filter(pl.col("name") == name)
        fig.add_trace(
            go.Bar(
                name=name,
                x=part["month"].to_list(),
                y=(part["excl_e4"] / _SCALE).to_list(),
                customdata=list(zip((part["volume_e4"] / _SCALE).to_list(), part["cdrs"].to_list(), strict=True)),
                hovertemplate=(
                    f"{name}<br>%{{x|%B %Y}}: %{{y:,.2f}} {currency}<br>"
                    "%{customdata[0]:,.1f} kWh in %{customdata[1]:,} sessions<extra></extra>"
                ),
            )
        )
    fig.update_xaxes(type="date", dtick="M1", tickformat="%b %Y", title=None)
    fig.update_layout(
        barmode="relative",
        height=_HEIGHT_PX,
        margin=_MARGIN,
        yaxis_title=f"Reimbursement excl. VAT ({currency})",
        legend={"orientation": "h", "y": -0.15},
    )
    return fig
