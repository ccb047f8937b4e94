"""Reimbursement (home charging and fleet): which CDRs an employer reimburses, at what price, to whom.

domain.md, "Reimbursement (home charging and fleet)": a configuration at one location names who is
reimbursed (one card by its contract id, or every card of an OU), a per-kWh tariff excl. and incl. VAT
with a history, and a payee (name and IBAN) with a history. A reimbursement CDR is a CDR at such a
location whose token matches; its amount is the energy times the tariff valid at the session start.

The histories are looked up by the **local date** of the session start at the location (the caller
turns the UTC start into a local date with the CDR's time zone). Amounts are exact `Decimal` and
rounded once, to the cent, half away from zero (exports.md section 3: ``Reimbursement_Excl_VAT``,
``Reimbursement_Incl_VAT`` with 2 decimals). Pure functions over `cdrlib.model` objects (and
`reimburse_frame`, the same for a polars frame of many CDRs): no SQL, no floats.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from cdrlib import model
from cdrlib.errors import ValidationError

CENT = Decimal("0.01")
_ZERO = Decimal("0.00")


def tariff_at(config: model.ReimbursementConfig, day: dt.date) -> model.ReimbursementTariff | None:
    """The reimbursement tariff valid on ``day`` (the local date of the session start at the location).

    domain.md: the tariff has "a history (each price valid from a date)" and a CDR is reimbursed at
    "the tariff valid at the session start". None before the first tariff (the CDR cannot be priced).
    """
    return model.valid_on(config.tariffs, day, "reimbursement tariffs")


def payee_at(config: model.ReimbursementConfig, day: dt.date) -> model.Payee | None:
    """The payee valid on ``day`` (the local date of the session start), None before the first.

    domain.md: the payee (name and IBAN) has "a valid-from history" like the tariff.
    """
    return model.valid_on(config.payees, day, "payees")


def matches(
    config: model.ReimbursementConfig,
    *,
    location_key: tuple[str, str, str],
    contract_id: str,
    card_ou: str | None,
    ou_subtree: Callable[[str], AbstractSet[str]] | None = None,
) -> bool:
    """Whether a CDR is a reimbursement CDR of ``config`` (domain.md: "a CDR at such a location whose
    token matches").

    ``location_key`` is the CDR's location (country code, party id, location id). The configuration
    names either one card (**token mode**: ``config.contract_id`` equals the CDR's
    ``cdr_token.contract_id``) or every card of an OU (**OU mode**: the card's OU is ``config.ou_code``
    or an OU under it). Location keys and contract ids are OCPI ``CiString`` (OCPI 2.2.1 Types) and are
    compared case-insensitively; OU codes are the CPO's own and compared exactly.

    The store does not know yet which OU a card belongs to: the caller supplies it as ``card_ou`` (None
    when unknown, which never matches in OU mode). ``ou_subtree(code)`` gives an OU and all its
    descendants (e.g. `cdrlib.store.Store.ou_subtree`); without it only the OU itself matches.

    A configuration with both or neither of ``contract_id`` and ``ou_code`` raises `ValidationError`.
    """
    if (config.contract_id is None) == (config.ou_code is None):
        raise ValidationError(
            f"reimbursement at location {'/'.join(_config_key(config))} must name either a contract id "
            "or an OU, not both or neither",
            field="contract_id",
        )
    if tuple(k.casefold() for k in location_key) != tuple(k.casefold() for k in _config_key(config)):
        return False
    if config.contract_id is not None:
        return contract_id.casefold() == config.contract_id.casefold()
    assert config.ou_code is not None  # checked above
    if card_ou is None:
        return False
    if card_ou == config.ou_code:
        return True
    return ou_subtree is not None and card_ou in ou_subtree(config.ou_code)


def _config_key(config: model.ReimbursementConfig) -> tuple[str, str, str]:
    return (config.location_country_code, config.location_party_id, config.location_id)


def reimburse(kwh: Decimal, tariff: model.ReimbursementTariff) -> tuple[Decimal, Decimal]:
    """The reimbursement (excl. VAT, incl. VAT) of ``kwh`` at ``tariff``, each rounded to the cent.

    domain.md: "its amount is the energy times the tariff valid at the session start"; exports.md
    section 3: ``Reimbursement_Excl_VAT`` and ``Reimbursement_Incl_VAT`` have 2 decimals. Each figure is
    rounded on its own, half up (0.005 -> 0.01), symmetrically for negative amounts (-0.005 -> -0.01), so
    that a credit is exactly the negation of its original. A zero is ``0.00``, never ``-0.00``.
    """
    if not isinstance(kwh, Decimal):
        raise TypeError(f"kwh must be a Decimal, not {type(kwh).__name__}")
    return _round_cent(kwh * tariff.excl_vat), _round_cent(kwh * tariff.incl_vat)


def _round_cent(amount: Decimal) -> Decimal:
    # ROUND_HALF_UP on a Decimal rounds half away from zero; a rounded zero loses its sign.
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded if rounded else _ZERO


# IBAN lengths by country (SWIFT IBAN registry, ISO 13616). A country not listed is held to the
# ISO 13616 bounds only (15 to 34 characters), so that a new registry entry is not rejected.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")


def normalize_iban(text: str) -> str:
    """The electronic form of an IBAN: no spaces, upper case (``nl91 abna 0417 1643 00`` -> ``NL91ABNA0417164300``)."""
    return "".join(text.split()).upper()


def iban_valid(text: str) -> bool:
    """Whether ``text`` is a valid IBAN (ISO 13616): shape, the country's length, and mod 97 == 1.

    domain.md: the payee's bank account is an "IBAN, validated". Spaces and case are ignored (the print
    form ``NL91 ABNA 0417 1643 00`` is accepted; store `normalize_iban` of it). National check digits
    inside the BBAN are not checked.
    """
    iban = normalize_iban(text)
    if not _IBAN_SHAPE.fullmatch(iban):
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    # Move the first four characters to the end, letters to numbers (A=10 .. Z=35): the whole is 1 mod 97.
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


# ---------------------------------------------------------------------- many CDRs at once
# What `reimburse_frame` gives per reimbursement CDR (amounts, kWh and tariffs in 1/10,000).
REIMBURSED_COLUMNS: dict[str, pl.DataType] = {
    "pk": pl.Int64(),
    "payee_name": pl.String(),
    "iban": pl.String(),
    "payee_from": pl.Date(),
    "volume_e4": pl.Int64(),  # kWh; negative for a credit
    "tariff_excl_e4": pl.Int64(),
    "tariff_incl_e4": pl.Int64(),
    "tariff_from": pl.Date(),
    "excl_e4": pl.Int64(),
    "incl_e4": pl.Int64(),
    "reimbursement_currency": pl.String(),
    "reimbursed_ou": pl.String(),  # the configuration's OU (OU mode), else the card's OU
}


def reimburse_frame(
    frame: pl.DataFrame,
    configs: Iterable[model.ReimbursementConfig],
    card_ous: Mapping[str, str],
    ou_subtree: Callable[[str], AbstractSet[str]] | None = None,
) -> pl.DataFrame:
    """The reimbursement CDRs of ``frame``, one row each (`REIMBURSED_COLUMNS`, in ``frame``'s order):
    the export and the dashboard both use it.

    ``frame`` has ``pk``, ``country_code``, ``party_id``, ``location_id``, ``token_contract_id``,
    ``day`` (the local date of the session start), ``total_energy_e4`` and ``credit``. ``card_ous``
    maps a contract id in upper case to its card's OU. Only the CDRs at a location with a configuration
    are looked at (a join), each then by `matches`; the first matching configuration of the location
    reimburses it, at the tariff and to the payee valid on ``day``. A credit is reimbursed with its
    energy negated; a CDR before the first tariff or payee is listed with those fields empty.
    """
    by_location: dict[tuple[str, str, str], list[model.ReimbursementConfig]] = {}
    for config in configs:
        key = tuple(k.casefold() for k in _config_key(config))
        by_location.setdefault(key, []).append(config)  # type: ignore[arg-type]
    if not by_location or frame.is_empty():
        return pl.DataFrame(schema=REIMBURSED_COLUMNS)
    keys = pl.DataFrame([list(k) for k in by_location], schema=["_cc", "_party", "_loc"], orient="row")
    candidates = frame.with_columns(
        _cc=pl.col("country_code").cast(pl.String).str.to_lowercase(),
        _party=pl.col("party_id").cast(pl.String).str.to_lowercase(),
        _loc=pl.col("location_id").cast(pl.String).str.to_lowercase(),
    ).join(keys, on=["_cc", "_party", "_loc"], how="semi", maintain_order="left")
    found: list[tuple[object, ...]] = []
    for pk, cc, party, loc, contract_id, day, energy_e4, credit in candidates.select(
        "pk", "_cc", "_party", "_loc", "token_contract_id", "day", "total_energy_e4", "credit"
    ).iter_rows():
        card_ou = card_ous.get((contract_id or "").upper())
        for config in by_location[(cc, party, loc)]:
            if matches(config, location_key=(cc, party, loc), contract_id=contract_id or "", card_ou=card_ou,
                       ou_subtree=ou_subtree):
                found.append((pk, *_reimbursed(config, day, energy_e4, bool(credit)), config.ou_code or card_ou))
                break
    return pl.DataFrame(found, schema=REIMBURSED_COLUMNS, orient="row")


def _reimbursed(
    config: model.ReimbursementConfig, day: dt.date | None, energy_e4: int | None, credit: bool
) -> tuple[object, ...]:
    payee = payee_at(config, day) if day is not None else None
    tariff = tariff_at(config, day) if day is not None else None
    kwh = Decimal(energy_e4 or 0).scaleb(-4)
    if credit:
        kwh = -abs(kwh)
    excl = incl = None
    if tariff is not None:
        excl, incl = reimburse(kwh, tariff)
    return (
        payee.name if payee else None,
        payee.iban if payee else None,
        payee.valid_from if payee else None,
        None if energy_e4 is None else model.to_e4(kwh),
        model.to_e4(tariff.excl_vat) if tariff else None,
        model.to_e4(tariff.incl_vat) if tariff else None,
        tariff.valid_from if tariff else None,
        model.to_e4(excl),
        model.to_e4(incl),
        tariff.currency if tariff else None,
    )
