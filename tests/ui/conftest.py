"""Fixtures of the dashboard tests: a real SQLite store with the known dataset, clean Streamlit caches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cdrlib import demo
from cdrlib.store import Store
from tests.ui.dataset import fill

__all__ = ["ROOT", "app_test", "fill", "metrics"]

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT_S = 60


@pytest.fixture(autouse=True)
def _clean_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cdrs.db"


@pytest.fixture
def store_url(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store with `CDRS`, named by ``CDR_DB_URL``."""
    url = f"sqlite:///{db_path}"
    fill(url)
    monkeypatch.setenv("CDR_DB_URL", url)
    monkeypatch.delenv("CDR_REPORTING_TZ", raising=False)
    monkeypatch.delenv("CDR_OWN_PARTIES", raising=False)
    return url


def app_test(script: str = APP) -> AppTest:
    return AppTest.from_file(script, default_timeout=TIMEOUT_S)


def open_section(at: AppTest, key: str, view: str) -> AppTest:
    """Open the section ``view`` of a page's tabs (widget ``key``), as a click on its tab does."""
    at.session_state[key] = view
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    """KPI label -> (value, delta) as shown."""
    return {m.label: (m.value, m.delta) for m in at.metric}


# A small dataset of the demo generator, made once for the Costs and CDR explorer page tests.
DEMO_CDRS = 5_000  # enough for one mismatch: a CDR stating a superseded tariff's price
DEMO_UNTIL = dt.date(2025, 1, 1)
DEMO_MISMATCH = "XCP-20240603-000010"  # its session started 3 June 2024
DEMO_JUNE_2024 = ["2024-06-01", "2024-06-30"]


def make_demo(folder: Path) -> str:
    """A small dataset of the demo generator (every tariff, credits, GBP) in ``folder``; its URL."""
    url = f"sqlite:///{folder / 'demo.db'}"
    with Store.open(url) as store:
        demo.generate(store, cdrs=DEMO_CDRS, seed=1, until=DEMO_UNTIL)
    return url


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return make_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def demo_url(demo_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CDR_DB_URL", demo_db)
    monkeypatch.delenv("CDR_REPORTING_TZ", raising=False)
    return demo_db
