"""The CDR explorer's parts: its URL keys, a link to it, and what it shows of the CDRs it finds.

The search text and the chosen CDR are widgets bound to the URL (``?find=...&cdr=...``), so a link
opens the explorer on one CDR: `link` draws such a link from another page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from cdrlib import costs, model
from cdrlib.store.schema import from_micros
from cdrlib.ui import cost_charts, download, fmt

PAGE = "pages/cdr.py"
# Widget keys: also the query parameter names of the URL.
KEY_FIND = "find"
KEY_CDR = "cdr"

CdrKey = tuple[str, str, str]  # country_code, party_id, cdr_id


def ref(country_code: str, party_id: str, cdr_id: str) -> str:
    """``NL*XCP*CDR0001``: how the explorer names a CDR (in its choice and in the URL)."""
    return f"{country_code}*{party_id}*{cdr_id}"


def choices(found: pl.DataFrame) -> dict[str, CdrKey]:
    """`ref` -> key of every CDR found (`FOUND_COLUMNS`), in the order found (newest first)."""
    return {
        ref(cc, party, cdr_id): (cc, party, cdr_id)
        for cc, party, cdr_id in found.select("country_code", "party_id", "cdr_id").iter_rows()
    }


def best_index(found: pl.DataFrame, text: str) -> int:
    """The CDR to show first: the first whose id is exactly ``text`` (a link carries the id), else the newest."""
    ids = found["cdr_id"].to_list()
    return ids.index(text) if text in ids else 0


def link(country_code: str, party_id: str, cdr_id: str) -> None:
    """A link that opens the explorer on this CDR.

    A page script started on its own (``AppTest.from_file``; see `navigation`) has only itself in
    the navigation: there the link cannot be made, and the CDR's id is named instead.
    """
    try:
        st.page_link(
            PAGE,
            label=f"Open {cdr_id} in the CDR explorer",
            icon=":material/manage_search:",
            query_params={KEY_FIND: cdr_id, KEY_CDR: ref(country_code, party_id, cdr_id)},
        )
    except StreamlitPageNotFoundError:
        st.caption(f"Find {cdr_id} in the CDR explorer.")


def _money(value: int | None, currency: str) -> str:
    return "" if value is None else fmt.money(model.from_e4(value), currency)


def found_rows(found: pl.DataFrame, tz: str) -> list[dict[str, Any]]:
    """The CDRs found, one row each, start in the location's zone (else ``tz``) with its offset."""
    return [
        {
            "CDR": r["cdr_id"],
            "Sender": f"{r['country_code']} {r['party_id']}",
            "Start": fmt.local_time(from_micros(r["start_us"]), r["time_zone"] or tz),
            "Location": f"{r['location_name']} ({r['location_id']})" if r["location_name"] else r["location_id"],
            "Token": r["token_uid"],
            "Contract": r["token_contract_id"],
            "EMP": r["emp_id"] or "",
            "Energy (kWh)": fmt.number(model.from_e4(r["total_energy_e4"]), 4),
            "Cost excl. VAT": _money(r["total_cost_excl_e4"], r["currency"]),
            "Price check": r["price_status"] or "not checked",
        }
        for r in found.iter_rows(named=True)
    ]


def _hours(value: Decimal | None) -> str:
    return "not given" if value is None else fmt.hours(value, 4)


def _price(price: model.Price | None, currency: str) -> str:
    if price is None:
        return "not given"
    incl = "unknown" if price.incl_vat is None else fmt.money(price.incl_vat, currency, 4)
    return f"{fmt.money(price.excl_vat, currency, 4)} excl. VAT, {incl} incl. VAT"


def zone_of(cdr: model.Cdr, tz: str) -> str:
    """The zone the CDR's times are shown in: its location's, else the reporting zone ``tz``."""
    return cdr.time_zone or tz


def detail_rows(cdr: model.Cdr, tz: str) -> list[dict[str, str]]:
    """What a person asks about a CDR, as (field, value) rows; times in the location's zone."""
    zone = zone_of(cdr, tz)
    loc, token = cdr.cdr_location, cdr.cdr_token
    charging = None if cdr.total_parking_time is None else max(cdr.total_time - cdr.total_parking_time, Decimal(0))
    check = cdr.price_check
    zone_note = " (guessed from the country)" if cdr.time_zone_guessed else ""
    if cdr.time_zone is None:
        zone_note = " (the location's zone is not known: reporting zone)"
    connector = (loc.connector_standard, loc.connector_format, loc.connector_power_type)
    tariffs = dict.fromkeys([p.tariff_id for p in cdr.charging_periods if p.tariff_id] + [t.id for t in cdr.tariffs])
    rows = [
        ("CDR id", cdr.id),
        ("Sender", f"{cdr.country_code} {cdr.party_id} (OCPI {cdr.ocpi_version})"),
        ("Session id", cdr.session_id or ""),
        ("Authorization reference", cdr.authorization_reference or ""),
        ("Token", f"{token.uid} ({token.type}, {cdr.auth_method})"),
        ("Contract id", token.contract_id),
        ("EMP", cdr.emp_id or "none (own card or ad hoc)"),
        ("Roamed", "yes" if cdr.roamed else "no"),
        ("Location", f"{loc.name} ({loc.id})" if loc.name else loc.id),
        ("Address", ", ".join(x for x in (loc.address, loc.postal_code, loc.city, loc.country) if x)),
        ("EVSE", loc.evse_id),
        ("Connector", f"{loc.connector_id} ({', '.join(connector)})"),
        ("Organization unit", cdr.ou_code or ""),
        ("Time zone", f"{zone}{zone_note}"),
        ("Start", fmt.local_time(cdr.start_date_time, zone)),
        ("End", fmt.local_time(cdr.end_date_time, zone)),
        ("Energy", fmt.kwh(cdr.total_energy, 4)),
        ("Total time", fmt.hours(cdr.total_time, 4)),
        ("Charging time", _hours(charging)),
        ("Parking time", _hours(cdr.total_parking_time)),
        ("Tariffs", ", ".join(tariffs) or "none named"),
        ("Total cost (stated)", _price(cdr.total_cost, cdr.currency)),
        ("Credit", f"yes, for {cdr.credit_reference_id or 'an unnamed CDR'}" if cdr.credit else "no"),
        ("Price check", "not checked" if check is None else check.status),
        ("Price check reason", "" if check is None or check.reason is None else check.reason),
        ("Created", fmt.local_time(cdr.created_at, zone) if cdr.created_at else ""),
        ("Last updated", fmt.local_time(cdr.last_updated, zone)),
    ]
    return [{"Field": k, "Value": v} for k, v in rows]


ROW_PX = 35  # a row of st.dataframe (and its header)


def table_height(rows: int) -> int:
    """The height that shows ``rows`` rows of an st.dataframe without scrolling."""
    return ROW_PX * (rows + 1) + 3


def details(cdr: model.Cdr, tz: str) -> None:
    """`detail_rows` as one table, all rows visible."""
    rows = detail_rows(cdr, tz)
    st.dataframe(rows, hide_index=True, key="cdr_details", height=table_height(len(rows)))


def cards(cdr: model.Cdr) -> None:
    """The CDR's headline numbers."""
    values = (
        ("Energy (kWh)", fmt.number(cdr.total_energy, 4)),
        ("Total time (h)", fmt.number(cdr.total_time, 4)),
        ("Total cost excl. VAT", fmt.money(cdr.total_cost.excl_vat, cdr.currency, 4)),
        ("Price check", "not checked" if cdr.price_check is None else cdr.price_check.status),
    )
    for col, (label, value) in zip(st.columns(len(values)), values, strict=True):
        col.metric(label, value, border=True)


def periods(cdr: model.Cdr, tz: str) -> None:
    """The charging periods on a time line, with their numbers as CSV."""
    if not cdr.charging_periods:
        st.info("This CDR has no charging periods.", icon=":material/info:")
        return
    df = costs.timeline(cdr).collect()
    zone = zone_of(cdr, tz)
    st.plotly_chart(cost_charts.timeline(df, zone), key="cdr_timeline")
    st.caption(
        "Line: the power of each charging period, MAX_POWER where the CDR gives it, else energy / charging "
        f"time. Bars: the energy of each period over its time. Local time in {zone}."
    )
    download.csv_button(df, f"cdr-{cdr.id}-periods.csv", key="cdr_timeline_csv")
    with st.expander("The charging periods as a table"):
        st.dataframe(period_rows(df, zone), hide_index=True, key="cdr_periods")


def _e4(value: int | None, unit: str) -> str:
    return "" if value is None else f"{fmt.number(model.from_e4(value), 4)} {unit}"


def period_rows(timeline: pl.DataFrame, zone: str) -> list[dict[str, Any]]:
    """The rows of `costs.timeline` as a person reads them, times in ``zone`` with their offset."""
    return [
        {
            "Period": r["period"],
            "Start": fmt.local_time(from_micros(r["start_us"]), zone),
            "End": fmt.local_time(from_micros(r["end_us"]), zone),
            "Tariff": r["tariff_id"] or "",
            "Energy": _e4(r["energy_e4"], "kWh"),
            "Charging time": _e4(r["time_e4"], "h"),
            "Parking time": _e4(r["parking_time_e4"], "h"),
            "MAX_POWER": _e4(r["max_power_e4"], "kW"),
            "Power": _e4(r["power_e4"], "kW"),
            "Power from": r["power_from"] or "",
        }
        for r in timeline.iter_rows(named=True)
    ]
