"""The KPI cards: each headline number of a period with its change against the previous period."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import streamlit as st

from cdrlib import analytics
from cdrlib.period import Period
from cdrlib.ui import fmt

# The labels are the cards' names in tests and the end-to-end check too.
SESSIONS = "Sessions"
ENERGY = "Energy (kWh)"
CHARGING = "Charging hours"
PARKING = "Parking hours"
ROAMED = "Roamed share"
REVENUE_EXCL = "Revenue excl. VAT"
REVENUE_INCL = "Revenue incl. VAT"
PER_KWH = "Revenue per kWh"
AVG_KWH = "kWh per session"
LABELS = (SESSIONS, ENERGY, CHARGING, PARKING, ROAMED, REVENUE_EXCL, REVENUE_INCL, PER_KWH, AVG_KWH)


@dataclass(frozen=True, slots=True)
class Card:
    """One KPI as shown: label, value text, change text (None: nothing to compare with), help.

    ``delta_color`` ``off`` for a number whose rise is neither good nor bad news.
    """

    label: str
    value: str
    delta: str | None
    help: str
    delta_color: str = "normal"


def _money(amount: Decimal | None, currency: str | None) -> str:
    return "–" if amount is None or currency is None else fmt.money(amount, currency)


def build(current: analytics.Kpis, previous: analytics.Kpis) -> list[Card]:
    """The cards for ``current`` against ``previous``, in display order (`LABELS`).

    Money cards are in the main currency of the period (or, without CDRs, of the previous one),
    compared with the same currency's figures of the previous period.
    """
    cur = current.main_currency or previous.main_currency
    c_main = next((t for t in current.by_currency if t.currency == cur), None)
    p_main = next((t for t in previous.by_currency if t.currency == cur), None)
    rev_excl = current.revenue(cur) if cur else None
    rev_incl = current.revenue(cur, incl_vat=True) if cur else None
    prev_excl = previous.revenue(cur) if cur else None
    prev_incl = previous.revenue(cur, incl_vat=True) if cur else None
    per_kwh = c_main.revenue_per_kwh if c_main else None
    prev_per_kwh = p_main.revenue_per_kwh if p_main else None
    avg, prev_avg = current.avg_kwh_per_session, previous.avg_kwh_per_session
    return [
        Card(
            SESSIONS,
            fmt.number(current.sessions),
            fmt.change(analytics.change(current.sessions, previous.sessions)),
            "Charging sessions that started in the period. Credit CDRs are not sessions.",
        ),
        Card(
            ENERGY,
            fmt.number(current.energy_kwh, 1),
            fmt.change(analytics.change(current.energy_kwh, previous.energy_kwh)),
            "Energy charged in these sessions (OCPI total_energy).",
        ),
        Card(
            CHARGING,
            fmt.number(current.charging_hours, 1),
            fmt.change(analytics.change(current.charging_hours, previous.charging_hours)),
            "Session time minus parking time (OCPI total_time - total_parking_time).",
        ),
        Card(
            PARKING,
            fmt.number(current.parking_hours, 1),
            fmt.change(analytics.change(current.parking_hours, previous.parking_hours)),
            "Time connected without charging (OCPI total_parking_time).",
            delta_color="off",
        ),
        Card(
            ROAMED,
            fmt.percent(current.share_roamed),
            fmt.points(current.share_roamed, previous.share_roamed),
            "Share of sessions started with a card of another party (an EMP); change in percentage points.",
            delta_color="off",
        ),
        Card(
            REVENUE_EXCL,
            _money(rev_excl, cur),
            fmt.change(analytics.change(rev_excl, prev_excl)),
            "Total cost excl. VAT of the CDRs in the main currency; credit CDRs subtract.",
        ),
        Card(
            REVENUE_INCL,
            _money(rev_incl, cur),
            fmt.change(analytics.change(rev_incl, prev_incl)),
            "Total cost incl. VAT of the CDRs in the main currency; credit CDRs subtract.",
        ),
        Card(
            PER_KWH,
            _money(per_kwh, cur),
            fmt.change(analytics.change(per_kwh, prev_per_kwh)),
            "Revenue excl. VAT divided by the energy of the sessions in the main currency.",
        ),
        Card(
            AVG_KWH,
            fmt.number(avg, 1) if avg is not None else "–",
            fmt.change(analytics.change(avg, prev_avg)),
            "Average energy per session: energy divided by sessions.",
        ),
    ]


def notes(current: analytics.Kpis) -> list[str]:
    """What a person must know to read the money cards right (other currencies, credits, gaps)."""
    lines = []
    main = current.main_currency
    for t in current.others:
        lines.append(
            f"Also {fmt.money(t.revenue_excl, t.currency)} excl. VAT "
            f"({fmt.money(t.revenue_incl, t.currency)} incl. VAT) in {fmt.count(t.sessions, 'session')} paid in "
            f"{t.currency}: not added to the {main} figures."
        )
    if current.credit_cdrs:
        lines.append(
            f"{fmt.count(current.credit_cdrs, 'credit CDR')} counted in revenue with negative amounts, not as sessions."
        )
    missing = sum(t.incl_vat_missing for t in current.by_currency if t.currency == main)
    if missing:
        lines.append(f"{fmt.count(missing, 'CDR')} without an amount incl. VAT, left out of revenue incl. VAT.")
    return lines


def cards(current: analytics.Kpis, previous: analytics.Kpis, previous_period: Period) -> None:
    """Draw the KPI cards in two rows, what they are compared with, and the notes under them."""
    built = build(current, previous)
    for row in (built[:5], built[5:]):  # money in the wider second row: large amounts stay readable
        for col, card in zip(st.columns(len(row)), row, strict=True):
            with col:
                st.metric(
                    card.label,
                    card.value,
                    delta=card.delta,
                    delta_color=card.delta_color,  # type: ignore[arg-type]
                    help=card.help,
                    border=True,
                )
    st.caption(f"Changes against the {previous_period.days} days before: {previous_period.label()}.")
    for line in notes(current):
        st.caption(line)
