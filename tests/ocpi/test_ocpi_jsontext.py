"""cdrlib.ocpi.jsontext: numbers stay exact, the canonical text is canonical."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from cdrlib.ocpi import jsontext


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (Decimal("12.50"), "12.5"),
        (Decimal("12.5"), "12.5"),
        (Decimal("100"), "100"),
        (Decimal("100.000"), "100"),
        (Decimal("1E+3"), "1000"),
        (Decimal("1.5E-7"), "0.00000015"),
        (Decimal("-0.000"), "0"),
        (Decimal("-0.25"), "-0.25"),
        (Decimal("0.1000"), "0.1"),
        (Decimal("123456789012345678901234567890.123456789"), "123456789012345678901234567890.123456789"),
        (7, "7"),
    ],
)
def test_canonical_number(number: Decimal | int, text: str):
    assert jsontext.canonical_number(number) == text


def test_canonical_text():
    value = {"b": [Decimal("1.50"), None, True, False], "a": {"z": 'ü"\n', "y": 3}}
    assert jsontext.canonical(value) == '{"a":{"y":3,"z":"ü\\"\\n"},"b":[1.5,null,true,false]}'


def test_floats_are_written_by_their_shortest_text():
    assert jsontext.canonical({"a": 0.1, "b": 1.0, "c": 1e-07}) == '{"a":0.1,"b":1,"c":0.0000001}'
    assert jsontext.dumps([0.1, 2.5]) == "[0.1, 2.5]"


def test_dumps_keeps_order_and_digits():
    value = {"z": Decimal("8.50"), "a": (1, Decimal("1E+2"))}
    text = jsontext.dumps(value)
    assert text == '{"z": 8.50, "a": [1, 1E+2]}'
    assert json.loads(text) == {"z": 8.5, "a": [1, 100]}


def test_loads_reads_fractions_as_decimal_and_refuses_nan():
    assert jsontext.loads('{"a": 0.1, "b": 2}') == {"a": Decimal("0.1"), "b": 2}
    with pytest.raises(ValueError, match="NaN is not a valid JSON number"):
        jsontext.loads('{"a": NaN}')


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), float("nan"), float("inf")])
def test_non_finite_numbers_cannot_be_written(bad: object):
    with pytest.raises(ValueError, match="not a valid JSON number"):
        jsontext.dumps([bad])
    with pytest.raises(ValueError, match="not a valid JSON number"):
        jsontext.canonical([bad])


def test_other_objects_cannot_be_written():
    with pytest.raises(TypeError, match="cannot write a set"):
        jsontext.dumps({1, 2})
    with pytest.raises(TypeError, match="keys must be strings"):
        jsontext.canonical({1: 2})
