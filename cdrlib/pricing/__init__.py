"""The OCPI tariff engine: recompute a CDR's cost from its tariffs, explain it, and check the sender's.

    pricing = pricing.price_cdr(cdr)            # raises UnpriceableError with the reason
    check = pricing.check(cdr, store_tariffs)   # never raises: ok / mismatch / unpriced / credit

The rules are `spec/pricing.md` (OCPI 2.2.1 mod_tariffs and mod_cdrs); `engine` applies them, `tariff`
compiles a tariff document once per process.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from cdrlib import model
from cdrlib.errors import UnpriceableError
from cdrlib.pricing.engine import CATEGORIES, Amount, Line, Pricing, price

__all__ = [
    "CATEGORIES",
    "TOLERANCE",
    "Amount",
    "Line",
    "Pricing",
    "TariffIndex",
    "check",
    "differs",
    "price",
    "price_cdr",
    "to_price",
    "verdict",
]

# pricing.md, Validation: a stated total_cost further than this from the recomputed one is a mismatch.
TOLERANCE = Decimal("0.01")


class TariffIndex:
    """Known tariff versions (the store's) by case-folded id, to find a CDR's without a scan."""

    def __init__(self, tariffs: Iterable[model.Tariff] = ()) -> None:
        self.by_id: dict[str, list[model.Tariff]] = {}
        for t in tariffs:
            self.by_id.setdefault(t.id.casefold(), []).append(t)

    def for_cdr(self, cdr: model.Cdr) -> Sequence[model.Tariff]:
        """pricing.md, Inputs: the tariffs embedded in the CDR, else the known ones its periods name.
        A CDR that carries no tariff and names none gets none (the store's tariffs are of every
        location: picking one by date alone would price with a stranger's tariff)."""
        if cdr.tariffs:
            return cdr.tariffs
        found: list[model.Tariff] = []
        for tariff_id in dict.fromkeys(p.tariff_id.casefold() for p in cdr.charging_periods if p.tariff_id):
            found.extend(self.by_id.get(tariff_id, ()))
        return found


def _index(known: TariffIndex | Sequence[model.Tariff]) -> TariffIndex:
    return known if isinstance(known, TariffIndex) else TariffIndex(known)


def price_cdr(
    cdr: model.Cdr, known: TariffIndex | Sequence[model.Tariff] = (), *, time_zone: str | None = None
) -> Pricing:
    """Price one CDR. ``known`` tariffs are used only when the CDR carries none (`TariffIndex.for_cdr`).
    ``time_zone`` defaults to the CDR's (set from its location on import)."""
    if cdr.credit:
        raise UnpriceableError("a credit CDR is not re-priced: it carries the negation of the CDR it credits")
    zone = time_zone or cdr.time_zone
    if not zone:
        raise UnpriceableError("the CDR's time zone is not known")
    tariffs = _index(known).for_cdr(cdr)
    if not tariffs:
        named = sorted({p.tariff_id for p in cdr.charging_periods if p.tariff_id})
        if named:
            raise UnpriceableError(
                f"the CDR carries no tariff and the tariff it names ({', '.join(named)}) is not known: "
                "import that tariff, then run 'python -m cdrlib reprice'"
            )
        raise UnpriceableError("the CDR carries no tariff and its charging periods name none")
    return price(
        cdr.start_date_time,
        cdr.end_date_time,
        cdr.charging_periods,
        tariffs,
        zone,
        currency=cdr.currency,
    )


def to_price(amount: Amount) -> model.Price:
    return model.Price(amount.excl_vat, amount.incl_vat)


def differs(stated: model.Price, computed: Amount) -> bool:
    """pricing.md, Validation: more than `TOLERANCE` apart excl. VAT, or incl. VAT where both are known."""
    if abs(stated.excl_vat - computed.excl_vat) > TOLERANCE:
        return True
    if stated.incl_vat is None or computed.incl_vat is None:
        return False
    return abs(stated.incl_vat - computed.incl_vat) > TOLERANCE


def check(cdr: model.Cdr, known: TariffIndex | Sequence[model.Tariff] = ()) -> model.PriceCheck:
    """Recompute a CDR and compare with its stated ``total_cost``. Never raises for a CDR it cannot
    price: the reason is kept in the result. Flagging never changes the CDR."""
    if cdr.credit:
        return model.PriceCheck(
            model.PRICE_CREDIT, "credit CDR: not re-priced, it carries the negation of the CDR it credits"
        )
    try:
        pricing = price_cdr(cdr, known)
    except UnpriceableError as exc:
        return model.PriceCheck(model.PRICE_UNPRICED, str(exc))
    return verdict(cdr.total_cost, pricing)


def verdict(stated: model.Price, pricing: Pricing) -> model.PriceCheck:
    """The check of a CDR stating ``stated`` as its total_cost, recomputed as ``pricing``."""
    computed = pricing.total_cost
    if differs(stated, computed):
        status = model.PRICE_MISMATCH
        reason = f"stated {_pair(stated.excl_vat, stated.incl_vat)}, recomputed " + _pair(
            computed.excl_vat, computed.incl_vat
        )
    else:
        status, reason = model.PRICE_OK, None
    return model.PriceCheck(
        status,
        reason,
        to_price(pricing.total_cost),
        to_price(pricing.total_energy_cost),
        to_price(pricing.total_time_cost),
        to_price(pricing.total_parking_cost),
        to_price(pricing.total_fixed_cost),
        to_price(pricing.total_reservation_cost),
    )


def _pair(excl: Decimal, incl: Decimal | None) -> str:
    return f"{excl:.4f} excl. / {'unknown' if incl is None else f'{incl:.4f}'} incl. VAT"


def _e4(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.4f}"


def _amount_json(amount: Amount | model.Price | None) -> dict[str, str | None] | None:
    if amount is None:
        return None
    return {"excl_vat": _e4(amount.excl_vat), "incl_vat": _e4(amount.incl_vat)}


TOTALS = model.PRICE_TOTALS
VOLUMES = ("total_energy", "total_time", "total_parking_time")


def as_json(pricing: Pricing, cdr: model.Cdr | None = None) -> dict[str, Any]:
    """The pricing as one JSON-ready object (numbers as strings with 4 decimals): the totals, the
    explanation under ``"periods"`` and, given the CDR, its stated totals and a ``"mismatch"`` flag."""
    out: dict[str, Any] = {"currency": pricing.currency, "time_zone": pricing.time_zone}
    for name in TOTALS:
        out[name] = _amount_json(getattr(pricing, name))
    for name in VOLUMES:
        out[name] = _e4(getattr(pricing, name))
    out["tariff_ids"] = list(pricing.tariff_ids)
    out["notes"] = list(pricing.notes)
    periods: dict[int, list[dict[str, Any]]] = {}
    for line in pricing.lines:
        periods.setdefault(line.period, []).append({
            "dimension": line.dimension,
            "tariff_id": line.tariff_id,
            "element": line.element,
            "component": line.component,
            "price": None if line.price is None else str(line.price),
            "vat": None if line.vat is None else str(line.vat),
            "step_size": line.step_size,
            "volume": _e4(line.volume),
            "billed_volume": _e4(line.billed_volume),
            "step_extra": _e4(line.step_extra),
            "cost": _amount_json(line.cost),
            "counts_as": line.category,
        })
    starts = [] if cdr is None else [p.start_date_time for p in cdr.charging_periods]
    out["periods"] = [
        {
            "period": index + 1,
            "start_date_time": _stamp(starts[index]) if index < len(starts) else None,
            "lines": lines,
        }
        for index, lines in sorted(periods.items())
    ]
    if cdr is not None:
        out["stated"] = {name: _amount_json(getattr(cdr, name)) for name in TOTALS}
        out["mismatch"] = differs(cdr.total_cost, pricing.total_cost)
    return out


def _stamp(value: Any) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value.microsecond == 0 else value.isoformat()
