"""The shared frame of every page: one call, `page`, draws it and returns the `PageContext`.

It does not rely on ``app.py`` having run (see `cdrlib.ui.navigation`): it sets the page up when
needed, opens the store, loads the demo dataset on a first start, and draws the sidebar with the
period and the filters. The choices live in widgets with fixed keys that are kept for the whole
session (``persist_state="session"``) and mirrored in the URL (``bind="query-params"``), so they
stay the same from page to page and a link carries them.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cdrlib import errors, model, period
from cdrlib import settings as cdr_settings
from cdrlib.analytics import SessionFilter
from cdrlib.period import Period
from cdrlib.settings import Settings
from cdrlib.store import Store, views
from cdrlib.ui import data, fmt, navigation
from cdrlib.ui.charts import GRAIN_LABELS
from cdrlib.ui.context import PageContext

DEMO_CDRS = 20_000  # CDRs generated on a first start without a configured store
DEMO_SEED = 1
DEMO_CHUNK_CDRS = 2_000  # CDRs written between two progress updates
PROGRESS_POLL_S = 0.25  # how often a waiting page run redraws the demo progress bar

# Widget keys: also the query parameter names of the URL.
KEY_PERIOD = "period"
KEY_BASIS = "basis"
KEY_POWER = "power"
KEY_OU = "ou"
KEY_LOCATIONS = "location"
KEY_EMPS = "emp"
KEY_ROAMED = "roamed"

ALL_OUS = ""  # the OU option meaning "no OU filter"
ROAMED_CHOICES = {"all": "All", "roamed": "Roamed", "not_roamed": "Not roamed"}
_ROAMED_VALUE = {"all": None, "roamed": True, "not_roamed": False}
BASIS_CHOICES = {"start": "Session start", "created": "CDR created"}
POWER_CHOICES = {"all": "All", "AC": "AC", "DC": "DC"}


def page(title: str) -> PageContext:
    """Draw the shared frame (set-up, demo data, sidebar, title) and return what the page needs.

    A `CdrError` while opening the store (a bad ``CDR_DB_URL``, an unreadable file) is shown as a
    message and stops the page: no traceback.
    """
    navigation.ensure()
    try:
        settings = cdr_settings.load()
        store = data.store(settings.db_url)
        if settings.db_url_is_default:
            _seed_demo_once(settings.db_url, store)
        demo = data.dataset(settings.db_url) == "demo"
        at = data.version(settings.db_url)
        choices = data.filter_choices(settings.db_url, settings.reporting_tz, at)
    except errors.CdrError as exc:
        st.title(title)
        st.error(str(exc), icon=":material/error:")
        st.stop()
    ctx = _sidebar(settings, store, choices, demo, at)
    st.title(title)
    return ctx


# ---------------------------------------------------------------------- first start
@dataclass
class _Seeding:
    """The demo load of one store URL, shared by every session of the server process.

    The generator runs in its own thread, not in a page run: a person who closes the tab or clicks
    elsewhere stops the page run, which must not leave a half-written demo dataset behind.
    """

    lock: threading.Lock = field(default_factory=threading.Lock)
    checked: bool = False
    thread: threading.Thread | None = None
    done: int = 0
    total: int = DEMO_CDRS
    error: BaseException | None = None

    def run(self, store: Store) -> None:
        def progress(done: int, total: int) -> None:
            self.done, self.total = done, total

        try:
            generate_demo(store, progress)
        except BaseException as exc:  # handed to the page runs that wait for it, which raise it
            self.error = exc
        finally:
            data.clear()  # nothing read before or during the load may outlive it


@st.cache_resource(show_spinner=False)
def _seeding(url: str) -> _Seeding:
    return _Seeding()


def generate_demo(store: Store, progress: Callable[[int, int], None]) -> None:
    """The first start's demo dataset into ``store``, calling ``progress(done, total)`` as it goes: for a
    page run (`_Seeding`) and for the server's start (`cdrlib.ui.server.seed_demo`)."""
    from cdrlib import demo  # imported here: only a first start needs the generator

    demo.generate(store, cdrs=DEMO_CDRS, seed=DEMO_SEED, progress=progress, chunk_size=DEMO_CHUNK_CDRS)


def needs_demo(store: Store) -> bool:
    """A store is fresh when it has neither CDRs nor any import batch: nothing to lose, nothing to show."""
    return store.count_cdrs() == 0 and views.batch_count(store) == 0


def _seed_demo_once(url: str, store: Store) -> None:
    """On the default store (no ``CDR_DB_URL``), load the demo dataset when the store is fresh.

    Checked once per server process. Every page run that comes while it loads shows its progress
    and waits; a failure is shown (a `CdrError` as a message) to every run after it.
    """
    seeding = _seeding(url)
    with seeding.lock:
        if not seeding.checked:
            seeding.checked = True
            if needs_demo(store):
                seeding.thread = threading.Thread(target=seeding.run, args=(store,), name="demo-data", daemon=True)
                seeding.thread.start()
    if seeding.thread is None:
        return
    if seeding.thread.is_alive():
        bar = st.progress(0.0, text="Creating the demo dataset: a first start without CDR_DB_URL…")
        while seeding.thread.is_alive():
            share = min(seeding.done / seeding.total, 1.0) if seeding.total else 1.0
            bar.progress(share, text=f"Generating demo data: {seeding.done:,} of {seeding.total:,} CDRs")
            time.sleep(PROGRESS_POLL_S)
        bar.empty()
    if seeding.error is not None:
        raise seeding.error


# ---------------------------------------------------------------------- sidebar
def _ou_options(ous: Sequence[model.OrganizationUnit]) -> dict[str, str]:
    """OU code -> label, parents first and children indented under them (tree order)."""
    children: dict[str | None, list[model.OrganizationUnit]] = {}
    codes = {o.code for o in ous}
    for o in ous:
        parent = o.parent_code if o.parent_code in codes else None
        children.setdefault(parent, []).append(o)
    labels: dict[str, str] = {ALL_OUS: "All organization units"}

    def walk(parent: str | None, depth: int) -> None:
        for o in sorted(children.get(parent, ()), key=lambda x: x.code):
            labels[o.code] = f"{'· ' * depth}{o.code} – {o.name}"
            walk(o.code, depth + 1)

    walk(None, 0)
    return labels


def _period_value(value: object, default: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    """The date range widget gives 0, 1 or 2 dates while a person is still picking."""
    picked = [d for d in (value if isinstance(value, (tuple, list)) else (value,)) if isinstance(d, dt.date)]
    if not picked:
        return default
    return (picked[0], picked[-1]) if picked[0] <= picked[-1] else (picked[-1], picked[0])


def _sidebar(
    settings: Settings, store: Store, choices: data.FilterChoices, demo: bool, at: tuple[object, ...]
) -> PageContext:
    tz = settings.reporting_tz
    today = dt.datetime.now(dt.UTC).astimezone(settings.tz).date()
    default = period.default_period(choices.first_day, choices.last_day, today)
    lowest = min(default[0], choices.first_day or default[0]).replace(day=1)
    highest = max(default[1], choices.last_day or default[1], today)
    with st.sidebar:
        if demo:
            st.badge("Demo data", icon=":material/science:", color="orange")
            st.caption("Generated sessions, not real ones.")
        picked = st.date_input(
            f"Period ({tz})",
            value=default,
            min_value=lowest,
            max_value=highest,
            key=KEY_PERIOD,
            help=f"Whole days in {tz}, both ends included. A session counts on the day it started.",
            format="YYYY-MM-DD",
            bind="query-params",
            persist_state="session",
        )
        first, last = _period_value(picked, default)
        basis = st.radio(
            "Period of",
            list(BASIS_CHOICES),
            format_func=BASIS_CHOICES.__getitem__,
            key=KEY_BASIS,
            horizontal=True,
            help=(
                "Session start: the day a session started, in its location's own time (the analytics). "
                f"CDR created: the day the CDR was stored, in {tz}, as the monthly exports count it."
            ),
            bind="query-params",
            persist_state="session",
        )
        ou_labels = _ou_options(choices.ous)
        ou = st.selectbox(
            "Organization unit",
            list(ou_labels),
            format_func=ou_labels.__getitem__,
            key=KEY_OU,
            help="The sessions of this OU and of every OU under it.",
            bind="query-params",
            persist_state="session",
        )
        location_labels = dict(choices.locations)
        locations = st.multiselect(
            "Location",
            list(location_labels),
            format_func=location_labels.__getitem__,
            key=KEY_LOCATIONS,
            placeholder="All locations",
            bind="query-params",
            persist_state="session",
        )
        emp_labels = dict(choices.emps)
        emps = st.multiselect(
            "EMP",
            list(emp_labels),
            format_func=emp_labels.__getitem__,
            key=KEY_EMPS,
            placeholder="All EMPs",
            help="The e-mobility service provider that issued the charge card.",
            bind="query-params",
            persist_state="session",
        )
        roamed = st.radio(
            "Roamed",
            list(ROAMED_CHOICES),
            format_func=ROAMED_CHOICES.__getitem__,
            key=KEY_ROAMED,
            horizontal=True,
            help="Roamed: started with a card of another party (an EMP), which pays for the session.",
            bind="query-params",
            persist_state="session",
        )
        power = st.radio(
            "AC / DC",
            list(POWER_CHOICES),
            format_func=POWER_CHOICES.__getitem__,
            key=KEY_POWER,
            horizontal=True,
            help="By the connector's power type.",
            bind="query-params",
            persist_state="session",
        )
        st.divider()
        if choices.last_start is None:
            st.caption("The store has no CDRs yet.")
        else:
            st.caption(f"Last session started {fmt.local_time(choices.last_start, tz)}")
        st.caption(f"Store: `{store.url}`")
        if st.button(
            "Reload data", icon=":material/refresh:", help="Read the store again (after an import).", key="reload"
        ):
            data.clear()
    ou_codes = data.ou_subtree(settings.db_url, ou) if ou else frozenset()
    flt = SessionFilter(
        ou_codes=frozenset(ou_codes),
        location_ids=frozenset(locations),
        emp_ids=frozenset(emps),
        roamed=_ROAMED_VALUE.get(roamed or "all"),
        power=power if power in ("AC", "DC") else None,
    )
    return PageContext(
        settings=settings,
        store=store,
        period=Period(first, last, tz),
        flt=flt,
        basis="created" if basis == "created" else "start",
        version=at,
        demo=demo,
    )


def period_caption(ctx: PageContext) -> str:
    """What the period covers, on the page's basis: ``Sessions started 2024-03-01 … 2024-03-31 (local
    time at each location, 31 days)`` or ``CDRs created 2024-03-01 … 2024-03-31 (Europe/Amsterdam, …)``."""
    days = f"{ctx.period.first} … {ctx.period.last}"
    if ctx.basis == "created":
        return f"CDRs created {days} ({ctx.tz}, {ctx.period.days} days; as the monthly exports count them)"
    return f"Sessions started {days} (local time at each location, {ctx.period.days} days)"


def grain_control(key: str, default: str, where: DeltaGenerator | None = None) -> str:
    """The "Per" day / week / month choice of a page's charts over time (widget ``key``), in ``where``
    (default: the page's main area)."""
    return str(
        (where or st).segmented_control(
            "Per",
            list(GRAIN_LABELS),
            format_func=GRAIN_LABELS.__getitem__,
            default=default,
            required=True,
            key=key,
        )
    )
