"""The Exports page in headless Chromium against a freshly started ``streamlit run``: every download button
gives its file, built on the click (a deferred download), and the files hold what the page's preview says.

The store is a small demo dataset (`tests.ui.conftest.make_demo`); the page is opened by a deep link for
June 2024, which has roamed and not-roamed CDRs of several EMPs, reimbursement and distribution CDRs.
Screenshots go to ``/tmp/cdr-dashboard-*.png``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from cdrlib import exports
from cdrlib.exports import csvfmt, distribution, full, normal, reimbursement
from cdrlib.ui import exports as exports_ui
from tests.e2e.test_costs_pages import assert_no_error, open_page
from tests.e2e.test_deep_link import SHOTS, UI_TIMEOUT_MS, Server, browser_page, running_app
from tests.ui.conftest import make_demo

pytestmark = pytest.mark.e2e

FIRST, LAST = "2024-06-01", "2024-06-30"
DEEP_LINK = f"/exports?{exports_ui.KEY_FROM}={FIRST}&{exports_ui.KEY_TO}={LAST}"
COLUMNS = {
    "normal": normal.COLUMNS,
    "full": full.COLUMNS,
    "reimbursement": reimbursement.COLUMNS,
    "distribution": distribution.COLUMNS,
}
TALL = {"width": 1440, "height": 4000}


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return make_demo(tmp_path_factory.mktemp("exports-demo"))


@pytest.fixture
def server(demo_store: str, tmp_path: Path) -> Iterator[Server]:
    with running_app(demo_store, tmp_path / "streamlit.log") as server:
        yield server


@pytest.fixture
def page() -> Iterator[Page]:
    with browser_page(viewport=TALL, accept_downloads=True) as page:
        yield page


def previewed_rows(page: Page) -> dict[str, int]:
    """File name -> rows, added up over its currencies, from the page's preview tables."""
    rows: dict[str, int] = {}
    for table in page.get_by_test_id("stTable").all():
        headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
        if "File" not in headers:
            continue  # the totals per currency
        for line in table.locator("tbody tr").all():
            cells = dict(zip(headers, [c.strip() for c in line.locator("th, td").all_inner_texts()], strict=True))
            rows[cells["File"]] = rows.get(cells["File"], 0) + int(cells["Rows"].replace(",", ""))
    return rows


def download_button(page: Page, file_name: str) -> Locator:
    """The button of a file (Streamlit also draws a hidden copy of every button, to measure it)."""
    return page.get_by_role("button", name=f"Download {file_name}", exact=True)


# Records the text of every button that turns disabled: a deferred download button is disabled, with a
# spinner for its icon, from the click until the server has built the file (Streamlit's DownloadButton).
WATCH_PENDING = """() => {
    window.pendingButtons = [];
    new MutationObserver((changes) => {
        for (const change of changes) {
            if (change.target.disabled) window.pendingButtons.push(change.target.innerText);
        }
    }).observe(document.body, {attributes: true, subtree: true, attributeFilter: ["disabled"]});
}"""


def download(page: Page, button: Locator, target: Path) -> tuple[str, bytes]:
    """Click a download button; the file's suggested name and its bytes."""
    page.evaluate("() => { window.pendingButtons = []; }")
    with page.expect_download(timeout=UI_TIMEOUT_MS) as info:
        button.click()
    saved = target / info.value.suggested_filename
    info.value.save_as(saved)
    return info.value.suggested_filename, saved.read_bytes()


def csv_files(name: str, payload: bytes) -> dict[str, bytes]:
    """The CSV files of a download: a ZIP's members (it must open and check), or the file itself."""
    if not name.endswith(".zip"):
        return {name: payload}
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        assert archive.testzip() is None
        return {member: archive.read(member) for member in archive.namelist()}


def data_rows(payload: bytes, d: csvfmt.Dialect) -> int:
    text = payload.decode("utf-8-sig" if d.bom else "utf-8")
    return len(list(csv.reader(io.StringIO(text, newline=""), delimiter=d.delimiter))) - 1


def header_row(columns: tuple[str, ...], d: csvfmt.Dialect) -> bytes:
    return (csvfmt.BOM if d.bom else b"") + (d.delimiter.join(columns) + d.line_end).encode()


def test_every_download_gives_the_previewed_files(server: Server, page: Page, tmp_path: Path) -> None:
    page.goto(f"{server.url}{DEEP_LINK}")
    open_page(page, "Exports")
    expect(page.get_by_test_id("stDownloadButton")).to_have_count(len(exports.FORMATS), timeout=UI_TIMEOUT_MS)
    expect(page.get_by_test_id("stTable")).to_have_count(1 + len(exports.FORMATS), timeout=UI_TIMEOUT_MS)
    assert_no_error(page)
    preview = previewed_rows(page)
    assert "not_roamed.csv" in preview and len(preview) > 6, preview
    page.screenshot(path=str(SHOTS / "cdr-dashboard-exports.png"))
    page.evaluate(WATCH_PENDING)

    excel = csvfmt.DIALECTS[csvfmt.DEFAULT_DIALECT]
    held: dict[str, int] = {}
    for export in exports.FORMATS.values():
        expected = f"{export.stem}_{FIRST}_{LAST}.{export.extension}"
        button = download_button(page, expected)
        expect(button).to_be_enabled()
        name, payload = download(page, button, tmp_path)
        assert name == expected
        files = csv_files(name, payload)
        assert files, name
        for member, body in files.items():
            assert body.startswith(header_row(COLUMNS[export.name], excel)), (name, member, body[:200])
            held[member] = data_rows(body, excel)
        # it showed that the file was being built, and is back once the download started
        assert any(expected in text for text in page.evaluate("window.pendingButtons")), expected
        expect(button).to_be_enabled()
    expect(page.get_by_test_id("stDownloadButtonError")).to_have_count(0)
    assert held == preview
    assert_no_error(page)


def test_a_download_takes_the_dialect_chosen_on_the_page(server: Server, page: Page, tmp_path: Path) -> None:
    page.goto(f"{server.url}{DEEP_LINK}")
    open_page(page, "Exports")
    page.get_by_test_id("stRadio").get_by_text("plain", exact=True).click()
    expect(page).to_have_url(re.compile(rf"{exports_ui.KEY_DIALECT}=plain"), timeout=UI_TIMEOUT_MS)
    expected = f"cdrs-normal_{FIRST}_{LAST}.zip"
    button = download_button(page, expected)
    expect(button).to_be_enabled(timeout=UI_TIMEOUT_MS)
    name, payload = download(page, button, tmp_path)
    assert name == expected
    plain = csvfmt.DIALECTS["plain"]
    files = csv_files(name, payload)
    assert normal.NOT_ROAMED in files
    for member, body in files.items():
        assert body.startswith(header_row(normal.COLUMNS, plain)), member
        assert b"\r\n" not in body, member
    assert_no_error(page)
