"""The pages of the dashboard and the page set-up, in one registry that `app.py` and the pages share.

Why the pages need this too: when a folder named ``pages/`` sits next to ``app.py``, Streamlit
1.67 starts in its old multipage mode (``PagesManager.uses_pages_directory``) until some script
calls ``st.navigation``. In that mode a page is run *without* ``app.py``: on the first visit to a
deep link (``/overview``) after a server start, and in ``AppTest`` after ``switch_page``. Streamlit
then shows its own navigation (file names, plus ``app``), and the page's widgets would get other
ids than in a run through ``app.py`` (an id includes the script that was active), so the first
change a person makes after such a visit would be lost. `ensure`, called first by every page,
repairs that: it declares the same navigation ``app.py`` does, which switches Streamlit to
``st.navigation`` mode for good, and reruns, so the page is drawn through ``app.py`` like on any
other visit.

A second Streamlit rule: the default page lives at ``/``, its own ``url_path`` is not a URL Streamlit
knows, so ``/overview`` would show "Page not found" (and then the default page). `navigation` makes
the default page's ``url_path`` an alias of ``/`` so that such a link simply opens it.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

APP_TITLE = "CDR dashboard"
APP_ICON = ":material/ev_station:"


@dataclass(frozen=True, slots=True)
class PageSpec:
    """A page script in ``pages/`` (path relative to ``app.py``) and how the navigation names it."""

    path: str
    title: str
    icon: str
    url_path: str
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "Overview", ":material/dashboard:", "overview", default=True),
    PageSpec("pages/energy.py", "Energy & time", ":material/bolt:", "energy"),
    PageSpec("pages/costs.py", "Costs & tariffs", ":material/euro:", "costs"),
    PageSpec("pages/revenue.py", "Revenue distribution", ":material/account_balance:", "revenue"),
    PageSpec("pages/cdr.py", "CDR explorer", ":material/manage_search:", "cdr"),
    PageSpec("pages/exports.py", "Exports", ":material/file_download:", "exports"),
    PageSpec("pages/imports.py", "Imports", ":material/upload_file:", "imports"),
)


def configure() -> None:
    """Title, icon and layout of every page."""
    st.set_page_config(page_title=APP_TITLE, page_icon=APP_ICON, layout="wide", initial_sidebar_state="expanded")


def pages() -> list[st.Page]:
    """`PAGES` as ``st.Page`` objects for ``st.navigation``."""
    return [st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=p.default) for p in PAGES]


def navigation() -> st.Page:
    """Set the page up and declare the navigation; returns the page to run (``app.py`` runs it)."""
    configure()
    declared = pages()
    _open_default_by_its_url_path(next(p for p in declared if p.url_path == ""))
    return st.navigation(declared, position="sidebar")


def _open_default_by_its_url_path(default: st.Page) -> None:
    """A request for ``/<url_path of the default page>`` is turned into one for the default page.

    Streamlit resolves a requested page by its hash or else by its URL name, and gives the default
    page the URL name ``""``. When the run asks for the default page's own ``url_path`` by name, the
    intent is set to that page's hash, which is derived from its ``url_path`` (pinned Streamlit 1.67).
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    manager = ctx.pages_manager
    spec = next(p for p in PAGES if p.default)
    if not manager.intended_page_script_hash and manager.intended_page_name == spec.url_path:
        manager.set_script_intent(default._script_hash, "")


def ran_without_entrypoint() -> bool:
    """True when this page script was started by Streamlit's ``pages/`` mode instead of ``app.py``.

    Reads Streamlit's own switch (a class attribute, pinned Streamlit 1.67): it is set while no
    script has called ``st.navigation`` since the server (or an ``AppTest`` run) started.
    """
    return bool(getattr(PagesManager, "uses_pages_directory", False))


def ensure() -> None:
    """Called first by every page: when ``app.py`` did not run, route through it.

    Declares the navigation (so Streamlit leaves its ``pages/`` mode) and reruns the same page,
    this time through ``app.py``. Nothing of the page is drawn before that, and it happens at most
    once per server start (and once per ``AppTest`` run, which starts Streamlit afresh).
    """
    if ran_without_entrypoint():
        navigation()
        st.rerun()
