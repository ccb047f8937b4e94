"""Start the dashboard: ``python -m cdrlib.ui.server [streamlit run options]`` (what ``scripts/run`` runs).

``streamlit run app.py`` answers at once but imports nothing of the app until the first person opens a
page: that first view then also pays for importing polars, SQLAlchemy, plotly and the pages' modules,
for plotly building its first figure (its property validators load on first use) and for the pandas
Streamlit imports to show its first table: about 2–2.5 s on the 2-core machines. This starts the same
server after doing that once (`warm`), so the first page a person opens costs what any other does. It
also begins reading the CDRs of an existing store in the background (`cdrlib.ui.data.load_early`): the
first page then finds them in memory or on their way. On a first start without a configured store it
first fills the new default store with the demo dataset (`seed_demo`), showing progress.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"
# Streamlit says, once per cached function defined before its runtime exists, that it has none yet.
_QUIET = "streamlit.runtime.caching.cache_data_api"


def warm() -> float:
    """Import what every page imports and draw one throwaway figure; the seconds it took."""
    started = time.perf_counter()
    import streamlit.runtime.caching.cache_data_api  # noqa: F401 - its logger, set up by Streamlit, first

    logger = logging.getLogger(_QUIET)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        import pandas  # noqa: F401 - Streamlit imports it (0.7 s) for the first table or data frame shown
        import plotly.graph_objects as go
        import pyarrow.compute  # noqa: F401 - and this, with pandas
        import streamlit.delta_generator as delta_generator

        from cdrlib.exports import data as _export_data  # noqa: F401 - the Revenue and Exports pages
        from cdrlib.ui import (  # noqa: F401 - the modules of the pages
            charts,
            cost_charts,
            cost_kpi,
            energy,
            explorer,
            exports,
            frame,
            kpi,
            revenue_charts,
            tables,
        )

        # Streamlit checks once, on the first element of the first run, whether it runs in a REPL, by
        # walking the stack with its source lines (0.15 s); not one: skip that check.
        delta_generator._use_warning_has_been_displayed = True

        figure = go.Figure(go.Bar(x=["a"], y=[1], hovertemplate="%{y}"))
        figure.add_trace(go.Scatter(x=["a"], y=[1]))
        figure.add_trace(go.Heatmap(z=[[1]]))
        figure.update_layout(height=100, xaxis_title="x", legend={"orientation": "h"})
        figure.to_json()
    finally:
        logger.setLevel(level)
    return time.perf_counter() - started


def load_early() -> bool:
    """Begin reading the configured store's CDRs in the background (`cdrlib.ui.data.load_early`); False
    when the settings are wrong (the page says what is wrong) or there is nothing to read yet."""
    from cdrlib import settings
    from cdrlib.errors import ConfigError
    from cdrlib.ui import data

    try:
        chosen = settings.load()
    except ConfigError:
        return False
    return data.load_early(chosen.db_url, chosen.reporting_tz) is not None


def seed_demo() -> bool:
    """On a first start without ``CDR_DB_URL``: the demo dataset into the new default store now, with its
    progress in the terminal, before the server answers (a page run does the same with a progress bar
    when the app is started without this module). False when a store is configured, the default one
    already holds CDRs or import batches, or the settings are wrong (the page then says what is wrong)."""
    from tqdm import tqdm

    from cdrlib import settings, snapshot
    from cdrlib.errors import CdrError
    from cdrlib.store import Store
    from cdrlib.ui import frame

    try:
        chosen = settings.load()
        if not chosen.db_url_is_default:
            return False
        with Store.open(chosen.db_url) as store:
            if not frame.needs_demo(store):
                return False
            print(f"First start: demo data into {settings.DEFAULT_DB_PATH} (set CDR_DB_URL for a store of "
                  "your own) ...", flush=True)
            with tqdm(total=frame.DEMO_CDRS, unit="cdr", desc="demo data", disable=None) as bar:

                def progress(done: int, total: int) -> None:
                    bar.total = total
                    bar.update(done - bar.n)

                frame.generate_demo(store, progress)
            snapshot.refresh(store, chosen.reporting_tz)  # the dashboard's copy, as after `demo`
    except (CdrError, OSError) as exc:
        print(f"The demo data could not be made ({exc}); the dashboard will say more.", flush=True)
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    options = list(sys.argv[1:] if argv is None else argv)
    print(f"Preparing the dashboard ... ({warm():.1f} s)", flush=True)
    try:
        seed_demo()
    except KeyboardInterrupt:
        print("interrupted: the demo data are incomplete; delete data/cdrs.db* to have them made again", flush=True)
        return 130
    if load_early():
        print("Reading the CDRs in the background ...", flush=True)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *options]
    return int(cli.main(prog_name="streamlit") or 0)


if __name__ == "__main__":
    raise SystemExit(main())
