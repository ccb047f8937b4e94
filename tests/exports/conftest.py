"""Fixtures of the export tests: the fixed dataset (`tests.exports.dataset`) in a real SQLite store, made
once per test session and only read by the tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cdrlib.exports import data as export_data
from cdrlib.exports.data import ExportData
from cdrlib.store import Store
from tests.exports import dataset


@pytest.fixture(scope="session")
def dataset_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('exports') / 'dataset.db'}"
    with Store.open(url) as store:
        dataset.fill(store)
    return url


@pytest.fixture
def dataset_store(dataset_url: str) -> Iterator[Store]:
    with Store.open(dataset_url) as store:
        yield store


@pytest.fixture
def dataset_data(dataset_store: Store) -> ExportData:
    """The one read of October 2025 every format is built from."""
    return export_data.read(dataset_store, dataset.FIRST, dataset.LAST, dataset.TZ)
