"""The analytics pages' first view as a person meets it: ``python bench/bench_browser.py --db URL``.

For each page (Overview, Energy & time, Costs & tariffs, Revenue distribution) it starts the dashboard
as ``scripts/run`` does (`cdrlib.ui.server`) on the store, opens the page's URL (a deep link, default
period) in a new headless Chromium (Debian's; an empty cache) and times from the request until every
plotly chart of the page is drawn; then it changes the roamed filter and times until the server's run
has ended; then it opens the page again (the browser now has Streamlit's and plotly's scripts); then it
restarts the server on the same port and opens the page once more in the same browser: the first view
after a start as a person who used the dashboard before meets it (their browser has kept Streamlit's and
plotly's scripts, the server has nothing in memory). It complements
`bench_pages.py` (AppTest, no browser): this one includes the server's first script run, the
websocket and the browser drawing the charts. The copy of the CDRs on disk (`cdrlib.snapshot`) is
used as a restarted server would; run `python -m cdrlib reprice` or `bench_pages.py` first to make it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect  # noqa: E402

from tests.e2e.test_deep_link import browser_page, free_port, running_app  # noqa: E402

# url path -> plotly charts drawn (Energy & time, Costs & tariffs: their first section)
PAGES = {"overview": 3, "energy": 2, "costs": 2, "revenue": 3}
TIMEOUT_MS = 120_000
# Streamlit's app element says whether a script run is under way (``data-test-script-state``, what
# Streamlit's own browser tests wait on): watch it become "running", then wait for "notRunning".
_WATCH_RUNS = """() => {
    const app = document.querySelector('[data-test-script-state]');
    window.__ran = false;
    new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') === 'running') window.__ran = true;
    }).observe(app, {attributes: true});
}"""
_IDLE = """() => document.querySelector('[data-test-script-state]')
    .getAttribute('data-test-script-state') === 'notRunning'"""
_RUN_ENDED = """() => window.__ran
    && document.querySelector('[data-test-script-state]').getAttribute('data-test-script-state') === 'notRunning'"""


def _view(page: Page, url: str, charts: int) -> float:
    started = time.perf_counter()
    page.goto(url)
    expect(page.locator(".js-plotly-plot")).to_have_count(charts, timeout=TIMEOUT_MS)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the store's URL (a SQLite file with its copy on disk)")
    args = parser.parse_args(argv)
    for path, charts in PAGES.items():
        with browser_page(viewport={"width": 1440, "height": 4800}) as page:
            port = free_port()
            with running_app(args.db, Path(f"/tmp/bench-browser-{path}.log"), port) as server:
                url = f"{server.url}/{path}"
                first = _view(page, url, charts)
                page.wait_for_function(_IDLE, timeout=TIMEOUT_MS)  # the first run may still be drawing the rest
                page.evaluate(_WATCH_RUNS)
                started = time.perf_counter()
                page.get_by_test_id("stSidebar").get_by_text("Not roamed", exact=True).click()
                page.wait_for_function(_RUN_ENDED, timeout=TIMEOUT_MS)
                change = time.perf_counter() - started
                again = _view(page, url, charts)  # a new visit: the browser has Streamlit's and plotly's scripts
                errors = page.get_by_test_id("stException").count()
            # The next day: the server restarted (its first view again), the browser keeps its cache.
            with running_app(args.db, Path(f"/tmp/bench-browser-{path}-restart.log"), port):
                restarted = _view(page, url, charts)
                errors += page.get_by_test_id("stException").count()
        print(
            f"{path:<9} first view {first:5.2f} s (empty browser cache), roamed -> not roamed {change:5.2f} s, "
            f"a new visit {again:5.2f} s, first view after a server restart {restarted:5.2f} s (browser cache "
            f"kept); errors shown: {errors}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
