"""Fixtures of the export tests: the fixed dataset (`tests.exports.dataset`) in a real SQLite store and a
real PostgreSQL database, made once per test session and only read by the tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from cdrlib.exports import data as export_data
from cdrlib.exports.data import ExportData
from cdrlib.store import Store
from tests.conftest import BACKENDS, new_store_url
from tests.exports import dataset


@pytest.fixture(scope="session")
def dataset_on(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    """The URL of the dataset's store on a backend (``sqlite``, ``postgresql``), made at the first call."""
    urls: dict[str, str] = {}

    def url_on(backend: str) -> str:
        if backend not in urls:
            url = new_store_url(request, backend, tmp_path_factory.mktemp("exports"))
            with Store.open(url) as store:
                dataset.fill(store)
            urls[backend] = url
        return urls[backend]

    return url_on


@pytest.fixture(scope="session", params=BACKENDS)
def dataset_url(request: pytest.FixtureRequest, dataset_on: Callable[[str], str]) -> str:
    """The dataset in a SQLite file and in a PostgreSQL database: every test that reads it runs on both."""
    return dataset_on(request.param)


@pytest.fixture
def dataset_store(dataset_url: str) -> Iterator[Store]:
    with Store.open(dataset_url) as store:
        yield store


@pytest.fixture
def dataset_data(dataset_store: Store) -> ExportData:
    """The one read of October 2025 every format is built from."""
    return export_data.read(dataset_store, dataset.FIRST, dataset.LAST, dataset.TZ)
