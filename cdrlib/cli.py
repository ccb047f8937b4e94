"""The command line: ``python -m cdrlib demo|import|price ...``.

Exit codes: 0 everything accepted (duplicates count as accepted) or priced; 1 some records rejected or
in conflict (the rest stored), or a CDR that cannot be priced; 2 usage or configuration error (bad URL,
missing file, an input that is not a valid OCPI object, an unknown time zone).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import io
import json
import os
import sys
import time
import zoneinfo
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import polars as pl
from tqdm import tqdm

from cdrlib import demo, enrich, exports, importer, model, pricing, settings, snapshot
from cdrlib.errors import CdrError, ConfigError, InputFileError, StoreError, UnpriceableError, ValidationError
from cdrlib.exports import csvfmt
from cdrlib.exports import data as export_data
from cdrlib.ocpi import reader, records
from cdrlib.store import Store

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cdrlib",
        description="Charging-data store: load demo data or import OCPI files.",
        epilog="Environment: CDR_DB_URL (store URL, default sqlite:///data/cdrs.db), "
        "CDR_REPORTING_TZ (default Europe/Amsterdam), CDR_OWN_PARTIES (e.g. NLXCP,BEXCP).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{demo,import,price,reprice,export}")

    def add_db(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", metavar="URL", help="SQLAlchemy URL of the store (default: $CDR_DB_URL or data/cdrs.db)")

    p_demo = sub.add_parser("demo", help="generate a realistic demo dataset into the store")
    p_demo.add_argument(
        "--cdrs", type=_positive_int, default=20_000, metavar="N", help="number of CDRs (default 20000)"
    )
    p_demo.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    p_demo.add_argument(
        "--until",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="sessions end before this date (default: today); with --seed it makes the data reproducible",
    )
    add_db(p_demo)

    p_imp = sub.add_parser(
        "import",
        help="import OCPI CDRs, tariffs and locations",
        description="Import OCPI 2.2.1/2.3.0 (and 2.1.1) CDRs, tariffs and locations: one object, a JSON "
        "array, an OCPI response envelope or NDJSON, optionally gzip-compressed. Import locations before "
        "their CDRs so that the CDRs get the location's time zone and OU.",
    )
    p_imp.add_argument("files", nargs="+", metavar="FILE")
    p_imp.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    p_imp.add_argument(
        "--emp", metavar="PARTY", help="EMP the files came from, e.g. NLTNM (for OCPI 2.1.1 CDRs, which do not say)"
    )
    add_db(p_imp)

    p_price = sub.add_parser(
        "price",
        help="recompute one CDR's cost from its OCPI tariffs and explain it",
        description="Price one OCPI CDR (a JSON file) with its tariffs and print one JSON object: the "
        "totals (decimal strings, 4 decimals; incl_vat null where no VAT is known), the explanation per "
        "charging period under \"periods\", the CDR's own totals under \"stated\" and \"mismatch\" "
        "(more than 0.01 apart). Exit 0 priced, 1 cannot be priced (reason on stderr), 2 usage error.",
    )
    p_price.add_argument("cdr", metavar="CDR.json", help="one OCPI 2.2.1/2.3.0/2.1.1 CDR object")
    p_price.add_argument(
        "--tariff",
        action="append",
        default=[],
        metavar="TARIFF.json",
        help="tariff file (one tariff or an array); repeatable. Default: the tariffs the CDR carries",
    )
    p_price.add_argument(
        "--tz",
        metavar="ZONE",
        help="IANA time zone of the location, e.g. Europe/Amsterdam (default: the country's, where it has one)",
    )

    p_reprice = sub.add_parser(
        "reprice",
        help="price the stored CDRs again (after importing tariffs, or for a store made before pricing)",
        description="Recompute every stored CDR's cost with the pricing engine and store the new check "
        "(ok / mismatch / unpriced / credit). The CDRs themselves are not changed.",
    )
    p_reprice.add_argument(
        "--unpriced", action="store_true", help="only CDRs never checked or that could not be priced before"
    )
    add_db(p_reprice)

    p_export = sub.add_parser(
        "export",
        help="write a monthly export file for a period of CDR creation dates",
        description="Write one export for the CDRs created on the days --from .. --to (both included, in "
        "CDR_REPORTING_TZ). The file gets the spec's name in the current folder unless -o is given. An empty "
        "period gives empty files, not an error.",
    )
    p_export.add_argument("format", choices=sorted(exports.FORMATS), help="the export format")
    p_export.add_argument("--from", dest="first", type=_date, required=True, metavar="YYYY-MM-DD")
    p_export.add_argument("--to", dest="last", type=_date, required=True, metavar="YYYY-MM-DD")
    p_export.add_argument(
        "--dialect", choices=list(csvfmt.DIALECTS), default=csvfmt.DEFAULT_DIALECT, help="CSV dialect (default excel)"
    )
    p_export.add_argument("-o", "--output", metavar="PATH", help="file or folder to write to (default: .)")
    add_db(p_export)
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    for stream in (out, err):
        # A file name that is not UTF-8 reaches us as surrogate escapes: show it, never fail on it.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    try:
        conf = settings.load(db_url=getattr(args, "db", None))
        if args.command == "price":
            return _price(args, out, err)
        if args.command == "reprice":
            return _reprice(args, conf, out, err)
        if args.command == "export":
            return _export(args, conf, out)
        if args.command == "demo":
            return _demo(args, conf, out, err)
        return _import(args, conf, out, err)
    except (ConfigError, StoreError, InputFileError, ValidationError) as exc:
        _error(args, exc, out, err)
        return EXIT_USAGE
    except CdrError as exc:
        _error(args, exc, out, err)
        return EXIT_REJECTED
    except KeyboardInterrupt:
        print("interrupted: what was written is complete; run the same command again to finish", file=err)
        return 130


def _error(args: argparse.Namespace, exc: CdrError, out: TextIO, err: TextIO) -> None:
    """The message on stderr; with ``import --json`` also the one JSON object on stdout."""
    print(f"error: {exc}", file=err)
    if getattr(args, "json", False):
        json.dump({"error": str(exc)}, out)  # ASCII with \u escapes: valid whatever the file names
        out.write("\n")


def _demo(args: argparse.Namespace, conf: settings.Settings, out: TextIO, err: TextIO) -> int:
    with Store.open(conf.db_url) as store:
        bar = tqdm(total=args.cdrs, unit="cdr", desc="demo data", file=err, disable=None)
        last = 0

        def progress(done: int, total: int) -> None:
            nonlocal last
            bar.update(done - last)
            last = done

        try:
            summary = demo.generate(store, cdrs=args.cdrs, seed=args.seed, until=args.until, progress=progress)
        finally:
            bar.close()
        print(
            f"{summary.cdrs} demo CDRs at {summary.locations} locations, {summary.emps} EMPs, "
            f"sessions {summary.first_start:%Y-%m-%d} to {summary.last_start:%Y-%m-%d}, "
            f"in {summary.seconds:.1f} s -> {store.url}",
            file=out,
        )
        print(
            f"new {summary.inserted}, already stored {summary.duplicates}, conflicts {summary.conflicts}",
            file=out,
        )
        _refresh_copy(store, conf, out, err)
    if summary.conflicts:
        print(
            f"error: {summary.conflicts} demo CDRs were not written: other CDRs with their ids are stored "
            "(another --seed, --cdrs or --until into the same store); use a new store",
            file=err,
        )
        return EXIT_REJECTED
    return EXIT_OK


def _import(args: argparse.Namespace, conf: settings.Settings, out: TextIO, err: TextIO) -> int:
    importer.check_files(args.files)
    emp_id = None
    if args.emp:
        try:
            emp_id = "".join(records.split_emp_id(args.emp))
        except ConfigError:
            raise ConfigError(
                f"--emp: {args.emp!r} is not an EMP party id (country code + party id, e.g. NLTNM)"
            ) from None
    with Store.open(conf.db_url) as store:
        bars: dict[str, tqdm] = {}

        def progress(path: str, done: int) -> None:
            bar = bars.get(path)
            if bar is None:
                bar = bars[path] = tqdm(desc=path, unit="rec", file=err, disable=None, leave=True)
            bar.update(done - bar.n)

        try:
            report = importer.import_files(store, args.files, settings=conf, emp_id=emp_id, progress=progress)
        finally:
            for bar in bars.values():
                bar.close()
        _refresh_copy(store, conf, err if args.json else out, err)
    if args.json:
        json.dump(report.as_json(), out)  # ASCII with \u escapes: valid whatever the file names
        out.write("\n")
    else:
        _print_summary(report, out)
    return EXIT_OK if report.ok else EXIT_REJECTED


def _price(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``price``: usage errors (file, OCPI validation, zone) raise and exit 2; unpriceable exits 1."""
    cdrs = _objects(args.cdr, "cdr")
    if len(cdrs) != 1:
        raise InputFileError(f"{args.cdr}: holds {len(cdrs)} CDRs; give a file with one CDR")
    try:
        cdr = records.parse_cdr(cdrs[0])
    except ValidationError as exc:
        raise InputFileError(f"{args.cdr}: not a valid OCPI CDR: {exc}") from None
    if args.tariff:
        tariffs = []
        for path in args.tariff:
            for obj in _objects(path, "tariff"):
                try:
                    tariffs.append(records.parse_tariff(obj))
                except ValidationError as exc:
                    raise InputFileError(f"{path}: not a valid OCPI tariff: {exc}") from None
        cdr = dataclasses.replace(cdr, tariffs=tuple(tariffs))
    zone = args.tz or enrich.SINGLE_ZONE_COUNTRIES.get(cdr.cdr_location.country.upper())
    if zone is None:
        raise ConfigError(
            f"the CDR's country {cdr.cdr_location.country} has more than one time zone (or is not known): "
            "give the location's zone with --tz, e.g. --tz Europe/Madrid"
        )
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"--tz: {zone!r} is not an IANA time zone (e.g. Europe/Amsterdam)") from None
    if cdr.credit:
        print(
            "cannot price: a credit CDR is not re-priced, it carries the negation of the CDR it credits",
            file=err,
        )
        return EXIT_REJECTED
    try:
        result = pricing.price_cdr(cdr, time_zone=zone)
    except UnpriceableError as exc:
        print(f"cannot price CDR {cdr.id}: {exc}", file=err)
        return EXIT_REJECTED
    out.write(json.dumps(pricing.as_json(result, cdr), indent=2, ensure_ascii=False) + "\n")
    return EXIT_OK


def _export(args: argparse.Namespace, conf: settings.Settings, out: TextIO) -> int:
    if args.first > args.last:
        raise ConfigError(f"--from {args.first} is after --to {args.last}")
    fmt = exports.FORMATS[args.format]
    _check_output(args.output)  # before the work, not after it
    with Store.open(conf.db_url, create=False) as store:
        # This process does nothing else meanwhile: the CDRs are read in it, not through a child.
        data = export_data.read(store, args.first, args.last, conf.reporting_tz, in_process=True)
    payload = fmt.build(data, csvfmt.dialect(args.dialect))
    target = Path(args.output or ".")
    if target.is_dir():
        target = target / fmt.file_name(data)
    try:
        target.write_bytes(payload)
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from exc
    cdrs = data.cdrs
    print(f"wrote {target} ({len(payload):,} bytes): {cdrs.height} CDRs created {data.first} .. {data.last}", file=out)
    for file, rows in fmt.summary(data).group_by("file", maintain_order=True).agg(pl.col("Rows").sum()).iter_rows():
        print(f"  {file}: {rows} rows", file=out)
    if fmt.name == "full":  # one file for all EMPs: their counts (the Normal ZIP has a file per EMP)
        roamed = cdrs.filter(cdrs["roamed"])
        for emp, count in sorted(roamed.group_by("emp_id").len().iter_rows(), key=lambda r: str(r[0])):
            print(f"  of which EMP {emp or 'unknown'}: {count} roamed CDRs", file=out)
    return EXIT_OK


def _check_output(output: str | None) -> None:
    """A usage error for an ``-o`` that cannot be written: a folder (a trailing ``/``) or the folder of a
    file that does not exist."""
    if output is None or Path(output).is_dir():
        return
    if output.endswith(("/", os.sep)):  # meant as a folder: never a file of that name
        raise ConfigError(f"cannot write to {output}: no such folder")
    if not Path(output).parent.is_dir():
        raise ConfigError(f"cannot write {output}: the folder {Path(output).parent} does not exist")


REPRICE_CHUNK = 2_000  # checks written per transaction


def _reprice(args: argparse.Namespace, conf: settings.Settings, out: TextIO, err: TextIO) -> int:
    with Store.open(conf.db_url, create=False) as store:
        known = pricing.TariffIndex(store.tariffs())
        counts: dict[str, int] = dict.fromkeys(model.PRICE_STATUSES, 0)
        pending: list[tuple[tuple[str, str, str], model.PriceCheck]] = []
        with tqdm(total=store.count_cdrs(), unit="cdr", desc="reprice", file=err, disable=None) as bar:
            for cdr in store.iter_cdrs(unpriced_only=args.unpriced):
                check = pricing.check(cdr, known)
                counts[check.status] += 1
                pending.append((cdr.key, check))
                if len(pending) >= REPRICE_CHUNK:
                    store.set_price_checks(pending)
                    bar.update(len(pending))
                    pending = []
            store.set_price_checks(pending)
            bar.update(len(pending))
        _refresh_copy(store, conf, out, err)
    total = sum(counts.values())
    print(
        f"repriced {total} CDRs: {counts[model.PRICE_OK]} ok, {counts[model.PRICE_MISMATCH]} price mismatches, "
        f"{counts[model.PRICE_UNPRICED]} could not be priced, {counts[model.PRICE_CREDIT]} credit CDRs",
        file=out,
    )
    return EXIT_OK


def _refresh_copy(store: Store, conf: settings.Settings, out: TextIO, err: TextIO) -> None:
    """Bring the dashboard's copy of the CDRs up to date (`snapshot.refresh`), so that its next start does
    not read them all. The CDRs are stored whatever happens here: a failure is only a warning."""
    started = time.perf_counter()
    try:
        kept = snapshot.refresh(store, conf.reporting_tz)
    except (CdrError, OSError) as exc:
        print(f"warning: the dashboard's copy of the CDRs was not updated ({exc}); it reads the store", file=err)
        return
    if kept is not None:
        print(f"dashboard copy updated: {kept} CDRs in {time.perf_counter() - started:.1f} s", file=out)


def _objects(path: str, kind: str) -> list[object]:
    """The JSON objects of an input file (one object, an array, an envelope, NDJSON; gzip or not)."""
    importer.check_files([path])
    found: list[object] = []
    for item in reader.read_records(path):
        if isinstance(item, reader.Rejection):
            raise InputFileError(f"{path}: record {item.position}: {item.reason}")
        found.append(item.obj)
    if not found:
        raise InputFileError(f"{path}: no {kind} in the file")
    return found


def _print_summary(report: importer.ImportReport, out: TextIO) -> None:
    print(
        f"accepted {report.accepted} CDRs ({report.duplicates} of them already stored), "
        f"rejected {report.rejected}, conflicts {report.conflicts}; "
        f"tariffs {report.tariffs}, locations {report.locations}",
        file=out,
    )
    if report.price_mismatches or report.unpriced:
        print(
            f"price check: {report.price_mismatches} CDRs state a total_cost more than 0.01 from the recomputed "
            f"one, {report.unpriced} could not be priced (see the Costs & tariffs page)",
            file=out,
        )
    if report.zone_unknown:
        print(
            f"time zone: {report.zone_unknown} CDRs have no imported location and their country has several zones "
            "(or is unknown): their local times use CDR_REPORTING_TZ. Import the locations before their CDRs "
            "(into a new store, since stored CDRs keep their zone)",
            file=out,
        )
    for r in report.rejections:  # a conflict's reason says "conflict: ..." itself
        print(f"  {r.reason}" if r.is_conflict else f"  rejected: {r.reason}", file=out)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
