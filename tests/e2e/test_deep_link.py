"""A deep link as the very first visit to a freshly started server shows the app's navigation and frame.

Streamlit 1.67 runs a page without ``app.py`` on that first visit when a ``pages/`` folder exists
(see `cdrlib.ui.navigation`); this drives a real ``streamlit run app.py`` with headless Chromium.
Screenshots go to ``/tmp/cdr-dashboard-*.png`` for a person to look at.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from cdrlib.ui import kpi, navigation
from tests.ui.dataset import fill

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 60
UI_TIMEOUT_MS = 30_000
FILTER_LABELS = (
    "Period (Europe/Amsterdam)", "Period of", "Organization unit", "Location", "EMP", "Roamed", "AC / DC",
)
SHOTS = Path("/tmp")


@dataclass
class Server:
    url: str
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_app(db_url: str, log: Path, port: int | None = None) -> Iterator[Server]:
    """The dashboard as ``scripts/run`` starts it (`cdrlib.ui.server`: ``streamlit run app.py`` after its
    warm-up) on ``port`` (default: a free one) over the store at ``db_url``, until the block ends."""
    port = port or free_port()
    env = {**os.environ, "CDR_DB_URL": db_url, "CDR_REPORTING_TZ": "Europe/Amsterdam"}
    command = [
        sys.executable, "-m", "cdrlib.ui.server",
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer within {START_TIMEOUT_S} s:\n{log.read_text()}")
            time.sleep(0.2)
        yield Server(base, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A fresh ``streamlit run app.py`` on a free port over a store with the known dataset."""
    db_url = f"sqlite:///{tmp_path / 'cdrs.db'}"
    fill(db_url)
    with running_app(db_url, tmp_path / "streamlit.log") as server:
        yield server


@contextlib.contextmanager
def browser_page(**context: Any) -> Iterator[Page]:
    """A page of Debian's Chromium (never a downloaded browser) in a new context (``viewport``, ...)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_context(**context).new_page()
        finally:
            browser.close()


@pytest.fixture
def page() -> Iterator[Page]:
    with browser_page(viewport={"width": 1440, "height": 1200}) as page:
        yield page


def assert_frame(page: Page, title: str) -> None:
    """The app's navigation (its titles, not file names), the filters, and the page title."""
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible(timeout=UI_TIMEOUT_MS)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_be_visible(timeout=UI_TIMEOUT_MS)
    # The app's own navigation (not Streamlit's pages/ one with "app"); polled, since the sidebar is
    # redrawn when a page routes itself through app.py. A link's text is its icon's name, then its title.
    expect(nav.get_by_role("link")).to_contain_text([p.title for p in navigation.PAGES], timeout=UI_TIMEOUT_MS)
    links = [t.strip().splitlines()[-1] for t in nav.get_by_role("link").all_inner_texts()]
    assert links == [p.title for p in navigation.PAGES], links
    widget_labels = page.get_by_test_id("stSidebar").get_by_test_id("stWidgetLabel")
    # Polled: the filters are drawn one by one, and the last may be visible before the others.
    for label in FILTER_LABELS:
        exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
        expect(widget_labels.filter(has_text=exact)).to_have_count(1, timeout=UI_TIMEOUT_MS)
    expect(page.get_by_text("Page not found")).to_have_count(0)


def assert_overview(page: Page) -> None:
    assert_frame(page, "Overview")
    metrics = page.get_by_test_id("stMetric")
    expect(metrics).to_have_count(len(kpi.LABELS), timeout=UI_TIMEOUT_MS)
    labels = [t.strip() for t in page.get_by_test_id("stMetricLabel").all_inner_texts()]
    assert labels == list(kpi.LABELS)
    expect(sessions_value(page)).to_have_text("7", timeout=UI_TIMEOUT_MS)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=UI_TIMEOUT_MS)


def sessions_value(page: Page) -> Locator:
    card = page.get_by_test_id("stMetric").filter(has=page.get_by_text(kpi.SESSIONS, exact=True))
    return card.get_by_test_id("stMetricValue")


def test_deep_link_to_overview_on_a_fresh_server(server: Server, page: Page) -> None:
    page.goto(f"{server.url}/overview")
    assert_overview(page)
    page.wait_for_timeout(1_000)  # let the chart finish drawing for the screenshot
    page.screenshot(path=str(SHOTS / "cdr-dashboard-overview-deeplink.png"), full_page=True)

    # the first change after the deep link is taken (widget ids are those of a run through app.py)
    page.get_by_test_id("stSidebar").get_by_text("Not roamed", exact=True).click()
    expect(sessions_value(page)).to_have_text("2", timeout=UI_TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"roamed="), timeout=UI_TIMEOUT_MS)

    page.goto(server.url)
    assert_overview(page)
    log = server.log.read_text()
    assert "Preparing the dashboard" in log and "No runtime found" not in log  # the warm-up ran, quietly


@pytest.mark.parametrize("spec", navigation.PAGES, ids=lambda p: p.url_path)
def test_deep_link_to_each_page_on_a_fresh_server(server: Server, page: Page, spec: navigation.PageSpec) -> None:
    page.goto(f"{server.url}/{spec.url_path}")
    assert_frame(page, spec.title)
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / f"cdr-dashboard-{spec.url_path}-deeplink.png"), full_page=True)
    other = next(p for p in navigation.PAGES if p is not spec)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=other.title).click()
    assert_frame(page, other.title)
