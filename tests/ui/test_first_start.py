"""A first start without CDR_DB_URL creates data/cdrs.db and loads the demo dataset, showing progress."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import streamlit as st

from cdrlib import demo, errors, settings, snapshot
from cdrlib.store import Store
from cdrlib.ui import frame, kpi, server
from tests.ui.conftest import app_test, metrics

DEMO_CDRS = 300


@pytest.fixture
def default_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data" / "cdrs.db"
    monkeypatch.setattr(settings, "DEFAULT_DB_PATH", path)
    monkeypatch.delenv("CDR_DB_URL", raising=False)
    monkeypatch.delenv("CDR_REPORTING_TZ", raising=False)
    return path


@pytest.fixture
def generated(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Runs the real generator with a small ``cdrs`` and records each call and its progress."""
    calls: list[dict[str, Any]] = []
    real = demo.generate

    def small(store: Store, **kwargs: Any) -> demo.DemoSummary:
        steps: list[tuple[int, int]] = []
        outer = kwargs["progress"]

        def progress(done: int, total: int) -> None:
            steps.append((done, total))
            outer(done, total)

        calls.append({**kwargs, "steps": steps})
        return real(store, **{**kwargs, "cdrs": DEMO_CDRS, "chunk_size": 100, "progress": progress})

    monkeypatch.setattr(demo, "generate", small)
    return calls


def test_first_start_creates_the_store_and_loads_demo_data(default_db: Path, generated: list[dict[str, Any]]) -> None:
    assert not default_db.exists()
    at = app_test().run()
    assert not at.exception, at.exception
    assert default_db.exists()
    assert len(generated) == 1
    assert generated[0]["seed"] == frame.DEMO_SEED and generated[0]["cdrs"] == frame.DEMO_CDRS
    assert generated[0]["steps"] == [(100, DEMO_CDRS), (200, DEMO_CDRS), (300, DEMO_CDRS)]
    with Store.open(f"sqlite:///{default_db}") as store:
        assert store.count_cdrs() == DEMO_CDRS
        assert store.get_meta("dataset") == "demo"
    assert any("Demo data" in m.value for m in at.sidebar.markdown)
    assert int(metrics(at)[kpi.SESSIONS][0].replace(",", "")) > 0  # the last full month has sessions
    assert not at.get("progress")  # the bar is gone once the data is there


def test_demo_data_is_loaded_once(default_db: Path, generated: list[dict[str, Any]]) -> None:
    app_test().run()
    again = app_test().run()
    assert not again.exception
    assert len(generated) == 1
    st.cache_resource.clear()  # as after a server restart: the store is not fresh any more
    st.cache_data.clear()
    restarted = app_test().run()
    assert not restarted.exception
    assert len(generated) == 1
    assert any("Demo data" in m.value for m in restarted.sidebar.markdown)


def test_an_existing_default_store_with_imports_is_left_alone(
    default_db: Path, generated: list[dict[str, Any]]
) -> None:
    with Store.open(f"sqlite:///{default_db}") as store:
        batch = store.begin_batch("import", "empty.json")
        store.finish_batch(batch, accepted=0, duplicates=0, rejected=0, conflicts=0)
    at = app_test().run()
    assert not at.exception, at.exception
    assert generated == []
    assert metrics(at)[kpi.SESSIONS][0] == "0"
    assert not any("Demo data" in m.value for m in at.sidebar.markdown)


def test_a_configured_empty_store_gets_no_demo_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, generated: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("CDR_DB_URL", f"sqlite:///{tmp_path / 'mine.db'}")
    at = app_test().run()
    assert not at.exception, at.exception
    assert generated == []
    assert "The store has no CDRs yet." in [c.value for c in at.sidebar.caption]


def test_a_page_run_that_stops_does_not_stop_the_demo_load(
    default_db: Path, generated: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    small = demo.generate

    def slow(store: Store, **kwargs: Any) -> demo.DemoSummary:
        time.sleep(2)
        return small(store, **kwargs)

    monkeypatch.setattr(demo, "generate", slow)
    first = app_test()
    with pytest.raises(RuntimeError, match="timed out"):
        first.run(timeout=0.5)  # the visitor left while the demo data loads
    later = app_test().run()  # waits for the load the first visit started
    assert not later.exception, later.exception
    assert len(generated) == 1
    with Store.open(f"sqlite:///{default_db}") as store:
        assert store.count_cdrs() == DEMO_CDRS
    assert any("Demo data" in m.value for m in later.sidebar.markdown)


def test_a_failing_demo_load_is_a_message(default_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(store: Store, **kwargs: Any) -> demo.DemoSummary:
        raise errors.StoreError("cannot write CDRs: disk full")

    monkeypatch.setattr(demo, "generate", failing)
    at = app_test().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["cannot write CDRs: disk full"]


def test_the_server_start_makes_the_demo_data_before_it_answers(
    default_db: Path, generated: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    """`cdrlib.ui.server` (what ``scripts/run`` starts) loads the demo data in the terminal, with its
    progress; the first page then has them at once, without a progress bar of its own."""
    assert server.seed_demo() is True
    assert "First start: demo data into" in capsys.readouterr().out
    with Store.open(f"sqlite:///{default_db}") as store:
        assert store.count_cdrs() == DEMO_CDRS
        assert snapshot.paths(store)[0].is_file()  # the dashboard's copy, as after `demo`
    assert server.seed_demo() is False  # the next start: the store holds CDRs
    assert len(generated) == 1
    at = app_test().run()
    assert not at.exception, at.exception
    assert len(generated) == 1
    assert not at.get("progress")
    assert any("Demo data" in m.value for m in at.sidebar.markdown)


def test_the_server_start_leaves_a_configured_store_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, generated: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("CDR_DB_URL", f"sqlite:///{tmp_path / 'mine.db'}")
    assert server.seed_demo() is False
    assert generated == []
    assert not (tmp_path / "mine.db").exists()


def test_a_failing_demo_load_at_the_server_start_is_left_to_the_page(
    default_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing(store: Store, **kwargs: Any) -> demo.DemoSummary:
        raise errors.StoreError("cannot write CDRs: disk full")

    monkeypatch.setattr(demo, "generate", failing)
    assert server.seed_demo() is False
    assert "could not be made (cannot write CDRs: disk full)" in capsys.readouterr().out
