"""The server begins reading the CDRs at its start (`data.load_early`); the first page takes that frame.

The early read runs in a thread of the test process, as in the server, and the page in AppTest (same
process): what the page shows must not depend on whether it took the early frame or read itself.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cdrlib import errors, settings, snapshot
from cdrlib.store import Store
from cdrlib.ui import data, server
from tests.ui.conftest import app_test, metrics

TZ = settings.DEFAULT_REPORTING_TZ


@pytest.fixture(autouse=True)
def _no_early_left() -> Any:
    data._early.clear()
    yield
    data._early.clear()


def forget_reads() -> None:
    """As after a restart: no store, frame or cached result left from an earlier page run."""
    st.cache_resource.clear()
    st.cache_data.clear()


def overview() -> AppTest:
    at = app_test().run()
    assert not at.exception, at.exception
    return at


def test_the_first_page_takes_the_frame_read_at_the_start(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = metrics(overview())  # read by the page itself
    forget_reads()

    early = data.load_early(store_url, TZ)
    assert early is not None
    version, frame = early.result(timeout=60)
    with Store.open(store_url) as store:
        assert version == store.data_version()
        assert frame.height == store.count_cdrs() > 0

    def no_read(*_: Any) -> pl.DataFrame:
        raise AssertionError("the page read the CDRs again")

    monkeypatch.setattr(snapshot, "load", no_read)
    assert metrics(overview()) == expected
    assert data._early == {}  # taken: held once, by the page's resource


def test_an_early_frame_of_another_store_version_is_not_shown(store_url: str) -> None:
    expected = metrics(overview())
    forget_reads()
    stale: Future[tuple[tuple[Any, ...], pl.DataFrame]] = Future()
    with Store.open(store_url) as store:
        stale.set_result(((0, 0, None), store.analytics_frame().head(0)))  # as if read before an import
    data._early[(store_url, TZ)] = stale

    assert metrics(overview()) == expected
    assert data._early == {}


def test_a_failed_early_read_leaves_the_page_to_read(store_url: str) -> None:
    failed: Future[tuple[tuple[Any, ...], pl.DataFrame]] = Future()
    failed.set_exception(errors.StoreError("the store went away"))
    data._early[(store_url, TZ)] = failed

    at = overview()
    assert metrics(at)["Sessions"][0] != "0"


def test_nothing_is_read_early_for_a_store_that_is_not_there(tmp_path: Path) -> None:
    missing = tmp_path / "none" / "cdrs.db"
    assert data.load_early(f"sqlite:///{missing}", TZ) is None
    assert not missing.parent.exists()  # not created: a new store is the page's (demo data)


def test_a_store_without_cdrs_is_left_to_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cdrs.db'}"
    Store.open(url).close()
    early = data.load_early(url, TZ)
    assert early is not None
    with pytest.raises(errors.CdrError, match="no CDRs"):
        early.result(timeout=60)
    monkeypatch.setenv("CDR_DB_URL", url)
    at = overview()
    assert "The store has no CDRs yet." in [c.value for c in at.caption]


def test_the_server_reads_the_configured_store_early(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert server.load_early() is True
    assert (store_url, TZ) in data._early
    assert data.load_early(store_url, TZ) is None  # once
    data._early.pop((store_url, TZ)).result(timeout=60)

    monkeypatch.setenv("CDR_REPORTING_TZ", "Mars/Olympus")
    assert server.load_early() is False  # the page says what is wrong with the settings
