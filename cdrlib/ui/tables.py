"""Rows for the dashboard's tables: what a person reads, with local times and their offsets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from cdrlib import model
from cdrlib.store import views
from cdrlib.ui import fmt


def batch_label(batch: views.ImportBatch, tz: str) -> str:
    """``#12 import, 2024-03-05 09:00 +01:00: 3 rejected, 1 conflict``."""
    return (
        f"#{batch.pk} {batch.source}, {fmt.local_time(batch.started_at, tz)}: "
        f"{batch.rejected:,} rejected, {fmt.count(batch.conflicts, 'conflict')}"
    )


def batch_rows(batches: Sequence[views.ImportBatch], tz: str) -> list[dict[str, Any]]:
    return [
        {
            "Batch": b.pk,
            "Source": b.source,
            "Started": fmt.local_time(b.started_at, tz),
            "Finished": fmt.local_time(b.finished_at, tz) if b.finished_at else "not finished",
            "Accepted": b.accepted,
            "Duplicates": b.duplicates,
            "Rejected": b.rejected,
            "Conflicts": b.conflicts,
            "Description": b.description,
        }
        for b in batches
    ]


def rejection_label(r: views.Rejection) -> str:
    """``cdrs.json #17 (CDR0017)``: where a rejected record was."""
    ident = f" ({r.record_id})" if r.record_id else ""
    return f"{r.file} #{r.position}{ident}"


def rejection_rows(rejections: Sequence[views.Rejection]) -> list[dict[str, Any]]:
    return [
        {
            "File": r.file,
            "Position": r.position,
            "Kind": r.kind or "",
            "Id": r.record_id or "",
            "Field": r.field or "",
            "Reason": r.reason,
            "Conflict": r.is_conflict,
        }
        for r in rejections
    ]


def shown_e4(df: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    """``df`` for ``st.dataframe``: each ``_e4`` column of ``labels`` as a number under its label (display
    only: the CSV beside the table keeps the exact decimals)."""
    return df.with_columns((pl.col(c) / model.E4_SCALE).alias(c) for c in labels).rename(labels)
