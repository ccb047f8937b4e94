"""Cached reads for the pages: the one place where the dashboard reads the store and collects.

The store is a resource (one engine per URL per server process). The analytics pages work on one
frame of every CDR (`cdrs`, the few columns they need, `analytics.prepare`d), read once per server
process and store version and kept as a resource: a filter change then filters and aggregates in
memory, with no read. The version (`Store.data_version`) is checked at most every `CACHE_TTL_S`
seconds, or at once after "Reload data". Each function below collects its analytics pipeline once and
hands back a small frame or dataclass, cached by the page's context (store, zone, version, basis,
filters) and its own arguments.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl
import streamlit as st

from cdrlib import analytics, costs, distribution, model, period, pricing, reimbursement, revenue, snapshot
from cdrlib.analytics import SessionFilter
from cdrlib.errors import CdrError
from cdrlib.period import Period
from cdrlib.store import Store, sqlite_file, views
from cdrlib.ui.context import PageContext, filter_key

if TYPE_CHECKING:
    from cdrlib.exports.data import MasterData

MAX_ISSUES = 1_000  # price issues listed at most
CACHE_TTL_S = 300  # a fresh import shows up after at most this long (or after "Reload data")
_HASH = {PageContext: PageContext.cache_key, SessionFilter: filter_key}
_log = logging.getLogger(__name__)
# (url, zone) -> the frame of every CDR (and the store version it is of) being read since the server
# started (`load_early`), until the first page run takes it (`cdrs`).
_early: dict[tuple[str, str], Future[tuple[tuple[Any, ...], pl.DataFrame]]] = {}


def _close(store: Store) -> None:
    store.close()


@st.cache_resource(show_spinner=False, on_release=_close)
def store(url: str) -> Store:
    """The store at ``url``, opened (and created) once per server process. Raises `StoreError`."""
    return Store.open(url)


def clear() -> None:
    """Forget every cached read (not the open stores): the next run reads the store again."""
    st.cache_data.clear()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def dataset(url: str) -> str | None:
    """What the store says it holds: ``demo`` for the generated dataset (`cdrlib.demo`)."""
    return store(url).get_meta("dataset")


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """What the sidebar offers: OUs (parents before children), locations and EMPs seen in CDRs, and
    the local dates of the first and last session start (None for an empty store)."""

    ous: tuple[model.OrganizationUnit, ...]
    locations: tuple[tuple[str, str], ...]  # (location id, label)
    emps: tuple[tuple[str, str], ...]  # (EMP id, label)
    first_day: dt.date | None
    last_day: dt.date | None
    last_start: dt.datetime | None  # start of the last session, UTC


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def filter_choices(url: str, tz: str, at: tuple[Any, ...]) -> FilterChoices:
    """The sidebar's choices, from the CDRs in memory (`cdrs` at the store's version ``at``)."""
    s = store(url)
    frame = cdrs(url, tz, at)
    locations, emps = analytics.filter_options(frame)
    names = {e.id: e.name for e in s.emps()}
    bounds = analytics.session_starts(frame)
    return FilterChoices(
        ous=tuple(s.ous()),
        locations=tuple(locations),
        emps=tuple((e, f"{names[e]} ({e})" if e in names else e) for e in emps),
        first_day=period.local_date(bounds[0], tz) if bounds else None,
        last_day=period.local_date(bounds[1], tz) if bounds else None,
        last_start=bounds[1] if bounds else None,
    )


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def ou_subtree(url: str, code: str) -> frozenset[str]:
    return store(url).ou_subtree(code)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def version(url: str) -> tuple[Any, ...]:
    """`Store.data_version`: what `cdrs` is keyed by."""
    return store(url).data_version()


@st.cache_resource(max_entries=1, show_spinner="Reading the CDRs…")
def cdrs(url: str, tz: str, version: tuple[Any, ...]) -> pl.DataFrame:
    """Every CDR of the store at ``version`` (`Store.analytics_frame`, `analytics.prepare`d in ``tz``).

    A resource, not a cached copy: every page run shares the one frame (about 250 MB for a million
    CDRs); only the latest version is kept. A restarted server reads it from `snapshot`'s copy, or takes
    (or waits for) what it began to read at its start (`load_early`) when that is of this version.
    """
    early = _early.pop((url, tz), None)
    if early is not None:
        try:
            at, frame = early.result()
        except Exception as exc:  # whatever went wrong, the page reads the store itself
            _log.info("the early read of %s failed: %s", url, exc)
        else:
            if at == version:
                return frame
    return snapshot.load(store(url), tz, version)


def load_early(url: str, tz: str) -> Future[tuple[tuple[Any, ...], pl.DataFrame]] | None:
    """Begin reading the frame of every CDR (`cdrs`) in a background thread, at the server's start
    (`cdrlib.ui.server`), so that the first page opened finds it read or being read instead of starting
    then: from `snapshot`'s copy in about half a second, else (a store written by other software) the
    full read of the store. Only for a store that exists and holds CDRs: a new store is left to the
    page (which may load the demo dataset into it). None when nothing was begun."""
    if (url, tz) in _early:
        return None
    database = sqlite_file(url)
    if database is not None and (not database.is_file() or database.stat().st_size == 0):
        return None
    done: Future[tuple[tuple[Any, ...], pl.DataFrame]] = Future()

    def read() -> None:
        try:
            with Store.open(url, create=False) as opened:
                at = opened.data_version()
                if not at[0]:
                    raise CdrError("the store holds no CDRs yet")
                done.set_result((at, snapshot.load(opened, tz, at)))
        except Exception as exc:  # handed to `cdrs`, which then reads the store itself
            done.set_exception(exc)

    _early[(url, tz)] = done
    threading.Thread(target=read, name="early-read", daemon=True).start()
    return done


@dataclass(frozen=True, slots=True)
class Shares:
    """Per CDR of a period: its distribution split and its reimbursement, as the exports."""

    split: pl.DataFrame  # `distribution.SPLIT_COLUMNS`
    reimbursed: pl.DataFrame  # `reimbursement.REIMBURSED_COLUMNS`


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def master(url: str) -> MasterData:
    """The reimbursements, distribution rules, OU tree and cards (small): what `shares` is keyed by
    besides the CDRs, so that a changed rule shows after at most `CACHE_TTL_S` or a reload."""
    from cdrlib.exports import data as export_data  # here: the exports' modules cost 0.15 s to import

    return export_data.master_data(store(url))


@st.cache_resource(
    ttl=CACHE_TTL_S,
    max_entries=8,
    show_spinner="Working out the distribution and the reimbursements…",
    hash_funcs={"cdrlib.exports.data.MasterData": repr},
)
def shares(
    url: str, tz: str, version: tuple[Any, ...], basis: analytics.Basis, first: dt.date, last: dt.date,
    master: MasterData,
) -> Shares:
    """`Shares` of every CDR of the period ``first`` .. ``last`` (on ``basis``) of `cdrs`, by the same
    functions and ``master`` data as the exports (a CDR's share does not depend on the others: a period's
    CDRs are worked out, not the store's million). A resource: the pages' filters select from it."""
    frame = analytics.select(cdrs(url, tz, version).lazy(), basis, first, last, SessionFilter()).collect()
    return Shares(
        split=distribution.split_frame(revenue.split_input(frame), master.rules, master.ou_parents),
        reimbursed=reimbursement.reimburse_frame(
            revenue.reimburse_input(frame), master.reimbursements, master.card_ous, master.ou_subtree
        ),
    )


def sessions(ctx: PageContext, within: Period) -> pl.LazyFrame:
    """The CDRs of ``within`` (on the page's basis) under the page's filters, with their ``day``
    (`analytics.select`). Lazy and not cached: the functions below aggregate it."""
    frame = cdrs(ctx.url, ctx.tz, ctx.version).lazy()
    return analytics.select(frame, ctx.basis, within.first, within.last, ctx.flt)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, hash_funcs=_HASH)
def kpis(ctx: PageContext, within: Period) -> analytics.Kpis:
    return analytics.Kpis.from_frame(analytics.kpis(sessions(ctx, within)).collect())


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, hash_funcs=_HASH)
def trend(ctx: PageContext, within: Period, grain: analytics.Grain, currency: str | None) -> pl.DataFrame:
    lf = sessions(ctx, within)
    return analytics.trend(lf, grain, within.first, within.last, currency).collect()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, hash_funcs=_HASH)
def split(ctx: PageContext, within: Period, by: analytics.SplitBy) -> pl.DataFrame:
    return analytics.split(sessions(ctx, within), by).collect()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def import_batches(url: str) -> list[views.ImportBatch]:
    return views.import_batches(store(url))


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def rejections(url: str, batch_pk: int) -> list[views.Rejection]:
    return views.rejections(store(url), batch_pk)


# ---------------------------------------------------------------------- costs and tariffs
@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, hash_funcs=_HASH)
def price_checks(ctx: PageContext, within: Period) -> costs.PriceChecks:
    return costs.PriceChecks.from_frame(costs.price_checks(sessions(ctx, within)).collect())


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, hash_funcs=_HASH)
def component_trend(ctx: PageContext, within: Period, grain: analytics.Grain, currency: str) -> pl.DataFrame:
    lf = sessions(ctx, within)
    return costs.component_trend(lf, grain, within.first, within.last, currency).collect()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, hash_funcs=_HASH)
def component_split(ctx: PageContext, within: Period, by: costs.SplitBy, currency: str) -> pl.DataFrame:
    return costs.component_split(sessions(ctx, within), by, currency).collect()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, hash_funcs=_HASH)
def price_per_kwh(ctx: PageContext, within: Period, currency: str) -> pl.DataFrame:
    return costs.price_per_kwh(sessions(ctx, within), currency).collect()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, hash_funcs=_HASH)
def price_histogram(ctx: PageContext, within: Period, currency: str, bins: int) -> pl.DataFrame:
    return costs.price_histogram(price_per_kwh(ctx, within, currency).lazy(), bins).collect()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, hash_funcs=_HASH)
def price_spread(ctx: PageContext, within: Period, currency: str) -> costs.PriceSpread:
    return costs.PriceSpread.from_frame(costs.price_spread(price_per_kwh(ctx, within, currency).lazy()).collect())


@st.cache_data(ttl=CACHE_TTL_S, show_spinner="Reading price issues…", hash_funcs=_HASH)
def price_issues(ctx: PageContext, within: Period) -> pl.DataFrame:
    """The mismatched and unpriced CDRs of ``within`` under the page's filters (`ISSUE_COLUMNS`, newest
    first, at most `MAX_ISSUES`), with the differences of `costs.issue_differences`."""
    pks = costs.issue_keys(sessions(ctx, within), MAX_ISSUES).collect()["pk"].to_list()
    return costs.issue_differences(ctx.store.price_issues(pks).lazy()).collect()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def found_cdrs(url: str, text: str) -> pl.DataFrame:
    """`Store.find_cdrs`: the CDRs whose id starts with ``text`` or whose session id, token uid,
    contract id or location id is ``text`` (`FOUND_COLUMNS`, newest first)."""
    return store(url).find_cdrs(text)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def cdr(url: str, country_code: str, party_id: str, cdr_id: str) -> model.Cdr | None:
    """One CDR with its charging periods and tariffs; None when it is not stored."""
    return store(url).get_cdr(country_code, party_id, cdr_id)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def tariff_index(url: str) -> pricing.TariffIndex:
    """Every stored tariff version, indexed for the pricing engine."""
    return pricing.TariffIndex(store(url).tariffs())


@st.cache_data(ttl=CACHE_TTL_S, show_spinner="Pricing the CDR…")
def repriced(url: str, country_code: str, party_id: str, cdr_id: str) -> pricing.Pricing | None:
    """The pricing engine's recomputation of a stored CDR (None when it is not stored). Raises
    `UnpriceableError` with the reason when the engine cannot price it (a credit CDR, for one)."""
    found = cdr(url, country_code, party_id, cdr_id)
    return None if found is None else pricing.price_cdr(found, tariff_index(url))


# ---------------------------------------------------------------------- revenue distribution
def _shares(ctx: PageContext, within: Period) -> Shares:
    return shares(ctx.url, ctx.tz, ctx.version, ctx.basis, within.first, within.last, master(ctx.url))


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, hash_funcs=_HASH)
def split_totals(ctx: PageContext, within: Period) -> pl.DataFrame:
    return revenue.split_totals(revenue.shares(sessions(ctx, within), _shares(ctx, within).split)).collect()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, hash_funcs=_HASH)
def split_by_customer_month(ctx: PageContext, within: Period, currency: str) -> pl.DataFrame:
    lf = revenue.shares(sessions(ctx, within), _shares(ctx, within).split)
    return revenue.by_customer_month(lf, currency).collect()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, hash_funcs=_HASH)
def reimbursement_totals(ctx: PageContext, within: Period) -> pl.DataFrame:
    lf = revenue.reimbursed(sessions(ctx, within), _shares(ctx, within).reimbursed)
    return revenue.reimbursement_totals(lf).collect()


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, hash_funcs=_HASH)
def reimbursements_by(ctx: PageContext, within: Period, by: revenue.ReimbursedBy) -> pl.DataFrame:
    lf = revenue.reimbursed(sessions(ctx, within), _shares(ctx, within).reimbursed)
    return revenue.reimbursements_by(lf, by).collect()
