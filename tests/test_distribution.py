"""Tariff distribution (domain.md): version history, rule inheritance down the OU tree, the split."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdrlib import distribution
from cdrlib.distribution import FIXED_FEE, PERCENTAGE, Shares
from cdrlib.errors import ValidationError
from cdrlib.model import DistributionRule, DistributionVersion

D = Decimal
CHANGE = dt.date(2024, 7, 1)

# Acme HQ (demo catalogue): energy plus a CPO fee, new prices from CHANGE.
HQ_OLD = DistributionVersion(dt.date(2024, 1, 1), D("0.2000"), FIXED_FEE, "EUR", cpo_fee_per_kwh=D("0.0500"))
HQ_NEW = DistributionVersion(CHANGE, D("0.2200"), FIXED_FEE, "EUR", cpo_fee_per_kwh=D("0.0600"))
# Gemeente Utrecht (demo catalogue): energy, then 25 % to the CPO and 75 % to the customer.
UTR = DistributionVersion(CHANGE, D("0.2000"), PERCENTAGE, "EUR", cpo_percentage=D("25"), customer_percentage=D("75"))


def pct(cpo: str, customer: str, energy: str = "0") -> DistributionVersion:
    return DistributionVersion(
        CHANGE, D(energy), PERCENTAGE, "EUR", cpo_percentage=D(cpo), customer_percentage=D(customer)
    )


def fixed(energy: str, fee: str) -> DistributionVersion:
    return DistributionVersion(CHANGE, D(energy), FIXED_FEE, "EUR", cpo_fee_per_kwh=D(fee))


def split(shares: Shares) -> tuple[str, str, str, str]:
    """(revenue, energy compensation, CPO, customer) as text: checks the 2 decimals and the sign too."""
    return (str(shares.revenue), str(shares.energy_compensation), str(shares.cpo_share), str(shares.customer_share))


# --- version_at ---


def test_version_changes_between_the_day_before_and_the_day_of_the_change() -> None:
    versions = (HQ_NEW, HQ_OLD)  # any order
    assert distribution.version_at(versions, dt.date(2024, 6, 30)) is HQ_OLD
    assert distribution.version_at(versions, dt.date(2024, 7, 1)) is HQ_NEW
    assert distribution.version_at(versions, dt.date(2030, 1, 1)) is HQ_NEW


def test_no_version_before_the_first() -> None:
    assert distribution.version_at((HQ_OLD, HQ_NEW), dt.date(2023, 12, 31)) is None
    assert distribution.version_at((), dt.date(2024, 1, 1)) is None


def test_two_versions_from_one_date_are_ambiguous() -> None:
    twin = DistributionVersion(CHANGE, D("0.1"), FIXED_FEE, "EUR", cpo_fee_per_kwh=D("0"))
    with pytest.raises(ValidationError, match="2024-07-01"):
        distribution.version_at((HQ_OLD, HQ_NEW, twin), dt.date(2024, 7, 2))


def test_a_session_on_each_side_of_the_change_is_split_by_its_own_version() -> None:
    # 12.3456 kWh, 7.4567 excl. VAT -> revenue 7.46.
    # Before: 12.3456 x 0.20 = 2.46912 -> 2.47; fee 12.3456 x 0.05 = 0.61728 -> 0.62; customer 4.37.
    # From the change: 12.3456 x 0.22 = 2.716032 -> 2.72; fee x 0.06 = 0.740736 -> 0.74; customer 4.00.
    revenue, kwh = D("7.4567"), D("12.3456")
    before = distribution.version_at((HQ_OLD, HQ_NEW), dt.date(2024, 6, 30))
    on = distribution.version_at((HQ_OLD, HQ_NEW), dt.date(2024, 7, 1))
    assert before is not None and on is not None
    assert split(distribution.distribute(revenue, kwh, before)) == ("7.46", "2.47", "0.62", "4.37")
    assert split(distribution.distribute(revenue, kwh, on)) == ("7.46", "2.72", "0.74", "4.00")


# --- rule_for ---

PARENTS: dict[str, str | None] = {
    "ACME": None,
    "ACME-HQ": "ACME",
    "ACME-HQ-P1": "ACME-HQ",
    "ACME-HOME": "ACME",
    "ACME-HOME-N": "ACME-HOME",
    "GEM-UTR": None,
}
ACME_RULE = DistributionRule("ACME", "Acme group", (HQ_OLD,))
HQ_RULE = DistributionRule("ACME-HQ", "Acme HQ: energy plus CPO fee", (HQ_OLD, HQ_NEW))
RULES = (ACME_RULE, HQ_RULE)


def test_an_ou_with_its_own_rule_uses_it() -> None:
    assert distribution.rule_for("ACME", RULES, PARENTS) is ACME_RULE
    assert distribution.rule_for("ACME-HQ", RULES, PARENTS) is HQ_RULE


def test_a_rule_applies_to_every_ou_under_it() -> None:
    assert distribution.rule_for("ACME-HOME", RULES, PARENTS) is ACME_RULE
    assert distribution.rule_for("ACME-HOME-N", RULES, PARENTS) is ACME_RULE


def test_a_lower_ou_with_its_own_rule_overrides_and_passes_it_down() -> None:
    assert distribution.rule_for("ACME-HQ-P1", RULES, PARENTS) is HQ_RULE
    assert distribution.rule_for("ACME-HQ-P1", {"ACME": ACME_RULE, "ACME-HQ": HQ_RULE}, PARENTS) is HQ_RULE


def test_no_rule_on_the_way_up() -> None:
    assert distribution.rule_for("GEM-UTR", RULES, PARENTS) is None
    assert distribution.rule_for("UNKNOWN", RULES, PARENTS) is None  # not in the tree: a top-level OU
    assert distribution.rule_for(None, RULES, PARENTS) is None
    assert distribution.rule_for("ACME-HQ-P1", (), PARENTS) is None


def test_a_cycle_in_the_ou_tree_raises_instead_of_looping() -> None:
    parents: dict[str, str | None] = {"A": "B", "B": "C", "C": "A"}
    with pytest.raises(ValidationError, match="cycle: A -> B -> C -> A"):
        distribution.rule_for("A", RULES, parents)
    # A rule found before the walk comes round again is still the answer.
    rule_c = DistributionRule("C", "C")
    assert distribution.rule_for("A", (rule_c,), parents) is rule_c
    with pytest.raises(ValidationError, match="cycle"):
        distribution.rule_for("X", RULES, {"X": "X"})


# --- distribute ---


def test_fixed_fee_split_with_its_rates() -> None:
    shares = distribution.distribute(D("7.4567"), D("12.3456"), HQ_NEW)
    assert shares == Shares(
        revenue=D("7.46"),
        energy_compensation=D("2.72"),
        cpo_share=D("0.74"),
        customer_share=D("4.00"),
        method="FIXED_FEE",
        energy_compensation_rate=D("0.2200"),
        cpo_fee_rate=D("0.0600"),
        cpo_percentage=None,
        customer_percentage=None,
    )


def test_percentage_split_with_its_rates() -> None:
    # 20 kWh x 0.20 = 4.00; remainder 6.00: CPO 25 % = 1.50, customer 4.50.
    shares = distribution.distribute(D("10.0000"), D("20.0000"), UTR)
    assert split(shares) == ("10.00", "4.00", "1.50", "4.50")
    assert (shares.method, shares.energy_compensation_rate) == ("PERCENTAGE", D("0.2000"))
    assert (shares.cpo_fee_rate, shares.cpo_percentage, shares.customer_percentage) == (None, D("25"), D("75"))


def test_revenue_is_rounded_half_up_to_the_cent() -> None:
    assert split(distribution.distribute(D("0.0050"), D("0"), pct("0", "100"))) == ("0.01", "0.00", "0.00", "0.01")
    assert split(distribution.distribute(D("0.0049"), D("0"), pct("0", "100"))) == ("0.00", "0.00", "0.00", "0.00")
    assert split(distribution.distribute(D("12"), D("0"), pct("0", "100"))) == ("12.00", "0.00", "0.00", "12.00")


def test_energy_compensation_is_capped_at_the_revenue() -> None:
    # 10 kWh x 0.22 = 2.20 > revenue 1.00: compensation 1.00, nothing left for the CPO or the customer.
    assert split(distribution.distribute(D("1.0000"), D("10"), HQ_NEW)) == ("1.00", "1.00", "0.00", "0.00")
    assert split(distribution.distribute(D("1.0000"), D("10"), pct("40", "60", "0.22"))) == (
        "1.00",
        "1.00",
        "0.00",
        "0.00",
    )


def test_cpo_fee_is_capped_at_what_the_compensation_left() -> None:
    # 10 kWh: compensation 2.20, left 0.80; fee 10 x 0.10 = 1.00 -> capped at 0.80; customer 0.00.
    version = DistributionVersion(CHANGE, D("0.22"), FIXED_FEE, "EUR", cpo_fee_per_kwh=D("0.10"))
    assert split(distribution.distribute(D("3.00"), D("10"), version)) == ("3.00", "2.20", "0.80", "0.00")


def test_percentage_rounding_residue_goes_to_the_customer() -> None:
    # 0.01 x 33.33 % = 0.003333 -> 0.00: the cent is the customer's.
    assert split(distribution.distribute(D("0.01"), D("1"), pct("33.33", "66.67"))) == ("0.01", "0.00", "0.00", "0.01")
    # 1.00 x 33.33 % = 0.3333 -> 0.33; customer 0.67 (66.67 % would be 0.6667 -> 0.67 too, by chance).
    assert split(distribution.distribute(D("1.00"), D("1"), pct("33.33", "66.67"))) == ("1.00", "0.00", "0.33", "0.67")
    # 0.15 x 50 % = 0.075 -> 0.08 half up for the CPO; the customer takes 0.07, not 0.08.
    assert split(distribution.distribute(D("0.15"), D("1"), pct("50", "50"))) == ("0.15", "0.00", "0.08", "0.07")


def test_a_credit_exactly_negates_its_original() -> None:
    original = distribution.distribute(D("7.4567"), D("12.3456"), HQ_NEW)
    credit = distribution.distribute(D("-7.4567"), D("12.3456"), HQ_NEW)
    assert split(original) == ("7.46", "2.72", "0.74", "4.00")
    assert split(credit) == ("-7.46", "-2.72", "-0.74", "-4.00")
    # The sign of the credit's energy does not matter.
    assert distribution.distribute(D("-7.4567"), D("-12.3456"), HQ_NEW) == credit


def test_a_credit_is_capped_and_rounded_like_its_original_and_has_no_negative_zero() -> None:
    assert split(distribution.distribute(D("-1.00"), D("-10"), HQ_NEW)) == ("-1.00", "-1.00", "0.00", "0.00")
    assert split(distribution.distribute(D("-0.15"), D("1"), pct("50", "50"))) == ("-0.15", "0.00", "-0.08", "-0.07")
    assert split(distribution.distribute(D("-0.0050"), D("0"), pct("0", "100"))) == ("-0.01", "0.00", "0.00", "-0.01")
    assert split(distribution.distribute(D("-0.0049"), D("0"), pct("0", "100"))) == ("0.00", "0.00", "0.00", "0.00")


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (pct("30", "60"), "add up to 90, not 100"),
        (pct("-50", "150"), "cpo_percentage must be a decimal >= 0"),
        (pct("100.5", "-0.5"), "cpo_percentage must be at most 100"),
        (
            DistributionVersion(CHANGE, D("0.2"), PERCENTAGE, "EUR", cpo_percentage=D("30")),
            "customer_percentage is missing",
        ),
        (DistributionVersion(CHANGE, D("0.2"), FIXED_FEE, "EUR"), "cpo_fee_per_kwh is missing"),
        (fixed("0.2", "-0.01"), "cpo_fee_per_kwh must be a decimal >= 0"),
        (fixed("-0.2", "0"), "energy_compensation_per_kwh must be a decimal >= 0"),
        (DistributionVersion(CHANGE, D("0.2"), "SPLIT", "EUR"), "unknown split method 'SPLIT'"),
        (DistributionVersion(CHANGE, D("0.2"), "fixed_fee", "EUR", cpo_fee_per_kwh=D("0")), "unknown split method"),
    ],
)
def test_an_invalid_version_raises(version: DistributionVersion, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        distribution.distribute(D("10"), D("10"), version)
    assert "distribution version valid from 2024-07-01" in str(caught.value)


def test_a_float_amount_is_refused() -> None:
    with pytest.raises(TypeError, match="revenue_excl must be a Decimal"):
        distribution.distribute(10.0, D("1"), UTR)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="kwh must be a finite number"):
        distribution.distribute(D("1"), D("NaN"), UTR)


# --- the invariants, for any revenue, energy and version ---

E4 = st.integers(-10_000_000, 100_000_000).map(lambda n: D(n).scaleb(-4))  # -1000.0000 .. 10000.0000
KWH = st.integers(0, 5_000_000).map(lambda n: D(n).scaleb(-4))  # 0 .. 500.0000
RATE = st.integers(0, 10_000).map(lambda n: D(n).scaleb(-4))  # 0 .. 1.0000 per kWh
FIXED = st.builds(lambda ec, fee: DistributionVersion(CHANGE, ec, FIXED_FEE, "EUR", cpo_fee_per_kwh=fee), RATE, RATE)
PERCENT = st.builds(
    lambda ec, cpo: DistributionVersion(
        CHANGE, ec, PERCENTAGE, "EUR", cpo_percentage=D(cpo).scaleb(-2), customer_percentage=100 - D(cpo).scaleb(-2)
    ),
    RATE,
    st.integers(0, 10_000),  # 0.00 .. 100.00 %
)


@given(revenue=E4, kwh=KWH, version=st.one_of(FIXED, PERCENT))
def test_shares_add_up_to_the_rounded_revenue_and_never_exceed_it(
    revenue: Decimal, kwh: Decimal, version: DistributionVersion
) -> None:
    shares = distribution.distribute(revenue, kwh, version)
    parts = (shares.energy_compensation, shares.cpo_share, shares.customer_share)
    assert shares.revenue == revenue.quantize(D("0.01"), rounding="ROUND_HALF_UP")
    assert sum(parts) == shares.revenue
    assert all(p.as_tuple().exponent == -2 for p in (shares.revenue, *parts))
    assert all(abs(p) <= abs(shares.revenue) for p in parts)
    assert "-0.00" not in {str(p) for p in (shares.revenue, *parts)}
    if revenue >= 0:
        assert all(p >= 0 for p in parts)
    else:
        assert all(p <= 0 for p in parts)


@given(revenue=E4, kwh=KWH, version=st.one_of(FIXED, PERCENT))
def test_a_credit_always_negates_its_original(revenue: Decimal, kwh: Decimal, version: DistributionVersion) -> None:
    original = distribution.distribute(revenue, kwh, version)
    credit = distribution.distribute(-revenue, kwh, version)
    assert (credit.revenue, credit.energy_compensation, credit.cpo_share, credit.customer_share) == (
        -original.revenue,
        -original.energy_compensation,
        -original.cpo_share,
        -original.customer_share,
    )


# --- split_frame: the same split for many CDRs at once (the export and the dashboard use it) ---

ROOT_RULE = "ROOT"


def frame_of(cases: list[tuple[Decimal, Decimal, dt.date | None, str]]) -> pl.DataFrame:
    """One CDR per (revenue, kWh, local day, currency), under OU ``SITE`` (whose parent has the rule)."""
    return pl.DataFrame(
        [(i, "SITE", day, cur, int(kwh.scaleb(4)), int(rev.scaleb(4))) for i, (rev, kwh, day, cur) in enumerate(cases)],
        schema={"pk": pl.Int64, "ou": pl.String, "day": pl.Date, "currency": pl.String,
                "total_energy_e4": pl.Int64, "total_cost_excl_e4": pl.Int64},
        orient="row",
    )


@given(
    cases=st.lists(st.tuples(E4, KWH, st.sampled_from([dt.date(2024, 6, 30), CHANGE, dt.date(2024, 12, 31)])),
                   min_size=1, max_size=30),
    old=st.one_of(FIXED, PERCENT),
    new=st.one_of(FIXED, PERCENT),
)
def test_split_frame_equals_distribute_for_every_cdr(
    cases: list[tuple[Decimal, Decimal, dt.date]], old: DistributionVersion, new: DistributionVersion
) -> None:
    old = dataclasses.replace(old, valid_from=dt.date(2024, 1, 1))
    rule = DistributionRule(ROOT_RULE, "Root rule", (new, old))
    got = distribution.split_frame(frame_of([(*c, "EUR") for c in cases]), [rule], {"SITE": ROOT_RULE})
    assert got["pk"].to_list() == list(range(len(cases)))
    for row, (revenue, kwh, day) in zip(got.iter_rows(named=True), cases, strict=True):
        version = distribution.version_at(rule.versions, day)
        want = distribution.distribute(revenue, kwh, version)
        assert (row["customer_ou"], row["rule_from"], row["method"]) == (ROOT_RULE, version.valid_from, version.method)
        assert [D(row[k]).scaleb(-4) for k in ("revenue_e4", "compensation_e4", "cpo_e4", "customer_e4")] == [
            want.revenue, want.energy_compensation, want.cpo_share, want.customer_share
        ]


def test_split_frame_leaves_out_cdrs_without_a_rule_a_version_a_revenue_or_in_another_currency() -> None:
    rule = DistributionRule(ROOT_RULE, "Root rule", (UTR,))
    before = dt.date(2024, 6, 30)
    frame = frame_of(
        [(D("10"), D("5"), CHANGE, "EUR"), (D("10"), D("5"), CHANGE, "EUR"), (D("10"), D("5"), before, "EUR"),
         (D("10"), D("5"), CHANGE, "GBP"), (D("10"), D("5"), None, "EUR")]
    )
    frame = frame.with_columns(
        total_cost_excl_e4=pl.when(pl.col("pk") == 1).then(None).otherwise(pl.col("total_cost_excl_e4")),
        ou=pl.when(pl.col("pk") == 4).then(pl.lit("ELSEWHERE")).otherwise(pl.col("ou")),
    ).with_columns(day=pl.when(pl.col("pk") == 4).then(pl.lit(CHANGE)).otherwise(pl.col("day")))
    got = distribution.split_frame(frame, [rule], {"SITE": ROOT_RULE, "ELSEWHERE": None})
    assert got["pk"].to_list() == [0]
    # 10.00: energy 5 kWh x 0.20 = 1.00, then 25 % of 9.00 to the CPO (2.25) and the rest (6.75)
    row = got.row(0, named=True)
    assert (row["revenue_e4"], row["compensation_e4"], row["cpo_e4"], row["customer_e4"]) == (
        100_000, 10_000, 22_500, 67_500
    )
    assert (row["cpo_pct_e4"], row["customer_pct_e4"], row["fee_rate_e4"]) == (250_000, 750_000, None)
