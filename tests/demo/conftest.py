"""Fixtures of the demo generator tests: one generated dataset in a real SQLite store per session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cdrlib import demo, model
from cdrlib.store import Store

# Sessions from 2024-12-01 to 2025-12-31: both daylight-saving switches of 2025 and two year ends.
UNTIL = dt.date(2026, 1, 1)
CDRS = 4_000
SEED = 7


@dataclass(frozen=True)
class Dataset:
    url: str
    summary: demo.DemoSummary
    cdrs: list[model.Cdr]
    progress: list[tuple[int, int]]


def open_store(path: Path) -> Store:
    return Store.open(f"sqlite:///{path}")


def read_all(store: Store) -> list[model.Cdr]:
    return sorted(store.iter_cdrs(), key=lambda c: c.id)


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    calls: list[tuple[int, int]] = []
    with open_store(path) as store:
        summary = demo.generate(
            store, cdrs=CDRS, seed=SEED, until=UNTIL, chunk_size=1_500, progress=lambda d, t: calls.append((d, t))
        )
        cdrs = read_all(store)
    return Dataset(f"sqlite:///{path}", summary, cdrs, calls)


@pytest.fixture
def store(dataset: Dataset) -> Iterator[Store]:
    with Store.open(dataset.url) as s:
        yield s
