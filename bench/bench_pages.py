"""Benchmark of the analytics pages at a million CDRs: ``python bench/bench_pages.py [--db URL | --cdrs N]``.

For each page (Overview, Energy & time, Costs & tariffs, Revenue distribution) a new process starts the
app in Streamlit's AppTest (the real page scripts, caches and store, no browser) on the store, after
what `cdrlib.ui.server` does before it answers (imports, and the early read of the CDRs begun), and
times, as a person would meet them:
- the first view of the page the moment the server answers (it waits for the CDRs to be in memory);
- then three filter changes, one after another: the roamed filter, AC / DC, and the period basis;
- then the first view of each other page in the same process (the CDRs are in memory by then);
and reports the process's peak memory (its resident set, what the server process would hold). The first
process starts without the copy of the CDRs that the dashboard keeps beside a SQLite store
(`cdrlib.snapshot`, deleted first), so it reads them all from the store; the others are restarts.
Targets (issue 5): first view <= 3 s, filter change <= 1 s, memory <= 2 GiB. Without ``--db`` it
generates N demo CDRs (default 1,000,000) into a temporary SQLite file first (about 2 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = {
    "overview": "pages/overview.py",
    "energy": "pages/energy.py",
    "costs": "pages/costs.py",
    "revenue": "pages/revenue.py",
}
CHANGES = (("roamed", "roamed"), ("power", "DC"), ("basis", "created"))  # radio key, value
TIMEOUT_S = 300


def _one(url: str, first: str) -> dict[str, object]:
    """In this process: the first view of ``first``, the filter changes, then the other pages."""
    os.environ["CDR_DB_URL"] = url
    from streamlit.testing.v1 import AppTest

    from cdrlib.ui import server

    server.warm()  # what the server does before it answers (`cdrlib.ui.server.main`)
    server.load_early()

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT_S)
    at.switch_page(PAGES[first])  # before the first run: the page opens directly, as a deep link does
    started = time.perf_counter()
    at.run()
    timings: dict[str, float] = {"first view": time.perf_counter() - started}
    errors = [e.value for e in at.exception]
    for key, value in CHANGES:
        started = time.perf_counter()
        at.radio(key=key).set_value(value).run()
        timings[f"{key} -> {value}"] = time.perf_counter() - started
        errors += [e.value for e in at.exception]
    for name, path in PAGES.items():
        if name != first:
            started = time.perf_counter()
            at.switch_page(path).run()
            timings[f"then {name}"] = time.perf_counter() - started
            errors += [e.value for e in at.exception]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"page": first, "timings": timings, "peak_mib": peak, "errors": errors}


def run(url: str) -> int:
    from cdrlib import snapshot
    from cdrlib.store import Store

    with Store.open(url, create=False) as store:
        copy = snapshot.paths(store)
    for path in copy or ():
        path.unlink(missing_ok=True)  # the first start reads the store; the later ones the copy on disk
    failed = 0
    for run_no, name in enumerate(["overview", *PAGES]):
        if run_no and copy:
            _wait_for(copy[1])
        out = subprocess.run(
            [sys.executable, __file__, "--one", name, "--db", url],
            capture_output=True, text=True, check=False, cwd=ROOT,
        )
        if out.returncode != 0:
            print(out.stderr[-3000:], file=sys.stderr)
            return 1
        result = json.loads(out.stdout.strip().splitlines()[-1])
        timings = result["timings"]
        start = "first start, no copy on disk" if run_no == 0 and copy else "restart"
        print(f"{name} ({start}): " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items())
              + f"; peak {result['peak_mib']:,.0f} MiB")
        if result["errors"]:
            failed += 1
            print(f"  errors: {result['errors']}")
    return 1 if failed else 0


def _wait_for(path: Path) -> None:
    """The copy is written in the background of the first start; a restart before it is done reads all."""
    deadline = time.monotonic() + 60
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing store (else N demo CDRs into a temporary SQLite file)")
    parser.add_argument("--cdrs", type=int, default=1_000_000)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child process: one page first
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(_one(args.db, args.one)))
        return 0
    if args.db:
        return run(args.db)
    from cdrlib import demo
    from cdrlib.store import Store

    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        started = time.perf_counter()
        with Store.open(url) as store:
            demo.generate(store, cdrs=args.cdrs)
        print(f"generated {args.cdrs:,} demo CDRs in {time.perf_counter() - started:.0f} s")
        return run(url)


if __name__ == "__main__":
    raise SystemExit(main())
