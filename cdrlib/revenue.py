"""Revenue distribution and reimbursements on the dashboard: pure functions over `pl.LazyFrame`.

The per-CDR figures are those of the exports, computed by the same functions: a CDR's split by its
distribution rule (`distribution.split_frame`, `distribution.SPLIT_COLUMNS`) and its reimbursement
(`reimbursement.reimburse_frame`, `reimbursement.REIMBURSED_COLUMNS`). `shares` and `reimbursed` put
them beside the selected CDRs (`analytics.select`: the period on its basis, the filters, ``day``); the
other functions sum them. Amounts stay exact ``_e4`` integers; currencies are never added up.

So for the same CDRs, the totals here are the sums of the distribution and reimbursement exports: with
the period on the CDR creation date and no filter, the same CDRs as the exports (a test shows it).
"""

from __future__ import annotations

from typing import Literal

import polars as pl

PARTIES: dict[str, str] = {
    "compensation_e4": "Energy compensation",
    "cpo_e4": "CPO share",
    "customer_e4": "Customer share",
}
ReimbursedBy = Literal["driver", "ou"]
REIMBURSED_BY: dict[str, str] = {"driver": "Driver", "ou": "Organization unit"}
NO_OU = "(no OU)"

_MONTH = pl.col("day").dt.truncate("1mo").alias("month")


def _total(expr: pl.Expr) -> pl.Expr:
    return expr.sum().cast(pl.Int64)


def split_input(frame: pl.DataFrame) -> pl.DataFrame:
    """What `distribution.split_frame` needs of the store's prepared analytics frame: the rule is looked
    up by the location's OU (else the EVSE's), the version by the local date of the session start."""
    return frame.select(
        "pk", pl.coalesce("location_ou_code", "ou_code").alias("ou"), pl.col("start_day").alias("day"),
        "currency", "total_energy_e4", "total_cost_excl_e4",
    )


def reimburse_input(frame: pl.DataFrame) -> pl.DataFrame:
    """What `reimbursement.reimburse_frame` needs of the prepared analytics frame."""
    return frame.select(
        "pk", "country_code", "party_id", "location_id", "token_contract_id", pl.col("start_day").alias("day"),
        "total_energy_e4", "credit",
    )


def shares(selected: pl.LazyFrame, split: pl.DataFrame) -> pl.LazyFrame:
    """The selected CDRs under a distribution rule with their split (``split``: `split_frame`'s result
    for the store), and ``day``."""
    return selected.select("pk", "day", "currency", "total_energy_e4").join(split.lazy(), on="pk", how="inner")


def reimbursed(selected: pl.LazyFrame, found: pl.DataFrame) -> pl.LazyFrame:
    """The selected reimbursement CDRs with their reimbursement (``found``: `reimburse_frame`'s result for
    the store), ``day`` and the contract id."""
    return selected.select("pk", "day", "token_contract_id").join(found.lazy(), on="pk", how="inner")


def split_totals(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Per currency (sorted): ``cdrs``, ``energy_e4`` (the export's Volume), ``revenue_e4`` and the three
    shares: the sums of the distribution export's columns for the same CDRs."""
    return (
        lf.group_by("currency")
        .agg(
            cdrs=pl.len().cast(pl.Int64),
            energy_e4=_total(pl.col("total_energy_e4")),
            revenue_e4=_total(pl.col("revenue_e4")),
            **{c: _total(pl.col(c)) for c in PARTIES},
        )
        .sort("currency")
    )


def by_customer_month(lf: pl.LazyFrame, currency: str) -> pl.LazyFrame:
    """Per customer OU (whose rule applies) and month of ``day``, in ``currency``: ``cdrs``,
    ``energy_e4``, ``revenue_e4`` and the three shares; sorted by month, then OU."""
    return (
        lf.filter(pl.col("currency") == currency)
        .group_by("customer_ou", _MONTH)
        .agg(
            cdrs=pl.len().cast(pl.Int64),
            energy_e4=_total(pl.col("total_energy_e4")),
            revenue_e4=_total(pl.col("revenue_e4")),
            **{c: _total(pl.col(c)) for c in PARTIES},
        )
        .sort("month", "customer_ou")
        .select("month", "customer_ou", "cdrs", "energy_e4", "revenue_e4", *PARTIES)
    )


def by_month(per_customer: pl.LazyFrame) -> pl.LazyFrame:
    """`by_customer_month`'s rows summed over the customers: one row per month."""
    return per_customer.group_by("month").agg(pl.col("cdrs", "energy_e4", "revenue_e4", *PARTIES).sum()).sort("month")


def reimbursement_totals(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Per reimbursement currency (sorted; null where no tariff applied): ``cdrs``, ``volume_e4``,
    ``excl_e4``, ``incl_e4``: the sums of the reimbursement export's columns for the same CDRs."""
    return (
        lf.group_by(pl.col("reimbursement_currency").alias("currency"))
        .agg(
            cdrs=pl.len().cast(pl.Int64),
            volume_e4=_total(pl.col("volume_e4")),
            excl_e4=_total(pl.col("excl_e4")),
            incl_e4=_total(pl.col("incl_e4")),
        )
        .sort("currency", nulls_last=True)
    )


def reimbursements_by(lf: pl.LazyFrame, by: ReimbursedBy) -> pl.LazyFrame:
    """Per driver (payee and contract id) or OU, month of ``day`` and currency: ``cdrs``,
    ``volume_e4`` (kWh), ``excl_e4``, ``incl_e4``; sorted by month, then name. Column ``name``: the
    payee with the card's contract id (``driver``), or the OU reimbursed (``ou``)."""
    if by == "driver":
        name = pl.format(
            "{} ({})", pl.col("payee_name").fill_null("no payee yet"), pl.col("token_contract_id").fill_null("")
        )
    elif by == "ou":
        name = pl.col("reimbursed_ou").fill_null(NO_OU)
    else:
        raise ValueError(f"cannot group reimbursements by {by!r}: use 'driver' or 'ou'")
    return (
        lf.group_by(name.alias("name"), _MONTH, pl.col("reimbursement_currency").alias("currency"))
        .agg(
            cdrs=pl.len().cast(pl.Int64),
            volume_e4=_total(pl.col("volume_e4")),
            excl_e4=_total(pl.col("excl_e4")),
            incl_e4=_total(pl.col("incl_e4")),
        )
        .sort("month", "name", "currency", nulls_last=True)
        .select("month", "name", "currency", "cdrs", "volume_e4", "excl_e4", "incl_e4")
    )


def flows(per_customer: pl.DataFrame) -> list[tuple[str, str, int]]:
    """The links of a revenue picture from `by_customer_month` rows: (customer OU, party, amount e4),
    summed over the months; only positive amounts (a credit lowers the amount it corrects)."""
    if per_customer.is_empty():
        return []
    sums = per_customer.group_by("customer_ou").agg(pl.col(*PARTIES).sum()).sort("customer_ou")
    links = []
    for row in sums.iter_rows(named=True):
        for column, party in PARTIES.items():
            if row[column] > 0:
                links.append((row["customer_ou"], party, row[column]))
    return links
