"""The on-disk copy of the analytics frame (cdrlib.snapshot) on a real SQLite store."""

from __future__ import annotations

import threading
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cdrlib import analytics, model, snapshot
from cdrlib.store import Store
from tests.factories import make_cdr, utc

TZ = "Europe/Amsterdam"


def settle() -> None:
    """Wait for the background writes."""
    for t in threading.enumerate():
        if t.name == "analytics-copy":
            t.join(timeout=30)


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(f"sqlite:///{tmp_path / 'cdrs.db'}") as s:
        s.add_cdrs([make_cdr(id=f"C{i}", start_date_time=utc(2024, 3, 1 + i)) for i in range(3)])
        yield s


def full(store: Store) -> pl.DataFrame:
    return analytics.prepare(store.analytics_frame(), TZ)


def test_a_restart_reads_the_copy_not_the_store(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    first = snapshot.load(store, TZ, store.data_version())
    settle()
    data, about = snapshot.paths(store)
    assert data.exists() and about.exists()

    def no_read(*args: object, **kwargs: object) -> pl.DataFrame:
        raise AssertionError("read the store")

    monkeypatch.setattr(Store, "analytics_frame", no_read)
    assert_frame_equal(snapshot.load(store, TZ, store.data_version()), first)


def test_new_cdrs_are_read_and_appended(store: Store) -> None:
    snapshot.load(store, TZ, store.data_version())
    settle()
    store.add_cdrs([make_cdr(id="NEW", start_date_time=utc(2024, 3, 9))])
    grown = snapshot.load(store, TZ, store.data_version())
    assert grown["cdr_id"].to_list() == ["C0", "C1", "C2", "NEW"]
    assert_frame_equal(grown, full(store))


def test_a_repricing_or_another_zone_reads_everything_again(store: Store) -> None:
    snapshot.load(store, TZ, store.data_version())
    settle()
    check = model.PriceCheck(status="mismatch", reason="test")
    store.set_price_checks([(("NL", "XCP", "C1"), check)])
    again = snapshot.load(store, TZ, store.data_version())
    assert again["price_status"].to_list()[1] == "mismatch"
    settle()
    london = snapshot.load(store, "Europe/London", store.data_version())
    assert_frame_equal(london, analytics.prepare(store.analytics_frame(), "Europe/London"))


def test_a_damaged_copy_is_read_around(store: Store) -> None:
    snapshot.load(store, TZ, store.data_version())
    settle()
    data, _ = snapshot.paths(store)
    data.write_bytes(b"not parquet")
    store.add_cdrs([make_cdr(id="NEW", start_date_time=utc(2024, 3, 9))])
    assert_frame_equal(snapshot.load(store, TZ, store.data_version()), full(store))


def test_refresh_writes_the_copy_before_it_returns(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    assert snapshot.refresh(store, TZ) == 3
    data, about = snapshot.paths(store)
    assert data.exists() and about.exists()  # no background thread to wait for
    store.add_cdrs([make_cdr(id="NEW", start_date_time=utc(2024, 3, 9))])
    assert snapshot.refresh(store, TZ) == 4

    def no_read(*args: object, **kwargs: object) -> pl.DataFrame:
        raise AssertionError("read the store")

    monkeypatch.setattr(Store, "analytics_frame", no_read)
    assert snapshot.load(store, TZ, store.data_version())["cdr_id"].to_list() == ["C0", "C1", "C2", "NEW"]


def test_refresh_in_a_read_only_folder_says_so_and_keeps_nothing(store: Store, monkeypatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError("read-only")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", refuse)
    assert snapshot.refresh(store, TZ) is None
    assert not any(p.exists() for p in snapshot.paths(store))


def test_refresh_of_a_store_without_a_file_keeps_nothing() -> None:
    with Store.open("sqlite://") as memory:
        assert snapshot.refresh(memory, TZ) is None
