"""The command line: ``python -m cdrlib demo|import ...``.

Exit codes: 0 everything accepted (duplicates count as accepted); 1 some records rejected or in
conflict (the rest stored); 2 usage or configuration error (bad URL, missing file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from tqdm import tqdm

from cdrlib import demo, importer, settings
from cdrlib.errors import CdrError, ConfigError, InputFileError, StoreError
from cdrlib.ocpi import records
from cdrlib.store import Store

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cdrlib",
        description="Charging-data store: load demo data or import OCPI files.",
        epilog="Environment: CDR_DB_URL (store URL, default sqlite:///data/cdrs.db), "
        "CDR_REPORTING_TZ (default Europe/Amsterdam), CDR_OWN_PARTIES (e.g. NLXCP,BEXCP).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{demo,import}")

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
        conf = settings.load(db_url=args.db)
        if args.command == "demo":
            return _demo(args, conf, out, err)
        return _import(args, conf, out, err)
    except (ConfigError, StoreError, InputFileError) as exc:
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
    if args.json:
        json.dump(report.as_json(), out)  # ASCII with \u escapes: valid whatever the file names
        out.write("\n")
    else:
        _print_summary(report, out)
    return EXIT_OK if report.ok else EXIT_REJECTED


def _print_summary(report: importer.ImportReport, out: TextIO) -> None:
    print(
        f"accepted {report.accepted} CDRs ({report.duplicates} of them duplicates), "
        f"rejected {report.rejected}, conflicts {report.conflicts}; "
        f"tariffs {report.tariffs}, locations {report.locations}",
        file=out,
    )
    for r in report.rejections:
        print(f"  {'conflict' if r.is_conflict else 'rejected'}: {r.reason}", file=out)


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
