"""Energy & time: where and when energy is charged, how long cars stay, and who charges."""

import streamlit as st

from cdrlib.ui import frame

ctx = frame.page("Energy & time")
st.caption(frame.period_caption(ctx))
