"""Benchmark of the Full download: ``python bench/bench_export.py [--cdrs N] [--db PATH|URL] [--skip-naive]``.

On a SQLite store of N demo CDRs (default 1,000,000; generated once into ``--db``, default a file in
the temporary folder), the Full download of the period that holds all of them, measured in one run,
each part in a fresh process (so that its peak memory is its own):

- **floor**: only reading the columns the export reads (`EXPORT_COLUMNS` of the CDRs and their tariff
  links) into memory, plain (no conversion to categoricals), by each reader we know, the fastest
  counting: ConnectorX in parallel key ranges, whole or streamed batch by batch (as the export reads),
  ConnectorX in one piece, the ``sqlite3`` cursor, and ADBC (which fails on SQLite columns that are
  empty in its first batch);
- **export**: `exports.data.read` + ``FORMATS["full"].build``, the bytes of the ZIP, as the page's
  download button and the CLI make them;
- **naive**: a straightforward implementation: SQLAlchemy rows, each cell formatted in Python, the
  ``csv`` module, ``zipfile`` at its default compression.

It prints each time, its CPU seconds (user + system, all threads) and peak memory, and the issue's
targets: export <= 1.5 x floor, naive >= 4 x export, export peak memory <= 1.5 GiB. The export's ZIP is
checked: it opens, and holds one line per CDR plus the headers.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
import zoneinfo
from bisect import bisect_right
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from cdrlib import demo, exports, period  # noqa: E402
from cdrlib.exports import csvfmt, full  # noqa: E402
from cdrlib.exports import data as export_data  # noqa: E402
from cdrlib.store import EXPORT_COLUMNS, Store, _frame_columns, fastread  # noqa: E402
from cdrlib.store import schema as s  # noqa: E402

UNTIL = dt.date(2026, 11, 1)  # fixed, so that runs are comparable
TZ = "Europe/Amsterdam"
FIRST, LAST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)  # every CDR of the store
GIB = 1024**3
KINDS = ("energy", "time", "parking", "fixed")
READERS = ("connectorx-parallel", "connectorx-stream", "connectorx-single", "sqlite3-cursor", "adbc")


# ------------------------------------------------------------------------------------ the parts
def _queries(store: Store) -> tuple[sa.Select[Any], sa.Select[Any]]:
    c, ct = s.cdr, s.cdr_tariff
    start, end = period.day_bounds(FIRST, LAST, TZ)
    where = (c.c.created_at >= start, c.c.created_at < end)
    cdrs = sa.select(*_frame_columns(EXPORT_COLUMNS)).where(*where)
    links = sa.select(ct.c.cdr_pk, ct.c.seq, ct.c.tariff_pk).join_from(ct, c, c.c.pk == ct.c.cdr_pk).where(*where)
    return cdrs, links


def _sql(store: Store, q: sa.Select[Any]) -> str:
    return str(q.compile(store.engine, compile_kwargs={"literal_binds": True}))


def read_floor(store: Store, reader: str) -> tuple[int, int]:
    """Only read the export's columns and links into memory; the numbers of CDRs and links."""
    cdrs_q, links_q = _queries(store)
    path = store.engine.url.database
    assert path is not None
    if reader in ("connectorx-parallel", "connectorx-stream"):  # key ranges in parallel, links by key range
        import connectorx as cx

        url = fastread.source_url(store.engine)
        options: dict[str, Any] = {"partition_on": "pk", "partition_num": os.cpu_count() or 1}
        if reader == "connectorx-stream":  # as the export reads: each batch converted while others are read
            stream = cx.read_sql(url, _sql(store, cdrs_q), return_type="arrow_stream",
                                 batch_size=fastread.STREAM_BATCH_ROWS, **options)
            frame = pl.concat([pl.from_arrow(b) for b in stream if b.num_rows], rechunk=False)  # type: ignore[misc]
        else:
            frame = pl.from_arrow(cx.read_sql(url, _sql(store, cdrs_q), return_type="arrow", **options))
        ct = s.cdr_tariff
        low, high = frame["pk"].min(), frame["pk"].max()  # type: ignore[index]
        links_range = sa.select(ct.c.cdr_pk, ct.c.seq, ct.c.tariff_pk).where(ct.c.cdr_pk >= low, ct.c.cdr_pk <= high)
        links = pl.from_arrow(cx.read_sql(url, _sql(store, links_range), return_type="arrow"))
        return frame.height, links.height  # type: ignore[union-attr]
    if reader == "connectorx-single":
        import connectorx as cx

        url = fastread.source_url(store.engine)
        frame = pl.from_arrow(cx.read_sql(url, _sql(store, cdrs_q), return_type="arrow"))
        links = pl.from_arrow(cx.read_sql(url, _sql(store, links_q), return_type="arrow"))
        return frame.height, links.height  # type: ignore[union-attr]
    if reader == "sqlite3-cursor":
        con = sqlite3.connect(path)
        frame = pl.DataFrame(con.execute(_sql(store, cdrs_q)).fetchall(), schema=list(EXPORT_COLUMNS), orient="row",
                             infer_schema_length=None)
        links = pl.DataFrame(con.execute(_sql(store, links_q)).fetchall(), schema=["cdr_pk", "seq", "tariff_pk"],
                             orient="row")
        return frame.height, links.height
    if reader == "adbc":
        import adbc_driver_sqlite.dbapi as adbc

        with adbc.connect(path) as con, con.cursor() as cur:
            cur.execute(_sql(store, cdrs_q))
            frame = pl.from_arrow(cur.fetch_arrow_table())
            cur.execute(_sql(store, links_q))
            links = pl.from_arrow(cur.fetch_arrow_table())
        return frame.height, links.height  # type: ignore[union-attr]
    raise ValueError(reader)


def export(store: Store) -> tuple[int, bytes]:
    """As the CLI makes it: this process does nothing else, so the CDRs are read in it (``in_process``)."""
    data = export_data.read(store, FIRST, LAST, TZ, in_process=True)
    return data.cdrs.height, exports.FORMATS["full"].build(data, csvfmt.dialect("excel"))


def naive(store: Store) -> tuple[int, bytes]:
    """The Full download done the obvious way: rows, Python formatting, csv, zipfile (default level)."""
    cdrs_q, links_q = _queries(store)
    versions = {r["tariff_pk"]: r for r in store.tariff_versions().iter_rows(named=True)}
    compiled: dict[int, Any] = {}
    prices: dict[tuple[int, dt.date], list[tuple[int, tuple[Decimal | None, ...]]]] = {}
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    e4 = Decimal("0.0001")

    def num(v: int | None, places: int = 4) -> str:
        if v is None:
            return ""
        return str((Decimal(v) * e4).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))

    def utc(us: int) -> str:
        return dt.datetime.fromtimestamp(us // 1_000_000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")

    def local(us: int, zone: str) -> str:
        z = zones.setdefault(zone, zoneinfo.ZoneInfo(zone))
        return dt.datetime.fromtimestamp(us // 1_000_000, z).isoformat()

    def safe(v: str | None) -> str:
        return "'" + v if v and v[0] in "=+-@\t\r" else (v or "")

    def start_prices(tariff_pk: int | None, zone: str, us: int) -> tuple[Decimal | None, ...]:
        if tariff_pk is None:
            return (None,) * 4
        at = dt.datetime.fromtimestamp(us // 1_000_000, zones.setdefault(zone, zoneinfo.ZoneInfo(zone)))
        key = (tariff_pk, at.date())
        if key not in prices:
            if tariff_pk not in compiled:
                v = versions[tariff_pk]
                compiled[tariff_pk] = full._compile(v["tariff_id"], v["currency"], v["document"])
            prices[key] = [] if compiled[tariff_pk] is None else full.tariffs.start_prices(compiled[tariff_pk], key[1])
        table = prices[key]
        if not table:
            return (None,) * 4
        second = at.hour * 3600 + at.minute * 60 + at.second
        return table[bisect_right([f for f, _ in table], second) - 1][1]

    outputs = {True: io.StringIO(), False: io.StringIO()}
    writers = {k: csv.writer(v, lineterminator="\r\n") for k, v in outputs.items()}
    for w in writers.values():
        w.writerow(full.COLUMNS)
    n = 0
    with store.engine.connect() as conn:
        carried: dict[int, int] = {}
        for cdr_pk, _seq, tariff_pk in conn.execute(links_q.order_by(s.cdr_tariff.c.cdr_pk, s.cdr_tariff.c.seq)):
            carried.setdefault(cdr_pk, tariff_pk)
        for r in conn.execute(cdrs_q.order_by(s.cdr.c.pk)):
            n += 1
            tariff = carried.get(r.pk)
            version = versions.get(tariff) if tariff is not None else None
            sp = start_prices(tariff, r.time_zone, r.start_us)
            sender = any(getattr(r, f"total_{k}_cost_excl_e4") is not None for k in KINDS)
            costs = [num(getattr(r, f"{'' if sender else 'calc_'}total_{k}_cost_excl_e4")) for k in KINDS]
            seconds = (r.end_us - r.start_us) // 1_000_000
            writers[bool(r.roamed)].writerow([
                safe(r.cdr_id), utc(r.start_us), utc(r.end_us),
                f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}", num(r.total_energy_e4),
                safe(r.location_address), safe(r.location_postal_code), safe(r.location_city),
                safe(r.location_country), "DC" if r.connector_power_type == "DC" else "AC",
                safe(r.connector_standard), safe(version["type"] if version else None), safe(r.token_uid),
                safe(r.token_contract_id), safe(r.meter_id), "", safe(r.evse_id), safe(r.emp_id),
                safe(f"{r.country_code}{r.party_id}".upper()), num(r.total_cost_excl_e4),
                safe(r.time_zone), local(r.start_us, r.time_zone), local(r.end_us, r.time_zone),
                safe(r.location_id), safe(r.location_ou_code), safe(version["tariff_id"] if version else None),
                *("" if p is None else str(p) for p in sp),
                num(r.total_time_e4 - (r.total_parking_time_e4 or 0)), num(r.total_parking_time_e4), *costs,
                num(r.total_cost_incl_e4), safe(r.currency), safe(r.ou_code), safe(r.location_name),
                r.location_latitude, r.location_longitude, safe(r.evse_uid), safe(r.connector_id),
                safe(r.connector_power_type), r.meter_start, r.meter_stop, safe(r.session_id),
                safe(r.auth_method), safe(r.token_type), utc(r.created_us), "Y" if r.credit else "N",
                safe(r.credit_reference_id),
            ])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(full.ROAMED, "\ufeff" + outputs[True].getvalue())
        z.writestr(full.NOT_ROAMED, "\ufeff" + outputs[False].getvalue())
    return n, buffer.getvalue()


# ------------------------------------------------------------------------------------ harness
def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (a reader may run apart)."""
    usages = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usages)


def child(part: str, db: str) -> None:
    """Run one part in this process and print its figures as JSON: its wall and CPU seconds (user +
    system, all threads and child processes; imports and the check of the ZIP left out), the peak memory
    of the process and that of its largest child."""
    store = Store.open(f"sqlite:///{db}")
    started, cpu = time.perf_counter(), _cpu()
    checked: dict[str, Any] = {}
    if part in READERS:
        rows, _links = read_floor(store, part)
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    else:
        rows, payload = export(store) if part == "export" else naive(store)
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        checked = {"zip_mb": len(payload) / 1e6, "lines": _count_lines(payload)}
    # A reader run apart has its own peak, reported beside (not added: a child's RSS also counts the
    # pages it shares with this process until it runs its own program).
    peak, child_peak = (resource.getrusage(who).ru_maxrss * 1024 for who in (resource.RUSAGE_SELF,
                                                                            resource.RUSAGE_CHILDREN))
    print(json.dumps({"part": part, "rows": rows, "peak": peak, "child_peak": child_peak, "seconds": seconds,
                      "cpu": cpu, **checked}))


def _count_lines(payload: bytes) -> int:
    """The CRLF lines of the ZIP's files, read a block at a time: the check must not add the size of a
    whole decompressed file (400 MB) to the peak memory measured for the part."""
    lines = 0
    with zipfile.ZipFile(io.BytesIO(payload)) as z:
        for name in z.namelist():
            with z.open(name) as member:
                last = b""
                while block := member.read(1 << 20):
                    lines += block.count(b"\r\n") + (last == b"\r" and block[:1] == b"\n")
                    last = block[-1:]
    return lines


def measure(part: str, db: str) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", part, "--db", db], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        return {"part": part, "error": (done.stderr.strip().splitlines() or ["failed"])[-1][:160], "wall": wall}
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["wall"] = wall
    return figures


def ensure_store(db: str, cdrs: int) -> None:
    with Store.open(f"sqlite:///{db}") as store:
        have = store.count_cdrs()
        if have == cdrs:
            return
        if have:
            raise SystemExit(f"{db} holds {have:,} CDRs, not {cdrs:,}: give another --db")
        print(f"generating {cdrs:,} demo CDRs into {db} ...", flush=True)
        demo.generate(store, cdrs=cdrs, seed=1, until=UNTIL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cdrs", type=int, default=1_000_000)
    parser.add_argument("--db", help="SQLite file of the store or its sqlite:/// URL (default: a temporary file)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--skip-naive", action="store_true", help="leave out the (slow) naive implementation")
    parser.add_argument("--parts", help=f"comma-separated parts to measure (default: all): {', '.join(READERS)}, "
                                        "export, naive")
    parser.add_argument("--rounds", type=int, default=1, help="measure every part this many times; show the median")
    args = parser.parse_args(argv)
    db = args.db or str(Path(tempfile.gettempdir()) / f"bench-export-{args.cdrs}.db")
    if "://" in db:  # the URL bench_pages.py takes
        url = sa.engine.make_url(db)
        if url.get_backend_name() != "sqlite" or not url.database:
            parser.error(f"--db {db}: this benchmark measures a SQLite file")
        db = url.database
    if args.child:
        child(args.child, db)
        return 0
    ensure_store(db, args.cdrs)
    print(f"Full download of {args.cdrs:,} CDRs from {db} ({os.cpu_count()} cores)")
    parts = args.parts.split(",") if args.parts else [*READERS, "export"]
    parts += [] if args.skip_naive or args.parts else ["naive"]
    # Rounds of every part in turn: on a shared machine the load changes within a run; each part's median.
    rounds = [[measure(p, db) for p in parts] for _ in range(args.rounds)]
    results = []
    for i, part in enumerate(parts):
        runs = [r[i] for r in rounds]
        ok = sorted((r for r in runs if "error" not in r), key=lambda r: r["seconds"])
        results.append(ok[(len(ok) - 1) // 2] if ok else runs[0])
        if args.rounds > 1 and ok:
            shown = ", ".join(f"{r['seconds']:.2f} s ({r['cpu']:.1f} CPU s)" for r in ok)
            print(f"  {part:<22} runs: {shown}")
    for r in results:
        if "error" in r:
            print(f"  {r['part']:<22} failed: {r['error']}")
            continue
        extra = f"  {r['zip_mb']:.0f} MB ZIP, {r['lines']:,} lines" if "zip_mb" in r else ""
        if r.get("child_peak"):
            extra += f"  (a child process: peak {r['child_peak'] / GIB:.2f} GiB)"
        print(f"  {r['part']:<22} {r['seconds']:7.2f} s  {r['cpu']:6.1f} CPU s  peak {r['peak'] / GIB:5.2f} GiB  "
              f"{r['rows']:,} CDRs{extra}")
    by = {r["part"]: r for r in results if "error" not in r}
    floors = [p for p in READERS if p in by]
    if floors and "export" in by:
        floor_part = min(floors, key=lambda p: by[p]["seconds"])
        floor, exp = by[floor_part]["seconds"], by["export"]["seconds"]
        print(f"floor (fastest reader: {floor_part}) {floor:.2f} s")
        print(f"export / floor = {exp / floor:.2f}  (target <= 1.5)")
        if "naive" in by:
            print(f"naive / export = {by['naive']['seconds'] / exp:.1f}  (target >= 4)")
        print(f"export peak memory {by['export']['peak'] / GIB:.2f} GiB  (target <= 1.5)")
    expected = args.cdrs + 2
    if "export" in by:
        assert by["export"]["lines"] == expected, f"the ZIP holds {by['export']['lines']} lines, not {expected}"
    return 0


if __name__ == "__main__":
    sys.exit(main())
