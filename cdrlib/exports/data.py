"""The one read every export is built from: a period's CDRs by creation date, and what they refer to.

spec/exports.md: "Four exports, each generated on demand for a period of CDR creation dates"; the period
is whole days in the reporting time zone, both ends inclusive (domain.md, Money and time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import polars as pl

from cdrlib import model
from cdrlib import period as periods
from cdrlib.errors import ConfigError
from cdrlib.store import Store

T = TypeVar("T")


@dataclass(frozen=True)
class MasterData:
    """What the CPO configured that reimbursement and distribution need (small; read whole)."""

    reimbursements: tuple[model.ReimbursementConfig, ...] = ()
    rules: tuple[model.DistributionRule, ...] = ()
    ou_parents: dict[str, str | None] = field(default_factory=dict)
    card_ous: dict[str, str] = field(default_factory=dict)  # contract id in upper case -> OU code

    def ou_subtree(self, code: str) -> frozenset[str]:
        """The OU ``code`` and every OU under it."""
        children: dict[str | None, list[str]] = {}
        for child, parent in self.ou_parents.items():
            children.setdefault(parent, []).append(child)
        found: set[str] = set()
        todo = [code]
        while todo:
            c = todo.pop()
            if c not in found:
                found.add(c)
                todo.extend(children.get(c, ()))
        return frozenset(found)


@dataclass(frozen=True)
class ExportData:
    """A period's CDRs (`cdrlib.store.EXPORT_COLUMNS` plus ``tariff_pk``: the tariff version applicable
    at the session start, null when none is known), the stored tariff versions and the master data."""

    first: dt.date
    last: dt.date
    cdrs: pl.DataFrame
    tariffs: pl.DataFrame
    master: MasterData = field(default_factory=MasterData)
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        """``<from>_<to>`` as in the spec's file names."""
        return f"{self.first:%Y-%m-%d}_{self.last:%Y-%m-%d}"

    def file_name(self, stem: str, extension: str) -> str:
        """A file name of the spec: ``<stem>_<from>_<to>.<extension>``."""
        return f"{stem}_{self.label}.{extension}"

    def memo(self, key: str, make: Callable[[], T]) -> T:
        """``make()``, once per period read: the preview and the download share the work."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]  # type: ignore[no-any-return]


def read(store: Store, first: dt.date, last: dt.date, reporting_tz: str, *, in_process: bool = False) -> ExportData:
    """The CDRs created on the days ``first`` .. ``last`` (both included) in ``reporting_tz``.

    ``in_process``: only in a process that does nothing else meanwhile, such as the CLI's export
    (`cdrlib.store.Store.export_frame`): the CDRs are then read without a copy through a child process."""
    if first > last:
        raise ConfigError(f"the period starts after it ends ({first} > {last})")
    start, end = periods.day_bounds(first, last, reporting_tz)
    cdrs, links = store.export_frame(start, end, in_process=in_process)
    tariffs = store.tariff_versions()
    master = master_data(store)
    cdrs = cdrs.with_columns(chunked_like(_applicable_tariff(cdrs, links, tariffs), cdrs))
    return ExportData(first, last, cdrs, tariffs, master)


def master_data(store: Store) -> MasterData:
    """The store's reimbursement configurations, distribution rules, OU tree and cards."""
    return MasterData(
        reimbursements=tuple(store.reimbursements()),
        rules=tuple(store.distribution_rules()),
        ou_parents={o.code: o.parent_code for o in store.ous()},
        card_ous={c.contract_id.upper(): c.ou_code for c in store.cards()},
    )


def chunked_like(series: pl.Series, frame: pl.DataFrame) -> pl.Series:
    """``series`` cut where ``frame``'s columns are (a parallel read leaves them in pieces): a column
    cut otherwise makes polars re-join every column of the frame, a copy of all of it."""
    if frame.width == 0 or frame.n_chunks() <= 1:
        return series
    lengths = frame.to_series(0).chunk_lengths()
    offsets = [sum(lengths[:i]) for i in range(len(lengths))]
    return pl.concat([series.slice(o, n) for o, n in zip(offsets, lengths, strict=True)], rechunk=False)


def beside(data: ExportData, added: pl.DataFrame) -> pl.DataFrame:
    """The period's CDRs that have a row in ``added`` (by ``pk``), with that row's columns beside their
    own, in the period's order: how a format adds what it worked out per CDR (a reimbursement, a
    distribution split). No rows: an empty frame of those columns."""
    return data.cdrs.join(added, on="pk", how="inner", maintain_order="left")


def summary(frame: pl.DataFrame, file: str, sums: dict[str, str]) -> pl.DataFrame:
    """What a file holds, per currency: ``file``, ``Currency``, ``Rows`` and, per ``sums`` entry (the
    file's column name -> an ``_e4`` column of ``frame``), the exact sum as a decimal (4 places).
    A file without rows gives one row with zeros, so every file is listed."""
    if frame.is_empty():
        totals = [(None, 0, *([0] * len(sums)))]
    else:
        totals = (
            frame.group_by(pl.col("currency"))
            .agg(pl.len(), *(pl.col(c).sum().alias(n) for n, c in sums.items()))
            .sort("currency", nulls_last=True)
            .rows()
        )
    rows = [(file, cur, n, *(Decimal(v).scaleb(-4) for v in values)) for cur, n, *values in totals]
    schema = {"file": pl.String(), "Currency": pl.String(), "Rows": pl.Int64(),
              **dict.fromkeys(sums, pl.Decimal(38, 4))}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _applicable_tariff(cdrs: pl.DataFrame, links: pl.DataFrame, tariffs: pl.DataFrame) -> pl.Series:
    """Per CDR, the tariff version applicable at the session start (spec/pricing.md rule 1): of the
    versions it carries, the first whose id is its first period's and that is valid at the start; else
    the first such version the store knows by that id. OCPI ids compare case-insensitively.

    Ids are compared as small integers (one per case-folded id, looked up once per distinct id), the
    links are put beside their CDR by position (both come in key order) and the first fitting link of
    each CDR is where its key changes: no join or group-by over a million rows. Only the few CDRs
    without a fitting carried version look in the store's versions."""
    if cdrs.is_empty() or tariffs.is_empty():
        return pl.Series("tariff_pk", [None] * cdrs.height, dtype=pl.Int64)
    # Every id spelling seen, to a code per case-folded id.
    spellings = pl.concat([tariffs["tariff_id"], cdrs["tariff_id"].unique().cast(pl.String)]).drop_nulls().unique()
    folded = spellings.str.to_lowercase()
    codes = dict(zip(folded.unique().sort().to_list(), range(len(spellings)), strict=False))
    id_code = dict(zip(spellings.to_list(), (codes[f] for f in folded.to_list()), strict=True))
    versions = tariffs.select(
        "tariff_pk", pl.col("tariff_id").replace_strict(id_code, return_dtype=pl.Int32).alias("id_code"),
        "valid_from_us", "valid_until_us",
    )
    wanted = cdrs.select("pk", "start_us", _id_codes(cdrs["tariff_id"], id_code).alias("want"))
    valid = (pl.col("valid_from_us").is_null() | (pl.col("valid_from_us") <= pl.col("start_us"))) & (
        pl.col("valid_until_us").is_null() | (pl.col("valid_until_us") > pl.col("start_us"))
    )
    fits = valid & (pl.col("want").is_null() | (pl.col("want") == pl.col("id_code")))

    # The carried versions: each link beside its CDR (found by position: the CDRs come in key order),
    # the first fitting one by ``seq`` (where the CDR key changes among the fitting links).
    if not wanted["pk"].is_sorted():  # not from `Store.export_frame`; not seen
        order = cdrs["pk"].arg_sort()
        return _applicable_tariff(cdrs[order], links, tariffs).gather(order.arg_sort())
    ordered = links.select("cdr_pk", "seq", "tariff_pk").sort("cdr_pk", "seq", maintain_order=True)
    ordered = ordered.with_columns(_at=wanted["pk"].search_sorted(ordered["cdr_pk"], side="left").cast(pl.Int64))
    ordered = ordered.filter(pl.col("_at") < cdrs.height)
    candidates = (
        pl.concat([ordered, wanted[ordered["_at"]]], how="horizontal")
        .filter(pl.col("pk") == pl.col("cdr_pk"))
        .join(versions, on="tariff_pk", how="inner", maintain_order="left")
        .filter(fits)
    )
    first = candidates.filter(pl.col("cdr_pk") != pl.col("cdr_pk").shift(1).fill_null(pl.col("cdr_pk") - 1))
    result = pl.Series("tariff_pk", [None] * cdrs.height, dtype=pl.Int64).scatter(first["_at"], first["tariff_pk"])
    # The store's versions by that id, for the CDRs none of whose carried versions fits.
    lacking = wanted.with_row_index("_row").filter(pl.lit(result).is_null() & pl.col("want").is_not_null())
    if lacking.height:
        known = (
            lacking.join(versions, left_on="want", right_on="id_code")
            .filter(valid)
            .group_by("_row")
            .agg(pl.col("tariff_pk").min())
        )
        result = result.scatter(known["_row"], known["tariff_pk"])
    return result


def _id_codes(ids: pl.Series, id_code: dict[str, int]) -> pl.Series:
    """The code of each id (null where none): per category of a categorical column, not per row."""
    if ids.dtype == pl.Categorical:
        mapping = ids.dtype.categories.to_series()  # type: ignore[attr-defined]
        table = mapping.replace_strict(id_code, default=None, return_dtype=pl.Int32)
        return table.gather(ids.to_physical())
    return ids.cast(pl.String).replace_strict(id_code, default=None, return_dtype=pl.Int32)
