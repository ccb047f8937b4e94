"""The CDRs read by ConnectorX in this process (`fastread.read` with ``in_process``): only when no
descriptor of this process is open on the store's files, and the store's own connections keep working
after it (the reason the read otherwise runs in a child: sqlite.org/howtocorrupt.html 2.2.1)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import polars as pl
import pytest
import sqlalchemy as sa

from cdrlib.errors import StoreError
from cdrlib.store import Store, fastread
from tests import pg
from tests.factories import make_cdr

ALL = (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC))


@pytest.fixture
def store(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'cdrs.db'}") as st:
        yield st


def _nowhere(*_args, **_kwargs):
    raise AssertionError("read by the wrong path")


@pytest.mark.parametrize("partitioned", [False, True], ids=["whole", "key-ranges"])
def test_an_in_process_read_reads_here_and_leaves_the_stores_connections_working(store, tmp_path, monkeypatch,
                                                                                 partitioned):
    if partitioned:  # the streamed read of key ranges, as for a large period
        monkeypatch.setattr(fastread, "MIN_PARTITION_ROWS", 1)
    store.add_cdrs([make_cdr(id="A"), make_cdr(id="C")])
    apart, apart_links = store.export_frame(*ALL)
    monkeypatch.setattr(fastread, "_read_apart", _nowhere)

    here, links = store.export_frame(*ALL, in_process=True)

    assert here.equals(apart)
    assert here["cdr_id"].to_list() == ["A", "C"]
    assert links.equals(apart_links)
    assert fastread.file_open_here(store.engine) is False  # ConnectorX's copy closed the file again
    monkeypatch.undo()  # the analytics read below goes to its child again
    # The store's own connections after the read: writes, and reads that see them (the WAL index intact).
    store.add_cdrs([make_cdr(id="B")])
    assert store.count_cdrs() == 3
    assert sorted(store.analytics_frame().get_column("cdr_id").to_list()) == ["A", "B", "C"]
    with sqlite3.connect(tmp_path / "cdrs.db") as con:
        assert con.execute("select count(*) from cdr").fetchone() == (3,)


def test_a_connection_open_in_this_process_sends_the_read_to_a_child(store, tmp_path, monkeypatch):
    store.add_cdrs([make_cdr(id="A")])
    monkeypatch.setattr(fastread, "_read_here", _nowhere)
    con = sqlite3.connect(tmp_path / "cdrs.db")  # e.g. another thread's connection in a server
    try:
        con.execute("select count(*) from cdr").fetchone()
        assert fastread.file_open_here(store.engine) is True
        frame, _ = store.export_frame(*ALL, in_process=True)
    finally:
        con.close()
    assert frame["cdr_id"].to_list() == ["A"]
    assert fastread.file_open_here(store.engine) is False


def test_file_open_here_is_unknown_for_an_in_memory_store():
    with Store.open("sqlite://") as st:
        assert fastread.file_open_here(st.engine) is None


def test_an_in_process_read_that_fails_is_a_store_error(store, monkeypatch):
    store.add_cdrs([make_cdr(id="A")])
    monkeypatch.setattr(fastread, "_read_apart", _nowhere)
    store.engine.dispose()
    with pytest.raises(StoreError, match="reading the store failed"):
        fastread.read(store.engine, sa.select(sa.column("nope")).select_from(sa.table("cdr")), {"nope": pl.Int64()},
                      rows_hint=0, in_process=True)



def test_a_postgresql_read_comes_in_key_order_whatever_the_tables_order(pg_server):
    """PostgreSQL (no ConnectorX) hands rows out in the heap's order, which an update changes: a read with
    ``partition_on`` comes in that key's order all the same, as `fastread.read` promises (`Store.export_frame`
    relies on it, and the files' row order follows it)."""
    with Store.open(pg.new_database(pg_server)) as st:
        st.add_cdrs([make_cdr(id=i) for i in ("A", "B", "C")])
        with st.engine.begin() as conn:  # a new version of A's row, at the end of the heap
            conn.execute(sa.text("UPDATE cdr SET cdr_id = cdr_id WHERE cdr_id = 'A'"))
            heap = conn.execute(sa.text("SELECT cdr_id FROM cdr")).scalars().all()
        assert heap == ["B", "C", "A"]  # the order of a read without ORDER BY
        cdr = sa.table("cdr", sa.column("pk"), sa.column("cdr_id"))
        schema = {"pk": pl.Int64(), "cdr_id": pl.String()}
        frame = fastread.read(st.engine, sa.select(cdr.c.pk, cdr.c.cdr_id), schema, rows_hint=3, partition_on="pk")
        assert frame["cdr_id"].to_list() == ["A", "B", "C"]
        exported, _ = st.export_frame(*ALL)
        assert exported["cdr_id"].to_list() == ["A", "B", "C"]



@pytest.mark.parametrize("partitioned", [False, True], ids=["whole", "key-ranges"])
def test_postgresql_is_read_by_connectorx_in_this_process_as_the_cursor_reads_it(pg_server, monkeypatch, partitioned):
    if partitioned:
        monkeypatch.setattr(fastread, "MIN_PARTITION_ROWS", 1)
    with Store.open(pg.new_database(pg_server)) as st:
        st.add_cdrs([make_cdr(id=i) for i in ("A", "B", "C")])
        st.add_cdrs([make_cdr(id="D", credit=True, credit_reference_id="A")])  # a credit beside them
        assert fastread.source_url(st.engine).startswith("postgresql://")
        with monkeypatch.context() as m:  # the reference: SQLAlchemy's cursor
            m.setattr(fastread, "source_url", lambda _engine: None)
            by_cursor = st.analytics_frame(), *st.export_frame(*ALL)
        calls = []
        real = fastread._read_here
        monkeypatch.setattr(fastread, "_read_here", lambda *args: calls.append(args) or real(*args))
        monkeypatch.setattr(fastread, "_read_apart", _nowhere)
        by_connectorx = st.analytics_frame(), *st.export_frame(*ALL)
        assert calls  # ConnectorX read them, in this process
        for cursor, connectorx in zip(by_cursor, by_connectorx, strict=True):
            assert connectorx.equals(cursor)
        assert by_connectorx[1]["cdr_id"].to_list() == ["A", "B", "C", "D"]


def test_a_failed_connectorx_read_of_postgresql_falls_back_to_the_cursor(pg_server, monkeypatch, caplog):
    with Store.open(pg.new_database(pg_server)) as st:
        st.add_cdrs([make_cdr(id="A")])

        def refused(*_args):
            raise StoreError("reading the store failed: authentication method not supported")

        monkeypatch.setattr(fastread, "_read_here", refused)
        frame, _ = st.export_frame(*ALL)
        assert frame["cdr_id"].to_list() == ["A"]
        assert "reading it through the cursor" in caplog.text
