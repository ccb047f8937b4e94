"""What must hold for every export of every period: checked on the fixed dataset and on demo data.

The store's own figures are read here with plain SQL on the same database (sums of the integer columns
over ``created_at``, epoch microseconds, within the period's local-midnight bounds computed here with
`zoneinfo`), so that the exports are not checked against themselves.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from cdrlib import demo, exports
from cdrlib.exports import csvfmt
from cdrlib.exports import data as export_data
from cdrlib.exports.data import ExportData
from cdrlib.store import Store
from tests.conftest import BACKENDS
from tests.exports import dataset as ds
from tests.exports.dataset import members, number, read_rows

D = Decimal
E4 = D("0.0001")
CENT = D("0.01")
DIALECT = "excel"
NOT_ROAMED = "not_roamed.csv"
ROAMED_FULL, NOT_ROAMED_FULL = "cdrs_full.csv", "not_roamed_full.csv"

# Demo data as `python -m cdrlib demo --cdrs 3000 --seed 1 --until 2025-01-01`: sessions from December 2023.
DEMO_CDRS, DEMO_SEED, DEMO_UNTIL = 3_000, 1, dt.date(2025, 1, 1)

SOURCES = {
    "dataset": (ds.FIRST, ds.LAST),
    "demo-october-2024": (dt.date(2024, 10, 1), dt.date(2024, 10, 31)),  # the clocks go back on 27 October
    "demo-all": (dt.date(2023, 11, 1), dt.date(2025, 1, 31)),
}


@dataclass(frozen=True)
class StoreCdr:
    """A CDR of the period as the ``cdr`` table holds it."""

    roamed: bool
    emp_id: str | None
    currency: str
    energy_e4: int
    cost_excl_e4: int


@dataclass(frozen=True)
class Built:
    name: str
    data: ExportData
    files: dict[str, dict[str, bytes]]  # format -> file name -> bytes
    rows: dict[str, dict[str, list[dict[str, str]]]]  # format -> file name -> rows
    store: dict[str, StoreCdr]  # CDR id -> what the store holds


def _micros(day: dt.date, tz: str) -> int:
    """Local midnight at the start of ``day`` in ``tz``, as epoch microseconds."""
    return int(dt.datetime.combine(day, dt.time(0), zoneinfo.ZoneInfo(tz)).timestamp()) * 1_000_000


def _store_cdrs(url: str, first: dt.date, last: dt.date) -> dict[str, StoreCdr]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT cdr_id, roamed, emp_id, currency, total_energy_e4, total_cost_excl_e4 FROM cdr"
                    " WHERE created_at >= :start AND created_at < :end"
                ),
                {"start": _micros(first, ds.TZ), "end": _micros(last + dt.timedelta(days=1), ds.TZ)},
            ).all()
    finally:
        engine.dispose()
    out = {r[0]: StoreCdr(bool(r[1]), r[2], r[3], r[4], r[5]) for r in rows}
    assert len(out) == len(rows), "CDR ids repeat: the checks below key on them"
    return out


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('demo')) / 'demo.db'}"
    with Store.open(url) as store:
        demo.generate(store, cdrs=DEMO_CDRS, seed=DEMO_SEED, until=DEMO_UNTIL)
    return url


# (source, store): the dataset in each store, the demo data in SQLite
_BUILDS = [*(("dataset", backend) for backend in BACKENDS), *((s, "sqlite") for s in SOURCES if s != "dataset")]


@pytest.fixture(scope="module", params=_BUILDS, ids=[f"{s}-{b}" for s, b in _BUILDS])
def built(request: pytest.FixtureRequest, dataset_on: Callable[[str], str]) -> Built:
    name, backend = request.param
    url = dataset_on(backend) if name == "dataset" else request.getfixturevalue("demo_url")
    first, last = SOURCES[name]
    with Store.open(url) as store:
        data = export_data.read(store, first, last, ds.TZ)
    files = {fmt: members(fmt, data, DIALECT) for fmt in exports.FORMATS}
    rows = {fmt: {n: read_rows(payload, DIALECT) for n, payload in fs.items()} for fmt, fs in files.items()}
    return Built(name, data, files, rows, _store_cdrs(url, first, last))


def _emp_files(b: Built) -> dict[str, list[dict[str, str]]]:
    return {n: rows for n, rows in b.rows["normal"].items() if n != NOT_ROAMED}


def _ids(rows: list[dict[str, str]]) -> list[str]:
    return [r["CDR_ID"] for r in rows]


def test_the_sources_are_not_trivial(built: Built) -> None:
    assert len(built.store) >= 18
    assert len(_emp_files(built)) >= 2 and built.rows["normal"][NOT_ROAMED]
    assert built.rows["reimbursement"] and next(iter(built.rows["reimbursement"].values()))
    assert next(iter(built.rows["distribution"].values()))
    assert {c.currency for c in built.store.values()} >= {"EUR", "GBP"}


def test_no_cdr_is_in_another_emps_file(built: Built) -> None:
    emps = []
    for name, rows in _emp_files(built).items():
        (emp,) = {r["Service_Provider_ID"] for r in rows}  # one EMP per file, and a file has rows
        emps.append(emp)
        assert re.fullmatch(re.escape(csvfmt.file_stem(emp)) + r"(_[0-9]+)?\.csv", name), (name, emp)
        assert {built.store[i].emp_id for i in _ids(rows)} == {emp}
    assert len(emps) == len(set(emps))


def test_each_roamed_cdr_is_in_exactly_one_emp_file(built: Built) -> None:
    placed = Counter(i for rows in _emp_files(built).values() for i in _ids(rows))
    roamed = {i for i, c in built.store.items() if c.roamed}
    assert set(placed) == roamed
    assert [i for i, n in placed.items() if n != 1] == []
    not_roamed = _ids(built.rows["normal"][NOT_ROAMED])
    assert sorted(not_roamed) == sorted(i for i, c in built.store.items() if not c.roamed)
    assert len(not_roamed) == len(set(not_roamed))


def test_normal_and_full_hold_the_same_cdrs(built: Built) -> None:
    normal = {r["CDR_ID"]: r for rows in _emp_files(built).values() for r in rows}
    full = built.rows["full"]
    assert sorted(_ids(full[ROAMED_FULL])) == sorted(normal)
    assert _ids(full[NOT_ROAMED_FULL]) == _ids(built.rows["normal"][NOT_ROAMED])
    normal.update({r["CDR_ID"]: r for r in built.rows["normal"][NOT_ROAMED]})
    # The Full download starts with the 20 eViolin columns: the same cells.
    for row in full[ROAMED_FULL] + full[NOT_ROAMED_FULL]:
        assert dict(list(row.items())[:20]) == normal[row["CDR_ID"]]


def test_sums_of_volume_and_cost_equal_the_stores(built: Built) -> None:
    store: dict[str, list[Decimal]] = defaultdict(lambda: [D(0), D(0), D(0)])
    for c in built.store.values():
        totals = store[c.currency]
        totals[0] += 1
        totals[1] += D(c.energy_e4) * E4
        totals[2] += D(c.cost_excl_e4) * E4

    def sums(rows: list[dict[str, str]], currency_of: dict[str, str] | None) -> dict[str, list[Decimal]]:
        out: dict[str, list[Decimal]] = defaultdict(lambda: [D(0), D(0), D(0)])
        for r in rows:
            totals = out[currency_of[r["CDR_ID"]] if currency_of else r["Currency"]]
            totals[0] += 1
            totals[1] += number(r["Volume"])
            totals[2] += number(r["Calculated_Cost"])
        return out

    # The Normal files have no currency column: each CDR's is the store's.
    currency_of = {i: c.currency for i, c in built.store.items()}
    normal = [r for rows in built.rows["normal"].values() for r in rows]
    full = [r for rows in built.rows["full"].values() for r in rows]
    assert sums(normal, currency_of) == store
    assert sums(full, None) == store


def test_the_summaries_equal_what_the_files_hold(built: Built) -> None:
    currency_of = {i: c.currency for i, c in built.store.items()}
    for fmt, f in exports.FORMATS.items():
        summary = f.summary(built.data)
        columns = summary.columns[3:]
        assert summary.columns[:3] == ["file", "Currency", "Rows"]
        stated = {(r["file"], r["Currency"]): (r["Rows"], *(r[c] for c in columns)) for r in summary.to_dicts()}
        held: dict[tuple[str, str | None], tuple[int, ...]] = {}
        for name, rows in built.rows[fmt].items():
            if not rows:
                held[(name, None)] = (0, *[D(0)] * len(columns))
            groups: dict[str, list[dict[str, str]]] = defaultdict(list)
            for r in rows:
                groups[r["Currency"] if "Currency" in r else currency_of[r["CDR_ID"]]].append(r)
            for currency, group in groups.items():
                held[(name, currency)] = (len(group), *(sum((number(r[c]) for r in group), D(0)) for c in columns))
        assert stated == held, fmt


def _cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)  # half away from zero, also below zero


def test_distribution_shares_add_up_to_the_revenue(built: Built) -> None:
    (rows,) = built.rows["distribution"].values()
    for r in rows:
        revenue, compensation = number(r["Revenue_Excl_VAT"]), number(r["Energy_Compensation"])
        cpo, customer = number(r["CPO_Share"]), number(r["Customer_Share"])
        cdr = built.store[r["CDR_ID"]]
        assert revenue == _cent(D(cdr.cost_excl_e4) * E4), r["CDR_ID"]
        assert compensation + cpo + customer == revenue, r["CDR_ID"]
        # Never over-distributed: every share has the revenue's sign (or is zero).
        sign = -1 if revenue < 0 else 1
        assert min(sign * compensation, sign * cpo, sign * customer) >= 0, r["CDR_ID"]
        assert r["Currency"] == cdr.currency
        # The compensation and the CPO's share by the method (on the absolute figures, a credit negated).
        whole, kwh = abs(revenue), abs(number(r["Volume"]))
        expected = min(_cent(kwh * number(r["Energy_Compensation_Rate"])), whole)
        assert abs(compensation) == expected, r["CDR_ID"]
        if r["Split_Method"] == "FIXED_FEE":
            assert abs(cpo) == min(_cent(kwh * number(r["CPO_Fee_Rate"])), whole - expected), r["CDR_ID"]
        else:
            assert r["Split_Method"] == "PERCENTAGE"
            assert number(r["CPO_Percentage"]) + number(r["Customer_Percentage"]) == 100
            assert abs(cpo) == _cent((whole - expected) * number(r["CPO_Percentage"]) / 100), r["CDR_ID"]


def test_reimbursement_is_volume_times_tariff_to_the_cent(built: Built) -> None:
    (rows,) = built.rows["reimbursement"].values()
    for r in rows:
        volume = number(r["Volume"])
        assert number(r["Reimbursement_Excl_VAT"]) == _cent(volume * number(r["Reimbursement_Tariff_Excl_VAT"]))
        assert number(r["Reimbursement_Incl_VAT"]) == _cent(volume * number(r["Reimbursement_Tariff_Incl_VAT"]))
        cdr = built.store[r["CDR_ID"]]
        assert abs(volume) == D(cdr.energy_e4) * E4
        assert r["Payee_Name"] and r["Bank_Account"] and r["Currency"] == "EUR"
