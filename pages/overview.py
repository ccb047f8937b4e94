"""Overview: the headline numbers of the chosen period, each against the period before it, and their trend."""

import streamlit as st

from cdrlib import errors
from cdrlib.ui import charts, data, frame, kpi

ctx = frame.page("Overview")
st.caption(frame.period_caption(ctx))
try:
    previous_period = ctx.period.previous()
    current = data.kpis(ctx, ctx.period)
    previous = data.kpis(ctx, previous_period)
    kpi.cards(current, previous, previous_period)

    st.subheader("Trend")
    left, right = st.columns([3, 1])
    measure = left.segmented_control(
        "Show",
        list(charts.MEASURES),
        format_func=charts.MEASURES.__getitem__,
        default="sessions",
        required=True,
        key="trend_measure",
    )
    grain = frame.grain_control("trend_grain", "day", right)
    currency = current.main_currency or previous.main_currency
    st.plotly_chart(charts.trend(data.trend(ctx, ctx.period, grain, currency), measure, grain, currency))

    power, roamed = st.columns(2)
    power.plotly_chart(charts.split(data.split(ctx, ctx.period, "power"), "Sessions by AC / DC"))
    roamed.plotly_chart(charts.split(data.split(ctx, ctx.period, "roamed"), "Sessions by roaming"))
except errors.CdrError as exc:
    st.error(str(exc), icon=":material/error:")
