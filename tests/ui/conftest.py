"""Fixtures of the dashboard tests: a real SQLite store with the known dataset, clean Streamlit caches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

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


def metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    """KPI label -> (value, delta) as shown."""
    return {m.label: (m.value, m.delta) for m in at.metric}
