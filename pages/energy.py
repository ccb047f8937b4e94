"""Energy & time: where and when energy is charged, how long cars stay, and who charges."""

import streamlit as st

from cdrlib import costs, errors
from cdrlib.ui import charts, data, download, energy, frame

ctx = frame.page("Energy & time")
st.caption(frame.period_caption(ctx))
try:
    current = data.kpis(ctx, ctx.period)
    if not current.by_currency:
        st.info("No CDRs in this period under these filters.", icon=":material/info:")
        st.stop()
    if not current.sessions:
        st.info(
            "Only credit CDRs in this period under these filters: no sessions, so no energy or time.",
            icon=":material/info:",
        )
        st.stop()
    period_name = f"{ctx.period.first}_{ctx.period.last}"

    left, right = st.columns([3, 1])
    measure = left.segmented_control(
        "Show",
        list(energy.MEASURES),
        format_func=energy.MEASURES.__getitem__,
        default="energy",
        required=True,
        key="energy_measure",
        help="What the charts over time, the heat map and the EMP mix count.",
    )
    grain = frame.grain_control("energy_grain", costs.default_grain(ctx.period.days), right)

    # One section at a time: a browser draws every chart sent, and nine take it seconds on a small PC.
    # The open section is in the URL (``energy_view``) like the filters; only its numbers are worked out.
    over_time_tab, durations_tab, power_tab, places_tab = st.tabs(
        list(energy.VIEWS), key="energy_view", bind="query-params", on_change="rerun"
    )
    if over_time_tab.open is not False:
        with over_time_tab:
            st.subheader(f"{energy.MEASURES[measure]} per {charts.GRAIN_LABELS[grain].lower()}, AC and DC")
            over_time = energy.by_grain(ctx, ctx.period, grain)
            st.plotly_chart(energy.over_time(over_time, measure, grain), key="energy_over_time")
            download.csv_button(over_time, f"energy-by-{grain}-{period_name}.csv", key="energy_over_time_csv")

            st.subheader("When sessions start")
            cells = energy.heatmap(ctx, ctx.period)
            st.plotly_chart(energy.heatmap_chart(cells, measure), key="energy_heatmap")
            st.caption(
                "By the local weekday and hour of the session start at each location, in the location's own time zone."
            )
            download.csv_button(cells, f"sessions-by-weekday-hour-{period_name}.csv", key="energy_heatmap_csv")

    if durations_tab.open is not False:
        with durations_tab:
            st.subheader("Session durations")
            spread = energy.durations(ctx, ctx.period)
            st.plotly_chart(energy.durations_chart(spread), key="energy_durations")
            st.caption(energy.duration_text(energy.duration_spread(ctx, ctx.period)))
            download.csv_button(spread, f"session-durations-{period_name}.csv", key="energy_durations_csv")

            st.subheader("Charging and parking")
            both, idle = st.columns(2)
            with both:
                st.markdown("**Per session, AC and DC**")
                times = energy.charging_vs_parking(ctx, ctx.period)
                st.plotly_chart(energy.charging_parking_chart(times), key="energy_charging_parking")
                download.csv_button(times, f"charging-vs-parking-{period_name}.csv", key="energy_charging_parking_csv")
            with idle:
                longest = energy.idle_locations(ctx, ctx.period)
                if longest.is_empty():
                    st.info("No session in this selection parked after charging.", icon=":material/info:")
                else:
                    st.markdown("**Where cars stay longest after charging**")
                    st.plotly_chart(energy.idle_locations_chart(longest), key="energy_idle_locations")
                    download.csv_button(longest, f"longest-idle-locations-{period_name}.csv", key="energy_idle_csv")
            st.caption(energy.TIME_NOTE)

    if power_tab.open is not False:
        with power_tab:
            st.subheader("Maximum power")
            power = energy.power_spread(ctx, ctx.period)
            power_spread, from_max_power = energy.power_percentiles(ctx, ctx.period)
            if not power_spread.sessions:
                st.info(
                    "No session in this selection states its power or has energy and charging time.",
                    icon=":material/info:",
                )
            else:
                st.plotly_chart(energy.power_chart(power), key="energy_power")
                st.caption(energy.power_text(power_spread, from_max_power))
                download.csv_button(power, f"maximum-power-{period_name}.csv", key="energy_power_csv")
            st.caption(energy.POWER_NOTE)

    if places_tab.open is not False:
        with places_tab:
            st.subheader("Top locations")
            by_energy, by_occupancy = st.columns(2)
            for column, by, heading in (
                (by_energy, "energy", "By energy"), (by_occupancy, "occupancy", "By occupancy")
            ):
                with column:
                    st.markdown(f"**{heading}**")
                    top = energy.top_locations(ctx, ctx.period, by)
                    st.plotly_chart(energy.locations_chart(top, by), key=f"energy_top_{by}")
                    download.csv_button(top, f"top-locations-by-{by}-{period_name}.csv", key=f"energy_top_{by}_csv")
            st.caption(energy.OCCUPANCY_NOTE)

            st.subheader("EMP mix")
            mix = energy.emp_mix(ctx, ctx.period)
            st.plotly_chart(energy.emp_chart(mix, measure, energy.emp_names(ctx)), key="energy_emp_mix")
            st.caption(
                f"EMP: the issuer of the token; {energy.NONE_LABEL} for own cards and ad hoc payment. "
                f"Beyond the first {energy.TOP_EMPS}: {energy.OTHERS_LABEL}."
            )
            download.csv_button(mix, f"emp-mix-{period_name}.csv", key="energy_emp_mix_csv")
except errors.CdrError as exc:
    st.error(str(exc), icon=":material/error:")
