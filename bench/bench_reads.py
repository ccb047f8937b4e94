"""Benchmark of the two heavy reads: ``python bench/bench_reads.py [--db URL | --cdrs N]``.

On a store of N demo CDRs (default 1,000,000, generated into a temporary SQLite file unless ``--db``
names an existing store), it times and prints:
- the dashboard's read of every CDR (`Store.analytics_frame`, and again without its packing of the texts;
  `analytics.prepare`) and the KPIs and
  daily trend of a year (`cdrlib.analytics`), as the Overview page does for a one-year period;
- the exports' read of every CDR (`Store.export_frame`, the 52 columns the formats are built from);
- a read of one month of CDRs by creation date with their charging periods and tariffs
  (`Store.iter_cdrs`, as `CDR` objects);
and the peak memory of the process. No read makes a query per CDR. ``--db`` takes a PostgreSQL URL
too; ``--cursor`` reads through SQLAlchemy's cursor instead of ConnectorX (`fastread`'s fallback), to
compare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cdrlib.store as store_module
from cdrlib import analytics, demo
from cdrlib.period import Period
from cdrlib.store import Store, fastread

UNTIL = dt.date(2026, 1, 1)  # fixed, so that runs are comparable
TZ = "Europe/Amsterdam"


def _timed(label: str, fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn()
    print(f"{label:<46} {time.perf_counter() - started:7.2f} s")
    return result


def _texts_unpacked(store: Store) -> None:
    """`Store.analytics_frame` without its packing of the location, party and tariff texts (one JSON
    array per CDR): what the packing saves."""
    packed = store_module._PACKED
    store_module._PACKED = ()
    try:
        store.analytics_frame()
    finally:
        store_module._PACKED = packed


def run(store: Store) -> None:
    year = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31), TZ)
    every = _timed("every CDR: Store.analytics_frame", store.analytics_frame)
    print(f"{'':<46} {every.height:,} CDRs, {every.estimated_size() / 2**20:,.0f} MiB")
    _timed("  the same, each text its own column", lambda: _texts_unpacked(store))
    every = _timed("analytics.prepare", lambda: analytics.prepare(every, TZ))
    frame = analytics.select(every.lazy(), "start", year.first, year.last, analytics.SessionFilter())
    kpis = _timed("year: KPIs", lambda: analytics.Kpis.from_frame(analytics.kpis(frame).collect()))
    print(f"{'':<46} {kpis.main_currency}: {kpis.main.revenue_excl} excl. VAT")
    _timed(
        "year: daily trend",
        lambda: analytics.trend(frame, "day", year.first, year.last, kpis.main_currency).collect(),
    )
    ever = (dt.datetime(1970, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
    _timed("every CDR: Store.export_frame", lambda: store.export_frame(*ever))
    month = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31), TZ)
    m_start, m_end = month.bounds()

    def read_month() -> int:
        return sum(len(c.charging_periods) > 0 for c in store.iter_cdrs(created_from=m_start, created_to=m_end))

    count = _timed("month of CDRs by created_at: Store.iter_cdrs", read_month)
    print(f"{'':<46} {count:,} CDRs with their periods")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing store (else N demo CDRs into a temporary SQLite file)")
    parser.add_argument("--cdrs", type=int, default=1_000_000)
    parser.add_argument("--cursor", action="store_true", help="read through SQLAlchemy's cursor, not ConnectorX")
    args = parser.parse_args(argv)
    if args.cursor:
        fastread.source_url = lambda _engine: None  # type: ignore[assignment]
    if args.db:
        with Store.open(args.db) as store:
            run(store)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-reads-") as tmp, Store.open(f"sqlite:///{tmp}/bench.db") as store:
        _timed(f"generate {args.cdrs:,} demo CDRs", lambda: demo.generate(store, cdrs=args.cdrs, until=UNTIL))
        run(store)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
