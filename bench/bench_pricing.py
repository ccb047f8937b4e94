"""Benchmark of the pricing engine: ``python bench/bench_pricing.py [--cdrs N]``.

Generates N demo CDRs (default 100,000) into a temporary SQLite store, reads them back as `model.Cdr`
objects, then reprices every one of them with the engine in this process (one core): once
`pricing.price_cdr` alone (totals and the explanation), once `pricing.check` (the import's path:
price, compare with the stated cost, build the stored check). Prints CDRs per second of each, how
many checks agree with the stored ones, and the peak memory of the process. Target: at least 10,000
CDRs/s on one core (issue 3).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cdrlib import demo, pricing
from cdrlib.store import Store

UNTIL = dt.date(2026, 1, 1)  # fixed, so that runs are comparable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cdrs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many timed rounds")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-pricing-") as tmp:
        store = Store.open(f"sqlite:///{tmp}/bench.db")
        demo.generate(store, cdrs=args.cdrs, seed=args.seed, until=UNTIL)
        cdrs = list(store.iter_cdrs())
        store.close()
    priced = [c for c in cdrs if not c.credit]
    print(f"CDRs            {len(cdrs):,} demo CDRs read back ({len(cdrs) - len(priced):,} credit CDRs)")
    periods = sum(len(c.charging_periods) for c in priced)
    print(f"periods         {periods / len(priced):.2f} charging periods per CDR on average")

    gc.collect()
    best_price = best_check = float("inf")
    for _ in range(args.rounds):
        started = time.perf_counter()
        for c in priced:
            pricing.price_cdr(c)
        best_price = min(best_price, time.perf_counter() - started)
        started = time.perf_counter()
        checks = [pricing.check(c) for c in cdrs]
        best_check = min(best_check, time.perf_counter() - started)
    agree = sum(1 for c, k in zip(cdrs, checks, strict=True) if c.price_check == k)
    statuses = Counter(k.status for k in checks)
    print(f"price_cdr       {len(priced) / best_price:,.0f} CDRs/s  (best of {args.rounds}, one core)")
    print(f"check           {len(cdrs) / best_check:,.0f} CDRs/s  (price + compare + stored check)")
    print(f"verdicts        {dict(statuses)}; {agree:,} of {len(cdrs):,} equal the stored check")
    print(f"peak memory     {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB (this process)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
