"""The tariff version applicable at a CDR's start (spec/pricing.md rule 1), as `exports.data` works it out
for a whole period at once, against the rule applied CDR by CDR in plain Python."""

from __future__ import annotations

import random

import polars as pl
import pytest

from cdrlib.exports import data as export_data

IDS = ["T-AC", "t-ac", "T-DC", "T-GB", None]


def _case() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rng = random.Random(7)
    tariffs = pl.DataFrame(
        [
            (pk, rng.choice(IDS[:4]), rng.choice([None, 100, 300]), rng.choice([None, 500, 900]))
            for pk in range(1, 13)
        ],
        schema={"tariff_pk": pl.Int64, "tariff_id": pl.String, "valid_from_us": pl.Int64, "valid_until_us": pl.Int64},
        orient="row",
    )
    cdrs = pl.DataFrame(
        [(pk, rng.randrange(0, 1000), rng.choice(IDS)) for pk in rng.sample(range(1, 400), 150)],
        schema={"pk": pl.Int64, "start_us": pl.Int64, "tariff_id": pl.String},
        orient="row",
    )
    links = pl.DataFrame(
        [(pk, seq, rng.randrange(1, 15)) for pk in cdrs["pk"] for seq in rng.sample(range(5), rng.randrange(0, 4))],
        schema={"cdr_pk": pl.Int64, "seq": pl.Int64, "tariff_pk": pl.Int64},
        orient="row",
    )
    return cdrs, links.sample(fraction=1.0, shuffle=True, seed=3), tariffs


def _by_the_rule(cdrs: pl.DataFrame, links: pl.DataFrame, tariffs: pl.DataFrame) -> list[int | None]:
    versions = {r["tariff_pk"]: r for r in tariffs.iter_rows(named=True)}

    def fits(pk: int, start: int, want: str | None) -> bool:
        v = versions.get(pk)
        return (
            v is not None
            and (v["valid_from_us"] is None or v["valid_from_us"] <= start)
            and (v["valid_until_us"] is None or v["valid_until_us"] > start)
            and (want is None or v["tariff_id"].lower() == want.lower())
        )

    out: list[int | None] = []
    for pk, start, want in cdrs.iter_rows():
        carried = sorted((seq, t) for c, seq, t in links.iter_rows() if c == pk)
        found = next((t for _, t in carried if fits(t, start, want)), None)
        if found is None and want is not None:
            found = min((t for t in versions if fits(t, start, want)), default=None)
        out.append(found)
    return out


@pytest.mark.parametrize("categorical", [False, True])
@pytest.mark.parametrize("in_key_order", [False, True])
def test_carried_first_fitting_else_known_by_id(categorical: bool, in_key_order: bool) -> None:
    cdrs, links, tariffs = _case()
    if in_key_order:
        cdrs = cdrs.sort("pk")
    expected = _by_the_rule(cdrs, links, tariffs)
    if categorical:
        cdrs = cdrs.with_columns(pl.col("tariff_id").cast(pl.Categorical))
    found = export_data._applicable_tariff(cdrs, links, tariffs)
    assert found.to_list() == expected
    assert sum(t is not None for t in expected) > 50 and any(t is None for t in expected)
