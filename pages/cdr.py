"""CDR explorer: find a CDR by id, session, token, contract or location, and see its details, its
charging periods on a time line and the pricing engine's explanation of its cost."""

import streamlit as st

from cdrlib import errors
from cdrlib.ui import data, explain, explorer, frame

ctx = frame.page("CDR explorer")
st.caption(
    "Finds CDRs whatever their date: the period and filters in the sidebar apply to the session pages, "
    "not to this search. The search and the chosen CDR are kept in the URL, so a link shows the same CDR."
)
try:
    text = st.text_input(
        "Find a CDR",
        key=explorer.KEY_FIND,
        placeholder="CDR id (or its beginning), session id, token uid, contract id or location id",
        bind="query-params",
        persist_state="session",
    )
    text = (text or "").strip()
    found = data.found_cdrs(ctx.url, text) if text else None
    if found is None:
        st.info(
            "Type a CDR id (or its beginning), a session id, a token uid, a contract id or a location id.",
            icon=":material/info:",
        )
    elif found.is_empty():
        st.info(f"No CDR found for “{text}”.", icon=":material/info:")
    else:
        st.dataframe(explorer.found_rows(found, ctx.tz), hide_index=True, key="cdr_found")
        keys = explorer.choices(found)
        picked = st.selectbox(
            "CDR",
            list(keys),
            index=explorer.best_index(found, text),
            key=explorer.KEY_CDR,
            help="The newest CDRs found first (at most 200).",
            bind="query-params",
        )
        cdr = data.cdr(ctx.url, *keys[picked]) if picked in keys else None
        if cdr is None:
            st.warning("This CDR is no longer in the store.", icon=":material/warning:")
        else:
            explorer.cards(cdr)
            st.subheader("Details")
            explorer.details(cdr, ctx.tz)
            st.subheader("Charging periods")
            explorer.periods(cdr, ctx.tz)
            st.subheader("Price explanation")
            explain.section(ctx.url, cdr, key="cdr_explain")
except errors.CdrError as exc:
    st.error(str(exc), icon=":material/error:")
