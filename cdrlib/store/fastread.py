"""Reading a large query result straight into a polars frame, for the exports of a million CDRs.

SQLAlchemy's rows (and even the raw ``sqlite3`` cursor) build a Python object per cell: about 11 s for
the export columns of 1,000,000 CDRs on these machines. ConnectorX reads SQLite in Rust into Arrow,
split into primary-key ranges read in parallel and streamed: each Arrow batch is converted to polars
while the next ones are read (bench/bench_export.py measures the readers). It runs in a child process
(`_read_apart`), or in this one (`_read_here`) when the caller says this process opens no connection
to the store during the read and no descriptor of this process has the file open. PostgreSQL is read by
ConnectorX too (its binary protocol), always in this process: the SQLite locking problem does not arise
there, and a failed read falls back to the cursor. Any other database, an in-memory SQLite, a
PostgreSQL URL that ConnectorX cannot take (a socket path or connection options in the query) or a
missing ConnectorX use the cursor.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cdrlib.errors import StoreError

try:  # optional: the cursor path below works without it
    import connectorx as _cx
except ImportError:  # pragma: no cover - connectorx is in requirements.txt
    _cx = None

_log = logging.getLogger(__name__)
MIN_PARTITION_ROWS = 50_000  # below this, one reader is as fast as several
STREAM_BATCH_ROWS = 50_000  # rows per Arrow batch of a partitioned (streamed) read


def source_url(engine: Engine) -> str | None:
    """The ConnectorX URL of a SQLite file or PostgreSQL store, None when ConnectorX cannot read this store."""
    url = engine.url
    if _cx is None:
        return None
    backend = url.get_backend_name()
    if backend == "postgresql":
        if not url.host or not url.database or url.query:  # a socket path, or options only libpq knows
            return None
        quote = urllib.parse.quote
        user = quote(url.username or "", safe="") + (f":{quote(url.password, safe='')}" if url.password else "")
        where = f"{url.host}:{url.port or 5432}"
        return f"postgresql://{user}@{where}/{quote(url.database, safe='')}?cxprotocol=binary"
    from cdrlib.store import sqlite_file  # the package imports this module: not at its top

    file = sqlite_file(url)
    return None if file is None else "sqlite://" + urllib.parse.quote(os.path.abspath(file))


def read(engine: Engine, query: sa.Select[Any], schema: dict[str, pl.DataType], *, rows_hint: int,
         partition_on: str | None = None, in_process: bool = False) -> pl.DataFrame:
    """The result of ``query`` as a frame of ``schema`` (integers stored for booleans are cast).

    ``partition_on``: an integer column (the primary key) to split the read into ranges read in
    parallel, one per core, when ``rows_hint`` is large enough to pay for it; the rows then come in
    the order of that column (each range is read in key order, and the ranges are put in order).

    ``in_process`` (SQLite; PostgreSQL is always read in this process): ConnectorX may read in this
    process (no copy of the result through a pipe) because the caller promises that this process opens
    no SQLite connection to the store until the read is done: a single-purpose process (the CLI's
    export), after ``engine.dispose()``. Never in a server that serves other requests on other threads.
    The read goes to a child process all the same when a descriptor of this process is open on the
    store's files (`file_open_here`), or when that cannot be known.
    """
    if partition_on is not None:
        query = query.order_by(sa.column(partition_on))
    url = source_url(engine)
    if url is not None and url.startswith("postgresql:"):
        try:
            return _connectorx(engine, url, query, schema, rows_hint, partition_on, here=True)
        except StoreError as exc:  # e.g. an authentication ConnectorX lacks: the cursor reads it all the same
            _log.warning("ConnectorX could not read the store (%s); reading it through the cursor", exc)
            url = None
    if url is None:
        with engine.connect() as conn:
            result = conn.execute(query)
            rows = result.cursor.fetchall()
            result.close()
        read_schema = {n: pl.Int64() if t == pl.Boolean() else t for n, t in schema.items()}
        return pl.DataFrame(rows, schema=read_schema, orient="row").cast(schema)  # type: ignore[arg-type]
    here = in_process and file_open_here(engine) is False
    return _connectorx(engine, url, query, schema, rows_hint, partition_on, here=here)


def _connectorx(engine: Engine, url: str, query: sa.Select[Any], schema: dict[str, pl.DataType], rows_hint: int,
                partition_on: str | None, *, here: bool) -> pl.DataFrame:
    """`read` by ConnectorX, in this process (``here``) or in a child (`_read_apart`)."""
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    cores = os.cpu_count() or 1
    options: dict[str, Any] = {}
    if partition_on is not None and cores > 1 and rows_hint >= MIN_PARTITION_ROWS:
        options = {"partition_on": partition_on, "partition_num": cores, "batch_size": STREAM_BATCH_ROWS}
    parts: list[pl.DataFrame] = []
    # Batch by batch as the child sends them, each converted while the next ones are read: the whole
    # result never exists twice (as Arrow and as polars; polars keeps its own string layout).
    for batch in (_read_here if here else _read_apart)(url, sql, options):
        part = pl.from_arrow(batch)
        assert isinstance(part, pl.DataFrame)
        parts.append(part.cast(schema))  # type: ignore[arg-type]
    if options:
        parts.sort(key=lambda p: p[partition_on][0])  # each key range comes in order: put them in order
    if not parts:
        return pl.DataFrame(schema=schema)
    frame = pl.concat(parts, rechunk=False)
    if options and not frame[partition_on].is_sorted():  # not seen; SQLite reads a key range in order
        frame = frame.sort(partition_on)
    return frame


def file_open_here(engine: Engine) -> bool | None:
    """Whether a file descriptor of this process is open on the engine's SQLite file (or its ``-wal``,
    ``-shm`` or ``-journal``): a connection of this process's own SQLite, whose POSIX locks a ConnectorX
    read in this process would drop (`_read_apart`). None when it cannot be known (no ``/proc/self/fd``)."""
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    path = os.path.realpath(os.path.expanduser(database))
    names = {path + suffix for suffix in ("", "-wal", "-shm", "-journal")}
    try:
        descriptors = os.listdir("/proc/self/fd")
    except OSError:
        return None
    for fd in descriptors:
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed since it was listed (the listing's own descriptor, among others)
            continue
        if target in names:
            return True
    return False


def _read_here(url: str, sql: str, options: dict[str, Any]) -> Iterator[Any]:
    """ConnectorX's read of ``sql`` in this process, as Arrow record batches as they come (see `read`'s
    ``in_process`` for when this is safe)."""
    try:
        if options:
            result = _cx.read_sql(url, sql, return_type="arrow_stream", **options)
        else:
            result = _cx.read_sql(url, sql, return_type="arrow").to_reader()
        for batch in result:
            if batch.num_rows:
                yield batch
    except (RuntimeError, OSError, ValueError) as exc:  # ConnectorX's errors are RuntimeErrors
        raise StoreError(f"reading the store failed: {exc}") from exc


# The child process of `_read_apart`: ConnectorX's result as an Arrow IPC stream on stdout, batch by batch
# as it reads them when the read is partitioned.
_CHILD = """
import json, sys
import connectorx, pyarrow
url, sql, options = sys.argv[1], sys.stdin.read(), json.loads(sys.argv[2])
if options:
    result = connectorx.read_sql(url, sql, return_type="arrow_stream", **options)
else:
    result = connectorx.read_sql(url, sql, return_type="arrow").to_reader()
with pyarrow.ipc.new_stream(sys.stdout.buffer, result.schema) as out:
    for batch in result:
        if batch.num_rows:
            out.write_batch(batch)
"""


def _read_apart(url: str, sql: str, options: dict[str, Any]) -> Iterator[Any]:
    """ConnectorX's read of ``sql``, in a child process, as Arrow record batches as they come.

    Not in this process: ConnectorX carries its own copy of SQLite, and two copies of SQLite in one
    process break SQLite's file locking (sqlite.org/howtocorrupt.html, 2.2.1: closing one copy's file
    drops the POSIX locks of the other). Seen here: after a ConnectorX read, the store's own connections
    lost the WAL index (``disk I/O error``) and later reads missed committed CDRs. A child process is
    one more reader like any other; passing the Arrow stream back costs about a tenth of the read.
    """
    import pyarrow  # with connectorx, which needs it

    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, url, json.dumps(options)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(sql.encode())
    child.stdin.close()
    failed = False
    try:
        yield from pyarrow.ipc.open_stream(child.stdout)
    except pyarrow.ArrowInvalid:
        failed = True
    finally:
        child.stdout.close()
        error = child.stderr.read().decode(errors="replace") if child.stderr else ""
        code = child.wait()
    if code != 0 or failed:
        last = error.strip().splitlines()[-1] if error.strip() else "no data"
        raise StoreError(f"reading the store failed: {last}")
