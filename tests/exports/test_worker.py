"""An export built in a process of its own (`cdrlib.exports.worker`): the same bytes as the build in this
process, and a failure that is a `StoreError` with the child's message."""

from __future__ import annotations

import io
import zipfile

import pytest

from cdrlib import exports
from cdrlib.errors import StoreError
from cdrlib.exports import csvfmt, worker
from cdrlib.exports.data import ExportData
from tests.exports import dataset


@pytest.mark.parametrize(("fmt", "dialect"), [("full", "excel"), ("normal", "excel-eu"), ("distribution", "plain")])
def test_the_worker_builds_the_same_bytes(dataset_url: str, dataset_data: ExportData, fmt: str, dialect: str):
    expected = exports.FORMATS[fmt].build(dataset_data, csvfmt.dialect(dialect))

    built = worker.build_apart(dataset_url, fmt, dataset.FIRST, dataset.LAST, dataset.TZ, dialect)

    assert built == expected
    if fmt == "full":
        with zipfile.ZipFile(io.BytesIO(built)) as z:
            assert z.namelist() == ["cdrs_full.csv", "not_roamed_full.csv"]


def test_the_worker_in_this_process_builds_the_same_bytes(dataset_url: str, dataset_data: ExportData):
    expected = exports.FORMATS["full"].build(dataset_data, csvfmt.dialect("excel"))
    assert worker.build(dataset_url, "full", dataset.FIRST, dataset.LAST, dataset.TZ, "excel") == expected


def test_a_failing_worker_is_a_store_error_with_its_message(tmp_path):
    with pytest.raises(StoreError, match="building the full export failed: StoreError: not a database URL"):
        worker.build_apart("nonsense", "full", dataset.FIRST, dataset.LAST, dataset.TZ, "excel")


def test_a_crashing_worker_is_a_store_error_too(dataset_url: str):
    with pytest.raises(StoreError, match="building the nope export failed: KeyError: 'nope'"):
        worker.build_apart(dataset_url, "nope", dataset.FIRST, dataset.LAST, dataset.TZ, "excel")
