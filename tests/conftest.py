"""Fixtures for the whole suite: the stores a test can run on (a SQLite file and a real PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import pg

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server for this test session (`tests.pg.server`)."""
    with pg.server() as url:
        yield url


def new_store_url(request: pytest.FixtureRequest, backend: str, folder: Path) -> str:
    """The URL of a new, empty store: a SQLite file in ``folder`` or a new PostgreSQL database."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'cdrs.db'}"
    return pg.new_database(request.getfixturevalue("pg_server"))


@pytest.fixture(params=BACKENDS)
def empty_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty store on each backend (the test runs once per backend)."""
    return new_store_url(request, request.param, tmp_path)
