"""Benchmark of the demo generator: ``python bench/bench_demo.py [--cdrs N] [--profile]``.

Generates N CDRs (default 1,000,000) into a fresh temporary SQLite file and prints the wall time,
the CDRs per second and the peak memory (``ru_maxrss``) of this process and of the helper process
(big runs generate the records in a helper). ``--store-only`` also times `Store.add_cdrs` alone on
the same CDRs, to show how much of the wall time the store takes. ``--profile`` runs the generation
under cProfile and prints the top functions of this process.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cdrlib import demo
from cdrlib.demo import sessions
from cdrlib.store import Store

UNTIL = dt.date(2026, 1, 1)  # fixed, so that runs are comparable


def _maxrss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cdrs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk-size", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true", help="cProfile this process (slows it down)")
    parser.add_argument("--store-only", action="store_true", help="then time Store.add_cdrs alone on the same CDRs")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        store = Store.open(f"sqlite:///{tmp}/bench.db")
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        summary = demo.generate(store, cdrs=args.cdrs, seed=args.seed, until=UNTIL, chunk_size=args.chunk_size)
        wall = time.perf_counter() - started
        if profiler:
            profiler.disable()
        size_mib = Path(tmp, "bench.db").stat().st_size / 2**20
        print(f"CDRs            {summary.cdrs:,} ({summary.first_start:%Y-%m-%d} .. {summary.last_start:%Y-%m-%d})")
        print(f"wall time       {wall:.1f} s")
        print(f"throughput      {summary.cdrs / wall:,.0f} CDRs/s")
        print(f"peak memory     {_maxrss_mib(resource.RUSAGE_SELF):,.0f} MiB (this process), "
              f"{_maxrss_mib(resource.RUSAGE_CHILDREN):,.0f} MiB (helper process, if any)")
        print(f"database file   {size_mib:,.0f} MiB (without WAL)")
        store.close()
        if profiler:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        if args.store_only:
            _store_only(tmp, args.cdrs, args.seed, args.chunk_size)
    return 0


def _store_only(tmp: str, cdrs: int, seed: int, chunk_size: int) -> None:
    """Time `Store.add_cdrs` alone: the same CDRs, built beforehand chunk by chunk, into a new file."""
    store = Store.open(f"sqlite:///{tmp}/store-only.db")
    plan = sessions.Plan(cdrs, seed, UNTIL)
    demo.write_master_data(store, plan)
    builder = sessions.Builder(plan)
    spent = 0.0
    chunk: list[sessions.Record] = []
    for day in range(plan.days):
        chunk.extend(sessions.generate_day(plan, day))
        while len(chunk) >= chunk_size or (day == plan.days - 1 and chunk):
            built = builder.build(chunk[:chunk_size])
            del chunk[:chunk_size]
            started = time.perf_counter()
            store.add_cdrs(built)
            spent += time.perf_counter() - started
    store.close()
    print(f"store alone     {spent:.1f} s for {cdrs:,} CDRs = {cdrs / spent:,.0f} CDRs/s (Store.add_cdrs only)")


if __name__ == "__main__":
    raise SystemExit(main())
