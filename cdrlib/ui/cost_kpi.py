"""The headline numbers of the Costs & tariffs page: revenue per currency and the price checks."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from cdrlib import analytics, costs, model
from cdrlib.ui import fmt
from cdrlib.ui.kpi import Card

# The labels are the cards' names in tests too; revenue cards are named per currency (`revenue_label`).
REVENUE = "Revenue excl. VAT"
# The Costs & tariffs page's sections (tabs), one open at a time; the first is the default.
VIEWS = ("Revenue", "Price per kWh", "Price issues")
# What the Revenue section splits the revenue by, one at a time (shown -> `costs.SplitBy`); the first is the default.
SPLITS: dict[str, costs.SplitBy] = {"Tariff": "tariff", "EMP": "emp"}
PRICED_OK = "Priced as stated"
MISMATCHES = "Price mismatches"
UNPRICED = "Not priceable"
SHARE_PLACES = 2  # mismatches are rare: 0.03 %, not 0.0 %
CREDITS_NOTE = (
    "Credit CDRs count as negative revenue: they carry the negated amounts of the CDR they correct. "
    "Amounts in different currencies are never added up."
)


def revenue_label(currency: str) -> str:
    return f"{REVENUE} ({currency})"


def _count_and_share(n: int, share: Decimal | None) -> str:
    """``5 (0.03 %)``; just the count when nothing was checked."""
    return f"{n:,}" if share is None else f"{n:,} ({fmt.percent(share, SHARE_PLACES)})"


def build(kpis: analytics.Kpis, checks: costs.PriceChecks) -> list[Card]:
    """A revenue card per currency (the main one first), then the price check cards."""
    cards = [
        Card(
            revenue_label(t.currency),
            fmt.money(t.revenue_excl, t.currency),
            None,
            f"Total cost excl. VAT of the {fmt.count(t.cdrs, 'CDR')} in {t.currency}; credit CDRs subtract.",
        )
        for t in kpis.by_currency
    ]
    checked = fmt.count(checks.checked, "CDR")
    cards += [
        Card(
            PRICED_OK,
            fmt.percent(checks.share(model.PRICE_OK), SHARE_PLACES),
            None,
            f"Of the {checked} the pricing engine checked, the share whose stated total cost is within "
            "0.01 of the recomputed one (excl. and incl. VAT).",
        ),
        Card(
            MISMATCHES,
            _count_and_share(checks.mismatch, checks.share(model.PRICE_MISMATCH)),
            None,
            f"CDRs whose stated total cost differs from the recomputed one by more than 0.01 (of {checked}).",
        ),
        Card(
            UNPRICED,
            _count_and_share(checks.unpriced, checks.share(model.PRICE_UNPRICED)),
            None,
            f"CDRs the pricing engine cannot price, e.g. for want of their tariff (of {checked}).",
        ),
    ]
    return cards


def notes(checks: costs.PriceChecks) -> list[str]:
    """What the check cards leave out."""
    lines = [CREDITS_NOTE]
    if checks.credit:
        lines.append(f"{fmt.count(checks.credit, 'credit CDR')} not re-priced (they negate a checked CDR).")
    if checks.unchecked:
        lines.append(f"{fmt.count(checks.unchecked, 'CDR')} without a price check, left out of the check shares.")
    return lines


def cards(kpis: analytics.Kpis, checks: costs.PriceChecks) -> None:
    """Draw the cards, revenue in one row and the checks in the next, and the notes under them."""
    built = build(kpis, checks)
    revenue, checked = built[: len(kpis.by_currency)], built[len(kpis.by_currency) :]
    width = max(len(revenue), len(checked))  # the same card width in both rows
    for row in (revenue, checked):
        for col, card in zip(st.columns(width), row, strict=False):
            with col:
                st.metric(card.label, card.value, help=card.help, border=True)
    for line in notes(checks):
        st.caption(line)


def spread_text(spread: costs.PriceSpread, currency: str) -> str:
    """``Median €0.35/kWh over 120 sessions; ...``: the spread in words, exact to the cent."""
    if spread.median is None or spread.minimum is None or spread.maximum is None:
        return f"No sessions with energy in {currency}."

    def per_kwh(value: Decimal | None) -> str:
        return "–" if value is None else f"{fmt.money(value, currency)}/kWh"

    return (
        f"Median {per_kwh(spread.median)} over {fmt.count(spread.cdrs, 'session')} with energy "
        f"(credit CDRs left out); 10 % of them pay {per_kwh(spread.p10)} or less, 90 % {per_kwh(spread.p90)} "
        f"or less; from {per_kwh(spread.minimum)} to {per_kwh(spread.maximum)}. All together: "
        f"{per_kwh(spread.average)} (revenue excl. VAT / kWh)."
    )
