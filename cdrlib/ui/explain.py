"""A CDR's cost as the pricing engine explains it: every priced line, its notes, and the recomputed
totals beside the stated ones; and the rows of the price issues list.

Amounts are shown exactly as the engine has them (4 decimals, OCPI's precision); tariff prices with
their own decimals. The explanation is computed again from the stored CDR and tariffs
(`cdrlib.ui.data.repriced`), so it shows what the engine says now.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl
import streamlit as st

from cdrlib import errors, model, pricing
from cdrlib.store.schema import from_micros
from cdrlib.ui import data, explorer, fmt

EXACT_PLACES = model.E4_PLACES
UNITS: dict[str, str] = {"ENERGY": "kWh", "TIME": "h", "PARKING_TIME": "h", "RESERVATION_TIME": "h", "FLAT": ""}
TOTALS: dict[str, str] = {
    "total_cost": "Total",
    "total_energy_cost": "Energy",
    "total_time_cost": "Time",
    "total_parking_cost": "Parking",
    "total_fixed_cost": "Fixed",
    "total_reservation_cost": "Reservation",
}
FREE = "free"  # the component of a line no tariff element priced


def _exact(value: Decimal, currency: str) -> str:
    """An amount with all its decimals, at least 2: ``€0.50``, ``€0.2345``."""
    exponent = value.as_tuple().exponent
    places = max(fmt.MONEY_PLACES, -exponent if isinstance(exponent, int) else 0)
    return fmt.money(value, currency, places)


def _amount(value: Decimal | None, currency: str, missing: str = "unknown") -> str:
    return missing if value is None else fmt.money(value, currency, EXACT_PLACES)


def _volume(value: Decimal, dimension: str) -> str:
    unit = UNITS.get(dimension, "")
    return f"{fmt.number(value, EXACT_PLACES)} {unit}".rstrip()


def _price(line: pricing.Line, currency: str) -> str:
    if line.price is None:
        return ""
    unit = UNITS.get(line.dimension, "")
    return f"{_exact(line.price, currency)}/{unit}" if unit else _exact(line.price, currency)


def line_rows(result: pricing.Pricing, cdr: model.Cdr | None = None) -> list[dict[str, Any]]:
    """One row per line of the explanation: period (1-based) and its local start, dimension, tariff,
    element (its index in the tariff, 0-based), component, price, VAT, step size, volume, billed
    volume, step extra, cost excl. and incl. VAT, and the CDR total it counts towards."""
    cur, zone = result.currency, result.time_zone
    starts = [] if cdr is None else [p.start_date_time for p in cdr.charging_periods]
    return [
        {
            "Period": line.period + 1,
            "Start": fmt.local_time(starts[line.period], zone) if line.period < len(starts) else "",
            "Dimension": line.dimension,
            "Tariff": line.tariff_id,
            "Element": "" if line.element is None else str(line.element),
            "Component": line.component or FREE,
            "Price": _price(line, cur),
            "VAT": "" if line.vat is None else f"{line.vat.normalize():f} %",
            "Step size": "" if line.step_size is None else str(line.step_size),
            "Volume": _volume(line.volume, line.dimension),
            "Billed volume": _volume(line.billed_volume, line.dimension),
            "Step extra": _volume(line.step_extra, line.dimension),
            "Cost excl. VAT": _amount(line.cost.excl_vat, cur),
            "Cost incl. VAT": _amount(line.cost.incl_vat, cur),
            "Counts as": line.category or "",
        }
        for line in result.lines
    ]


def _difference(stated: Decimal | None, computed: Decimal | None, currency: str) -> str:
    if stated is None or computed is None:
        return ""
    return fmt.money(stated - computed, currency, EXACT_PLACES)


def totals_rows(cdr: model.Cdr, result: pricing.Pricing) -> list[dict[str, str]]:
    """The CDR's stated totals beside the recomputed ones, with stated minus recomputed."""
    cur = cdr.currency
    rows = []
    for name, label in TOTALS.items():
        stated: model.Price | None = getattr(cdr, name)
        computed: pricing.Amount = getattr(result, name)
        s_excl = None if stated is None else stated.excl_vat
        s_incl = None if stated is None else stated.incl_vat
        rows.append(
            {
                "Cost": label,
                "Stated excl. VAT": _amount(s_excl, cur, "not stated"),
                "Recomputed excl. VAT": _amount(computed.excl_vat, cur),
                "Difference excl. VAT": _difference(s_excl, computed.excl_vat, cur),
                "Stated incl. VAT": _amount(s_incl, cur, "not stated" if stated is None else "unknown"),
                "Recomputed incl. VAT": _amount(computed.incl_vat, cur),
                "Difference incl. VAT": _difference(s_incl, computed.incl_vat, cur),
            }
        )
    return rows


def section(url: str, cdr: model.Cdr, key: str) -> None:
    """Price ``cdr`` again and show the totals side by side, the explanation and its notes.

    A CDR the engine cannot price shows the engine's reason: as information for a credit CDR (it is
    never re-priced), as a warning otherwise. Other `CdrError`s are left to the page.
    """
    try:
        result = data.repriced(url, cdr.country_code, cdr.party_id, cdr.id)
    except errors.UnpriceableError as exc:
        if cdr.credit:
            reason = str(exc)
            st.info(f"{reason[:1].upper()}{reason[1:]}.", icon=":material/info:")
        else:
            st.warning(f"The pricing engine cannot price this CDR: {exc}", icon=":material/warning:")
        return
    if result is None:
        st.warning("This CDR is no longer in the store.", icon=":material/warning:")
        return
    mismatch = pricing.differs(cdr.total_cost, result.total_cost)
    verdict = "differs from" if mismatch else "agrees with"
    st.markdown(
        f"The stated total cost {verdict} the recomputed one "
        f"(tolerance {fmt.money(pricing.TOLERANCE, cdr.currency)}); tariffs used: {', '.join(result.tariff_ids)}."
    )
    st.dataframe(totals_rows(cdr, result), hide_index=True, key=f"{key}_totals")
    st.dataframe(line_rows(result, cdr), hide_index=True, key=f"{key}_lines")
    st.caption(
        f"One row per dimension of each charging period; start times in {result.time_zone}. Element: the "
        "index of the tariff element that priced it (0-based), none for a free dimension. Step extra: "
        "what the step size added to the volume. Totals are summed before rounding, so the lines may "
        "differ from them in the last decimal."
    )
    for note in result.notes:
        st.caption(f"Note: {note}")


# ---------------------------------------------------------------------- price issues
def _local(us: int, zone: str | None, tz: str) -> str:
    return fmt.local_time(from_micros(us), zone or tz)


_ISSUE_AMOUNTS = {  # column label -> `_e4` column of the issues frame
    "Stated excl. VAT": "total_cost_excl_e4",
    "Recomputed excl. VAT": "calc_total_cost_excl_e4",
    "Difference excl. VAT": "diff_excl_e4",
    "Stated incl. VAT": "total_cost_incl_e4",
    "Recomputed incl. VAT": "calc_total_cost_incl_e4",
    "Difference incl. VAT": "diff_incl_e4",
}


def _e4_amount(value: int | None, currency: str) -> str:
    return "" if value is None else fmt.money(model.from_e4(value), currency, EXACT_PLACES)


def issue_label(row: dict[str, Any], tz: str) -> str:
    """``XCP-0001 · 2024-03-05 09:00 +01:00 · Stationsplein · mismatch``."""
    where = row["location_name"] or row["location_id"]
    return f"{row['cdr_id']} · {_local(row['start_us'], row['time_zone'], tz)} · {where} · {row['price_status']}"


def issue_rows(issues: pl.DataFrame, tz: str) -> list[dict[str, Any]]:
    """The price issues (`Store.price_issues` with `costs.issue_differences`), local start times."""
    return [
        {
            "Start": _local(r["start_us"], r["time_zone"], tz),
            "CDR": r["cdr_id"],
            "Location": r["location_name"] or r["location_id"],
            "EMP": r["emp_id"] or "",
            "Tariff": r["tariff_id"] or "",
            **{label: _e4_amount(r[name], r["currency"]) for label, name in _ISSUE_AMOUNTS.items()},
            "Status": r["price_status"],
            "Reason": r["price_reason"] or "",
        }
        for r in issues.iter_rows(named=True)
    ]


def issue_labels(issues: pl.DataFrame, tz: str) -> dict[str, str]:
    """`explorer.ref` -> `issue_label` of every issue, in the list's order."""
    return {
        explorer.ref(r["country_code"], r["party_id"], r["cdr_id"]): issue_label(r, tz)
        for r in issues.iter_rows(named=True)
    }
