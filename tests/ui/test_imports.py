"""The Imports page: batches with local times, and each rejected record with file, position, id and reason."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from cdrlib.store import RejectionRow, Store, views
from cdrlib.ui import fmt
from tests.ui.conftest import app_test


@pytest.fixture
def batches(store_url: str) -> list[int]:
    with Store.open(store_url) as store:
        first = store.begin_batch("import", "cdrs-march.json")
        store.add_rejections(
            first,
            [
                RejectionRow(
                    "cdrs-march.json", 3, "total_cost: field required", '{"id": "X3"}', "cdr", "X3", "total_cost"
                ),
                RejectionRow("cdrs-march.json", 7, "same key, other content", '{"id": "M1"}', "cdr", "M1", None, True),
            ],
        )
        store.finish_batch(first, accepted=9, duplicates=1, rejected=1, conflicts=1)
        clean = store.begin_batch("import", "cdrs-april.json")
        store.finish_batch(clean, accepted=4, duplicates=0, rejected=0, conflicts=0)
    return [first, clean]


def open_imports() -> AppTest:
    at = app_test().run()
    at.switch_page("pages/imports.py").run()
    assert not at.exception, at.exception
    return at


def test_batches_newest_first_with_local_times(batches: list[int], store_url: str) -> None:
    at = open_imports()
    table = at.dataframe[0].value
    assert list(table["Batch"]) == [batches[1], batches[0]]
    assert list(table["Accepted"]) == [4, 9]
    assert list(table["Rejected"]) == [0, 1]
    assert list(table["Conflicts"]) == [0, 1]
    assert list(table["Description"]) == ["cdrs-april.json", "cdrs-march.json"]
    with Store.open(store_url) as store:
        newest = views.import_batches(store)[0]
    assert newest.finished_at is not None
    assert table["Started"][0] == fmt.local_time(newest.started_at, "Europe/Amsterdam")
    assert table["Finished"][0] == fmt.local_time(newest.finished_at, "Europe/Amsterdam")
    assert table["Started"][0][-6:] in ("+01:00", "+02:00")  # local, with its offset


def test_rejected_records_with_position_id_and_reason(batches: list[int], store_url: str) -> None:
    at = open_imports()
    assert at.selectbox(key="imports_batch").value == batches[0]  # the only batch that rejected something
    rows = at.dataframe[1].value
    assert list(rows["File"]) == ["cdrs-march.json", "cdrs-march.json"]
    assert list(rows["Position"]) == [3, 7]
    assert list(rows["Id"]) == ["X3", "M1"]
    assert list(rows["Field"]) == ["total_cost", ""]
    assert list(rows["Reason"]) == ["total_cost: field required", "same key, other content"]
    assert list(rows["Conflict"]) == [False, True]
    assert at.code[0].value == '{"id": "X3"}'

    with Store.open(store_url) as store:
        conflict = views.rejections(store, batches[0])[1]
    at.selectbox(key="imports_record").set_value(conflict.pk).run()
    assert at.code[0].value == '{"id": "M1"}'
    assert "same key, other content" in [c.value for c in at.caption]


def test_no_imports(store_url: str) -> None:
    at = open_imports()
    assert [i.value for i in at.info] == ["No imports yet."]
