"""The dashboard on a PostgreSQL store shows what it shows on SQLite: the same demo data in both stores,
every page opened on each, the same numbers, messages and no exception; an empty PostgreSQL store says
it has no CDRs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from cdrlib import demo
from cdrlib.store import Store
from cdrlib.ui import kpi, navigation
from tests import pg
from tests.ui.conftest import ROOT, app_test, metrics

DEMO_CDRS = 2_000
DEMO_UNTIL = dt.date(2025, 1, 1)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, pg_server: str) -> dict[str, str]:
    """The same demo data (one seed) in a SQLite file and in a PostgreSQL database."""
    sqlite = f"sqlite:///{tmp_path_factory.mktemp('both') / 'cdrs.db'}"
    urls = {"sqlite": sqlite, "postgresql": pg.new_database(pg_server)}
    for url in urls.values():
        with Store.open(url) as store:
            demo.generate(store, cdrs=DEMO_CDRS, seed=1, until=DEMO_UNTIL)
    return urls


def shown(at: AppTest) -> dict[str, Any]:
    """What a page shows a person: its numbers, messages and captions."""
    return {
        "exception": [e.value for e in at.exception],
        "metrics": metrics(at),
        "messages": [(m.type, m.value) for m in (*at.error, *at.warning, *at.info, *at.success)],
        "captions": [c.value for c in at.caption if not c.value.startswith("Store: ")],  # names the store
        "tables": [len(d.value) for d in at.dataframe],
    }


@pytest.mark.parametrize("path", [p.path for p in navigation.PAGES])
def test_every_page_shows_the_same_on_both_stores(
    stores: dict[str, str], path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = {}
    for backend, url in stores.items():
        monkeypatch.setenv("CDR_DB_URL", url)
        monkeypatch.delenv("CDR_REPORTING_TZ", raising=False)
        at = app_test(str(ROOT / path)).run()
        seen[backend] = shown(at)
        assert not at.exception, (backend, at.exception)
    assert seen["postgresql"] == seen["sqlite"]
    if path == "pages/overview.py":  # the default period holds demo CDRs: the comparison is not of empty pages
        assert int(seen["postgresql"]["metrics"][kpi.SESSIONS][0].replace(",", "")) > 0


def test_an_empty_postgresql_store_says_it_has_no_cdrs(pg_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = pg.new_database(pg_server)
    Store.open(url).close()  # the tables, no CDRs
    monkeypatch.setenv("CDR_DB_URL", url)
    at = app_test().run()
    assert not at.exception, at.exception
    assert "The store has no CDRs yet." in [c.value for c in at.sidebar.caption]
    with Store.open(url) as store:
        assert store.count_cdrs() == 0  # no demo data in a configured store

