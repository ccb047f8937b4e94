"""The sums of the Revenue distribution page (cdrlib.revenue) on hand-built per-CDR results."""

from __future__ import annotations

import datetime as dt

import polars as pl

from cdrlib import revenue
from cdrlib.distribution import SPLIT_COLUMNS
from cdrlib.reimbursement import REIMBURSED_COLUMNS

D = dt.date
SELECTED = pl.LazyFrame(
    {
        "pk": [1, 2, 3, 4, 5],
        "day": [D(2024, 6, 3), D(2024, 6, 20), D(2024, 7, 1), D(2024, 7, 2), D(2024, 7, 3)],
        "currency": ["EUR", "EUR", "EUR", "EUR", "GBP"],
        "total_energy_e4": [100_000, 50_000, 200_000, -100_000, 10_000],
        "token_contract_id": ["NL-A", "NL-B", "NL-A", "NL-A", "GB-C"],
    }
)


def split_rows() -> pl.DataFrame:
    # pk, customer OU, revenue, compensation, CPO, customer (e4); pk 4 is a credit of 3's OU; 6 is not selected
    rows = [(1, "ACME", 50_000, 20_000, 5_000, 25_000), (2, "GEM", 30_000, 10_000, 5_000, 15_000),
            (3, "ACME", 80_000, 40_000, 10_000, 30_000), (4, "ACME", -50_000, -20_000, -5_000, -25_000),
            (5, "PHK", 9_000, 1_000, 2_000, 6_000), (6, "ACME", 1, 1, 0, 0)]
    full = [{**dict.fromkeys(SPLIT_COLUMNS), "pk": pk, "customer_ou": ou, "revenue_e4": r, "compensation_e4": c,
             "cpo_e4": p, "customer_e4": u} for pk, ou, r, c, p, u in rows]
    return pl.DataFrame(full, schema=SPLIT_COLUMNS)


def test_totals_per_currency_and_per_customer_and_month() -> None:
    lf = revenue.shares(SELECTED, split_rows())
    totals = revenue.split_totals(lf).collect()
    assert totals.to_dicts() == [
        {"currency": "EUR", "cdrs": 4, "energy_e4": 250_000, "revenue_e4": 110_000, "compensation_e4": 50_000,
         "cpo_e4": 15_000, "customer_e4": 45_000},
        {"currency": "GBP", "cdrs": 1, "energy_e4": 10_000, "revenue_e4": 9_000, "compensation_e4": 1_000,
         "cpo_e4": 2_000, "customer_e4": 6_000},
    ]
    per = revenue.by_customer_month(lf, "EUR").collect()
    assert per.select("month", "customer_ou", "cdrs", "revenue_e4", "cpo_e4").rows() == [
        (D(2024, 6, 1), "ACME", 1, 50_000, 5_000),
        (D(2024, 6, 1), "GEM", 1, 30_000, 5_000),
        (D(2024, 7, 1), "ACME", 2, 30_000, 5_000),  # the credit lowers July's figures
    ]
    months = revenue.by_month(per.lazy()).collect()
    assert months.select("month", "revenue_e4").rows() == [(D(2024, 6, 1), 80_000), (D(2024, 7, 1), 30_000)]
    assert revenue.flows(per) == [
        ("ACME", "Energy compensation", 40_000), ("ACME", "CPO share", 10_000), ("ACME", "Customer share", 30_000),
        ("GEM", "Energy compensation", 10_000), ("GEM", "CPO share", 5_000), ("GEM", "Customer share", 15_000),
    ]


def test_reimbursements_per_driver_and_per_ou() -> None:
    found = pl.DataFrame(
        [
            {**dict.fromkeys(REIMBURSED_COLUMNS), "pk": 1, "payee_name": "A. Jansen", "volume_e4": 100_000,
             "excl_e4": 2_500, "incl_e4": 3_000, "reimbursement_currency": "EUR", "reimbursed_ou": "ACME"},
            {**dict.fromkeys(REIMBURSED_COLUMNS), "pk": 2, "payee_name": "B. de Vries", "volume_e4": 50_000,
             "excl_e4": 1_300, "incl_e4": 1_600, "reimbursement_currency": "EUR", "reimbursed_ou": "ACME"},
            {**dict.fromkeys(REIMBURSED_COLUMNS), "pk": 4, "payee_name": "A. Jansen", "volume_e4": -100_000,
             "excl_e4": -2_500, "incl_e4": -3_000, "reimbursement_currency": "EUR", "reimbursed_ou": "ACME"},
        ],
        schema=REIMBURSED_COLUMNS,
    )
    lf = revenue.reimbursed(SELECTED, found)
    assert revenue.reimbursement_totals(lf).collect().rows() == [("EUR", 3, 50_000, 1_300, 1_600)]
    drivers = revenue.reimbursements_by(lf, "driver").collect()
    assert drivers.select("month", "name", "cdrs", "excl_e4").rows() == [
        (D(2024, 6, 1), "A. Jansen (NL-A)", 1, 2_500),
        (D(2024, 6, 1), "B. de Vries (NL-B)", 1, 1_300),
        (D(2024, 7, 1), "A. Jansen (NL-A)", 1, -2_500),
    ]
    ous = revenue.reimbursements_by(lf, "ou").collect()
    assert ous.select("month", "name", "excl_e4").rows() == [
        (D(2024, 6, 1), "ACME", 3_800), (D(2024, 7, 1), "ACME", -2_500)
    ]
