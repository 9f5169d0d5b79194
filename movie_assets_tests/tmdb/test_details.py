"""fetch_details: batched, checkpointed, resumable; tombstones for 404s; a completed run starts afresh."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from movie_assets.tmdb.details import DetailsResult, Progress, fetch_details
from movie_assets.tmdb.details_store import CHECKPOINT, HARVESTED_AT, PENDING, DetailsStore, ids_digest


class Killed(Exception):
    """Stands in for the process dying mid-run."""


class FakeDetails:
    """`/movie/{id}` over a dict; ids it lacks answer 404 (None). Records every id asked for."""

    def __init__(self, known: set[int], *, kill_after: int | None = None, store: DetailsStore | None = None):
        self.known = known
        self.kill_after = kill_after
        self.store = store
        self.calls: list[int] = []
        self.checked: set[str] = set()
        self.in_flight = self.peak = 0

    async def movie(self, movie_id: int) -> dict[str, Any] | None:
        if self.kill_after is not None and len(self.calls) >= self.kill_after:
            raise Killed(f"killed after {self.kill_after} calls")
        if self.store is not None:
            assert_store_readable(self.store, self.checked)
        self.calls.append(movie_id)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0)  # a round trip: lets the other workers run
        self.in_flight -= 1
        if movie_id not in self.known:
            return None
        return {"id": movie_id, "title": f"Film {movie_id}", "credits": {"cast": [], "crew": []}}


def assert_store_readable(store: DetailsStore, checked: set[str]) -> None:
    """What a reader sees at any instant: a valid checkpoint whose listed batches read back whole."""
    path = store.dir / CHECKPOINT
    if not path.exists():
        return
    checkpoint = json.loads(path.read_text())
    for name in set(checkpoint["batches"]) - checked:
        with gzip.open(store.dir / name, "rt") as fh:
            assert all(json.loads(line)["id"] for line in fh)
        checked.add(name)  # batch files are never rewritten in place, so once is enough


def fetch(source: Any, ids: list[int], store: DetailsStore, **kwargs: Any) -> DetailsResult:
    return asyncio.run(fetch_details(source, ids, store, **kwargs))


IDS = list(range(1, 1001))
MISSING = set(range(7, 1000, 100))  # ten ids TMDb answers 404 for
KNOWN = set(IDS) - MISSING


def test_fetches_every_id_in_checkpointed_batches(tmp_path: Path) -> None:
    store = DetailsStore(tmp_path / "details")
    source = FakeDetails(KNOWN, store=store)
    result = fetch(source, IDS, store, batch_size=200, concurrency=8)
    assert sorted(source.calls) == IDS  # every id once; 404s not retried
    assert 1 < source.peak <= 8
    assert (result.fetched, result.resumed_from, result.total, result.records) == (1000, 0, 1000, 990)
    assert result.tombstones == sorted(MISSING) == store.tombstone_ids()
    records = list(store.iter_records())
    assert sorted(r["id"] for r in records) == sorted(KNOWN)
    assert all(datetime.fromisoformat(r[HARVESTED_AT]).utcoffset().total_seconds() == 0 for r in records)
    checkpoint = json.loads((store.dir / CHECKPOINT).read_text())
    assert checkpoint["state"] == "complete" and store.is_complete()
    assert checkpoint["ids_digest"] == ids_digest(IDS[::-1])
    assert (checkpoint["done_ids_count"], checkpoint["tombstone_count"]) == (1000, 10)
    assert checkpoint["batches"] == result.batches == [f"batch-{n:05d}.jsonl.gz" for n in range(1, 6)]
    assert sorted(p.name for p in store.dir.iterdir()) == sorted(
        [*result.batches, CHECKPOINT, "tombstones.jsonl"]
    )


def test_a_killed_run_resumes_and_refetches_at_most_the_requests_in_flight(tmp_path: Path) -> None:
    store = DetailsStore(tmp_path)
    batch_size, concurrency = 100, 8
    first = FakeDetails(KNOWN, kill_after=437, store=store)
    with pytest.raises(Killed):
        fetch(first, IDS, store, batch_size=batch_size, concurrency=concurrency)
    checkpoint = json.loads((store.dir / CHECKPOINT).read_text())
    assert checkpoint["state"] == "in_progress" and checkpoint["done_ids_count"] == 400  # whole batches
    journal = [row["id"] for row, _ in store.pending()]
    assert len(journal) > 0 and set(journal) <= set(first.calls)  # the ids finished after the last batch

    second = FakeDetails(KNOWN, store=store)
    result = fetch(second, IDS, store, batch_size=batch_size, concurrency=concurrency)
    assert result.resumed_from == 400 + len(journal)
    assert result.fetched == len(second.calls) == len(IDS) - result.resumed_from
    assert len(set(second.calls)) == len(second.calls) and not set(second.calls) & set(journal)
    refetched = len(first.calls) + len(second.calls) - len(IDS)
    assert 0 <= refetched <= concurrency  # only what was in flight when the run died
    ids = Counter(r["id"] for r in store.iter_records())
    assert set(ids) == KNOWN and set(ids.values()) == {1}
    assert result.tombstones == sorted(MISSING) and store.is_complete() and store.pending() == []


def test_a_batch_written_but_never_listed_is_dropped_on_resume(tmp_path: Path) -> None:
    store = DetailsStore(tmp_path)
    with pytest.raises(Killed):
        fetch(FakeDetails(KNOWN, kill_after=250), IDS, store, batch_size=100, concurrency=1)
    # A kill between a batch's rename and the checkpoint leaves an unlisted file (and maybe a temp file).
    (store.dir / "batch-00003.jsonl.gz").write_bytes(b"not gzip")
    (store.dir / ".batch-00004.jsonl.gz.0f1e2d3c.tmp").write_bytes(b"half")  # atomic_path's temp name
    result = fetch(FakeDetails(KNOWN), IDS, store, batch_size=100, concurrency=4)
    assert result.resumed_from == 250  # two listed batches and the journal's 50 ids
    assert sorted(r["id"] for r in store.iter_records()) == sorted(KNOWN)
    assert not list(store.dir.glob(".*.tmp"))


def test_a_run_killed_before_its_first_batch_resumes_from_its_journal(tmp_path: Path) -> None:
    store = DetailsStore(tmp_path)
    with pytest.raises(Killed):
        fetch(FakeDetails(KNOWN, kill_after=30), IDS, store, batch_size=100, concurrency=1)
    assert json.loads((tmp_path / CHECKPOINT).read_text())["state"] == "in_progress"
    source = FakeDetails(KNOWN)
    result = fetch(source, IDS, store, batch_size=100)
    assert (result.resumed_from, result.fetched) == (30, 970) and sorted(source.calls) == IDS[30:]


def test_a_torn_journal_line_is_fetched_again_and_later_lines_are_not_trusted(tmp_path: Path) -> None:
    store = DetailsStore(tmp_path)
    with pytest.raises(Killed):
        fetch(FakeDetails(KNOWN, kill_after=30), IDS, store, batch_size=100, concurrency=1)
    journal = (tmp_path / PENDING).read_bytes().splitlines(keepends=True)
    # A kill mid-write cuts the last line short; a machine crash may leave garbage in the middle.
    damaged = b"".join(journal[:10]) + b"\x00\x00garbage\n" + b"".join(journal[11:29]) + journal[29][:-9]
    (tmp_path / PENDING).write_bytes(damaged)
    assert [row["id"] for row, _ in store.pending()] == IDS[:10]
    source = FakeDetails(KNOWN)
    result = fetch(source, IDS, store, batch_size=100)
    assert result.resumed_from == 10 and sorted(source.calls) == IDS[10:]
    assert Counter(r["id"] for r in store.iter_records()) == Counter(sorted(KNOWN))


def test_an_unreadable_listed_batch_is_reported_by_name(tmp_path: Path) -> None:
    store = DetailsStore(tmp_path)
    with pytest.raises(Killed):
        fetch(FakeDetails(KNOWN, kill_after=150), IDS, store, batch_size=100)
    (tmp_path / "batch-00001.jsonl.gz").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="batch-00001.jsonl.gz is unreadable"):
        fetch(FakeDetails(KNOWN), IDS, store, batch_size=100)


def test_a_completed_run_is_fetched_afresh_when_run_again(tmp_path: Path) -> None:
    store = DetailsStore(tmp_path)
    fetch(FakeDetails(KNOWN), IDS, store, batch_size=300)
    again = FakeDetails(KNOWN)
    result = fetch(again, IDS, store, batch_size=300)
    assert sorted(again.calls) == IDS
    assert (result.fetched, result.resumed_from) == (1000, 0)
    assert sorted(r["id"] for r in store.iter_records()) == sorted(KNOWN)
    assert result.batches == [f"batch-{n:05d}.jsonl.gz" for n in range(1, 5)]


def test_a_completed_run_whose_run_failed_later_is_resumed_with_nothing_fetched(tmp_path: Path) -> None:
    store = DetailsStore(tmp_path)
    fetch(FakeDetails(KNOWN), IDS, store, batch_size=300, started_by="run-1")
    again = FakeDetails(KNOWN)
    result = fetch(again, IDS, store, batch_size=300, resume_complete=True, started_by="run-2")
    assert again.calls == [] and (result.fetched, result.resumed_from) == (0, 1000)
    assert result.tombstones == sorted(MISSING) and result.records == len(KNOWN)
    # The backfill still belongs to the run that began it.
    assert store.started_by() == "run-1" and store.is_complete()


def test_resume_complete_still_fetches_another_id_set_afresh(tmp_path: Path) -> None:
    store = DetailsStore(tmp_path)
    fetch(FakeDetails(KNOWN), IDS, store, batch_size=300, started_by="run-1")
    ids = list(range(5000, 5100))
    source = FakeDetails(set(ids))
    result = fetch(source, ids, store, resume_complete=True, started_by="run-2")
    assert sorted(source.calls) == ids and result.resumed_from == 0
    assert store.started_by() == "run-2"


@pytest.mark.parametrize("fresh", [False, True])
def test_another_id_set_or_fresh_discards_an_interrupted_run(tmp_path: Path, fresh: bool) -> None:
    store = DetailsStore(tmp_path)
    with pytest.raises(Killed):
        fetch(FakeDetails(KNOWN, kill_after=350), IDS, store, batch_size=100)
    ids = IDS if fresh else list(range(5000, 5250))
    source = FakeDetails(set(ids))
    result = fetch(source, ids, store, batch_size=100, fresh=fresh)
    assert result.resumed_from == 0 and sorted(source.calls) == ids
    assert sorted(r["id"] for r in store.iter_records()) == ids
    assert result.tombstones == [] and store.tombstone_ids() == []


def test_progress_reports_rate_and_eta_after_each_batch(tmp_path: Path) -> None:
    seen: list[Progress] = []
    ticks = iter([100.0, 102.0, 104.0, 106.0, 108.0])
    ids = list(range(1, 601))
    fetch(
        FakeDetails(set(ids)),
        ids,
        DetailsStore(tmp_path),
        batch_size=200,
        progress=seen.append,
        clock=lambda: next(ticks),
    )
    assert [(p.done, p.total, p.fetched, p.rate, p.eta_seconds) for p in seen] == [
        (200, 600, 200, 100.0, 4.0),
        (400, 600, 400, 100.0, 2.0),
        (600, 600, 600, 100.0, 0.0),
    ]  # the final flush adds nothing after the third batch, so 600 is reported once


def test_duplicate_ids_are_fetched_once(tmp_path: Path) -> None:
    source = FakeDetails({3, 5})
    result = fetch(source, [3, 5, 3], DetailsStore(tmp_path))
    assert sorted(source.calls) == [3, 5] and result.total == 2 and result.records == 2


@pytest.mark.parametrize(
    ("ids", "kwargs", "message"),
    [
        ([1, "2"], {}, "positive integers"),
        ([0], {}, "positive integers"),
        ([1, 2], {"batch_size": 0}, "at least 1"),
        ([1, 2], {"concurrency": 0}, "at least 1"),
    ],
)
def test_bad_arguments_are_refused(tmp_path: Path, ids: list, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fetch(FakeDetails(set()), ids, DetailsStore(tmp_path), **kwargs)


def test_a_corrupt_checkpoint_is_reported_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / CHECKPOINT).write_text("{not json")
    with pytest.raises(ValueError, match="checkpoint.json is not valid JSON"):
        fetch(FakeDetails({1}), [1], DetailsStore(tmp_path))
    assert (tmp_path / CHECKPOINT).read_text() == "{not json"


class WrongId(FakeDetails):
    async def movie(self, movie_id: int) -> dict[str, Any] | None:
        return {"id": movie_id + 1}


def test_a_record_for_another_id_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="asked the source for movie 1 but got id 2"):
        fetch(WrongId(set()), [1], DetailsStore(tmp_path))


_CHILD = """
import asyncio, sys
from movie_assets.tmdb.details import fetch_details
from movie_assets.tmdb.details_store import DetailsStore

class Slow:
    async def movie(self, movie_id):
        await asyncio.sleep(0.002)
        return {"id": movie_id, "overview": "x" * 2000}

def show(p):
    print(p.done, flush=True)

asyncio.run(fetch_details(Slow(), range(1, 3001), DetailsStore(sys.argv[1]), batch_size=100, concurrency=8,
                          progress=show))
"""


@pytest.mark.integration
def test_a_sigkilled_run_leaves_whole_files_and_resumes(tmp_path: Path) -> None:
    import subprocess
    import sys

    store = DetailsStore(tmp_path)
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        for line in child.stdout:  # one line per checkpointed batch
            assert_store_readable(store, set())
            if int(line) >= 1000:
                break
        child.kill()  # SIGKILL: no cleanup, possibly mid-write
    finally:
        child.kill()
        child.wait()
    checkpoint = json.loads((tmp_path / CHECKPOINT).read_text())
    assert checkpoint["state"] == "in_progress" and checkpoint["done_ids_count"] % 100 == 0
    # Whole journal lines only, whatever the kill cut; a kill right after a checkpoint may leave ids in
    # the journal that the batches already hold.
    journal = {row["id"] for row, _ in store.pending()} - {r["id"] for r in store.iter_records()}
    ids = list(range(1, 3001))
    source = FakeDetails(set(ids))
    result = fetch(source, ids, store, batch_size=100, concurrency=8)
    assert result.resumed_from == checkpoint["done_ids_count"] + len(journal) >= 1000
    assert len(source.calls) == result.fetched == 3000 - result.resumed_from
    assert Counter(r["id"] for r in store.iter_records()) == Counter(ids)


STAMP = "2026-01-02T00:00:00+00:00"
# What a resume and a refresh read back: the checkpoint's keys, in the order they are written.
CHECKPOINT_KEYS = [
    "state",
    "ids_digest",
    "total_ids",
    "batches",
    "done_ids_count",
    "tombstone_count",
    "started_at",
    "updated_at",
]


def test_append_after_a_backfill_lists_one_more_batch_and_its_tombstones(tmp_path: Path) -> None:
    store = DetailsStore(tmp_path)
    fetch(FakeDetails(KNOWN), IDS, store, batch_size=400)
    assert list(store.checkpoint()) == CHECKPOINT_KEYS
    (tmp_path / "batch-00009.jsonl.gz").write_bytes(b"written, never listed")
    store.append([{"id": 1, "title": "New"}], tombstones=[7, 2], stamp=STAMP)
    assert store.batches() == [f"batch-{n:05d}.jsonl.gz" for n in range(1, 5)]
    assert not (tmp_path / "batch-00009.jsonl.gz").exists()
    assert list(store.iter_records())[-1] == {"id": 1, "title": "New"}
    assert store.tombstone_ids() == sorted(MISSING | {2})
    checkpoint = store.checkpoint()
    assert list(checkpoint) == [*CHECKPOINT_KEYS, "patched_records", "patched_at"]
    assert (checkpoint["tombstone_count"], checkpoint["patched_records"]) == (11, 1)
    assert checkpoint["updated_at"] == checkpoint["patched_at"] == STAMP


def test_append_refuses_a_store_mid_backfill(tmp_path: Path) -> None:
    store = DetailsStore(tmp_path)
    with pytest.raises(Killed):
        fetch(FakeDetails(KNOWN, kill_after=150), IDS, store, batch_size=100)
    with pytest.raises(ValueError, match="no completed details backfill"):
        store.append([{"id": 1}], stamp=STAMP)
    assert store.batches() == ["batch-00001.jsonl.gz"]


def test_compact_keeps_the_last_kept_copy_of_each_id_in_batches_after_the_listed_ones(tmp_path: Path) -> None:
    store = DetailsStore(tmp_path)
    fetch(FakeDetails(KNOWN), IDS, store, batch_size=400)
    store.append([{"id": 1, "title": "New"}], stamp=STAMP)
    assert store.needs_compaction(0.001) and not store.needs_compaction(0.01)  # 1 appended of 1000 done
    store.compact(lambda record: record["id"] != 2, batch_size=500)
    assert store.batches() == ["batch-00005.jsonl.gz", "batch-00006.jsonl.gz"]
    assert sorted(p.name for p in tmp_path.glob("batch-*")) == store.batches()
    records = list(store.iter_records())
    assert [r["id"] for r in records] == sorted(KNOWN - {2}) and records[0]["title"] == "New"
    checkpoint = store.checkpoint()
    assert (checkpoint["done_ids_count"], checkpoint["patched_records"]) == (989 + 10, 0)
    assert not store.needs_compaction(0.001)
