"""How numbers, money and instants read on the dashboard (display only: values stay exact).

Money is rounded half up to 2 decimals for display (`MONEY_PLACES`) and always shown with its
currency. Instants are shown in a named zone with their UTC offset, so that an hour around a
daylight-saving switch is never ambiguous.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal

MONEY_PLACES = 2
_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}
_MINUS = "-"


def _rounded(value: Decimal | int, places: int) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number(value: Decimal | int, places: int = 0) -> str:
    """``1234.56`` -> ``1,234.6`` (places=1): thousands separated, rounded half up."""
    return f"{_rounded(value, places):,.{places}f}"


def count(n: int, noun: str) -> str:
    """``1 session``, ``2,000 sessions`` (plural by adding ``s``)."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def money(amount: Decimal, currency: str, places: int = MONEY_PLACES) -> str:
    """``Decimal("-1234.565"), "EUR"`` -> ``-€1,234.57``; unknown symbols use the ISO code
    (``SEK 12.00``)."""
    sign = _MINUS if amount < 0 else ""
    text = number(abs(amount), places)
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{currency} {text}"


def kwh(value: Decimal, places: int = 1) -> str:
    return f"{number(value, places)} kWh"


def hours(value: Decimal, places: int = 1) -> str:
    return f"{number(value, places)} h"


def percent(fraction: Decimal | None, places: int = 1) -> str:
    """``Decimal("0.2345")`` -> ``23.5 %``; None -> ``–``."""
    if fraction is None:
        return "–"
    return f"{number(fraction * 100, places)} %"


def _signed(value: Decimal, places: int) -> str:
    """``+1.5``, ``-1.5``, and ``0.0`` for whatever rounds to zero (no sign: no direction)."""
    value = _rounded(value, places)
    if value == 0:
        return f"{abs(value):,.{places}f}"
    return f"{'+' if value > 0 else ''}{value:,.{places}f}"


def change(fraction: Decimal | None, places: int = 1) -> str | None:
    """A relative change for a metric delta: ``+12.3 %``, ``-4.0 %``; None when there is none."""
    if fraction is None:
        return None
    return f"{_signed(fraction * 100, places)} %"


def points(current: Decimal | None, previous: Decimal | None, places: int = 1) -> str | None:
    """A change of a share in percentage points: ``+1.5 pp``; None when either is unknown."""
    if current is None or previous is None:
        return None
    return f"{_signed((current - previous) * 100, places)} pp"


def local_time(instant: dt.datetime, tz: str) -> str:
    """``2024-03-31 03:15 +02:00``: the instant in ``tz`` with its offset."""
    local = instant.astimezone(zoneinfo.ZoneInfo(tz))
    offset = local.utcoffset() or dt.timedelta(0)
    sign = "+" if offset >= dt.timedelta(0) else "-"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{local:%Y-%m-%d %H:%M} {sign}{minutes // 60:02d}:{minutes % 60:02d}"
