"""`demo.generate`: the API, determinism, re-runs, chunking, the helper process and its failures."""

from __future__ import annotations

import datetime as dt
import gc
import json
from pathlib import Path

import pytest

from cdrlib import demo
from cdrlib.errors import CdrError
from cdrlib.store import views
from tests.demo.conftest import CDRS, SEED, UNTIL, Dataset, open_store, read_all

SMALL = 1_200


def _generate(path: Path, **kwargs: object) -> list:
    with open_store(path) as store:
        demo.generate(store, **{"cdrs": SMALL, "seed": SEED, "until": UNTIL, **kwargs})  # type: ignore[arg-type]
        return read_all(store)


def test_summary_and_counts(dataset: Dataset) -> None:
    s = dataset.summary
    assert s.cdrs == CDRS == len(dataset.cdrs)
    assert s.locations >= 40
    assert s.emps >= 6
    assert s.first_start == min(c.start_date_time for c in dataset.cdrs)
    assert s.last_start == max(c.start_date_time for c in dataset.cdrs)
    assert s.seconds > 0
    assert dt.datetime(2024, 11, 30, tzinfo=dt.UTC) <= s.first_start < dt.datetime(2024, 12, 3, tzinfo=dt.UTC)
    assert s.last_start < dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_progress_after_every_chunk(dataset: Dataset) -> None:
    done = [d for d, _ in dataset.progress]
    assert {t for _, t in dataset.progress} == {CDRS}
    assert done == sorted(done) and done[-1] == CDRS
    assert done[:2] == [1_500, 3_000]  # chunk_size=1500 in the fixture


def test_same_parameters_same_cdrs(dataset: Dataset, tmp_path: Path) -> None:
    a = _generate(tmp_path / "a.db")
    b = _generate(tmp_path / "b.db")
    assert len(a) == SMALL
    assert a == b
    assert [c.content_hash for c in a] == [c.content_hash for c in b]


def test_other_seed_other_cdrs(tmp_path: Path) -> None:
    a = _generate(tmp_path / "a.db")
    b = _generate(tmp_path / "b.db", seed=SEED + 1)
    assert len(a) == len(b) == SMALL
    assert [c.start_date_time for c in a] != [c.start_date_time for c in b]
    assert {c.content_hash for c in a}.isdisjoint({c.content_hash for c in b})


def test_chunk_size_does_not_change_the_data(tmp_path: Path) -> None:
    assert _generate(tmp_path / "a.db", chunk_size=97) == _generate(tmp_path / "b.db", chunk_size=50_000)


def test_until_sets_the_window(tmp_path: Path) -> None:
    cdrs = _generate(tmp_path / "a.db", until=dt.date(2025, 7, 15))
    limit = dt.datetime(2025, 7, 15, tzinfo=dt.UTC)
    assert max(c.end_date_time for c in cdrs) < limit
    assert max(c.created_at for c in cdrs) < limit  # type: ignore[type-var]
    assert min(c.start_date_time for c in cdrs) >= dt.datetime(2024, 6, 14, 22, tzinfo=dt.UTC)
    months = {(c.start_date_time.year, c.start_date_time.month) for c in cdrs}
    assert len(months) >= 13


def test_rerun_counts_duplicates_and_keeps_master_data(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    first = _generate(path)
    with open_store(path) as store:
        before = (store.ous(), store.emps(), store.locations(), store.reimbursements(), store.distribution_rules())
        summary = demo.generate(store, cdrs=SMALL, seed=SEED, until=UNTIL)
        after = (store.ous(), store.emps(), store.locations(), store.reimbursements(), store.distribution_rules())
        assert summary.cdrs == SMALL
        assert store.count_cdrs() == SMALL
        assert after == before
        assert read_all(store) == first
        meta = json.loads(store.get_meta("demo") or "{}")
        assert store.get_meta("dataset") == "demo"
        second, first_batch = views.import_batches(store)
    assert meta["cdrs"] == SMALL and meta["seed"] == SEED and meta["until"] == UNTIL.isoformat()
    assert (first_batch.source, first_batch.accepted, first_batch.duplicates) == ("demo", SMALL, 0)
    assert (second.accepted, second.duplicates, second.conflicts, second.rejected) == (SMALL, SMALL, 0, 0)
    assert second.description == f"cdrs={SMALL} seed={SEED} until={UNTIL}"
    assert first_batch.finished_at is not None and second.finished_at is not None


def test_other_seed_into_the_same_store_reports_conflicts(tmp_path: Path) -> None:
    """CDR ids do not depend on the seed: another seed's CDRs under the same ids are conflicts, kept
    out of the store and counted in the batch (never a silent overwrite)."""
    path = tmp_path / "a.db"
    first = _generate(path)
    with open_store(path) as store:
        demo.generate(store, cdrs=SMALL, seed=SEED + 1, until=UNTIL)
        latest = views.import_batches(store)[0]
        stored = {c.id: c for c in read_all(store)}
    assert all(stored[c.id] == c for c in first)
    assert latest.conflicts > 0.9 * SMALL


def test_helper_process_gives_the_same_cdrs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    in_process = _generate(tmp_path / "a.db")
    monkeypatch.setattr(demo, "PARALLEL_MIN_CDRS", 1)
    assert _generate(tmp_path / "b.db", chunk_size=77) == in_process


def test_helper_failure_is_a_cdr_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "PARALLEL_MIN_CDRS", 1)
    monkeypatch.setattr(demo, "_HELPER_MODULE", "cdrlib.demo.no_such_helper")
    with open_store(tmp_path / "a.db") as store, pytest.raises(CdrError, match="demo generator process stopped"):
        demo.generate(store, cdrs=SMALL, seed=SEED, until=UNTIL)
    assert gc.isenabled()


def test_garbage_collector_is_restored(tmp_path: Path) -> None:
    _generate(tmp_path / "a.db", cdrs=50)
    assert gc.isenabled()
    gc.disable()
    try:
        _generate(tmp_path / "b.db", cdrs=50)
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("kwargs", [{"cdrs": 0}, {"chunk_size": 0}])
def test_bad_arguments(tmp_path: Path, kwargs: dict[str, int]) -> None:
    with open_store(tmp_path / "a.db") as store, pytest.raises(CdrError):
        demo.generate(store, **kwargs)  # type: ignore[arg-type]


def test_tiny_run(tmp_path: Path) -> None:
    cdrs = _generate(tmp_path / "a.db", cdrs=1)
    assert len(cdrs) == 1
    assert not cdrs[0].credit
