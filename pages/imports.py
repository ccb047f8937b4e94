"""Imports: every import batch, and the records each one rejected with where they were and why."""

import streamlit as st

from cdrlib import errors
from cdrlib.ui import data, frame, tables

ctx = frame.page("Imports")
st.caption(
    "Every import and demo load, newest first, with its local time. "
    "The period and filters in the sidebar apply to the session pages, not to this list."
)
try:
    batches = data.import_batches(ctx.url)
    if not batches:
        st.info("No imports yet.", icon=":material/info:")
    else:
        st.dataframe(tables.batch_rows(batches, ctx.tz), hide_index=True, key="batches")
        with_rejections = {b.pk: b for b in batches if b.rejected or b.conflicts}
        st.subheader("Rejected records")
        if not with_rejections:
            st.success("No batch rejected any record.", icon=":material/check_circle:")
        else:
            batch_pk = st.selectbox(
                "Batch",
                list(with_rejections),
                format_func=lambda pk: tables.batch_label(with_rejections[pk], ctx.tz),
                key="imports_batch",
            )
            rejected = data.rejections(ctx.url, batch_pk)
            st.dataframe(tables.rejection_rows(rejected), hide_index=True, key="rejections")
            if rejected:
                by_pk = {r.pk: r for r in rejected}
                shown = st.selectbox(
                    "Record as received",
                    list(by_pk),
                    format_func=lambda pk: tables.rejection_label(by_pk[pk]),
                    key="imports_record",
                )
                st.caption(by_pk[shown].reason)
                st.code(by_pk[shown].raw, language="json", wrap_lines=True)
except errors.CdrError as exc:
    st.error(str(exc), icon=":material/error:")
