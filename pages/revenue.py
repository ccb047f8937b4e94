"""Revenue distribution: how the revenue of customers' chargers is shared, and the reimbursements."""

import streamlit as st

from cdrlib.ui import frame

ctx = frame.page("Revenue distribution")
st.caption(frame.period_caption(ctx))
