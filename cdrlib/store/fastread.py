"""Reading a large query result straight into a polars frame, for the exports of a million CDRs.

SQLAlchemy's rows (and even the raw ``sqlite3`` cursor) build a Python object per cell: about 11 s for
the export columns of 1,000,000 CDRs on these machines. ConnectorX reads SQLite in Rust into Arrow,
split into primary-key ranges read in parallel and streamed: each Arrow batch is converted to polars
while the next ones are read (bench/bench_export.py measures the readers). It is used for SQLite files
when installed; any other database, an in-memory SQLite or a missing ConnectorX falls back to the
cursor.
"""

from __future__ import annotations

import os
import urllib.parse
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

try:  # optional: the cursor path below works without it
    import connectorx as _cx
except ImportError:  # pragma: no cover - connectorx is in requirements.txt
    _cx = None

MIN_PARTITION_ROWS = 50_000  # below this, one reader is as fast as several
STREAM_BATCH_ROWS = 50_000  # rows per Arrow batch of a partitioned (streamed) read


def source_url(engine: Engine) -> str | None:
    """The ConnectorX URL of a SQLite file store, None when ConnectorX cannot read this store."""
    url = engine.url
    if _cx is None or url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = os.path.abspath(os.path.expanduser(url.database))
    return "sqlite://" + urllib.parse.quote(path)


def read(engine: Engine, query: sa.Select[Any], schema: dict[str, pl.DataType], *, rows_hint: int,
         partition_on: str | None = None) -> pl.DataFrame:
    """The result of ``query`` as a frame of ``schema`` (integers stored for booleans are cast).

    ``partition_on``: an integer column (the primary key) to split the read into ranges read in
    parallel, one per core, when ``rows_hint`` is large enough to pay for it; the rows then come in
    the order of that column (each range is read in key order, and the ranges are put in order).
    """
    url = source_url(engine)
    if url is None:
        with engine.connect() as conn:
            result = conn.execute(query)
            rows = result.cursor.fetchall()
            result.close()
        read_schema = {n: pl.Int64() if t == pl.Boolean() else t for n, t in schema.items()}
        return pl.DataFrame(rows, schema=read_schema, orient="row").cast(schema)  # type: ignore[arg-type]
    if partition_on is not None:
        query = query.order_by(sa.column(partition_on))
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    cores = os.cpu_count() or 1
    options: dict[str, Any] = {}
    if partition_on is not None and cores > 1 and rows_hint >= MIN_PARTITION_ROWS:
        options = {"partition_on": partition_on, "partition_num": cores}
    parts: list[pl.DataFrame] = []
    if options:
        # Streamed: each batch is converted as it comes while ConnectorX reads the next ones, and the
        # whole result never exists twice (as Arrow and as polars).
        stream = _cx.read_sql(url, sql, return_type="arrow_stream", batch_size=STREAM_BATCH_ROWS, **options)
        for batch in stream:
            if batch.num_rows:
                part = pl.from_arrow(batch)
                assert isinstance(part, pl.DataFrame)
                parts.append(part.cast(schema))  # type: ignore[arg-type]
        parts.sort(key=lambda p: p[partition_on][0])  # each key range comes in order: put them in order
    else:
        table = _cx.read_sql(url, sql, return_type="arrow")
        batches = table.to_batches()
        del table
        # Batch by batch, each freed once converted: peak memory is the frame plus one batch, not twice
        # the frame (polars keeps its own string layout, so the conversion copies).
        while batches:
            part = pl.from_arrow(batches.pop(0))
            assert isinstance(part, pl.DataFrame)
            parts.append(part.cast(schema))  # type: ignore[arg-type]
    if not parts:
        return pl.DataFrame(schema=schema)
    frame = pl.concat(parts, rechunk=False)
    if options and not frame[partition_on].is_sorted():  # not seen; SQLite reads a key range in order
        frame = frame.sort(partition_on)
    return frame
