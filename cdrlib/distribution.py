"""Tariff distribution (revenue sharing): which rule and version apply, and how a session's revenue is split.

domain.md, "Tariff distribution (revenue sharing)": a rule belongs to an OU and applies to every location
under it unless a lower OU has its own; each rule has a history of versions, each valid from a date. A
version pays the **energy compensation** per kWh first, then divides the remainder between the **CPO**
and the **customer**, by a fixed CPO fee per kWh (``FIXED_FEE``) or by percentages (``PERCENTAGE``).

The rules of the split (domain.md and exports.md section 4), in order:

1. **Revenue** is the CDR's total cost excl. VAT rounded half up to the cent (half away from zero, so a
   credit rounds to exactly the negation of its original).
2. **Energy compensation** = kWh x rate, rounded half up to the cent, capped at the revenue: the revenue
   is never over-distributed.
3. ``FIXED_FEE``: **CPO share** = kWh x fee, rounded half up to the cent, capped at what the energy
   compensation left; the **customer** gets the rest.
   ``PERCENTAGE``: **CPO share** = remainder x CPO %, rounded half up to the cent; the **customer** gets
   remainder - CPO share, so it takes the rounding residue.
4. So ``energy_compensation + cpo_share + customer_share == revenue`` exactly, and for a revenue >= 0 no
   share is negative.

**Credit CDRs** (negative revenue) are split by the same rules on the absolute revenue and absolute
energy, and every share is then negated: a credit of -x is split into exactly the negated shares of an
original of x, so that a credit reverses its original to the cent (the caps and the residue land the
same way). Pure functions over `cdrlib.model` objects (and `split_frame`, the same over a polars frame of
many CDRs): no SQL, no floats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from cdrlib import model
from cdrlib.errors import ValidationError

FIXED_FEE = "FIXED_FEE"
PERCENTAGE = "PERCENTAGE"
METHODS: tuple[str, ...] = (FIXED_FEE, PERCENTAGE)

CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
_HUNDRED = Decimal(100)


def version_at(versions: Iterable[model.DistributionVersion], day: dt.date) -> model.DistributionVersion | None:
    """The version valid on ``day`` (a local date): the one with the latest ``valid_from`` <= ``day``.

    None before the first version (domain.md: "a price history, each version valid from a date"). The
    versions may come in any order; two versions from the same date make the history ambiguous and raise
    `ValidationError`.
    """
    return model.valid_on(versions, day, "distribution versions")


def rule_for(
    ou_code: str | None,
    rules: Iterable[model.DistributionRule] | Mapping[str, model.DistributionRule],
    parents: Mapping[str, str | None],
) -> model.DistributionRule | None:
    """The distribution rule that applies to OU ``ou_code``: its own, else its nearest ancestor's.

    domain.md: a rule "belongs to an OU (and applies to every location under it unless a lower OU has its
    own)". ``rules`` are the rules (or a mapping OU code -> rule); ``parents`` maps each OU code to its
    parent code (None at the top), e.g. ``{o.code: o.parent_code for o in store.ous()}``. An OU missing
    from ``parents`` is taken as a top-level OU. None when no OU on the way up has a rule, or when
    ``ou_code`` is None. A cycle in the tree (an OU that is its own ancestor) raises `ValidationError`,
    unless a rule is found before the walk comes round again.

    Which OU to pass is the caller's choice: the location's OU (``Cdr.location_ou_code``), or the
    EVSE's (``Cdr.ou_code``) where an EVSE belongs to another customer than its location.
    """
    by_ou = rules if isinstance(rules, Mapping) else {r.ou_code: r for r in rules}
    seen: list[str] = []
    code = ou_code
    while code is not None:
        if code in seen:
            path = " -> ".join([*seen, code])
            raise ValidationError(f"the OU tree has a cycle: {path}", field="parent_code")
        rule = by_ou.get(code)
        if rule is not None:
            return rule
        seen.append(code)
        code = parents.get(code)
    return None


@dataclass(frozen=True, slots=True)
class Shares:
    """A session's revenue split by one distribution version (exports.md section 4).

    All amounts have 2 decimals and ``energy_compensation + cpo_share + customer_share == revenue``.
    The rates are those of the version used: ``cpo_fee_rate`` only for ``FIXED_FEE``, the percentages
    only for ``PERCENTAGE`` (None otherwise, an empty cell in the export).
    """

    revenue: Decimal
    energy_compensation: Decimal
    cpo_share: Decimal
    customer_share: Decimal
    method: str
    energy_compensation_rate: Decimal  # per kWh
    cpo_fee_rate: Decimal | None = None  # per kWh
    cpo_percentage: Decimal | None = None
    customer_percentage: Decimal | None = None


def validate_version(version: model.DistributionVersion) -> None:
    """Raise `ValidationError` unless ``version`` can split a revenue (domain.md, Tariff distribution).

    The method is ``FIXED_FEE`` (with a CPO fee per kWh >= 0) or ``PERCENTAGE`` (CPO % and customer %,
    each 0..100, adding up to exactly 100); the energy compensation per kWh is >= 0. Fields of the other
    method are ignored.
    """
    when = f"distribution version valid from {version.valid_from.isoformat()}"
    _check_rate(version.energy_compensation_per_kwh, "energy_compensation_per_kwh", when)
    if version.method == FIXED_FEE:
        _check_rate(version.cpo_fee_per_kwh, "cpo_fee_per_kwh", when)
    elif version.method == PERCENTAGE:
        cpo, customer = version.cpo_percentage, version.customer_percentage
        _check_percentage(cpo, "cpo_percentage", when)
        _check_percentage(customer, "customer_percentage", when)
        assert cpo is not None and customer is not None  # checked just above
        if cpo + customer != _HUNDRED:
            raise ValidationError(
                f"{when}: CPO % ({cpo}) and customer % ({customer}) add up to {cpo + customer}, not 100",
                field="customer_percentage",
            )
    else:
        raise ValidationError(
            f"{when}: unknown split method {version.method!r} (expected {' or '.join(METHODS)})", field="method"
        )


def _check_rate(value: Decimal | None, name: str, when: str) -> None:
    if value is None:
        raise ValidationError(f"{when}: {name} is missing", field=name)
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValidationError(f"{when}: {name} must be a decimal >= 0, not {value!r}", field=name)


def _check_percentage(value: Decimal | None, name: str, when: str) -> None:
    _check_rate(value, name, when)
    assert value is not None
    if value > _HUNDRED:
        raise ValidationError(f"{when}: {name} must be at most 100, not {value}", field=name)


def _round_cent(amount: Decimal) -> Decimal:
    """``amount`` rounded half up to the cent (half away from zero: -0.005 -> -0.01), never ``-0.00``."""
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded if rounded else _ZERO


def distribute(revenue_excl: Decimal, kwh: Decimal, version: model.DistributionVersion) -> Shares:
    """Split a session's revenue (its total cost excl. VAT) by ``version``; see the module docstring.

    ``kwh`` is the session's energy; its sign is ignored (a credit CDR's energy may be given either way),
    the sign of the revenue decides. Raises `ValidationError` for an invalid version (`validate_version`)
    and `TypeError` for a non-`Decimal` amount (a float would not be exact).
    """
    validate_version(version)
    for name, value in (("revenue_excl", revenue_excl), ("kwh", kwh)):
        if not isinstance(value, Decimal):
            raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
        if not value.is_finite():
            raise ValidationError(f"{name} must be a finite number, not {value}", field=name)

    revenue = _round_cent(revenue_excl)
    energy = abs(kwh)
    # Credit: split the absolute value and negate, so that a credit reverses its original exactly.
    whole = abs(revenue)

    compensation = min(_round_cent(energy * version.energy_compensation_per_kwh), whole)
    remainder = whole - compensation
    fee = cpo_pct = customer_pct = None
    if version.method == FIXED_FEE:
        fee = version.cpo_fee_per_kwh
        assert fee is not None  # validated
        cpo = min(_round_cent(energy * fee), remainder)
    else:
        cpo_pct, customer_pct = version.cpo_percentage, version.customer_percentage
        assert cpo_pct is not None  # validated
        # remainder is a whole number of cents and CPO % <= 100, so cpo <= remainder after rounding.
        cpo = _round_cent(remainder * cpo_pct / _HUNDRED)
    customer = remainder - cpo

    sign = -1 if revenue < 0 else 1
    return Shares(
        revenue=revenue,
        energy_compensation=_signed(compensation, sign),
        cpo_share=_signed(cpo, sign),
        customer_share=_signed(customer, sign),
        method=version.method,
        energy_compensation_rate=version.energy_compensation_per_kwh,
        cpo_fee_rate=fee,
        cpo_percentage=cpo_pct,
        customer_percentage=customer_pct,
    )


def _signed(amount: Decimal, sign: int) -> Decimal:
    # A zero stays 0.00: negating it would give -0.00, which an export would print.
    return amount.copy_negate() if sign < 0 and amount else amount


# ---------------------------------------------------------------------- many CDRs at once
# What `split_frame` gives per CDR under a rule (amounts, rates and percentages in 1/10,000).
SPLIT_COLUMNS: dict[str, pl.DataType] = {
    "pk": pl.Int64(),
    "customer_ou": pl.String(),  # the OU whose rule applies
    "rule_name": pl.String(),
    "rule_from": pl.Date(),  # the version's valid_from
    "revenue_e4": pl.Int64(),
    "compensation_rate_e4": pl.Int64(),
    "compensation_e4": pl.Int64(),
    "method": pl.String(),
    "fee_rate_e4": pl.Int64(),
    "cpo_pct_e4": pl.Int64(),
    "customer_pct_e4": pl.Int64(),
    "cpo_e4": pl.Int64(),
    "customer_e4": pl.Int64(),
}
_CENT_E4 = 100  # a cent in 1/10,000


def split_frame(
    frame: pl.DataFrame,
    rules: Iterable[model.DistributionRule],
    parents: Mapping[str, str | None],
) -> pl.DataFrame:
    """`distribute` for every CDR of ``frame`` under a rule, vectorised: one row per CDR split
    (`SPLIT_COLUMNS`, in ``pk`` order). The export and the dashboard both use it.

    ``frame`` has ``pk``, ``ou`` (the OU to look the rule up by: `rule_for`), ``day`` (the local date of
    the session start: the version valid then applies), ``currency``, ``total_energy_e4`` and
    ``total_cost_excl_e4``. Left out: CDRs without a rule, before the rule's first version, without a
    revenue or date, or in another currency than the version's (a rate per kWh in another currency
    would be wrong).

    Exactly `distribute`'s arithmetic on integers (tested against it): the revenue in cents rounded
    half away from zero; kWh x rate in 1/10^8, rounded half up to the cent; the caps; the customer
    takes the residue; a credit is split on its absolute value and negated. Rates and percentages have
    at most 4 decimals (the store keeps no more); a version with more raises `ValidationError`.
    """
    by_ou = {r.ou_code: r for r in rules}
    if not by_ou or frame.is_empty():
        return pl.DataFrame(schema=SPLIT_COLUMNS)
    source = frame.select(
        "pk", pl.col("ou").cast(pl.String), "day", pl.col("currency").cast(pl.String),
        "total_energy_e4", "total_cost_excl_e4",
    )
    rule_of = {ou: rule_for(ou, by_ou, parents) for ou in source["ou"].drop_nulls().unique().to_list()}
    customer_of = {ou: rule.ou_code for ou, rule in rule_of.items() if rule is not None}
    used = {code: by_ou[code] for code in set(customer_of.values())}
    versions = pl.DataFrame(
        [_version_row(rule, v) for rule in used.values() for v in _history(rule)],
        schema={"customer_ou": pl.String(), "rule_name": pl.String(), "rule_from": pl.Date(),
                "method": pl.String(), "rule_currency": pl.String(), "compensation_rate_e4": pl.Int64(),
                "fee_rate_e4": pl.Int64(), "cpo_pct_e4": pl.Int64(), "customer_pct_e4": pl.Int64()},
        orient="row",
    ).sort("rule_from")
    candidates = (
        source.filter(
            pl.col("ou").is_in(list(customer_of)), pl.col("day").is_not_null(),
            pl.col("total_cost_excl_e4").is_not_null(),
        )
        .with_columns(customer_ou=pl.col("ou").replace_strict(customer_of, return_dtype=pl.String))
        .sort("day")
    )
    matched = candidates.join_asof(
        versions, left_on="day", right_on="rule_from", by="customer_ou", strategy="backward", check_sortedness=False
    ).filter(pl.col("rule_from").is_not_null() & (pl.col("currency") == pl.col("rule_currency")))

    cost = pl.col("total_cost_excl_e4")
    revenue = pl.when(cost < 0).then(-((-cost + 50) // 100)).otherwise((cost + 50) // 100)  # cents
    energy = pl.col("total_energy_e4").fill_null(0).abs()

    def cents(e8: pl.Expr) -> pl.Expr:  # a non-negative amount in 1/10^8 (kWh e4 x rate e4), half up
        return (e8 + 500_000) // 1_000_000

    split = matched.with_columns(_revenue=revenue).with_columns(
        _compensation=pl.min_horizontal(cents(energy * pl.col("compensation_rate_e4")), pl.col("_revenue").abs())
    ).with_columns(_rest=pl.col("_revenue").abs() - pl.col("_compensation"))
    split = split.with_columns(
        _cpo=pl.when(pl.col("method") == FIXED_FEE)
        .then(pl.min_horizontal(cents(energy * pl.col("fee_rate_e4")), pl.col("_rest")))
        .otherwise(cents(pl.col("_rest") * pl.col("cpo_pct_e4")))
    ).with_columns(_customer=pl.col("_rest") - pl.col("_cpo"))
    sign = pl.when(pl.col("_revenue") < 0).then(-_CENT_E4).otherwise(_CENT_E4)
    return split.select(
        "pk", "customer_ou", "rule_name", "rule_from",
        (pl.col("_revenue") * _CENT_E4).alias("revenue_e4"),
        "compensation_rate_e4",
        (pl.col("_compensation") * sign).alias("compensation_e4"),
        "method", "fee_rate_e4", "cpo_pct_e4", "customer_pct_e4",
        (pl.col("_cpo") * sign).alias("cpo_e4"),
        (pl.col("_customer") * sign).alias("customer_e4"),
    ).sort("pk").cast(SPLIT_COLUMNS)  # type: ignore[arg-type]


def _history(rule: model.DistributionRule) -> tuple[model.DistributionVersion, ...]:
    """The rule's versions, each valid (`validate_version`); two from one date raise like `version_at`."""
    seen: set[dt.date] = set()
    for v in rule.versions:
        if v.valid_from in seen:
            raise ValidationError(f"two distribution versions valid from {v.valid_from.isoformat()}",
                                  field="valid_from")
        seen.add(v.valid_from)
        validate_version(v)
    return rule.versions


def _version_row(rule: model.DistributionRule, v: model.DistributionVersion) -> tuple[object, ...]:
    fixed = v.method == FIXED_FEE
    return (
        rule.ou_code, rule.name, v.valid_from, v.method, v.currency, _exact_e4(v.energy_compensation_per_kwh),
        _exact_e4(v.cpo_fee_per_kwh) if fixed else None,
        None if fixed else _exact_e4(v.cpo_percentage),
        None if fixed else _exact_e4(v.customer_percentage),
    )


def _exact_e4(value: Decimal | None) -> int | None:
    if value is None:
        return None
    e4 = value.scaleb(4)
    if e4 != e4.to_integral_value():
        raise ValidationError(f"a distribution rate or percentage has more than 4 decimals: {value}", field="rate")
    return int(e4)
