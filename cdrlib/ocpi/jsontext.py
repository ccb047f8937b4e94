"""JSON text in and out, with numbers kept exact.

OCPI numbers are decimals (OCPI 2.2.1 types, *number*: "Numbers in OCPI are formatted as JSON numbers ...
with at most 4 decimals"); money must never pass through binary floating point. So JSON is decoded with
``parse_float=Decimal`` and written back by `dumps`, which writes a `Decimal` as a JSON number (the
standard library's encoder cannot).

`canonical` is the one canonical text used for hashing and for the stored documents: keys sorted, no
whitespace, non-ASCII kept, and every number in its shortest exact decimal form (``12.50`` -> ``12.5``,
``1E+3`` -> ``1000``, ``-0`` -> ``0``), so that the same values always give the same text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from json.encoder import encode_basestring  # the C-accelerated string encoder, ensure_ascii=False

# Exponents beyond this are written in exponent form rather than padded with zeros (a hostile "1E+999999"
# must not turn into a megabyte of text). Real OCPI numbers never come near it.
MAX_PLAIN_EXPONENT = 64


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a valid JSON number")


# NaN / Infinity are not JSON; the standard decoder accepts them unless told otherwise.
DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)


def loads(text: str) -> object:
    """Parse JSON text; fractional numbers become `Decimal`. Raises `ValueError` (json.JSONDecodeError)."""
    try:
        return DECODER.decode(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def dumps(value: object, *, canonical: bool = False) -> str:
    """Write ``value`` (dict/list/tuple/str/int/Decimal/float/bool/None) as JSON text.

    Not canonical: keys in their order, ``", "`` / ``": "`` separators (like `json.dumps`), numbers as
    given (``Decimal("12.50")`` stays ``12.50``). Canonical: see the module docstring.
    """
    parts: list[str] = []
    _write(value, parts.append, canonical)
    return "".join(parts)


def canonical(value: object) -> str:
    """The canonical JSON text of ``value`` (sorted keys, compact, exact shortest numbers)."""
    return dumps(value, canonical=True)


def canonical_number(number: Decimal | int) -> str:
    """The shortest exact decimal text of a finite number: ``Decimal("12.50")`` -> ``"12.5"``."""
    if isinstance(number, int):
        return str(number)
    if not number.is_finite():
        raise ValueError(f"{number} is not a valid JSON number")
    text = str(number)
    if "E" not in text:
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    if number.is_zero():
        return "0"
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite
    coefficient = list(digits)
    while exponent < 0 and coefficient[-1] == 0:
        coefficient.pop()
        exponent += 1
    while coefficient[0] == 0 and len(coefficient) > 1:
        coefficient.pop(0)
    body = "".join(map(str, coefficient))
    if exponent > MAX_PLAIN_EXPONENT:
        body = f"{body}E+{exponent}"
    elif exponent >= 0:
        body += "0" * exponent
    elif len(body) <= -exponent:
        body = "0." + "0" * (-exponent - len(body)) + body
    else:
        body = f"{body[:exponent]}.{body[exponent:]}"
    return ("-" if sign else "") + body


def _write(value: object, append: Callable[[str], object], canonical: bool) -> None:
    # Exact types first (fast and unambiguous: bool is not int here), then subclasses.
    kind = type(value)
    if kind is str:
        append(encode_basestring(value))
    elif kind is dict:
        _write_object(value, append, canonical)  # type: ignore[arg-type]
    elif kind is Decimal:
        append(_decimal_text(value, canonical))  # type: ignore[arg-type]
    elif kind is list or kind is tuple:
        _write_array(value, append, canonical)  # type: ignore[arg-type]
    elif kind is int:
        append(int.__repr__(value))  # type: ignore[arg-type]
    elif value is None:
        append("null")
    elif value is True:
        append("true")
    elif value is False:
        append("false")
    elif isinstance(value, str):
        append(encode_basestring(value))
    elif isinstance(value, dict):
        _write_object(value, append, canonical)
    elif isinstance(value, Decimal):
        append(_decimal_text(value, canonical))
    elif isinstance(value, (list, tuple)):
        _write_array(value, append, canonical)
    elif isinstance(value, int):
        append(int.__repr__(value))
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{value} is not a valid JSON number")
        # repr() is the shortest text that reads back as the same float: the value the sender meant.
        append(canonical_number(Decimal(repr(value))) if canonical else repr(value))
    else:
        raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def _decimal_text(value: Decimal, canonical: bool) -> str:
    if canonical:
        return canonical_number(value)
    if not value.is_finite():
        raise ValueError(f"{value} is not a valid JSON number")
    return str(value)


def _write_object(value: dict[object, object], append: Callable[[str], object], canonical: bool) -> None:
    if not value:
        append("{}")
        return
    items = sorted(value.items()) if canonical else value.items()
    item_sep, key_sep = (",", ":") if canonical else (", ", ": ")
    first = True
    for key, item in items:
        if type(key) is not str and not isinstance(key, str):
            raise TypeError(f"JSON object keys must be strings, not {type(key).__name__}")
        if first:
            append("{")
            first = False
        else:
            append(item_sep)
        append(encode_basestring(key))
        append(key_sep)
        if type(item) is str:
            append(encode_basestring(item))
        else:
            _write(item, append, canonical)
    append("}")


def _write_array(
    value: list[object] | tuple[object, ...], append: Callable[[str], object], canonical: bool
) -> None:
    if not value:
        append("[]")
        return
    sep = "," if canonical else ", "
    append("[")
    for index, item in enumerate(value):
        if index:
            append(sep)
        _write(item, append, canonical)
    append("]")
