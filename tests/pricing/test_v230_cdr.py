"""A 2.3.0 CDR (Price with ``before_taxes`` and a list of ``taxes``) checked against its 2.3.0 tariff."""

from __future__ import annotations

import copy
import dataclasses
from decimal import Decimal

from cdrlib import model, pricing
from cdrlib.ocpi import records
from tests.ocpi import samples


def _cdr(obj: dict) -> model.Cdr:
    return dataclasses.replace(records.parse_cdr(obj), time_zone="Europe/Berlin")


def test_taxes_beyond_the_tariffs_vat_are_a_mismatch_incl_vat_only():
    obj = samples.load("cdr_230_full.json")  # 120.5 kWh x 0.45 = 54.225 before taxes, 19 % VAT
    check = pricing.check(_cdr(obj))
    assert check.status == model.PRICE_MISMATCH
    assert check.total_cost == model.Price(Decimal("54.2250"), Decimal("64.5278"))
    # Stated after taxes: 54.225 + VAT 10.3028 + an electricity tax 0.50 the tariff does not carry.
    assert "stated 54.2250 excl. / 65.0278 incl." in check.reason


def test_the_same_cdr_with_only_the_vat_is_ok():
    obj = copy.deepcopy(samples.load("cdr_230_full.json"))
    obj["total_cost"]["taxes"] = [t for t in obj["total_cost"]["taxes"] if t["name"] == "VAT"]
    cdr = _cdr(obj)
    assert cdr.total_cost.incl_vat == Decimal("64.5278")  # before_taxes + the tax amounts
    check = pricing.check(cdr)
    assert check.status == model.PRICE_OK and check.total_energy_cost == model.Price(
        Decimal("54.2250"), Decimal("64.5278")
    )
