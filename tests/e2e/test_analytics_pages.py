"""Every analytics page by deep link, in headless Chromium against a freshly started ``streamlit run``
over a small demo store: the link's filters are taken, every chart is drawn and nothing shows an error.

One server for the module (the demo store has 5,000 CDRs); each page is opened by its own URL with the
period and the basis in the query, as a shared link would. Screenshots go to
``/tmp/cdr-dashboard-*-analytics.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_deep_link import (
    SHOTS,
    UI_TIMEOUT_MS,
    Server,
    assert_frame,
    browser_page,
    running_app,
)
from tests.ui.conftest import make_demo

pytestmark = pytest.mark.e2e

TALL = {"width": 1440, "height": 4800}  # every chart in the viewport at once
QUERY = "period=2024-06-01&period=2024-06-30&basis=CDR+created"
# url path -> (title, the plotly charts the page draws for June 2024 of the demo: Energy and Costs, their
# first section)
PAGES = {
    "overview": ("Overview", 3),
    "energy": ("Energy & time", 2),
    "costs": ("Costs & tariffs", 2),
    "revenue": ("Revenue distribution", 3),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("analytics-e2e")
    with running_app(make_demo(folder), folder / "streamlit.log") as server:
        yield server


@pytest.fixture
def page() -> Iterator[Page]:
    with browser_page(viewport=TALL) as page:
        yield page


@pytest.mark.parametrize("path", list(PAGES))
def test_each_analytics_page_by_deep_link_draws_its_charts_without_errors(server: Server, page: Page, path: str):
    title, charts = PAGES[path]
    page.goto(f"{server.url}/{path}?{QUERY}")
    assert_frame(page, title)
    expect(page.get_by_text("CDRs created 2024-06-01 … 2024-06-30", exact=False)).to_be_visible(
        timeout=UI_TIMEOUT_MS
    )
    expect(page.locator(".js-plotly-plot")).to_have_count(charts, timeout=UI_TIMEOUT_MS)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(page.get_by_text("No CDRs in this period")).to_have_count(0)
    page.wait_for_timeout(500)  # let the last chart finish drawing for the screenshot
    page.screenshot(path=str(SHOTS / f"cdr-dashboard-{path}-analytics.png"), full_page=True)


def test_energy_sections_open_by_link_and_by_click(server: Server, page: Page):
    """One section of Energy & time at a time, each drawing its own charts; the open one is in the URL."""
    page.goto(f"{server.url}/energy?{QUERY}&energy_view=Power")
    assert_frame(page, "Energy & time")
    expect(page.get_by_role("heading", name="Maximum power")).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=UI_TIMEOUT_MS)
    page.get_by_role("tab", name="Locations and EMPs").click()
    expect(page.get_by_role("heading", name="EMP mix")).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(page.locator(".js-plotly-plot")).to_have_count(3, timeout=UI_TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Maximum power")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"energy_view=Locations(\+|%20)and(\+|%20)EMPs"), timeout=UI_TIMEOUT_MS)
    expect(page.get_by_test_id("stException")).to_have_count(0)
