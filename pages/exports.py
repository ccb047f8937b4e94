"""Exports: the four files staff hand to EMPs, finance and customers every month (spec/exports.md), for
the CDRs created in a period, with a preview of exactly what each file holds and one download button
per format that builds its file only when clicked."""

import streamlit as st

from cdrlib import errors, exports
from cdrlib.exports import csvfmt
from cdrlib.ui import exports as exports_ui
from cdrlib.ui import fmt, frame

ctx = frame.page("Exports")
st.caption(
    "The exports hold every CDR **created** (received and stored) in the period below, whatever the day its "
    "session started: the period and filters in the sidebar, which pick sessions by their start, do not apply here."
)
default_first, default_last = exports_ui.default_period(ctx.tz)
from_column, to_column, dialect_column = st.columns([1, 1, 3])
first = from_column.date_input(
    "From (created on)",
    value=default_first,
    key=exports_ui.KEY_FROM,
    help=f"The first day of the period, in {ctx.tz}. Opens with the last full calendar month.",
    format="YYYY-MM-DD",
    bind="query-params",
    persist_state="session",
)
last = to_column.date_input(
    "To (created on)",
    value=default_last,
    key=exports_ui.KEY_TO,
    help=f"The last day of the period, in {ctx.tz}: included.",
    format="YYYY-MM-DD",
    bind="query-params",
    persist_state="session",
)
dialects = list(csvfmt.DIALECTS.values())
dialect = dialect_column.radio(
    "CSV dialect",
    [d.name for d in dialects],
    index=[d.name for d in dialects].index(csvfmt.DEFAULT_DIALECT),
    captions=[exports_ui.dialect_caption(d) for d in dialects],
    horizontal=True,
    key=exports_ui.KEY_DIALECT,
    help="How every CSV file is written. The numbers in the files are the same in each.",
    bind="query-params",
    persist_state="session",
)
try:
    selection = exports_ui.selection(ctx.url, ctx.tz, first, last)
    st.caption(exports_ui.period_caption(selection))
    preview = exports_ui.preview(selection)
    if preview.cdrs == 0:
        st.info(
            "No CDRs created in this period. The files can still be downloaded: each holds only its header row.",
            icon=":material/info:",
        )
    else:
        created, roamed, not_roamed, emp_files = st.columns(4)
        created.metric("CDRs created", fmt.number(preview.cdrs), border=True)
        roamed.metric("Roamed", fmt.number(preview.roamed), border=True, help="Started with an EMP's card.")
        not_roamed.metric("Not roamed", fmt.number(preview.not_roamed), border=True)
        emp_files.metric("EMP files", fmt.number(preview.emp_files), border=True, help="In the Normal (eViolin) ZIP.")
        st.table(exports_ui.totals_table(preview), hide_index=True)
        st.caption(
            "Per currency, over all CDRs of the period: Volume in kWh; Calculated_Cost excl. VAT and "
            "Calculated_Cost_Incl_VAT as in the Full download. Credit CDRs subtract."
        )

    st.caption(
        "Each file is built when you click its button; for a large period that takes a few seconds, during "
        "which the button shows a spinner. The tables show what each file will hold: its rows and the exact "
        "sums of its columns, per currency."
    )
    for export in exports.FORMATS.values():
        with st.container(border=True):
            st.subheader(export.title)
            st.caption(export.description)
            st.table(exports_ui.table(preview.summaries[export.name]), hide_index=True)
            exports_ui.download_button(export, selection, preview, dialect or csvfmt.DEFAULT_DIALECT)
except errors.CdrError as exc:
    st.error(str(exc), icon=":material/error:")
