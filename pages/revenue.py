"""Revenue distribution: how the revenue of customers' chargers is shared between the energy
compensation, the CPO and the customer, and what employers reimburse their drivers."""

import streamlit as st

from cdrlib import errors, model, revenue
from cdrlib.ui import data, download, fmt, frame, revenue_charts, tables

ctx = frame.page("Revenue distribution")
st.caption(frame.period_caption(ctx))
try:
    period_name = f"{ctx.period.first}_{ctx.period.last}"
    if not data.kpis(ctx, ctx.period).by_currency:
        st.info("No CDRs in this period under these filters.", icon=":material/info:")
        st.stop()

    st.subheader("Tariff distribution")
    st.caption(
        "Sessions on customers' chargers under a distribution rule (the location's OU or the nearest OU above "
        "it with one; the version valid on the local start date). Their revenue excl. VAT, to the cent, pays "
        "the energy compensation first, then the CPO's share; the customer gets the rest. The same figures "
        "as the Tariff distribution export."
    )
    totals = data.split_totals(ctx, ctx.period)
    if totals.is_empty():
        st.info("No CDRs under a distribution rule in this period under these filters.", icon=":material/info:")
    else:
        currencies = totals["currency"].to_list()
        currency = (
            st.segmented_control(
                "Currency", currencies, default=currencies[0], required=True, key="revenue_currency",
                help="One currency at a time: amounts in different currencies are never added.",
            )
            if len(currencies) > 1
            else currencies[0]
        )
        row = totals.filter(totals["currency"] == currency).row(0, named=True)
        cards = {
            f"Revenue excl. VAT ({currency})": row["revenue_e4"],
            **{f"{label} ({currency})": row[column] for column, label in revenue.PARTIES.items()},
        }
        for col, (label, e4) in zip(st.columns(len(cards)), cards.items(), strict=True):
            col.metric(label, fmt.money(model.from_e4(e4), currency), border=True)
        st.caption(
            f"{fmt.count(row['cdrs'], 'CDR')}, {fmt.kwh(model.from_e4(row['energy_e4']))}. Credit CDRs reverse "
            "the shares of the CDR they correct."
        )

        per_customer = data.split_by_customer_month(ctx, ctx.period, currency)
        months, picture = st.columns(2)
        with months:
            st.markdown("**Per month**")
            per_month = revenue.by_month(per_customer.lazy()).collect()
            st.plotly_chart(revenue_charts.parties_per_month(per_month, currency), key="revenue_months")
        with picture:
            st.markdown("**From revenue to the parties**")
            links = revenue.flows(per_customer)
            if links:
                st.plotly_chart(revenue_charts.flows(links, currency), key="revenue_flows")
            else:
                st.info("Nothing to distribute: the revenue of these CDRs adds up to zero or less.")
        st.markdown("**Per customer and month**")
        st.dataframe(
            tables.shown_e4(per_customer, {"energy_e4": "kWh", "revenue_e4": "revenue", **revenue.PARTIES}),
            hide_index=True,
            key="revenue_table",
            column_config={"month": st.column_config.DateColumn("Month", format="MMM YYYY")},
        )
        download.csv_button(per_customer, f"distribution-{currency}-{period_name}.csv", key="revenue_csv")

    st.subheader("Reimbursements")
    st.caption(
        "Sessions at home or fleet chargers whose card an employer reimburses: kWh x the reimbursement tariff "
        "valid on the local start date, to the cent. The same figures as the Reimbursement export."
    )
    reimbursed = data.reimbursement_totals(ctx, ctx.period)
    if reimbursed.is_empty():
        st.info("No reimbursed CDRs in this period under these filters.", icon=":material/info:")
    else:
        priced = reimbursed.drop_nulls("currency")
        cards = []
        for r in priced.iter_rows(named=True):
            cards += [
                (f"Reimbursed excl. VAT ({r['currency']})", fmt.money(model.from_e4(r["excl_e4"]), r["currency"])),
                (f"Reimbursed incl. VAT ({r['currency']})", fmt.money(model.from_e4(r["incl_e4"]), r["currency"])),
            ]
        cards.append(("Reimbursed energy", fmt.kwh(model.from_e4(sum(reimbursed["volume_e4"].fill_null(0))))))
        for col, (label, value) in zip(st.columns(len(cards)), cards, strict=True):
            col.metric(label, value, border=True)
        unpriced = reimbursed.filter(reimbursed["currency"].is_null())
        if not unpriced.is_empty():
            st.warning(
                f"{fmt.count(unpriced['cdrs'][0], 'CDR')} started before the first reimbursement tariff of their "
                "location: listed, without an amount.",
                icon=":material/warning:",
            )
        by = st.segmented_control(
            "Per", list(revenue.REIMBURSED_BY), format_func=revenue.REIMBURSED_BY.__getitem__, default="driver",
            required=True, key="revenue_reimbursed_by",
        )
        per_name = data.reimbursements_by(ctx, ctx.period, by)
        for cur in priced["currency"].to_list():
            st.plotly_chart(revenue_charts.reimbursements(per_name, cur), key=f"revenue_reimbursements_{cur}")
        st.dataframe(
            tables.shown_e4(per_name, {"volume_e4": "kWh", "excl_e4": "excl. VAT", "incl_e4": "incl. VAT"}),
            hide_index=True,
            key="revenue_reimbursements_table",
            column_config={"month": st.column_config.DateColumn("Month", format="MMM YYYY")},
        )
        download.csv_button(per_name, f"reimbursements-per-{by}-{period_name}.csv", key="revenue_reimbursements_csv")
except errors.CdrError as exc:
    st.error(str(exc), icon=":material/error:")
