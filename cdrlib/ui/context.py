"""What a page works with once the shared frame is drawn: store, settings, period and filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdrlib.analytics import Basis, SessionFilter
from cdrlib.period import Period
from cdrlib.settings import Settings
from cdrlib.store import Store


@dataclass(frozen=True, slots=True)
class PageContext:
    """Returned by `cdrlib.ui.frame.page`.

    ``period`` is whole days, both ends included, of the ``basis`` date: the local date of the session
    start at its location (``start``) or the date in ``settings.reporting_tz`` the CDR was created
    (``created``). ``flt`` already holds the chosen OU with its children. ``version`` is the store's
    `Store.data_version` when the page was drawn (what cached reads are keyed by). ``demo`` is True when
    the store holds the generated demo dataset.
    """

    settings: Settings
    store: Store
    period: Period
    flt: SessionFilter
    basis: Basis = "start"
    version: tuple[Any, ...] = ()
    demo: bool = False

    @property
    def url(self) -> str:
        return self.settings.db_url

    @property
    def tz(self) -> str:
        return self.settings.reporting_tz

    def cache_key(self) -> tuple[Any, ...]:
        """What a cached read depends on besides its own arguments (not the Store object)."""
        return (self.settings.db_url, self.settings.reporting_tz, self.basis, self.version, filter_key(self.flt))


def filter_key(flt: SessionFilter) -> tuple[Any, ...]:
    """A stable, hashable form of a filter (sets sorted)."""
    return (sorted(flt.ou_codes), sorted(flt.location_ids), sorted(flt.emp_ids), flt.roamed, flt.power)
