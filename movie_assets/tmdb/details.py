"""The resumable details backfill: `/movie/{id}` for every discovered id, checkpointed in batches.

A killed or failed run resumes from its checkpoint and the store's journal of ids finished since the last
batch, so it re-fetches at most the requests that were in flight. A run after a completed one (or over a
different id set) starts afresh, unless the caller knows that the completed backfill belongs to a run
that failed in a later step (`resume_complete`): then nothing is fetched again. A 404 is a tombstone:
recorded, not retried. The files and their format are `details_store`'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from movie_assets.tmdb.details_store import HARVESTED_AT, DetailsStore, ids_digest, utc_now
from movie_assets.tmdb.windows import gather_or_cancel


class DetailsSource(Protocol):
    async def movie(self, movie_id: int) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class Progress:
    done: int  # ids finished, resumed ones and tombstones included
    total: int
    fetched: int  # ids finished by this run
    tombstones: int
    rate: float  # this run's ids per second
    eta_seconds: float | None  # None until a rate is known


@dataclass
class DetailsResult:
    fetched: int
    resumed_from: int
    tombstones: list[int]
    total: int
    batches: list[str]
    records: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "total_ids": self.total,
            "records": self.records,
            "tombstones": len(self.tombstones),
            "fetched_this_run": self.fetched,
            "resumed_from": self.resumed_from,
            "batches": len(self.batches),
        }


def _target_ids(ids: Sequence[int]) -> list[int]:
    bad = [i for i in ids if type(i) is not int or i < 1]
    if bad:
        raise ValueError(f"movie ids must be positive integers; got {bad[:5]} ({len(bad)} bad of {len(ids)})")
    return list(dict.fromkeys(ids))  # de-duplicated, first-seen order


class _Run:
    """One backfill run: the store's state plus what this run has finished but not yet checkpointed."""

    def __init__(self, store: DetailsStore, checkpoint: dict[str, Any], total: int) -> None:
        self.store, self.checkpoint, self.total = store, checkpoint, total
        self.tombstones = store.tombstones()
        self.records: list[dict[str, Any]] = []
        self.dead: list[dict[str, Any]] = []
        self.fetched = 0

    def add(self, movie_id: int, details: dict[str, Any] | None) -> None:
        if details is not None and details.get("id") != movie_id:
            raise ValueError(f"asked the source for movie {movie_id} but got id {details.get('id')!r}")
        row = (
            {"id": movie_id, HARVESTED_AT: utc_now()}
            if details is None
            else {**details, HARVESTED_AT: utc_now()}
        )
        (self.dead if details is None else self.records).append(row)
        self.store.note_pending(row, tombstone=details is None)

    def recover(self, wanted: set[int]) -> set[int]:
        """Fold the journal's `wanted` ids (finished by a killed run after its last batch) into a batch of
        their own; returns them. They count as resumed, not as fetched by this run."""
        for row, dead in self.store.pending():
            if row["id"] in wanted:
                wanted.discard(row["id"])
                (self.dead if dead else self.records).append(row)
        recovered = {row["id"] for row in self.records + self.dead}
        if recovered:
            self.flush()
            self.fetched = 0
        self.store.clear_pending()  # also a torn last line, which new appends would run on from
        return recovered

    @property
    def pending(self) -> int:
        return len(self.records) + len(self.dead)

    def flush(self, state: str = "in_progress") -> None:
        """Batch file, then tombstones, then the checkpoint that lists them: each step durable first."""
        if self.records:
            self.store.append_batch(self.checkpoint, self.records)
        if self.dead:
            self.tombstones += self.dead
            self.store.write_tombstones(self.tombstones)
        self.fetched += self.pending
        self.checkpoint["done_ids_count"] += self.pending
        self.checkpoint.update(state=state, tombstone_count=len(self.tombstones), updated_at=utc_now())
        self.store.write_checkpoint(self.checkpoint)
        self.store.clear_pending()  # after the checkpoint: a kill in between leaves only ids already done
        self.records, self.dead = [], []


async def fetch_details(
    source: DetailsSource,
    ids: Sequence[int],
    store: DetailsStore,
    *,
    batch_size: int = 200,
    concurrency: int = 16,
    fresh: bool = False,
    resume_complete: bool = False,
    started_by: str | None = None,
    progress: Callable[[Progress], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> DetailsResult:
    """Fetch details for `ids` into `store`, resuming an interrupted run over the same ids.

    An unfinished backfill over the same ids is always resumed (unless `fresh`): its run never got past
    it, so it failed or was killed. A finished one is resumed only with `resume_complete`: whether its
    run went on to fail is the caller's knowledge (the Dagster asset reads the run history). `started_by`
    is recorded in the checkpoint of a backfill started afresh, so a caller can later ask that question
    about the run that began it; a resumed backfill keeps the label it has.
    """
    if batch_size < 1 or concurrency < 1:
        raise ValueError(f"batch_size and concurrency must be at least 1, got {batch_size}, {concurrency}")
    targets = _target_ids(ids)
    digest = ids_digest(targets)
    previous = None if fresh else store.checkpoint()
    resumable = ("in_progress", "complete") if resume_complete else ("in_progress",)
    if previous and previous.get("state") in resumable and previous.get("ids_digest") == digest:
        checkpoint = previous
        store.drop_unlisted(checkpoint["batches"])  # a batch written but never listed is fetched again
        done = {r["id"] for name in checkpoint["batches"] for r in store.read_batch(name)}
        done |= set(store.tombstone_ids())
        checkpoint["done_ids_count"] = len(done)
    else:
        store.clear()
        now = utc_now()
        checkpoint = {"state": "in_progress", "ids_digest": digest, "total_ids": len(targets), "batches": []}
        checkpoint.update(done_ids_count=0, tombstone_count=0, started_at=now, updated_at=now)
        checkpoint.update({} if started_by is None else {"started_by": started_by})
        store.write_checkpoint(checkpoint)  # a kill from here on resumes rather than restarts
        done = set()
    run = _Run(store, checkpoint, len(targets))
    done |= run.recover(set(targets) - done)
    todo = iter([i for i in targets if i not in done])
    resumed_from, started = len(done), clock()
    reported: list[int] = []

    def report() -> None:
        # The final flush may add nothing after the last batch: say each count once.
        if progress is not None and reported[-1:] != [run.fetched]:
            reported.append(run.fetched)
            elapsed = clock() - started
            rate = run.fetched / elapsed if elapsed > 0 else 0.0
            remaining = run.total - resumed_from - run.fetched
            eta = remaining / rate if rate > 0 else (0.0 if remaining == 0 else None)
            progress(
                Progress(resumed_from + run.fetched, run.total, run.fetched, len(run.tombstones), rate, eta)
            )

    async def worker() -> None:
        for movie_id in todo:  # one shared iterator: each id goes to exactly one worker
            run.add(movie_id, await source.movie(movie_id))
            if run.pending >= batch_size:
                run.flush()  # synchronous, so no other worker interleaves with the write
                report()

    await gather_or_cancel(worker() for _ in range(concurrency))
    run.flush(state="complete")
    report()
    tombstones = sorted(row["id"] for row in run.tombstones)
    records = run.checkpoint["done_ids_count"] - len(tombstones)
    return DetailsResult(
        run.fetched, resumed_from, tombstones, len(targets), list(checkpoint["batches"]), records
    )
