"""Reimbursement (domain.md): tariff and payee history, token and OU matching, amounts, IBAN check."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cdrlib import reimbursement
from cdrlib.errors import ValidationError
from cdrlib.model import Payee, ReimbursementConfig, ReimbursementTariff

D = Decimal
CHANGE = dt.date(2024, 7, 1)
SINCE = dt.date(2024, 1, 1)
NEW_ACCOUNT = dt.date(2024, 7, 21)

OLD = ReimbursementTariff(SINCE, D("0.2200"), D("0.2662"), "EUR")
NEW = ReimbursementTariff(CHANGE, D("0.2500"), D("0.3025"), "EUR")
ABNA = Payee(SINCE, "S. Bakker", "NL91ABNA0417164300")
RABO = Payee(NEW_ACCOUNT, "S. Bakker", "NL44RABO0123456789")
LOCATION = ("NL", "XCP", "NLHOM002")

BY_OU = ReimbursementConfig(*LOCATION, tariffs=(NEW, OLD), payees=(RABO, ABNA), ou_code="ACME-HOME")
BY_CARD = ReimbursementConfig(*LOCATION, tariffs=(OLD,), payees=(ABNA,), contract_id="NL-TNM-C12345678-X")
SUBTREES = {"ACME-HOME": frozenset({"ACME-HOME", "ACME-HOME-N", "ACME-HOME-N-1"})}


# --- history ---


def test_tariff_changes_between_the_day_before_and_the_day_of_the_change() -> None:
    assert reimbursement.tariff_at(BY_OU, dt.date(2024, 6, 30)) is OLD
    assert reimbursement.tariff_at(BY_OU, dt.date(2024, 7, 1)) is NEW
    assert reimbursement.tariff_at(BY_OU, dt.date(2023, 12, 31)) is None


def test_payee_changes_bank_account_mid_period() -> None:
    assert reimbursement.payee_at(BY_OU, dt.date(2024, 7, 20)) is ABNA
    assert reimbursement.payee_at(BY_OU, dt.date(2024, 7, 21)) is RABO
    assert reimbursement.payee_at(BY_OU, dt.date(2024, 7, 31)) is RABO
    assert reimbursement.payee_at(BY_OU, dt.date(2023, 12, 31)) is None


def test_two_tariffs_from_one_date_are_ambiguous() -> None:
    twin = ReimbursementTariff(CHANGE, D("0.3"), D("0.363"), "EUR")
    config = ReimbursementConfig(*LOCATION, tariffs=(OLD, NEW, twin), payees=(), ou_code="ACME-HOME")
    with pytest.raises(ValidationError, match="two reimbursement tariffs valid from 2024-07-01"):
        reimbursement.tariff_at(config, dt.date(2024, 8, 1))
    assert reimbursement.tariff_at(config, dt.date(2024, 6, 30)) is OLD  # before the ambiguity


# --- matching ---


def test_token_mode_matches_the_contract_id_case_insensitively() -> None:
    assert reimbursement.matches(BY_CARD, location_key=LOCATION, contract_id="NL-TNM-C12345678-X", card_ou=None)
    assert reimbursement.matches(BY_CARD, location_key=LOCATION, contract_id="nl-tnm-c12345678-x", card_ou=None)
    assert not reimbursement.matches(BY_CARD, location_key=LOCATION, contract_id="NL-TNM-C87654321-X", card_ou=None)


def test_token_mode_ignores_the_card_ou() -> None:
    assert not reimbursement.matches(
        BY_CARD, location_key=LOCATION, contract_id="NL-TNM-C87654321-X", card_ou="ACME-HOME"
    )


def test_only_at_the_configured_location() -> None:
    assert reimbursement.matches(
        BY_CARD, location_key=("nl", "xcp", "nlhom002"), contract_id="NL-TNM-C12345678-X", card_ou=None
    )
    assert not reimbursement.matches(
        BY_CARD, location_key=("NL", "XCP", "NLHOM003"), contract_id="NL-TNM-C12345678-X", card_ou=None
    )
    assert not reimbursement.matches(
        BY_OU, location_key=("BE", "XCP", "NLHOM002"), contract_id="X", card_ou="ACME-HOME", ou_subtree=SUBTREES.get
    )


def test_ou_mode_matches_every_card_of_the_ou_and_under_it() -> None:
    def match(card_ou: str | None, subtree=SUBTREES.__getitem__) -> bool:
        return reimbursement.matches(
            BY_OU, location_key=LOCATION, contract_id="NL-TNM-C00000001-X", card_ou=card_ou, ou_subtree=subtree
        )

    assert match("ACME-HOME")
    assert match("ACME-HOME-N")
    assert match("ACME-HOME-N-1")
    assert not match("ACME-HQ")
    assert not match("acme-home")  # OU codes are the CPO's own: compared exactly
    assert not match(None)  # the card's OU is unknown
    # Without the OU tree only the OU itself matches.
    assert match("ACME-HOME", subtree=None)
    assert not match("ACME-HOME-N", subtree=None)


@pytest.mark.parametrize(("contract_id", "ou_code"), [(None, None), ("NL-TNM-C12345678-X", "ACME-HOME")])
def test_a_config_must_name_a_card_or_an_ou(contract_id: str | None, ou_code: str | None) -> None:
    config = ReimbursementConfig(*LOCATION, tariffs=(OLD,), payees=(ABNA,), contract_id=contract_id, ou_code=ou_code)
    with pytest.raises(ValidationError, match="either a contract id or an OU"):
        reimbursement.matches(config, location_key=LOCATION, contract_id="NL-TNM-C12345678-X", card_ou="ACME-HOME")


# --- amounts ---


def test_reimbursement_before_and_after_the_price_change() -> None:
    # 10 kWh x 0.2200 = 2.20; x 0.2662 = 2.662 -> 2.66.
    assert reimbursement.reimburse(D("10.0000"), OLD) == (D("2.20"), D("2.66"))
    # 10 kWh x 0.2500 = 2.50; x 0.3025 = 3.025 -> 3.03 (half up).
    excl, incl = reimbursement.reimburse(D("10.0000"), NEW)
    assert (str(excl), str(incl)) == ("2.50", "3.03")


def test_reimbursement_rounds_half_up_at_half_a_cent() -> None:
    tariff = ReimbursementTariff(SINCE, D("0.2500"), D("0.2501"), "EUR")
    # 0.0200 kWh: 0.005 -> 0.01; 0.005002 -> 0.01. 0.0180 kWh: 0.0045 -> 0.00; 0.00450180 -> 0.00.
    assert tuple(map(str, reimbursement.reimburse(D("0.0200"), tariff))) == ("0.01", "0.01")
    assert tuple(map(str, reimbursement.reimburse(D("0.0180"), tariff))) == ("0.00", "0.00")
    # 12.3456 kWh x 0.2500 = 3.0864 -> 3.09; x 0.2501 = 3.08763456 -> 3.09.
    assert tuple(map(str, reimbursement.reimburse(D("12.3456"), tariff))) == ("3.09", "3.09")


def test_negative_amounts_round_symmetrically() -> None:
    assert tuple(map(str, reimbursement.reimburse(D("-10.0000"), NEW))) == ("-2.50", "-3.03")
    tariff = ReimbursementTariff(SINCE, D("0.2500"), D("0.2500"), "EUR")
    assert tuple(map(str, reimbursement.reimburse(D("-0.0200"), tariff))) == ("-0.01", "-0.01")
    assert tuple(map(str, reimbursement.reimburse(D("-0.0180"), tariff))) == ("0.00", "0.00")  # no -0.00


def test_zero_energy_is_reimbursed_with_zero() -> None:
    assert tuple(map(str, reimbursement.reimburse(D("0"), NEW))) == ("0.00", "0.00")


def test_a_float_energy_is_refused() -> None:
    with pytest.raises(TypeError, match="kwh must be a Decimal"):
        reimbursement.reimburse(10.0, NEW)  # type: ignore[arg-type]


# --- IBAN ---


@pytest.mark.parametrize(
    "iban",
    [
        "NL91ABNA0417164300",  # SWIFT IBAN registry examples
        "BE68539007547034",
        "DE89370400440532013000",
        "GB82WEST12345698765432",
        "NO9386011117947",
        "NL44RABO0123456789",
        "NL91 ABNA 0417 1643 00",  # print form
        "nl91abna0417164300",
    ],
)
def test_valid_ibans(iban: str) -> None:
    assert reimbursement.iban_valid(iban)


@pytest.mark.parametrize(
    "iban",
    [
        "NL92ABNA0417164300",  # check digits off by one
        "NL91ABNA0417164301",  # one digit of the account changed
        "NL91ABNA041716430",  # too short for NL
        "DE8937040044053201300",  # too short for DE
        "NL91ABNA04171643000",  # too long for NL
        "NL91-ABNA-0417-1643-00",
        "91NLABNA0417164300",
        "NL",
        "",
    ],
)
def test_invalid_ibans(iban: str) -> None:
    assert not reimbursement.iban_valid(iban)


def test_normalize_iban() -> None:
    assert reimbursement.normalize_iban(" nl91 abna 0417 1643 00 ") == "NL91ABNA0417164300"
