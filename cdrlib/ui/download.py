"""The CSV download under a chart: the chart's numbers, exact (amounts as decimal text, never floats)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from cdrlib import costs

CSV_MIME = "text/csv"


def csv_bytes(df: pl.DataFrame) -> bytes:
    """``df`` as UTF-8 CSV with a header: ``_e4`` columns as exact decimals, ``_us`` as UTC instants
    (`costs.readable`)."""
    return costs.readable(df.lazy()).collect().write_csv().encode()


def csv_button(df: pl.DataFrame, file_name: str, key: str, label: str = "Download CSV") -> None:
    """A button that downloads ``df`` as ``file_name`` without rerunning the page."""
    st.download_button(
        label,
        data=csv_bytes(df),
        file_name=file_name,
        mime=CSV_MIME,
        key=key,
        icon=":material/download:",
        on_click="ignore",
        help="The numbers of this chart, exact, as a CSV file.",
    )
