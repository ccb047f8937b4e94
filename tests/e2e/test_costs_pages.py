"""Costs & tariffs and the CDR explorer in headless Chromium against a freshly started ``streamlit run``:
their charts and tables are drawn, nothing shows an error, and a mismatch links to its CDR.

The store holds the known dataset plus tariff T1 and the checked CDRs of `tests.ui.test_costs_page`
(X1 a mismatch, X2 unpriced, X3 ok). Screenshots go to ``/tmp/cdr-dashboard-*.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_deep_link import (
    FILTER_LABELS,
    SHOTS,
    UI_TIMEOUT_MS,
    Server,
    assert_frame,
    browser_page,
    running_app,
)
from tests.ui.dataset import fill
from tests.ui.test_costs_page import add_priced

pytestmark = pytest.mark.e2e

TALL = {"width": 1440, "height": 3600}  # the whole page in one screenshot (the app scrolls inside itself)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A fresh ``streamlit run app.py`` on a free port over the known dataset with price checks."""
    db_url = f"sqlite:///{tmp_path / 'cdrs.db'}"
    fill(db_url)
    add_priced(db_url)
    with running_app(db_url, tmp_path / "streamlit.log") as server:
        yield server


@pytest.fixture
def page() -> Iterator[Page]:
    with browser_page(viewport=TALL) as page:
        yield page


def open_page(page: Page, title: str) -> None:
    """`assert_frame` once the sidebar has all its filters: a deep link on a fresh server draws the
    page twice (see `cdrlib.ui.navigation`), and the filters of the first drawing may still be going."""
    labels = page.get_by_test_id("stSidebar").get_by_test_id("stWidgetLabel")
    expect(labels).to_have_text(list(FILTER_LABELS), timeout=UI_TIMEOUT_MS)
    assert_frame(page, title)


def assert_no_error(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(page.get_by_text("Traceback")).to_have_count(0)


def test_costs_page_draws_its_charts_and_issues_and_links_to_the_explorer(server: Server, page: Page) -> None:
    page.goto(f"{server.url}/costs")
    open_page(page, "Costs & tariffs")
    charts = page.get_by_test_id("stPlotlyChart")
    expect(charts).to_have_count(2, timeout=UI_TIMEOUT_MS)  # trend, by tariff (or EMP)
    for i in range(2):
        expect(charts.nth(i).locator(".js-plotly-plot")).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(charts.nth(1).locator(".ytitle")).to_have_text("Tariff", timeout=UI_TIMEOUT_MS)
    expect(page.get_by_test_id("stMetric").filter(has_text="Price mismatches")).to_contain_text("1 (33.33 %)")
    expect(page.get_by_role("button", name="Download CSV")).to_have_count(2)
    assert_no_error(page)
    page.wait_for_timeout(1_000)  # let the charts finish drawing for the screenshot
    page.screenshot(path=str(SHOTS / "cdr-dashboard-costs.png"))
    page.get_by_role("radiogroup", name="Revenue by").get_by_role("radio", name="EMP", exact=True).click()
    expect(charts.nth(1).locator(".ytitle")).to_have_text("EMP", timeout=UI_TIMEOUT_MS)

    page.get_by_role("tab", name="Price per kWh").click()
    expect(page.get_by_role("heading", name="Price per kWh")).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(charts).to_have_count(1, timeout=UI_TIMEOUT_MS)
    expect(charts.first.locator(".js-plotly-plot")).to_be_visible(timeout=UI_TIMEOUT_MS)
    page.get_by_role("tab", name="Price issues").click()
    expect(page).to_have_url(re.compile(r"costs_view=Price(\+|%20)issues"), timeout=UI_TIMEOUT_MS)
    issues = page.get_by_test_id("stDataFrame").first
    expect(issues).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(page.get_by_text("The pricing engine cannot price this CDR", exact=False)).to_be_visible()
    expect(charts).to_have_count(0)
    assert_no_error(page)

    # a filter chosen here stays when the mismatch's link opens the explorer
    page.get_by_test_id("stSidebar").get_by_test_id("stRadioGroup").get_by_text("Roamed", exact=True).click()
    expect(page).to_have_url(re.compile(r"roamed=Roamed"), timeout=UI_TIMEOUT_MS)
    link = page.get_by_test_id("stPageLink-NavLink").filter(has_text="Open X2 in the CDR explorer")
    expect(link).to_be_visible(timeout=UI_TIMEOUT_MS)
    link.click()
    open_page(page, "CDR explorer")
    expect(page).to_have_url(re.compile(r"/cdr\?.*find=X2"), timeout=UI_TIMEOUT_MS)
    expect(page.get_by_test_id("stMetric").filter(has_text="Price check")).to_contain_text("unpriced")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Costs & tariffs").click()
    open_page(page, "Costs & tariffs")
    expect(page.get_by_test_id("stSidebar").get_by_role("radio", name="Roamed", exact=True)).to_be_checked()


def test_explorer_deep_link_shows_one_cdr(server: Server, page: Page) -> None:
    page.goto(f"{server.url}/cdr?find=X1")
    open_page(page, "CDR explorer")
    expect(page.get_by_test_id("stTextInputRootElement").locator("input")).to_have_value("X1", timeout=UI_TIMEOUT_MS)
    # found, details, and the explanation's totals and lines (the periods table sits in a closed expander)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(5, timeout=UI_TIMEOUT_MS)
    timeline = page.get_by_test_id("stPlotlyChart")
    expect(timeline.locator(".js-plotly-plot")).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(timeline).to_contain_text("Power (kW)")
    expect(page.get_by_text("The stated total cost differs from the recomputed one")).to_be_visible()
    assert_no_error(page)
    page.wait_for_timeout(1_000)
    page.screenshot(path=str(SHOTS / "cdr-dashboard-cdr-explorer.png"))
