"""Costs & tariffs: revenue by cost component, tariff and EMP, the price per kWh, and the CDRs whose
stated price the pricing engine does not confirm, each with its explanation."""

import streamlit as st

from cdrlib import costs, errors
from cdrlib.ui import cost_charts, cost_kpi, data, download, explain, explorer, frame

ctx = frame.page("Costs & tariffs")
st.caption(frame.period_caption(ctx))
try:
    current = data.kpis(ctx, ctx.period)
    if not current.by_currency:
        st.info("No CDRs in this period under these filters.", icon=":material/info:")
        st.stop()
    cost_kpi.cards(current, data.price_checks(ctx, ctx.period))

    currencies = [t.currency for t in current.by_currency]
    if len(currencies) > 1:
        currency = st.segmented_control(
            "Currency",
            currencies,
            default=currencies[0],
            required=True,
            key="costs_currency",
            help="The charts show one currency at a time: amounts in different currencies are never added.",
        )
    else:
        currency = currencies[0]
    period_name = f"{ctx.period.first}_{ctx.period.last}"

    # One section at a time, like Energy & time: a browser draws only the open one's charts and tables.
    revenue_tab, price_tab, issues_tab = st.tabs(list(cost_kpi.VIEWS), key="costs_view", bind="query-params",
                                                 on_change="rerun")
    if revenue_tab.open is not False:
        with revenue_tab:
            st.subheader("Revenue by component")
            grain = frame.grain_control("costs_grain", costs.default_grain(ctx.period.days))
            trend = data.component_trend(ctx, ctx.period, grain, currency)
            st.plotly_chart(cost_charts.components_over_time(trend, grain, currency), key="costs_trend")
            st.caption(
                "The cost components the CDRs state (OCPI total_energy_cost, total_time_cost, total_parking_cost, "
                "total_fixed_cost, total_reservation_cost); Not itemised: what they leave of total_cost."
            )
            download.csv_button(
                trend, f"revenue-by-component-{currency}-{period_name}.csv", key="costs_trend_csv"
            )

            # One split at a time (a filter change redraws every chart of the section in the browser).
            st.subheader("Revenue by")
            heading = st.segmented_control(
                "Revenue by", list(cost_kpi.SPLITS), default=next(iter(cost_kpi.SPLITS)), required=True,
                key="costs_split", label_visibility="collapsed",
            )
            by = cost_kpi.SPLITS[heading]
            split = data.component_split(ctx, ctx.period, by, currency)
            st.plotly_chart(cost_charts.components_by(split, heading, currency), key="costs_by")
            download.csv_button(split, f"revenue-by-{by}-{currency}-{period_name}.csv", key="costs_by_csv")
            st.caption(
                "Tariff: the tariff of the CDR's first charging period. EMP: the issuer of the token; "
                f"{costs.NONE_LABEL} for own cards and ad hoc payment."
            )

    if price_tab.open is not False:
        with price_tab:
            st.subheader("Price per kWh")
            per_kwh = data.price_per_kwh(ctx, ctx.period, currency)
            if per_kwh.is_empty():
                st.info(f"No sessions with energy in {currency} in this period.", icon=":material/info:")
            else:
                spread = data.price_spread(ctx, ctx.period, currency)
                histogram = data.price_histogram(ctx, ctx.period, currency, cost_charts.PRICE_BINS)
                st.plotly_chart(cost_charts.price_spread(histogram, spread, currency), key="costs_per_kwh")
                st.caption(cost_kpi.spread_text(spread, currency))
                download.csv_button(
                    per_kwh, f"price-per-kwh-{currency}-{period_name}.csv", key="costs_per_kwh_csv"
                )

    if issues_tab.open is not False:
        with issues_tab:
            st.subheader("Price issues")
            issues = data.price_issues(ctx, ctx.period)
            if issues.is_empty():
                st.success(
                    "The pricing engine confirms the stated price of every checked CDR in this period.",
                    icon=":material/check_circle:",
                )
            else:
                st.dataframe(explain.issue_rows(issues, ctx.tz), hide_index=True, key="costs_issues")
                labels = explain.issue_labels(issues, ctx.tz)
                keys = explorer.choices(issues)
                picked = st.selectbox(
                    "Explain", list(labels), format_func=labels.__getitem__, key="costs_issue"
                )
                cdr = data.cdr(ctx.url, *keys[picked])
                if cdr is None:
                    st.warning("This CDR is no longer in the store.", icon=":material/warning:")
                else:
                    explorer.link(*keys[picked])
                    explain.section(ctx.url, cdr, key="costs_explain")
except errors.CdrError as exc:
    st.error(str(exc), icon=":material/error:")
