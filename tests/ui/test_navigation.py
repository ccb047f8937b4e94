"""Every page draws the same frame, however it is reached: through app.py, by switch_page (which
runs the page without app.py in Streamlit 1.67 when a pages/ folder exists), or on its own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from cdrlib.ui import frame, kpi, navigation
from tests.ui.conftest import ROOT, app_test, fill, metrics

PAGE_PATHS = [p.path for p in navigation.PAGES]
FILTER_KEYS = {
    "date_input": [frame.KEY_PERIOD],
    "selectbox": [frame.KEY_OU],
    "multiselect": [frame.KEY_LOCATIONS, frame.KEY_EMPS],
    "radio": [frame.KEY_ROAMED],
}


@pytest.fixture
def demo_url(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{db_path}"
    fill(url, demo=True)
    monkeypatch.setenv("CDR_DB_URL", url)
    return url


def assert_frame(at: AppTest, title: str) -> None:
    """No exception, the page's title, the filters in the sidebar and the demo label."""
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [title]
    sidebar = at.sidebar
    for kind, keys in FILTER_KEYS.items():
        found = {w.key for w in sidebar.get(kind)}
        assert set(keys) <= found, f"{kind}: {keys} not in the sidebar ({found})"
    assert demo_label(at)


def demo_label(at: AppTest) -> bool:
    """st.badge is markdown (``:orange-badge[...]``) in the element tree."""
    return any("Demo data" in m.value and "badge" in m.value for m in at.sidebar.markdown)


def test_every_page_script_is_in_the_navigation() -> None:
    on_disk = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
    assert sorted(PAGE_PATHS) == on_disk
    assert [p.default for p in navigation.PAGES].count(True) == 1


def test_app_opens_the_default_page_with_the_frame(demo_url: str) -> None:
    at = app_test().run()
    assert_frame(at, "Overview")


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_page_reached_by_switch_page_draws_the_frame(demo_url: str, path: str) -> None:
    title = next(p.title for p in navigation.PAGES if p.path == path)
    at = app_test().run()
    at.switch_page(path).run()
    assert_frame(at, title)
    # the page declared the app's navigation itself: Streamlit left its pages/ mode
    assert PagesManager.uses_pages_directory is False


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_page_started_from_its_own_file_draws_the_frame(demo_url: str, path: str) -> None:
    title = next(p.title for p in navigation.PAGES if p.path == path)
    at = app_test(str(ROOT / path)).run()
    assert_frame(at, title)


def test_filters_stay_when_switching_pages(demo_url: str) -> None:
    at = app_test().run()
    at.multiselect(key=frame.KEY_EMPS).set_value(["DEABC"])
    at.radio(key=frame.KEY_ROAMED).set_value("roamed")
    at.date_input(key=frame.KEY_PERIOD).set_value((dt.date(2024, 3, 1), dt.date(2024, 3, 15))).run()
    assert metrics(at)[kpi.SESSIONS][0] == "1"  # M2 (M5, also DEABC, is on the 20th)
    at.switch_page("pages/imports.py").run()
    assert_frame(at, "Imports")
    assert at.multiselect(key=frame.KEY_EMPS).value == ["DEABC"]
    assert at.radio(key=frame.KEY_ROAMED).value == "roamed"
    at.switch_page("pages/overview.py").run()
    assert_frame(at, "Overview")
    assert at.date_input(key=frame.KEY_PERIOD).value == (dt.date(2024, 3, 1), dt.date(2024, 3, 15))
    assert metrics(at)[kpi.SESSIONS][0] == "1"


def test_a_half_picked_period_is_one_day(demo_url: str) -> None:
    at = app_test().run()
    at.date_input(key=frame.KEY_PERIOD).set_value((dt.date(2024, 3, 31),)).run()
    assert not at.exception, at.exception
    assert metrics(at)[kpi.SESSIONS][0] == "2"


def test_without_demo_data_there_is_no_demo_label(store_url: str) -> None:
    at = app_test().run()
    assert not at.exception
    assert not demo_label(at)
