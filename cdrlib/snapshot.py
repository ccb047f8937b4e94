"""A copy of the dashboard's frame of every CDR on disk, so that a restarted server shows its first page
without reading a million CDRs from the store again.

Beside a SQLite store file ``cdrs.db`` it keeps ``cdrs.db.analytics.parquet`` (the `analytics.prepare`d
frame, LZ4-compressed: about 65 MB per million CDRs, read in half a second) and
``cdrs.db.analytics.json`` (the store's `Store.data_version`, the zone and the columns it was made
with). It is only a cache: deleting it costs one full read. CDRs are never changed once stored (a
correction is a new credit CDR), so when the store only gained CDRs since the copy was made, only the
new ones are read and appended; a re-pricing (which changes stored price checks), another zone or other
columns mean a full read. The dashboard writes the copy in a background thread, after the page has its
frame; the commands that write CDRs (``demo``, ``import``, ``reprice``) bring it up to date before they
end (`refresh`), so that the dashboard started next finds it. Other databases (PostgreSQL) are read in
full at each start.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from cdrlib import analytics
from cdrlib.store import ANALYTICS_COLUMNS, Store, sqlite_file

FORMAT = 2  # raise when what `analytics.prepare` makes changes (2: categorical texts)
_log = logging.getLogger(__name__)
_writing = threading.Lock()
Writer = Callable[[Path, Path, pl.DataFrame, dict[str, Any]], object]  # how a made frame is kept


def paths(store: Store) -> tuple[Path, Path] | None:
    """(frame, description) beside a SQLite store file; None for other stores."""
    file = sqlite_file(store.engine.url)
    if file is None:
        return None
    db = file.resolve()
    return db.with_name(db.name + ".analytics.parquet"), db.with_name(db.name + ".analytics.json")


def _made_with(tz: str, version: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "tz": tz,
        "columns": {name: str(dtype) for name, dtype in ANALYTICS_COLUMNS.items()},
        "version": list(version),
    }


def load(store: Store, tz: str, version: tuple[Any, ...]) -> pl.DataFrame:
    """Every CDR of ``store`` at ``version`` (`Store.data_version`), `analytics.prepare`d in ``tz``: from
    the copy on disk when it is of this version, the copy and the new CDRs when the store only gained
    some, else a full read (then the copy is written, in the background)."""
    return _load(store, tz, version, _write_later)


def refresh(store: Store, tz: str) -> int | None:
    """Bring the copy beside ``store`` up to date now (reading only what it lacks) and wait until it is
    written: for a command that has just written CDRs. The CDRs in the copy; None for a store without
    a copy (not a SQLite file) or when the copy cannot be written (the dashboard then reads the store)."""
    where = paths(store)
    if where is None:
        return None
    written: list[bool] = []

    def write_now(data: Path, about: Path, frame: pl.DataFrame, made: dict[str, Any]) -> None:
        written.append(_write(data, about, frame, made))

    frame = _load(store, tz, store.data_version(), write_now)
    return frame.height if written == [] or all(written) else None


def _load(store: Store, tz: str, version: tuple[Any, ...], write: Writer) -> pl.DataFrame:
    where = paths(store)
    if where is None:
        return analytics.prepare(store.analytics_frame(), tz)
    frame = _read(*where, tz, version, store, write)
    if frame is None:
        frame = analytics.prepare(store.analytics_frame(), tz)
        write(*where, frame, _made_with(tz, version))
    return frame


def _read(
    data: Path, about: Path, tz: str, version: tuple[Any, ...], store: Store, write: Writer
) -> pl.DataFrame | None:
    try:
        made = json.loads(about.read_text())
        wanted = _made_with(tz, version)
        if any(made.get(k) != wanted[k] for k in ("format", "tz", "columns")):
            return None
        count, top, checked = made["version"]
        if made["version"] == wanted["version"]:
            return pl.read_parquet(data)
        now_count, now_top, now_checked = version
        if checked != now_checked or top is None or now_top is None or now_top < top:
            return None
        frame = pl.read_parquet(data)
        added = analytics.prepare(store.analytics_frame(after=top), tz)
        if frame.height != count or count + added.height != now_count:
            return None
        frame = pl.concat([frame, added.select(frame.columns)], how="vertical")
    except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError) as exc:
        _log.info("no usable analytics copy at %s: %s", data, exc)
        return None
    write(data, about, frame, wanted)
    return frame


def _write_later(data: Path, about: Path, frame: pl.DataFrame, made: dict[str, Any]) -> None:
    threading.Thread(target=_write, args=(data, about, frame, made), name="analytics-copy", daemon=True).start()


def _write(data: Path, about: Path, frame: pl.DataFrame, made: dict[str, Any]) -> bool:
    """Write the copy, then its description, each to a temporary name first: a reader never sees a half
    file, and a copy without a matching description is never used. False when it cannot be written."""
    with _writing:
        try:
            about.unlink(missing_ok=True)
            part = data.with_name(data.name + ".part")
            frame.write_parquet(part, compression="lz4")
            os.replace(part, data)
            part = about.with_name(about.name + ".part")
            part.write_text(json.dumps(made))
            os.replace(part, about)
        except OSError as exc:  # a read-only folder: the dashboard works, only restarts are slower
            _log.warning("cannot keep the analytics copy at %s: %s", data, exc)
            return False
    return True
