"""How the Full download numbers the distinct values of a block's key columns (`full._places`): the
same places whether found through a table (small integers) or by a binary search (any others)."""

from __future__ import annotations

import polars as pl
import pytest

from cdrlib.exports import full


@pytest.mark.parametrize("shift", [0, 1 << 40, -(1 << 40)])
def test_places_in_order_null_first_with_a_row_of_each(shift: int) -> None:
    values = [7, None, 3, 7, 12, 3, None, 0]
    column = pl.Series([None if v is None else v + shift for v in values], dtype=pl.Int64)
    place, count, rows = full._places(column)
    assert place.to_list() == [3, 0, 2, 3, 4, 2, 0, 1]
    assert count == 5
    assert [column[r] for r in rows.to_list()] == [0 + shift, 3 + shift, 7 + shift, 12 + shift]


def test_places_of_nothing_and_of_only_nulls() -> None:
    assert full._places(pl.Series([], dtype=pl.UInt32))[1] == 1
    place, count, rows = full._places(pl.Series([None, None], dtype=pl.UInt32))
    assert (place.to_list(), count, rows.to_list()) == ([0, 0], 1, [])
