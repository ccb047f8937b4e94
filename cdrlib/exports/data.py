"""The one read every export is built from: a period's CDRs by creation date, and what they refer to.

spec/exports.md: "Four exports, each generated on demand for a period of CDR creation dates"; the period
is whole days in the reporting time zone, both ends inclusive (domain.md, Money and time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from cdrlib import period as periods
from cdrlib.errors import ConfigError
from cdrlib.store import Store


@dataclass(frozen=True)
class ExportData:
    """A period's CDRs (`cdrlib.store.EXPORT_COLUMNS` plus ``tariff_pk``: the tariff version applicable
    at the session start, null when none is known) and the stored tariff versions."""

    first: dt.date
    last: dt.date
    cdrs: pl.DataFrame
    tariffs: pl.DataFrame

    @property
    def label(self) -> str:
        """``<from>_<to>`` as in the spec's file names."""
        return f"{self.first:%Y-%m-%d}_{self.last:%Y-%m-%d}"


def read(store: Store, first: dt.date, last: dt.date, reporting_tz: str) -> ExportData:
    """The CDRs created on the days ``first`` .. ``last`` (both included) in ``reporting_tz``."""
    if first > last:
        raise ConfigError(f"the period starts after it ends ({first} > {last})")
    start, end = periods.day_bounds(first, last, reporting_tz)
    cdrs, links = store.export_frame(start, end)
    tariffs = store.tariff_versions()
    return ExportData(first, last, cdrs.with_columns(tariff_pk=_applicable_tariff(cdrs, links, tariffs)), tariffs)


def _applicable_tariff(cdrs: pl.DataFrame, links: pl.DataFrame, tariffs: pl.DataFrame) -> pl.Series:
    """Per CDR, the tariff version applicable at the session start (spec/pricing.md rule 1): of the
    versions it carries, the first whose id is its first period's and that is valid at the start; else
    the first such version the store knows by that id. OCPI ids compare case-insensitively."""
    valid = (pl.col("valid_from_us").is_null() | (pl.col("valid_from_us") <= pl.col("start_us"))) & (
        pl.col("valid_until_us").is_null() | (pl.col("valid_until_us") > pl.col("start_us"))
    )
    versions = tariffs.select("tariff_pk", pl.col("tariff_id").str.to_lowercase().alias("id_key"),
                              "valid_from_us", "valid_until_us")
    wanted = cdrs.select("pk", "start_us", pl.col("tariff_id").str.to_lowercase().alias("want"))
    carried = (
        links.join(versions, on="tariff_pk")
        .join(wanted, left_on="cdr_pk", right_on="pk")
        .filter(valid & (pl.col("want").is_null() | (pl.col("want") == pl.col("id_key"))))
        .sort("cdr_pk", "seq")
        .group_by("cdr_pk", maintain_order=True)
        .agg(pl.col("tariff_pk").first().alias("carried"))
    )
    known = (
        wanted.drop_nulls("want")
        .join(versions, left_on="want", right_on="id_key")
        .filter(valid)
        .sort("pk", "tariff_pk")
        .group_by("pk", maintain_order=True)
        .agg(pl.col("tariff_pk").first().alias("known"))
    )
    resolved = (
        cdrs.select("pk")
        .join(carried, left_on="pk", right_on="cdr_pk", how="left")
        .join(known, on="pk", how="left")
    )
    return resolved.select(pl.coalesce("carried", "known").alias("tariff_pk"))["tariff_pk"]
